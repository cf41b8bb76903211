/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node table in memory: freeing, lookups, the sorted list of a
 * cluster's blades, and hot-add / hot-remove (which apply the parser's
 * checks to one node).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bladed/nodes.h"
#include "bladed/util.h"
#include "nodes-internal.h"

NodeFile *nodes_free(NodeFile *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_clusters; i++) {
                free(f->clusters[i].name);
                free(f->clusters[i].heartbeat_mode);
        }
        for (size_t i = 0; i < f->n_nodes; i++) {
                free(f->nodes[i].name);
                free(f->nodes[i].ip_address);
                free(f->nodes[i].cluster);
        }
        for (size_t i = 0; i < f->n_heartbeats; i++) {
                free(f->heartbeats[i].region);
                free(f->heartbeats[i].cluster);
        }
        free(f->clusters);
        free(f->nodes);
        free(f->heartbeats);
        free(f);
        return NULL;
}

const ClusterEntry *nodes_get_cluster(const NodeFile *f, const char *name) {
        if (!f)
                return NULL;
        if (!name)
                return f->n_clusters == 1 ? &f->clusters[0] : NULL;
        for (size_t i = 0; i < f->n_clusters; i++)
                if (strcmp(f->clusters[i].name, name) == 0)
                        return &f->clusters[i];
        return NULL;
}

const NodeEntry *nodes_find_name(const NodeFile *f, const char *cluster, const char *name) {
        const ClusterEntry *cl = nodes_get_cluster(f, cluster);

        if (!cl || !name)
                return NULL;
        for (size_t i = 0; i < f->n_nodes; i++)
                if (strcmp(f->nodes[i].cluster, cl->name) == 0 &&
                    strcasecmp(f->nodes[i].name, name) == 0)
                        return &f->nodes[i];
        return NULL;
}

const NodeEntry *nodes_find_number(const NodeFile *f, const char *cluster, uint32_t number) {
        const ClusterEntry *cl = nodes_get_cluster(f, cluster);

        if (!cl)
                return NULL;
        for (size_t i = 0; i < f->n_nodes; i++)
                if (strcmp(f->nodes[i].cluster, cl->name) == 0 && f->nodes[i].number == number)
                        return &f->nodes[i];
        return NULL;
}

static int cmp_number(const void *a, const void *b) {
        const NodeEntry *x = *(const NodeEntry *const *)a, *y = *(const NodeEntry *const *)b;
        return x->number < y->number ? -1 : x->number > y->number;
}

int nodes_list(const NodeFile *f, const char *cluster, const NodeEntry ***ret, size_t *n) {
        const ClusterEntry *cl = nodes_get_cluster(f, cluster);
        const NodeEntry **list = NULL;
        size_t count = 0;

        if (!cl)
                return -ENOENT;
        for (size_t i = 0; i < f->n_nodes; i++)
                count += strcmp(f->nodes[i].cluster, cl->name) == 0;
        if (count > 0) {
                list = calloc(count, sizeof(*list));
                if (!list)
                        return -ENOMEM;
                count = 0;
                for (size_t i = 0; i < f->n_nodes; i++)
                        if (strcmp(f->nodes[i].cluster, cl->name) == 0)
                                list[count++] = &f->nodes[i];
                qsort(list, count, sizeof(*list), cmp_number);
        }
        *ret = list;
        *n = count;
        return 0;
}

static long find_cluster(const NodeFile *f, const char *cluster, NodesCtx *c) {
        const ClusterEntry *cl = nodes_get_cluster(f, cluster);

        if (cl)
                return cl - f->clusters;
        if (cluster) {
                char *q = nodes_quote(cluster);
                nodes_error(c, 0, "no cluster %s in the node file", q);
                nodes_quote_free(q);
        } else
                nodes_error(c, 0, "the node file has %zu clusters: say which one", f->n_clusters);
        return -1;
}

