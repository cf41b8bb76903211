/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node file's meaning: turns the stanzas nodes_lex() found into the
 * table of clusters, blades and heartbeat regions, checking what o2cb's
 * loader (o2cb_config.c) checks and a little more (ref d.1, d.5):
 * unique names, numbers and addresses, node_count equal to the number of
 * node: stanzas, every cluster attribute naming a cluster: stanza.
 * Every problem is reported; the table is handed out only when there is
 * none.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bladed/nodes.h"
#include "bladed/util.h"
#include "nodes-internal.h"

const char *nodes_check_node_name(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n == 0)
                return "is empty";
        if (n > NODES_NODE_NAME_MAX)
                return "is longer than 63 characters";
        if (!isalnum((unsigned char)s[0]))
                return "must start with a letter or a digit";
        for (size_t i = 1; i < n; i++)
                if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
                        return "may hold only letters, digits, '-' and '_' (a host name without "
                               "domain)";
        return NULL;
}

const char *nodes_check_cluster_name(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n == 0)
                return "is empty";
        if (n > NODES_CLUSTER_NAME_MAX)
                return "is longer than 16 characters (o2cb's limit)";
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)s[i]))
                        return "may hold only letters and digits (o2cb's rule)";
        return NULL;
}

static bool is_region(const char *s) {
        size_t n = strlen(s);

        if (n != 32)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char)s[i]))
                        return false;
        return true;
}

static inline void nodes_freep(NodeFile **f) {
        nodes_free(*f);
}

/* What the semantic pass knows about a stanza beyond the table. */
typedef struct Check {
        NodesCtx *c;
        const NodesLex *lex;
        NodeFile *f;
        int *count_line;   /* per f->clusters: node_count's line, 0 if it did not parse */
        size_t *n_regions; /* per f->clusters */
} Check;

static const char *attr(const NodesStanza *st, int k) {
        return st->attrs[k].value;
}

static int attr_line(const NodesStanza *st, int k) {
        return st->attrs[k].line ? st->attrs[k].line : st->line;
}

static long cluster_index(const NodeFile *f, const char *name) {
        for (size_t i = 0; i < f->n_clusters; i++)
                if (strcmp(f->clusters[i].name, name) == 0)
                        return (long)i;
        return -1;
}

/* Was there a cluster: stanza with this name at all, valid or not?  Saves
 * a second, misleading error for nodes of a cluster whose stanza is bad. */
static bool cluster_stanza_exists(const NodesLex *lex, const char *name) {
        for (size_t i = 0; i < lex->n; i++) {
                const char *v = attr(&lex->stanzas[i], K_CLUSTER_NAME);
                if (lex->stanzas[i].type == NODES_STANZA_CLUSTER && v && strcmp(v, name) == 0)
                        return true;
        }
        return false;
}

