/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the config_*.c files only (not a public interface).
 *
 * config_parse() runs in four steps:
 *   config_xml.c     bytes -> libxml2 tree (no DTD, no network, lines kept),
 *                    then the RelaxNG schema;
 *   config_load.c    tree -> Config, element by element, every attribute
 *   config_rsc.c     checked with a precise message (primitives and groups
 *                    in config_rsc.c);
 *   config_check.c   the meaning across objects: ids, references, groups,
 *                    order cycles, timeouts against properties.
 * Every step reports into one Report and goes on after an error, so one
 * run shows every problem.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "bladed/config.h"

/* Diagnostics beyond this many are counted, not stored: a 32 MiB file of
 * junk elements must not become a million lines of output. */
#define CONFIG_MAX_DIAGS 500

/* Longest quoted value in a message (longer ones end in "..."). */
#define CONFIG_QUOTE_MAX 60

/* Score of the last blade of a <prefer> list; each earlier blade gets this
 * much more (doc/configuration.rst). */
#define CONFIG_PREFER_STEP 1000
/* Keeps the first blade's score (n * step) below INFINITY. */
#define CONFIG_PREFER_MAX 255

/* Bound on utilization and capacity values so sums cannot overflow. */
#define CONFIG_UTILIZATION_MAX 1000000000ull

typedef struct Report {
        DiagList *diag;
        size_t n_errors; /* counted even when the message was dropped */
        size_t n_warnings;
        size_t n_dropped;
        bool oom; /* a message could not be stored */
        char quote[4][CONFIG_QUOTE_MAX + 8];
        unsigned quote_next;
} Report;

void config_report(Report *r, DiagLevel level, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
#define report_error(r, line, ...) config_report((r), DIAG_ERROR, (line), __VA_ARGS__)
#define report_warning(r, line, ...) config_report((r), DIAG_WARNING, (line), __VA_ARGS__)

/* s made safe to echo: control characters become '?', cut after
 * CONFIG_QUOTE_MAX bytes.  Points into r; valid for the next 3 calls. */
const char *config_quote(Report *r, const char *s);
/* The same into out (size >= CONFIG_QUOTE_MAX + 4). */
void config_quote_into(char *out, const char *s);

/* Line of an element's start tag ('<'), also beyond 65535 lines. */
int config_node_line(const xmlNode *n);

/* Value of an attribute without namespace, NULL when absent. */
const char *config_attr(const xmlNode *n, const char *name);

/* libxml2 stays quiet through the shared guard (bladed/xmlquiet.h). */
#include "bladed/xmlquiet.h"

/* config_xml.c: parses without DTD (rejected), network or entities, records
 * start-tag lines; problems go to r.  NULL on failure. */
xmlDoc *config_read_xml(const char *buf, size_t len, Report *r);

/* config_ids.c: every id of the document (one namespace for primitives,
 * groups, constraints and fence devices), filled in document order while
 * loading, so a duplicate is reported where it repeats. */
typedef enum IdKind {
        ID_PRIMITIVE,
        ID_GROUP,
        ID_LOCATION,
        ID_COLOCATION,
        ID_ORDER,
        ID_FENCE_DEVICE,
} IdKind;

typedef struct IdEntry {
        const char *key; /* points into the Config, NULL = free slot */
        uint64_t hash;
        IdKind kind;
        size_t idx; /* into the Config array of that kind */
        int line;
} IdEntry;

typedef struct IdTable {
        IdEntry *items;
        size_t cap; /* power of two */
        size_t n;
} IdTable;

const char *config_id_kind_name(IdKind kind);
/* Adds key (not copied).  When present already: adds nothing and sets
 * *existing (else NULL).  0 or -ENOMEM. */
int config_ids_add(IdTable *t, const char *key, IdKind kind, size_t idx, int line,
                   const IdEntry **existing);
const IdEntry *config_ids_find(const IdTable *t, const char *key);
void config_ids_free(IdTable *t);

/* config_load.c: the whole tree.  Returns 0 with *ret set (possibly with
 * errors in r), or -ENOMEM. */
int config_load(const xmlNode *root, IdTable *ids, Config **ret, Report *r);

/* Helpers config_load.c shares with config_rsc.c. */
typedef struct Load {
        Report *r;
        Config *c;
        IdTable *ids;
        IdTable node_names; /* of <nodes>, for duplicates */
        size_t cap_resources, cap_groups, cap_locations, cap_colocations, cap_orders;
        size_t cap_nodes, cap_fence_devices;
} Load;

int config_grow(void *array, size_t *cap, size_t n, size_t size);
/* Writes "primitive 'vip-mx1'", or "<primitive>" when id is NULL, into buf. */
#define CONFIG_WHAT_SIZE (CONFIG_QUOTE_MAX + 40)
const char *config_what(char buf[static CONFIG_WHAT_SIZE], const xmlNode *n, const char *id);
void config_check_attributes(Load *l, const xmlNode *n, const char *what,
                             const char *const *allowed);
/* Reports stray text in n once. */
void config_check_text(Load *l, const xmlNode *n, const char *what);
bool config_is_element(const xmlNode *n, const char *name);
void config_unknown_element(Load *l, const xmlNode *k, const char *what);
/* Required attribute; reports it missing. */
const char *config_attr_required(Load *l, const xmlNode *n, const char *what, const char *name);
/* Id-like attribute (id, rsc, first, ...): checks the syntax, reports a bad
 * one but still returns it so references to it resolve. */
const char *config_attr_id(Load *l, const xmlNode *n, const char *what, const char *name,
                           bool required);
const char *config_attr_nodename(Load *l, const xmlNode *n, const char *what, const char *name);
/* Typed optional attributes: absent leaves *ret alone; false after reporting a bad value. */
bool config_attr_bool(Load *l, const xmlNode *n, const char *what, const char *name, bool *ret);
bool config_attr_score(Load *l, const xmlNode *n, const char *what, const char *name, int *ret);
bool config_attr_duration(Load *l, const xmlNode *n, const char *what, const char *name,
                          uint64_t *ret);
bool config_attr_uint(Load *l, const xmlNode *n, const char *what, const char *name, uint64_t max,
                      uint64_t *ret);

/* config_rsc.c: one child of <resources>. */
int config_load_resource(Load *l, const xmlNode *n);

/* Registers an id; reports a duplicate.  0 or -ENOMEM. */
int config_register_id(Load *l, const char *id, IdKind kind, size_t idx, int line);

/* config_check.c: the meaning across objects; fills every *_idx.  0 or -ENOMEM. */
int config_check(Config *c, const IdTable *ids, Report *r);
