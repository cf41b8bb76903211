/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.xml, step 2: the tree into a Config.  Repeats every rule of the
 * schema with a message that names the element, the attribute and the
 * value, and goes on after a problem.  Primitives and groups are in
 * config_rsc.c; cross references are resolved later (config_check.c).
 *
 * An object whose identity is unusable (no id, no node name) is left out;
 * one with any other bad attribute is kept, so references to it still
 * resolve and the admin does not get a cascade of "unknown id" errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/fence.h"
#include "bladed/util.h"
#include "config_internal.h"

int config_grow(void *array, size_t *cap, size_t n, size_t size) {
        void **p = array;
        size_t ncap;
        void *np;

        if (n < *cap)
                return 0;
        ncap = *cap ? *cap * 2 : 8;
        np = reallocarray(*p, ncap, size);
        if (!np)
                return -ENOMEM;
        memset((char *)np + *cap * size, 0, (ncap - *cap) * size);
        *p = np;
        *cap = ncap;
        return 0;
}

int config_register_id(Load *l, const char *id, IdKind kind, size_t idx, int line) {
        const IdEntry *e;

        if (config_ids_add(l->ids, id, kind, idx, line, &e) < 0)
                return -ENOMEM;
        if (e)
                report_error(l->r, line, "duplicate id '%s': already the id of the %s at line %d",
                             config_quote(l->r, id), config_id_kind_name(e->kind), e->line);
        return 0;
}

const char *config_what(char buf[static CONFIG_WHAT_SIZE], const xmlNode *n, const char *id) {
        char q[CONFIG_QUOTE_MAX + 4];

        /* element names here are ours (known elements only), so short */
        if (id) {
                config_quote_into(q, id);
                snprintf(buf, CONFIG_WHAT_SIZE, "%.24s '%s'", (const char *)n->name, q);
        } else {
                snprintf(buf, CONFIG_WHAT_SIZE, "<%.24s>", (const char *)n->name);
        }
        return buf;
}

bool config_is_element(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && !n->ns && strcmp((const char *)n->name, name) == 0;
}

void config_unknown_element(Load *l, const xmlNode *k, const char *what) {
        report_error(l->r, config_node_line(k), "%s: unknown element <%s%s%s> here", what,
                     k->ns && k->ns->prefix ? (const char *)k->ns->prefix : "",
                     k->ns && k->ns->prefix ? ":" : "", config_quote(l->r, (const char *)k->name));
}

void config_check_attributes(Load *l, const xmlNode *n, const char *what,
                             const char *const *allowed) {
        for (const xmlAttr *a = n->properties; a; a = a->next) {
                bool ok = false;

                for (size_t i = 0; !a->ns && allowed && allowed[i]; i++)
                        ok = ok || strcmp((const char *)a->name, allowed[i]) == 0;
                if (!ok)
                        report_error(l->r, config_node_line(n), "%s: unknown attribute '%s%s%s'",
                                     what,
                                     a->ns && a->ns->prefix ? (const char *)a->ns->prefix : "",
                                     a->ns && a->ns->prefix ? ":" : "",
                                     config_quote(l->r, (const char *)a->name));
        }
}

void config_check_text(Load *l, const xmlNode *n, const char *what) {
        for (const xmlNode *k = n->children; k; k = k->next) {
                if (k->type != XML_TEXT_NODE && k->type != XML_CDATA_SECTION_NODE)
                        continue;
                for (const xmlChar *p = k->content; p && *p; p++)
                        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
                                report_error(l->r, config_node_line(n),
                                             "%s: text is not allowed here (only elements)", what);
                                return;
                        }
        }
}

const char *config_attr_required(Load *l, const xmlNode *n, const char *what, const char *name) {
        const char *v = config_attr(n, name);

        if (!v)
                report_error(l->r, config_node_line(n), "%s: missing attribute '%s'", what, name);
        return v;
}

static bool name_ok(const char *s, size_t max, bool digit_first) {
        size_t n = 0;

        for (const char *p = s; *p; p++, n++) {
                bool alpha = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z');
                bool digit = *p >= '0' && *p <= '9';
                if (p == s && !(alpha || (digit_first ? digit : *p == '_')))
                        return false;
                if (!(alpha || digit || *p == '_' || *p == '.' || *p == '-'))
                        return false;
        }
        return n > 0 && n <= max;
}

