/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.xml, step 1: bytes -> libxml2 tree -> RelaxNG schema, and the
 * config_parse() entry point that runs every step (config_internal.h).
 *
 * libxml2 must neither print nor reach out: every error it raises comes
 * back through a handler into the DiagList, the parser never touches the
 * network (XML_PARSE_NONET), never expands entities (no XML_PARSE_NOENT) and
 * a document type declaration stops the parse at once, so no entity can be
 * declared at all (billion laughs, external entities).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#include "bladed/util.h"
#include "config_internal.h"

extern const char bladed_schema_rng[];
extern const size_t bladed_schema_rng_len;

void config_report(Report *r, DiagLevel level, int line, const char *fmt, ...) {
        va_list ap;
        char *msg;

        if (level == DIAG_ERROR)
                r->n_errors++;
        else
                r->n_warnings++;
        if (r->diag->n >= CONFIG_MAX_DIAGS) {
                r->n_dropped++;
                return;
        }
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0) {
                r->oom = true;
                return;
        }
        if (diag_add(r->diag, level, line, "%s", msg) < 0)
                r->oom = true;
        free(msg);
}

void config_quote_into(char *out, const char *s) {
        size_t n = strnlen(s, CONFIG_QUOTE_MAX + 1);
        bool cut = n > CONFIG_QUOTE_MAX;

        if (cut) {
                n = CONFIG_QUOTE_MAX;
                /* never end inside a UTF-8 sequence */
                while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                        n--;
        }
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
        if (cut) {
                memcpy(out + n, "...", 3);
                n += 3;
        }
        out[n] = 0;
}

const char *config_quote(Report *r, const char *s) {
        char *out = r->quote[r->quote_next++ % ELEMENTSOF(r->quote)];

        config_quote_into(out, s);
        return out;
}

int config_node_line(const xmlNode *n) {
        if (!n)
                return 0;
        if (n->type == XML_ATTRIBUTE_NODE)
                n = n->parent;
        if (n && n->type == XML_ELEMENT_NODE && n->_private)
                return (int)(intptr_t)n->_private;
        long l = n ? xmlGetLineNo(n) : 0;
        return l > 0 && l < INT32_MAX ? (int)l : 0;
}

const char *config_attr(const xmlNode *n, const char *name) {
        for (const xmlAttr *a = n->properties; a; a = a->next) {
                if (a->ns || strcmp((const char *)a->name, name) != 0)
                        continue;
                if (!a->children)
                        return "";
                /* Without a DTD there are no entity references, so the
                 * value is one text node (predefined entities and character
                 * references are already replaced). */
                if (a->children->type == XML_TEXT_NODE && !a->children->next &&
                    a->children->content)
                        return (const char *)a->children->content;
                return "";
        }
        return NULL;
}

/* ---- parsing ---- */

typedef struct ReadState {
        Report *r;
        bool doctype;
} ReadState;

static void on_xml_error(void *data, xmlError *e) {
        xmlParserCtxt *ctxt = data;
        ReadState *s = ctxt ? ctxt->_private : NULL;
        char *msg, *end;

        if (!s || !e || !e->message)
                return;
        /* A stopped parser reports "Extra content" and the like: noise
         * after our own DOCTYPE message. */
        if (s->doctype)
                return;
        msg = e->message;
        end = msg + strlen(msg);
        while (end > msg && (end[-1] == '\n' || end[-1] == ' '))
                end--;
        /* libxml2's hint ("use XML_PARSE_HUGE option") is for programmers */
        if (strncmp(msg, "Excessive depth in document", 27) == 0) {
                msg = "elements nested too deeply (more than 256 levels)";
                end = msg + strlen(msg);
        }
        if (e->level == XML_ERR_WARNING)
                config_report(s->r, DIAG_WARNING, e->line > 0 ? e->line : 0, "XML: %.*s",
                              (int)(end - msg), msg);
        else
                config_report(s->r, DIAG_ERROR, e->line > 0 ? e->line : 0,
                              "not well-formed XML: %.*s", (int)(end - msg), msg);
}

static void on_internal_subset(void *data, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id) {
        xmlParserCtxt *ctxt = data;
        ReadState *s = ctxt->_private;

        config_report(s->r, DIAG_ERROR, ctxt->input ? ctxt->input->line : 0,
                      "document type declarations (<!DOCTYPE>) are not allowed: "
                      "resources.xml has no DTD and declares no entities");
        s->doctype = true;
        xmlStopParser(ctxt);
}

/* libxml2 records the line where a start tag ENDS; admins look for the
 * line where it begins.  When the element is created, the parser stands
 * at the '>' of its start tag, and attribute values cannot hold a raw '<',
 * so the tag's start is the last '<' before it.  The line is kept in
 * _private, which also holds lines beyond the 65535 of node->line. */
