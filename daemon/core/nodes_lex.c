/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lexical layer of the node file, following o2cb's o2cb_ctl/jconfig.c
 * (ref/ocf-fence-ocfs2.md d.2):
 *   header     ^[A-Za-z0-9_]+:[ \t]*$          (column 1)
 *   attribute  ^[ \t]+[A-Za-z0-9_]+[ \t]*=[ \t]*(.*)$   value verbatim
 *   "\" at the end of a value line continues it (a newline is stored)
 *   "#" in column 1: comment, does not end the stanza
 *   empty or blank-only line: ends the stanza
 * Unlike o2cb we keep going after an error so that every problem of the
 * file is reported at once; any error still rejects the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/util.h"
#include "nodes-internal.h"

static const char *const cluster_keys[] = {"name", "node_count", "heartbeat_mode", NULL};
static const char *const node_keys[] = {"name", "number", "ip_address", "ip_port", "cluster", NULL};
static const char *const heartbeat_keys[] = {"region", "cluster", NULL};
static const char *const no_keys[] = {NULL};

const char *const *nodes_stanza_keys(NodesStanzaType type) {
        switch (type) {
        case NODES_STANZA_CLUSTER:
                return cluster_keys;
        case NODES_STANZA_NODE:
                return node_keys;
        case NODES_STANZA_HEARTBEAT:
                return heartbeat_keys;
        default:
                return no_keys;
        }
}

void nodes_report(NodesCtx *c, DiagLevel level, int line, const char *fmt, ...) {
        va_list ap;
        char *msg;

        if (level == DIAG_ERROR)
                c->failed = true;
        if (!c->diag)
                return;
        if (c->n_reported >= NODES_MAX_REPORTS) {
                c->n_dropped++;
                return;
        }
        va_start(ap, fmt);
        int r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0 || diag_add(c->diag, level, line, "%s", msg) < 0)
                c->oom = true;
        if (r >= 0)
                free(msg);
        c->n_reported++;
}

void nodes_report_finish(NodesCtx *c) {
        if (c->diag && c->n_dropped > 0 &&
            diag_add(c->diag, c->failed ? DIAG_ERROR : DIAG_WARNING, 0,
                     "%zu more problems not listed (only the first %d are)", c->n_dropped,
                     NODES_MAX_REPORTS) < 0)
                c->oom = true;
}

static char quote_fallback[] = "\"?\"";

char *nodes_quote(const char *s) {
        _cleanup_(freep) char *p = str_printable(s ? s : "", 40);
        char *q;

        if (!p || asprintf(&q, "\"%s\"", p) < 0)
                return quote_fallback;
        return q;
}

void nodes_quote_free(char *q) {
        if (q != quote_fallback)
                free(q);
}

const char *nodes_blank_hint(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                return " (trailing blank: o2cb rejects the whole file for it)";
        return "";
}

typedef struct Lexer {
        const char *buf;
        size_t len;
        size_t pos;
        int line;       /* of the line take_line returned last */
        bool newline;   /* ... and whether a '\n' ended it */
        int crlf_first; /* first line ending in CR LF, 0 if none */
        size_t crlf_count;
        NodesCtx *c;
} Lexer;

typedef enum LexState {
        STATE_NONE,   /* between stanzas: an attribute here is an error */
        STATE_STORE,  /* in a known stanza */
        STATE_IGNORE, /* in an unknown or malformed stanza: check, drop */
} LexState;

static bool is_blank(char ch) {
        return ch == ' ' || ch == '\t';
}

static bool is_ident(char ch) {
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
               ch == '_';
}

/* The next physical line without its '\n' (nor the CR of a CR LF ending).
 * *bad when it holds a byte that has no business in a text file (then
 * reported). */
static bool take_line(Lexer *L, const char **ret, size_t *ret_len, bool *bad) {
        const char *s = L->buf + L->pos;
        const char *nl;
        size_t n;

        if (L->pos >= L->len)
                return false;
        nl = memchr(s, '\n', L->len - L->pos);
        n = nl ? (size_t)(nl - s) : L->len - L->pos;
        L->pos += n + (nl ? 1 : 0);
        L->newline = nl != NULL;
        L->line++;
        *bad = false;

        if (n > 0 && s[n - 1] == '\r') {
                /* o2cb's scanner would see the CR as a stray character:
                 * reject, once for the file, but lex on so the rest shows. */
                if (L->crlf_count++ == 0)
                        L->crlf_first = L->line;
                L->c->failed = true;
                n--;
        }
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)s[i];
                if (ch == '\t' || (ch >= 0x20 && ch != 0x7f))
                        continue;
                if (ch == 0)
                        nodes_error(L->c, L->line,
                                    "NUL byte at column %zu (binary data, not a text file?)",
                                    i + 1);
                else if (ch == '\r')
                        nodes_error(L->c, L->line, "carriage return at column %zu", i + 1);
                else
                        nodes_error(L->c, L->line, "control character 0x%02x at column %zu", ch,
                                    i + 1);
                *bad = true;
                break;
        }
        *ret = s;
        *ret_len = n;
        return true;
}

