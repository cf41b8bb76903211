/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading `status --xml` for bladectl's waits and its Nagios check
 * (status_watch.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "bladed/status_watch.h"
#include "bladed/status_xml.h"
#include "bladed/util.h"
#include "bladed/xmlquiet.h"

/* ---- reading ---- */

static bool is_elem(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && !n->ns && strcmp((const char *)n->name, name) == 0;
}

/* A copy of the attribute, or NULL when absent; *oom on failure. */
static char *get(const xmlNode *n, const char *name, bool *oom) {
        xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
        char *s;

        if (!v)
                return NULL;
        s = strdup((const char *)v);
        xmlFree(v);
        if (!s)
                *oom = true;
        return s;
}

static bool grow(void **array, size_t n, size_t size) {
        void *a = realloc(*array, (n + 1) * size);

        if (!a)
                return false;
        *array = a;
        return true;
}

static void read_resource(const xmlNode *x, StatusView *v, bool *oom) {
        StatusRsc *r;
        char *fc;

        if (!grow((void **)&v->rscs, v->n_rscs, sizeof(StatusRsc))) {
                *oom = true;
                return;
        }
        r = &v->rscs[v->n_rscs++];
        *r = (StatusRsc){
                .id = get(x, "id", oom), .role = get(x, "role", oom), .node = get(x, "node", oom)};
        fc = get(x, "failcount", oom);
        if (fc) {
                uint64_t n;
                if (parse_uint64(fc, UINT32_MAX, &n) == 0)
                        r->failcount = (unsigned long)n;
                free(fc);
        }
        for (const xmlNode *k = x->children; k; k = k->next) {
                if (!is_elem(k, "on"))
                        continue;
                if (!grow((void **)&r->on, r->n_on, sizeof(StatusOn))) {
                        *oom = true;
                        return;
                }
                StatusOn *o = &r->on[r->n_on++];
                char *banned = get(k, "banned", oom);
                *o = (StatusOn){.node = get(k, "node", oom),
                                .role = get(k, "role", oom),
                                .reason = get(k, "reason", oom)};
                if (banned) {
                        (void)parse_bool(banned, &o->banned);
                        free(banned);
                }
        }
}

int status_view_read(const char *xml, size_t len, StatusView *v, const char **why) {
        static const char *unused;
        XmlErrorGuard g;
        xmlDoc *doc;
        xmlNode *root;
        bool oom = false;
        char *q;
        int r = 0;

        if (!why)
                why = &unused;
        *v = (StatusView){0};
        *why = NULL;
        if (len == 0 || len > STATUS_XML_MAX_SIZE) {
                *why = "empty or too large";
                return -EINVAL;
        }
        xmlInitParser();
        xml_errors_silence(&g);
        doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET);
        xml_errors_restore(&g);
        root = doc ? xmlDocGetRootElement(doc) : NULL;
        if (!doc || doc->intSubset || !root || !is_elem(root, "status")) {
                xmlFreeDoc(doc);
                *why = "not a bladed status document";
                return -EINVAL;
        }
        q = get(root, "quorate", &oom);
        if (q)
                (void)parse_bool(q, &v->quorate);
        free(q);
        for (const xmlNode *x = root->children; x && !oom; x = x->next) {
                if (is_elem(x, "node")) {
                        if (!grow((void **)&v->nodes, v->n_nodes, sizeof(StatusNode))) {
                                oom = true;
                                break;
                        }
                        StatusNode *n = &v->nodes[v->n_nodes++];
                        *n = (StatusNode){.name = get(x, "name", &oom),
                                          .state = get(x, "state", &oom)};
                        if (!n->name || !n->state) {
                                *why = "a <node> without name or state";
                                r = -EINVAL;
                        }
                } else if (is_elem(x, "resource")) {
                        read_resource(x, v, &oom);
                        if (!oom && (!v->rscs[v->n_rscs - 1].id || !v->rscs[v->n_rscs - 1].role)) {
                                *why = "a <resource> without id or role";
                                r = -EINVAL;
                        }
                }
        }
        xmlFreeDoc(doc);
        if (oom)
                r = -ENOMEM;
        if (r < 0)
                status_view_done(v);
        return r;
}

