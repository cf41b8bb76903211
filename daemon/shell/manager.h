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
#include "bladed/scheduler.h"
#include "control.h"
#include "cpg.h"
#include "log.h"
#include "manager_nodes.h"
#include "quorum.h"

/* Start-up probes (invariant 4) in parallel at most. */
#define MANAGER_MAX_PROBES 4

/* What one blade said about one resource (RESOURCE_STATE), kept across
 * status requests; rows of blades that leave are dropped (unknown again). */
typedef struct ProbeRow {
        char *rsc;       /* resource id */
        uint32_t nodeid; /* the blade */
        RscRole role;
        int rc;       /* OCF exit code, -1 = no result */
        char *reason; /* exit reason or NULL */
        uint32_t failcount;
        bool banned;              /* a start failed here: not here again until cleanup */
        bool ban_everywhere;      /* a start said "misconfigured" (rc 6): nowhere */
        uint64_t last_failure_ms; /* CLOCK_MONOTONIC of our delivery, 0 = none */
} ProbeRow;

typedef struct Probe Probe;
typedef struct Exec Exec;   /* manager_exec.c */
typedef struct Coord Coord; /* manager_coord.c */

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
        const char *corosync_conf_path; /* --corosync-conf; NULL: /etc/corosync/corosync.conf */
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
        uint64_t quorum_ring_seq; /* ring of the last quorum notification */

        /* the replicated state and our parsed copy of the configuration */
        Cluster cluster;
        Config *config;           /* never NULL once started */
        bool initial_from_config; /* our copy came from --config: write it once started */
        uint32_t last_coordinator;
        bool last_quorate_logged;

        Control control;

        /* manager_probe.c */
        ProbeRow *rows;
        size_t n_rows;
        Probe *probes[MANAGER_MAX_PROBES];
        RateLimit rstate_rl;

        Exec *exec;   /* this blade's agents: actions, monitors */
        Coord *coord; /* in-flight actions, fencing, the coordinator's plans */

        bool ready_sent;
        bool stopping;
        char *last_status;
        uint64_t watchdog_usec;
        RateLimit drop_rl;
        int exit_code;

        NodesTrack nodes_track; /* manager_nodes.c: hot-add / hot-remove */
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

/* manager_probe.c */
/* Starts probes for the resources our blade has no state for yet, when
 * joined and synced; at most MANAGER_MAX_PROBES at a time. */
void manager_probe_kick(Manager *m);
/* Our blade's known states, multicast again (the re-announce rule in
 * doc/architecture.rst), then kick. */
void manager_probe_announce(Manager *m);
/* After a reparse: forget rows of resources that are gone. */
void manager_probe_config_changed(Manager *m);
/* A blade left: its rows go back to unknown. */
void manager_probe_blade_left(Manager *m, uint32_t nodeid);
/* A delivered RESOURCE_STATE from CPG sender nodeid. */
void manager_probe_apply(Manager *m, uint32_t nodeid, const WireResourceState *st);
/* A delivered RESOURCE_RESULT from CPG sender nodeid: the row it updates. */
void manager_probe_result(Manager *m, uint32_t nodeid, const WireResult *x);
/* Cleanup: forget rows of rsc on nodeid (0 = every blade); our own blade
 * then probes again. */
void manager_probe_forget(Manager *m, const char *rsc, uint32_t nodeid);
/* A migration's target may hold rsc: its row counts as failed (active)
 * until migrate_from reports.  0 or -ENOMEM. */
int manager_probe_mark_maybe_active(Manager *m, const char *rsc, uint32_t nodeid);
/* Our blade's row for rsc, or NULL. */
const ProbeRow *manager_probe_row(Manager *m, const char *rsc, uint32_t nodeid);
/* Fills roles, rc, exit reasons, fail counts, bans and Blade.probed into a
 * fresh snapshot. */
int manager_probe_fill(Manager *m, Snapshot *s);
void manager_probe_free(Manager *m);

/* manager_control.c */
int manager_on_control(void *userdata, uint64_t id, const CtlRequest *q);
int manager_reparse_config(Manager *m);

/* manager_cluster.c: multicast one message (errors end in on_lost) */
void manager_send(Manager *m, const WireMessage *w);
/* The snapshot status and the scheduler see (manager_control.c). */
int manager_snapshot_build(Manager *m, Snapshot *s);
/* Leave the CPG group and exit once the leave is confirmed (manager.c). */
int manager_leave(Manager *m);

