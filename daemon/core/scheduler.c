/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scheduler's driver: builds the working context (sorted orders,
 * per-resource constraint lists, blade classes, policy), runs placement
 * (sched_place.c) and the action graph (sched_actions.c), and hands the
 * result over as a Plan.  doc/scheduler.rst describes the algorithm.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/scheduler.h"
#include "bladed/util.h"
#include "sched_internal.h"

char *sched_strdupf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

void sched_buf_printf(SchedBuf *b, const char *fmt, ...) {
        va_list ap;
        int n;

        if (b->oom)
                return;
        for (;;) {
                size_t room = b->cap - b->len;
                va_start(ap, fmt);
                n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->oom = true;
                        return;
                }
                if ((size_t)n < room) {
                        b->len += (size_t)n;
                        return;
                }
                size_t cap = b->cap ? b->cap * 2 : 256;
                while (cap - b->len <= (size_t)n)
                        cap *= 2;
                char *ns = realloc(b->s, cap);
                if (!ns) {
                        b->oom = true;
                        return;
                }
                b->s = ns;
                b->cap = cap;
        }
}

char *sched_buf_take(SchedBuf *b) {
        char *s = b->s;

        if (b->oom) {
                free(s);
                s = NULL;
        } else if (!s) {
                s = strdup("");
        }
        *b = (SchedBuf){0};
        return s;
}

int sched_note(SchedCtx *x, const char *fmt, ...) {
        va_list ap;
        char *s, **n;

        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        n = realloc(x->notes, (x->n_notes + 1) * sizeof(*n));
        if (!n) {
                free(s);
                return -ENOMEM;
        }
        x->notes = n;
        x->notes[x->n_notes++] = s;
        return 0;
}

/* qsort has no context argument in C11: the comparators get it through
 * the element itself. */
typedef struct SortKey {
        size_t idx;
        const char *name;
        uint32_t nodeid;
} SortKey;

