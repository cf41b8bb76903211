/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCF agent meta-data parser (ocf_meta.h).  The grammar is ra-api.rng;
 * like Pacemaker we read only what we use and ignore the rest, so agents
 * written against older or newer API versions still load.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "bladed/ocf.h"
#include "bladed/ocf_meta.h"
#include "bladed/util.h"
#include "bladed/xmlquiet.h"

typedef struct Reader {
        DiagList *diag;
        bool oom;
        bool entity; /* an entity declaration was seen: the parse is void */
} Reader;

#define ERR(rd, line, ...)                                                                         \
        do {                                                                                       \
                if (diag_error((rd)->diag, (int)(line), __VA_ARGS__) < 0)                          \
                        (rd)->oom = true;                                                          \
        } while (0)
#define WARN(rd, line, ...)                                                                        \
        do {                                                                                       \
                if (diag_warning((rd)->diag, (int)(line), __VA_ARGS__) < 0)                        \
                        (rd)->oom = true;                                                          \
        } while (0)

static void on_error(void *data, xmlError *e) {
        xmlParserCtxt *ctxt = data;
        Reader *rd = ctxt ? ctxt->_private : NULL;
        size_t n;

        if (!rd || !e || !e->message || rd->entity)
                return;
        n = strlen(e->message);
        while (n > 0 && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
                n--;
        /* Warnings (e.g. an entity that the unread external DTD might
         * define) are not worth a message: such text is never used. */
        if (e->level != XML_ERR_WARNING)
                ERR(rd, e->line > 0 ? e->line : 0, "not well-formed XML: %.*s", (int)n, e->message);
}

/* An entity declaration could expand to anything (billion laughs, or text
 * the agent's author did not see); real meta-data never declares one. */
static void refuse_entity(xmlParserCtxt *ctxt) {
        Reader *rd = ctxt->_private;

        if (!rd->entity)
                ERR(rd, ctxt->input ? ctxt->input->line : 0, "entity declarations are not allowed");
        rd->entity = true;
        xmlStopParser(ctxt);
}

static void on_entity_decl(void *data, const xmlChar *name, int type, const xmlChar *pid,
                           const xmlChar *sid, xmlChar *content) {
        refuse_entity(data);
}

static void on_unparsed_entity_decl(void *data, const xmlChar *name, const xmlChar *pid,
                                    const xmlChar *sid, const xmlChar *notation) {
        refuse_entity(data);
}

static const char *get(const xmlNode *n, const char *name) {
        for (const xmlAttr *a = n->properties; a; a = a->next) {
                if (a->ns || strcmp((const char *)a->name, name) != 0)
                        continue;
                if (a->children && a->children->type == XML_TEXT_NODE && !a->children->next &&
                    a->children->content)
                        return (const char *)a->children->content;
                return "";
        }
        return NULL;
}

static int line_of(const xmlNode *n) {
        long l = xmlGetLineNo(n);
        return l > 0 && l < 1 << 30 ? (int)l : 0;
}

static bool is_elem(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && !n->ns && strcmp((const char *)n->name, name) == 0;
}

/* Text of an element, blanks trimmed; "" when it has none. */
static char *text_of(Reader *rd, const xmlNode *n) {
        xmlChar *c = xmlNodeGetContent(n);
        const char *s = c ? (const char *)c : "";
        size_t len;
        char *out;

        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        len = strlen(s);
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
                           s[len - 1] == '\r'))
                len--;
        out = strndup(s, len);
        if (!out)
                rd->oom = true;
        xmlFree(c);
        return out;
}

/* The English shortdesc (lang="en" or no lang), else the first one. */
static char *shortdesc_of(Reader *rd, const xmlNode *parent) {
        const xmlNode *first = NULL;

        for (const xmlNode *k = parent->children; k; k = k->next) {
                if (!is_elem(k, "shortdesc"))
                        continue;
                const char *lang = get(k, "lang");
                if (!lang || strcmp(lang, "en") == 0 || strncmp(lang, "en-", 3) == 0 ||
                    strncmp(lang, "en_", 3) == 0)
                        return text_of(rd, k);
                if (!first)
                        first = k;
        }
        return first ? text_of(rd, first) : NULL;
}

