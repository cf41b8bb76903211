/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CPG wire protocol: the messages bladed daemons multicast to each
 * other in the CPG group "bladed".  Pure codec (core library); the layout,
 * byte by byte, is in doc/wire-protocol.rst.
 *
 * Every message is a 16-byte header followed by `length` payload bytes,
 * all integers big-endian:
 *
 *   0  u32 magic    WIRE_MAGIC ("BLAD")
 *   4  u8  version  WIRE_VERSION
 *   5  u8  type     WireType
 *   6  u16 flags    none defined in version 1: must be 0
 *   8  u32 length   payload bytes after the header (<= WIRE_MAX_PAYLOAD)
 *  12  u32 nodeid   the sender's corosync node id
 *
 * The header is checked completely before a payload byte is read (booth's
 * check_boothc_header() habit), and a payload must have exactly the size its
 * fields say: trailing bytes are an error, not an extension point.  Any
 * change in layout or meaning bumps WIRE_VERSION.
 *
 * Errors from wire_decode():
 *   -EBADMSG     garbled: bad magic, truncated, length disagrees, a field out
 *                of range, a digest that does not match its document
 *   -EPROTO      another protocol version (magic right, version not ours)
 *   -EOPNOTSUPP  well-formed header of a type this version does not handle
 *                (reserved for later types, or unknown): drop it, log it
 * In every error case *reason says why in a few words (static string).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC 0x424C4144u /* "BLAD" */
#define WIRE_VERSION 1
#define WIRE_HEADER_SIZE 16
/* A configuration document travels whole in one message. */
#define WIRE_MAX_DOC (8u << 20)
#define WIRE_MAX_TEXT 1024u
#define WIRE_MAX_PAYLOAD (WIRE_MAX_DOC + 64u)

typedef enum WireType {
        WIRE_STATE = 1,            /* after a join: my epoch, digest, flags */
        WIRE_CONFIG = 2,           /* a whole configuration + epoch (sync to laggers) */
        WIRE_CONFIG_REQUEST = 3,   /* a client's change, to be ordered by CPG */
        WIRE_CONFIG_ACK = 4,       /* "I have written epoch N" (or why not) */
        WIRE_RESOURCE_STATE = 5,   /* a probe's finding on the sender's own blade */
        WIRE_RESOURCE_RESULT = 16, /* an action's or a monitor's result, sender's blade */
        WIRE_ACTION = 17,          /* the coordinator: "blade B, do this to resource R" */
        WIRE_FENCE = 18,           /* the outcome of a fencing attempt */
        WIRE_NODES = 19,           /* node file change, its ack, or a digest announce */
        WIRE_LEAVING = 20,         /* the sender shuts down cleanly: drain it; empty payload */
        WIRE_CONFIG_EDIT = 21,     /* an admin edit made on epoch N: a CONFIG_REQUEST that
                                    * is refused if the cluster is no longer at N */
        /* version 1 drops unknown types */
} WireType;

/* WireState.flags */
#define WIRE_STATE_AUTHORITATIVE (1u << 0) /* my copy was synced in a majority partition */
#define WIRE_STATE_QUORATE (1u << 1)       /* corosync says my partition is quorate */
#define WIRE_STATE_SYNCED (1u << 2)        /* my copy is the cluster's current one */
#define WIRE_STATE_FLAGS_ALL 0x7u

typedef struct WireState {
        uint64_t round; /* the membership round this answers (cluster.h) */
        uint64_t epoch;
        uint64_t digest; /* wire_digest() of the sender's document */
        uint32_t flags;
        uint32_t n_blades;  /* blades in the sender's node file */
        uint32_t proto_max; /* highest wire version the sender speaks */
} WireState;

typedef struct WireConfig {
        uint64_t round; /* the round whose decision this copy answers */
        uint64_t epoch;
        uint64_t digest; /* must equal wire_digest(doc): checked by the decoder */
        const char *doc; /* not NUL-terminated; points into the decoded buffer */
        size_t doc_len;  /* 1..WIRE_MAX_DOC, no NUL byte */
} WireConfig;

typedef struct WireRequest {
        uint64_t request_id; /* the sender's own number for its waiting client */
        bool based;          /* CONFIG_EDIT: base_epoch is meaningful */
        uint64_t base_epoch; /* the epoch of the copy the edit was made on */
        const char *doc;
        size_t doc_len;
} WireRequest;

typedef struct WireAck {
        uint64_t epoch;  /* every change up to this epoch is on the sender's disk */
        int32_t error;   /* 0, or the negative errno of the failed write */
        const char *msg; /* why (may be empty), <= WIRE_MAX_TEXT, no NUL */
        size_t msg_len;
} WireAck;

/* WireResourceState limits */
#define WIRE_MAX_RSC_ID 256u
#define WIRE_ROLE_MAX 5u /* RscRole values 0.._RSC_ROLE_MAX-1 (state.h) */

typedef struct WireResourceState {
        uint64_t epoch;  /* the configuration epoch the probe ran against */
        uint32_t blade;  /* node id of the blade the state is about (= sender) */
        uint32_t role;   /* RscRole, <= WIRE_ROLE_MAX */
        int32_t rc;      /* OCF exit code 0..255, or -1 (no result: timeout, signal) */
        const char *rsc; /* resource id, 1..WIRE_MAX_RSC_ID bytes, no NUL */
        size_t rsc_len;
        const char *reason; /* agent's exit reason, 0..WIRE_MAX_TEXT bytes */
        size_t reason_len;
} WireResourceState;