const char *config_attr_id(Load *l, const xmlNode *n, const char *what, const char *name,
                           bool required) {
        const char *v = required ? config_attr_required(l, n, what, name) : config_attr(n, name);

        if (v && !name_ok(v, 128, false))
                report_error(l->r, config_node_line(n),
                             "%s: %s '%s' is not a valid id (1-128 of A-Z a-z 0-9 _ . -, "
                             "starting with a letter or _)",
                             what, name, config_quote(l->r, v));
        return v;
}

const char *config_attr_nodename(Load *l, const xmlNode *n, const char *what, const char *name) {
        const char *v = config_attr_required(l, n, what, name);

        if (v && !name_ok(v, 64, true))
                report_error(l->r, config_node_line(n),
                             "%s: %s '%s' is not a valid blade name (1-64 of A-Z a-z 0-9 _ . -, "
                             "starting with a letter or digit)",
                             what, name, config_quote(l->r, v));
        return v;
}

bool config_attr_bool(Load *l, const xmlNode *n, const char *what, const char *name, bool *ret) {
        const char *v = config_attr(n, name);

        if (!v)
                return true;
        if (parse_bool(v, ret) < 0) {
                report_error(l->r, config_node_line(n),
                             "%s: %s '%s' is not a boolean (true/false, yes/no, on/off, 1/0)", what,
                             name, config_quote(l->r, v));
                return false;
        }
        return true;
}

bool config_attr_score(Load *l, const xmlNode *n, const char *what, const char *name, int *ret) {
        const char *v = config_attr(n, name);
        int r;

        if (!v)
                return true;
        r = parse_score(v, ret);
        if (r == -ERANGE)
                report_error(l->r, config_node_line(n),
                             "%s: %s '%s' is out of range (finite scores lie strictly between "
                             "-1000000 and 1000000; use INFINITY or -INFINITY)",
                             what, name, config_quote(l->r, v));
        else if (r < 0)
                report_error(l->r, config_node_line(n),
                             "%s: %s '%s' is not a score (an integer, INFINITY or -INFINITY)", what,
                             name, config_quote(l->r, v));
        return r >= 0;
}

bool config_attr_duration(Load *l, const xmlNode *n, const char *what, const char *name,
                          uint64_t *ret) {
        const char *v = config_attr(n, name);
        int r;

        if (!v)
                return true;
        r = parse_duration_ms(v, ret);
        if (r == -ERANGE)
                report_error(l->r, config_node_line(n), "%s: %s '%s' is too long a duration", what,
                             name, config_quote(l->r, v));
        else if (r < 0)
                report_error(l->r, config_node_line(n),
                             "%s: %s '%s' is not a duration (a number with unit ms, s, m, h or d; "
                             "a bare number means seconds)",
                             what, name, config_quote(l->r, v));
        return r >= 0;
}

bool config_attr_uint(Load *l, const xmlNode *n, const char *what, const char *name, uint64_t max,
                      uint64_t *ret) {
        const char *v = config_attr(n, name);
        int r;

        if (!v)
                return true;
        r = parse_uint64(v, max, ret);
        if (r == -ERANGE)
                report_error(l->r, config_node_line(n),
                             "%s: %s '%s' is out of range (0 to %" PRIu64 ")", what, name,
                             config_quote(l->r, v), max);
        else if (r < 0)
                report_error(l->r, config_node_line(n), "%s: %s '%s' is not a non-negative integer",
                             what, name, config_quote(l->r, v));
        return r >= 0;
}

/* ---- <properties> ---- */

static void load_properties(Load *l, const xmlNode *n) {
        static const char *const attrs[] = {"no-quorum-policy",       "fencing",
                                            "default-stickiness",     "maintenance",
                                            "no-quorum-stop-timeout", NULL};
        Properties *p = &l->c->props;
        const char *w = "<properties>", *v;

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        for (const xmlNode *k = n->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE)
                        config_unknown_element(l, k, w);
        v = config_attr(n, "no-quorum-policy");
        if (v) {
                if (strcmp(v, "stop") == 0)
                        p->no_quorum_policy = NO_QUORUM_STOP;
                else if (strcmp(v, "freeze") == 0)
                        p->no_quorum_policy = NO_QUORUM_FREEZE;
                else if (strcmp(v, "ignore") == 0)
                        p->no_quorum_policy = NO_QUORUM_IGNORE;
                else
                        report_error(l->r, config_node_line(n),
                                     "%s: no-quorum-policy '%s' is not one of stop, freeze, ignore",
                                     w, config_quote(l->r, v));
        }
        if (config_attr_bool(l, n, w, "fencing", &p->fencing) && !p->fencing)
                report_warning(l->r, config_node_line(n),
                               "%s: fencing is off: the resources of a blade that fails are "
                               "started elsewhere without powering it off first, and may run "
                               "twice if it is still alive",
                               w);
        config_attr_score(l, n, w, "default-stickiness", &p->default_stickiness);
        config_attr_bool(l, n, w, "maintenance", &p->maintenance);
        if (config_attr_duration(l, n, w, "no-quorum-stop-timeout",
                                 &p->no_quorum_stop_timeout_ms) &&
            p->no_quorum_stop_timeout_ms == 0)
                report_error(l->r, config_node_line(n),
                             "%s: no-quorum-stop-timeout must be greater than 0", w);
}