static char *dup_attr(Reader *rd, const xmlNode *n, const char *attr) {
        const char *v = get(n, attr);
        char *s;

        if (!v)
                return NULL;
        s = strdup(v);
        if (!s)
                rd->oom = true;
        return s;
}

/* OCF booleans are "0"/"1"; Pacemaker also reads true/false/yes/no. */
static bool read_flag(Reader *rd, const xmlNode *n, const char *what, const char *attr) {
        const char *v = get(n, attr);
        bool b;

        if (!v)
                return false;
        if (parse_bool(v, &b) < 0) {
                char *q = str_printable(v, 60);
                ERR(rd, line_of(n), "parameter '%s': %s=\"%s\" is not 0 or 1", what, attr,
                    q ? q : "?");
                free(q);
                return false;
        }
        return b;
}

static void read_param(Reader *rd, const xmlNode *n, OcfMeta *m) {
        const char *name = get(n, "name");
        OcfMetaParam *p;

        if (!name || !ocf_param_name_is_valid(name)) {
                char *q = name ? str_printable(name, 60) : NULL;
                if (name)
                        ERR(rd, line_of(n),
                            "<parameter>: name \"%s\" is not letters, digits and '_'", q ? q : "?");
                else
                        ERR(rd, line_of(n), "<parameter>: name is required");
                free(q);
                return;
        }
        if (ocf_meta_find_param(m, name)) {
                WARN(rd, line_of(n),
                     "parameter '%s' is described twice; the first description is used", name);
                return;
        }
        p = &m->params[m->n_params++];
        *p = (OcfMetaParam){
                .name = strdup(name),
                .required = read_flag(rd, n, name, "required"),
                .unique = read_flag(rd, n, name, "unique") || get(n, "unique-group"),
                .shortdesc = shortdesc_of(rd, n),
        };
        if (!p->name)
                rd->oom = true;
        for (const xmlNode *k = n->children; k; k = k->next)
                if (is_elem(k, "content")) {
                        p->type = dup_attr(rd, k, "type");
                        p->default_value = dup_attr(rd, k, "default");
                        break;
                }
        if (!p->type && !(p->type = strdup("string")))
                rd->oom = true;
}

/* Times are recommendations: one we cannot read is a warning and left 0,
 * so the operation timeout in the configuration (or our default) rules. */
static uint64_t read_time(Reader *rd, const xmlNode *n, const char *action, const char *attr) {
        const char *v = get(n, attr);
        uint64_t ms;

        if (!v)
                return 0;
        if (parse_duration_ms(v, &ms) < 0) {
                char *q = str_printable(v, 60);
                WARN(rd, line_of(n), "action '%s': %s=\"%s\" is not a duration; ignored", action,
                     attr, q ? q : "?");
                free(q);
                return 0;
        }
        return ms;
}

static void read_action(Reader *rd, const xmlNode *n, OcfMeta *m) {
        const char *name = get(n, "name"), *depth = get(n, "depth");
        OcfMetaAction *a;

        if (!name || !*name) {
                ERR(rd, line_of(n), "<action>: name is required");
                return;
        }
        a = &m->actions[m->n_actions++];
        *a = (OcfMetaAction){
                .name = strdup(name),
                .timeout_ms = read_time(rd, n, name, "timeout"),
                .interval_ms = read_time(rd, n, name, "interval"),
        };
        if (!a->name)
                rd->oom = true;
        if (depth && parse_uint64(depth, UINT32_MAX, &a->depth) < 0) {
                char *q = str_printable(depth, 60);
                WARN(rd, line_of(n), "action '%s': depth=\"%s\" is not a number; ignored", name,
                     q ? q : "?");
                free(q);
                a->depth = 0;
        }
}

