/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Placement: every unit (a group, or a resource in no group) gets one blade
 * or none, in one pass.
 *
 * Units are taken in order (priority, running first, id); before a unit,
 * the units it depends on are placed (primaries of positive colocations,
 * firsts of mandatory orders), with an explicit stack, so a long chain
 * cannot overflow the C stack.  For each blade, in nodeid order, a unit
 * scores:
 *   k   how many leading members can run there (rules, then capacity): a
 *       member that cannot run stops the members after it;
 *   sum group locations + the k members' own scores + colocations with
 *       units already placed + the own scores of units that must follow it
 *       (mandatory colocation; dropped again if that leaves no blade);
 * and the best blade is: most members, highest sum, most members already
 * running there, fewest resources placed so far, lowest nodeid.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/model.h"
#include "sched_internal.h"

#define WHY_SIZE 256

typedef struct Cand {
        size_t k;
        int score;
        int merged;
        size_t cur;
} Cand;

static size_t unit_target(const SchedCtx *x, size_t u) {
        return x->target[x->units[u].members[0]];
}

static const char *rsc_id(const SchedCtx *x, size_t r) {
        return x->c->resources[r].id;
}

static bool fits(const SchedCtx *x, size_t b, const Utilization *need) {
        return !x->has_cap[b] ||
               (need->memory <= x->free_cap[b].memory && need->cpu <= x->free_cap[b].cpu);
}

/* Colocations of u with units already placed, on blade b. */
static int coloc_score(const SchedCtx *x, size_t u, size_t b, char *why, size_t why_size) {
        int score = 0;

        for (size_t i = x->ucol_off[u]; i < x->ucol_off[u + 1]; i++) {
                const SchedColoc *sc = &x->ucol[i];
                if (x->umark[sc->other] != UNIT_DONE)
                        continue;
                size_t ot = unit_target(x, sc->other);
                const char *oid = x->units[sc->other].id;
                if (sc->dependent && sc->score >= SCORE_INFINITY) {
                        if (ot == IDX_NONE) {
                                if (why)
                                        snprintf(why, why_size,
                                                 "mandatory colocation with %s, which is not "
                                                 "running",
                                                 oid);
                                return -SCORE_INFINITY;
                        }
                        if (ot != b) {
                                if (why)
                                        snprintf(why, why_size,
                                                 "must run with %s, which runs on %s", oid,
                                                 x->s->blades[ot].name);
                                return -SCORE_INFINITY;
                        }
                } else if (sc->score <= -SCORE_INFINITY) {
                        /* Apart is symmetric: whichever is placed second avoids
                         * the first, so priority decides who wins a blade. */
                        if (ot == b) {
                                if (why)
                                        snprintf(why, why_size, "must not run with %s", oid);
                                return -SCORE_INFINITY;
                        }
                } else if (ot == b && (sc->dependent || sc->score < 0)) {
                        score = score_add(score, sc->score);
                }
        }
        return score;
}

/* The own score of a unit that is not placed yet: what it would like. */
static int unit_own_score(const SchedCtx *x, size_t u, size_t b) {
        const SchedUnit *un = &x->units[u];
        int score = sched_unit_loc_score(x, u, b, NULL, 0);

        for (size_t i = 0; i < un->n_members && score > -SCORE_INFINITY; i++) {
                size_t r = un->members[i];
                if (x->c->resources[r].target_role == TARGET_ROLE_STOPPED)
                        break;
                score = score_add(score, sched_rsc_score(x, r, b, NULL, 0));
        }
        return score;
}

/* Pacemaker merges the preferences of units not placed yet into the
 * scores of the unit placed now: a primary adds the own scores of what must
 * follow it (so it goes where they can run), and a unit that must stay
 * apart from another subtracts where that one would like to be (so the
 * first placed does not take the other's favourite blade).  Only the
 * followers can make a blade -INFINITY; the caller drops the whole merge if
 * that leaves no blade. */