static void on_start_element(void *data, const xmlChar *localname, const xmlChar *prefix,
                             const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                             int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
        xmlParserCtxt *ctxt = data;

        xmlSAX2StartElementNs(data, localname, prefix, uri, nb_namespaces, namespaces,
                              nb_attributes, nb_defaulted, attributes);
        if (!ctxt->node || ctxt->node->name != localname || !ctxt->input || !ctxt->input->cur ||
            !ctxt->input->base)
                return;
        int line = ctxt->input->line;
        const xmlChar *p = ctxt->input->cur;
        while (p > ctxt->input->base && *p != '<') {
                if (*p == '\n')
                        line--;
                p--;
        }
        if (*p == '<' && line > 0)
                ctxt->node->_private = (void *)(intptr_t)line;
}

xmlDoc *config_read_xml(const char *buf, size_t len, Report *r) {
        ReadState s = {.r = r};
        xmlParserCtxt *ctxt;
        xmlDoc *doc;

        if (len == 0) {
                report_error(r, 0, "the document is empty");
                return NULL;
        }
        if (len > CONFIG_MAX_SIZE) {
                report_error(r, 0, "the document is larger than %u MiB", CONFIG_MAX_SIZE >> 20);
                return NULL;
        }
        ctxt = xmlNewParserCtxt();
        if (!ctxt) {
                r->oom = true;
                return NULL;
        }
        ctxt->_private = &s;
        ctxt->sax->internalSubset = on_internal_subset;
        ctxt->sax->startElementNs = on_start_element;
        ctxt->sax->serror = on_xml_error;
        ctxt->sax->error = NULL;
        ctxt->sax->warning = NULL;
        ctxt->vctxt.error = NULL;
        ctxt->vctxt.warning = NULL;
        size_t errors_before = r->n_errors;
        doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_BIG_LINES);
        /* Namespace errors leave wellFormed set but are errors all the same. */
        if (doc && (s.doctype || !ctxt->wellFormed || !ctxt->nsWellFormed ||
                    r->n_errors > errors_before || doc->intSubset || doc->extSubset)) {
                xmlFreeDoc(doc);
                doc = NULL;
        }
        if (!doc && r->n_errors == 0)
                report_error(r, 0, "the document is not well-formed XML");
        xmlFreeParserCtxt(ctxt);
        return doc;
}

/* ---- schema ---- */

typedef struct SchemaDiag {
        DiagLevel level;
        int line, end; /* the lines of the element the message is about */
        char *msg;
} SchemaDiag;

typedef struct SchemaState {
        Report *r;
        SchemaDiag *items;
        size_t n;
        bool failed;
} SchemaState;

/* Last line of n's subtree (its last descendant's start, near enough). */
static int subtree_end(const xmlNode *n) {
        int end = config_node_line(n);

        while (n && n->type == XML_ELEMENT_NODE && n->last) {
                n = n->last;
                int l = config_node_line(n);
                if (l > end)
                        end = l;
        }
        return end;
}

static void on_schema_error(void *data, xmlError *e) {
        SchemaState *s = data;
        const xmlNode *node = e ? e->node : NULL;
        const char *msg;
        size_t len;
        SchemaDiag *items;

        if (!e || !e->message)
                return;
        if (e->level != XML_ERR_WARNING)
                s->failed = true;
        if (s->n >= CONFIG_MAX_DIAGS)
                return;
        msg = e->message;
        len = strlen(msg);
        while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
                len--;
        items = reallocarray(s->items, s->n + 1, sizeof(*items));
        if (!items) {
                s->r->oom = true;
                return;
        }
        s->items = items;
        items[s->n] = (SchemaDiag){
                .level = e->level == XML_ERR_WARNING ? DIAG_WARNING : DIAG_ERROR,
                .line = node ? config_node_line(node) : (e->line > 0 ? e->line : 0),
                .end = node ? subtree_end(node) : 0,
                .msg = strndup(msg, len),
        };
        if (!items[s->n].msg) {
                s->r->oom = true;
                return;
        }
        if (items[s->n].end < items[s->n].line)
                items[s->n].end = items[s->n].line;
        s->n++;
}

static void schema_state_clear(SchemaState *s) {
        for (size_t i = 0; i < s->n; i++)
                free(s->items[i].msg);
        free(s->items);
        s->items = NULL;
        s->n = 0;
}