static int cmp_blade_key(const void *a, const void *b) {
        const SortKey *x = a, *y = b;
        if (x->nodeid != y->nodeid)
                return x->nodeid < y->nodeid ? -1 : 1;
        int c = strcmp(x->name, y->name);
        if (c)
                return c;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_name_key(const void *a, const void *b) {
        const SortKey *x = a, *y = b;
        int c = strcmp(x->name, y->name);
        if (c)
                return c;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void *xcalloc(size_t n, size_t size, bool *oom) {
        void *p = calloc(n ? n : 1, size);
        if (!p)
                *oom = true;
        return p;
}

static void ctx_done(SchedCtx *x) {
        free(x->packed);
        free(x->border);
        free(x->brank);
        free(x->bstate);
        free(x->present);
        free(x->avail);
        free(x->unclean);
        free(x->gone);
        free(x->load);
        free(x->free_cap);
        free(x->cap_total);
        free(x->has_cap);
        free(x->rorder);
        free(x->can_start);
        free(x->probe_wait);
        free(x->fixed);
        free(x->order_blocked);
        free(x->order_blocker);
        free(x->loc_off);
        free(x->loc);
        free(x->gloc_off);
        free(x->gloc);
        free(x->loc_blade);
        free(x->units);
        free(x->unit_of);
        free(x->ucol_off);
        free(x->ucol);
        free(x->udep_off);
        free(x->udep);
        free(x->edges);
        free(x->out_off);
        free(x->out);
        free(x->in_off);
        free(x->in);
        free(x->umark);
        free(x->useq);
        free(x->target);
        free(x->state);
        if (x->reason)
                for (size_t i = 0; i < x->nr; i++)
                        free(x->reason[i]);
        free(x->reason);
        free(x->scratch);
        free(x->keep);
        free(x->start_at);
        free(x->mig_src);
        for (size_t i = 0; i < x->n_notes; i++)
                free(x->notes[i]);
        free(x->notes);
}

/* One pass over the snapshot's matrix; every later scan reads the packed
 * copy.  Fail-count bans are decided here, with the snapshot's time. */
static int build_packed(SchedCtx *x) {
        x->packed = malloc(x->nr * x->nb > 0 ? x->nr * x->nb : 1);
        if (!x->packed)
                return -ENOMEM;
        for (size_t r = 0; r < x->nr; r++)
                for (size_t b = 0; b < x->nb; b++) {
                        const RscBlade *rb = &x->s->rb[r * x->nb + b];
                        /* An out-of-range role is treated as unknown: probe it. */
                        uint8_t v =
                                rb->role < _RSC_ROLE_MAX ? (uint8_t)rb->role : (uint8_t)RSC_UNKNOWN;
                        if (rb->banned)
                                v |= SCHED_BANNED;
                        if (rb->failcount > 0 && sched_failcount_bans(x, r, b))
                                v |= SCHED_FAILBAN;
                        x->packed[r * x->nb + b] = v;
                }
        return 0;
}

static int build_blades(SchedCtx *x) {
        const Snapshot *s = x->s;
        const Config *c = x->c;
        bool oom = false;
        SortKey *k = xcalloc(x->nb, sizeof(*k), &oom);

        x->border = xcalloc(x->nb, sizeof(size_t), &oom);
        x->brank = xcalloc(x->nb, sizeof(size_t), &oom);
        x->bstate = xcalloc(x->nb, sizeof(BladeState), &oom);
        x->present = xcalloc(x->nb, sizeof(bool), &oom);
        x->avail = xcalloc(x->nb, sizeof(bool), &oom);
        x->unclean = xcalloc(x->nb, sizeof(bool), &oom);
        x->gone = xcalloc(x->nb, sizeof(bool), &oom);
        x->load = xcalloc(x->nb, sizeof(size_t), &oom);
        x->free_cap = xcalloc(x->nb, sizeof(Utilization), &oom);
        x->cap_total = xcalloc(x->nb, sizeof(Utilization), &oom);
        x->has_cap = xcalloc(x->nb, sizeof(bool), &oom);
        x->scratch = xcalloc(2 * x->nb, sizeof(int), &oom);
        if (oom) {
                free(k);
                return -ENOMEM;
        }

        /* The blade array is sorted by nodeid by contract, but the plan must
         * not depend on it: sort again, explicitly. */
        for (size_t b = 0; b < x->nb; b++)
                k[b] = (SortKey){
                        .idx = b, .name = s->blades[b].name, .nodeid = s->blades[b].nodeid};
        qsort(k, x->nb, sizeof(*k), cmp_blade_key);
        for (size_t i = 0; i < x->nb; i++) {
                x->border[i] = k[i].idx;
                x->brank[k[i].idx] = i;
        }
        free(k);

        /* Row by row (the matrix is stored per resource): a failed stop
         * anywhere makes its blade one to fence. */
        if (c->props.fencing)
                for (size_t r = 0; r < x->nr; r++)
                        for (size_t b = 0; b < x->nb; b++)
                                if (sched_role(x, r, b) == RSC_STOP_FAILED)
                                        x->unclean[b] = true;
        for (size_t b = 0; b < x->nb; b++) {
                const NodeAttrs *na = config_find_node(c, s->blades[b].name);
                BladeState st = s->blades[b].state;
                /* `bladectl standby` is a configuration change: it counts
                 * whether or not the daemon copied it into the blade state. */
                if (st == BLADE_ONLINE && na && na->standby)
                        st = BLADE_STANDBY;
                x->bstate[b] = st;
                bool up = st == BLADE_ONLINE || st == BLADE_STANDBY;

                x->unclean[b] = c->props.fencing && (st == BLADE_LOST || (up && x->unclean[b]));
                x->gone[b] = st == BLADE_OFFLINE || st == BLADE_FENCED ||
                             (st == BLADE_LOST && !c->props.fencing) || st >= _BLADE_STATE_MAX;
                x->present[b] = up && !x->unclean[b];
                /* Freeze keeps what runs where it runs, standby or not. */
                x->avail[b] = x->freeze ? x->present[b] : st == BLADE_ONLINE && !x->unclean[b];

                if (na && na->has_capacity) {
                        x->has_cap[b] = true;
                        x->free_cap[b] = na->capacity;
                        x->cap_total[b] = na->capacity;
                }
        }
        return 0;
}

static int build_resources(SchedCtx *x) {
        bool oom = false;
        SortKey *k = xcalloc(x->nr, sizeof(*k), &oom);

        x->rorder = xcalloc(x->nr, sizeof(size_t), &oom);
        x->can_start = xcalloc(x->nr, sizeof(bool), &oom);
        x->probe_wait = xcalloc(x->nr, sizeof(size_t), &oom);
        x->fixed = xcalloc(x->nr, sizeof(size_t), &oom);
        x->order_blocked = xcalloc(x->nr, sizeof(bool), &oom);
        x->order_blocker = xcalloc(x->nr, sizeof(size_t), &oom);
        x->target = xcalloc(x->nr, sizeof(size_t), &oom);
        x->state = xcalloc(x->nr, sizeof(PlanRscState), &oom);
        x->reason = xcalloc(x->nr, sizeof(char *), &oom);
        x->keep = xcalloc(x->nr, sizeof(size_t), &oom);
        x->start_at = xcalloc(x->nr, sizeof(size_t), &oom);
        x->mig_src = xcalloc(x->nr, sizeof(size_t), &oom);
        if (oom) {
                free(k);
                return -ENOMEM;
        }
        for (size_t r = 0; r < x->nr; r++)
                k[r] = (SortKey){.idx = r, .name = x->c->resources[r].id};
        qsort(k, x->nr, sizeof(*k), cmp_name_key);
        for (size_t i = 0; i < x->nr; i++)
                x->rorder[i] = k[i].idx;
        free(k);

        bool quorum_ok = x->s->quorate || x->c->props.no_quorum_policy == NO_QUORUM_IGNORE;
        for (size_t r = 0; r < x->nr; r++) {
                x->probe_wait[r] = IDX_NONE;
                x->fixed[r] = IDX_NONE;
                x->target[r] = IDX_NONE;
                x->order_blocker[r] = IDX_NONE;
                x->keep[r] = IDX_NONE;
                x->start_at[r] = IDX_NONE;
                x->mig_src[r] = IDX_NONE;
                for (size_t i = 0; i < x->nb; i++) {
                        size_t b = x->border[i];
                        RscRole role = sched_role(x, r, b);
                        /* Invariant 4: nothing starts before every blade that
                         * could run it has said whether it already does. */
                        if (x->present[b] && role == RSC_UNKNOWN && x->probe_wait[r] == IDX_NONE)
                                x->probe_wait[r] = b;
                        /* A failed stop without fencing: it may still run there,
                         * and nothing can prove otherwise. */
                        if (x->present[b] && role == RSC_STOP_FAILED && x->fixed[r] == IDX_NONE)
                                x->fixed[r] = b;
                }
                x->can_start[r] = quorum_ok && !x->maintenance && x->probe_wait[r] == IDX_NONE;
        }
        return 0;
}

/* A CSR list: off[n + 1], items filled by the caller in a second pass. */
static int csr_alloc(size_t n, const size_t *counts, size_t **off, size_t item_size, void **items) {
        *off = malloc((n + 1) * sizeof(size_t));
        if (!*off)
                return -ENOMEM;
        (*off)[0] = 0;
        for (size_t i = 0; i < n; i++)
                (*off)[i + 1] = (*off)[i] + counts[i];
        *items = calloc((*off)[n] ? (*off)[n] : 1, item_size);
        return *items ? 0 : -ENOMEM;
}

static int cmp_sortkey_name_only(const void *a, const void *b) {
        return strcmp(((const SortKey *)a)->name, ((const SortKey *)b)->name);
}

static int build_locations(SchedCtx *x) {
        const Config *c = x->c;
        size_t *rc = calloc(x->nr + 1, sizeof(size_t));
        size_t *gc = calloc(c->n_groups + 1, sizeof(size_t));
        SortKey *names = calloc(x->nb + 1, sizeof(SortKey));
        int r = -ENOMEM;

        x->loc_blade = calloc(c->n_locations + 1, sizeof(size_t));
        if (!rc || !gc || !names || !x->loc_blade)
                goto out;

        /* Blade names are looked up by binary search: O(L log B). */
        for (size_t b = 0; b < x->nb; b++)
                names[b] = (SortKey){.idx = b, .name = x->s->blades[b].name};
        qsort(names, x->nb, sizeof(*names), cmp_name_key);
        for (size_t i = 0; i < c->n_locations; i++) {
                const Location *l = &c->locations[i];
                SortKey key = {.name = l->node};
                SortKey *hit =
                        l->node ? bsearch(&key, names, x->nb, sizeof(*names), cmp_sortkey_name_only)
                                : NULL;
                x->loc_blade[i] = hit ? hit->idx : IDX_NONE;
                if (l->rsc_idx < x->nr)
                        rc[l->rsc_idx]++;
                else if (l->group_idx < c->n_groups)
                        gc[l->group_idx]++;
        }
        if (csr_alloc(x->nr, rc, &x->loc_off, sizeof(size_t), (void **)&x->loc) < 0 ||
            csr_alloc(c->n_groups, gc, &x->gloc_off, sizeof(size_t), (void **)&x->gloc) < 0)
                goto out;
        memset(rc, 0, (x->nr + 1) * sizeof(size_t));
        memset(gc, 0, (c->n_groups + 1) * sizeof(size_t));
        for (size_t i = 0; i < c->n_locations; i++) {
                const Location *l = &c->locations[i];
                if (l->rsc_idx < x->nr) {
                        x->loc[x->loc_off[l->rsc_idx] + rc[l->rsc_idx]++] = i;
                } else if (l->group_idx < c->n_groups) {
                        x->gloc[x->gloc_off[l->group_idx] + gc[l->group_idx]++] = i;
                }
        }
        r = 0;
out:
        free(rc);
        free(gc);
        free(names);
        return r;
}

static int cmp_unit(const void *a, const void *b) {
        const SchedUnit *x = a, *y = b;
        if (x->priority != y->priority)
                return x->priority > y->priority ? -1 : 1;
        if (x->running != y->running)
                return x->running ? -1 : 1;
        int c = strcmp(x->id, y->id);
        if (c)
                return c;
        /* Same id for a group and a resource (a bad configuration): still a
         * total order, never the input order. */
        if (x->group != y->group)
                return x->group < y->group ? -1 : 1;
        return x->lone < y->lone ? -1 : x->lone > y->lone;
}

/* Runs healthy where it may stay: such units are placed before those that
 * must move, so a moving unit never takes the capacity of one that stays. */
static bool rsc_running_healthy(const SchedCtx *x, size_t r) {
        for (size_t b = 0; b < x->nb; b++)
                if (x->avail[b] && sched_role(x, r, b) == RSC_STARTED)
                        return true;
        return false;
}

static int build_units(SchedCtx *x, size_t **ret_pool) {
        const Config *c = x->c;
        size_t *pool = calloc(x->nr + 1, sizeof(size_t));
        size_t n_pool = 0;
        bool oom = false;

        x->units = xcalloc(c->n_groups + x->nr, sizeof(SchedUnit), &oom);
        x->unit_of = xcalloc(x->nr, sizeof(size_t), &oom);
        if (!pool || oom) {
                free(pool);
                return -ENOMEM;
        }
        *ret_pool = pool;
        for (size_t r = 0; r < x->nr; r++)
                x->unit_of[r] = IDX_NONE;

        /* Groups first (a resource listed twice stays in its first group). */
        for (size_t g = 0; g < c->n_groups; g++) {
                const Group *grp = &c->groups[g];
                size_t start = n_pool;
                for (size_t i = 0; i < grp->n_members; i++) {
                        size_t r = grp->members[i];
                        if (r < x->nr && x->unit_of[r] == IDX_NONE) {
                                x->unit_of[r] = x->nu;
                                pool[n_pool++] = r;
                        }
                }
                if (n_pool == start)
                        continue;
                x->units[x->nu++] = (SchedUnit){.id = grp->id,
                                                .group = g,
                                                .n_members = n_pool - start,
                                                .members = pool + start};
        }
        for (size_t r = 0; r < x->nr; r++)
                if (x->unit_of[r] == IDX_NONE) {
                        x->unit_of[r] = x->nu;
                        x->units[x->nu++] = (SchedUnit){.id = c->resources[r].id,
                                                        .group = IDX_NONE,
                                                        .n_members = 1,
                                                        .lone = r};
                }
        for (size_t u = 0; u < x->nu; u++) {
                SchedUnit *un = &x->units[u];
                if (un->group == IDX_NONE)
                        un->members = &un->lone;
                un->priority = c->resources[un->members[0]].priority;
                for (size_t i = 0; i < un->n_members; i++) {
                        size_t r = un->members[i];
                        if (c->resources[r].priority > un->priority)
                                un->priority = c->resources[r].priority;
                        if (rsc_running_healthy(x, r))
                                un->running = true;
                }
        }

        /* Placement order: priority (higher first), then units that already
         * run (so they keep their capacity), then id.  Sorting moves the
         * units, so lone members and unit_of are fixed up afterwards. */
        qsort(x->units, x->nu, sizeof(SchedUnit), cmp_unit);
        for (size_t u = 0; u < x->nu; u++) {
                SchedUnit *un = &x->units[u];
                if (un->group == IDX_NONE)
                        un->members = &un->lone;
                for (size_t i = 0; i < un->n_members; i++)
                        x->unit_of[un->members[i]] = u;
        }
        return 0;
}

static size_t unit_of_side(const SchedCtx *x, size_t rsc, size_t group, const size_t *group_unit) {
        if (rsc < x->nr)
                return x->unit_of[rsc];
        if (group < x->c->n_groups)
                return group_unit[group];
        return IDX_NONE;
}

static int build_colocations(SchedCtx *x) {
        const Config *c = x->c;
        size_t *group_unit = calloc(c->n_groups + 1, sizeof(size_t));
        size_t *cnt = calloc(x->nu + 1, sizeof(size_t));
        int r = -ENOMEM;

        if (!group_unit || !cnt)
                goto out;
        for (size_t g = 0; g < c->n_groups; g++)
                group_unit[g] = IDX_NONE;
        for (size_t u = 0; u < x->nu; u++)
                if (x->units[u].group != IDX_NONE)
                        group_unit[x->units[u].group] = u;

        for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < c->n_colocations; i++) {
                        const Colocation *co = &c->colocations[i];
                        size_t a = unit_of_side(x, co->rsc_idx, co->rsc_group_idx, group_unit);
                        size_t b = unit_of_side(x, co->with_idx, co->with_group_idx, group_unit);
                        /* Within one group members are together anyway. */
                        if (a == IDX_NONE || b == IDX_NONE || a == b || co->score == 0)
                                continue;
                        if (pass == 0) {
                                cnt[a]++;
                                cnt[b]++;
                                continue;
                        }
                        x->ucol[x->ucol_off[a] + cnt[a]++] = (SchedColoc){
                                .other = b, .coloc = i, .score = co->score, .dependent = true};
                        x->ucol[x->ucol_off[b] + cnt[b]++] = (SchedColoc){
                                .other = a, .coloc = i, .score = co->score, .dependent = false};
                }
                if (pass == 0) {
                        if (csr_alloc(x->nu, cnt, &x->ucol_off, sizeof(SchedColoc),
                                      (void **)&x->ucol) < 0)
                                goto out;
                        memset(cnt, 0, (x->nu + 1) * sizeof(size_t));
                }
        }
        r = 0;
out:
        free(group_unit);
        free(cnt);
        return r;
}

