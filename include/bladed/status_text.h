/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `bladectl status` as text, in the spirit of crm_mon: the cluster at a
 * glance (quorum, coordinator, local blade, configuration epoch), then one
 * line per blade and one per resource.  Pure (core library); the daemon
 * writes it from the same Snapshot as status_xml_write().
 */
#pragma once

#include <stdbool.h>

#include "bladed/scheduler.h"
#include "bladed/state.h"

typedef struct StatusTextInfo {
        const char *cluster_name; /* from the node file; NULL if unknown */
        bool synced;              /* our copy is the cluster's current one */
        bool joined;              /* we are in the CPG group */
        const Plan *plan;         /* roles starting/stopping/blocked, reasons, notes; may be NULL */
        const char *const *alerts; /* lines for the "Attention" section (a failed fence, ...) */
        size_t n_alerts;
} StatusTextInfo;

/* 0 or -ENOMEM; *ret is NUL-terminated text ending in a newline. */
int status_text_write(const Snapshot *s, const StatusTextInfo *info, char **ret);
