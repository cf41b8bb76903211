/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.xml: parse, check, and edit the resource configuration.
 * Pure: works on buffers (libxml2 in memory, no file or network access:
 * XML_PARSE_NONET, no XInclude, no external entities).
 *
 * Errors: 0 on success; -EINVAL when the document has errors (each is in
 * the DiagList as LINE: message); -ENOMEM.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bladed/diag.h"
#include "bladed/model.h"

/* Maximum size accepted for a configuration document. */
#define CONFIG_MAX_SIZE (32u << 20)

/* Timeout of an <op> without a timeout attribute; also the one to use for an
 * action that has no <op> at all (Pacemaker's default). */
#define CONFIG_DEFAULT_OP_TIMEOUT_MS 20000u
/* Property defaults (Properties in model.h). */
#define CONFIG_DEFAULT_NO_QUORUM_STOP_TIMEOUT_MS 10000u

/* Well-formedness, the RelaxNG schema (xml/resources.rng, compiled in), then
 * the meaning (unique ids, references resolve, no order cycles, scores in
 * range, timeouts positive, intervals vs timeouts, ...).  Reports every
 * problem it can find, not only the first.  On success *ret owns a Config
 * with every index resolved; on error *ret is NULL. */
int config_parse(const char *buf, size_t len, Config **ret, DiagList *diag);

/* Optional extra check against the node file's blade names: every node
 * referenced by the configuration (locations, node attributes, fence
 * devices) must be one of names[]. Appends problems to diag; returns
 * -EINVAL if it found any. */
int config_check_nodes(const Config *c, const char *const *names, size_t n_names, DiagList *diag);

/* Returns a copy of the document with the root's epoch attribute set to
 * epoch (the text is otherwise unchanged in meaning). */
int config_set_epoch(const char *buf, size_t len, uint64_t epoch, char **ret, size_t *ret_len);

/* Reads the epoch attribute of the root without a full parse; -EINVAL if absent/bad. */
int config_get_epoch(const char *buf, size_t len, uint64_t *ret);
