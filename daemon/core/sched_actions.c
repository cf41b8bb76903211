/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The action graph: from current roles and the placement, which fences,
 * probes, stops, migrations and starts happen, and what each waits for.
 *
 *  - Fences first: a start of a resource that is (or may be: unknown) on a
 *    blade being fenced waits for that fence (invariant 1).
 *  - Mandatory orders (and group chains): when "first" is interrupted
 *    (stopped, moved by stop/start, lost with its blade), a running "then"
 *    is restarted: its stop comes before first's, its start after first's.
 *  - Live migration only for a healthy single instance with allow-migrate
 *    and nothing it depends on interrupted: migrate_to on the source,
 *    migrate_from on the target, then the source's clean-up stop.
 *  - Anti-colocation: a start (or a migration) onto a blade waits for the
 *    stops there of what must never share a blade with it.
 *  - Capacity: a start (or a migration) onto a blade with capacity that
 *    would not fit beside what runs there now (and what arrived before it
 *    in this plan) waits for the stops on that blade (plain, or the
 *    clean-up after a migration away) of resources that use capacity.  Two VMs swapping blades by
 * live migration when only the swap makes room would wait for each other: the sort breaks such a
 * cycle and says so in a note. Then the actions are sorted topologically, ties by phase (fence,
 * probe, stop, migrate, start) then creation order, so the text is stable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/model.h"
#include "sched_internal.h"

typedef struct Work {
        Action *a;
        size_t n, cap;
        size_t *fence_act;  /* per blade */
        size_t *stop_first; /* per resource: first plain stop */
        size_t *stop_n;
        size_t *start_act; /* per resource: START */
        size_t *mto_act, *mfrom_act, *cleanup_act;
        size_t *cap_off, *cap_stops; /* per blade: stops of resources using capacity */
        Utilization *used;           /* per blade: what runs there now + what arrived */
        size_t *dep_off, *deps;      /* per action (creation order) */
        size_t n_deps, cap_deps;
} Work;

static bool uses_capacity(const Resource *res) {
        return res->utilization.memory > 0 || res->utilization.cpu > 0;
}

static int add_action(Work *w, ActionKind kind, size_t rsc, size_t blade, size_t peer,
                      size_t *ret) {
        if (w->n == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 64;
                Action *na = realloc(w->a, cap * sizeof(*na));
                if (!na)
                        return -ENOMEM;
                w->a = na;
                w->cap = cap;
        }
        w->a[w->n] = (Action){.kind = kind, .rsc = rsc, .blade = blade, .peer = peer};
        if (ret)
                *ret = w->n;
        w->n++;
        return 0;
}

static int add_dep(Work *w, size_t dep) {
        if (dep == IDX_NONE)
                return 0;
        if (w->n_deps == w->cap_deps) {
                size_t cap = w->cap_deps ? w->cap_deps * 2 : 64;
                size_t *nd = realloc(w->deps, cap * sizeof(*nd));
                if (!nd)
                        return -ENOMEM;
                w->deps = nd;
                w->cap_deps = cap;
        }
        w->deps[w->n_deps++] = dep;
        return 0;
}

static bool has_active_present(const SchedCtx *x, size_t r) {
        for (size_t b = 0; b < x->nb; b++)
                if (x->present[b] && sched_role_active(sched_role(x, r, b)))
                        return true;
        return false;
}

/* Is (or may be: not known stopped) r on a blade waiting to be fenced? */
static bool maybe_unclean(const SchedCtx *x, size_t r, bool definitely) {
        for (size_t b = 0; b < x->nb; b++) {
                if (!x->unclean[b])
                        continue;
                RscRole role = sched_role(x, r, b);
                if (definitely ? sched_role_active(role) : role != RSC_STOPPED)
                        return true;
        }
        return false;
}

/* The only present instance, if it is healthy; IDX_NONE otherwise. */
static size_t sole_healthy_instance(const SchedCtx *x, size_t r) {
        size_t found = IDX_NONE;
        for (size_t b = 0; b < x->nb; b++) {
                if (!x->present[b] || !sched_role_active(sched_role(x, r, b)))
                        continue;
                if (found != IDX_NONE || sched_role(x, r, b) != RSC_STARTED)
                        return IDX_NONE;
                found = b;
        }
        return found;
}

