/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scores of one resource on one blade from its own rules: blade state,
 * pins, pending probes, bans, fail counts, location constraints and
 * stickiness.  The same function gives the reason for a -INFINITY when
 * asked, so the explanation can never disagree with the decision.
 */
#include <stdio.h>
#include <string.h>

#include "bladed/model.h"
#include "sched_internal.h"

#define WHY(...)                                                                                   \
        do {                                                                                       \
                if (why)                                                                           \
                        snprintf(why, why_size, __VA_ARGS__);                                      \
        } while (0)

const char *sched_blade_unavailable(const SchedCtx *x, size_t b) {
        BladeState st = x->bstate[b];

        if (x->unclean[b])
                return st == BLADE_LOST ? "lost" : "to be fenced (a stop failed there)";
        switch (st) {
        case BLADE_STANDBY:
                return "standby";
        case BLADE_OFFLINE:
                return "offline";
        case BLADE_LOST:
                return "lost";
        case BLADE_FENCED:
                return "fenced";
        default:
                return x->avail[b] ? NULL : "unavailable";
        }
}

int sched_stickiness(const SchedCtx *x, size_t r) {
        const Resource *res = &x->c->resources[r];
        return res->has_stickiness ? res->stickiness : x->c->props.default_stickiness;
}

bool sched_failcount_bans(const SchedCtx *x, size_t r, size_t b) {
        const Resource *res = &x->c->resources[r];
        const RscBlade *rb = sched_rb(x, r, b);
        uint64_t now = x->s->now_ms;

        if (res->migration_threshold == 0 || rb->failcount < res->migration_threshold)
                return false;
        /* failure-timeout: failures older than it are forgotten (time is the
         * snapshot's, never a clock). */
        if (res->failure_timeout_ms > 0 && now >= rb->last_failure_ms &&
            now - rb->last_failure_ms >= res->failure_timeout_ms)
                return false;
        return true;
}

int sched_rsc_score(const SchedCtx *x, size_t r, size_t b, char *why, size_t why_size) {
        const Resource *res = &x->c->resources[r];
        RscRole role = sched_role(x, r, b);
        int score = 0;

        if (x->fixed[r] != IDX_NONE) {
                if (b == x->fixed[r])
                        return 0;
                WHY("its stop failed on %s and fencing is disabled",
                    x->s->blades[x->fixed[r]].name);
                return -SCORE_INFINITY;
        }
        if (!x->avail[b]) {
                WHY("%s", sched_blade_unavailable(x, b));
                return -SCORE_INFINITY;
        }
        if (!x->can_start[r] && role != RSC_STARTED) {
                if (x->probe_wait[r] != IDX_NONE)
                        WHY("cannot start before its probe on %s",
                            x->s->blades[x->probe_wait[r]].name);
                else
                        WHY("not running here, and nothing is started without quorum");
                return -SCORE_INFINITY;
        }
        if (sched_flag(x, r, b, SCHED_BANNED)) {
                const RscBlade *rb = sched_rb(x, r, b);
                if (rb->last_rc >= 0 && rb->exit_reason)
                        WHY("banned until cleanup (rc %d: %s)", rb->last_rc, rb->exit_reason);
                else if (rb->last_rc >= 0)
                        WHY("banned until cleanup (rc %d)", rb->last_rc);
                else
                        WHY("banned until cleanup");
                return -SCORE_INFINITY;
        }
        if (sched_flag(x, r, b, SCHED_FAILBAN)) {
                WHY("failed %u times (migration-threshold %u)", sched_rb(x, r, b)->failcount,
                    res->migration_threshold);
                return -SCORE_INFINITY;
        }
        for (size_t i = x->loc_off[r]; i < x->loc_off[r + 1]; i++) {
                const Location *l = &x->c->locations[x->loc[i]];
                if (x->loc_blade[x->loc[i]] != b)
                        continue;
                score = score_add(score, l->score);
                if (score <= -SCORE_INFINITY) {
                        WHY("forbidden by location %s", l->id);
                        return -SCORE_INFINITY;
                }
        }
        /* Stickiness where it runs, failed or not: a failure below the
         * threshold is recovered in place (Pacemaker's default). */
        if (role == RSC_STARTED || role == RSC_FAILED)
                score = score_add(score, sched_stickiness(x, r));
        if (score <= -SCORE_INFINITY)
                WHY("stickiness -INFINITY");
        return score;
}

int sched_unit_loc_score(const SchedCtx *x, size_t u, size_t b, char *why, size_t why_size) {
        const SchedUnit *un = &x->units[u];
        int score = 0;

        if (un->group == IDX_NONE)
                return 0;
        for (size_t i = x->gloc_off[un->group]; i < x->gloc_off[un->group + 1]; i++) {
                const Location *l = &x->c->locations[x->gloc[i]];
                if (x->loc_blade[x->gloc[i]] != b)
                        continue;
                score = score_add(score, l->score);
                if (score <= -SCORE_INFINITY) {
                        WHY("forbidden by location %s", l->id);
                        return -SCORE_INFINITY;
                }
        }
        return score;
}
