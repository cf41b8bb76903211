/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.xml, step 2 (continued): <primitive> and <group>.
 * Checks everything that concerns one resource alone: the agent name,
 * parameters, meta attributes, operations (doc/configuration.rst,
 * "Operations" gives the reasons for the interval and timeout rules).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/util.h"
#include "config_internal.h"

/* A recurring monitor forks an agent each interval; below one second that
 * is a fork storm, never a useful check. */
#define MIN_MONITOR_INTERVAL_MS 1000

static bool agent_part_ok(const char *s, size_t n) {
        if (n == 0 || s[0] == '.' || s[0] == '+' || s[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-",
                            s[i]) ||
                    !s[i])
                        return false;
        return true;
}

/* "ocf:provider:type": provider and type become a path below the OCF root,
 * so they may not hold '/' nor start with '.'. */
static int load_agent(Load *l, Resource *r, const xmlNode *n, const char *w, const char *agent) {
        const char *c1 = strchr(agent, ':');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

        if (c1 && (size_t)(c1 - agent) == 3 && strncmp(agent, "ocf", 3) == 0 && c2 &&
            !strchr(c2 + 1, ':') && strlen(agent) <= 255 &&
            agent_part_ok(c1 + 1, (size_t)(c2 - c1 - 1)) && agent_part_ok(c2 + 1, strlen(c2 + 1))) {
                r->agent_class = strdup("ocf");
                r->agent_provider = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
                r->agent_type = strdup(c2 + 1);
                return r->agent_class && r->agent_provider && r->agent_type ? 0 : -ENOMEM;
        }
        if (c1 && !(c1 - agent == 3 && strncmp(agent, "ocf", 3) == 0))
                report_error(l->r, config_node_line(n),
                             "%s: agent '%s': only the ocf class is supported (ocf:PROVIDER:TYPE)",
                             w, config_quote(l->r, agent));
        else
                report_error(l->r, config_node_line(n),
                             "%s: agent '%s' is not ocf:PROVIDER:TYPE (each part of A-Z a-z 0-9 _ "
                             ". + -, "
                             "not starting with . + -)",
                             w, config_quote(l->r, agent));
        return 0;
}