static bool deps_interrupted(const SchedCtx *x, size_t r, const bool *interrupted) {
        for (size_t i = x->in_off[r]; i < x->in_off[r + 1]; i++) {
                const SchedEdge *e = &x->edges[x->in[i]];
                if (e->mandatory && interrupted[e->first])
                        return true;
        }
        size_t u = x->unit_of[r];
        for (size_t i = x->ucol_off[u]; i < x->ucol_off[u + 1]; i++) {
                const SchedColoc *sc = &x->ucol[i];
                if (!sc->dependent || sc->score <= 0)
                        continue;
                const SchedUnit *o = &x->units[sc->other];
                for (size_t m = 0; m < o->n_members; m++)
                        if (interrupted[o->members[m]])
                                return true;
        }
        return false;
}

static int decide_one(SchedCtx *x, size_t r, bool *interrupted) {
        const Resource *res = &x->c->resources[r];

        if (x->fixed[r] != IDX_NONE)
                return 0;
        if (x->start_at[r] != IDX_NONE && x->keep[r] == IDX_NONE && res->allow_migrate) {
                size_t src = sole_healthy_instance(x, r);
                if (src != IDX_NONE && src != x->start_at[r] && !maybe_unclean(x, r, false) &&
                    !deps_interrupted(x, r, interrupted))
                        x->mig_src[r] = src;
        }
        interrupted[r] = x->keep[r] == IDX_NONE && x->mig_src[r] == IDX_NONE &&
                         (has_active_present(x, r) || maybe_unclean(x, r, true));
        if (!interrupted[r])
                return 0;
        /* Mandatory order: "then" cannot keep running while "first" is gone. */
        for (size_t i = x->out_off[r]; i < x->out_off[r + 1]; i++) {
                const SchedEdge *e = &x->edges[x->out[i]];
                size_t t = e->then;
                if (!e->mandatory || x->fixed[t] != IDX_NONE || x->keep[t] == IDX_NONE)
                        continue;
                if (x->can_start[t]) {
                        x->start_at[t] = x->keep[t];
                        x->keep[t] = IDX_NONE;
                        continue;
                }
                x->keep[t] = IDX_NONE;
                x->target[t] = IDX_NONE;
                x->state[t] = PLAN_RSC_WAITING;
                free(x->reason[t]);
                x->reason[t] =
                        sched_strdupf("restarts after %s, but waits for its probe on %s",
                                      x->c->resources[r].id, x->s->blades[x->probe_wait[t]].name);
                if (!x->reason[t])
                        return -ENOMEM;
        }
        return 0;
}

static int decide(SchedCtx *x) {
        bool *interrupted = calloc(x->nr ? x->nr : 1, sizeof(bool));
        int r = 0;

        if (!interrupted)
                return -ENOMEM;
        for (size_t i = 0; i < x->nr; i++) {
                size_t t = x->target[i];
                if (x->fixed[i] != IDX_NONE || t == IDX_NONE)
                        continue;
                if (x->present[t] && sched_role(x, i, t) == RSC_STARTED)
                        x->keep[i] = t;
                else
                        x->start_at[i] = t;
        }
        /* In placement order: firsts and primaries before what depends on them. */
        for (size_t q = 0; q < x->n_useq && r >= 0; q++) {
                const SchedUnit *un = &x->units[x->useq[q]];
                for (size_t m = 0; m < un->n_members && r >= 0; m++)
                        r = decide_one(x, un->members[m], interrupted);
        }
        free(interrupted);
        return r;
}

