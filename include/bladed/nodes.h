/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node file: OCFS2 /etc/ocfs2/cluster.conf format, the one list of
 * blades (ref/ocf-fence-ocfs2.md section d).  Pure: parses and writes
 * buffers; the caller does the file I/O.
 *
 * Errors: 0 on success; -EINVAL when the input has errors (each one is in
 * the DiagList with its line); -ENOMEM; -ENOENT for lookups that find
 * nothing; -EEXIST for an add that collides.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bladed/diag.h"

#define NODES_MAX_NUMBER 254
#define NODES_DEFAULT_PORT 7777
/* nodes_parse refuses larger input: a blade list is a few kilobytes. */
#define NODES_MAX_INPUT (1024u * 1024u)
/* ... and more stanzas than this (255 blades per cluster is o2cb's limit). */
#define NODES_MAX_STANZAS 1024
/* o2cb's cluster name limit, and a host name label's. */
#define NODES_CLUSTER_NAME_MAX 16
#define NODES_NODE_NAME_MAX 63
/* o2cb handles at most 32 global heartbeat regions per cluster. */
#define NODES_MAX_REGIONS 32

typedef struct NodeEntry {
        char *name;
        uint32_t number;  /* 0..254; corosync nodeid = number + 1 */
        char *ip_address; /* dotted quad as written */
        uint32_t ip;      /* parsed, host byte order */
        uint16_t ip_port;
        char *cluster;
        int line; /* of the "node:" header; 0 when added in memory */
} NodeEntry;

typedef struct ClusterEntry {
        char *name;
        unsigned node_count;
        char *heartbeat_mode; /* "local" (default) or "global", NULL if absent */
        int line;
} ClusterEntry;

/* heartbeat: stanzas are kept so a rewrite does not lose them. */
typedef struct HeartbeatEntry {
        char *region;
        char *cluster;
        int line;
} HeartbeatEntry;

typedef struct NodeFile {
        ClusterEntry *clusters;
        size_t n_clusters;
        NodeEntry *nodes; /* in file order */
        size_t n_nodes;
        HeartbeatEntry *heartbeats;
        size_t n_heartbeats;
} NodeFile;

/* Parses and checks (lexical rules of o2cb's jconfig, then the semantic
 * checks: unique names/numbers, 0..254, IPv4, port 1..65535, node_count,
 * cluster references, cluster name rules).  Every problem goes to diag
 * (warnings too; diag may be NULL), sorted by line.  buf needs no NUL
 * terminator and may hold any bytes.  On success *ret owns the result; on
 * -EINVAL (errors in the input, input larger than NODES_MAX_INPUT) *ret is
 * NULL.  Unknown keys and stanza types are warned about and dropped. */
int nodes_parse(const char *buf, size_t len, NodeFile **ret, DiagList *diag);

NodeFile *nodes_free(NodeFile *f);

/* o2cb's canonical form: "stanza:\n", "\tkey = value\n" lines, a blank line
 * after each stanza.  nodes_parse(nodes_format(f)) gives the same table. */
int nodes_format(const NodeFile *f, char **ret);

/* Same clusters, nodes and heartbeat regions in the same order (the line
 * numbers are not compared).  What the round trip above promises. */
bool nodes_equal(const NodeFile *a, const NodeFile *b);

/* The cluster bladed runs: the only cluster: stanza, or the one named
 * (name may be NULL when there is exactly one).  NULL if none matches. */
const ClusterEntry *nodes_get_cluster(const NodeFile *f, const char *name);

/* Lookups within one cluster (NULL: the only cluster); NULL when absent.
 * Names compare case-insensitively. */
const NodeEntry *nodes_find_name(const NodeFile *f, const char *cluster, const char *name);
const NodeEntry *nodes_find_number(const NodeFile *f, const char *cluster, uint32_t number);

/* The blades of a cluster sorted by number: fills an array of pointers into
 * f (caller frees the array only; NULL when there are none).  -ENOENT when
 * the cluster does not exist (or cluster is NULL and there is not exactly
 * one). */
int nodes_list(const NodeFile *f, const char *cluster, const NodeEntry ***ret, size_t *n);

/* corosync.conf's "nodelist { node { ring0_addr, name, nodeid } ... }" for a
 * cluster (nodeid = number + 1), one key per line, sorted by number, ready
 * to paste.  -ENOENT as for nodes_list. */
int nodes_corosync_nodelist(const NodeFile *f, const char *cluster, char **ret);

/* Hot-add / hot-remove on the in-memory table; node_count follows.
 * cluster may be NULL when the file has exactly one.  number < 0 picks the
 * lowest free number; port 0 means NODES_DEFAULT_PORT.  Checks as
 * nodes_parse does (diag gets the reason; may be NULL): -EEXIST on a
 * name/number/address clash, -EINVAL on a bad name, address or number,
 * -ENOSPC when no number 0..254 is free, -ENOENT for an unknown cluster or
 * when removing an unknown name.  Names compare case-insensitively (o2cb
 * matches the host name that way).  On error f is unchanged. */
int nodes_add(NodeFile *f, const char *cluster, const char *name, const char *ip, int number,
              uint16_t port, DiagList *diag);
int nodes_remove(NodeFile *f, const char *cluster, const char *name, DiagList *diag);