static int load_param(Load *l, Resource *r, const xmlNode *n, const char *w) {
        static const char *const attrs[] = {"name", "value", NULL};
        const char *name = config_attr_required(l, n, w, "name");
        const char *value = config_attr_required(l, n, w, "value");
        NvPair *p;
        bool ok;

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        for (const xmlNode *k = n->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE)
                        config_unknown_element(l, k, "<param>");
        if (!name || !value)
                return 0;
        /* The agent sees it as the environment variable OCF_RESKEY_<name>. */
        ok = name[0] && strlen(name) <= 64 && !(name[0] >= '0' && name[0] <= '9');
        for (const char *q = name; ok && *q; q++)
                ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", *q);
        if (!ok) {
                report_error(l->r, config_node_line(n),
                             "%s: parameter name '%s' is not valid (1-64 of A-Z a-z 0-9 _, "
                             "not starting with a digit)",
                             w, config_quote(l->r, name));
                return 0;
        }
        if (strncmp(name, "CRM_meta_", 9) == 0) {
                report_error(l->r, config_node_line(n),
                             "%s: parameter '%s': names starting with CRM_meta_ are reserved for "
                             "meta attributes",
                             w, name);
                return 0;
        }
        for (size_t i = 0; i < r->n_params; i++)
                if (strcmp(r->params[i].name, name) == 0) {
                        report_error(l->r, config_node_line(n), "%s: parameter '%s' given twice", w,
                                     name);
                        return 0;
                }
        p = reallocarray(r->params, r->n_params + 1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        r->params = p;
        p = &r->params[r->n_params++];
        p->name = strdup(name);
        p->value = strdup(value);
        return p->name && p->value ? 0 : -ENOMEM;
}

static void load_meta(Load *l, Resource *r, const xmlNode *n, const char *w) {
        static const char *const attrs[] = {"priority",
                                            "resource-stickiness",
                                            "migration-threshold",
                                            "failure-timeout",
                                            "target-role",
                                            "allow-migrate",
                                            NULL};
        const char *v;
        uint64_t u;

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        for (const xmlNode *k = n->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE)
                        config_unknown_element(l, k, "<meta>");
        v = config_attr(n, "priority");
        if (v) {
                const char *digits = (*v == '-' || *v == '+') ? v + 1 : v;
                if (parse_uint64(digits, SCORE_INFINITY - 1, &u) < 0)
                        report_error(
                                l->r, config_node_line(n),
                                "%s: priority '%s' is not an integer between -999999 and 999999", w,
                                config_quote(l->r, v));
                else
                        r->priority = *v == '-' ? -(int)u : (int)u;
        }
        if (config_attr(n, "resource-stickiness") &&
            config_attr_score(l, n, w, "resource-stickiness", &r->stickiness))
                r->has_stickiness = true;
        u = r->migration_threshold;
        if (config_attr_uint(l, n, w, "migration-threshold", SCORE_INFINITY, &u))
                r->migration_threshold = (unsigned)u;
        config_attr_duration(l, n, w, "failure-timeout", &r->failure_timeout_ms);
        v = config_attr(n, "target-role");
        if (v) {
                if (strcmp(v, "started") == 0 || strcmp(v, "Started") == 0)
                        r->target_role = TARGET_ROLE_STARTED;
                else if (strcmp(v, "stopped") == 0 || strcmp(v, "Stopped") == 0)
                        r->target_role = TARGET_ROLE_STOPPED;
                else
                        report_error(l->r, config_node_line(n),
                                     "%s: target-role '%s' is not started or stopped", w,
                                     config_quote(l->r, v));
        }
        config_attr_bool(l, n, w, "allow-migrate", &r->allow_migrate);
}

static int load_op(Load *l, Resource *r, const xmlNode *n, const char *w) {
        static const char *const attrs[] = {"name", "interval", "timeout", NULL};
        static const char *const names[] = {"start",      "stop",         "monitor",
                                            "migrate_to", "migrate_from", NULL};
        const char *name = config_attr_required(l, n, w, "name");
        Op op = {.timeout_ms = CONFIG_DEFAULT_OP_TIMEOUT_MS, .line = config_node_line(n)};
        char dur[32];
        size_t i;
        bool ok;

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        for (const xmlNode *k = n->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE)
                        config_unknown_element(l, k, "<op>");
        ok = config_attr_duration(l, n, w, "interval", &op.interval_ms);
        ok = config_attr_duration(l, n, w, "timeout", &op.timeout_ms) && ok;
        if (!name)
                return 0;
        for (i = 0; names[i] && strcmp(names[i], name) != 0; i++)
                ;
        if (!names[i]) {
                report_error(
                        l->r, op.line,
                        "%s: op '%s' is not one of start, stop, monitor, migrate_to, migrate_from",
                        w, config_quote(l->r, name));
                return 0;
        }
        if (!ok)
                return 0;
        if (op.timeout_ms == 0) {
                report_error(l->r, op.line, "%s: op %s: timeout must be greater than 0", w, name);
                return 0;
        }
        if (op.interval_ms > 0 && strcmp(name, "monitor") != 0) {
                report_error(l->r, op.line,
                             "%s: op %s cannot have an interval: only monitor recurs", w, name);
                return 0;
        }
        if (op.interval_ms > 0 && op.interval_ms < MIN_MONITOR_INTERVAL_MS) {
                report_error(l->r, op.line,
                             "%s: op monitor: interval %s is shorter than 1s (use 0 for the probe "
                             "settings, 1s or more for a recurring monitor)",
                             w, duration_to_string(op.interval_ms, dur, sizeof(dur)));
                return 0;
        }
        const Op *dup = resource_find_op(r, name, op.interval_ms);
        if (dup) {
                report_error(l->r, op.line,
                             "%s: op %s with interval %s given twice (first at line %d)", w, name,
                             duration_to_string(op.interval_ms, dur, sizeof(dur)), dup->line);
                return 0;
        }
        Op *ops = reallocarray(r->ops, r->n_ops + 1, sizeof(*ops));
        if (!ops)
                return -ENOMEM;
        r->ops = ops;
        op.name = strdup(name);
        r->ops[r->n_ops++] = op;
        return op.name ? 0 : -ENOMEM;
}

static void load_utilization(Load *l, Resource *r, const xmlNode *n, const char *w) {
        static const char *const attrs[] = {"memory", "cpu", NULL};

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        for (const xmlNode *k = n->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE)
                        config_unknown_element(l, k, "<utilization>");
        config_attr_uint(l, n, w, "memory", CONFIG_UTILIZATION_MAX, &r->utilization.memory);
        config_attr_uint(l, n, w, "cpu", CONFIG_UTILIZATION_MAX, &r->utilization.cpu);
}

/* Appends the primitive; *ret_idx is its index or IDX_NONE when left out. */
static int load_primitive(Load *l, const xmlNode *n, size_t group, size_t *ret_idx) {
        static const char *const attrs[] = {"id", "agent", NULL};
        const char *id = config_attr_id(l, n, "<primitive>", "id", true);
        char wb[CONFIG_WHAT_SIZE];
        const char *w = config_what(wb, n, id);
        const char *agent = config_attr_required(l, n, w, "agent");
        const xmlNode *meta = NULL, *util = NULL;
        Resource *r;
        size_t idx;

        *ret_idx = IDX_NONE;
        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        if (!id)
                return 0;
        if (config_grow(&l->c->resources, &l->cap_resources, l->c->n_resources, sizeof(*r)) < 0)
                return -ENOMEM;
        idx = l->c->n_resources++;
        r = &l->c->resources[idx];
        *r = (Resource){
                .group = group, .line = config_node_line(n), .target_role = TARGET_ROLE_STARTED};
        r->id = strdup(id);
        if (!r->id || config_register_id(l, r->id, ID_PRIMITIVE, idx, r->line) < 0)
                return -ENOMEM;
        if (agent && load_agent(l, r, n, w, agent) < 0)
                return -ENOMEM;
        for (const xmlNode *k = n->children; k; k = k->next) {
                const xmlNode **once = NULL;

                if (k->type != XML_ELEMENT_NODE)
                        continue;
                if (config_is_element(k, "param")) {
                        if (load_param(l, r, k, w) < 0)
                                return -ENOMEM;
                } else if (config_is_element(k, "op")) {
                        if (load_op(l, r, k, w) < 0)
                                return -ENOMEM;
                } else if (config_is_element(k, "meta")) {
                        once = &meta;
                } else if (config_is_element(k, "utilization")) {
                        once = &util;
                } else {
                        config_unknown_element(l, k, w);
                }
                if (!once)
                        continue;
                if (*once) {
                        report_error(l->r, config_node_line(k),
                                     "%s: <%s> given twice (first at line %d)", w,
                                     (const char *)k->name, config_node_line(*once));
                        continue;
                }
                *once = k;
                if (once == &meta)
                        load_meta(l, r, k, w);
                else
                        load_utilization(l, r, k, w);
        }
        *ret_idx = idx;
        return 0;
}

static int load_group(Load *l, const xmlNode *n) {
        static const char *const attrs[] = {"id", NULL};
        const char *id = config_attr_id(l, n, "<group>", "id", true);
        char wb[CONFIG_WHAT_SIZE];
        const char *w = config_what(wb, n, id);
        size_t gi = IDX_NONE, ri;
        Group *g = NULL;

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        if (id) {
                if (config_grow(&l->c->groups, &l->cap_groups, l->c->n_groups, sizeof(*g)) < 0)
                        return -ENOMEM;
                gi = l->c->n_groups++;
                l->c->groups[gi] = (Group){.line = config_node_line(n), .id = strdup(id)};
                if (!l->c->groups[gi].id || config_register_id(l, l->c->groups[gi].id, ID_GROUP, gi,
                                                               config_node_line(n)) < 0)
                        return -ENOMEM;
        }
        size_t cap = 0, n_members = 0;
        for (const xmlNode *k = n->children; k; k = k->next) {
                if (k->type != XML_ELEMENT_NODE)
                        continue;
                if (!config_is_element(k, "primitive")) {
                        if (config_is_element(k, "group"))
                                report_error(l->r, config_node_line(k),
                                             "%s: a group cannot contain a group", w);
                        else
                                config_unknown_element(l, k, w);
                        continue;
                }
                n_members++;
                if (load_primitive(l, k, gi, &ri) < 0)
                        return -ENOMEM;
                if (ri == IDX_NONE || gi == IDX_NONE)
                        continue;
                /* l->c->groups may have moved: no pointer kept across loads */
                g = &l->c->groups[gi];
                if (config_grow(&g->members, &cap, g->n_members, sizeof(*g->members)) < 0)
                        return -ENOMEM;
                g->members[g->n_members++] = ri;
        }
        if (n_members == 0)
                report_error(l->r, config_node_line(n),
                             "%s: a group needs at least one <primitive>", w);
        return 0;
}

int config_load_resource(Load *l, const xmlNode *n) {
        size_t idx;

        if (config_is_element(n, "group"))
                return load_group(l, n);
        return load_primitive(l, n, IDX_NONE, &idx);
}
