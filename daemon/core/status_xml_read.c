/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading a status document (status_xml.h) back into a Snapshot, for
 * `bladectl simulate --state FILE` and the golden corpus.  Every problem is
 * reported with its line; the first pass reads the blades (the snapshot
 * needs them all), the second the resources.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "bladed/status_xml.h"
#include "bladed/util.h"
#include "bladed/xmlquiet.h"

typedef struct Reader {
        DiagList *diag;
        bool oom;
        bool doctype;
} Reader;

typedef struct NodeIn {
        const char *name;
        uint32_t id;
        BladeState state;
        bool probed;
        int line;
        size_t idx; /* in the snapshot, once sorted */
} NodeIn;

typedef struct NameIdx {
        const char *name;
        size_t idx;
} NameIdx;

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

        if (!rd || !e || !e->message || rd->doctype)
                return;
        n = strlen(e->message);
        while (n > 0 && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
                n--;
        if (e->level == XML_ERR_WARNING)
                WARN(rd, e->line > 0 ? e->line : 0, "XML: %.*s", (int)n, e->message);
        else
                ERR(rd, e->line > 0 ? e->line : 0, "not well-formed XML: %.*s", (int)n, e->message);
}

/* No DTD: it could declare entities, and status documents have none. */
static void on_internal_subset(void *data, const xmlChar *name, const xmlChar *eid,
                               const xmlChar *sid) {
        xmlParserCtxt *ctxt = data;
        Reader *rd = ctxt->_private;

        ERR(rd, ctxt->input ? ctxt->input->line : 0, "document type declarations are not allowed");
        rd->doctype = true;
        xmlStopParser(ctxt);
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

/* Attributes not in allowed[] get a warning: a typo must not pass silently. */
static void check_attrs(Reader *rd, const xmlNode *n, const char *const *allowed) {
        for (const xmlAttr *a = n->properties; a; a = a->next) {
                bool ok = false;
                for (size_t i = 0; allowed[i] && !ok; i++)
                        ok = strcmp((const char *)a->name, allowed[i]) == 0;
                if (!ok) {
                        char *q = str_printable((const char *)a->name, 60);
                        WARN(rd, line_of(n), "<%s>: unknown attribute %s ignored",
                             (const char *)n->name, q ? q : "?");
                        free(q);
                }
        }
}

static bool is_elem(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && !n->ns && strcmp((const char *)n->name, name) == 0;
}

static bool read_bool(Reader *rd, const xmlNode *n, const char *attr, bool dflt) {
        const char *v = get(n, attr);
        bool b;
        if (!v)
                return dflt;
        if (parse_bool(v, &b) < 0) {
                char *q = str_printable(v, 60);
                ERR(rd, line_of(n), "<%s>: %s=\"%s\" is not true or false", (const char *)n->name,
                    attr, q ? q : "?");
                free(q);
                return dflt;
        }
        return b;
}

static uint64_t read_u64(Reader *rd, const xmlNode *n, const char *attr, uint64_t max,
                         uint64_t dflt) {
        const char *v = get(n, attr);
        uint64_t x;
        if (!v)
                return dflt;
        if (parse_uint64(v, max, &x) < 0) {
                char *q = str_printable(v, 60);
                ERR(rd, line_of(n), "<%s>: %s=\"%s\" is not a number from 0 to %" PRIu64,
                    (const char *)n->name, attr, q ? q : "?", max);
                free(q);
                return dflt;
        }
        return x;
}

static int cmp_node_in(const void *a, const void *b) {
        const NodeIn *x = a, *y = b;
        if (x->id != y->id)
                return x->id < y->id ? -1 : 1;
        return strcmp(x->name, y->name);
}

static int cmp_name_idx(const void *a, const void *b) {
        return strcmp(((const NameIdx *)a)->name, ((const NameIdx *)b)->name);
}

static size_t lookup(const NameIdx *tab, size_t n, const char *name) {
        NameIdx key = {.name = name};
        const NameIdx *hit = bsearch(&key, tab, n, sizeof(*tab), cmp_name_idx);
        return hit ? hit->idx : IDX_NONE;
}

static const char *const node_attrs[] = {"name", "id", "state", "probed", NULL};
static const char *const rsc_attrs[] = {"id", "agent", "role", "node", "failcount", "reason", NULL};
static const char *const on_attrs[] = {"node",   "role", "failcount", "last-failure",
                                       "banned", "rc",   "reason",    NULL};
static const char *const root_attrs[] = {"epoch", "quorate", "coordinator", "local",
                                         "now",   "fencing", "synced",      NULL};

static void read_on(Reader *rd, const xmlNode *n, Snapshot *s, size_t r, const NameIdx *blades,
                    bool *seen) {
        const char *node = get(n, "node"), *role = get(n, "role"), *reason = get(n, "reason");
        size_t b;
        int ro;

        check_attrs(rd, n, on_attrs);
        if (!node || !role) {
                ERR(rd, line_of(n), "<on>: node and role are required");
                return;
        }
        b = lookup(blades, s->n_blades, node);
        if (b == IDX_NONE) {
                char *q = str_printable(node, 60);
                ERR(rd, line_of(n), "<on>: unknown node \"%s\" (not a <node> of this document)",
                    q ? q : "?");
                free(q);
                return;
        }
        if (seen[b]) {
                ERR(rd, line_of(n), "<on>: node %s is given twice for resource %s",
                    s->blades[b].name, s->config->resources[r].id);
                return;
        }
        seen[b] = true;
        ro = rsc_role_from_string(role);
        if (ro < 0) {
                char *q = str_printable(role, 60);
                ERR(rd, line_of(n),
                    "<on>: role \"%s\" is not unknown, stopped, started, failed, stop-failed or "
                    "migrating",
                    q ? q : "?");
                free(q);
                return;
        }
        RscBlade *rb = snapshot_rb(s, r, b);
        rb->role = (RscRole)ro;
        rb->failcount = (uint32_t)read_u64(rd, n, "failcount", UINT32_MAX, 0);
        rb->last_failure_ms = read_u64(rd, n, "last-failure", UINT64_MAX, 0);
        rb->banned = read_bool(rd, n, "banned", false);
        rb->last_rc = get(n, "rc") ? (int)read_u64(rd, n, "rc", 255, 0) : -1;
        if (reason) {
                rb->exit_reason = strdup(reason);
                if (!rb->exit_reason)
                        rd->oom = true;
        }
}

static void read_resources(Reader *rd, const xmlNode *root, Snapshot *s, const NameIdx *rscs,
                           const NameIdx *blades) {
        const Config *c = s->config;
        bool *done = calloc(c->n_resources + 1, sizeof(bool));
        bool *seen = calloc(s->n_blades + 1, sizeof(bool));

        if (!done || !seen) {
                rd->oom = true;
                goto out;
        }
        for (const xmlNode *n = root->children; n && !rd->oom; n = n->next) {
                if (!is_elem(n, "resource"))
                        continue;
                const char *id = get(n, "id");
                check_attrs(rd, n, rsc_attrs);
                if (!id) {
                        ERR(rd, line_of(n), "<resource>: id is required");
                        continue;
                }
                size_t r = lookup(rscs, c->n_resources, id);
                if (r == IDX_NONE) {
                        char *q = str_printable(id, 60);
                        ERR(rd, line_of(n),
                            "<resource>: \"%s\" is not a resource of the configuration",
                            q ? q : "?");
                        free(q);
                        continue;
                }
                if (done[r]) {
                        ERR(rd, line_of(n), "<resource>: %s is given twice", c->resources[r].id);
                        continue;
                }
                done[r] = true;
                memset(seen, 0, s->n_blades * sizeof(bool));
                for (const xmlNode *k = n->children; k; k = k->next) {
                        if (is_elem(k, "on"))
                                read_on(rd, k, s, r, blades, seen);
                        else if (k->type == XML_ELEMENT_NODE)
                                WARN(rd, line_of(k), "<resource>: unknown element <%s> ignored",
                                     (const char *)k->name);
                }
        }
out:
        free(done);
        free(seen);
}

/* The node file's and the schema's rule for blade names. */
static bool valid_name(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > 64 ||
            !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
              (s[0] >= '0' && s[0] <= '9')))
                return false;
        for (size_t i = 0; i < n; i++) {
                char ch = s[i];
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
                        return false;
        }
        return true;
}

