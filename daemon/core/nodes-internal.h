/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared between nodes_lex.c (o2cb's lexical rules), nodes.c (the checks
 * and the table) and nodes_write.c (writer, corosync, hot-add/remove).
 * Private to the core library.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bladed/diag.h"
#include "bladed/nodes.h"

/* Beyond this many reported problems the rest are counted, not listed:
 * binary junk would otherwise give one per line. */
#define NODES_MAX_REPORTS 100

typedef struct NodesCtx {
        DiagList *diag; /* may be NULL */
        size_t n_reported;
        size_t n_dropped;
        bool failed; /* an error was seen (reported or dropped) */
        bool oom;
} NodesCtx;

void nodes_report(NodesCtx *c, DiagLevel level, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
#define nodes_error(c, line, ...) nodes_report((c), DIAG_ERROR, (line), __VA_ARGS__)
#define nodes_warning(c, line, ...) nodes_report((c), DIAG_WARNING, (line), __VA_ARGS__)

/* Adds the "N more problems" note when some were dropped. */
void nodes_report_finish(NodesCtx *c);

typedef enum NodesStanzaType {
        NODES_STANZA_CLUSTER,
        NODES_STANZA_NODE,
        NODES_STANZA_HEARTBEAT,
        NODES_STANZA_UNKNOWN,
        NODES_STANZA_BAD, /* header had a lexical error: attributes swallowed */
} NodesStanzaType;

/* Slots of the known keys of each stanza type (nodes_stanza_keys order). */
enum { K_CLUSTER_NAME, K_CLUSTER_NODE_COUNT, K_CLUSTER_HEARTBEAT_MODE };
enum { K_NODE_NAME, K_NODE_NUMBER, K_NODE_IP_ADDRESS, K_NODE_IP_PORT, K_NODE_CLUSTER };
enum { K_HB_REGION, K_HB_CLUSTER };
#define NODES_MAX_KEYS 5

typedef struct NodesAttr {
        char *value; /* verbatim (trailing blanks kept); NULL when absent */
        int line;
} NodesAttr;

typedef struct NodesStanza {
        NodesStanzaType type;
        int line;
        NodesAttr attrs[NODES_MAX_KEYS];
} NodesStanza;

typedef struct NodesLex {
        NodesStanza *stanzas;
        size_t n;
} NodesLex;

/* NULL-terminated key names of a stanza type (empty list for others). */
const char *const *nodes_stanza_keys(NodesStanzaType type);

/* Splits buf into stanzas by o2cb's jconfig rules.  Lexical problems are
 * reported to c (c->failed on an error).  0, or -ENOMEM. */
int nodes_lex(const char *buf, size_t len, NodesLex *ret, NodesCtx *c);
void nodes_lex_free(NodesLex *l);

/* Checks shared by the parser and nodes_add: NULL when fine, else the
 * reason (a static string). */
const char *nodes_check_node_name(const char *s);
const char *nodes_check_cluster_name(const char *s);

/* A value quoted for a message: control characters as '?', long values
 * cut.  Never NULL (a static fallback on OOM); free with nodes_quote_free. */
char *nodes_quote(const char *s);
void nodes_quote_free(char *q);

/* Why a number/address failed: " (trailing blank: o2cb rejects the whole
 * file)" when the value ends in a blank, else "". */
const char *nodes_blank_hint(const char *s);
