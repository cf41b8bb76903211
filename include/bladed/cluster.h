/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cluster state reducer: applies one CPG membership change or one
 * decoded message to the replicated state (members, configuration copy and
 * epoch, sync rounds, pending acknowledgements).  Pure (core library): no
 * I/O, no clock; the shell feeds it CPG events in delivery order and carries
 * out the ClusterEffects it returns (send, persist, reply).  Because every
 * daemon of a CPG group sees the same events in the same order, every daemon
 * reaches the same decision; doc/architecture.rst explains the rules.
 *
 * The rules in short:
 * - A configuration carries an epoch.  A change (CONFIG_REQUEST) is applied
 *   where CPG delivers it, with epoch = cluster epoch + 1, only while more
 *   than half of the node file's blades run bladed in the partition
 *   ("majority"); the origin acknowledges its client once every member has
 *   written it (CONFIG_ACK).
 * - After a membership change with joins, every member multicasts STATE;
 *   when all STATEs of the round are in, the winner is the member with the
 *   best (authoritative, epoch) and then the lowest node id; members whose
 *   copy differs lag, and the winner multicasts its CONFIG to them.
 *   "Authoritative" = synced while the partition held a majority, and not
 *   below a majority since: the quorate side's copy wins a merge.
 * - Changes delivered while a round is open are queued (bounded) and
 *   applied, in order, when it closes.
 *
 * Errors: -ENOMEM; -EBADMSG for a message whose header node id is not the
 * CPG sender's; -EINVAL for a membership list that is not a set.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bladed/state.h"
#include "bladed/wire.h"

#define CLUSTER_MAX_MEMBERS 128 /* CPG_MEMBERS_MAX */
#define CLUSTER_MAX_QUEUE 8     /* changes waiting for an open round */
#define CLUSTER_MAX_PENDING 64  /* our own changes waiting for acks */

typedef enum ClusterReason {
        CLUSTER_REASON_JOIN = 0,
        CLUSTER_REASON_LEAVE,  /* cpg_leave(): a clean stop */
        CLUSTER_REASON_FAILED, /* the process died or its node left the ring */
} ClusterReason;

typedef struct ClusterAddr {
        uint32_t nodeid;
        uint32_t pid;
        ClusterReason reason; /* meaningful in left lists only */
} ClusterAddr;

typedef struct ClusterPeer {
        uint32_t nodeid, pid;
        bool has_state; /* its STATE for the open round has been delivered */
        WireState state;
        bool lagging; /* per the last decision: its copy is not the winner's */
} ClusterPeer;

typedef struct ClusterQueued {
        uint32_t nodeid, pid;
        uint64_t request_id;
        bool based; /* a CONFIG_EDIT: refused unless the cluster is at base_epoch */
        uint64_t base_epoch;
        char *doc;
        size_t doc_len;
} ClusterQueued;

typedef struct ClusterPending {
        uint64_t request_id;
        uint64_t epoch;
        ClusterAddr *waiting; /* members that have not acknowledged yet */
        size_t n_waiting;
        char *problems; /* "; "-separated, NULL if none */
} ClusterPending;

typedef struct ClusterGone {
        uint32_t nodeid;
        bool failed; /* left without cpg_leave */
} ClusterGone;

/* The answer for one of our own changes (origin == us). */
typedef struct ClusterReply {
        uint64_t request_id;
        int error;      /* 0 = applied and written everywhere, else -errno */
        uint64_t epoch; /* the change's epoch, 0 if it was never applied */
        char *message;  /* for the admin; NULL when error == 0 */
} ClusterReply;

/* What the shell must do after an apply, in this order: persist the
 * document, then send the ACK, STATE and CONFIG, then send the replies. */
typedef struct ClusterEffects {
        bool persist;  /* our copy changed: write c->doc atomically */
        bool send_ack; /* then multicast CONFIG_ACK(ack_epoch, result) */
        uint64_t ack_epoch;
        bool send_state;           /* multicast our STATE (cluster_make_state) */
        bool send_config;          /* we won the round and someone lags: multicast CONFIG */
        bool decided;              /* a round closed (log the decision) */
        bool adopted;              /* we took the winner's copy */
        bool synced;               /* our copy became the cluster's current one */
        bool blade_count_mismatch; /* a member's node file has another blade count */
        ClusterReply *replies;
        size_t n_replies;
        unsigned n_ignored; /* stale or duplicate messages dropped (debug) */
} ClusterEffects;