/* ---- <nodes> ---- */

static int load_node(Load *l, const xmlNode *n) {
        static const char *const attrs[] = {"name", "standby", NULL};
        static const char *const cap_attrs[] = {"memory", "cpu", NULL};
        char wb[CONFIG_WHAT_SIZE];
        const char *name, *w;
        const xmlNode *cap_seen = NULL;
        NodeAttrs *a;

        config_check_attributes(l, n, config_what(wb, n, config_attr(n, "name")), attrs);
        name = config_attr_nodename(l, n, "<node>", "name");
        if (!name)
                return 0;
        w = config_what(wb, n, name);
        if (config_grow(&l->c->nodes, &l->cap_nodes, l->c->n_nodes, sizeof(*a)) < 0)
                return -ENOMEM;
        a = &l->c->nodes[l->c->n_nodes++];
        a->line = config_node_line(n);
        a->name = strdup(name);
        if (!a->name)
                return -ENOMEM;
        const IdEntry *dup;
        if (config_ids_add(&l->node_names, a->name, ID_PRIMITIVE, l->c->n_nodes - 1, a->line,
                           &dup) < 0)
                return -ENOMEM;
        if (dup)
                report_error(l->r, a->line, "%s: listed twice in <nodes> (first at line %d)", w,
                             dup->line);
        config_attr_bool(l, n, w, "standby", &a->standby);
        config_check_text(l, n, w);
        for (const xmlNode *k = n->children; k; k = k->next) {
                if (k->type != XML_ELEMENT_NODE)
                        continue;
                if (!config_is_element(k, "capacity")) {
                        config_unknown_element(l, k, w);
                        continue;
                }
                if (cap_seen) {
                        report_error(l->r, config_node_line(k),
                                     "%s: <capacity> given twice (first at line %d)", w,
                                     config_node_line(cap_seen));
                        continue;
                }
                cap_seen = k;
                a->has_capacity = true;
                config_check_attributes(l, k, w, cap_attrs);
                config_check_text(l, k, w);
                for (size_t i = 0; i < 2; i++) {
                        uint64_t *dst = i == 0 ? &a->capacity.memory : &a->capacity.cpu;
                        if (config_attr_required(l, k, "<capacity>", cap_attrs[i]))
                                config_attr_uint(l, k, w, cap_attrs[i], CONFIG_UTILIZATION_MAX,
                                                 dst);
                }
                for (const xmlNode *kk = k->children; kk; kk = kk->next)
                        if (kk->type == XML_ELEMENT_NODE)
                                config_unknown_element(l, kk, "<capacity>");
        }
        return 0;
}

/* ---- <constraints> ---- */

static int add_location(Load *l, const char *id, const char *rsc, const char *node, int score,
                        int line) {
        Location *loc;

        if (config_grow(&l->c->locations, &l->cap_locations, l->c->n_locations, sizeof(*loc)) < 0)
                return -ENOMEM;
        loc = &l->c->locations[l->c->n_locations++];
        *loc = (Location){.rsc_idx = IDX_NONE, .group_idx = IDX_NONE, .score = score, .line = line};
        loc->id = strdup(id);
        loc->rsc = strdup(rsc);
        loc->node = strdup(node);
        return loc->id && loc->rsc && loc->node ? 0 : -ENOMEM;
}

