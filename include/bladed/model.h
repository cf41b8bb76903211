/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration model: what resources.xml says, resolved and checked.
 *
 * Pure data (core library).  A Config is built by config_parse() (config.h)
 * and is immutable afterwards: the scheduler, the daemon and bladectl only
 * read it.  Names are kept for messages; every cross reference is also
 * resolved to an index so the scheduler never looks names up.
 *
 * Ownership: config_free() frees everything reachable from a Config.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Pacemaker's INFINITY: scores saturate at +/- this value. */
#define SCORE_INFINITY 1000000
#define IDX_NONE SIZE_MAX

typedef struct NvPair {
        char *name;
        char *value;
} NvPair;

typedef struct Op {
        char *name;           /* start, stop, monitor, migrate_to, ... */
        uint64_t interval_ms; /* 0 = one-shot */
        uint64_t timeout_ms;  /* > 0 */
        int line;
} Op;

typedef enum TargetRole {
        TARGET_ROLE_STARTED = 0,
        TARGET_ROLE_STOPPED,
} TargetRole;

typedef struct Utilization {
        uint64_t memory; /* MiB */
        uint64_t cpu;    /* abstract units (e.g. vCPUs) */
} Utilization;

typedef struct Resource {
        char *id;
        char *agent_class;    /* "ocf" */
        char *agent_provider; /* "bladed", "heartbeat" */
        char *agent_type;     /* "vip", "vm", "IPaddr2" */
        NvPair *params;
        size_t n_params;
        Op *ops;
        size_t n_ops;

        /* meta attributes */
        bool allow_migrate;
        int priority; /* higher wins when not everything fits */
        TargetRole target_role;
        bool has_stickiness; /* else the cluster default applies */
        int stickiness;
        unsigned migration_threshold; /* 0 = never move away on failures */
        uint64_t failure_timeout_ms;  /* 0 = failures never expire */

        Utilization utilization;
        size_t group; /* index into Config.groups, IDX_NONE if not grouped */
        int line;
} Resource;

typedef struct Group {
        char *id;
        size_t *members; /* resource indices, in start order */
        size_t n_members;
        int line;
} Group;

/* A location preference of one resource (or group) for one blade.
 * An ordered preference list (<prefer> children) is expanded into one
 * Location per blade with decreasing scores at parse time. */
typedef struct Location {
        char *id;
        char *rsc;        /* resource or group id */
        size_t rsc_idx;   /* resource index, or IDX_NONE when rsc is a group */
        size_t group_idx; /* group index, or IDX_NONE when rsc is a resource */
        char *node;       /* blade name */
        int score;        /* -SCORE_INFINITY .. SCORE_INFINITY */
        int line;
} Location;

/* rsc is placed relative to with_rsc: positive score = together,
 * negative = apart, +/-INFINITY = mandatory. */
typedef struct Colocation {
        char *id;
        char *rsc, *with_rsc;
        size_t rsc_idx, rsc_group_idx;
        size_t with_idx, with_group_idx;
        int score;
        int line;
} Colocation;

typedef enum OrderKind {
        ORDER_MANDATORY = 0, /* then waits for first; first stopping stops then */
        ORDER_OPTIONAL,      /* only orders actions that happen in the same plan */
} OrderKind;

typedef struct Order {
        char *id;
        char *first, *then;
        size_t first_idx, first_group_idx;
        size_t then_idx, then_group_idx;
        OrderKind kind;
        bool symmetrical; /* stop in reverse order too (default true) */
        int line;
} Order;

/* Per-blade attributes in the configuration (the blade list itself comes
 * from the node file). */
typedef struct NodeAttrs {
        char *name;
        bool has_capacity;
        Utilization capacity;
        bool standby; /* set by `bladectl standby`, replicated like any change */
        int line;
} NodeAttrs;

typedef struct FenceDevice {
        char *id;
        char *agent; /* fence_ipmilan, or a path */
        char *node;  /* the blade this device fences */
        NvPair *params;
        size_t n_params;
        int line;
} FenceDevice;

typedef enum NoQuorumPolicy {
        NO_QUORUM_STOP = 0, /* default: stop everything in the partition */
        NO_QUORUM_FREEZE,   /* keep what runs, start nothing */
        NO_QUORUM_IGNORE,   /* behave as if quorate (two-blade setups only) */
} NoQuorumPolicy;

typedef struct Properties {
        NoQuorumPolicy no_quorum_policy;
        bool fencing;                       /* default true; false must be explicit */
        int default_stickiness;             /* default 0 */
        bool maintenance;                   /* `bladectl maintenance on` */
        uint64_t no_quorum_stop_timeout_ms; /* bound for invariant 2 */
} Properties;

typedef struct Config {
        uint64_t epoch;
        Properties props;
        Resource *resources;
        size_t n_resources;
        Group *groups;
        size_t n_groups;
        Location *locations;
        size_t n_locations;
        Colocation *colocations;
        size_t n_colocations;
        Order *orders;
        size_t n_orders;
        NodeAttrs *nodes;
        size_t n_nodes;
        FenceDevice *fence_devices;
        size_t n_fence_devices;
} Config;

/* Frees everything; accepts NULL; returns NULL. */
Config *config_free(Config *c);

/* Lookups by name; IDX_NONE when absent. Linear, for tools and messages. */
size_t config_find_resource(const Config *c, const char *id);
size_t config_find_group(const Config *c, const char *id);
const NodeAttrs *config_find_node(const Config *c, const char *name);
const Op *resource_find_op(const Resource *r, const char *name, uint64_t interval_ms);
const char *resource_get_param(const Resource *r, const char *name);

/* Score arithmetic that saturates at +/-SCORE_INFINITY; -INFINITY wins
 * over +INFINITY (Pacemaker's rule: a ban beats a preference). */
int score_add(int a, int b);