static int merge_others(const SchedCtx *x, size_t u, size_t b, int score) {
        int add = 0, pen = 0;

        for (size_t i = x->ucol_off[u]; i < x->ucol_off[u + 1]; i++) {
                const SchedColoc *sc = &x->ucol[i];
                if (x->umark[sc->other] == UNIT_DONE)
                        continue;
                if (!sc->dependent && sc->score >= SCORE_INFINITY) {
                        add = score_add(add, unit_own_score(x, sc->other, b));
                } else if (sc->score <= -SCORE_INFINITY) {
                        int own = unit_own_score(x, sc->other, b);
                        if (own > 0)
                                pen = score_add(pen, own);
                }
        }
        if (score <= -SCORE_INFINITY || add <= -SCORE_INFINITY)
                return -SCORE_INFINITY;
        int merged = score_add(score_add(score, add),
                               pen >= SCORE_INFINITY ? -(SCORE_INFINITY - 1) : -pen);
        return merged <= -SCORE_INFINITY ? -(SCORE_INFINITY - 1) : merged;
}

/* Why member i of u cannot run anywhere before it is even scored
 * (target-role, a mandatory order whose first does not run). */
static bool member_preveto(SchedCtx *x, size_t u, size_t r) {
        if (x->c->resources[r].target_role == TARGET_ROLE_STOPPED)
                return true;
        for (size_t i = x->in_off[r]; i < x->in_off[r + 1]; i++) {
                const SchedEdge *e = &x->edges[x->in[i]];
                size_t fu = x->unit_of[e->first];
                if (!e->mandatory || fu == u || x->umark[fu] != UNIT_DONE)
                        continue;
                if (x->target[e->first] == IDX_NONE) {
                        x->order_blocked[r] = true;
                        x->order_blocker[r] = e->first;
                        return true;
                }
        }
        return false;
}

typedef struct BladeWhy {
        char text[2 * WHY_SIZE];
        bool state; /* the blade itself is unavailable */
        bool cap;   /* capacity was the problem */
        bool lacks_mem, lacks_cpu;
        Utilization need, free;
} BladeWhy;

static bool member_waits(const SchedCtx *x, size_t r) {
        return x->probe_wait[r] != IDX_NONE && x->fixed[r] == IDX_NONE;
}