/* Reads the value that starts at s (n bytes) on the current line, following
 * "\" continuations exactly as jconfig does: a backslash that ends a line
 * stands for a newline; elsewhere it is an ordinary character; one at the
 * very end of the input is dropped.  NULL with *bad on a bad continuation
 * line; NULL without it on OOM. */
static char *lex_value(Lexer *L, const char *s, size_t n, bool *bad) {
        char *v = NULL;
        size_t vlen = 0;

        *bad = false;
        for (;;) {
                bool cont = n > 0 && s[n - 1] == '\\';
                size_t take = cont ? n - 1 : n;
                char *nv = realloc(v, vlen + take + 2);
                if (!nv) {
                        free(v);
                        return NULL;
                }
                v = nv;
                memcpy(v + vlen, s, take);
                vlen += take;
                if (!cont || !L->newline)
                        break;
                v[vlen++] = '\n';
                if (!take_line(L, &s, &n, bad))
                        break;
                if (*bad) {
                        free(v);
                        return NULL;
                }
        }
        v[vlen] = 0;
        return v;
}

static void lex_attribute(Lexer *L, NodesLex *lex, LexState state, const char *s, size_t n,
                          size_t i) {
        NodesCtx *c = L->c;
        int line = L->line;
        size_t k = i;
        bool bad;

        while (k < n && is_ident(s[k]))
                k++;
        if (k == i) {
                if (s[i] == '#')
                        nodes_error(c, line, "'#' starts a comment only in column 1");
                else
                        nodes_error(c, line,
                                    "invalid character '%c' at column %zu: expected an "
                                    "attribute name ([A-Za-z0-9_])",
                                    s[i], i + 1);
                return;
        }
        _cleanup_(freep) char *key = strndup(s + i, k - i);
        if (!key) {
                c->oom = true;
                return;
        }
        while (k < n && is_blank(s[k]))
                k++;
        if (k >= n || s[k] != '=') {
                char *q = nodes_quote(key);
                if (k >= n)
                        nodes_error(c, line, "attribute %s has no '=' (expected: %s = VALUE)", q,
                                    q);
                else
                        nodes_error(c, line,
                                    "unexpected '%c' at column %zu after attribute name %s "
                                    "(expected '=')",
                                    s[k], k + 1, q);
                nodes_quote_free(q);
                return;
        }
        k++;
        while (k < n && is_blank(s[k]))
                k++;
        _cleanup_(freep) char *value = lex_value(L, s + k, n - k, &bad);
        if (!value) {
                if (!bad)
                        c->oom = true;
                return;
        }

        if (state == STATE_NONE) {
                char *q = nodes_quote(key);
                nodes_error(c, line,
                            "attribute %s outside a stanza (a blank line ends a stanza; "
                            "o2cb: \"Attributes require a matching stanza\")",
                            q);
                nodes_quote_free(q);
                return;
        }
        if (state == STATE_IGNORE)
                return;

        NodesStanza *st = &lex->stanzas[lex->n - 1];
        const char *const *keys = nodes_stanza_keys(st->type);
        size_t slot = 0;
        while (keys[slot] && strcmp(keys[slot], key) != 0)
                slot++;
        if (!keys[slot]) {
                char *q = nodes_quote(key);
                nodes_warning(c, line, "unknown key %s in %s: stanza (ignored)", q,
                              st->type == NODES_STANZA_CLUSTER ? "cluster"
                              : st->type == NODES_STANZA_NODE  ? "node"
                                                               : "heartbeat");
                nodes_quote_free(q);
                return;
        }
        if (st->attrs[slot].value) {
                nodes_warning(c, line,
                              "'%s' given again (first on line %d): the last one wins, as in o2cb",
                              keys[slot], st->attrs[slot].line);
                free(st->attrs[slot].value);
        }
        st->attrs[slot] = (NodesAttr){.value = TAKE_PTR(value), .line = line};
}