/* Pass one: the blades, sorted by nodeid, into a fresh snapshot. */
static int read_nodes(Reader *rd, const xmlNode *root, const Config *config, Snapshot *s) {
        NodeIn *in = NULL;
        const char **names = NULL;
        uint32_t *ids = NULL;
        size_t n = 0, cap = 0;
        int k = 0;

        for (const xmlNode *x = root->children; x; x = x->next) {
                if (!is_elem(x, "node")) {
                        /* <preference>/<ban>: from the configuration, not state */
                        if (x->type == XML_ELEMENT_NODE && !is_elem(x, "resource") &&
                            !is_elem(x, "preference") && !is_elem(x, "ban") &&
                            !is_elem(x, "note") && !is_elem(x, "alert"))
                                WARN(rd, line_of(x), "<status>: unknown element <%s> ignored",
                                     (const char *)x->name);
                        continue;
                }
                const char *name = get(x, "name"), *state = get(x, "state");
                check_attrs(rd, x, node_attrs);
                if (!name || !*name || !get(x, "id") || !state) {
                        ERR(rd, line_of(x), "<node>: name, id and state are required");
                        continue;
                }
                if (!valid_name(name)) {
                        char *q = str_printable(name, 60);
                        ERR(rd, line_of(x),
                            "<node>: \"%s\" is not a blade name (letters, digits, '.', '_', '-', "
                            "at most 64)",
                            q ? q : "?");
                        free(q);
                        continue;
                }
                int st = blade_state_from_string(state);
                if (st < 0) {
                        char *q = str_printable(state, 60);
                        ERR(rd, line_of(x),
                            "<node>: state \"%s\" is not online, standby, offline, lost or fenced",
                            q ? q : "?");
                        free(q);
                        continue;
                }
                if (n == cap) {
                        cap = cap ? 2 * cap : 16;
                        NodeIn *ni = realloc(in, cap * sizeof(*ni));
                        if (!ni) {
                                k = -ENOMEM;
                                goto out;
                        }
                        in = ni;
                }
                in[n++] = (NodeIn){.name = name,
                                   .state = (BladeState)st,
                                   .line = line_of(x),
                                   .id = (uint32_t)read_u64(rd, x, "id", UINT32_MAX, 0),
                                   .probed = read_bool(rd, x, "probed", true)};
        }
        if (in)
                qsort(in, n, sizeof(*in), cmp_node_in);
        for (size_t i = 1; i < n; i++) {
                if (in[i].id == in[i - 1].id)
                        ERR(rd, in[i].line, "<node>: id %" PRIu32 " is used twice (%s and %s)",
                            in[i].id, in[i - 1].name, in[i].name);
                for (size_t j = 0; j < i; j++)
                        if (strcmp(in[i].name, in[j].name) == 0)
                                ERR(rd, in[i].line, "<node>: name %s is used twice", in[i].name);
        }
        names = calloc(n + 1, sizeof(*names));
        ids = calloc(n + 1, sizeof(*ids));
        if (!names || !ids) {
                k = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                names[i] = in[i].name;
                ids[i] = in[i].id;
        }
        k = snapshot_init(s, config, names, ids, n);
        if (k < 0)
                goto out;
        for (size_t i = 0; i < n; i++) {
                s->blades[i].state = in[i].state;
                s->blades[i].probed = in[i].probed;
                for (size_t r = 0; r < config->n_resources; r++)
                        snapshot_rb(s, r, i)->role = in[i].probed ? RSC_STOPPED : RSC_UNKNOWN;
        }
out:
        free(in);
        free(names);
        free(ids);
        return k;
}