static int generate(SchedCtx *x, Work *w) {
        int r = 0;

        if (x->can_fence)
                for (size_t i = 0; i < x->nb && r >= 0; i++)
                        if (x->unclean[x->border[i]])
                                r = add_action(w, ACTION_FENCE, IDX_NONE, x->border[i], IDX_NONE,
                                               &w->fence_act[x->border[i]]);
        /* Probes run in every mode: they only look. */
        for (size_t q = 0; q < x->nr && r >= 0; q++)
                for (size_t i = 0; i < x->nb && r >= 0; i++) {
                        size_t rr = x->rorder[q], b = x->border[i];
                        if (x->present[b] && sched_role(x, rr, b) == RSC_UNKNOWN)
                                r = add_action(w, ACTION_PROBE, rr, b, IDX_NONE, NULL);
                }
        if (x->maintenance)
                return r;
        for (size_t q = 0; q < x->nr && r >= 0; q++) {
                size_t rr = x->rorder[q];
                if (x->fixed[rr] != IDX_NONE)
                        continue;
                w->stop_first[rr] = w->n;
                for (size_t i = 0; i < x->nb && r >= 0; i++) {
                        size_t b = x->border[i];
                        if (!x->present[b] || !sched_role_active(sched_role(x, rr, b)) ||
                            b == x->keep[rr] || b == x->mig_src[rr])
                                continue;
                        r = add_action(w, ACTION_STOP, rr, b, IDX_NONE, NULL);
                        w->stop_n[rr]++;
                }
        }
        for (size_t q = 0; q < x->nr && r >= 0; q++) {
                size_t rr = x->rorder[q], src = x->mig_src[rr], dst = x->start_at[rr];
                if (src == IDX_NONE)
                        continue;
                r = add_action(w, ACTION_MIGRATE_TO, rr, src, dst, &w->mto_act[rr]);
                if (r >= 0)
                        r = add_action(w, ACTION_MIGRATE_FROM, rr, dst, src, &w->mfrom_act[rr]);
                if (r >= 0)
                        r = add_action(w, ACTION_STOP, rr, src, IDX_NONE, &w->cleanup_act[rr]);
        }
        for (size_t q = 0; q < x->nr && r >= 0; q++) {
                size_t rr = x->rorder[q];
                if (x->start_at[rr] != IDX_NONE && x->mig_src[rr] == IDX_NONE)
                        r = add_action(w, ACTION_START, rr, x->start_at[rr], IDX_NONE,
                                       &w->start_act[rr]);
        }
        return r;
}

static int build_capacity_lists(SchedCtx *x, Work *w) {
        size_t *cnt = calloc(x->nb + 1, sizeof(size_t));
        int pass;

        if (!cnt)
                return -ENOMEM;
        w->cap_off = calloc(x->nb + 1, sizeof(size_t));
        w->used = calloc(x->nb + 1, sizeof(Utilization));
        if (!w->cap_off || !w->used) {
                free(cnt);
                return -ENOMEM;
        }
        for (size_t rr = 0; rr < x->nr; rr++) {
                const Utilization *u = &x->c->resources[rr].utilization;
                for (size_t b = 0; b < x->nb; b++)
                        if (x->present[b] && sched_role_active(sched_role(x, rr, b))) {
                                w->used[b].memory += u->memory;
                                w->used[b].cpu += u->cpu;
                        }
        }
        for (pass = 0; pass < 2; pass++) {
                for (size_t rr = 0; rr < x->nr; rr++) {
                        if (!uses_capacity(&x->c->resources[rr]))
                                continue;
                        for (size_t j = 0; j <= w->stop_n[rr]; j++) {
                                /* Plain stops, then the clean-up stop of a migration
                                 * away: the memory is free only after it. */
                                size_t a = j < w->stop_n[rr] ? w->stop_first[rr] + j
                                                             : w->cleanup_act[rr];
                                if (a == IDX_NONE)
                                        continue;
                                size_t b = w->a[a].blade;
                                if (pass)
                                        w->cap_stops[w->cap_off[b] + cnt[b]] = a;
                                cnt[b]++;
                        }
                }
                if (pass == 0) {
                        for (size_t b = 0; b < x->nb; b++)
                                w->cap_off[b + 1] = w->cap_off[b] + cnt[b];
                        w->cap_stops = calloc(w->cap_off[x->nb] + 1, sizeof(size_t));
                        if (!w->cap_stops) {
                                free(cnt);
                                return -ENOMEM;
                        }
                        memset(cnt, 0, (x->nb + 1) * sizeof(size_t));
                }
        }
        free(cnt);
        return 0;
}

