/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket protocol between bladectl and bladed.  Pure codec
 * (core library); doc/wire-protocol.rst has the bytes.
 *
 * A connection carries one request frame from the client and one reply
 * frame from the daemon, then the daemon closes it.  Frame = 12-byte
 * header + payload, integers big-endian:
 *
 *   0  u32 magic    CTL_MAGIC ("BLCT")
 *   4  u8  version  CTL_VERSION
 *   5  u8  kind     1 = request, 2 = reply
 *   6  u16 reserved 0
 *   8  u32 length   payload bytes (<= CTL_MAX_PAYLOAD)
 *
 * Request payload: u16 command, u16 n_args, then n_args times (u32 len,
 * bytes).  Reply payload: i32 status (CtlStatus), u32 len + body (text or
 * XML for stdout), u32 len + error (one line for stderr).  Strings never
 * contain NUL.
 *
 * Errors: -EAGAIN  not enough bytes yet to judge (ctlproto_frame_check)
 *         -EBADMSG garbled frame (reason says what)
 *         -EPROTO  other protocol version
 *         -EOPNOTSUPP unknown command (well-formed otherwise)
 *         -EINVAL  (encoders) a limit broken; -ENOMEM.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_MAGIC 0x424C4354u /* "BLCT" */
#define CTL_VERSION 1
#define CTL_HEADER_SIZE 12
#define CTL_MAX_ARGS 16
#define CTL_MAX_ERROR 4096u
/* Room for one configuration document (WIRE_MAX_DOC) plus framing. */
#define CTL_MAX_PAYLOAD ((8u << 20) + 65536u)

typedef enum CtlKind {
        CTL_KIND_REQUEST = 1,
        CTL_KIND_REPLY = 2,
} CtlKind;

typedef enum CtlCommand {
        CTL_CMD_STATUS = 1,      /* args: "xml" | "text" */
        CTL_CMD_CONFIG_SHOW = 2, /* no args */
        CTL_CMD_CONFIG_LOAD = 3, /* args: the document */
        /* Admin commands (CLI.md); numbers are stable, new ones are appended. */
        CTL_CMD_MIGRATE = 4,      /* args: RES [NODE] */
        CTL_CMD_UNMIGRATE = 5,    /* args: RES */
        CTL_CMD_STANDBY = 6,      /* args: NODE */
        CTL_CMD_ONLINE = 7,       /* args: NODE */
        CTL_CMD_MAINTENANCE = 8,  /* args: "on" | "off" */
        CTL_CMD_CLEANUP = 9,      /* args: RES [NODE] */
        CTL_CMD_FENCE = 10,       /* args: NODE, "off" | "status" */
        CTL_CMD_NODE_ADD = 11,    /* args: NAME IP [NUMBER] (decimal) */
        CTL_CMD_NODE_REMOVE = 12, /* args: NAME */
        _CTL_CMD_MAX,
} CtlCommand;

/* Reply status = bladectl's exit status (CLI.md). */
typedef enum CtlStatus {
        CTL_STATUS_OK = 0,
        CTL_STATUS_FAILED = 1, /* refused by the cluster, not allowed, failed */
        CTL_STATUS_INPUT = 2,  /* bad request or bad input document */
        _CTL_STATUS_MAX,
} CtlStatus;

typedef struct CtlCommandInfo {
        const char *name;
        unsigned min_args, max_args;
        bool modifies; /* needs uid 0 or the admin group */
} CtlCommandInfo;

typedef struct CtlArg {
        const char *p; /* points into the frame, not NUL-terminated */
        size_t len;
} CtlArg;

typedef struct CtlRequest {
        uint16_t command;
        size_t n_args;
        CtlArg args[CTL_MAX_ARGS];
} CtlRequest;

typedef struct CtlReply {
        int32_t status;
        const char *body;
        size_t body_len;
        const char *error;
        size_t error_len;
} CtlReply;

/* NULL for an unknown command. */
const CtlCommandInfo *ctlproto_command_info(unsigned command);

/* Looks at the first bytes of a stream: once the header is there, checks it
 * (magic, version, kind, reserved, length limit) and sets *frame_len to the
 * whole frame's size.  -EAGAIN while len < CTL_HEADER_SIZE. */
int ctlproto_frame_check(const void *buf, size_t len, CtlKind kind, size_t *frame_len,
                         const char **reason);

/* Decode one whole frame (exactly len bytes).  Pointers in *ret point into buf. */
int ctlproto_request_decode(const void *buf, size_t len, CtlRequest *ret, const char **reason);
int ctlproto_reply_decode(const void *buf, size_t len, CtlReply *ret, const char **reason);

/* Build a frame (caller frees *ret). */
int ctlproto_request_encode(const CtlRequest *r, uint8_t **ret, size_t *ret_len);
int ctlproto_reply_encode(const CtlReply *r, uint8_t **ret, size_t *ret_len);