/* What an ACTION asks for, and what a RESOURCE_RESULT answers. */
typedef enum WireOp {
        WIRE_OP_PROBE = 1, /* monitor, interval 0 */
        WIRE_OP_STOP = 2,
        WIRE_OP_START = 3,
        WIRE_OP_MIGRATE_TO = 4,   /* on the source; peer = target */
        WIRE_OP_MIGRATE_FROM = 5, /* on the target; peer = source */
        WIRE_OP_CLEANUP = 6,      /* forget failures, probe again (blade 0 = every blade) */
        WIRE_OP_MONITOR = 7,      /* results only: a recurring monitor's finding */
        WIRE_OP_ANNOUNCE = 8,     /* results only: the re-announce of a known state */
        _WIRE_OP_MAX,
} WireOp;

typedef struct WireAction {
        uint64_t epoch;     /* the configuration epoch the plan was made for */
        uint64_t action_id; /* unique per sender (the coordinator) */
        uint32_t op;        /* WIRE_OP_PROBE..WIRE_OP_CLEANUP */
        uint32_t blade;     /* node id that runs it; 0 only for CLEANUP = every blade */
        uint32_t peer;      /* the other blade of a migration, else 0 */
        const char *rsc;    /* 1..WIRE_MAX_RSC_ID bytes */
        size_t rsc_len;
} WireAction;

/* WireResult.flags */
#define WIRE_RESULT_BANNED (1u << 0)         /* never start here again until cleanup */
#define WIRE_RESULT_NEW_FAILURE (1u << 1)    /* this result counted a new failure */
#define WIRE_RESULT_NOT_RUN (1u << 2)        /* the action was refused, nothing ran */
#define WIRE_RESULT_BAN_EVERYWHERE (1u << 3) /* rc 6 from start: wrong everywhere */
#define WIRE_RESULT_FLAGS_ALL 0xfu

typedef struct WireResult {
        uint64_t epoch;
        uint64_t action_id; /* the ACTION answered, 0 for a monitor or an announce */
        uint32_t origin;    /* node id that sent that ACTION, 0 if none */
        uint32_t blade;     /* = sender */
        uint32_t op;        /* WireOp */
        uint32_t role;      /* RscRole after the action, <= WIRE_ROLE_MAX */
        int32_t rc;         /* OCF exit code 0..255, or -1 */
        uint32_t failcount; /* the blade's fail count for the resource */
        uint32_t flags;     /* WIRE_RESULT_* */
        uint32_t duration_ms;
        const char *rsc;
        size_t rsc_len;
        const char *reason; /* 0..WIRE_MAX_TEXT bytes */
        size_t reason_len;
} WireResult;

/* WireFence.flags */
#define WIRE_FENCE_OK (1u << 0)    /* the device confirmed the blade is off */
#define WIRE_FENCE_ADMIN (1u << 1) /* `bladectl fence`, not a recovery */
#define WIRE_FENCE_FLAGS_ALL 0x3u

typedef struct WireFence {
        uint32_t victim;    /* node id of the fenced blade */
        uint32_t flags;     /* WIRE_FENCE_* */
        int32_t rc;         /* the fence agent's exit code, -1 = none */
        uint32_t attempt;   /* 1, 2, ... for this loss of the blade */
        const char *reason; /* 0..WIRE_MAX_TEXT bytes */
        size_t reason_len;
} WireFence;

/* WireNodes.kind: one type for the node file's changes (hot-add/remove). */
#define WIRE_NODES_CHANGE 1u   /* "replace the node file whose digest is D by this text" */
#define WIRE_NODES_ACK 2u      /* "I have applied (or not) origin's change request_id" */
#define WIRE_NODES_ANNOUNCE 3u /* "the node file on my disk has digest D" */
/* A node file is a few kilobytes; nodes_parse refuses more than this. */
#define WIRE_MAX_NODE_FILE (1u << 20)

typedef struct WireNodes {
        uint32_t kind;       /* WIRE_NODES_* */
        uint32_t origin;     /* ACK: node id of the change's sender; else 0 */
        uint64_t request_id; /* CHANGE: the sender's client; ACK: the change's; ANNOUNCE: 0 */
        uint64_t digest;     /* CHANGE: wire_digest of the file it is based on;
                                ACK, ANNOUNCE: of the file now on the sender's disk */
        int32_t error;       /* ACK: 0 or the negative errno; else 0 */
        const char *text;    /* CHANGE: the whole new node file (1..WIRE_MAX_NODE_FILE);
                                ACK: why, 0..WIRE_MAX_TEXT; ANNOUNCE: empty */
        size_t text_len;
} WireNodes;

typedef struct WireMessage {
        uint8_t type; /* WireType */
        uint16_t flags;
        uint32_t nodeid;
        union {
                WireState state;
                WireConfig config;
                WireRequest request;
                WireAck ack;
                WireResourceState rstate;
                WireAction action;
                WireResult result;
                WireFence fence;
                WireNodes nodes;
        };
} WireMessage;

/* Decodes one message.  Pointers in *ret point into buf, which must outlive
 * it.  0 or an error listed above; *ret is only valid on 0. */
int wire_decode(const void *buf, size_t len, WireMessage *ret, const char **reason);

/* Encodes m into a new buffer (caller frees).  0, -EINVAL when m breaks a
 * limit (document too large or empty, text too long, NUL byte, unknown
 * type), -ENOMEM. */
int wire_encode(const WireMessage *m, uint8_t **ret, size_t *ret_len);

/* 64-bit FNV-1a of a document: identifies a copy, not a security check
 * (CPG traffic is authenticated by corosync/knet). */
uint64_t wire_digest(const void *buf, size_t len);

/* "STATE", "CONFIG", ..., or "unknown". */
const char *wire_type_to_string(unsigned type);
