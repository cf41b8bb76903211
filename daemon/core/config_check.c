/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.xml, step 3: the meaning across objects (doc/configuration.rst,
 * "Checks").  References are resolved to indices here; constraints that
 * contradict groups, order cycles, and timeouts that defeat a property are
 * reported.  config_check_nodes() adds the checks against the node file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/util.h"
#include "config_internal.h"

/* Cycles beyond this many are counted in one line, not spelled out. */
#define MAX_CYCLES_SHOWN 10
/* Steps of one cycle spelled out in its message. */
#define MAX_CYCLE_STEPS 12

/* Resolves a reference to a primitive or group; reports anything else. */
static bool resolve(const IdTable *ids, Report *r, int line, const char *what, const char *attr,
                    const char *ref, size_t *rsc_idx, size_t *group_idx) {
        const IdEntry *e = config_ids_find(ids, ref);

        *rsc_idx = *group_idx = IDX_NONE;
        if (!e) {
                report_error(r, line, "%s: %s '%s' is not the id of a primitive or group", what,
                             attr, config_quote(r, ref));
                return false;
        }
        if (e->kind == ID_PRIMITIVE)
                *rsc_idx = e->idx;
        else if (e->kind == ID_GROUP)
                *group_idx = e->idx;
        else {
                report_error(r, line, "%s: %s '%s' is the %s at line %d, not a primitive or group",
                             what, attr, config_quote(r, ref), config_id_kind_name(e->kind),
                             e->line);
                return false;
        }
        return true;
}

/* The group a reference stands in: the group itself, or the group of a
 * grouped primitive, else IDX_NONE. */
static size_t group_of(const Config *c, size_t rsc_idx, size_t group_idx) {
        return group_idx != IDX_NONE ? group_idx : c->resources[rsc_idx].group;
}

static void check_locations(Config *c, const IdTable *ids, Report *r) {
        for (size_t i = 0; i < c->n_locations; i++) {
                Location *l = &c->locations[i], *prev = i > 0 ? l - 1 : NULL;
                char w[CONFIG_QUOTE_MAX + 16];

                /* the entries of one <prefer> list share rsc: resolve (and
                 * complain) once */
                if (prev && strcmp(l->id, prev->id) == 0 && strcmp(l->rsc, prev->rsc) == 0) {
                        l->rsc_idx = prev->rsc_idx;
                        l->group_idx = prev->group_idx;
                        continue;
                }
                snprintf(w, sizeof(w), "location '%s'", config_quote(r, l->id));
                resolve(ids, r, l->line, w, "rsc", l->rsc, &l->rsc_idx, &l->group_idx);
        }
}

static void check_colocations(Config *c, const IdTable *ids, Report *r) {
        for (size_t i = 0; i < c->n_colocations; i++) {
                Colocation *co = &c->colocations[i];
                char w[CONFIG_QUOTE_MAX + 16];
                bool ok;

                snprintf(w, sizeof(w), "colocation '%s'", config_quote(r, co->id));
                ok = resolve(ids, r, co->line, w, "rsc", co->rsc, &co->rsc_idx, &co->rsc_group_idx);
                ok = resolve(ids, r, co->line, w, "with-rsc", co->with_rsc, &co->with_idx,
                             &co->with_group_idx) &&
                     ok;
                if (!ok)
                        continue;
                if (strcmp(co->rsc, co->with_rsc) == 0) {
                        report_error(r, co->line, "%s: '%s' is colocated with itself", w,
                                     config_quote(r, co->rsc));
                        continue;
                }
                size_t g1 = group_of(c, co->rsc_idx, co->rsc_group_idx);
                size_t g2 = group_of(c, co->with_idx, co->with_group_idx);
                if (g1 == IDX_NONE || g1 != g2)
                        continue;
                if (co->rsc_group_idx != IDX_NONE || co->with_group_idx != IDX_NONE)
                        report_error(
                                r, co->line,
                                "%s: '%s' is a member of group '%s': a group already keeps its "
                                "members together",
                                w, co->rsc_group_idx != IDX_NONE ? co->with_rsc : co->rsc,
                                c->groups[g1].id);
                else if (co->score < 0)
                        report_error(r, co->line,
                                     "%s: '%s' and '%s' are both in group '%s', which always runs "
                                     "its members together: they cannot be kept apart",
                                     w, co->rsc, co->with_rsc, c->groups[g1].id);
                else if (co->score > 0)
                        report_warning(r, co->line,
                                       "%s: '%s' and '%s' are both in group '%s', which already "
                                       "keeps them together",
                                       w, co->rsc, co->with_rsc, c->groups[g1].id);
        }
}

/* ---- orders and their cycles ---- */