/* Writes epoch into a document (config_set_epoch in the daemon; a fake in
 * tests).  0 or -errno; the result must be deterministic. */
typedef int (*ClusterStampFn)(const char *doc, size_t len, uint64_t epoch, char **ret,
                              size_t *ret_len);

typedef struct ClusterInit {
        uint32_t local_nodeid;
        uint32_t local_pid;
        /* the node file's blades: names for messages, count for the majority */
        const char *const *names;
        const uint32_t *nodeids;
        size_t n_blades;
        /* our starting copy, already stamped with its epoch */
        const char *doc;
        size_t doc_len;
        uint64_t epoch;
        ClusterStampFn stamp;
} ClusterInit;

typedef struct Cluster {
        uint32_t local_nodeid, local_pid;
        char **names;
        uint32_t *nodeids;
        size_t n_blades;
        ClusterStampFn stamp;

        bool joined;          /* our own join was delivered, not left since */
        ClusterPeer *members; /* sorted by (nodeid, pid) */
        size_t n_members;
        bool quorate; /* libquorum's word, for the coordinator and status */

        /* our copy */
        char *doc;
        size_t doc_len;
        uint64_t epoch, digest;
        bool authoritative;
        bool synced;
        bool ever_synced;

        /* the partition's shared view */
        bool round_open;
        uint64_t round;
        bool decided; /* a round closed since we joined */
        uint32_t winner_nodeid, winner_pid;
        uint64_t cluster_epoch, win_digest;
        bool sync_pending; /* somebody lags and the winner's CONFIG is not delivered */

        ClusterQueued *queue;
        size_t n_queue;
        ClusterPending *pending;
        size_t n_pending;
        ClusterGone *gone;
        size_t n_gone;
} Cluster;

int cluster_init(Cluster *c, const ClusterInit *init);
void cluster_done(Cluster *c);
void cluster_effects_done(ClusterEffects *fx);

/* One CPG confchg, lists as CPG gives them (any order). */
int cluster_apply_confchg(Cluster *c, const ClusterAddr *members, size_t n_members,
                          const ClusterAddr *left, size_t n_left, const ClusterAddr *joined,
                          size_t n_joined, ClusterEffects *fx);

/* One delivered message from CPG sender (nodeid, pid). */
int cluster_apply_message(Cluster *c, uint32_t nodeid, uint32_t pid, const WireMessage *m,
                          ClusterEffects *fx);

/* libquorum's notification. */
void cluster_set_quorate(Cluster *c, bool quorate);

/* Can this daemon propose a change now?  0, or -errno with *why for the
 * admin: -ENOTCONN (not in the group yet), -ENOLINK (no quorum),
 * -EAGAIN (not a majority of blades running bladed here). */
int cluster_can_change(const Cluster *c, const char **why);

/* Our STATE / our CONFIG for the current round, ready for wire_encode (the
 * document pointer is borrowed from c). */
void cluster_make_state(const Cluster *c, WireMessage *m);
void cluster_make_config(const Cluster *c, WireMessage *m);

/* Lowest node id of the partition when quorate, else 0 (nobody). */
uint32_t cluster_coordinator(const Cluster *c);

/* ONLINE (a member), LOST (left without a clean leave), OFFLINE otherwise. */
BladeState cluster_blade_state(const Cluster *c, uint32_t nodeid);

/* More than half of the node file's blades are members (by node id). */
bool cluster_has_majority(const Cluster *c);

/* Hot-add / hot-remove: the node file's blades are now these (names and
 * node ids as in ClusterInit).  The majority counts against the new list
 * from now on; a removed blade's "gone" record is forgotten.  -ENOMEM
 * leaves c as it was. */
int cluster_set_blades(Cluster *c, const char *const *names, const uint32_t *nodeids, size_t n);

/* The blade name for a node id ("node N" when unknown); buf >= 64 bytes. */
const char *cluster_blade_name(const Cluster *c, uint32_t nodeid, char *buf, size_t size);
