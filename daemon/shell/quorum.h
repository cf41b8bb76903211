/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libquorum tracking: whether corosync (votequorum) counts our partition as
 * quorate.  Notifications are dispatched from the event loop; losing the
 * connection calls lost() like the CPG adapter does (the daemon exits 1).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <corosync/quorum.h>
#include <systemd/sd-event.h>

#include "log.h"

typedef struct QuorumCallbacks {
        void (*changed)(void *userdata, bool quorate, uint64_t ring_seq, size_t n_nodes);
        void (*lost)(void *userdata, int error);
} QuorumCallbacks;

#define QUORUM_MAX_NODES 128

typedef struct QuorumTrack {
        quorum_handle_t handle;
        bool initialized;
        bool quorate;
        /* corosync's current membership (node ids), from libquorum */
        uint32_t members[QUORUM_MAX_NODES];
        size_t n_members;
        bool members_known; /* a notification has delivered them */
        sd_event_source *io;
        const QuorumCallbacks *cb;
        void *userdata;
} QuorumTrack;

/* Connects, reads the current state, starts tracking changes. */
int quorumtrack_open(QuorumTrack *q, sd_event *event, const QuorumCallbacks *cb, void *userdata);
void quorumtrack_close(QuorumTrack *q);
