/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The admin commands as edits of the resources.xml tree (config_admin.h).
 * The current document is parsed twice: config_parse() for its meaning
 * (which ids exist, who is on standby) and config_read_xml() for a tree to
 * edit.  The edited tree is written out and parsed once more, so a change
 * that would leave an invalid configuration never leaves this file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "bladed/config_admin.h"
#include "bladed/util.h"
#include "config_internal.h"

/* t-id's maxLength in xml/resources.rng */
#define ID_MAX 128
#define NODENAME_MAX 64
/* Longest name echoed in a message. */
#define SAFE_MAX 80

static int say(ConfigAdminResult *ret, int r, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int say(ConfigAdminResult *ret, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(ret->message, sizeof(ret->message), fmt, ap);
        va_end(ap);
        return r;
}

/* A name from the admin made safe to echo (control bytes become '?'). */
static const char *safe(char buf[static SAFE_MAX + 4], const char *s) {
        size_t i = 0;

        for (; s[i] && i < SAFE_MAX; i++)
                buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
        strcpy(buf + i, s[i] ? "..." : "");
        return buf;
}

static bool is_alnum(char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* The schema's t-id and t-nodename patterns. */
static bool valid_id(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > ID_MAX || !(is_alnum(s[0]) || s[0] == '_') ||
            (s[0] >= '0' && s[0] <= '9'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
                        return false;
        return true;
}

static bool valid_nodename(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > NODENAME_MAX || !is_alnum(s[0]))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
                        return false;
        return true;
}

void config_admin_result_done(ConfigAdminResult *ret) {
        if (!ret)
                return;
        free(ret->doc);
        ret->doc = NULL;
        ret->doc_len = 0;
}

int config_admin_location_kind(const Location *l) {
        if (!l || !l->id)
                return 0;
        if (strncmp(l->id, CONFIG_ADMIN_PREFER_PREFIX, strlen(CONFIG_ADMIN_PREFER_PREFIX)) == 0)
                return 1;
        if (strncmp(l->id, CONFIG_ADMIN_BAN_PREFIX, strlen(CONFIG_ADMIN_BAN_PREFIX)) == 0)
                return 2;
        return 0;
}

/* ---- the document: meaning and tree ---- */

typedef struct Edit {
        Config *config;
        xmlDoc *doc;
        xmlNode *root;
        XmlErrorGuard guard;
        bool guarded;
} Edit;

static void edit_done(Edit *e) {
        config_free(e->config);
        xmlFreeDoc(e->doc);
        if (e->guarded)
                xml_errors_restore(&e->guard);
}

static int first_error(const DiagList *d, char *buf, size_t size) {
        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].level == DIAG_ERROR)
                        return snprintf(buf, size, "line %d: %s", d->items[i].line,
                                        d->items[i].msg);
        return snprintf(buf, size, "invalid");
}

static int edit_open(Edit *e, const char *buf, size_t len, ConfigAdminResult *ret) {
        DiagList diag = {0};
        Report rep = {.diag = &diag};
        char why[CONFIG_ADMIN_MESSAGE_MAX - 64];
        int r;

        *e = (Edit){0};
        ret->doc = NULL;
        ret->doc_len = 0;
        ret->message[0] = 0;
        r = config_parse(buf, len, &e->config, &diag);
        if (r < 0) {
                diag_sort(&diag);
                first_error(&diag, why, sizeof(why));
                diag_clear(&diag);
                if (r == -ENOMEM)
                        return say(ret, r, "out of memory");
                return say(ret, -EBADMSG, "the current configuration does not parse (%s)", why);
        }
        diag_clear(&diag);
        xmlInitParser();
        xml_errors_silence(&e->guard);
        e->guarded = true;
        e->doc = config_read_xml(buf, len, &rep);
        diag_clear(&diag);
        if (!e->doc)
                return say(ret, rep.oom ? -ENOMEM : -EBADMSG,
                           "the current configuration does "
                           "not parse");
        e->root = xmlDocGetRootElement(e->doc);
        if (!e->root)
                return say(ret, -EBADMSG, "the current configuration has no root element");
        return 0;
}