/* What action a (creation order) waits for. */
static int deps_of(const SchedCtx *x, Work *w, size_t a) {
        const Action *ac = &w->a[a];
        size_t rr = ac->rsc;
        int r = 0;

        switch (ac->kind) {
        case ACTION_FENCE:
        case ACTION_PROBE:
                return 0;
        case ACTION_STOP:
                if (a == w->cleanup_act[rr])
                        return add_dep(w, w->mfrom_act[rr]);
                /* Stop in reverse order: "then" stops before "first". */
                for (size_t i = x->out_off[rr]; i < x->out_off[rr + 1] && r >= 0; i++) {
                        const SchedEdge *e = &x->edges[x->out[i]];
                        if (!e->symmetrical)
                                continue;
                        for (size_t j = 0; j < w->stop_n[e->then] && r >= 0; j++)
                                r = add_dep(w, w->stop_first[e->then] + j);
                }
                return r;
        case ACTION_MIGRATE_FROM:
                return add_dep(w, w->mto_act[rr]);
        case ACTION_START:
                for (size_t j = 0; j < w->stop_n[rr] && r >= 0; j++)
                        r = add_dep(w, w->stop_first[rr] + j);
                for (size_t b = 0; b < x->nb && r >= 0; b++)
                        if (x->unclean[b] && sched_role(x, rr, b) != RSC_STOPPED)
                                r = add_dep(w, w->fence_act[b]);
                break;
        case ACTION_MIGRATE_TO:
        default:
                break;
        }
        /* START and MIGRATE_TO: after the firsts' starts, and after what
         * frees the capacity on the blade it lands on. */
        for (size_t i = x->in_off[rr]; i < x->in_off[rr + 1] && r >= 0; i++) {
                size_t f = x->edges[x->in[i]].first;
                r = add_dep(w, w->start_act[f]);
                if (r >= 0)
                        r = add_dep(w, w->mfrom_act[f]);
        }
        /* Never together, not even for a moment: wait for what must stay
         * apart from it to leave the blade. */
        size_t dst = ac->kind == ACTION_MIGRATE_TO ? ac->peer : ac->blade;
        size_t un = x->unit_of[rr];
        for (size_t i = x->ucol_off[un]; i < x->ucol_off[un + 1] && r >= 0; i++) {
                const SchedUnit *o = &x->units[x->ucol[i].other];
                if (x->ucol[i].score > -SCORE_INFINITY)
                        continue;
                for (size_t m = 0; m < o->n_members && r >= 0; m++) {
                        size_t om = o->members[m];
                        for (size_t j = 0; j < w->stop_n[om] && r >= 0; j++)
                                if (w->a[w->stop_first[om] + j].blade == dst)
                                        r = add_dep(w, w->stop_first[om] + j);
                        if (r >= 0 && w->cleanup_act[om] != IDX_NONE &&
                            w->a[w->cleanup_act[om]].blade == dst)
                                r = add_dep(w, w->cleanup_act[om]);
                }
        }
        if (r < 0)
                return r;
        /* Arrivals are counted in action order on top of what runs there
         * now; only when that would not fit must the arrival wait for the
         * stops that make room. */
        const Utilization *u = &x->c->resources[rr].utilization;
        if (!x->has_cap[dst] || !uses_capacity(&x->c->resources[rr]))
                return r;
        w->used[dst].memory += u->memory;
        w->used[dst].cpu += u->cpu;
        if (w->used[dst].memory > x->cap_total[dst].memory ||
            w->used[dst].cpu > x->cap_total[dst].cpu)
                for (size_t i = w->cap_off[dst]; i < w->cap_off[dst + 1] && r >= 0; i++)
                        if (w->a[w->cap_stops[i]].rsc != rr)
                                r = add_dep(w, w->cap_stops[i]);
        return r;
}