/* Why members 0..upto of u cannot all run on any blade. */
char *sched_explain_prefix(SchedCtx *x, size_t u, size_t upto) {
        const SchedUnit *un = &x->units[u];
        size_t r_upto = un->members[upto];
        BladeWhy *w = calloc(x->nb ? x->nb : 1, sizeof(*w));
        SchedBuf out = {0};
        bool all_state = x->nb > 0, all_cap = true, any_cap = false, all_mem = true, all_cpu = true;
        size_t best_mem = IDX_NONE, best_cpu = IDX_NONE;
        char why[WHY_SIZE];

        if (!w)
                return NULL;
        if (x->freeze && !x->can_start[r_upto]) {
                free(w);
                return strdup("no quorum (no-quorum-policy freeze): nothing is started");
        }
        /* A reason that holds on every blade is said once. */
        for (size_t i = x->ucol_off[u]; i < x->ucol_off[u + 1]; i++) {
                const SchedColoc *sc = &x->ucol[i];
                if (sc->dependent && sc->score >= SCORE_INFINITY &&
                    x->umark[sc->other] == UNIT_DONE && unit_target(x, sc->other) == IDX_NONE) {
                        free(w);
                        return sched_strdupf("mandatory colocation with %s, which is not running",
                                             x->units[sc->other].id);
                }
        }
        for (size_t bi = 0; bi < x->nb; bi++) {
                size_t b = x->border[bi];
                BladeWhy *bw = &w[bi];
                Utilization need = {0};

                if (!x->avail[b] && x->fixed[r_upto] == IDX_NONE) {
                        snprintf(bw->text, sizeof(bw->text), "%s", sched_blade_unavailable(x, b));
                        bw->state = true;
                        continue;
                }
                if (sched_unit_loc_score(x, u, b, bw->text, sizeof(bw->text)) <= -SCORE_INFINITY)
                        continue;
                for (size_t i = 0; i <= upto; i++) {
                        size_t r = un->members[i];
                        const Utilization *ut = &x->c->resources[r].utilization;
                        if (sched_rsc_score(x, r, b, why, sizeof(why)) <= -SCORE_INFINITY) {
                                if (i < upto)
                                        snprintf(bw->text, sizeof(bw->text), "%s: %s", rsc_id(x, r),
                                                 why);
                                else
                                        snprintf(bw->text, sizeof(bw->text), "%s", why);
                                break;
                        }
                        Utilization before = need;
                        need.memory += ut->memory;
                        need.cpu += ut->cpu;
                        if (!fits(x, b, &need) && x->fixed[r] == IDX_NONE) {
                                bw->cap = i == upto;
                                bw->need = *ut;
                                bw->free.memory = x->free_cap[b].memory - before.memory;
                                bw->free.cpu = x->free_cap[b].cpu - before.cpu;
                                bw->lacks_mem = need.memory > x->free_cap[b].memory;
                                bw->lacks_cpu = need.cpu > x->free_cap[b].cpu;
                                if (bw->lacks_mem)
                                        snprintf(bw->text, sizeof(bw->text),
                                                 "%s%snot enough memory (needs %" PRIu64
                                                 " MiB, free %" PRIu64 " MiB)",
                                                 i < upto ? rsc_id(x, r) : "", i < upto ? ": " : "",
                                                 ut->memory, bw->free.memory);
                                else
                                        snprintf(bw->text, sizeof(bw->text),
                                                 "%s%snot enough cpu (needs %" PRIu64
                                                 ", free %" PRIu64 ")",
                                                 i < upto ? rsc_id(x, r) : "", i < upto ? ": " : "",
                                                 ut->cpu, bw->free.cpu);
                                break;
                        }
                }
                if (!bw->text[0])
                        coloc_score(x, u, b, bw->text, sizeof(bw->text));
                if (!bw->text[0])
                        snprintf(bw->text, sizeof(bw->text), "scores lower than the blade chosen");
        }

        for (size_t bi = 0; bi < x->nb; bi++) {
                const BladeWhy *bw = &w[bi];
                if (!bw->state)
                        all_state = false;
                if (bw->state)
                        continue;
                if (!bw->cap) {
                        all_cap = false;
                        continue;
                }
                any_cap = true;
                if (!bw->lacks_mem)
                        all_mem = false;
                if (!bw->lacks_cpu)
                        all_cpu = false;
                if (best_mem == IDX_NONE || bw->free.memory > w[best_mem].free.memory)
                        best_mem = bi;
                if (best_cpu == IDX_NONE || bw->free.cpu > w[best_cpu].free.cpu)
                        best_cpu = bi;
        }

        if (x->nb == 0) {
                sched_buf_printf(&out, "no blades");
        } else if (all_state) {
                sched_buf_printf(&out, "all blades are standby or offline (");
        } else if (any_cap && all_cap && all_mem) {
                sched_buf_printf(&out,
                                 "no blade has enough memory (needs %" PRIu64
                                 " MiB, best free %" PRIu64 " MiB on %s)",
                                 w[best_mem].need.memory, w[best_mem].free.memory,
                                 x->s->blades[x->border[best_mem]].name);
                goto done;
        } else if (any_cap && all_cap && all_cpu) {
                sched_buf_printf(&out,
                                 "no blade has enough cpu (needs %" PRIu64 ", best free %" PRIu64
                                 " on %s)",
                                 w[best_cpu].need.cpu, w[best_cpu].free.cpu,
                                 x->s->blades[x->border[best_cpu]].name);
                goto done;
        }
        /* One "blade, blade: reason" clause per distinct reason, in the order
         * the reasons first appear. */
        {
                bool *done = calloc(x->nb ? x->nb : 1, sizeof(bool));
                if (!done) {
                        free(w);
                        free(out.s);
                        return NULL;
                }
                bool first_clause = true;
                for (size_t i = 0; i < x->nb; i++) {
                        if (done[i])
                                continue;
                        sched_buf_printf(&out, "%s", first_clause ? "" : "; ");
                        first_clause = false;
                        bool first_name = true;
                        for (size_t j = i; j < x->nb; j++)
                                if (!done[j] && strcmp(w[i].text, w[j].text) == 0) {
                                        done[j] = true;
                                        sched_buf_printf(&out, "%s%s", first_name ? "" : ", ",
                                                         x->s->blades[x->border[j]].name);
                                        first_name = false;
                                }
                        sched_buf_printf(&out, ": %s", w[i].text);
                }
                free(done);
                if (all_state)
                        sched_buf_printf(&out, ")");
        }
done:
        free(w);
        return sched_buf_take(&out);
}