/* Writes the tree out and parses the result: only a valid document leaves. */
static int edit_finish(Edit *e, ConfigAdminResult *ret) {
        DiagList diag = {0};
        Config *check = NULL;
        xmlChar *out = NULL;
        char why[CONFIG_ADMIN_MESSAGE_MAX - 64];
        int size = 0, r;

        xmlDocDumpMemoryEnc(e->doc, &out, &size, "UTF-8");
        if (!out || size <= 0) {
                xmlFree(out);
                return say(ret, -ENOMEM, "out of memory");
        }
        r = config_parse((const char *)out, (size_t)size, &check, &diag);
        config_free(check);
        if (r < 0) {
                diag_sort(&diag);
                first_error(&diag, why, sizeof(why));
                diag_clear(&diag);
                xmlFree(out);
                if (r == -ENOMEM)
                        return say(ret, r, "out of memory");
                return say(ret, -EBADMSG, "the change would make the configuration invalid (%s)",
                           why);
        }
        diag_clear(&diag);
        ret->doc = malloc((size_t)size + 1);
        if (!ret->doc) {
                xmlFree(out);
                return say(ret, -ENOMEM, "out of memory");
        }
        memcpy(ret->doc, out, (size_t)size);
        ret->doc[size] = 0;
        ret->doc_len = (size_t)size;
        xmlFree(out);
        return 0;
}

static bool is_elem(const xmlNode *n, const char *name) {
        return n && n->type == XML_ELEMENT_NODE && !n->ns &&
               strcmp((const char *)n->name, name) == 0;
}

static bool is_blank(const xmlNode *n) {
        return n && n->type == XML_TEXT_NODE && xmlIsBlankNode((xmlNode *)n);
}

static xmlNode *find_child(xmlNode *parent, const char *name) {
        for (xmlNode *k = parent->children; k; k = k->next)
                if (is_elem(k, name))
                        return k;
        return NULL;
}

/* The indentation of n: what follows the last newline of the blank text
 * right before it ("" when none). */
static const char *indent_of(const xmlNode *n) {
        const xmlNode *p = n ? n->prev : NULL;
        const char *s, *nl;

        if (!is_blank(p) || !p->content)
                return "";
        s = (const char *)p->content;
        nl = strrchr(s, '\n');
        return nl ? nl + 1 : s;
}

static int add_text_before(xmlNode *at, const char *text) {
        xmlNode *t = xmlNewText(BAD_CAST text);
        if (!t)
                return -ENOMEM;
        if (!xmlAddPrevSibling(at, t)) {
                xmlFreeNode(t);
                return -ENOMEM;
        }
        return 0;
}

/* Appends child as parent's last element, indented like its siblings (or
 * two spaces deeper than parent), so the file still reads well. */
static int append_indented(xmlNode *parent, xmlNode *child) {
        xmlNode *last = NULL;
        char ws[256];
        int r;

        for (xmlNode *k = parent->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE)
                        last = k;
        if (last) {
                snprintf(ws, sizeof(ws), "\n%s", indent_of(last));
                if (!xmlAddNextSibling(last, child))
                        return -ENOMEM;
                return add_text_before(child, ws);
        }
        snprintf(ws, sizeof(ws), "\n%s  ", indent_of(parent));
        if (is_blank(parent->last)) {
                /* before the blank that indents the closing tag */
                if (!xmlAddPrevSibling(parent->last, child))
                        return -ENOMEM;
                return add_text_before(child, ws);
        }
        if (!xmlAddChild(parent, child))
                return -ENOMEM;
        r = add_text_before(child, ws);
        if (r < 0)
                return r;
        snprintf(ws, sizeof(ws), "\n%s", indent_of(parent));
        xmlNode *t = xmlNewText(BAD_CAST ws);
        if (!t || !xmlAddNextSibling(child, t)) {
                xmlFreeNode(t);
                return -ENOMEM;
        }
        return 0;
}

/* Removes n with the blank text that indented it. */
static void remove_indented(xmlNode *n) {
        xmlNode *p = n->prev;

        if (is_blank(p)) {
                xmlUnlinkNode(p);
                xmlFreeNode(p);
        }
        xmlUnlinkNode(n);
        xmlFreeNode(n);
}

/* The section (<constraints>, <nodes>, <properties>), created at the end
 * of the root when missing. */
static xmlNode *section(Edit *e, const char *name) {
        xmlNode *s = find_child(e->root, name);

        if (s)
                return s;
        s = xmlNewNode(NULL, BAD_CAST name);
        if (!s)
                return NULL;
        if (append_indented(e->root, s) < 0) {
                if (!s->parent)
                        xmlFreeNode(s);
                return NULL;
        }
        return s;
}

static const char *attr_of(const xmlNode *n, const char *name) {
        return config_attr(n, name);
}

/* ---- migrate / unmigrate ---- */

static bool is_cli_location_of(const xmlNode *n, const char *rsc) {
        const char *id = attr_of(n, "id"), *r = attr_of(n, "rsc");
        Location l = {.id = (char *)id};

        return is_elem(n, "location") && r && strcmp(r, rsc) == 0 &&
               config_admin_location_kind(&l) != 0;
}