static int cmp_size(const void *a, const void *b) {
        size_t x = *(const size_t *)a, y = *(const size_t *)b;
        return x < y ? -1 : x > y;
}

static unsigned phase(ActionKind k) {
        static const unsigned ph[_ACTION_KIND_MAX] = {
                [ACTION_FENCE] = 0,      [ACTION_PROBE] = 1,        [ACTION_STOP] = 2,
                [ACTION_MIGRATE_TO] = 3, [ACTION_MIGRATE_FROM] = 3, [ACTION_START] = 4,
        };
        return ph[k];
}

typedef struct Heap {
        size_t *h;
        size_t n;
        const Action *a;
} Heap;

static bool heap_less(const Heap *hp, size_t i, size_t j) {
        unsigned pi = phase(hp->a[i].kind), pj = phase(hp->a[j].kind);
        return pi != pj ? pi < pj : i < j;
}

static void heap_push(Heap *hp, size_t v) {
        size_t i = hp->n++;
        hp->h[i] = v;
        while (i > 0 && heap_less(hp, hp->h[i], hp->h[(i - 1) / 2])) {
                size_t p = (i - 1) / 2, t = hp->h[p];
                hp->h[p] = hp->h[i];
                hp->h[i] = t;
                i = p;
        }
}

static size_t heap_pop(Heap *hp) {
        size_t top = hp->h[0], i = 0;
        hp->h[0] = hp->h[--hp->n];
        for (;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i;
                if (l < hp->n && heap_less(hp, hp->h[l], hp->h[m]))
                        m = l;
                if (r < hp->n && heap_less(hp, hp->h[r], hp->h[m]))
                        m = r;
                if (m == i)
                        break;
                size_t t = hp->h[m];
                hp->h[m] = hp->h[i];
                hp->h[i] = t;
                i = m;
        }
        return top;
}

/* Kahn's algorithm; a cycle (only a configuration mixing orders and
 * groups badly can make one) is broken at its smallest action, with a note. */
static int sort_into_plan(SchedCtx *x, Work *w, Plan *p) {
        size_t n = w->n;
        size_t *indeg = calloc(n + 1, sizeof(size_t));
        size_t *roff = calloc(n + 2, sizeof(size_t));
        size_t *radj = calloc(w->n_deps + 1, sizeof(size_t));
        size_t *newidx = calloc(n + 1, sizeof(size_t));
        size_t *order = calloc(n + 1, sizeof(size_t));
        Heap hp = {.h = calloc(n + 1, sizeof(size_t)), .a = w->a};
        size_t emitted = 0, scan = 0;
        int r = -ENOMEM;

        if (!indeg || !roff || !radj || !newidx || !order || !hp.h)
                goto out;
        for (size_t a = 0; a < n; a++) {
                indeg[a] = w->dep_off[a + 1] - w->dep_off[a];
                for (size_t i = w->dep_off[a]; i < w->dep_off[a + 1]; i++)
                        roff[w->deps[i] + 1]++;
        }
        for (size_t a = 0; a < n; a++)
                roff[a + 1] += roff[a];
        {
                size_t *fill = calloc(n + 1, sizeof(size_t));
                if (!fill)
                        goto out;
                for (size_t a = 0; a < n; a++)
                        for (size_t i = w->dep_off[a]; i < w->dep_off[a + 1]; i++) {
                                size_t d = w->deps[i];
                                radj[roff[d] + fill[d]++] = a;
                        }
                free(fill);
        }
        for (size_t a = 0; a < n; a++) {
                newidx[a] = IDX_NONE;
                if (indeg[a] == 0)
                        heap_push(&hp, a);
        }
        while (emitted < n) {
                if (hp.n == 0) {
                        while (newidx[scan] != IDX_NONE)
                                scan++;
                        r = sched_note(
                                x, "ordering cycle: %s of %s does not wait for all it should",
                                action_kind_to_string(w->a[scan].kind),
                                w->a[scan].rsc != IDX_NONE ? x->c->resources[w->a[scan].rsc].id
                                                           : "-");
                        if (r < 0)
                                goto out;
                        indeg[scan] = 0;
                        heap_push(&hp, scan);
                }
                size_t a = heap_pop(&hp);
                if (newidx[a] != IDX_NONE)
                        continue;
                newidx[a] = emitted;
                order[emitted++] = a;
                for (size_t i = roff[a]; i < roff[a + 1]; i++)
                        if (indeg[radj[i]] > 0 && --indeg[radj[i]] == 0 &&
                            newidx[radj[i]] == IDX_NONE)
                                heap_push(&hp, radj[i]);
        }

        p->actions = calloc(n ? n : 1, sizeof(Action));
        p->dep_pool = calloc(w->n_deps ? w->n_deps : 1, sizeof(size_t));
        if (!p->actions || !p->dep_pool)
                goto out;
        size_t used = 0;
        for (size_t k = 0; k < n; k++) {
                size_t a = order[k], start = used;
                p->actions[k] = w->a[a];
                for (size_t i = w->dep_off[a]; i < w->dep_off[a + 1]; i++) {
                        size_t d = newidx[w->deps[i]];
                        if (d < k) /* a broken cycle leaves later ones out */
                                p->dep_pool[used++] = d;
                }
                qsort(p->dep_pool + start, used - start, sizeof(size_t), cmp_size);
                size_t u = start;
                for (size_t i = start; i < used; i++)
                        if (u == start || p->dep_pool[u - 1] != p->dep_pool[i])
                                p->dep_pool[u++] = p->dep_pool[i];
                used = u;
                p->actions[k].deps = p->dep_pool + start;
                p->actions[k].n_deps = used - start;
        }
        p->n_actions = n;
        r = 0;
out:
        free(indeg);
        free(roff);
        free(radj);
        free(newidx);
        free(order);
        free(hp.h);
        return r;
}