static int build_edges(SchedCtx *x) {
        const Config *c = x->c;
        size_t n = c->n_orders;
        size_t *oc = NULL, *ic = NULL;
        int r = -ENOMEM;

        for (size_t u = 0; u < x->nu; u++)
                n += x->units[u].n_members - 1;
        x->edges = calloc(n + 1, sizeof(SchedEdge));
        oc = calloc(x->nr + 1, sizeof(size_t));
        ic = calloc(x->nr + 1, sizeof(size_t));
        if (!x->edges || !oc || !ic)
                goto out;

        /* Orders on groups act on their ends: "then" starts after the first
         * group's last member, and its own first member is what waits. */
        for (size_t i = 0; i < c->n_orders; i++) {
                const Order *o = &c->orders[i];
                size_t f = o->first_idx, t = o->then_idx;
                if (f >= x->nr && o->first_group_idx < c->n_groups) {
                        const Group *g = &c->groups[o->first_group_idx];
                        f = g->n_members ? g->members[g->n_members - 1] : IDX_NONE;
                }
                if (t >= x->nr && o->then_group_idx < c->n_groups) {
                        const Group *g = &c->groups[o->then_group_idx];
                        t = g->n_members ? g->members[0] : IDX_NONE;
                }
                if (f >= x->nr || t >= x->nr || f == t)
                        continue;
                x->edges[x->n_edges++] = (SchedEdge){.first = f,
                                                     .then = t,
                                                     .order = i,
                                                     .mandatory = o->kind == ORDER_MANDATORY,
                                                     .symmetrical = o->symmetrical};
        }
        for (size_t u = 0; u < x->nu; u++)
                for (size_t i = 1; i < x->units[u].n_members; i++)
                        x->edges[x->n_edges++] = (SchedEdge){.first = x->units[u].members[i - 1],
                                                             .then = x->units[u].members[i],
                                                             .order = IDX_NONE,
                                                             .mandatory = true,
                                                             .symmetrical = true};
        for (size_t e = 0; e < x->n_edges; e++) {
                oc[x->edges[e].first]++;
                ic[x->edges[e].then]++;
        }
        if (csr_alloc(x->nr, oc, &x->out_off, sizeof(size_t), (void **)&x->out) < 0 ||
            csr_alloc(x->nr, ic, &x->in_off, sizeof(size_t), (void **)&x->in) < 0)
                goto out;
        memset(oc, 0, (x->nr + 1) * sizeof(size_t));
        memset(ic, 0, (x->nr + 1) * sizeof(size_t));
        for (size_t e = 0; e < x->n_edges; e++) {
                size_t f = x->edges[e].first, t = x->edges[e].then;
                x->out[x->out_off[f] + oc[f]++] = e;
                x->in[x->in_off[t] + ic[t]++] = e;
        }
        r = 0;
out:
        free(oc);
        free(ic);
        return r;
}