static int load_location(Load *l, const xmlNode *n) {
        static const char *const attrs[] = {"id", "rsc", "node", "score", NULL};
        const char *id = config_attr_id(l, n, "<location>", "id", true);
        char wb[CONFIG_WHAT_SIZE];
        const char *w = config_what(wb, n, id);
        const char *rsc = config_attr_id(l, n, w, "rsc", true);
        const char *node = config_attr(n, "node"), *score_s = config_attr(n, "score");
        const xmlNode *prefers[CONFIG_PREFER_MAX];
        size_t k = 0;
        bool too_many = false;
        int score = 0, line = config_node_line(n);

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        for (const xmlNode *c = n->children; c; c = c->next) {
                if (c->type != XML_ELEMENT_NODE)
                        continue;
                if (!config_is_element(c, "prefer")) {
                        config_unknown_element(l, c, w);
                        continue;
                }
                static const char *const pattrs[] = {"node", NULL};
                config_check_attributes(l, c, w, pattrs);
                config_check_text(l, c, w);
                for (const xmlNode *cc = c->children; cc; cc = cc->next)
                        if (cc->type == XML_ELEMENT_NODE)
                                config_unknown_element(l, cc, "<prefer>");
                const char *pn = config_attr_nodename(l, c, w, "node");
                if (!pn)
                        continue;
                for (size_t i = 0; i < k; i++)
                        if (strcmp(config_attr(prefers[i], "node"), pn) == 0) {
                                report_error(l->r, config_node_line(c),
                                             "%s: blade '%s' is listed twice (first at line %d)", w,
                                             config_quote(l->r, pn), config_node_line(prefers[i]));
                                pn = NULL;
                                break;
                        }
                if (!pn)
                        continue;
                if (k == CONFIG_PREFER_MAX) {
                        if (!too_many)
                                report_error(l->r, config_node_line(c),
                                             "%s: more than %d preferred blades", w,
                                             CONFIG_PREFER_MAX);
                        too_many = true;
                        continue;
                }
                prefers[k++] = c;
        }
        if (k > 0 && (node || score_s)) {
                report_error(l->r, line,
                             "%s: give either node and score, or <prefer> elements, not both", w);
                return 0;
        }
        if (k == 0 && !(node && score_s)) {
                report_error(l->r, line, "%s: needs node and score, or a list of <prefer> elements",
                             w);
                return 0;
        }
        if (k == 0) {
                node = config_attr_nodename(l, n, w, "node");
                config_attr_score(l, n, w, "score", &score); /* kept: rsc still gets checked */
        }
        if (!id || !rsc || (k == 0 && !node))
                return 0;
        size_t first = l->c->n_locations;
        if (k == 0 && add_location(l, id, rsc, node, score, line) < 0)
                return -ENOMEM;
        /* An ordered preference list: the last blade gets one step, each
         * earlier one a step more (CONFIG_PREFER_MAX keeps k * step finite). */
        for (size_t i = 0; i < k; i++)
                if (add_location(l, id, rsc, config_attr(prefers[i], "node"),
                                 (int)((k - i) * CONFIG_PREFER_STEP),
                                 config_node_line(prefers[i])) < 0)
                        return -ENOMEM;
        return config_register_id(l, l->c->locations[first].id, ID_LOCATION, first, line);
}

static int load_colocation(Load *l, const xmlNode *n) {
        static const char *const attrs[] = {"id", "rsc", "with-rsc", "score", NULL};
        const char *id = config_attr_id(l, n, "<colocation>", "id", true);
        char wb[CONFIG_WHAT_SIZE];
        const char *w = config_what(wb, n, id);
        const char *rsc = config_attr_id(l, n, w, "rsc", true);
        const char *with = config_attr_id(l, n, w, "with-rsc", true);
        int score = 0;
        Colocation *co;

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        for (const xmlNode *k = n->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE)
                        config_unknown_element(l, k, w);
        if (config_attr_required(l, n, w, "score"))
                config_attr_score(l, n, w, "score", &score);
        if (!id || !rsc || !with)
                return 0;
        if (config_grow(&l->c->colocations, &l->cap_colocations, l->c->n_colocations, sizeof(*co)) <
            0)
                return -ENOMEM;
        co = &l->c->colocations[l->c->n_colocations++];
        *co = (Colocation){.rsc_idx = IDX_NONE,
                           .rsc_group_idx = IDX_NONE,
                           .with_idx = IDX_NONE,
                           .with_group_idx = IDX_NONE,
                           .score = score,
                           .line = config_node_line(n)};
        co->id = strdup(id);
        co->rsc = strdup(rsc);
        co->with_rsc = strdup(with);
        if (!co->id || !co->rsc || !co->with_rsc)
                return -ENOMEM;
        return config_register_id(l, co->id, ID_COLOCATION, l->c->n_colocations - 1, co->line);
}