static int set_reason(SchedCtx *x, size_t r, PlanRscState st, char *reason) {
        if (!reason)
                return -ENOMEM;
        free(x->reason[r]);
        x->reason[r] = reason;
        x->state[r] = st;
        return 0;
}

/* Members from `from` on cannot run: say why, for each. */
static int unplace_members(SchedCtx *x, size_t u, size_t from, bool prevetoed) {
        const SchedUnit *un = &x->units[u];
        size_t r0 = un->members[from];
        PlanRscState st0;
        char *why;
        int r;

        if (prevetoed && x->c->resources[r0].target_role == TARGET_ROLE_STOPPED) {
                st0 = PLAN_RSC_STOPPED;
                why = strdup("target-role stopped");
        } else if (prevetoed) {
                size_t f = x->order_blocker[r0];
                const char *oid = x->order_blocker[r0] != IDX_NONE ? rsc_id(x, f) : "?";
                st0 = x->state[f] == PLAN_RSC_WAITING ? PLAN_RSC_WAITING : PLAN_RSC_BLOCKED;
                why = sched_strdupf("mandatory order: starts after %s, which is not running", oid);
        } else if (member_waits(x, r0) && !x->freeze) {
                st0 = PLAN_RSC_WAITING;
                why = sched_strdupf("waiting for its probe on %s",
                                    x->s->blades[x->probe_wait[r0]].name);
        } else {
                why = sched_explain_prefix(x, u, from);
                st0 = PLAN_RSC_BLOCKED;
                /* Following a primary that waits for probes is waiting too. */
                for (size_t i = x->ucol_off[u]; why && i < x->ucol_off[u + 1]; i++) {
                        const SchedColoc *sc = &x->ucol[i];
                        if (sc->dependent && sc->score >= SCORE_INFINITY &&
                            x->umark[sc->other] == UNIT_DONE &&
                            x->state[x->units[sc->other].members[0]] == PLAN_RSC_WAITING)
                                st0 = PLAN_RSC_WAITING;
                }
        }
        r = set_reason(x, r0, st0, why);
        if (r < 0)
                return r;
        x->target[r0] = IDX_NONE;
        for (size_t i = from + 1; i < un->n_members; i++) {
                size_t m = un->members[i];
                x->target[m] = IDX_NONE;
                r = set_reason(x, m, st0 == PLAN_RSC_WAITING ? PLAN_RSC_WAITING : PLAN_RSC_BLOCKED,
                               sched_strdupf("in group %s after %s, which is not running", un->id,
                                             rsc_id(x, r0)));
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool better(const Cand *a, size_t a_load, size_t a_rank, const Cand *b, size_t b_load,
                   size_t b_rank, bool merged) {
        int as = merged ? a->merged : a->score, bs = merged ? b->merged : b->score;
        if (a->k != b->k)
                return a->k > b->k;
        if (as != bs)
                return as > bs;
        if (a->cur != b->cur)
                return a->cur > b->cur;
        if (a_load != b_load)
                return a_load < b_load;
        return a_rank < b_rank;
}

static int decide(SchedCtx *x, size_t u, Cand *cand) {
        const SchedUnit *un = &x->units[u];
        size_t limit = un->n_members;
        bool any = false, any_merged = false;
        size_t best = IDX_NONE;

        for (size_t i = 0; i < un->n_members; i++)
                if (member_preveto(x, u, un->members[i])) {
                        limit = i;
                        break;
                }

        for (size_t bi = 0; bi < x->nb && limit > 0; bi++) {
                size_t b = x->border[bi];
                Cand *c = &cand[bi];
                Utilization need = {0};

                *c = (Cand){.score = sched_unit_loc_score(x, u, b, NULL, 0)};
                if (c->score <= -SCORE_INFINITY)
                        continue;
                for (size_t i = 0; i < limit; i++) {
                        size_t r = un->members[i];
                        const Utilization *ut = &x->c->resources[r].utilization;
                        int s = sched_rsc_score(x, r, b, NULL, 0);
                        if (s <= -SCORE_INFINITY)
                                break;
                        need.memory += ut->memory;
                        need.cpu += ut->cpu;
                        /* A pinned resource is there whether it fits or not. */
                        if (!fits(x, b, &need) && x->fixed[r] == IDX_NONE)
                                break;
                        c->score = score_add(c->score, s);
                        c->k++;
                        /* Tie-break: where it runs, healthy first, then failed
                         * (recovery in place). */
                        if (sched_role(x, r, b) == RSC_STARTED)
                                c->cur += 2;
                        else if (sched_role(x, r, b) == RSC_FAILED)
                                c->cur += 1;
                }
                if (c->k == 0)
                        continue;
                c->score = score_add(c->score, coloc_score(x, u, b, NULL, 0));
                if (c->score <= -SCORE_INFINITY) {
                        c->k = 0;
                        continue;
                }
                any = true;
                c->merged = merge_others(x, u, b, c->score);
                if (c->merged > -SCORE_INFINITY)
                        any_merged = true;
        }

        if (any)
                for (size_t bi = 0; bi < x->nb; bi++) {
                        const Cand *c = &cand[bi];
                        if (c->k == 0 || (any_merged && c->merged <= -SCORE_INFINITY))
                                continue;
                        if (best == IDX_NONE || better(c, x->load[x->border[bi]], bi, &cand[best],
                                                       x->load[x->border[best]], best, any_merged))
                                best = bi;
                }

        if (best == IDX_NONE)
                return unplace_members(x, u, 0, limit == 0);

        size_t b = x->border[best];
        size_t k = cand[best].k;
        for (size_t i = 0; i < k; i++) {
                size_t r = un->members[i];
                const Utilization *ut = &x->c->resources[r].utilization;
                x->target[r] = b;
                x->state[r] = PLAN_RSC_RUNNING;
                x->load[b]++;
                if (x->has_cap[b]) {
                        x->free_cap[b].memory -= ut->memory < x->free_cap[b].memory
                                                         ? ut->memory
                                                         : x->free_cap[b].memory;
                        x->free_cap[b].cpu -=
                                ut->cpu < x->free_cap[b].cpu ? ut->cpu : x->free_cap[b].cpu;
                }
        }
        if (k < un->n_members)
                return unplace_members(x, u, k, k == limit);
        return 0;
}

int sched_place(SchedCtx *x) {
        size_t *stack = calloc(x->nu ? x->nu : 1, sizeof(size_t));
        size_t *cursor = calloc(x->nu ? x->nu : 1, sizeof(size_t));
        Cand *cand = calloc(x->nb ? x->nb : 1, sizeof(Cand));
        int r = 0;

        x->umark = calloc(x->nu ? x->nu : 1, sizeof(UnitMark));
        x->useq = calloc(x->nu ? x->nu : 1, sizeof(size_t));
        if (!stack || !cursor || !cand || !x->umark || !x->useq) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t r0 = 0; r0 < x->nr; r0++)
                x->state[r0] = PLAN_RSC_BLOCKED;

        for (size_t root = 0; root < x->nu && r >= 0; root++) {
                size_t depth = 0;
                if (x->umark[root] != UNIT_TODO)
                        continue;
                stack[depth] = root;
                cursor[depth++] = x->udep_off[root];
                x->umark[root] = UNIT_VISITING;
                while (depth > 0 && r >= 0) {
                        size_t u = stack[depth - 1];
                        if (cursor[depth - 1] < x->udep_off[u + 1]) {
                                size_t d = x->udep[cursor[depth - 1]++];
                                /* VISITING = a cycle: that edge is ignored. */
                                if (x->umark[d] == UNIT_TODO) {
                                        x->umark[d] = UNIT_VISITING;
                                        stack[depth] = d;
                                        cursor[depth++] = x->udep_off[d];
                                }
                                continue;
                        }
                        r = decide(x, u, cand);
                        x->umark[u] = UNIT_DONE;
                        x->useq[x->n_useq++] = u;
                        depth--;
                }
        }

        /* A failed stop without fencing: pinned where it may still run. */
        for (size_t i = 0; i < x->nr && r >= 0; i++) {
                if (x->fixed[i] == IDX_NONE)
                        continue;
                x->target[i] = x->fixed[i];
                r = set_reason(
                        x, i, PLAN_RSC_BLOCKED,
                        sched_strdupf("stop failed on %s and fencing is disabled: it may still run "
                                      "there; check by hand, then run bladectl cleanup %s",
                                      x->s->blades[x->fixed[i]].name, rsc_id(x, i)));
        }
out:
        free(stack);
        free(cursor);
        free(cand);
        return r;
}
