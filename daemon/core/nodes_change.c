/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hot-add and hot-remove, the pure parts (nodes_change.h): the verdict on
 * a replicated node file change, and corosync.conf's nodelist rewritten.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/nodes_change.h"
#include "bladed/util.h"

static int fail(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char **why, const char *fmt, ...) {
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(why, fmt, ap);
        va_end(ap);
        if (k < 0) {
                *why = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static bool has_id(const uint32_t *ids, size_t n, uint32_t id) {
        for (size_t i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

static const NodeEntry *by_number(const NodeEntry *const *l, size_t n, uint32_t number) {
        for (size_t i = 0; i < n; i++)
                if (l[i]->number == number)
                        return l[i];
        return NULL;
}

static bool same_node(const NodeEntry *a, const NodeEntry *b) {
        return a->number == b->number && strcmp(a->name, b->name) == 0 &&
               strcmp(a->ip_address, b->ip_address) == 0 && a->ip_port == b->ip_port;
}

/* The blades of every other cluster, and the heartbeat regions, stay as
 * they are: bladed only manages its own cluster's list. */
static int others_unchanged(const NodeFile *a, const NodeFile *b, const char *cluster, char **why) {
        size_t na = 0, nb = 0;

        for (size_t i = 0; i < a->n_nodes; i++)
                if (strcmp(a->nodes[i].cluster, cluster) != 0) {
                        const NodeEntry *x = &a->nodes[i], *y = NULL;
                        na++;
                        for (size_t k = 0; k < b->n_nodes && !y; k++)
                                if (strcmp(b->nodes[k].cluster, x->cluster) == 0 &&
                                    b->nodes[k].number == x->number)
                                        y = &b->nodes[k];
                        if (!y || !same_node(x, y))
                                return fail(why,
                                            "the change touches node %s of cluster %s, "
                                            "which this bladed does not run",
                                            x->name, x->cluster);
                }
        for (size_t i = 0; i < b->n_nodes; i++)
                nb += strcmp(b->nodes[i].cluster, cluster) != 0;
        if (na != nb || a->n_clusters != b->n_clusters || a->n_heartbeats != b->n_heartbeats)
                return fail(why, "the change adds or removes something outside cluster %s",
                            cluster);
        return 0;
}

static int first_error(const DiagList *d, char **why) {
        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].level == DIAG_ERROR)
                        return fail(why, "the new node file is invalid: line %d: %s",
                                    d->items[i].line, d->items[i].msg);
        return fail(why, "the new node file is invalid");
}

int nodes_change_check(const NodesChangeInput *in, NodeFile **ret, char **summary, char **why) {
        _cleanup_(diag_clear) DiagList diag = {0};
        _cleanup_(freep) const NodeEntry **ol = NULL, **nl = NULL;
        _cleanup_(freep) char *sum = NULL;
        NodeFile *nf = NULL;
        size_t on = 0, nn = 0, kept = 0, added = 0, removed = 0;
        int r;

        *ret = NULL;
        *why = NULL;
        if (summary)
                *summary = NULL;
        r = nodes_parse(in->text, in->text_len, &nf, &diag);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                diag_sort(&diag);
                return first_error(&diag, why);
        }
        r = nodes_list(in->old, in->cluster, &ol, &on);
        if (r >= 0)
                r = nodes_list(nf, in->cluster, &nl, &nn);
        if (r == -ENOMEM)
                goto out;
        if (r < 0 || nn == 0) {
                r = fail(why, "the new node file has no blade of cluster %s", in->cluster);
                goto out;
        }
        r = others_unchanged(in->old, nf, in->cluster, why);
        if (r < 0)
                goto out;

        for (size_t i = 0; i < on; i++) {
                const NodeEntry *o = ol[i], *n = by_number(nl, nn, o->number);
                uint32_t id = o->number + 1;
                if (n && !same_node(o, n)) {
                        r = fail(why,
                                 "the change alters blade %s (number %" PRIu32
                                 "): remove it and add it again instead",
                                 o->name, o->number);
                        goto out;
                }
                if (n) {
                        kept++;
                        if (!has_id(in->members, in->n_members, id)) {
                                r = fail(why,
                                         "%s does not run bladed in the group: it would miss "
                                         "the change; start it, or remove it first",
                                         o->name);
                                goto out;
                        }
                        continue;
                }
                removed++;
                if (has_id(in->members, in->n_members, id)) {
                        r = fail(why,
                                 "%s is online (its bladed is in the group): put it in "
                                 "standby, stop bladed and corosync on it first",
                                 o->name);
                        goto out;
                }
                if (has_id(in->lost, in->n_lost, id)) {
                        r = fail(why,
                                 "%s left without a clean shutdown and is not confirmed "
                                 "fenced: fence it first (bladectl fence %s)",
                                 o->name, o->name);
                        goto out;
                }
                if (!sum && asprintf(&sum, "remove %s", o->name) < 0)
                        goto oom;
        }
        added = nn - kept;
        if (added == 0 && removed == 0) {
                r = -EALREADY;
                *why = strdup("the new node file lists the same blades");
                if (!*why)
                        r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < nn && !sum; i++)
                if (!by_number(ol, on, nl[i]->number) &&
                    asprintf(&sum, "add %s (%s, number %" PRIu32 ")", nl[i]->name,
                             nl[i]->ip_address, nl[i]->number) < 0)
                        goto oom;
        if (added + removed > 1) {
                free(sum);
                if (asprintf(&sum, "%zu blade(s) added, %zu removed", added, removed) < 0) {
                        sum = NULL;
                        goto oom;
                }
        }
        /* corosync's expected votes follow the nodelist: the members must
         * stay a majority of the new list or the cluster loses quorum. */
        if (kept * 2 <= nn) {
                r = fail(why,
                         "%zu running blade(s) of %zu would not be a majority: the cluster "
                         "would lose quorum until the new blades join",
                         kept, nn);
                goto out;
        }
        *ret = TAKE_PTR(nf);
        if (summary)
                *summary = TAKE_PTR(sum);
        return 0;
oom:
        r = -ENOMEM;
out:
        nodes_free(nf);
        return r;
}

/* --- corosync.conf ------------------------------------------------------- */

static bool blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

int nodes_corosync_conf_rewrite(const char *conf, size_t len, const char *nodelist, char **ret,
                                size_t *ret_len, const char **why) {
        size_t pos = 0, start = 0, end = 0, nl_len = strlen(nodelist);
        bool found = false, inside = false;
        unsigned depth = 0;
        char *out;

        *ret = NULL;
        if (memchr(conf, 0, len)) {
                *why = "corosync.conf contains a NUL byte";
                return -EINVAL;
        }
        while (pos < len) {
                const char *line = conf + pos, *nl = memchr(line, '\n', len - pos);
                size_t ll = nl ? (size_t)(nl - line) : len - pos, next = pos + ll + (nl ? 1 : 0);
                size_t b = 0, e = ll;

                while (b < e && blank(line[b]))
                        b++;
                while (e > b && blank(line[e - 1]))
                        e--;
                /* corosync's parser: comment, then "{", then ":", then "}". */
                const char *brace = b < e ? memchr(line + b, '{', e - b) : NULL;
                if (b == e || line[b] == '#') {
                        /* nothing */
                } else if (brace) {
                        size_t ne = (size_t)(brace - line);
                        while (ne > b && blank(line[ne - 1]))
                                ne--;
                        if (depth == 0 && ne - b == 8 && memcmp(line + b, "nodelist", 8) == 0) {
                                if (found) {
                                        *why = "corosync.conf has two nodelist sections";
                                        return -EINVAL;
                                }
                                found = inside = true;
                                start = pos;
                        }
                        depth++;
                } else if (memchr(line + b, ':', e - b)) {
                        /* key: value */
                } else if (memchr(line + b, '}', e - b)) {
                        if (depth == 0) {
                                *why = "corosync.conf closes a section it never opened";
                                return -EINVAL;
                        }
                        if (--depth == 0 && inside) {
                                inside = false;
                                end = next;
                        }
                }
                pos = next;
        }
        if (depth != 0) {
                *why = "corosync.conf has a section that is never closed";
                return -EINVAL;
        }
        if (!found) {
                /* No nodelist yet: append one, after a newline if needed. */
                start = end = len;
        }
        /* appended: after a newline of its own and a blank line */
        bool need_nl = !found && len > 0 && conf[len - 1] != '\n';
        bool gap = !found && len > 0;
        size_t size = start + need_nl + gap + nl_len + (len - end);
        out = malloc(size + 1);
        if (!out)
                return -ENOMEM;
        size_t k = 0;
        memcpy(out, conf, start);
        k = start;
        if (need_nl)
                out[k++] = '\n';
        if (gap)
                out[k++] = '\n';
        memcpy(out + k, nodelist, nl_len);
        k += nl_len;
        memcpy(out + k, conf + end, len - end);
        k += len - end;
        out[k] = 0;
        *ret = out;
        *ret_len = k;
        *why = NULL;
        return 0;
}
