/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fixture helpers for scheduler tests: build a Config and a Snapshot in C,
 * without the XML parser, so the scheduler is tested on its own.
 * Header-only (static functions) so each test program includes what it uses.
 */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/model.h"
#include "bladed/scheduler.h"
#include "bladed/state.h"

static void *fx_grow(void *p, size_t n, size_t size) {
        void *np = realloc(p, (n + 1) * size);
        if (!np)
                abort();
        memset((char *)np + n * size, 0, size);
        return np;
}

static char *fx_strdup(const char *s) {
        char *d = strdup(s);
        if (!d)
                abort();
        return d;
}

static __attribute__((unused)) Config *fx_config(void) {
        Config *c = calloc(1, sizeof(*c));
        if (!c)
                abort();
        c->epoch = 1;
        c->props = (Properties){.no_quorum_policy = NO_QUORUM_STOP, .fencing = true};
        return c;
}

/* A resource of agent ocf:bladed:TYPE; returns its index. */
static __attribute__((unused)) size_t fx_rsc(Config *c, const char *id, const char *type) {
        c->resources = fx_grow(c->resources, c->n_resources, sizeof(Resource));
        Resource *r = &c->resources[c->n_resources];
        r->id = fx_strdup(id);
        r->agent_class = fx_strdup("ocf");
        r->agent_provider = fx_strdup("bladed");
        r->agent_type = fx_strdup(type);
        r->group = IDX_NONE;
        return c->n_resources++;
}

static __attribute__((unused)) Resource *fx_get(Config *c, const char *id) {
        size_t i = config_find_resource(c, id);
        if (i == IDX_NONE)
                abort();
        return &c->resources[i];
}

/* fx_group(c, "g", "vip", "vm", NULL) */
static __attribute__((unused)) size_t fx_group(Config *c, const char *id, ...) {
        va_list ap;
        const char *m;
        c->groups = fx_grow(c->groups, c->n_groups, sizeof(Group));
        Group *g = &c->groups[c->n_groups];
        g->id = fx_strdup(id);
        va_start(ap, id);
        while ((m = va_arg(ap, const char *))) {
                size_t r = config_find_resource(c, m);
                if (r == IDX_NONE)
                        abort();
                g->members = fx_grow(g->members, g->n_members, sizeof(size_t));
                g->members[g->n_members++] = r;
                c->resources[r].group = c->n_groups;
        }
        va_end(ap);
        return c->n_groups++;
}

static void fx_side(const Config *c, const char *id, size_t *rsc, size_t *grp) {
        *rsc = config_find_resource(c, id);
        *grp = *rsc == IDX_NONE ? config_find_group(c, id) : IDX_NONE;
        if (*rsc == IDX_NONE && *grp == IDX_NONE)
                abort();
}

static __attribute__((unused)) void fx_loc(Config *c, const char *rsc, const char *node,
                                           int score) {
        char id[128];
        c->locations = fx_grow(c->locations, c->n_locations, sizeof(Location));
        Location *l = &c->locations[c->n_locations];
        snprintf(id, sizeof(id), "loc-%s-%s", rsc, node);
        l->id = fx_strdup(id);
        l->rsc = fx_strdup(rsc);
        l->node = fx_strdup(node);
        l->score = score;
        fx_side(c, rsc, &l->rsc_idx, &l->group_idx);
        c->n_locations++;
}

static __attribute__((unused)) void fx_coloc(Config *c, const char *rsc, const char *with,
                                             int score) {
        char id[128];
        c->colocations = fx_grow(c->colocations, c->n_colocations, sizeof(Colocation));
        Colocation *co = &c->colocations[c->n_colocations];
        snprintf(id, sizeof(id), "col-%s-%s", rsc, with);
        co->id = fx_strdup(id);
        co->rsc = fx_strdup(rsc);
        co->with_rsc = fx_strdup(with);
        co->score = score;
        fx_side(c, rsc, &co->rsc_idx, &co->rsc_group_idx);
        fx_side(c, with, &co->with_idx, &co->with_group_idx);
        c->n_colocations++;
}

static __attribute__((unused)) void fx_order(Config *c, const char *first, const char *then,
                                             OrderKind kind, bool symmetrical) {
        char id[128];
        c->orders = fx_grow(c->orders, c->n_orders, sizeof(Order));
        Order *o = &c->orders[c->n_orders];
        snprintf(id, sizeof(id), "ord-%s-%s", first, then);
        o->id = fx_strdup(id);
        o->first = fx_strdup(first);
        o->then = fx_strdup(then);
        o->kind = kind;
        o->symmetrical = symmetrical;
        fx_side(c, first, &o->first_idx, &o->first_group_idx);
        fx_side(c, then, &o->then_idx, &o->then_group_idx);
        c->n_orders++;
}