static void check_cluster(Check *k, const NodesStanza *st) {
        NodesCtx *c = k->c;
        NodeFile *f = k->f;
        const char *name = attr(st, K_CLUSTER_NAME);
        const char *count = attr(st, K_CLUSTER_NODE_COUNT);
        const char *mode = attr(st, K_CLUSTER_HEARTBEAT_MODE);
        const char *why;
        uint64_t v = 0;
        bool count_ok = false;
        char *q;

        if (count) {
                int r = parse_uint64(count, UINT32_MAX, &v);
                if (r < 0) {
                        q = nodes_quote(count);
                        nodes_error(c, attr_line(st, K_CLUSTER_NODE_COUNT),
                                    "node_count %s is not a decimal number%s", q,
                                    r == -ERANGE ? " (too large)" : nodes_blank_hint(count));
                        nodes_quote_free(q);
                } else
                        count_ok = true;
        }
        if (mode && strcasecmp(mode, "local") != 0 && strcasecmp(mode, "global") != 0) {
                q = nodes_quote(mode);
                nodes_error(c, attr_line(st, K_CLUSTER_HEARTBEAT_MODE),
                            "heartbeat_mode %s must be \"local\" or \"global\"%s", q,
                            nodes_blank_hint(mode));
                nodes_quote_free(q);
        }
        if (!name) {
                nodes_error(c, st->line, "cluster: stanza has no name");
                return;
        }
        q = nodes_quote(name);
        if (!count)
                nodes_error(c, st->line, "cluster %s has no node_count (o2cb requires it)", q);
        if ((why = nodes_check_cluster_name(name))) {
                nodes_error(c, attr_line(st, K_CLUSTER_NAME), "cluster name %s %s%s", q, why,
                            nodes_blank_hint(name));
                nodes_quote_free(q);
                return;
        }
        long dup = cluster_index(f, name);
        if (dup >= 0) {
                nodes_error(c, attr_line(st, K_CLUSTER_NAME),
                            "cluster %s is defined twice (first on line %d)", q,
                            f->clusters[dup].line);
                nodes_quote_free(q);
                return;
        }
        nodes_quote_free(q);

        ClusterEntry *cs = realloc(f->clusters, (f->n_clusters + 1) * sizeof(*cs));
        int *ok = realloc(k->count_line, (f->n_clusters + 1) * sizeof(*ok));
        size_t *nr = realloc(k->n_regions, (f->n_clusters + 1) * sizeof(*nr));
        if (cs)
                f->clusters = cs;
        if (ok)
                k->count_line = ok;
        if (nr)
                k->n_regions = nr;
        if (!cs || !ok || !nr) {
                c->oom = true;
                return;
        }
        ClusterEntry e = {.name = strdup(name), .node_count = (unsigned)v, .line = st->line};
        if (mode) {
                e.heartbeat_mode =
                        strcasecmp(mode, "global") == 0 ? strdup("global") : strdup("local");
                if (!e.heartbeat_mode)
                        c->oom = true;
        }
        if (!e.name)
                c->oom = true;
        k->count_line[f->n_clusters] = count_ok ? attr_line(st, K_CLUSTER_NODE_COUNT) : 0;
        k->n_regions[f->n_clusters] = 0;
        f->clusters[f->n_clusters++] = e;
}

/* Parses each attribute of a node: stanza; *e gets what is valid. */
static void check_node_fields(Check *k, const NodesStanza *st, NodeEntry *e, bool *number_ok,
                              bool *ip_ok) {
        NodesCtx *c = k->c;
        const char *name = attr(st, K_NODE_NAME);
        const char *number = attr(st, K_NODE_NUMBER);
        const char *ip = attr(st, K_NODE_IP_ADDRESS);
        const char *port = attr(st, K_NODE_IP_PORT);
        const char *cluster = attr(st, K_NODE_CLUSTER);
        _cleanup_(freep) char *label = NULL;
        const char *why;
        uint64_t v;
        char *q;
        int r;

        if (!name) {
                nodes_error(c, st->line, "node: stanza has no name");
        } else if ((why = nodes_check_node_name(name))) {
                q = nodes_quote(name);
                nodes_error(c, attr_line(st, K_NODE_NAME), "node name %s %s%s", q, why,
                            nodes_blank_hint(name));
                nodes_quote_free(q);
        } else
                e->name = (char *)name;

        /* "node "blade1" has no ip_port", "node "blade1": number ..." when
         * the name is known; "node: stanza has no ...", "number ..." if not. */
        if (e->name) {
                q = nodes_quote(e->name);
                if (asprintf(&label, "node %s", q) < 0) {
                        label = NULL;
                        c->oom = true;
                }
                nodes_quote_free(q);
        }
        const char *who = label ? label : "node: stanza";
        const char *pfx = label ? label : "";
        const char *sep = label ? ": " : "";

        if (!number)
                nodes_error(c, st->line, "%s has no number", who);
        else if ((r = parse_uint64(number, NODES_MAX_NUMBER, &v)) < 0) {
                q = nodes_quote(number);
                if (r == -ERANGE)
                        nodes_error(c, attr_line(st, K_NODE_NUMBER),
                                    "%s%snumber %s is out of range (0..254)", pfx, sep, q);
                else
                        nodes_error(c, attr_line(st, K_NODE_NUMBER),
                                    "%s%snumber %s is not a decimal number%s", pfx, sep, q,
                                    nodes_blank_hint(number));
                nodes_quote_free(q);
        } else {
                e->number = (uint32_t)v;
                *number_ok = true;
        }

        if (!ip)
                nodes_error(c, st->line, "%s has no ip_address", who);
        else if (parse_ipv4(ip, &e->ip) < 0) {
                q = nodes_quote(ip);
                nodes_error(c, attr_line(st, K_NODE_IP_ADDRESS),
                            "%s%sip_address %s is not an IPv4 address "
                            "(dotted quad, no leading zeros)%s",
                            pfx, sep, q, nodes_blank_hint(ip));
                nodes_quote_free(q);
        } else {
                e->ip_address = (char *)ip;
                *ip_ok = true;
        }

        if (!port)
                nodes_error(c, st->line, "%s has no ip_port (o2cb requires it; 7777 is customary)",
                            who);
        else if (parse_uint64(port, 65535, &v) < 0 || v == 0) {
                q = nodes_quote(port);
                nodes_error(c, attr_line(st, K_NODE_IP_PORT),
                            "%s%sip_port %s is not a port number 1..65535%s", pfx, sep, q,
                            nodes_blank_hint(port));
                nodes_quote_free(q);
        } else
                e->ip_port = (uint16_t)v;

        if (!cluster)
                nodes_error(c, st->line, "%s has no cluster", who);
        else if (cluster_index(k->f, cluster) < 0) {
                if (!cluster_stanza_exists(k->lex, cluster)) {
                        q = nodes_quote(cluster);
                        nodes_error(c, attr_line(st, K_NODE_CLUSTER),
                                    "%s%sno cluster: stanza named %s", pfx, sep, q);
                        nodes_quote_free(q);
                }
        } else
                e->cluster = (char *)cluster;
}