static size_t root_blade(Reader *rd, const xmlNode *root, const char *attr, const NameIdx *blades,
                         size_t n) {
        const char *v = get(root, attr);
        if (!v || !*v)
                return IDX_NONE;
        size_t b = lookup(blades, n, v);
        if (b == IDX_NONE) {
                char *q = str_printable(v, 60);
                ERR(rd, line_of(root), "<status>: %s=\"%s\" is not a <node> of this document", attr,
                    q ? q : "?");
                free(q);
        }
        return b;
}

static int read_doc(Reader *rd, const xmlNode *root, const Config *config, Snapshot *s) {
        NameIdx *rscs = NULL, *blades = NULL;
        int k;

        if (!root || !is_elem(root, "status")) {
                ERR(rd, root ? line_of(root) : 0, "the root element must be <status>");
                return -EINVAL;
        }
        check_attrs(rd, root, root_attrs);
        k = read_nodes(rd, root, config, s);
        if (k < 0)
                return k;
        s->quorate = read_bool(rd, root, "quorate", true);
        s->now_ms = read_u64(rd, root, "now", UINT64_MAX, 0);
        (void)read_u64(rd, root, "epoch", UINT64_MAX, 0);

        rscs = calloc(config->n_resources + 1, sizeof(*rscs));
        blades = calloc(s->n_blades + 1, sizeof(*blades));
        if (!rscs || !blades) {
                k = -ENOMEM;
                goto out;
        }
        for (size_t r = 0; r < config->n_resources; r++)
                rscs[r] = (NameIdx){.name = config->resources[r].id, .idx = r};
        for (size_t b = 0; b < s->n_blades; b++)
                blades[b] = (NameIdx){.name = s->blades[b].name, .idx = b};
        qsort(rscs, config->n_resources, sizeof(*rscs), cmp_name_idx);
        qsort(blades, s->n_blades, sizeof(*blades), cmp_name_idx);
        s->coordinator = root_blade(rd, root, "coordinator", blades, s->n_blades);
        s->local = root_blade(rd, root, "local", blades, s->n_blades);
        read_resources(rd, root, s, rscs, blades);
        k = rd->oom ? -ENOMEM : 0;
out:
        free(rscs);
        free(blades);
        return k;
}