static size_t count_children(const xmlNode *n, const char *name) {
        size_t c = 0;
        for (const xmlNode *k = n->children; k; k = k->next)
                c += is_elem(k, name);
        return c;
}

static void read_doc(Reader *rd, const xmlNode *root, OcfMeta *m) {
        const char *name;

        if (!root || !is_elem(root, "resource-agent")) {
                ERR(rd, root ? line_of(root) : 0, "the root element must be <resource-agent>");
                return;
        }
        name = get(root, "name");
        if (!name || !*name) {
                ERR(rd, line_of(root), "<resource-agent>: name is required");
                return;
        }
        m->name = dup_attr(rd, root, "name");
        m->version = dup_attr(rd, root, "version");
        m->shortdesc = shortdesc_of(rd, root);
        for (const xmlNode *k = root->children; k; k = k->next) {
                if (is_elem(k, "version") && !m->ocf_version) {
                        m->ocf_version = text_of(rd, k);
                } else if (is_elem(k, "parameters")) {
                        size_t c = count_children(k, "parameter");
                        if (c == 0)
                                continue;
                        OcfMetaParam *p = reallocarray(m->params, m->n_params + c, sizeof(*p));
                        if (!p) {
                                rd->oom = true;
                                return;
                        }
                        m->params = p;
                        for (const xmlNode *q = k->children; q; q = q->next)
                                if (is_elem(q, "parameter"))
                                        read_param(rd, q, m);
                } else if (is_elem(k, "actions")) {
                        size_t c = count_children(k, "action");
                        if (c == 0)
                                continue;
                        OcfMetaAction *a = reallocarray(m->actions, m->n_actions + c, sizeof(*a));
                        if (!a) {
                                rd->oom = true;
                                return;
                        }
                        m->actions = a;
                        for (const xmlNode *q = k->children; q; q = q->next)
                                if (is_elem(q, "action"))
                                        read_action(rd, q, m);
                }
        }
}

int ocf_meta_parse(const char *buf, size_t len, OcfMeta **ret, DiagList *diag) {
        Reader rd = {.diag = diag};
        size_t errors_before = diag->n_errors;
        XmlErrorGuard guard;
        xmlParserCtxt *ctxt = NULL;
        xmlDoc *doc = NULL;
        OcfMeta *m = NULL;
        int k;

        *ret = NULL;
        if (!buf || len == 0 || len > OCF_META_MAX_SIZE) {
                ERR(&rd, 0, len ? "the meta-data is larger than %u MiB" : "the meta-data is empty",
                    OCF_META_MAX_SIZE >> 20);
                return rd.oom ? -ENOMEM : -EINVAL;
        }
        xmlInitParser();
        /* The context's own handler gets what matters; the rest is dropped. */
        xml_errors_silence(&guard);
        ctxt = xmlNewParserCtxt();
        if (!ctxt) {
                k = -ENOMEM;
                goto out;
        }
        ctxt->_private = &rd;
        ctxt->sax->entityDecl = on_entity_decl;
        ctxt->sax->unparsedEntityDecl = on_unparsed_entity_decl;
        ctxt->sax->serror = on_error;
        ctxt->sax->error = NULL;
        ctxt->sax->warning = NULL;
        /* No NOENT, DTDLOAD, DTDATTR or XINCLUDE: the DOCTYPE of Pacemaker
         * agents is kept as a name only, nothing outside buf is read. */
        doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_BIG_LINES);
        if (!doc || rd.entity || !ctxt->wellFormed) {
                if (diag->n_errors == errors_before)
                        ERR(&rd, 0, "the meta-data is not well-formed XML");
                k = rd.oom ? -ENOMEM : -EINVAL;
                goto out;
        }
        m = calloc(1, sizeof(*m));
        if (!m) {
                k = -ENOMEM;
                goto out;
        }
        read_doc(&rd, xmlDocGetRootElement(doc), m);
        k = rd.oom ? -ENOMEM : diag->n_errors > errors_before ? -EINVAL : 0;
        if (k == 0)
                *ret = TAKE_PTR(m);