/* manager_exec.c: this blade's agents (doc/executor.rst) */
int manager_exec_init(Manager *m);
void manager_exec_free(Manager *m);
/* A delivered ACTION addressed to this blade (or every blade). */
void manager_exec_action(Manager *m, uint32_t origin, const WireAction *a);
/* Our own state of rsc became known (probe, result): monitors follow it. */
void manager_exec_local_state(Manager *m, const char *rsc, RscRole role);
void manager_exec_config_changed(Manager *m);
/* After a configuration change (m->config is the new one): every resource
 * of old that is active on this blade but gone from the new configuration,
 * or whose agent or parameters changed, is stopped here with its old
 * definition (a changed one then starts again with the new).  Takes
 * ownership of old.  0 or -ENOMEM. */
int manager_exec_orphans(Manager *m, Config *old);
void manager_exec_quorum_changed(Manager *m);
/* SIGTERM: drain this blade (the coordinator moves everything away), stop
 * what is left, then leave. */
void manager_exec_shutdown(Manager *m);
/* One of our own results was delivered back (manager_coord.c). */
void manager_exec_result_delivered(Manager *m);
/* Actions running or queued on this blade. */
size_t manager_exec_busy(const Manager *m);

/* manager_coord.c: in-flight actions, fencing, the coordinator */
int manager_coord_init(Manager *m);
void manager_coord_free(Manager *m);
/* ACTION, RESOURCE_RESULT, FENCE, LEAVING from CPG sender (nodeid, pid). */
void manager_coord_deliver(Manager *m, uint32_t nodeid, uint32_t pid, const WireMessage *w);
void manager_coord_confchg(Manager *m, const ClusterAddr *left, size_t n_left,
                           const ClusterAddr *joined, size_t n_joined);
/* Something the plan depends on changed: plan again soon (coordinator only). */
void manager_coord_kick(Manager *m);
/* Blade states the reducer does not know: fenced, draining (leaving). */
void manager_coord_fill(Manager *m, Snapshot *s);
/* An action in flight runs on nodeid or has it as its migration peer. */
bool manager_coord_involved(const Manager *m, uint32_t nodeid);
/* Blades corosync has whose bladed was never seen: online, not probed,
 * for the scheduler (manager_coord.c explains). */
void manager_coord_unseen(Manager *m, Snapshot *s);
/* The configuration changed (a fence device may have been fixed). */
void manager_coord_config_changed(Manager *m);
/* For status: what waits for a fence that failed is blocked, and says so. */
int manager_coord_annotate(Manager *m, const Snapshot *s, Plan *p);
/* Lines for status's "Attention" (failed fences), a NULL-terminated
 * malloc'd array (strv_free); 0 or -ENOMEM. */
int manager_coord_alerts(Manager *m, char ***ret, size_t *ret_n);
/* `bladectl cleanup RES [NODE]` (node NULL = every blade): forgets fail
 * counts, bans and the last failure of RES and probes it again.  0 once
 * multicast, or -errno with *why set for the admin (-ENOENT unknown
 * resource or blade, -ENOLINK no quorum, -ENOTCONN not joined). */
int manager_exec_cleanup(Manager *m, const char *rsc, const char *node, const char **why);
/* `bladectl fence NODE` (status_only: only ask the device whether it
 * answers, with the "status" action).  Answers control request id later
 * with control_reply(); < 0 only for an internal error. */
int manager_exec_fence_admin(Manager *m, uint64_t id, const char *node, bool status_only);
/* `bladectl fence NODE --confirm-off`: the admin vouches that NODE is off
 * (its device cannot say so): it counts as fenced.  Refused while NODE's
 * bladed is a member.  Answers control request id. */
int manager_exec_fence_confirm(Manager *m, uint64_t id, const char *node);

/* manager_nodes.c: hot-add and hot-remove (doc/procedures) */
/* `bladectl node add NAME IP [--number N]` (number < 0: the lowest free)
 * and `bladectl node remove NAME`.  Answer control request id later with
 * control_reply(); < 0 only for an internal error. */
int manager_nodes_add(Manager *m, uint64_t id, const char *name, const char *ip, int number);
int manager_nodes_remove(Manager *m, uint64_t id, const char *name);
/* A delivered NODES message from CPG sender (nodeid, pid). */
void manager_nodes_deliver(Manager *m, uint32_t nodeid, uint32_t pid, const WireNodes *n);
