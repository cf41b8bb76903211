/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start-up check: corosync's nodelist (read from cmap) must be the one the
 * node file generates (DESIGN.md "Files an admin sees"): for every blade,
 * nodelist.node.K.nodeid = number + 1, ring0_addr = ip_address and, when
 * corosync has one, name = name; and no node on either side only.
 *
 * Returns 0; -EINVAL on a mismatch with *why = one line naming the blade
 * and the field (malloc'd); -errno when cmap cannot be read (-ENOTCONN:
 * corosync does not run).
 */
#pragma once

#include <stddef.h>

#include "bladed/nodes.h"

int cmapcheck_nodelist(const NodeEntry *const *blades, size_t n_blades, const char *nodes_path,
                       char **why);