/* Units that must be placed before u: the primaries of its positive
 * colocations and the firsts of mandatory orders into its members. */
static int build_unit_deps(SchedCtx *x) {
        size_t *cnt = calloc(x->nu + 1, sizeof(size_t));
        int r = -ENOMEM;

        if (!cnt)
                return -ENOMEM;
        for (int pass = 0; pass < 2; pass++) {
                for (size_t u = 0; u < x->nu; u++) {
                        for (size_t i = x->ucol_off[u]; i < x->ucol_off[u + 1]; i++) {
                                const SchedColoc *sc = &x->ucol[i];
                                if (!sc->dependent || sc->score <= 0)
                                        continue;
                                if (pass)
                                        x->udep[x->udep_off[u] + cnt[u]] = sc->other;
                                cnt[u]++;
                        }
                        for (size_t m = 0; m < x->units[u].n_members; m++) {
                                size_t rr = x->units[u].members[m];
                                for (size_t i = x->in_off[rr]; i < x->in_off[rr + 1]; i++) {
                                        const SchedEdge *e = &x->edges[x->in[i]];
                                        size_t fu = x->unit_of[e->first];
                                        if (!e->mandatory || fu == u)
                                                continue;
                                        if (pass)
                                                x->udep[x->udep_off[u] + cnt[u]] = fu;
                                        cnt[u]++;
                                }
                        }
                }
                if (pass == 0) {
                        if (csr_alloc(x->nu, cnt, &x->udep_off, sizeof(size_t), (void **)&x->udep) <
                            0)
                                goto out;
                        memset(cnt, 0, (x->nu + 1) * sizeof(size_t));
                }
        }
        r = 0;
out:
        free(cnt);
        return r;
}

