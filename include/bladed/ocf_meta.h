/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCF agent meta-data (the XML `AGENT meta-data` prints), parsed into the
 * few facts bladed uses: parameter names and flags, recommended action
 * timeouts, and which actions the agent implements.
 *
 * Pure (core library).  The executor runs `meta-data` once per agent type
 * and hands the output here; `bladectl config validate/load` checks each
 * resource's parameters against it.
 *
 * Tolerant like Pacemaker of real-world meta-data: missing shortdesc,
 * the old unique="0|1" attribute, unknown elements, a DOCTYPE naming
 * ra-api-1.dtd (never loaded: no network, no external entities).  Refused:
 * anything not well-formed, entity declarations, a root other than
 * <resource-agent>, parameters or actions without a name, more than
 * OCF_META_MAX_SIZE bytes.
 *
 * Errors: -EINVAL bad input (each problem in diag, with its line),
 *         -ENOMEM out of memory.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bladed/diag.h"
#include "bladed/model.h"

#define OCF_META_MAX_SIZE (1u << 20)

typedef struct OcfMetaParam {
        char *name;
        bool required;
        bool unique;         /* unique="1", or a member of a unique-group */
        char *type;          /* <content type=...>; "string" when absent */
        char *default_value; /* NULL when the agent gives none */
        char *shortdesc;     /* English (or first) shortdesc, trimmed; may be NULL */
} OcfMetaParam;

typedef struct OcfMetaAction {
        char *name;
        uint64_t timeout_ms;  /* 0 = not given (or unreadable: a warning) */
        uint64_t interval_ms; /* 0 = one-shot */
        uint64_t depth;       /* OCF_CHECK_LEVEL of a monitor */
} OcfMetaAction;

typedef struct OcfMeta {
        char *name;        /* <resource-agent name=...> */
        char *version;     /* <resource-agent version=...>, the agent's own; may be NULL */
        char *ocf_version; /* <version>, the OCF API version claimed; may be NULL */
        char *shortdesc;   /* may be NULL */
        OcfMetaParam *params;
        size_t n_params;
        OcfMetaAction *actions; /* in document order; a name may repeat (depth/role) */
        size_t n_actions;
} OcfMeta;

/* Parses buf[0..len).  On success *ret owns a new OcfMeta (warnings may
 * have been added to diag); on failure *ret is NULL. */
int ocf_meta_parse(const char *buf, size_t len, OcfMeta **ret, DiagList *diag);

/* Frees everything; accepts NULL; returns NULL. */
OcfMeta *ocf_meta_free(OcfMeta *m);

bool ocf_meta_has_action(const OcfMeta *m, const char *action);
const OcfMetaParam *ocf_meta_find_param(const OcfMeta *m, const char *name);

/* Checks a resource's params against the meta-data, with the resource's
 * line: a required parameter missing (or empty, which agents read as
 * unset) is an error naming it and its shortdesc; a parameter the agent
 * does not know is a warning listing the ones it does.  Returns 0, or
 * -EINVAL when it found errors, -ENOMEM. */
int ocf_meta_check_resource(const OcfMeta *m, const Resource *r, DiagList *diag);