/* Validates doc against the compiled-in xml/resources.rng into s. */
static void validate_schema(xmlDoc *doc, Report *r, SchemaState *s) {
        xmlRelaxNGParserCtxt *pc;
        xmlRelaxNG *schema;
        xmlRelaxNGValidCtxt *vc;

        pc = xmlRelaxNGNewMemParserCtxt(bladed_schema_rng, (int)bladed_schema_rng_len);
        if (!pc) {
                r->oom = true;
                return;
        }
        xmlRelaxNGSetParserStructuredErrors(pc, on_schema_error, s);
        schema = xmlRelaxNGParse(pc);
        xmlRelaxNGFreeParserCtxt(pc);
        if (!schema) {
                /* A build defect, not the admin's: say so plainly. */
                report_error(r, 0, "internal error: the built-in schema does not compile");
                schema_state_clear(s);
                return;
        }
        vc = xmlRelaxNGNewValidCtxt(schema);
        if (!vc) {
                r->oom = true;
                xmlRelaxNGFree(schema);
                return;
        }
        xmlRelaxNGSetValidStructuredErrors(vc, on_schema_error, s);
        if (xmlRelaxNGValidateDoc(vc, doc) != 0 && !s->failed) {
                SchemaDiag *items = reallocarray(s->items, s->n + 1, sizeof(*items));
                if (items) {
                        s->items = items;
                        items[s->n] = (SchemaDiag){
                                DIAG_ERROR, 0, 0, strdup("the document does not match the schema")};
                        if (items[s->n].msg)
                                s->n++;
                }
                s->failed = true;
        }
        xmlRelaxNGFreeValidCtxt(vc);
        xmlRelaxNGFree(schema);
}

/* libxml2's RelaxNG validator stops at the first mismatch of a content
 * model and often says only "failed to validate attributes" or "failed to
 * validate content"; our own walk names the attribute and goes on.  So a
 * schema message is kept only when the walk found no error within the
 * element it is about (line 0: nowhere).  When the walk found nothing at
 * all, every schema message is kept, so the schema alone still rejects
 * what the walk missed. */
static void merge_schema_diags(Report *r, const SchemaState *s) {
        const DiagList *d = r->diag;
        size_t n_own = d->n;

        for (size_t i = 0; i < s->n; i++) {
                const SchemaDiag *e = &s->items[i];
                bool covered = e->line == 0 && r->n_errors > 0;

                for (size_t j = 0; j < n_own && !covered; j++)
                        covered = d->items[j].level == DIAG_ERROR && d->items[j].line >= e->line &&
                                  d->items[j].line <= e->end;
                if (!covered)
                        config_report(r, e->level, e->line, "schema: %s", e->msg);
        }
}

/* Moves every entry of from to the end of to. */
static int diag_move(DiagList *to, DiagList *from) {
        if (from->n == 0)
                return 0;
        Diag *items = reallocarray(to->items, to->n + from->n, sizeof(*items));
        if (!items)
                return -ENOMEM;
        memcpy(items + to->n, from->items, from->n * sizeof(*items));
        to->items = items;
        to->n += from->n;
        to->n_errors += from->n_errors;
        free(from->items);
        *from = (DiagList){0};
        return 0;
}

int config_parse(const char *buf, size_t len, Config **ret, DiagList *diag) {
        DiagList own = {0};
        Report r = {.diag = &own};
        SchemaState schema = {.r = &r};
        IdTable ids = {0};
        Config *c = NULL;
        XmlErrorGuard g;
        xmlDoc *doc;
        const xmlNode *root;
        int k = 0;

        *ret = NULL;
        xmlInitParser();
        xml_errors_silence(&g);
        doc = config_read_xml(buf, len, &r);
        if (!doc)
                goto finish;
        root = xmlDocGetRootElement(doc);
        if (root && root->ns && strcmp((const char *)root->name, "bladed-config") == 0) {
                report_error(&r, config_node_line(root),
                             "<bladed-config> must not be in a namespace (remove its xmlns)");
                goto finish;
        }
        if (!root || root->ns || strcmp((const char *)root->name, "bladed-config") != 0) {
                report_error(&r, config_node_line(root),
                             "the root element must be <bladed-config>, not <%s>",
                             root ? config_quote(&r, (const char *)root->name) : "");
                goto finish;
        }
        validate_schema(doc, &r, &schema);
        k = config_load(root, &ids, &c, &r);
        if (k >= 0 && !r.oom)
                k = config_check(c, &ids, &r);
        if (k >= 0)
                merge_schema_diags(&r, &schema);
finish:
        xml_errors_restore(&g);
        config_ids_free(&ids);
        xmlFreeDoc(doc);
        schema_state_clear(&schema);
        if (r.n_dropped > 0)
                diag_add(&own, r.n_errors > 0 ? DIAG_ERROR : DIAG_WARNING, 0,
                         "%zu more problems not shown", r.n_dropped);
        diag_sort(&own);
        if (diag_move(diag, &own) < 0)
                r.oom = true;
        diag_clear(&own);
        if (k < 0 || r.oom) {
                config_free(c);
                return -ENOMEM;
        }
        if (r.n_errors > 0 || !c) {
                config_free(c);
                return -EINVAL;
        }
        *ret = c;
        return 0;
}