static int collect_notes(SchedCtx *x) {
        const Config *c = x->c;
        static const char *const nqp[] = {"stop", "freeze", "ignore"};
        const char *policy = c->props.no_quorum_policy <= NO_QUORUM_IGNORE
                                     ? nqp[c->props.no_quorum_policy]
                                     : "stop";
        int r = 0;

        if (x->maintenance)
                r = sched_note(x, "maintenance mode: nothing is started, stopped or fenced; "
                                  "resources are unmanaged");
        if (r >= 0 && !x->s->quorate) {
                if (x->stop_all)
                        r = sched_note(x,
                                       "no quorum (no-quorum-policy %s): everything in this "
                                       "partition is stopped",
                                       policy);
                else if (x->freeze)
                        r = sched_note(x,
                                       "no quorum (no-quorum-policy %s): what runs keeps "
                                       "running, nothing is started",
                                       policy);
                else if (c->props.no_quorum_policy == NO_QUORUM_IGNORE)
                        r = sched_note(x, "no quorum (no-quorum-policy %s): acting as if quorate",
                                       policy);
        }
        for (size_t i = 0; i < x->nb && r >= 0; i++) {
                size_t b = x->border[i];
                const char *name = x->s->blades[b].name;
                BladeState st = x->s->blades[b].state;
                if (st == BLADE_LOST && !c->props.fencing)
                        r = sched_note(x,
                                       "%s is lost and fencing is disabled: its resources are "
                                       "assumed stopped (they could run twice)",
                                       name);
                else if (x->unclean[b] && st != BLADE_LOST)
                        r = sched_note(x,
                                       "%s has a resource whose stop failed: it is fenced "
                                       "before that resource runs anywhere",
                                       name);
                if (r >= 0 && x->unclean[b] && !x->can_fence)
                        r = sched_note(x,
                                       "%s must be fenced, which needs quorum and "
                                       "maintenance mode off",
                                       name);
                if (r >= 0 && x->unclean[b] && x->can_fence) {
                        bool dev = false;
                        for (size_t d = 0; d < c->n_fence_devices && !dev; d++)
                                dev = c->fence_devices[d].node &&
                                      strcmp(c->fence_devices[d].node, name) == 0;
                        if (!dev)
                                r = sched_note(x, "%s has no fence device in the configuration",
                                               name);
                }
        }
        return r;
}

