/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scheduler: a snapshot goes in, the target placement and the ordered
 * list of actions come out (DESIGN.md "Architecture").
 *
 * Pure (core library): no I/O, no clock, no globals, no logging.  The same
 * snapshot gives the same plan on every blade: every iteration is in a
 * sorted order and every tie is broken explicitly (doc/scheduler.rst lists
 * the rules and the tie-breaks).
 *
 * Errors: 0 on success, -ENOMEM.  A snapshot the scheduler cannot satisfy
 * is not an error: the plan says which resources are blocked and why.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bladed/state.h"

typedef enum ActionKind {
        ACTION_FENCE = 0, /* blade: the blade to fence; rsc is IDX_NONE */
        ACTION_PROBE,     /* one-shot monitor: is rsc running on blade? */
        ACTION_STOP,
        ACTION_START,
        ACTION_MIGRATE_TO,   /* on the source blade; peer = target */
        ACTION_MIGRATE_FROM, /* on the target blade; peer = source */
        _ACTION_KIND_MAX,
} ActionKind;

typedef struct Action {
        ActionKind kind;
        size_t rsc;         /* resource index, IDX_NONE for FENCE */
        size_t blade;       /* where it runs (FENCE: which blade is fenced) */
        size_t peer;        /* the other blade of a migration, else IDX_NONE */
        const size_t *deps; /* actions this one waits for: all earlier in the
                             * plan, ascending, no duplicates */
        size_t n_deps;
} Action;

typedef enum PlanRscState {
        PLAN_RSC_RUNNING = 0, /* runs on target once the plan is done */
        PLAN_RSC_STOPPED,     /* stopped on purpose (target-role stopped) */
        PLAN_RSC_BLOCKED,     /* should run but cannot: reason says why */
        PLAN_RSC_WAITING,     /* cannot start before pending probes report */
        PLAN_RSC_UNMANAGED,   /* maintenance mode: left exactly as it is */
        _PLAN_RSC_STATE_MAX,
} PlanRscState;

typedef struct PlanRsc {
        PlanRscState state;
        size_t target;  /* blade after the plan, IDX_NONE = stopped.  BLOCKED
                         * resources whose stop failed (fencing disabled) keep
                         * the blade they may still be running on. */
        size_t current; /* blade it runs on (healthy) now, IDX_NONE if none */
        char *reason;   /* why, for every state but RUNNING; else NULL */
} PlanRsc;

typedef struct Plan {
        size_t n_resources; /* = config->n_resources */
        size_t n_blades;    /* = snapshot n_blades */
        PlanRsc *rsc;       /* per resource, in configuration order */
        Action *actions;    /* in an order that respects every dependency */
        size_t n_actions;
        char **notes; /* cluster-wide remarks (maintenance, no quorum,
                       * lost blade without fencing, ...) */
        size_t n_notes;
        size_t *dep_pool; /* storage of every Action.deps */
} Plan;

/* Computes the plan for s (s->config must be set).  *ret owns the plan;
 * free it with plan_free.  0 or -ENOMEM. */
int scheduler_run(const Snapshot *s, Plan **ret);

/* Frees everything; accepts NULL; returns NULL. */
Plan *plan_free(Plan *p);

/* The human-readable plan used by `bladectl simulate` and the golden
 * corpus: the blades, notes, one action per line with what it waits for,
 * the placement table, then every resource that is blocked or waiting
 * with its reason.  Stable and diff-friendly.  0 or -ENOMEM. */
int plan_format(const Snapshot *s, const Plan *p, char **text);

/* The reason rsc is blocked, or NULL if it is not blocked. */
const char *plan_rsc_blocked(const Plan *p, size_t rsc);

/* Counts resources in each state (counts has _PLAN_RSC_STATE_MAX slots). */
void plan_count_states(const Plan *p, size_t counts[_PLAN_RSC_STATE_MAX]);

const char *action_kind_to_string(ActionKind k);       /* "start", "migrate_to", ... */
const char *plan_rsc_state_to_string(PlanRscState st); /* "running", "blocked", ... */
