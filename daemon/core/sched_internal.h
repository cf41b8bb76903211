/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the scheduler's files (scheduler.c, sched_score.c,
 * sched_place.c, sched_actions.c): the working context of one run.
 *
 * Everything the run needs is precomputed once into flat arrays (CSR
 * lists: off[i]..off[i+1] index into a shared array) so that the placement
 * and the action graph are linear in resources, never quadratic.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bladed/scheduler.h"
#include "bladed/state.h"

/* A unit is what gets placed on one blade: a group, or a resource that is
 * in no group. */
typedef struct SchedUnit {
        const char *id;
        size_t group;          /* IDX_NONE for a lone resource */
        const size_t *members; /* resource indices in start order */
        size_t n_members;
        size_t lone;  /* storage for a lone resource's member list */
        int priority; /* highest member priority */
        bool running; /* a member runs healthy now: placed earlier */
} SchedUnit;

/* One colocation as seen from one of its units. */
typedef struct SchedColoc {
        size_t other; /* the other unit */
        size_t coloc; /* index into Config.colocations */
        int score;
        bool dependent; /* this unit is the colocation's rsc: it follows
                         * other (a positive score places other first) */
} SchedColoc;

/* A resource-level ordering edge: a mandatory order, an optional one, or
 * the implicit chain between consecutive group members. */
typedef struct SchedEdge {
        size_t first, then; /* resource indices */
        size_t order;       /* index into Config.orders, IDX_NONE for a group chain */
        bool mandatory;
        bool symmetrical;
} SchedEdge;

typedef enum UnitMark {
        UNIT_TODO = 0,
        UNIT_VISITING,
        UNIT_DONE,
} UnitMark;

typedef struct SchedCtx {
        const Snapshot *s;
        const Config *c;
        size_t nr, nb;
        uint8_t *packed; /* nr * nb: role | SCHED_BANNED | SCHED_FAILBAN */

        /* Policy for this snapshot (scheduler.c). */
        bool maintenance; /* nothing but probes */
        bool stop_all;    /* no quorum, no-quorum-policy stop */
        bool freeze;      /* no quorum, no-quorum-policy freeze */
        bool can_fence;   /* fencing on, quorate (or ignore), not maintenance */

        /* Blades. */
        size_t *border;         /* blade indices sorted by nodeid, then name */
        size_t *brank;          /* position of each blade in border */
        BladeState *bstate;     /* the blade's state, standby also when the
                                 * configuration says so (bladectl standby) */
        bool *present;          /* online or standby, not to be fenced: actions run there */
        bool *avail;            /* may receive resources */
        bool *unclean;          /* left uncleanly, or a stop failed there: fence first */
        bool *gone;             /* offline, fenced, or lost without fencing: holds nothing */
        size_t *load;           /* resources placed there so far in this run */
        Utilization *free_cap;  /* capacity left (only meaningful when has_cap) */
        Utilization *cap_total; /* the configured capacity */
        bool *has_cap;

        /* Resources. */
        size_t *rorder;        /* resource indices sorted by id */
        bool *can_start;       /* quorum, and no probe of it pending */
        size_t *probe_wait;    /* a present blade where it is still unknown */
        size_t *fixed;         /* stop failed there, fencing off: pinned */
        bool *order_blocked;   /* a mandatory order's first will not run */
        size_t *order_blocker; /* which first, for the reason */

        /* Constraints, per resource / unit (CSR). */
        size_t *loc_off, *loc;   /* Location indices of each resource */
        size_t *gloc_off, *gloc; /* Location indices of each group */
        size_t *loc_blade;       /* per Location: blade index or IDX_NONE */
        SchedUnit *units;
        size_t nu;
        size_t *unit_of;  /* per resource */
        size_t *ucol_off; /* per unit */
        SchedColoc *ucol;
        size_t *udep_off, *udep; /* units to place before each unit */
        SchedEdge *edges;
        size_t n_edges;
        size_t *out_off, *out; /* edge indices leaving each resource */
        size_t *in_off, *in;   /* edge indices entering each resource */

        /* Placement (sched_place.c). */
        UnitMark *umark;
        size_t *useq; /* units in the order they were placed */
        size_t n_useq;
        size_t *target; /* per resource */
        PlanRscState *state;
        char **reason;
        int *scratch;      /* 2 * nb ints */
        bool failed_alloc; /* an allocation failed inside a void helper */

        /* Action decisions (sched_actions.c). */
        size_t *keep;     /* the instance left running, or IDX_NONE */
        size_t *start_at; /* where a START/MIGRATE_FROM happens */
        size_t *mig_src;  /* live migration source, or IDX_NONE */

        /* Notes collected on the way. */
        char **notes;
        size_t n_notes;
} SchedCtx;

/* Roles that mean "an instance is (or may be) there and must be stopped
 * before it can run elsewhere". */
static inline bool sched_role_active(RscRole r) {
        return r == RSC_STARTED || r == RSC_FAILED || r == RSC_MIGRATING || r == RSC_STOP_FAILED;
}

/* The snapshot's roles, bans and fail-count bans packed one byte per
 * resource and blade (scheduler.c, one pass over the snapshot): the many
 * later scans then touch 1/40 of the memory. */
#define SCHED_ROLE_MASK 0x07
#define SCHED_BANNED 0x08
#define SCHED_FAILBAN 0x10

static inline RscRole sched_role(const SchedCtx *x, size_t r, size_t b) {
        return (RscRole)(x->packed[r * x->nb + b] & SCHED_ROLE_MASK);
}

static inline bool sched_flag(const SchedCtx *x, size_t r, size_t b, uint8_t flag) {
        return x->packed[r * x->nb + b] & flag;
}

static inline const RscBlade *sched_rb(const SchedCtx *x, size_t r, size_t b) {
        return &x->s->rb[r * x->nb + b];
}

/* A growing string for reasons and the plan text. */
typedef struct SchedBuf {
        char *s;
        size_t len, cap;
        bool oom;
} SchedBuf;

/* scheduler.c */
void sched_buf_printf(SchedBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string over (NULL if an allocation failed, then freed). */
char *sched_buf_take(SchedBuf *b);
int sched_note(SchedCtx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sched_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* sched_score.c: the score of resource r on blade b from its own rules
 * (blade state, pins, probes, bans, fail counts, locations, stickiness).
 * -SCORE_INFINITY means "not here"; then, if why is not NULL, why gets the
 * reason (at most why_size bytes). */
int sched_rsc_score(const SchedCtx *x, size_t r, size_t b, char *why, size_t why_size);
/* The group-level location scores of unit u on blade b (0 for a lone resource). */
int sched_unit_loc_score(const SchedCtx *x, size_t u, size_t b, char *why, size_t why_size);
/* Is the fail count of r on b above migration-threshold (not expired)? */
bool sched_failcount_bans(const SchedCtx *x, size_t r, size_t b);
int sched_stickiness(const SchedCtx *x, size_t r);
/* Human-readable state of blade b for a reason ("standby", "lost", ...). */
const char *sched_blade_unavailable(const SchedCtx *x, size_t b);

/* sched_place.c */
int sched_place(SchedCtx *x);
char *sched_explain_prefix(SchedCtx *x, size_t u, size_t upto);

/* sched_actions.c */
int sched_actions(SchedCtx *x, Plan *p);
