/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CPG adapter: joins the group "bladed", turns cpg_dispatch callbacks
 * into calls of GroupCallbacks, and multicasts with CPG_TYPE_AGREED (total
 * order) through a send queue: when corosync answers CS_ERR_TRY_AGAIN (flow
 * control) the queue is retried every GROUP_RETRY_MS from a timer instead of
 * blocking the loop; a queue stuck for GROUP_STUCK_SEC counts as losing
 * corosync.
 *
 * Losing corosync (dispatch error, hang-up, stuck queue) calls lost(): the
 * daemon then exits with status 1 and systemd restarts it (the unit has
 * Restart=on-failure) once corosync is back.  Reconnecting in place would
 * make us a new CPG process anyway, so exiting is the simpler, honest path:
 * the configuration is on disk and the restart resyncs it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <corosync/cpg.h>
#include <systemd/sd-event.h>

#include "bladed/cluster.h"
#include "log.h"

#define GROUP_NAME "bladed"
#define GROUP_RETRY_MS 20
#define GROUP_STUCK_SEC 30

typedef struct GroupCallbacks {
        void (*deliver)(void *userdata, uint32_t nodeid, uint32_t pid, const void *msg, size_t len);
        void (*confchg)(void *userdata, const ClusterAddr *members, size_t n_members,
                        const ClusterAddr *left, size_t n_left, const ClusterAddr *joined,
                        size_t n_joined);
        void (*totem)(void *userdata, uint64_t ring_seq, uint32_t ring_nodeid, size_t n_nodes);
        void (*lost)(void *userdata, int error);
} GroupCallbacks;

typedef struct GroupOut {
        struct GroupOut *next;
        uint8_t *buf;
        size_t len;
} GroupOut;

typedef struct GroupConn {
        cpg_handle_t handle;
        bool initialized;
        bool joined;
        uint32_t local_nodeid;
        sd_event *event;
        sd_event_source *io;
        sd_event_source *retry;
        GroupOut *head, *tail;
        size_t queued;
        uint64_t stuck_since_us; /* 0 when the queue moves */
        const Log *log;
        const GroupCallbacks *cb;
        void *userdata;
} GroupConn;

/* Connects to corosync's CPG service (retrying TRY_AGAIN at start-up) and
 * learns the local node id.  -ENOTCONN when corosync does not run. */
int group_open(GroupConn *g, sd_event *event, const Log *log, const GroupCallbacks *cb,
               void *userdata);

/* Joins GROUP_NAME and starts dispatching from the event loop. */
int group_join(GroupConn *g);

/* Queues one message (takes ownership of buf) and tries to send it. */
int group_send(GroupConn *g, uint8_t *buf, size_t len);

/* cpg_leave(): the others see a clean leave (CPG_REASON_LEAVE). */
int group_leave(GroupConn *g);

void group_close(GroupConn *g);