out:
        ocf_meta_free(m);
        xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        xml_errors_restore(&guard);
        return k;
}

OcfMeta *ocf_meta_free(OcfMeta *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_params; i++) {
                free(m->params[i].name);
                free(m->params[i].type);
                free(m->params[i].default_value);
                free(m->params[i].shortdesc);
        }
        for (size_t i = 0; i < m->n_actions; i++)
                free(m->actions[i].name);
        free(m->params);
        free(m->actions);
        free(m->name);
        free(m->version);
        free(m->ocf_version);
        free(m->shortdesc);
        free(m);
        return NULL;
}

bool ocf_meta_has_action(const OcfMeta *m, const char *action) {
        if (!m || !action)
                return false;
        for (size_t i = 0; i < m->n_actions; i++)
                if (m->actions[i].name && strcmp(m->actions[i].name, action) == 0)
                        return true;
        return false;
}

const OcfMetaParam *ocf_meta_find_param(const OcfMeta *m, const char *name) {
        if (!m || !name)
                return NULL;
        for (size_t i = 0; i < m->n_params; i++)
                if (m->params[i].name && strcmp(m->params[i].name, name) == 0)
                        return &m->params[i];
        return NULL;
}

/* "ip, cidr_netmask, nic" (or "none"); NULL on OOM. */
static char *known_names(const OcfMeta *m) {
        size_t len = 5;
        char *s, *p;

        for (size_t i = 0; i < m->n_params; i++)
                len += strlen(m->params[i].name) + 2;
        s = p = malloc(len);
        if (!s)
                return NULL;
        if (m->n_params == 0)
                return strcpy(s, "none");
        for (size_t i = 0; i < m->n_params; i++) {
                size_t l = strlen(m->params[i].name);
                if (i > 0) {
                        memcpy(p, ", ", 2);
                        p += 2;
                }
                memcpy(p, m->params[i].name, l);
                p += l;
        }
        *p = '\0';
        return s;
}

int ocf_meta_check_resource(const OcfMeta *m, const Resource *r, DiagList *diag) {
        size_t errors_before = diag->n_errors;
        bool oom = false;
        _cleanup_(freep) char *agent = NULL;

        if (asprintf(&agent, "%s:%s:%s", r->agent_class ? r->agent_class : "ocf",
                     r->agent_provider ? r->agent_provider : "?",
                     r->agent_type ? r->agent_type : "?") < 0) {
                agent = NULL;
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->n_params; i++) {
                const OcfMetaParam *p = &m->params[i];
                const char *v;
                char desc[160] = "";

                if (!p->required)
                        continue;
                v = resource_get_param(r, p->name);
                if (v && *v)
                        continue;
                if (p->shortdesc && *p->shortdesc) {
                        char *q = str_printable(p->shortdesc, 120);
                        snprintf(desc, sizeof(desc), " (%s)", q ? q : "?");
                        free(q);
                }
                if (diag_error(diag, r->line, "resource '%s': agent %s requires parameter '%s'%s%s",
                               r->id, agent, p->name, desc, v ? "; it is empty" : "") < 0)
                        oom = true;
        }
        for (size_t i = 0; i < r->n_params; i++) {
                if (ocf_meta_find_param(m, r->params[i].name))
                        continue;
                _cleanup_(freep) char *known = known_names(m);
                if (!known)
                        return -ENOMEM;
                if (diag_warning(diag, r->line,
                                 "resource '%s': agent %s has no parameter '%s' (it knows: %s)",
                                 r->id, agent, r->params[i].name, known) < 0)
                        oom = true;
        }
        if (oom)
                return -ENOMEM;
        return diag->n_errors > errors_before ? -EINVAL : 0;
}