typedef struct Edge {
        size_t from, to;
        bool is_group; /* a group's own start order, else an <order> */
        size_t which;  /* order or group index */
} Edge;

typedef struct Graph {
        Edge *edges;
        size_t n_edges;
        size_t *start; /* edges of node v: start[v] .. start[v + 1] - 1, sorted by from */
} Graph;

static int edge_cmp(const void *a, const void *b) {
        const Edge *x = a, *y = b;
        return x->from < y->from ? -1 : x->from > y->from ? 1 : 0;
}

/* Every order becomes an edge between resources: "then G" waits for G's
 * first member to start, "first G" means G's last member; each group adds
 * member i -> member i+1.  A cycle then is exactly a set of orders that
 * cannot all be met. */
static int build_graph(const Config *c, const bool *order_ok, Graph *g) {
        size_t n = 0, cap = c->n_orders;

        for (size_t i = 0; i < c->n_groups; i++)
                cap += c->groups[i].n_members;
        g->edges = malloc((cap + 1) * sizeof(*g->edges));
        g->start = calloc(c->n_resources + 1, sizeof(*g->start));
        if (!g->edges || !g->start)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_groups; i++)
                for (size_t j = 0; j + 1 < c->groups[i].n_members; j++)
                        g->edges[n++] = (Edge){c->groups[i].members[j], c->groups[i].members[j + 1],
                                               true, i};
        for (size_t i = 0; i < c->n_orders; i++) {
                const Order *o = &c->orders[i];
                size_t from = o->first_idx, to = o->then_idx;

                if (!order_ok[i])
                        continue;
                if (o->first_group_idx != IDX_NONE) {
                        const Group *gr = &c->groups[o->first_group_idx];
                        from = gr->n_members ? gr->members[gr->n_members - 1] : IDX_NONE;
                }
                if (o->then_group_idx != IDX_NONE) {
                        const Group *gr = &c->groups[o->then_group_idx];
                        to = gr->n_members ? gr->members[0] : IDX_NONE;
                }
                if (from != IDX_NONE && to != IDX_NONE)
                        g->edges[n++] = (Edge){from, to, false, i};
        }
        qsort(g->edges, n, sizeof(*g->edges), edge_cmp);
        g->n_edges = n;
        for (size_t i = 0; i < n; i++)
                g->start[g->edges[i].from + 1]++;
        for (size_t v = 0; v < c->n_resources; v++)
                g->start[v + 1] += g->start[v];
        return 0;
}

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...) {
        va_list ap;
        int n;

        if (*len >= size)
                return;
        va_start(ap, fmt);
        n = vsnprintf(buf + *len, size - *len, fmt, ap);
        va_end(ap);
        *len = n < 0 ? size : *len + (size_t)n;
}

static const char *edge_label(const Config *c, const Edge *e, char *buf, size_t size) {
        snprintf(buf, size, "%s '%s'", e->is_group ? "group" : "order",
                 e->is_group ? c->groups[e->which].id : c->orders[e->which].id);
        return buf;
}

/* The back edge u -> v closes the cycle v -> ... -> u (found through via[]). */
static void report_cycle(const Config *c, Report *r, const Graph *g, const size_t *via,
                         size_t back) {
        const Edge *b = &g->edges[back];
        size_t path[MAX_CYCLE_STEPS], n = 0, total = 0, len = 0;
        char msg[4096], label[160];

        for (size_t x = b->from; x != b->to; x = g->edges[via[x]].from) {
                total++;
                if (n < MAX_CYCLE_STEPS)
                        path[n++] = via[x];
        }
        append(msg, sizeof(msg), &len, "order cycle: %s", c->resources[b->to].id);
        if (total > n)
                append(msg, sizeof(msg), &len, " -> ... -> %s",
                       c->resources[g->edges[path[n - 1]].from].id);
        for (size_t i = n; i-- > 0;)
                append(msg, sizeof(msg), &len, " -> %s (%s)", c->resources[g->edges[path[i]].to].id,
                       edge_label(c, &g->edges[path[i]], label, sizeof(label)));
        append(msg, sizeof(msg), &len, " -> %s (%s)", c->resources[b->to].id,
               edge_label(c, b, label, sizeof(label)));
        report_error(r, b->is_group ? c->groups[b->which].line : c->orders[b->which].line, "%s",
                     msg);
}

/* Iterative depth-first search: a configuration may hold tens of
 * thousands of resources, too deep for recursion. */
