/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Manager: one per daemon, owns the sd-event loop and every event
 * source as a named field (no globals, systemd's timesyncd-manager habit),
 * the node file, the corosync connections, the replicated state and the
 * control socket.  doc/architecture.rst tells the start-up sequence.
 *
 *   manager.c          options, start-up, signals, sd_notify, watchdog, stop
 *   manager_cluster.c  CPG and quorum events into the reducer, its effects out
 *   manager_control.c  control socket commands, status
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "bladed/cluster.h"
#include "bladed/model.h"
#include "bladed/nodes.h"
#include "control.h"
#include "cpg.h"
#include "log.h"
#include "quorum.h"

/* Exit statuses (CLI.md): 2 = bad option or bad file at start-up. */
enum {
        MANAGER_EXIT_OK = 0,
        MANAGER_EXIT_FAILURE = 1,
        MANAGER_EXIT_BAD_INPUT = 2,
};

typedef struct ManagerOptions {
        const char *nodes_path;
        const char *config_path;
        bool config_explicit; /* --config given: a missing file is an error */
        const char *state_dir;
        const char *socket_path;
        const char *ocf_root;
        const char *admin_group;
        const char *socket_group; /* NULL: the admin group */
        const char *cluster_name; /* NULL: the node file's only cluster */
        int log_level;
        bool foreground;
} ManagerOptions;

typedef struct Manager {
        ManagerOptions opt;
        Log log;
        sd_event *event;
        sd_event_source *sigterm;
        sd_event_source *sigint;
        sd_event_source *watchdog;
        sd_event_source *leave_timer;

        /* the node file */
        NodeFile *nodes;
        const ClusterEntry *cluster_entry;
        const NodeEntry **blades; /* sorted by number = by node id */
        size_t n_blades;
        const NodeEntry *local;

        /* corosync */
        GroupConn group;
        QuorumTrack quorum;
        uint64_t ring_seq;

        /* the replicated state and our parsed copy of the configuration */
        Cluster cluster;
        Config *config; /* never NULL once started */
        bool initial_from_config; /* our copy came from --config: write it once started */
        uint32_t last_coordinator;
        bool last_quorate_logged;

        Control control;

        bool ready_sent;
        bool stopping;
        char *last_status;
        uint64_t watchdog_usec;
        RateLimit drop_rl;
        int exit_code;
} Manager;

/* Start-up up to a running loop.  Returns an exit status (> 0) with the
 * reason already on stderr/journal, or 0. */
int manager_start(Manager *m, const ManagerOptions *opt);
int manager_run(Manager *m);
void manager_free(Manager *m);

/* manager_cluster.c */
/* Connects to corosync, checks its nodelist, opens the control socket and
 * joins the group, starting from our copy doc (stamped with epoch).  Returns
 * 0 or an exit status with the reason logged. */
int manager_connect_cluster(Manager *m, const char *doc, size_t doc_len, uint64_t epoch);
void manager_update_status(Manager *m);
/* A start-up failure: logs one line saying why, returns status. */
int manager_start_fail(Manager *m, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void manager_fail(Manager *m, int error, const char *what);

/* manager_control.c */
int manager_on_control(void *userdata, uint64_t id, const CtlRequest *q);
int manager_reparse_config(Manager *m);
