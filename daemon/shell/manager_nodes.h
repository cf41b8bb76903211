/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hot-add and hot-remove's state inside the Manager (manager_nodes.c).
 * Fixed-size and owned inline, so the Manager's free path needs nothing for
 * it; the one event source is floating (the loop frees it).
 *
 * The protocol (doc/wire-protocol.rst, NODES): every daemon announces the
 * digest of the node file on its disk once per view (totem ring and CPG
 * round); a change names the digest it is based on and is applied, in CPG
 * order, only when every member's announcement of this view says that same
 * digest, so every member takes the same decision.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "bladed/cluster.h"
#include "bladed/nodes.h"

/* What one member said about its node file, and in which view. */
typedef struct NodesSeen {
        uint32_t nodeid, pid;
        uint64_t ring, round;
        uint64_t digest;
} NodesSeen;

typedef enum NodesReqState {
        NODES_REQ_NONE = 0,
        NODES_REQ_ANNOUNCING, /* waiting for every member's digest of this view */
        NODES_REQ_ACKS,       /* change multicast: waiting for every member's ack */
} NodesReqState;

/* The one change this blade's admin asked for (one at a time per blade). */
typedef struct NodesRequest {
        NodesReqState state;
        uint64_t id; /* the control request to answer */
        bool remove;
        char name[NODES_NODE_NAME_MAX + 1];
        char ip[16];
        int number;
        uint64_t base, digest; /* the file it is based on, the new one */
        uint64_t deadline_usec;
        bool delivered; /* our CHANGE came back accepted: waiting[] is filled */
        ClusterAddr waiting[CLUSTER_MAX_MEMBERS];
        size_t n_waiting;
        char problems[1024];
        char summary[192];
} NodesRequest;

typedef struct NodesTrack {
        NodesSeen seen[CLUSTER_MAX_MEMBERS];
        size_t n_seen;
        bool announced; /* our digest went out in view (ann_ring, ann_round) */
        uint64_t ann_ring, ann_round;
        NodesRequest req;
        sd_event_source *timer; /* floating, borrowed: while req is in progress */
} NodesTrack;