/* Names, numbers and addresses are unique within a cluster.  e's strings
 * still point into the lexer's values here. */
static void check_node_unique(Check *k, const NodesStanza *st, const NodeEntry *e, bool number_ok,
                              bool ip_ok, const NodeEntry *prev, size_t n_prev,
                              const bool *prev_number_ok) {
        NodesCtx *c = k->c;

        if (!e->cluster)
                return;
        for (size_t i = 0; i < n_prev; i++) {
                const NodeEntry *p = &prev[i];
                if (!p->cluster || strcmp(p->cluster, e->cluster) != 0)
                        continue;
                char *qn = nodes_quote(p->name ? p->name : "?");
                char *qc = nodes_quote(e->cluster);
                if (e->name && p->name && strcasecmp(e->name, p->name) == 0)
                        nodes_error(c, attr_line(st, K_NODE_NAME),
                                    "node name %s is used twice in cluster %s "
                                    "(first on line %d)",
                                    qn, qc, p->line);
                if (number_ok && prev_number_ok[i] && e->number == p->number)
                        nodes_error(c, attr_line(st, K_NODE_NUMBER),
                                    "node number %u is used twice in cluster %s "
                                    "(first by node %s on line %d)",
                                    e->number, qc, qn, p->line);
                if (ip_ok && p->ip_address && e->ip == p->ip)
                        nodes_error(c, attr_line(st, K_NODE_IP_ADDRESS),
                                    "ip_address %s is used twice in "
                                    "cluster %s (first by node %s on line %d)",
                                    e->ip_address, qc, qn, p->line);
                nodes_quote_free(qn);
                nodes_quote_free(qc);
        }
}