static int find_cycles(const Config *c, Report *r, const Graph *g) {
        size_t nv = c->n_resources, n_cycles = 0, sp;
        unsigned char *color = calloc(nv + 1, 1); /* 0 new, 1 on the stack, 2 done */
        size_t *via = malloc((nv + 1) * sizeof(*via));
        size_t *stack = malloc((nv + 1) * sizeof(*stack));
        size_t *next = malloc((nv + 1) * sizeof(*next));
        int ret = 0;

        if (!color || !via || !stack || !next) {
                ret = -ENOMEM;
                goto out;
        }
        for (size_t root = 0; root < nv; root++) {
                if (color[root])
                        continue;
                sp = 0;
                stack[sp++] = root;
                color[root] = 1;
                next[root] = g->start[root];
                while (sp > 0) {
                        size_t v = stack[sp - 1];
                        if (next[v] == g->start[v + 1]) {
                                color[v] = 2;
                                sp--;
                                continue;
                        }
                        size_t e = next[v]++;
                        size_t w = g->edges[e].to;
                        if (color[w] == 1) {
                                if (n_cycles++ < MAX_CYCLES_SHOWN)
                                        report_cycle(c, r, g, via, e);
                        } else if (color[w] == 0) {
                                color[w] = 1;
                                via[w] = e;
                                next[w] = g->start[w];
                                stack[sp++] = w;
                        }
                }
        }
        if (n_cycles > MAX_CYCLES_SHOWN)
                report_error(r, 0, "%zu more order cycles not shown", n_cycles - MAX_CYCLES_SHOWN);
out:
        free(color);
        free(via);
        free(stack);
        free(next);
        return ret;
}

static int check_orders(Config *c, const IdTable *ids, Report *r) {
        bool *ok = calloc(c->n_orders + 1, sizeof(*ok));
        Graph g = {0};
        int ret;

        if (!ok)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_orders; i++) {
                Order *o = &c->orders[i];
                char w[CONFIG_QUOTE_MAX + 16];

                snprintf(w, sizeof(w), "order '%s'", config_quote(r, o->id));
                ok[i] = resolve(ids, r, o->line, w, "first", o->first, &o->first_idx,
                                &o->first_group_idx);
                ok[i] = resolve(ids, r, o->line, w, "then", o->then, &o->then_idx,
                                &o->then_group_idx) &&
                        ok[i];
                if (!ok[i])
                        continue;
                if (strcmp(o->first, o->then) == 0) {
                        report_error(r, o->line, "%s: '%s' cannot be ordered after itself", w,
                                     config_quote(r, o->first));
                        ok[i] = false;
                        continue;
                }
                size_t g1 = group_of(c, o->first_idx, o->first_group_idx);
                size_t g2 = group_of(c, o->then_idx, o->then_group_idx);
                if (g1 != IDX_NONE && g1 == g2 &&
                    (o->first_group_idx != IDX_NONE || o->then_group_idx != IDX_NONE)) {
                        report_error(r, o->line,
                                     "%s: '%s' is a member of group '%s', which already orders its "
                                     "members",
                                     w, o->first_group_idx != IDX_NONE ? o->then : o->first,
                                     c->groups[g1].id);
                        ok[i] = false;
                }
        }
        ret = build_graph(c, ok, &g);
        if (ret >= 0)
                ret = find_cycles(c, r, &g);
        free(g.edges);
        free(g.start);
        free(ok);
        return ret;
}

/* ---- one resource against the properties ---- */

static void check_resource_ops(const Config *c, Report *r) {
        char d1[32], d2[32];

        for (size_t i = 0; i < c->n_resources; i++) {
                const Resource *res = &c->resources[i];
                uint64_t max_interval = 0;

                for (size_t j = 0; j < res->n_ops; j++) {
                        const Op *op = &res->ops[j];

                        if (strcmp(op->name, "monitor") == 0 && op->interval_ms > max_interval)
                                max_interval = op->interval_ms;
                        if (!res->allow_migrate && strncmp(op->name, "migrate_", 8) == 0)
                                report_warning(r, op->line,
                                               "primitive '%s': op %s is never used: allow-migrate "
                                               "is false",
                                               res->id, op->name);
                        /* Invariant 2 bounds the stop after a quorum loss. */
                        if (c->props.no_quorum_policy == NO_QUORUM_STOP &&
                            strcmp(op->name, "stop") == 0 &&
                            op->timeout_ms > c->props.no_quorum_stop_timeout_ms)
                                report_warning(
                                        r, op->line,
                                        "primitive '%s': stop timeout %s exceeds "
                                        "no-quorum-stop-timeout %s: a blade that loses quorum "
                                        "may not have stopped it within that bound",
                                        res->id, duration_to_string(op->timeout_ms, d1, sizeof(d1)),
                                        duration_to_string(c->props.no_quorum_stop_timeout_ms, d2,
                                                           sizeof(d2)));
                }
                /* Failures that expire before the next monitor can see the
                 * next one never add up to the threshold. */
                if (res->failure_timeout_ms > 0 && res->migration_threshold > 1 &&
                    max_interval > 0 && res->failure_timeout_ms < max_interval)
                        report_warning(r, res->line,
                                       "primitive '%s': failure-timeout %s is shorter than the "
                                       "monitor interval %s: failures expire before the next "
                                       "check, so migration-threshold %u is never reached",
                                       res->id,
                                       duration_to_string(res->failure_timeout_ms, d1, sizeof(d1)),
                                       duration_to_string(max_interval, d2, sizeof(d2)),
                                       res->migration_threshold);
        }
}

