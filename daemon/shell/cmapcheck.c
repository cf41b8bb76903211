/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <corosync/cmap.h>

#include "bladed/util.h"
#include "cmapcheck.h"
#include "coro.h"

#define MAX_INDEX 1024

typedef struct CmapNode {
        bool present;
        bool has_nodeid;
        uint32_t nodeid;
        char *ring0;
        char *name;
} CmapNode;

static int read_nodelist(cmap_handle_t h, CmapNode *nodes, size_t *n_max) {
        cmap_iter_handle_t it;
        char key[CMAP_KEYNAME_MAXLEN + 1];
        size_t vlen;
        cmap_value_types_t type;
        int r;

        r = CORO_RETRY(cmap_iter_init(h, "nodelist.node.", &it));
        if (r < 0)
                return r;
        *n_max = 0;
        while (cmap_iter_next(h, it, key, &vlen, &type) == CS_OK) {
                unsigned idx;
                char field[64];
                if (sscanf(key, "nodelist.node.%u.%63s", &idx, field) != 2 || idx >= MAX_INDEX)
                        continue;
                CmapNode *n = &nodes[idx];
                n->present = true;
                if (idx + 1 > *n_max)
                        *n_max = idx + 1;
                if (strcmp(field, "nodeid") == 0)
                        n->has_nodeid = cmap_get_uint32(h, key, &n->nodeid) == CS_OK;
                else if (strcmp(field, "ring0_addr") == 0 && !n->ring0)
                        cmap_get_string(h, key, &n->ring0);
                else if (strcmp(field, "name") == 0 && !n->name)
                        cmap_get_string(h, key, &n->name);
        }
        cmap_iter_finalize(h, it);
        return 0;
}

static int compare(const NodeEntry *const *blades, size_t n_blades, const char *path,
                   const CmapNode *nodes, size_t n_nodes, char **why) {
        for (size_t i = 0; i < n_nodes; i++) {
                const CmapNode *c = &nodes[i];
                const NodeEntry *b = NULL;
                if (!c->present)
                        continue;
                if (!c->has_nodeid)
                        return asprintf(why,
                                        "corosync's nodelist.node.%zu has no nodeid: "
                                        "bladed needs nodeid = number + 1 from %s",
                                        i, path) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
                for (size_t k = 0; k < n_blades; k++)
                        if (blades[k]->number + 1 == c->nodeid)
                                b = blades[k];
                if (!b) {
                        /* Name the blade if corosync's entry is recognisably one of ours. */
                        for (size_t k = 0; k < n_blades && !b; k++)
                                if ((c->name && strcmp(c->name, blades[k]->name) == 0) ||
                                    (c->ring0 && strcmp(c->ring0, blades[k]->ip_address) == 0))
                                        b = blades[k];
                        if (b)
                                return asprintf(why,
                                                "%s: number %" PRIu32 " in %s, but corosync "
                                                "has it as node id %" PRIu32 " (number %" PRIu32
                                                ")",
                                                b->name, b->number, path, c->nodeid,
                                                c->nodeid - 1) < 0
                                               ? -ENOMEM
                                               : -EINVAL;
                }
                if (!b)
                        return asprintf(why,
                                        "corosync node id %" PRIu32 " (%s) has no blade "
                                        "with number %" PRIu32 " in %s",
                                        c->nodeid, c->ring0 ? c->ring0 : "no ring0_addr",
                                        c->nodeid - 1, path) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
                if (!c->ring0 || strcmp(c->ring0, b->ip_address) != 0)
                        return asprintf(why,
                                        "%s: ip_address %s in %s, but corosync's ring0_addr "
                                        "for node id %" PRIu32 " is %s",
                                        b->name, b->ip_address, path, c->nodeid,
                                        c->ring0 ? c->ring0 : "missing") < 0
                                       ? -ENOMEM
                                       : -EINVAL;
                if (c->name && strcmp(c->name, b->name) != 0)
                        return asprintf(why,
                                        "%s: name in %s is %s, but corosync's name for node "
                                        "id %" PRIu32 " is %s",
                                        b->name, path, b->name, c->nodeid, c->name) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
        }
        for (size_t k = 0; k < n_blades; k++) {
                bool found = false;
                for (size_t i = 0; i < n_nodes && !found; i++)
                        found = nodes[i].present && nodes[i].has_nodeid &&
                                nodes[i].nodeid == blades[k]->number + 1;
                if (!found)
                        return asprintf(why,
                                        "%s: number %" PRIu32 " in %s, but corosync's "
                                        "nodelist has no node id %" PRIu32,
                                        blades[k]->name, blades[k]->number, path,
                                        blades[k]->number + 1) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
        }
        return 0;
}

int cmapcheck_nodelist(const NodeEntry *const *blades, size_t n_blades, const char *nodes_path,
                       char **why) {
        cmap_handle_t h;
        CmapNode *nodes;
        size_t n_max = 0;
        int r;

        *why = NULL;
        r = CORO_RETRY(cmap_initialize(&h));
        if (r < 0)
                return r;
        nodes = calloc(MAX_INDEX, sizeof(*nodes));
        if (!nodes) {
                cmap_finalize(h);
                return -ENOMEM;
        }
        r = read_nodelist(h, nodes, &n_max);
        cmap_finalize(h);
        if (r >= 0 && n_max == 0) {
                r = asprintf(why,
                             "corosync has no nodelist: generate it from %s with "
                             "'bladectl nodes corosync'",
                             nodes_path) < 0
                            ? -ENOMEM
                            : -EINVAL;
        } else if (r >= 0)
                r = compare(blades, n_blades, nodes_path, nodes, n_max, why);
        for (size_t i = 0; i < MAX_INDEX; i++) {
                free(nodes[i].ring0);
                free(nodes[i].name);
        }
        free(nodes);
        return r;
}