static void check_nodes(Check *k) {
        const NodesLex *lex = k->lex;
        NodeFile *f = k->f;
        size_t n = 0;

        for (size_t i = 0; i < lex->n; i++)
                n += lex->stanzas[i].type == NODES_STANZA_NODE;
        if (n == 0)
                return;
        NodeEntry *nodes = calloc(n, sizeof(*nodes));
        bool *number_ok = calloc(n, sizeof(*number_ok));
        if (!nodes || !number_ok) {
                free(nodes);
                free(number_ok);
                k->c->oom = true;
                return;
        }
        size_t j = 0;
        for (size_t i = 0; i < lex->n; i++) {
                const NodesStanza *st = &lex->stanzas[i];
                bool ip_ok = false;
                if (st->type != NODES_STANZA_NODE)
                        continue;
                nodes[j].line = st->line;
                check_node_fields(k, st, &nodes[j], &number_ok[j], &ip_ok);
                check_node_unique(k, st, &nodes[j], number_ok[j], ip_ok, nodes, j, number_ok);
                j++;
        }
        if (!k->c->failed) {
                /* Copy out of the lexer's strings. */
                for (size_t i = 0; i < n; i++) {
                        if (!nodes[i].name || !nodes[i].ip_address || !nodes[i].cluster) {
                                /* Only when an error was reported elsewhere. */
                                k->c->failed = true;
                                free(nodes);
                                free(number_ok);
                                return;
                        }
                }
                for (size_t i = 0; i < n; i++) {
                        nodes[i].name = strdup(nodes[i].name);
                        nodes[i].ip_address = strdup(nodes[i].ip_address);
                        nodes[i].cluster = strdup(nodes[i].cluster);
                        if (!nodes[i].name || !nodes[i].ip_address || !nodes[i].cluster)
                                k->c->oom = true;
                }
                f->nodes = nodes;
                f->n_nodes = n;
        } else
                free(nodes);
        free(number_ok);
}

/* node_count: o2cb only wants a number; bladed wants the truth, since a
 * wrong count is how a half-done hot-add looks. */
static void check_node_count(Check *k) {
        const NodesLex *lex = k->lex;
        const NodeFile *f = k->f;

        for (size_t ci = 0; ci < f->n_clusters; ci++) {
                const ClusterEntry *cl = &f->clusters[ci];
                size_t count = 0;
                for (size_t i = 0; i < lex->n; i++) {
                        const char *v = attr(&lex->stanzas[i], K_NODE_CLUSTER);
                        count += lex->stanzas[i].type == NODES_STANZA_NODE && v &&
                                 strcmp(v, cl->name) == 0;
                }
                if (k->count_line[ci] && count != cl->node_count) {
                        char *q = nodes_quote(cl->name);
                        nodes_error(k->c, k->count_line[ci],
                                    "node_count = %u but cluster %s has %zu node: stanza%s",
                                    cl->node_count, q, count, count == 1 ? "" : "s");
                        nodes_quote_free(q);
                }
        }
}

static void check_heartbeat(Check *k, const NodesStanza *st) {
        NodesCtx *c = k->c;
        NodeFile *f = k->f;
        const char *region = attr(st, K_HB_REGION);
        const char *cluster = attr(st, K_HB_CLUSTER);
        bool region_ok = false;
        long ci = -1;
        char *q;

        if (!region)
                nodes_error(c, st->line, "heartbeat: stanza has no region");
        else if (!is_region(region)) {
                q = nodes_quote(region);
                nodes_error(c, attr_line(st, K_HB_REGION),
                            "heartbeat region %s is not the UUID of a heartbeat "
                            "device (32 hex digits)%s",
                            q, nodes_blank_hint(region));
                nodes_quote_free(q);
        } else
                region_ok = true;

        if (!cluster)
                nodes_error(c, st->line, "heartbeat: stanza has no cluster");
        else if ((ci = cluster_index(f, cluster)) < 0 && !cluster_stanza_exists(k->lex, cluster)) {
                q = nodes_quote(cluster);
                nodes_error(c, attr_line(st, K_HB_CLUSTER),
                            "heartbeat: no cluster: stanza named %s", q);
                nodes_quote_free(q);
        }
        if (!region_ok || ci < 0)
                return;

        const ClusterEntry *cl = &f->clusters[ci];
        q = nodes_quote(cl->name);
        for (size_t i = 0; i < f->n_heartbeats; i++)
                if (strcmp(f->heartbeats[i].cluster, cluster) == 0 &&
                    strcasecmp(f->heartbeats[i].region, region) == 0)
                        nodes_error(c, attr_line(st, K_HB_REGION),
                                    "heartbeat region %s is listed twice for "
                                    "cluster %s (first on line %d)",
                                    region, q, f->heartbeats[i].line);
        if (++k->n_regions[ci] == NODES_MAX_REGIONS + 1)
                nodes_error(c, st->line,
                            "cluster %s has more than %d heartbeat regions (o2cb's limit)", q,
                            NODES_MAX_REGIONS);
        if (!cl->heartbeat_mode || strcmp(cl->heartbeat_mode, "local") == 0)
                nodes_warning(c, st->line,
                              "heartbeat region for cluster %s, which uses local heartbeat: "
                              "o2cb ignores it unless heartbeat_mode = global",
                              q);
        nodes_quote_free(q);

        HeartbeatEntry *hs = realloc(f->heartbeats, (f->n_heartbeats + 1) * sizeof(*hs));
        if (!hs) {
                c->oom = true;
                return;
        }
        f->heartbeats = hs;
        HeartbeatEntry e = {.region = strdup(region), .cluster = strdup(cluster), .line = st->line};
        if (!e.region || !e.cluster)
                c->oom = true;
        f->heartbeats[f->n_heartbeats++] = e;
}