int config_check(Config *c, const IdTable *ids, Report *r) {
        check_locations(c, ids, r);
        check_colocations(c, ids, r);
        check_resource_ops(c, r);
        return check_orders(c, ids, r);
}

/* ---- against the node file ---- */

static bool has_name(const char *const *names, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (names[i] && strcmp(names[i], name) == 0)
                        return true;
        return false;
}

/* Warns about a resource or group whose utilization fits on no blade, when
 * every blade has a capacity (a blade without one is unlimited). */
static void check_fit(const Config *c, const char *const *names, size_t n_names, Report *r) {
        Utilization best = {0};

        for (size_t i = 0; i < n_names; i++) {
                const NodeAttrs *a = names[i] ? config_find_node(c, names[i]) : NULL;
                if (!a || !a->has_capacity)
                        return;
                if (a->capacity.memory > best.memory)
                        best.memory = a->capacity.memory;
                if (a->capacity.cpu > best.cpu)
                        best.cpu = a->capacity.cpu;
        }
        for (size_t i = 0; i < c->n_resources + c->n_groups; i++) {
                Utilization need = {0};
                const char *kind, *id;
                int line;

                if (i < c->n_resources) {
                        const Resource *res = &c->resources[i];
                        if (res->group != IDX_NONE)
                                continue;
                        need = res->utilization;
                        kind = "primitive", id = res->id, line = res->line;
                } else {
                        const Group *g = &c->groups[i - c->n_resources];
                        for (size_t j = 0; j < g->n_members; j++) {
                                need.memory += c->resources[g->members[j]].utilization.memory;
                                need.cpu += c->resources[g->members[j]].utilization.cpu;
                        }
                        kind = "group", id = g->id, line = g->line;
                }
                if (need.memory > best.memory || need.cpu > best.cpu)
                        report_warning(r, line,
                                       "%s '%s' needs memory %" PRIu64 ", cpu %" PRIu64
                                       ", more than any blade's capacity: it can never run",
                                       kind, id, need.memory, need.cpu);
        }
}

int config_check_nodes(const Config *c, const char *const *names, size_t n_names, DiagList *diag) {
        Report rep = {.diag = diag}, *r = &rep;

        for (size_t i = 0; i < c->n_nodes; i++)
                if (!has_name(names, n_names, c->nodes[i].name))
                        report_error(r, c->nodes[i].line,
                                     "node '%s' is not a blade of the node file", c->nodes[i].name);
        for (size_t i = 0; i < c->n_locations; i++)
                if (!has_name(names, n_names, c->locations[i].node))
                        report_error(r, c->locations[i].line,
                                     "location '%s': '%s' is not a blade of the node file",
                                     c->locations[i].id, c->locations[i].node);
        for (size_t i = 0; i < c->n_fence_devices; i++)
                if (!has_name(names, n_names, c->fence_devices[i].node))
                        report_error(r, c->fence_devices[i].line,
                                     "fence-device '%s': '%s' is not a blade of the node file",
                                     c->fence_devices[i].id, c->fence_devices[i].node);
        for (size_t i = 0; c->props.fencing && i < n_names; i++) {
                bool found = false;
                for (size_t j = 0; names[i] && j < c->n_fence_devices && !found; j++)
                        found = strcmp(c->fence_devices[j].node, names[i]) == 0;
                if (names[i] && !found)
                        report_warning(r, 0,
                                       "blade '%s' has no fence device: if it fails, its resources "
                                       "stay stopped until it is fenced or back (fencing is on)",
                                       names[i]);
        }
        if (c->props.no_quorum_policy == NO_QUORUM_IGNORE && n_names > 2)
                report_warning(r, 0,
                               "no-quorum-policy is ignore with %zu blades: a minority partition "
                               "would go on running resources (ignore is for two-blade clusters)",
                               n_names);
        check_fit(c, names, n_names, r);
        if (rep.oom)
                return -ENOMEM;
        return rep.n_errors > 0 ? -EINVAL : 0;
}