/* Returns the new state; -ENOMEM as a negative value; 1 << 8 to stop. */
#define LEX_STOP 0x100
static int lex_header(Lexer *L, NodesLex *lex, const char *s, size_t n) {
        static const struct {
                const char *name;
                NodesStanzaType type;
        } types[] = {
                {"cluster", NODES_STANZA_CLUSTER},
                {"node", NODES_STANZA_NODE},
                {"heartbeat", NODES_STANZA_HEARTBEAT},
        };
        NodesCtx *c = L->c;
        int line = L->line;
        size_t k = 0, j;

        while (k < n && is_ident(s[k]))
                k++;
        if (k == 0) {
                nodes_error(c, line,
                            "invalid character '%c' in column 1: expected a stanza header "
                            "such as \"node:\", an indented attribute or a '#' comment",
                            s[0]);
                return STATE_IGNORE;
        }
        _cleanup_(freep) char *name = strndup(s, k);
        if (!name)
                return -ENOMEM;
        char *q = nodes_quote(name);
        for (j = k; j < n && is_blank(s[j]); j++)
                ;
        if (k < n && s[k] == ':') {
                for (j = k + 1; j < n && is_blank(s[j]); j++)
                        ;
                if (j < n) {
                        nodes_error(
                                c, line,
                                "trailing text after stanza header %s (only blanks may follow ':')",
                                q);
                        nodes_quote_free(q);
                        return STATE_IGNORE;
                }
        } else {
                if (j < n && s[j] == ':')
                        nodes_error(c, line, "blank before ':' in stanza header %s", q);
                else if (memchr(s + k, '=', n - k))
                        nodes_error(c, line,
                                    "attribute %s is not indented: attribute lines start "
                                    "with a tab (or blanks)",
                                    q);
                else
                        nodes_error(c, line, "stanza header %s lacks ':'", q);
                nodes_quote_free(q);
                return STATE_IGNORE;
        }

        for (size_t t = 0; t < ELEMENTSOF(types); t++) {
                if (strcmp(name, types[t].name) != 0)
                        continue;
                nodes_quote_free(q);
                if (lex->n >= NODES_MAX_STANZAS) {
                        nodes_error(c, line, "more than %d stanzas: not a blade list; giving up",
                                    NODES_MAX_STANZAS);
                        return LEX_STOP;
                }
                NodesStanza *ns = realloc(lex->stanzas, (lex->n + 1) * sizeof(*ns));
                if (!ns)
                        return -ENOMEM;
                lex->stanzas = ns;
                lex->stanzas[lex->n++] = (NodesStanza){.type = types[t].type, .line = line};
                return STATE_STORE;
        }
        nodes_warning(c, line,
                      "unknown stanza type %s: (ignored; o2cb knows cluster:, node: and "
                      "heartbeat:)",
                      q);
        nodes_quote_free(q);
        return STATE_IGNORE;
}

int nodes_lex(const char *buf, size_t len, NodesLex *ret, NodesCtx *c) {
        Lexer L = {.buf = buf, .len = len, .c = c};
        NodesLex lex = {0};
        LexState state = STATE_NONE;
        const char *s;
        size_t n;
        bool bad;

        while (take_line(&L, &s, &n, &bad)) {
                size_t i = 0;

                if (bad)
                        continue;
                while (i < n && is_blank(s[i]))
                        i++;
                if (i == n) {
                        state = STATE_NONE;
                        continue;
                }
                if (s[0] == '#')
                        continue;
                if (i > 0) {
                        lex_attribute(&L, &lex, state, s, n, i);
                        continue;
                }
                int r = lex_header(&L, &lex, s, n);
                if (r < 0) {
                        nodes_lex_free(&lex);
                        return r;
                }
                if (r == LEX_STOP)
                        break;
                state = (LexState)r;
        }
        if (L.crlf_count > 0) {
                if (L.crlf_count == 1)
                        nodes_error(c, L.crlf_first,
                                    "carriage return (CRLF line ending): o2cb rejects "
                                    "it; convert the file with dos2unix");
                else
                        nodes_error(
                                c, L.crlf_first,
                                "carriage return (CRLF line ending) on this and "
                                "%zu more lines: o2cb rejects it; convert the file with dos2unix",
                                L.crlf_count - 1);
        }
        if (c->oom) {
                nodes_lex_free(&lex);
                return -ENOMEM;
        }
        *ret = lex;
        return 0;
}

void nodes_lex_free(NodesLex *l) {
        for (size_t i = 0; i < l->n; i++)
                for (size_t k = 0; k < NODES_MAX_KEYS; k++)
                        free(l->stanzas[i].attrs[k].value);
        free(l->stanzas);
        *l = (NodesLex){0};
}
