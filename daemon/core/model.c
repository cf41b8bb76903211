/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "bladed/model.h"

static void nvpairs_free(NvPair *p, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(p[i].name);
                free(p[i].value);
        }
        free(p);
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_resources; i++) {
                Resource *r = &c->resources[i];
                free(r->id);
                free(r->agent_class);
                free(r->agent_provider);
                free(r->agent_type);
                nvpairs_free(r->params, r->n_params);
                for (size_t j = 0; j < r->n_ops; j++)
                        free(r->ops[j].name);
                free(r->ops);
        }
        free(c->resources);
        for (size_t i = 0; i < c->n_groups; i++) {
                free(c->groups[i].id);
                free(c->groups[i].members);
        }
        free(c->groups);
        for (size_t i = 0; i < c->n_locations; i++) {
                free(c->locations[i].id);
                free(c->locations[i].rsc);
                free(c->locations[i].node);
        }
        free(c->locations);
        for (size_t i = 0; i < c->n_colocations; i++) {
                free(c->colocations[i].id);
                free(c->colocations[i].rsc);
                free(c->colocations[i].with_rsc);
        }
        free(c->colocations);
        for (size_t i = 0; i < c->n_orders; i++) {
                free(c->orders[i].id);
                free(c->orders[i].first);
                free(c->orders[i].then);
        }
        free(c->orders);
        for (size_t i = 0; i < c->n_nodes; i++)
                free(c->nodes[i].name);
        free(c->nodes);
        for (size_t i = 0; i < c->n_fence_devices; i++) {
                FenceDevice *f = &c->fence_devices[i];
                free(f->id);
                free(f->agent);
                free(f->node);
                nvpairs_free(f->params, f->n_params);
        }
        free(c->fence_devices);
        free(c);
        return NULL;
}

size_t config_find_resource(const Config *c, const char *id) {
        for (size_t i = 0; i < c->n_resources; i++)
                if (strcmp(c->resources[i].id, id) == 0)
                        return i;
        return IDX_NONE;
}

size_t config_find_group(const Config *c, const char *id) {
        for (size_t i = 0; i < c->n_groups; i++)
                if (strcmp(c->groups[i].id, id) == 0)
                        return i;
        return IDX_NONE;
}

const NodeAttrs *config_find_node(const Config *c, const char *name) {
        for (size_t i = 0; i < c->n_nodes; i++)
                if (strcmp(c->nodes[i].name, name) == 0)
                        return &c->nodes[i];
        return NULL;
}

const Op *resource_find_op(const Resource *r, const char *name, uint64_t interval_ms) {
        for (size_t i = 0; i < r->n_ops; i++)
                if (strcmp(r->ops[i].name, name) == 0 && r->ops[i].interval_ms == interval_ms)
                        return &r->ops[i];
        return NULL;
}

const char *resource_get_param(const Resource *r, const char *name) {
        for (size_t i = 0; i < r->n_params; i++)
                if (strcmp(r->params[i].name, name) == 0)
                        return r->params[i].value;
        return NULL;
}

int score_add(int a, int b) {
        if (a <= -SCORE_INFINITY || b <= -SCORE_INFINITY)
                return -SCORE_INFINITY;
        if (a >= SCORE_INFINITY || b >= SCORE_INFINITY)
                return SCORE_INFINITY;
        long s = (long)a + b;
        if (s >= SCORE_INFINITY)
                return SCORE_INFINITY;
        if (s <= -SCORE_INFINITY)
                return -SCORE_INFINITY;
        return (int)s;
}