static int load_order(Load *l, const xmlNode *n) {
        static const char *const attrs[] = {"id", "first", "then", "kind", "symmetrical", NULL};
        const char *id = config_attr_id(l, n, "<order>", "id", true);
        char wb[CONFIG_WHAT_SIZE];
        const char *w = config_what(wb, n, id);
        const char *first = config_attr_id(l, n, w, "first", true);
        const char *then = config_attr_id(l, n, w, "then", true);
        const char *kind = config_attr(n, "kind");
        Order o = {.kind = ORDER_MANDATORY, .symmetrical = true};

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        for (const xmlNode *k = n->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE)
                        config_unknown_element(l, k, w);
        if (kind) {
                if (strcmp(kind, "mandatory") == 0 || strcmp(kind, "Mandatory") == 0)
                        o.kind = ORDER_MANDATORY;
                else if (strcmp(kind, "optional") == 0 || strcmp(kind, "Optional") == 0)
                        o.kind = ORDER_OPTIONAL;
                else
                        report_error(l->r, config_node_line(n),
                                     "%s: kind '%s' is not mandatory or optional", w,
                                     config_quote(l->r, kind));
        }
        config_attr_bool(l, n, w, "symmetrical", &o.symmetrical);
        if (!id || !first || !then)
                return 0;
        if (config_grow(&l->c->orders, &l->cap_orders, l->c->n_orders, sizeof(o)) < 0)
                return -ENOMEM;
        Order *dst = &l->c->orders[l->c->n_orders++];
        *dst = o;
        dst->first_idx = dst->first_group_idx = dst->then_idx = dst->then_group_idx = IDX_NONE;
        dst->line = config_node_line(n);
        dst->id = strdup(id);
        dst->first = strdup(first);
        dst->then = strdup(then);
        if (!dst->id || !dst->first || !dst->then)
                return -ENOMEM;
        return config_register_id(l, dst->id, ID_ORDER, l->c->n_orders - 1, dst->line);
}

/* ---- <fencing> ---- */

