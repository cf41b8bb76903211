/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hot-add and hot-remove, the pure parts (doc/procedure-hot-add.rst,
 * doc/procedure-hot-remove.rst): whether a replicated node file change may
 * be applied, and corosync.conf with its nodelist regenerated.  Pure: the
 * daemon hands in texts and membership, gets texts and verdicts back; every
 * daemon of the group gets the same verdict from the same inputs.
 *
 * Errors: 0 on success; -EINVAL when the input is refused (*why says why,
 * malloc'd); -EALREADY when the change changes nothing; -ENOMEM.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bladed/nodes.h"

/* What a node file change is checked against, all of it replicated state
 * that every member of the group holds alike. */
typedef struct NodesChangeInput {
        const NodeFile *old; /* the node file the change is based on */
        const char *cluster; /* the cluster bladed runs (the old file's name) */
        const char *text;    /* the whole new node file */
        size_t text_len;
        /* node ids of the group's members (distinct), and of blades that
         * left without a clean shutdown and are not confirmed fenced */
        const uint32_t *members;
        size_t n_members;
        const uint32_t *lost;
        size_t n_lost;
} NodesChangeInput;

/* The rules (why each: doc/node-file.rst, "Adding and removing a blade"):
 * the new text parses without errors and still has the cluster with at
 * least one blade; other clusters' blades are unchanged; a blade that keeps
 * its number keeps its name and address; a blade that is removed is not a
 * member and not lost (it could hold resources nobody may recover without
 * a fence); every blade that stays runs bladed in the group (a blade that
 * misses the change would keep an old file and an old corosync nodelist);
 * the members are more than half of the new list (corosync's expected
 * votes follow the nodelist: fewer would lose quorum).  On success *ret
 * owns the parsed new file and *summary (may be NULL) says what changes,
 * e.g. "add blade4 (198.18.0.14, number 4)". */
int nodes_change_check(const NodesChangeInput *in, NodeFile **ret, char **summary, char **why);

/* corosync.conf with its top-level "nodelist { ... }" section replaced by
 * nodelist (nodes_corosync_nodelist's text), every other byte kept; the
 * section is appended when there is none.  Lines are read the way
 * corosync's parser reads them ("#" comment lines, a "{" opens a section,
 * else a ":" is a key, else a "}" closes one).  -EINVAL (with *why, a
 * static string) for unbalanced braces, two nodelist sections or a NUL
 * byte. */
int nodes_corosync_conf_rewrite(const char *conf, size_t len, const char *nodelist, char **ret,
                                size_t *ret_len, const char **why);