static NodeFile *check_all(const NodesLex *lex, NodesCtx *c) {
        _cleanup_(nodes_freep) NodeFile *f = calloc(1, sizeof(*f));
        Check k = {.c = c, .lex = lex, .f = f};
        bool any_cluster = false;

        if (!f) {
                c->oom = true;
                return NULL;
        }
        for (size_t i = 0; i < lex->n; i++)
                if (lex->stanzas[i].type == NODES_STANZA_CLUSTER) {
                        any_cluster = true;
                        check_cluster(&k, &lex->stanzas[i]);
                }
        if (!any_cluster)
                nodes_error(
                        c, 0,
                        "no cluster: stanza (the file must describe the cluster and its nodes)");
        check_nodes(&k);
        check_node_count(&k);
        for (size_t i = 0; i < lex->n; i++)
                if (lex->stanzas[i].type == NODES_STANZA_HEARTBEAT)
                        check_heartbeat(&k, &lex->stanzas[i]);
        for (size_t ci = 0; ci < f->n_clusters; ci++)
                if (f->clusters[ci].heartbeat_mode &&
                    strcmp(f->clusters[ci].heartbeat_mode, "global") == 0 && k.n_regions[ci] == 0) {
                        char *q = nodes_quote(f->clusters[ci].name);
                        nodes_warning(c, f->clusters[ci].line,
                                      "cluster %s uses global heartbeat but has no "
                                      "heartbeat: region",
                                      q);
                        nodes_quote_free(q);
                }
        free(k.count_line);
        free(k.n_regions);
        if (c->failed || c->oom)
                return NULL;
        return TAKE_PTR(f);
}

int nodes_parse(const char *buf, size_t len, NodeFile **ret, DiagList *diag) {
        NodesCtx c = {.diag = diag};
        NodesLex lex;
        NodeFile *f = NULL;
        int r;

        *ret = NULL;
        if (len > NODES_MAX_INPUT) {
                nodes_error(&c, 0, "file is larger than 1 MiB (%zu bytes): not a node file", len);
                return c.oom ? -ENOMEM : -EINVAL;
        }
        r = nodes_lex(buf ? buf : "", buf ? len : 0, &lex, &c);
        if (r < 0)
                return r;
        if (!c.failed)
                f = check_all(&lex, &c);
        nodes_lex_free(&lex);
        nodes_report_finish(&c);
        if (diag)
                diag_sort(diag);
        if (c.oom) {
                nodes_free(f);
                return -ENOMEM;
        }
        if (c.failed || !f) {
                nodes_free(f);
                return -EINVAL;
        }
        *ret = f;
        return 0;
}