/* Removes every cli-* location of rsc; how many. */
static size_t remove_cli_locations(xmlNode *constraints, const char *rsc) {
        size_t n = 0;

        for (xmlNode *k = constraints ? constraints->children : NULL, *next; k; k = next) {
                next = k->next;
                if (is_cli_location_of(k, rsc)) {
                        remove_indented(k);
                        n++;
                }
        }
        return n;
}

static bool blade_known(const char *node, const char *const *blades, size_t n_blades) {
        if (!blades)
                return true;
        for (size_t i = 0; i < n_blades; i++)
                if (strcmp(blades[i], node) == 0)
                        return true;
        return false;
}

static int check_blade(const char *node, const char *const *blades, size_t n_blades,
                       ConfigAdminResult *ret) {
        char q[SAFE_MAX + 4];

        if (!valid_nodename(node))
                return say(ret, -EINVAL, "'%s' is not a valid blade name", safe(q, node));
        if (!blade_known(node, blades, n_blades))
                return say(ret, -ENOENT, "unknown blade '%s' (not in the node file)", node);
        return 0;
}

/* rsc must be a resource outside any group, or a group. */
static int check_movable(const Config *c, const char *rsc, ConfigAdminResult *ret) {
        char q[SAFE_MAX + 4];
        size_t i;

        if (!valid_id(rsc))
                return say(ret, -ENOENT, "unknown resource '%s'", safe(q, rsc));
        i = config_find_resource(c, rsc);
        if (i != IDX_NONE && c->resources[i].group != IDX_NONE) {
                const char *g = c->groups[c->resources[i].group].id;
                return say(ret, -EINVAL,
                           "%s is a member of group %s, which moves as a whole: "
                           "migrate %s instead",
                           rsc, g, g);
        }
        if (i == IDX_NONE && config_find_group(c, rsc) == IDX_NONE)
                return say(ret, -ENOENT, "unknown resource '%s' (neither a resource nor a group)",
                           rsc);
        return 0;
}

/* The one cli-* location of rsc when it is exactly (id, node, score). */
static bool only_location_is(const Config *c, const char *rsc, const char *id, const char *node,
                             int score) {
        size_t found = 0;
        bool same = false;

        for (size_t i = 0; i < c->n_locations; i++) {
                const Location *l = &c->locations[i];
                if (strcmp(l->rsc, rsc) != 0 || config_admin_location_kind(l) == 0)
                        continue;
                found++;
                same = strcmp(l->id, id) == 0 && strcmp(l->node, node) == 0 && l->score == score;
        }
        return found == 1 && same;
}

int config_admin_migrate(const char *doc, size_t len, const char *rsc, const char *node,
                         const char *current, const char *const *blades, size_t n_blades,
                         ConfigAdminResult *ret) {
        _cleanup_(edit_done) Edit e = {0};
        const char *to = node ? node : current;
        const char *score = node ? "INFINITY" : "-INFINITY";
        char id[ID_MAX + 64];
        const NodeAttrs *na;
        xmlNode *loc, *constraints;
        int r;

        r = edit_open(&e, doc, len, ret);
        if (r < 0)
                return r;
        r = check_movable(e.config, rsc, ret);
        if (r < 0)
                return r;
        if (!to)
                return say(ret, -EINVAL, "%s runs on no blade now: name the blade to move it to",
                           rsc);
        r = check_blade(to, blades, n_blades, ret);
        if (r < 0)
                return r;
        na = config_find_node(e.config, to);
        if (node && na && na->standby)
                return say(ret, -EBUSY,
                           "%s is on standby and takes no resources: 'bladectl online %s' first",
                           node, node);
        if (node)
                snprintf(id, sizeof(id), "%s%s", CONFIG_ADMIN_PREFER_PREFIX, rsc);
        else
                snprintf(id, sizeof(id), "%s%s-on-%s", CONFIG_ADMIN_BAN_PREFIX, rsc, to);
        if (strlen(id) > ID_MAX)
                return say(ret, -ENAMETOOLONG,
                           "the preference's id %s would be longer than %d characters", id, ID_MAX);
        if (only_location_is(e.config, rsc, id, to, node ? SCORE_INFINITY : -SCORE_INFINITY))
                return say(ret, -EALREADY, "%s already has the preference %s", rsc, id);

        constraints = section(&e, "constraints");
        if (!constraints)
                return say(ret, -ENOMEM, "out of memory");
        remove_cli_locations(constraints, rsc);
        loc = xmlNewNode(NULL, BAD_CAST "location");
        if (!loc || !xmlNewProp(loc, BAD_CAST "id", BAD_CAST id) ||
            !xmlNewProp(loc, BAD_CAST "rsc", BAD_CAST rsc) ||
            !xmlNewProp(loc, BAD_CAST "node", BAD_CAST to) ||
            !xmlNewProp(loc, BAD_CAST "score", BAD_CAST score) ||
            append_indented(constraints, loc) < 0) {
                if (loc && !loc->parent)
                        xmlFreeNode(loc);
                return say(ret, -ENOMEM, "out of memory");
        }
        r = edit_finish(&e, ret);
        if (r < 0)
                return r;
        if (node)
                return say(ret, 0, "%s: added %s (%s on %s, score INFINITY)", rsc, id, rsc, to);
        return say(ret, 0, "%s: added %s (%s never on %s, score -INFINITY)", rsc, id, rsc, to);
}