static int load_fence_param(Load *l, FenceDevice *f, const xmlNode *n, const char *w) {
        static const char *const attrs[] = {"name", "value", NULL};
        const char *name = config_attr_required(l, n, w, "name");
        const char *value = config_attr_required(l, n, w, "value");
        NvPair *p;

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        if (!name || !value)
                return 0;
        /* The fencer's own rules (fence.h): what it would refuse at fence
         * time is refused here, at load time. */
        const char *why = NULL;
        if (fence_param_check(name, value, &why) < 0) {
                report_error(l->r, config_node_line(n), "%s: parameter '%s': %s", w,
                             config_quote(l->r, name), why ? why : "not usable");
                return 0;
        }
        for (size_t i = 0; i < f->n_params; i++)
                if (strcmp(f->params[i].name, name) == 0) {
                        report_error(l->r, config_node_line(n), "%s: parameter '%s' given twice", w,
                                     name);
                        return 0;
                }
        p = reallocarray(f->params, f->n_params + 1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        f->params = p;
        p = &f->params[f->n_params++];
        p->name = strdup(name);
        p->value = strdup(value);
        return p->name && p->value ? 0 : -ENOMEM;
}

static int load_fence_device(Load *l, const xmlNode *n) {
        static const char *const attrs[] = {"id", "agent", "node", NULL};
        const char *id = config_attr_id(l, n, "<fence-device>", "id", true);
        char wb[CONFIG_WHAT_SIZE];
        const char *w = config_what(wb, n, id);
        const char *agent = config_attr_required(l, n, w, "agent");
        const char *node = config_attr_nodename(l, n, w, "node");
        FenceDevice *f;

        config_check_attributes(l, n, w, attrs);
        config_check_text(l, n, w);
        if (agent && !fence_agent_is_valid(agent))
                report_error(l->r, config_node_line(n),
                             "%s: agent '%s' is neither fence_NAME nor an absolute path", w,
                             config_quote(l->r, agent));
        if (!id || !agent || !node)
                return 0;
        if (config_grow(&l->c->fence_devices, &l->cap_fence_devices, l->c->n_fence_devices,
                        sizeof(*f)) < 0)
                return -ENOMEM;
        f = &l->c->fence_devices[l->c->n_fence_devices++];
        f->line = config_node_line(n);
        f->id = strdup(id);
        f->agent = strdup(agent);
        f->node = strdup(node);
        if (!f->id || !f->agent || !f->node)
                return -ENOMEM;
        if (config_register_id(l, f->id, ID_FENCE_DEVICE, l->c->n_fence_devices - 1, f->line) < 0)
                return -ENOMEM;
        for (const xmlNode *k = n->children; k; k = k->next) {
                if (k->type != XML_ELEMENT_NODE)
                        continue;
                if (!config_is_element(k, "param"))
                        config_unknown_element(l, k, w);
                else if (load_fence_param(l, f, k, w) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* ---- the root ---- */

typedef int (*LoadChild)(Load *l, const xmlNode *n);

/* A section: its children must be among names[], each loaded by funcs[]. */
static int load_section(Load *l, const xmlNode *n, const char *const *names,
                        const LoadChild *funcs) {
        char w[32];

        snprintf(w, sizeof(w), "<%s>", (const char *)n->name);
        config_check_attributes(l, n, w, NULL);
        config_check_text(l, n, w);
        for (const xmlNode *k = n->children; k; k = k->next) {
                size_t i;

                if (k->type != XML_ELEMENT_NODE)
                        continue;
                for (i = 0; names[i] && !config_is_element(k, names[i]); i++)
                        ;
                if (!names[i])
                        config_unknown_element(l, k, w);
                else if (funcs[i](l, k) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int load_root(Load *l, const xmlNode *root) {
        static const char *const attrs[] = {"epoch", NULL};
        static const char *const sections[] = {"properties",  "nodes",   "resources",
                                               "constraints", "fencing", NULL};
        static const char *const nodes_names[] = {"node", NULL};
        static const LoadChild nodes_funcs[] = {load_node};
        static const char *const rsc_names[] = {"primitive", "group", NULL};
        static const LoadChild rsc_funcs[] = {config_load_resource, config_load_resource};
        static const char *const cons_names[] = {"location", "colocation", "order", NULL};
        static const LoadChild cons_funcs[] = {load_location, load_colocation, load_order};
        static const char *const fence_names[] = {"fence-device", NULL};
        static const LoadChild fence_funcs[] = {load_fence_device};
        const char *w = "<bladed-config>";
        const xmlNode *seen[5] = {0};
        int r = 0;

        config_check_attributes(l, root, w, attrs);
        config_check_text(l, root, w);
        if (config_attr_required(l, root, w, "epoch"))
                config_attr_uint(l, root, w, "epoch", UINT64_MAX, &l->c->epoch);
        for (const xmlNode *k = root->children; k && r >= 0; k = k->next) {
                size_t i;

                if (k->type != XML_ELEMENT_NODE)
                        continue;
                for (i = 0; sections[i] && !config_is_element(k, sections[i]); i++)
                        ;
                if (!sections[i]) {
                        config_unknown_element(l, k, w);
                        continue;
                }
                if (seen[i]) {
                        report_error(l->r, config_node_line(k),
                                     "<%s> given twice (first at line %d): write one section",
                                     sections[i], config_node_line(seen[i]));
                        continue;
                }
                seen[i] = k;
                switch (i) {
                case 0:
                        load_properties(l, k);
                        break;
                case 1:
                        r = load_section(l, k, nodes_names, nodes_funcs);
                        break;
                case 2:
                        r = load_section(l, k, rsc_names, rsc_funcs);
                        break;
                case 3:
                        r = load_section(l, k, cons_names, cons_funcs);
                        break;
                default:
                        r = load_section(l, k, fence_names, fence_funcs);
                        break;
                }
        }
        return r;
}

int config_load(const xmlNode *root, IdTable *ids, Config **ret, Report *r) {
        Load l = {.r = r, .ids = ids};
        int k;

        l.c = calloc(1, sizeof(*l.c));
        if (!l.c)
                return -ENOMEM;
        l.c->props = (Properties){
                .no_quorum_policy = NO_QUORUM_STOP,
                .fencing = true,
                .default_stickiness = 0,
                .maintenance = false,
                .no_quorum_stop_timeout_ms = CONFIG_DEFAULT_NO_QUORUM_STOP_TIMEOUT_MS,
        };
        k = load_root(&l, root);
        config_ids_free(&l.node_names);
        *ret = l.c;
        return k;
}