void status_view_done(StatusView *v) {
        if (!v)
                return;
        for (size_t i = 0; i < v->n_nodes; i++) {
                free(v->nodes[i].name);
                free(v->nodes[i].state);
        }
        for (size_t i = 0; i < v->n_rscs; i++) {
                StatusRsc *r = &v->rscs[i];
                for (size_t k = 0; k < r->n_on; k++) {
                        free(r->on[k].node);
                        free(r->on[k].role);
                        free(r->on[k].reason);
                }
                free(r->on);
                free(r->id);
                free(r->role);
                free(r->node);
        }
        free(v->nodes);
        free(v->rscs);
        *v = (StatusView){0};
}

const StatusRsc *status_view_rsc(const StatusView *v, const char *id) {
        for (size_t i = 0; i < v->n_rscs; i++)
                if (v->rscs[i].id && strcmp(v->rscs[i].id, id) == 0)
                        return &v->rscs[i];
        return NULL;
}

const StatusNode *status_view_node(const StatusView *v, const char *name) {
        for (size_t i = 0; i < v->n_nodes; i++)
                if (strcmp(v->nodes[i].name, name) == 0)
                        return &v->nodes[i];
        return NULL;
}

/* ---- waiting ---- */

static bool eq(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

static WatchVerdict say(WatchVerdict w, char *why, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static WatchVerdict say(WatchVerdict w, char *why, size_t size, const char *fmt, ...) {
        va_list ap;

        if (why && size) {
                va_start(ap, fmt);
                vsnprintf(why, size, fmt, ap);
                va_end(ap);
        }
        return w;
}

/* The first exit reason an agent gave for r, for messages. */
static const char *some_reason(const StatusRsc *r) {
        for (size_t k = 0; k < r->n_on; k++)
                if (r->on[k].reason && *r->on[k].reason)
                        return r->on[k].reason;
        return NULL;
}

WatchVerdict status_watch_moved(const StatusView *v, const char *const *rscs, size_t n,
                                const char *target, const char *away_from, const char **where,
                                char *why, size_t why_size) {
        const char *at = NULL;

        if (why && why_size)
                why[0] = 0;
        for (size_t i = 0; i < n; i++) {
                const StatusRsc *r = status_view_rsc(v, rscs[i]);
                const char *reason;

                if (!r)
                        return say(WATCH_FAILED, why, why_size,
                                   "%s is not in the cluster's status any more", rscs[i]);
                reason = some_reason(r);
                if (eq(r->role, "unmanaged"))
                        return say(WATCH_FAILED, why, why_size,
                                   "maintenance mode is on: %s stays where it is until "
                                   "'bladectl maintenance off'",
                                   r->id);
                if (eq(r->role, "blocked"))
                        return say(WATCH_FAILED, why, why_size, "%s is blocked%s%s", r->id,
                                   reason ? ": " : "", reason ? reason : "");
                if (!v->quorate)
                        return say(WATCH_WAIT, why, why_size,
                                   "this blade's partition has no quorum");
                if (!eq(r->role, "started") || !r->node) {
                        say(WATCH_WAIT, why, why_size, "%s is %s%s%s%s%s", r->id,
                            r->role ? r->role : "?", r->node ? " on " : "", r->node ? r->node : "",
                            reason ? ": " : "", reason ? reason : "");
                        return WATCH_WAIT;
                }
                if (target ? !eq(r->node, target) : eq(r->node, away_from))
                        return say(WATCH_WAIT, why, why_size, "%s still runs on %s", r->id,
                                   r->node);
                /* a group's members all on one blade */
                if (at && !eq(at, r->node))
                        return say(WATCH_WAIT, why, why_size, "%s runs on %s, %s on %s", rscs[0],
                                   at, r->id, r->node);
                at = r->node;
        }
        if (where)
                *where = at;
        return WATCH_DONE;
}

static bool holds(const char *role) {
        return eq(role, "started") || eq(role, "failed") || eq(role, "stop-failed") ||
               eq(role, "migrating");
}

WatchVerdict status_watch_drained(const StatusView *v, const char *node, char *why,
                                  size_t why_size) {
        const StatusNode *n = status_view_node(v, node);
        size_t left = 0;
        char first[160] = "";

        if (why && why_size)
                why[0] = 0;
        if (!n)
                return say(WATCH_FAILED, why, why_size, "%s is not a blade of this cluster", node);
        for (size_t i = 0; i < v->n_rscs; i++) {
                const StatusRsc *r = &v->rscs[i];
                bool here = false;
                for (size_t k = 0; k < r->n_on; k++)
                        here = here || (eq(r->on[k].node, node) && holds(r->on[k].role));
                if (!here)
                        continue;
                if (eq(r->role, "unmanaged"))
                        return say(WATCH_FAILED, why, why_size,
                                   "maintenance mode is on: %s stays on %s until 'bladectl "
                                   "maintenance off'",
                                   r->id, node);
                if (left++ == 0)
                        snprintf(first, sizeof(first), "%s (%s)", r->id, r->role ? r->role : "?");
        }
        if (left == 0)
                return WATCH_DONE;
        return say(WATCH_WAIT, why, why_size, "%s still holds %zu resource%s: %s%s", node, left,
                   left == 1 ? "" : "s", first, left > 1 ? ", ..." : "");
}

/* ---- Nagios ---- */

static bool should_run(const Config *c, const char *id) {
        size_t i = c ? config_find_resource(c, id) : IDX_NONE;

        return i == IDX_NONE || c->resources[i].target_role == TARGET_ROLE_STARTED;
}

/* Appends "; text" (or text) to the problem list. */
static void add(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(char *buf, size_t size, const char *fmt, ...) {
        size_t n = strlen(buf);
        va_list ap;

        if (n + 3 >= size)
                return;
        if (n)
                n += (size_t)snprintf(buf + n, size - n, ", ");
        va_start(ap, fmt);
        vsnprintf(buf + n, size - n, fmt, ap);
        va_end(ap);
}

int status_check(const StatusView *v, const Config *config, char *line, size_t size) {
        char crit[512] = "", warn[512] = "";
        size_t online = 0, should = 0, running = 0;
        unsigned long fails = 0;
        bool maintenance = false;
        int level;

        if (!v->quorate)
                add(crit, sizeof(crit), "no quorum");
        for (size_t i = 0; i < v->n_nodes; i++) {
                const StatusNode *n = &v->nodes[i];
                if (eq(n->state, "online"))
                        online++;
                else if (eq(n->state, "standby")) {
                        online++;
                        add(warn, sizeof(warn), "%s on standby", n->name);
                } else if (eq(n->state, "lost"))
                        add(crit, sizeof(crit), "%s lost", n->name);
                else
                        add(warn, sizeof(warn), "%s %s", n->name, n->state);
        }
        for (size_t i = 0; i < v->n_rscs; i++) {
                const StatusRsc *r = &v->rscs[i];
                bool want = should_run(config, r->id);
                fails += r->failcount;
                if (want)
                        should++;
                maintenance = maintenance || eq(r->role, "unmanaged");
                const StatusNode *on = r->node ? status_view_node(v, r->node) : NULL;
                /* on a lost blade: maybe running, nobody knows (the lost
                 * blade is CRITICAL already) */
                if (on && eq(on->state, "lost"))
                        continue;
                /* unmanaged: maintenance mode; running when shown on a blade */
                if (eq(r->role, "started") || eq(r->role, "migrating") ||
                    (eq(r->role, "unmanaged") && r->node))
                        running += want;
                else if (eq(r->role, "unmanaged"))
                        should -= want;
                else if (eq(r->role, "failed"))
                        add(warn, sizeof(warn), "%s failed", r->id);
                else if (eq(r->role, "blocked") && want)
                        add(crit, sizeof(crit), "%s blocked", r->id);
                else if (eq(r->role, "stopped") && want)
                        add(crit, sizeof(crit), "%s stopped", r->id);
                /* starting/stopping: on its way, not a problem yet */
                if (r->failcount && !eq(r->role, "failed"))
                        add(warn, sizeof(warn), "%s %lu failure%s", r->id, r->failcount,
                            r->failcount == 1 ? "" : "s");
        }
        if (maintenance)
                add(warn, sizeof(warn), "maintenance mode");
        level = crit[0] ? 2 : warn[0] ? 1 : 0;
        snprintf(line, size,
                 "BLADED %s - %s%s%s%s%zu/%zu blades online, %zu/%zu resources running | "
                 "blades=%zu;;;0;%zu resources=%zu;;;0;%zu failed=%lu;;;",
                 level == 2   ? "CRITICAL"
                 : level == 1 ? "WARNING"
                              : "OK",
                 crit, crit[0] && warn[0] ? ", " : "", warn, crit[0] || warn[0] ? "; " : "", online,
                 v->n_nodes, running, should, online, v->n_nodes, running, should, fails);
        return level;
}