int config_admin_unmigrate(const char *doc, size_t len, const char *rsc, ConfigAdminResult *ret) {
        _cleanup_(edit_done) Edit e = {0};
        char q[SAFE_MAX + 4];
        size_t n;
        int r;

        r = edit_open(&e, doc, len, ret);
        if (r < 0)
                return r;
        if (!valid_id(rsc) || (config_find_resource(e.config, rsc) == IDX_NONE &&
                               config_find_group(e.config, rsc) == IDX_NONE))
                return say(ret, -ENOENT, "unknown resource '%s' (neither a resource nor a group)",
                           safe(q, rsc));
        n = remove_cli_locations(find_child(e.root, "constraints"), rsc);
        if (n == 0)
                return say(ret, -ENODATA, "%s has no preference left by migrate", rsc);
        r = edit_finish(&e, ret);
        if (r < 0)
                return r;
        return say(ret, 0, "%s: removed %zu preference%s left by migrate", rsc, n,
                   n == 1 ? "" : "s");
}

/* ---- standby / online ---- */

int config_admin_standby(const char *doc, size_t len, const char *node, bool standby,
                         const char *const *blades, size_t n_blades, ConfigAdminResult *ret) {
        _cleanup_(edit_done) Edit e = {0};
        const NodeAttrs *na;
        xmlNode *nodes, *n = NULL;
        int r;

        r = edit_open(&e, doc, len, ret);
        if (r < 0)
                return r;
        r = check_blade(node, blades, n_blades, ret);
        if (r < 0)
                return r;
        na = config_find_node(e.config, node);
        if (standby && na && na->standby)
                return say(ret, -EALREADY, "%s is already on standby", node);
        if (!standby && !(na && na->standby))
                return say(ret, -EALREADY, "%s is not on standby", node);

        nodes = standby ? section(&e, "nodes") : find_child(e.root, "nodes");
        if (!nodes)
                return say(ret, -ENOMEM, "out of memory");
        for (xmlNode *k = nodes->children; k && !n; k = k->next)
                if (is_elem(k, "node") && attr_of(k, "name") &&
                    strcmp(attr_of(k, "name"), node) == 0)
                        n = k;
        if (standby) {
                if (!n) {
                        n = xmlNewNode(NULL, BAD_CAST "node");
                        if (!n || !xmlNewProp(n, BAD_CAST "name", BAD_CAST node) ||
                            append_indented(nodes, n) < 0) {
                                if (n && !n->parent)
                                        xmlFreeNode(n);
                                return say(ret, -ENOMEM, "out of memory");
                        }
                }
                if (!xmlSetProp(n, BAD_CAST "standby", BAD_CAST "true"))
                        return say(ret, -ENOMEM, "out of memory");
        } else {
                if (!n)
                        return say(ret, -EBADMSG, "no <node name=\"%s\"> in the configuration",
                                   node);
                xmlUnsetProp(n, BAD_CAST "standby");
                /* A <node> that only said "standby" goes, so standby then
                 * online gives back the document it started from. */
                if (!n->children && n->properties && !n->properties->next)
                        remove_indented(n);
        }
        r = edit_finish(&e, ret);
        if (r < 0)
                return r;
        return say(ret, 0, standby ? "%s: standby set" : "%s: standby cleared", node);
}

/* ---- maintenance ---- */

int config_admin_maintenance(const char *doc, size_t len, bool on, ConfigAdminResult *ret) {
        _cleanup_(edit_done) Edit e = {0};
        xmlNode *props;
        int r;

        r = edit_open(&e, doc, len, ret);
        if (r < 0)
                return r;
        if (e.config->props.maintenance == on)
                return say(ret, -EALREADY, "maintenance mode is already %s", on ? "on" : "off");
        props = section(&e, "properties");
        if (!props)
                return say(ret, -ENOMEM, "out of memory");
        if (!xmlSetProp(props, BAD_CAST "maintenance", BAD_CAST(on ? "true" : "false")))
                return say(ret, -ENOMEM, "out of memory");
        r = edit_finish(&e, ret);
        if (r < 0)
                return r;
        return say(ret, 0, "maintenance mode %s", on ? "on" : "off");
}