int status_xml_read(const char *buf, size_t len, const Config *config, Snapshot *s,
                    DiagList *diag) {
        Reader rd = {.diag = diag};
        size_t errors_before = diag->n_errors;
        XmlErrorGuard guard;
        xmlParserCtxt *ctxt = NULL;
        xmlDoc *doc = NULL;
        int k;

        *s = (Snapshot){.local = IDX_NONE, .coordinator = IDX_NONE};
        if (len == 0 || len > STATUS_XML_MAX_SIZE) {
                ERR(&rd, 0, len ? "the document is larger than %u MiB" : "the document is empty",
                    STATUS_XML_MAX_SIZE >> 20);
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
        ctxt->sax->internalSubset = on_internal_subset;
        ctxt->sax->serror = on_error;
        ctxt->sax->error = NULL;
        ctxt->sax->warning = NULL;
        doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_BIG_LINES);
        if (!doc || rd.doctype || !ctxt->wellFormed) {
                if (diag->n_errors == errors_before)
                        ERR(&rd, 0, "the document is not well-formed XML");
                k = rd.oom ? -ENOMEM : -EINVAL;
                goto out;
        }
        k = read_doc(&rd, xmlDocGetRootElement(doc), config, s);
        if (k >= 0 && rd.oom)
                k = -ENOMEM;
        if (k >= 0 && diag->n_errors > errors_before)
                k = -EINVAL;
out:
        if (k < 0)
                snapshot_done(s);
        xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        xml_errors_restore(&guard);
        return k;
}
