/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Status XML (CLI.md "bladectl status --xml"): written by the daemon for
 * `bladectl status --xml`, read back by `bladectl simulate --state FILE`.
 * Pure (core library).
 *
 * The document carries, beyond CLI.md's minimum, what the scheduler needs
 * to replay a situation: per resource and blade the known role, fail count,
 * last failure time and ban; the snapshot time.
 */
#pragma once

#include <stddef.h>

#include "bladed/diag.h"
#include "bladed/state.h"

/* Writes the status document of s (s->config must be set: its epoch is
 * written).  0 or -ENOMEM. */
int status_xml_write(const Snapshot *s, char **ret, size_t *ret_len);

/* Reads a status document into s, for the given configuration (resources
 * and blades are matched by name; unknown names are errors in diag).
 * 0, -EINVAL (diag says why), -ENOMEM. On success s is initialised
 * (snapshot_done frees it). */
int status_xml_read(const char *buf, size_t len, const Config *config, Snapshot *s,
                    DiagList *diag);
