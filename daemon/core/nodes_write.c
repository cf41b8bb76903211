/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node table going out: o2cb's canonical text, corosync's nodelist,
 * comparison, and the in-memory hot-add / hot-remove.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bladed/nodes.h"
#include "bladed/util.h"
#include "nodes-internal.h"

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

/* A value the parser would read back unchanged: present, one line, no
 * leading blank (the parser drops those), no trailing backslash. */
static bool writable(const char *s) {
        size_t n = s ? strlen(s) : 0;
        return n > 0 && !strchr(s, '\n') && s[0] != ' ' && s[0] != '\t' && s[n - 1] != '\\';
}

/* Finishes a memstream: *ret gets the text, or -ENOMEM. */
static int stream_close(FILE **fp, char **buf, char **ret) {
        bool bad = ferror(*fp);
        if (fclose(*fp) != 0)
                bad = true;
        *fp = NULL;
        if (bad) {
                free(*buf);
                *buf = NULL;
                return -ENOMEM;
        }
        *ret = TAKE_PTR(*buf);
        return 0;
}

int nodes_format(const NodeFile *f, char **ret) {
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(fclosep) FILE *out = NULL;
        size_t size;

        for (size_t i = 0; i < f->n_clusters; i++)
                if (!writable(f->clusters[i].name) ||
                    (f->clusters[i].heartbeat_mode && !writable(f->clusters[i].heartbeat_mode)))
                        return -EINVAL;
        for (size_t i = 0; i < f->n_nodes; i++)
                if (!writable(f->nodes[i].name) || !writable(f->nodes[i].ip_address) ||
                    !writable(f->nodes[i].cluster) || f->nodes[i].ip_port == 0 ||
                    f->nodes[i].number > NODES_MAX_NUMBER)
                        return -EINVAL;
        for (size_t i = 0; i < f->n_heartbeats; i++)
                if (!writable(f->heartbeats[i].region) || !writable(f->heartbeats[i].cluster))
                        return -EINVAL;

        out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        /* The order and layout o2cb's own tool writes (ref d.4): a TAB before
         * each key, one blank line after each stanza. */
        for (size_t i = 0; i < f->n_clusters; i++) {
                const ClusterEntry *c = &f->clusters[i];
                fprintf(out, "cluster:\n\tnode_count = %u\n", c->node_count);
                if (c->heartbeat_mode)
                        fprintf(out, "\theartbeat_mode = %s\n", c->heartbeat_mode);
                fprintf(out, "\tname = %s\n\n", c->name);
        }
        for (size_t i = 0; i < f->n_nodes; i++) {
                const NodeEntry *n = &f->nodes[i];
                fprintf(out, "node:\n\tip_port = %u\n\tip_address = %s\n\tnumber = %u\n\tname = %s\n"
                        "\tcluster = %s\n\n",
                        n->ip_port, n->ip_address, n->number, n->name, n->cluster);
        }
        for (size_t i = 0; i < f->n_heartbeats; i++)
                fprintf(out, "heartbeat:\n\tregion = %s\n\tcluster = %s\n\n", f->heartbeats[i].region,
                        f->heartbeats[i].cluster);
        return stream_close(&out, &buf, ret);
}

static bool streq_null(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool nodes_equal(const NodeFile *a, const NodeFile *b) {
        if (!a || !b)
                return a == b;
        if (a->n_clusters != b->n_clusters || a->n_nodes != b->n_nodes || a->n_heartbeats != b->n_heartbeats)
                return false;
        for (size_t i = 0; i < a->n_clusters; i++) {
                const ClusterEntry *x = &a->clusters[i], *y = &b->clusters[i];
                if (!streq_null(x->name, y->name) || x->node_count != y->node_count ||
                    !streq_null(x->heartbeat_mode, y->heartbeat_mode))
                        return false;
        }
        for (size_t i = 0; i < a->n_nodes; i++) {
                const NodeEntry *x = &a->nodes[i], *y = &b->nodes[i];
                if (!streq_null(x->name, y->name) || x->number != y->number ||
                    !streq_null(x->ip_address, y->ip_address) || x->ip != y->ip || x->ip_port != y->ip_port ||
                    !streq_null(x->cluster, y->cluster))
                        return false;
        }
        for (size_t i = 0; i < a->n_heartbeats; i++)
                if (!streq_null(a->heartbeats[i].region, b->heartbeats[i].region) ||
                    !streq_null(a->heartbeats[i].cluster, b->heartbeats[i].cluster))
                        return false;
        return true;
}

int nodes_corosync_nodelist(const NodeFile *f, const char *cluster, char **ret) {
        _cleanup_(freep) const NodeEntry **list = NULL;
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(fclosep) FILE *out = NULL;
        size_t n, size;
        int r;

        r = nodes_list(f, cluster, &list, &n);
        if (r < 0)
                return r;
        out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        /* One key per line: corosync's parser wants it so.  nodeid 0 is not
         * allowed in corosync, hence number + 1 (DESIGN.md). */
        fputs("nodelist {\n", out);
        for (size_t i = 0; i < n; i++)
                fprintf(out, "    node {\n        ring0_addr: %s\n        name: %s\n        nodeid: %u\n    }\n",
                        list[i]->ip_address, list[i]->name, list[i]->number + 1);
        fputs("}\n", out);
        return stream_close(&out, &buf, ret);
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

int nodes_add(NodeFile *f, const char *cluster, const char *name, const char *ip, int number, uint16_t port,
              DiagList *diag) {
        NodesCtx c = { .diag = diag };
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
                nodes_error(&c, 0, "node number %d is out of range (0..%d)", number, NODES_MAX_NUMBER);
                return -EINVAL;
        }

        bool used[NODES_MAX_NUMBER + 1] = { false };
        for (size_t i = 0; i < f->n_nodes; i++) {
                const NodeEntry *n = &f->nodes[i];
                if (strcmp(n->cluster, cname) != 0)
                        continue;
                if (n->number <= NODES_MAX_NUMBER)
                        used[n->number] = true;
                q = nodes_quote(n->name);
                if (strcasecmp(n->name, name) == 0)
                        nodes_error(&c, 0, "there is a node named %s already (number %u)", q, n->number);
                else if (number >= 0 && n->number == (uint32_t) number)
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
                .number = (uint32_t) number,
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
        NodesCtx c = { .diag = diag };

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
        size_t i = (size_t) (n - f->nodes);
        free(f->nodes[i].name);
        free(f->nodes[i].ip_address);
        free(f->nodes[i].cluster);
        memmove(&f->nodes[i], &f->nodes[i + 1], (f->n_nodes - i - 1) * sizeof(f->nodes[0]));
        f->n_nodes--;
        if (f->clusters[ci].node_count > 0)
                f->clusters[ci].node_count--;
        return 0;
}