int nodes_add(NodeFile *f, const char *cluster, const char *name, const char *ip, int number,
              uint16_t port, DiagList *diag) {
        NodesCtx c = {.diag = diag};
        const char *why;
        uint32_t addr;
        char *q;

        long ci = find_cluster(f, cluster, &c);
        if (ci < 0)
                return -ENOENT;
        const char *cname = f->clusters[ci].name;

        if ((why = nodes_check_node_name(name))) {
                q = nodes_quote(name);
                nodes_error(&c, 0, "node name %s %s", q, why);
                nodes_quote_free(q);
                return -EINVAL;
        }
        if (!ip || parse_ipv4(ip, &addr) < 0) {
                q = nodes_quote(ip);
                nodes_error(&c, 0, "%s is not an IPv4 address (dotted quad, no leading zeros)", q);
                nodes_quote_free(q);
                return -EINVAL;
        }
        if (number > NODES_MAX_NUMBER) {
                nodes_error(&c, 0, "node number %d is out of range (0..%d)", number,
                            NODES_MAX_NUMBER);
                return -EINVAL;
        }

        bool used[NODES_MAX_NUMBER + 1] = {false};
        for (size_t i = 0; i < f->n_nodes; i++) {
                const NodeEntry *n = &f->nodes[i];
                if (strcmp(n->cluster, cname) != 0)
                        continue;
                if (n->number <= NODES_MAX_NUMBER)
                        used[n->number] = true;
                q = nodes_quote(n->name);
                if (strcasecmp(n->name, name) == 0)
                        nodes_error(&c, 0, "there is a node named %s already (number %u)", q,
                                    n->number);
                else if (number >= 0 && n->number == (uint32_t)number)
                        nodes_error(&c, 0, "node number %d is taken by node %s", number, q);
                else if (n->ip == addr)
                        nodes_error(&c, 0, "address %s is taken by node %s", ip, q);
                nodes_quote_free(q);
                if (c.failed)
                        return -EEXIST;
        }
        if (number < 0) {
                for (number = 0; number <= NODES_MAX_NUMBER && used[number]; number++)
                        ;
                if (number > NODES_MAX_NUMBER) {
                        nodes_error(&c, 0, "every node number 0..%d is taken", NODES_MAX_NUMBER);
                        return -ENOSPC;
                }
        }

        NodeEntry e = {
                .name = strdup(name),
                .number = (uint32_t)number,
                .ip_address = strdup(ip),
                .ip = addr,
                .ip_port = port ? port : NODES_DEFAULT_PORT,
                .cluster = strdup(cname),
        };
        NodeEntry *nodes = e.name && e.ip_address && e.cluster
                                   ? realloc(f->nodes, (f->n_nodes + 1) * sizeof(*nodes))
                                   : NULL;
        if (!nodes) {
                free(e.name);
                free(e.ip_address);
                free(e.cluster);
                return -ENOMEM;
        }
        f->nodes = nodes;
        f->nodes[f->n_nodes++] = e;
        f->clusters[ci].node_count++;
        return 0;
}

int nodes_remove(NodeFile *f, const char *cluster, const char *name, DiagList *diag) {
        NodesCtx c = {.diag = diag};

        long ci = find_cluster(f, cluster, &c);
        if (ci < 0)
                return -ENOENT;
        const NodeEntry *n = nodes_find_name(f, f->clusters[ci].name, name);
        if (!n) {
                char *q = nodes_quote(name), *qc = nodes_quote(f->clusters[ci].name);
                nodes_error(&c, 0, "no node named %s in cluster %s", q, qc);
                nodes_quote_free(q);
                nodes_quote_free(qc);
                return -ENOENT;
        }
        size_t i = (size_t)(n - f->nodes);
        free(f->nodes[i].name);
        free(f->nodes[i].ip_address);
        free(f->nodes[i].cluster);
        memmove(&f->nodes[i], &f->nodes[i + 1], (f->n_nodes - i - 1) * sizeof(f->nodes[0]));
        f->n_nodes--;
        if (f->clusters[ci].node_count > 0)
                f->clusters[ci].node_count--;
        return 0;
}
