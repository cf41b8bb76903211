/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node table going out: o2cb's canonical text, corosync's nodelist,
 * and the comparison that the round trip promise is tested with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
                fprintf(out,
                        "node:\n\tip_port = %u\n\tip_address = %s\n\tnumber = %u\n\tname = %s\n"
                        "\tcluster = %s\n\n",
                        n->ip_port, n->ip_address, n->number, n->name, n->cluster);
        }
        for (size_t i = 0; i < f->n_heartbeats; i++)
                fprintf(out, "heartbeat:\n\tregion = %s\n\tcluster = %s\n\n",
                        f->heartbeats[i].region, f->heartbeats[i].cluster);
        return stream_close(&out, &buf, ret);
}

static bool streq_null(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool nodes_equal(const NodeFile *a, const NodeFile *b) {
        if (!a || !b)
                return a == b;
        if (a->n_clusters != b->n_clusters || a->n_nodes != b->n_nodes ||
            a->n_heartbeats != b->n_heartbeats)
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
                    !streq_null(x->ip_address, y->ip_address) || x->ip != y->ip ||
                    x->ip_port != y->ip_port || !streq_null(x->cluster, y->cluster))
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
                fprintf(out,
                        "    node {\n        ring0_addr: %s\n        name: %s\n        nodeid: "
                        "%u\n    }\n",
                        list[i]->ip_address, list[i]->name, list[i]->number + 1);
        fputs("}\n", out);
        return stream_close(&out, &buf, ret);
}