int sched_actions(SchedCtx *x, Plan *p) {
        Work w = {0};
        size_t nr1 = x->nr ? x->nr : 1;
        int r = -ENOMEM;

        w.fence_act = malloc((x->nb ? x->nb : 1) * sizeof(size_t));
        w.stop_first = calloc(nr1, sizeof(size_t));
        w.stop_n = calloc(nr1, sizeof(size_t));
        w.start_act = malloc(nr1 * sizeof(size_t));
        w.mto_act = malloc(nr1 * sizeof(size_t));
        w.mfrom_act = malloc(nr1 * sizeof(size_t));
        w.cleanup_act = malloc(nr1 * sizeof(size_t));
        if (!w.fence_act || !w.stop_first || !w.stop_n || !w.start_act || !w.mto_act ||
            !w.mfrom_act || !w.cleanup_act)
                goto out;
        for (size_t b = 0; b < x->nb; b++)
                w.fence_act[b] = IDX_NONE;
        for (size_t i = 0; i < x->nr; i++)
                w.start_act[i] = w.mto_act[i] = w.mfrom_act[i] = w.cleanup_act[i] = IDX_NONE;

        if (!x->maintenance) {
                r = decide(x);
                if (r < 0)
                        goto out;
        }
        r = generate(x, &w);
        if (r >= 0)
                r = build_capacity_lists(x, &w);
        if (r < 0)
                goto out;
        r = -ENOMEM;
        w.dep_off = calloc(w.n + 1, sizeof(size_t));
        if (!w.dep_off)
                goto out;
        for (size_t a = 0; a < w.n; a++) {
                r = deps_of(x, &w, a);
                if (r < 0)
                        goto out;
                w.dep_off[a + 1] = w.n_deps;
        }
        r = sort_into_plan(x, &w, p);
out:
        free(w.a);
        free(w.fence_act);
        free(w.stop_first);
        free(w.stop_n);
        free(w.start_act);
        free(w.mto_act);
        free(w.mfrom_act);
        free(w.cleanup_act);
        free(w.cap_off);
        free(w.cap_stops);
        free(w.used);
        free(w.dep_off);
        free(w.deps);
        return r;
}