static int current_blade(const SchedCtx *x, size_t r) {
        for (size_t i = 0; i < x->nb; i++) {
                size_t b = x->border[i];
                if (x->present[b] && sched_role(x, r, b) == RSC_STARTED)
                        return (int)i;
        }
        return -1;
}

/* Maintenance and no-quorum-stop skip placement: everything's fate is
 * decided by policy alone. */
static int place_by_policy(SchedCtx *x) {
        for (size_t r = 0; r < x->nr; r++) {
                const Resource *res = &x->c->resources[r];
                if (x->maintenance) {
                        /* Unmanaged: target = where it is (any instance we know of). */
                        for (size_t i = 0; i < x->nb && x->target[r] == IDX_NONE; i++) {
                                size_t b = x->border[i];
                                if (!x->gone[b] && sched_role_active(sched_role(x, r, b)))
                                        x->target[r] = b;
                        }
                        x->state[r] = PLAN_RSC_UNMANAGED;
                        x->reason[r] = strdup("maintenance mode");
                } else if (res->target_role == TARGET_ROLE_STOPPED) {
                        x->state[r] = PLAN_RSC_STOPPED;
                        x->reason[r] = strdup("target-role stopped");
                } else {
                        x->state[r] = PLAN_RSC_BLOCKED;
                        x->reason[r] = strdup("no quorum (no-quorum-policy stop)");
                }
                if (!x->reason[r])
                        return -ENOMEM;
        }
        return 0;
}

