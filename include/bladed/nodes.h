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

typedef struct NodeEntry {
        char *name;
        uint32_t number;    /* 0..254; corosync nodeid = number + 1 */
        char *ip_address;   /* dotted quad as written */
        uint32_t ip;        /* parsed, host byte order */
        uint16_t ip_port;
        char *cluster;
        int line;           /* of the "node:" header; 0 when added in memory */
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
        NodeEntry *nodes;      /* in file order */
        size_t n_nodes;
        HeartbeatEntry *heartbeats;
        size_t n_heartbeats;
} NodeFile;

/* Parses and checks (lexical rules of o2cb's jconfig, then the semantic
 * checks: unique names/numbers, 0..254, IPv4, port 1..65535, node_count,
 * cluster references, cluster name rules).  Every problem goes to diag
 * (warnings too).  On success *ret owns the result; on -EINVAL *ret is NULL. */
int nodes_parse(const char *buf, size_t len, NodeFile **ret, DiagList *diag);

NodeFile *nodes_free(NodeFile *f);

/* o2cb's canonical form: "stanza:\n", "\tkey = value\n" lines, a blank line
 * after each stanza.  nodes_parse(nodes_format(f)) gives the same table. */
int nodes_format(const NodeFile *f, char **ret);

/* The cluster bladed runs: the only cluster: stanza, or the one named
 * (name may be NULL when there is exactly one).  NULL if none matches. */
const ClusterEntry *nodes_get_cluster(const NodeFile *f, const char *name);

/* Lookups within one cluster; NULL when absent. */
const NodeEntry *nodes_find_name(const NodeFile *f, const char *cluster, const char *name);
const NodeEntry *nodes_find_number(const NodeFile *f, const char *cluster, uint32_t number);

/* The blades of a cluster sorted by number: fills an array of pointers into
 * f (caller frees the array only). */
int nodes_list(const NodeFile *f, const char *cluster, const NodeEntry ***ret, size_t *n);

/* corosync.conf's "nodelist { node { ring0_addr, name, nodeid } ... }" for a
 * cluster (nodeid = number + 1), one key per line, ready to paste. */
int nodes_corosync_nodelist(const NodeFile *f, const char *cluster, char **ret);

/* Hot-add / hot-remove on the in-memory table; node_count follows.
 * number < 0 picks the lowest free number.  Checks as nodes_parse does
 * (diag gets the reason): -EEXIST on a name/number/address clash,
 * -EINVAL on a bad name or address, -ENOENT when removing an unknown name. */
int nodes_add(NodeFile *f, const char *cluster, const char *name, const char *ip,
              int number, uint16_t port, DiagList *diag);
int nodes_remove(NodeFile *f, const char *cluster, const char *name, DiagList *diag);