static __attribute__((unused)) void fx_node(Config *c, const char *name, uint64_t memory,
                                            uint64_t cpu) {
        c->nodes = fx_grow(c->nodes, c->n_nodes, sizeof(NodeAttrs));
        NodeAttrs *n = &c->nodes[c->n_nodes++];
        n->name = fx_strdup(name);
        n->has_capacity = true;
        n->capacity = (Utilization){.memory = memory, .cpu = cpu};
}

/* n blades "blade1".."bladeN" (nodeid 1..N), online, probed, every
 * resource known stopped everywhere. */
static __attribute__((unused)) void fx_snapshot(Snapshot *s, const Config *c, size_t n) {
        char names[64][16];
        const char *pn[64] = {0};
        if (n > 64)
                abort();
        for (size_t i = 0; i < n; i++) {
                snprintf(names[i], sizeof(names[i]), "blade%zu", i + 1);
                pn[i] = names[i];
        }
        if (snapshot_init(s, c, pn, NULL, n) < 0)
                abort();
        s->quorate = true;
        s->coordinator = 0;
        for (size_t b = 0; b < n; b++) {
                s->blades[b].state = BLADE_ONLINE;
                s->blades[b].probed = true;
        }
        for (size_t i = 0; i < c->n_resources * n; i++)
                s->rb[i].role = RSC_STOPPED;
}

static __attribute__((unused)) RscBlade *fx_rb(Snapshot *s, const char *rsc, const char *blade) {
        size_t r = config_find_resource(s->config, rsc), b = snapshot_find_blade(s, blade);
        if (r == IDX_NONE || b == IDX_NONE)
                abort();
        return snapshot_rb(s, r, b);
}

static __attribute__((unused)) void fx_role(Snapshot *s, const char *rsc, const char *blade,
                                            RscRole role) {
        fx_rb(s, rsc, blade)->role = role;
}

static __attribute__((unused)) void fx_blade(Snapshot *s, const char *blade, BladeState st) {
        size_t b = snapshot_find_blade(s, blade);
        if (b == IDX_NONE)
                abort();
        s->blades[b].state = st;
}

/* Runs the scheduler; aborts on -ENOMEM (tests have memory). */
static __attribute__((unused)) Plan *fx_run(const Snapshot *s) {
        Plan *p = NULL;
        if (scheduler_run(s, &p) < 0 || !p)
                abort();
        return p;
}

static __attribute__((unused)) char *fx_text(const Snapshot *s, const Plan *p) {
        char *t = NULL;
        if (plan_format(s, p, &t) < 0)
                abort();
        return t;
}

/* Where rsc ends up: blade name, "-" when stopped. */
static __attribute__((unused)) const char *fx_target(const Snapshot *s, const Plan *p,
                                                     const char *rsc) {
        size_t r = config_find_resource(s->config, rsc);
        if (r == IDX_NONE)
                abort();
        return p->rsc[r].target == IDX_NONE ? "-" : s->blades[p->rsc[r].target].name;
}

static __attribute__((unused)) PlanRscState fx_state(const Snapshot *s, const Plan *p,
                                                     const char *rsc) {
        return p->rsc[config_find_resource(s->config, rsc)].state;
}

/* The index of the first action "KIND RSC on BLADE" (rsc NULL for fence),
 * or -1. */
static __attribute__((unused)) int fx_find(const Snapshot *s, const Plan *p, ActionKind k,
                                           const char *rsc, const char *blade) {
        size_t r = rsc ? config_find_resource(s->config, rsc) : IDX_NONE;
        size_t b = snapshot_find_blade(s, blade);
        for (size_t i = 0; i < p->n_actions; i++)
                if (p->actions[i].kind == k && p->actions[i].rsc == r && p->actions[i].blade == b)
                        return (int)i;
        return -1;
}

/* Does action a wait (directly) for action d? */
static __attribute__((unused)) bool fx_waits(const Plan *p, int a, int d) {
        if (a < 0 || d < 0)
                return false;
        for (size_t i = 0; i < p->actions[a].n_deps; i++)
                if (p->actions[a].deps[i] == (size_t)d)
                        return true;
        return false;
}

static __attribute__((unused)) size_t fx_count(const Plan *p, ActionKind k) {
        size_t n = 0;
        for (size_t i = 0; i < p->n_actions; i++)
                n += p->actions[i].kind == k;
        return n;
}
