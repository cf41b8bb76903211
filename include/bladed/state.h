/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cluster state snapshot: everything the scheduler reads besides the
 * configuration, and everything `bladectl status` shows.
 *
 * Pure data (core library).  The daemon keeps one Snapshot, updates it by
 * applying cluster messages in CPG order, and hands a const pointer to the
 * scheduler.  `bladectl simulate --state FILE` reads one from status XML
 * (status_xml.h).  Time is a value here (now_ms), never read from a clock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bladed/model.h"

typedef enum BladeState {
        BLADE_ONLINE = 0, /* member of our partition, daemon up */
        BLADE_STANDBY,    /* online but drained (config says standby) */
        BLADE_OFFLINE,    /* left cleanly (or never joined): holds nothing */
        BLADE_LOST,       /* left without a clean shutdown: must be fenced */
        BLADE_FENCED,     /* fence confirmed: holds nothing */
        _BLADE_STATE_MAX,
} BladeState;

typedef struct Blade {
        char *name;      /* from the node file */
        uint32_t nodeid; /* corosync node id = number + 1 */
        BladeState state;
        bool probed; /* start-up probes finished (invariant 4) */
} Blade;

/* What is known about one resource on one blade. */
typedef enum RscRole {
        RSC_UNKNOWN = 0, /* not probed yet */
        RSC_STOPPED,     /* probe/stop said: not running here */
        RSC_STARTED,     /* running here (start or probe said so) */
        RSC_FAILED,      /* running but broken (monitor 1, start 1): stop before anything */
        RSC_STOP_FAILED, /* stop failed/timed out: maybe alive, blocked until fenced */
        RSC_MIGRATING,   /* migrate_to done here, migrate_from pending on target */
        _RSC_ROLE_MAX,
} RscRole;

typedef struct RscBlade {
        RscRole role;
        bool banned; /* start said 2/4/5 here: never start here again until cleanup */
        uint32_t failcount;
        uint64_t last_failure_ms; /* snapshot time of the newest failure, 0 = none */
        int last_rc;              /* last OCF exit code seen, -1 = none */
        char *exit_reason;        /* agent's ocf-exit-reason, or NULL */
} RscBlade;

typedef struct Snapshot {
        const Config *config; /* not owned */
        Blade *blades;        /* sorted by nodeid */
        size_t n_blades;
        size_t local;       /* our blade's index, IDX_NONE in simulations */
        size_t coordinator; /* IDX_NONE without quorum */
        bool quorate;
        uint64_t now_ms; /* monotonic-ish cluster time, from the shell */
        RscBlade *rb;    /* n_resources * n_blades, row per resource */
} Snapshot;

static inline RscBlade *snapshot_rb(const Snapshot *s, size_t rsc, size_t blade) {
        return &s->rb[rsc * s->n_blades + blade];
}

/* Allocates blades/rb for config's resources and the given blade names
 * (copied), all blades OFFLINE, all roles UNKNOWN. Returns 0 or -ENOMEM. */
int snapshot_init(Snapshot *s, const Config *config, const char *const *blade_names,
                  const uint32_t *nodeids, size_t n_blades);

/* Frees what snapshot_init allocated (not the config). Accepts NULL. */
void snapshot_done(Snapshot *s);

size_t snapshot_find_blade(const Snapshot *s, const char *name);

const char *blade_state_to_string(BladeState s); /* "online", ... per CLI.md */
int blade_state_from_string(const char *s);      /* -EINVAL if unknown */
const char *rsc_role_to_string(RscRole r);
int rsc_role_from_string(const char *s);