int scheduler_run(const Snapshot *s, Plan **ret) {
        SchedCtx x = {.s = s, .c = s->config, .nr = s->config->n_resources, .nb = s->n_blades};
        const Properties *pr = &s->config->props;
        size_t *pool = NULL;
        Plan *p = NULL;
        int r;

        bool quorum_ok = s->quorate || pr->no_quorum_policy == NO_QUORUM_IGNORE;
        x.maintenance = pr->maintenance;
        x.stop_all = !quorum_ok && !x.maintenance && pr->no_quorum_policy != NO_QUORUM_FREEZE;
        x.freeze = !quorum_ok && !x.maintenance && pr->no_quorum_policy == NO_QUORUM_FREEZE;
        x.can_fence = pr->fencing && quorum_ok && !x.maintenance;

        r = build_packed(&x);
        if (r >= 0)
                r = build_blades(&x);
        if (r >= 0)
                r = build_resources(&x);
        if (r >= 0)
                r = build_locations(&x);
        if (r >= 0)
                r = build_units(&x, &pool);
        if (r >= 0)
                r = build_colocations(&x);
        if (r >= 0)
                r = build_edges(&x);
        if (r >= 0)
                r = build_unit_deps(&x);
        if (r >= 0)
                r = collect_notes(&x);
        if (r >= 0)
                r = (x.maintenance || x.stop_all) ? place_by_policy(&x) : sched_place(&x);
        if (r < 0)
                goto out;

        p = calloc(1, sizeof(*p));
        if (!p || !(p->rsc = calloc(x.nr ? x.nr : 1, sizeof(PlanRsc)))) {
                r = -ENOMEM;
                goto out;
        }
        p->n_resources = x.nr;
        p->n_blades = x.nb;
        r = sched_actions(&x, p);
        if (r < 0)
                goto out;
        for (size_t i = 0; i < x.nr; i++) {
                int cur = current_blade(&x, i);
                p->rsc[i] = (PlanRsc){.state = x.state[i],
                                      .target = x.target[i],
                                      .current = cur < 0 ? IDX_NONE : x.border[cur],
                                      .reason = TAKE_PTR(x.reason[i])};
        }
        p->notes = TAKE_PTR(x.notes);
        p->n_notes = x.n_notes;
        x.n_notes = 0;
        *ret = TAKE_PTR(p);
        r = 0;
out:
        plan_free(p);
        free(pool);
        ctx_done(&x);
        return r;
}
