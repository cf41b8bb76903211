/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What bladectl reads out of `status --xml` (status_xml.h) to wait for an
 * admin command's outcome and to judge the cluster for Nagios.  Pure (core
 * library): status text in, a verdict out; bladectl does the polling.
 *
 * The reader is lenient: it takes only what CLI.md promises (<node> name
 * and state, <resource> id, role, node, failcount) plus <on> roles and exit
 * reasons and the root's quorate; anything else is ignored, so a newer
 * daemon stays readable.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bladed/model.h"

typedef struct StatusOn {
        char *node;
        char *role;   /* unknown|stopped|started|failed|stop-failed|migrating */
        char *reason; /* the agent's exit reason, or NULL */
        bool banned;
} StatusOn;

typedef struct StatusRsc {
        char *id;
        char *role; /* CLI.md's cluster-level role */
        char *node; /* NULL when none */
        unsigned long failcount;
        StatusOn *on;
        size_t n_on;
} StatusRsc;

typedef struct StatusNode {
        char *name;
        char *state; /* online|standby|offline|lost|fenced */
} StatusNode;

typedef struct StatusView {
        bool quorate;
        StatusNode *nodes;
        size_t n_nodes;
        StatusRsc *rscs;
        size_t n_rscs;
} StatusView;

/* 0, -EINVAL (not a status document: *why says so), -ENOMEM. */
int status_view_read(const char *xml, size_t len, StatusView *v, const char **why);
void status_view_done(StatusView *v);
const StatusRsc *status_view_rsc(const StatusView *v, const char *id);
const StatusNode *status_view_node(const StatusView *v, const char *name);

typedef enum WatchVerdict {
        WATCH_WAIT = 0, /* not yet */
        WATCH_DONE,     /* the outcome the admin asked for */
        WATCH_FAILED,   /* will not happen by itself: why says what blocks it */
} WatchVerdict;

/* `migrate`: every one of rscs (a resource, or a group's members) runs
 * (role started) on target, or, with target NULL, on one blade that is not
 * away_from.  *where (if not NULL) gets that blade when done. */
WatchVerdict status_watch_moved(const StatusView *v, const char *const *rscs, size_t n,
                                const char *target, const char *away_from, const char **where,
                                char *why, size_t why_size);

/* `standby`: node holds nothing (no resource started, failed, stop-failed
 * or migrating there). */
WatchVerdict status_watch_drained(const StatusView *v, const char *node, char *why,
                                  size_t why_size);

/* `check`, the Nagios plugin: writes one line "BLADED OK|WARNING|CRITICAL -
 * ... | perfdata" into line and returns 0, 1 or 2.  config (may be NULL)
 * tells which resources should run (target-role); without it every
 * resource should.
 *   CRITICAL: no quorum, a blade lost, a resource that should run is
 *             stopped or blocked
 *   WARNING:  a resource failed or with failures counted, a blade on
 *             standby, offline or fenced, maintenance mode (unmanaged) */
int status_check(const StatusView *v, const Config *config, char *line, size_t size);
