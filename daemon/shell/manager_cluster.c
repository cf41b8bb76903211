/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPG and quorum events into the reducer (cluster.c), its effects out:
 * persist, multicast, answer clients, tell systemd, log.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "bladed/config.h"
#include "bladed/util.h"
#include "cmapcheck.h"
#include "manager.h"
#include "persist.h"

static int stamp_epoch(const char *doc, size_t len, uint64_t epoch, char **ret, size_t *ret_len) {
        return config_set_epoch(doc, len, epoch, ret, ret_len);
}

static const char *blade_name(Manager *m, uint32_t nodeid, char *buf, size_t size) {
        return cluster_blade_name(&m->cluster, nodeid, buf, size);
}

void manager_send(Manager *m, const WireMessage *w) {
        uint8_t *buf;
        size_t len;
        int r = wire_encode(w, &buf, &len);

        if (r < 0) {
                log_error_errno(&m->log, r, "cannot encode a %s message",
                                wire_type_to_string(w->type));
                return;
        }
        /* Errors end up in on_lost(): nothing more to do here. */
        (void)group_send(&m->group, buf, len);
}

static void check_coordinator(Manager *m) {
        uint32_t coord = cluster_coordinator(&m->cluster);
        char name[64];

        if (coord == m->last_coordinator)
                return;
        m->last_coordinator = coord;
        if (coord)
                log_node(&m->log, LOG_NOTICE, blade_name(m, coord, name, sizeof(name)),
                         "coordinator is now %s%s", name,
                         coord == m->cluster.local_nodeid ? " (this blade)" : "");
        else
                log_notice(&m->log, "no coordinator: %s",
                           m->cluster.quorate ? "not in the cluster group"
                                              : "this blade has no quorum");
}

static void log_decision(Manager *m) {
        const Cluster *c = &m->cluster;
        char name[64], lag[512] = "";
        size_t k = 0;

        for (size_t i = 0; i < c->n_members; i++)
                if (c->members[i].lagging && k < sizeof(lag))
                        k += (size_t)snprintf(
                                lag + k, sizeof(lag) - k, "%s%s", k ? ", " : "",
                                blade_name(m, c->members[i].nodeid, name, sizeof(name)));
        blade_name(m, c->winner_nodeid, name, sizeof(name));
        log_epoch(&m->log, LOG_INFO, c->cluster_epoch,
                  "sync: %zu members agree that %s's copy (epoch %" PRIu64 ") is current%s%s",
                  c->n_members, name, c->cluster_epoch, k ? "; to be updated: " : "", lag);
}

static void run_effects(Manager *m, ClusterEffects *fx) {
        Cluster *c = &m->cluster;
        int persist_error = 0;
        char msg[128];

        if (fx->persist) {
                persist_error =
                        persist_write(m->opt.state_dir, PERSIST_CONFIG_NAME, c->doc, c->doc_len);
                if (persist_error < 0)
                        log_emit(&m->log, LOG_ERR, persist_error,
                                 &(LogFields){.has_epoch = true, .epoch = c->epoch},
                                 "cannot write configuration epoch %" PRIu64 " to %s", c->epoch,
                                 m->opt.state_dir);
                else
                        log_epoch(&m->log, LOG_NOTICE, c->epoch,
                                  "configuration epoch %" PRIu64 " written to %s", c->epoch,
                                  m->opt.state_dir);
        }
        if (fx->send_ack) {
                WireMessage a = {.type = WIRE_CONFIG_ACK, .nodeid = c->local_nodeid};
                snprintf(msg, sizeof(msg), "%s", persist_error < 0 ? m->opt.state_dir : "");
                a.ack = (WireAck){.epoch = fx->ack_epoch,
                                  .error = persist_error,
                                  .msg = msg,
                                  .msg_len = strlen(msg)};
                manager_send(m, &a);
        }
        if (fx->send_state) {
                WireMessage s;
                cluster_make_state(c, &s);
                manager_send(m, &s);
        }
        if (fx->send_config) {
                WireMessage w;
                cluster_make_config(c, &w);
                log_epoch(&m->log, LOG_INFO, c->epoch,
                          "sending configuration epoch %" PRIu64 " to the blades that lag",
                          c->epoch);
                manager_send(m, &w);
        }
        /* After the messages: the origin waits for our ACK, not for our parse. */
        if (fx->persist) {
                manager_reparse_config(m);
                manager_probe_config_changed(m);
                manager_exec_config_changed(m);
                manager_coord_config_changed(m);
        }
        if (fx->decided)
                log_decision(m);
        if (fx->adopted) {
                char name[64];
                log_emit(&m->log, LOG_NOTICE, 0,
                         &(LogFields){.node = blade_name(m, c->winner_nodeid, name, sizeof(name)),
                                      .has_epoch = true,
                                      .epoch = c->epoch},
                         "took configuration epoch %" PRIu64 " from %s", c->epoch, name);
        }
        if (fx->blade_count_mismatch)
                log_warning(&m->log,
                            "a member's node file lists another number of blades than "
                            "%s: majorities may disagree; fix the node files",
                            m->opt.nodes_path);
        if (fx->n_ignored)
                log_debug(&m->log, "ignored %u stale or duplicate message(s)", fx->n_ignored);
        for (size_t i = 0; i < fx->n_replies; i++) {
                const ClusterReply *y = &fx->replies[i];
                if (y->error == 0) {
                        char body[64];
                        int n = snprintf(body, sizeof(body), "ok epoch %" PRIu64 "\n", y->epoch);
                        log_epoch(&m->log, LOG_NOTICE, y->epoch,
                                  "configuration epoch %" PRIu64 " confirmed by every member",
                                  y->epoch);
                        control_reply(&m->control, y->request_id, CTL_STATUS_OK, body, (size_t)n,
                                      NULL);
                } else {
                        log_warning(&m->log, "configuration change: %s", y->message);
                        control_reply(&m->control, y->request_id, CTL_STATUS_FAILED, NULL, 0,
                                      y->message);
                }
        }
        if (fx->synced && !m->ready_sent) {
                m->ready_sent = true;
                sd_notify(0, "READY=1");
                log_epoch(&m->log, LOG_NOTICE, c->epoch,
                          "ready: joined and synchronised (epoch %" PRIu64 ", %zu member%s)",
                          c->epoch, c->n_members, c->n_members == 1 ? "" : "s");
        }
        /* The re-announce rule (architecture.rst): our blade's states go out
         * again whenever a round closes or our copy changes, so every member,
         * a newcomer included, holds them for the epoch it now has. */
        if (fx->decided || fx->persist)
                manager_probe_announce(m);
        else
                manager_probe_kick(m);
        check_coordinator(m);
        manager_coord_kick(m);
        manager_update_status(m);
        cluster_effects_done(fx);
}

static void on_confchg(void *userdata, const ClusterAddr *members, size_t n_members,
                       const ClusterAddr *left, size_t n_left, const ClusterAddr *joined,
                       size_t n_joined) {
        Manager *m = userdata;
        ClusterEffects fx = {0};
        char name[64];
        int r;

        for (size_t i = 0; i < n_joined; i++)
                log_node(&m->log, LOG_INFO, blade_name(m, joined[i].nodeid, name, sizeof(name)),
                         "%s joined (pid %" PRIu32 "), %zu member%s", name, joined[i].pid,
                         n_members, n_members == 1 ? "" : "s");
        for (size_t i = 0; i < n_left; i++)
                log_node(&m->log, left[i].reason == CLUSTER_REASON_LEAVE ? LOG_INFO : LOG_WARNING,
                         blade_name(m, left[i].nodeid, name, sizeof(name)),
                         "%s left %s, %zu member%s", name,
                         left[i].reason == CLUSTER_REASON_LEAVE ? "cleanly" : "without a goodbye",
                         n_members, n_members == 1 ? "" : "s");
        if (!m->cluster.joined) {
                /* Our own join: two daemons of one blade would both act for it. */
                for (size_t i = 0; i < n_members; i++)
                        if (members[i].nodeid == m->cluster.local_nodeid &&
                            members[i].pid != m->cluster.local_pid) {
                                char what[128];
                                snprintf(what, sizeof(what),
                                         "another bladed of this blade (pid %" PRIu32
                                         ") is already in the cluster group",
                                         members[i].pid);
                                return manager_fail(m, 0, what);
                        }
        }
        for (size_t i = 0; i < n_left; i++)
                manager_probe_blade_left(m, left[i].nodeid);
        r = cluster_apply_confchg(&m->cluster, members, n_members, left, n_left, joined, n_joined,
                                  &fx);
        if (r < 0) {
                cluster_effects_done(&fx);
                if (r == -ENOMEM)
                        manager_fail(m, r, "membership change");
                else
                        log_error_errno(&m->log, r, "membership change not understood");
                return;
        }
        manager_coord_confchg(m, left, n_left, joined, n_joined);
        run_effects(m, &fx);
        if (m->stopping && !m->cluster.joined) {
                log_notice(&m->log, "left the cluster group");
                sd_event_exit(m->event, MANAGER_EXIT_OK);
        }
}

static void drop(Manager *m, uint32_t nodeid, uint32_t pid, const char *what, const char *why) {
        uint64_t now = 0;
        unsigned suppressed;
        char name[64];

        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (!ratelimit_below(&m->drop_rl, now, &suppressed))
                return;
        if (suppressed)
                log_warning(&m->log, "%u more dropped messages not logged", suppressed);
        log_node(&m->log, LOG_WARNING, blade_name(m, nodeid, name, sizeof(name)),
                 "dropped %s from %s (pid %" PRIu32 "): %s", what, name, pid, why);
}

static void on_deliver(void *userdata, uint32_t nodeid, uint32_t pid, const void *buf, size_t len) {
        Manager *m = userdata;
        ClusterEffects fx = {0};
        WireMessage w;
        const char *why;
        char what[64];
        bool announced;
        int r;

        r = wire_decode(buf, len, &w, &why);
        if (r == -EOPNOTSUPP) {
                snprintf(what, sizeof(what), "a %s message", wire_type_to_string(w.type));
                return drop(m, nodeid, pid, what, why);
        }
        if (r < 0)
                return drop(m, nodeid, pid, "a message", why);
        if (w.type == WIRE_RESOURCE_STATE) {
                if (w.nodeid != nodeid)
                        return drop(m, nodeid, pid, "a message",
                                    "its header names another node id than CPG's sender");
                if (m->cluster.joined)
                        manager_probe_apply(m, nodeid, &w.rstate);
                manager_coord_kick(m);
                manager_update_status(m);
                return;
        }
        if (w.type == WIRE_ACTION || w.type == WIRE_RESOURCE_RESULT || w.type == WIRE_FENCE ||
            w.type == WIRE_LEAVING) {
                if (w.nodeid != nodeid)
                        return drop(m, nodeid, pid, "a message",
                                    "its header names another node id than CPG's sender");
                manager_coord_deliver(m, nodeid, pid, &w);
                manager_update_status(m);
                return;
        }
        if (w.type == WIRE_NODES) {
                if (w.nodeid != nodeid)
                        return drop(m, nodeid, pid, "a message",
                                    "its header names another node id than CPG's sender");
                return manager_nodes_deliver(m, nodeid, pid, &w.nodes);
        }
        r = cluster_apply_message(&m->cluster, nodeid, pid, &w, &fx);
        if (r == -EBADMSG) {
                cluster_effects_done(&fx);
                return drop(m, nodeid, pid, "a message",
                            "its header names another node id than CPG's sender");
        }
        if (r < 0) {
                cluster_effects_done(&fx);
                return manager_fail(m, r, "applying a cluster message");
        }
        announced = fx.decided || fx.persist;
        run_effects(m, &fx);
        /* A CONFIG brings the laggers to the winner's epoch: states sent
         * before it were ignored there, so everyone announces again. */
        if (w.type == WIRE_CONFIG && !announced)
                manager_probe_announce(m);
}

static void on_totem(void *userdata, uint64_t seq, uint32_t ring_nodeid, size_t n) {
        Manager *m = userdata;
        m->ring_seq = seq;
        /* The first ring: the quorum state read at start-up is this ring's. */
        if (!m->quorum_ring_seq)
                m->quorum_ring_seq = seq;
        log_debug(&m->log, "totem ring %" PRIu32 "/%" PRIu64 ": %zu node%s", ring_nodeid, seq, n,
                  n == 1 ? "" : "s");
}

static void on_lost(void *userdata, int error) {
        Manager *m = userdata;
        if (m->stopping) {
                sd_event_exit(m->event, MANAGER_EXIT_OK);
                return;
        }
        manager_fail(m, error, "lost the connection to corosync");
}

static void on_quorum(void *userdata, bool quorate, uint64_t seq, size_t n_nodes) {
        Manager *m = userdata;

        if (quorate != m->cluster.quorate)
                log_notice(&m->log, "quorum %s (%zu node%s in corosync's membership)",
                           quorate ? "gained" : "LOST", n_nodes, n_nodes == 1 ? "" : "s");
        log_debug(&m->log, "corosync membership (ring %" PRIu64 "): %zu node%s, %s", seq, n_nodes,
                  n_nodes == 1 ? "" : "s", quorate ? "quorate" : "not quorate");
        cluster_set_quorate(&m->cluster, quorate);
        m->quorum_ring_seq = seq;
        check_coordinator(m);
        manager_exec_quorum_changed(m);
        manager_coord_kick(m);
        manager_update_status(m);
}

static const GroupCallbacks group_callbacks = {
        .deliver = on_deliver,
        .confchg = on_confchg,
        .totem = on_totem,
        .lost = on_lost,
};

static const QuorumCallbacks quorum_callbacks = {
        .changed = on_quorum,
        .lost = on_lost,
};

int manager_connect_cluster(Manager *m, const char *doc, size_t doc_len, uint64_t epoch) {
        _cleanup_(freep) char *why = NULL;
        _cleanup_(freep) const char **names = NULL;
        _cleanup_(freep) uint32_t *ids = NULL;
        uint32_t nodeid;
        int r;

        r = group_open(&m->group, m->event, &m->log, &group_callbacks, m);
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE,
                                          "cannot connect to corosync's CPG service: %s "
                                          "(is corosync running?)",
                                          strerror(-r));
        nodeid = m->group.local_nodeid;

        r = cmapcheck_nodelist(m->blades, m->n_blades, m->opt.nodes_path, &why);
        if (r == -EINVAL)
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT, "%s", why);
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE,
                                          "cannot read corosync's nodelist (cmap): %s",
                                          strerror(-r));
        for (size_t i = 0; i < m->n_blades; i++)
                if (m->blades[i]->number + 1 == nodeid)
                        m->local = m->blades[i];
        if (!m->local)
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT,
                                          "corosync says this is node id %" PRIu32 ", but %s has "
                                          "no blade with number %" PRIu32,
                                          nodeid, m->opt.nodes_path, nodeid - 1);
        m->log.node = m->local->name;

        names = calloc(m->n_blades, sizeof(char *));
        ids = calloc(m->n_blades, sizeof(uint32_t));
        if (!names || !ids)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "out of memory");
        for (size_t i = 0; i < m->n_blades; i++) {
                names[i] = m->blades[i]->name;
                ids[i] = m->blades[i]->number + 1;
        }
        ClusterInit init = {.local_nodeid = nodeid,
                            .local_pid = (uint32_t)getpid(),
                            .names = names,
                            .nodeids = ids,
                            .n_blades = m->n_blades,
                            .doc = doc,
                            .doc_len = doc_len,
                            .epoch = epoch,
                            .stamp = stamp_epoch};
        r = cluster_init(&m->cluster, &init);
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "out of memory");

        if (m->initial_from_config) {
                r = persist_write(m->opt.state_dir, PERSIST_CONFIG_NAME, doc, doc_len);
                if (r < 0)
                        return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT,
                                                  "cannot write the configuration into %s: %s",
                                                  m->opt.state_dir, strerror(-r));
        }

        /* The socket before the group: status answers while we join. */
        r = control_open(&m->control, m->event, &m->log, m->opt.socket_path, m->opt.admin_group,
                         m->opt.socket_group, manager_on_control, m);
        if (r == -EADDRINUSE)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "another bladed answers on %s",
                                          m->opt.socket_path);
        if (r == -ENOENT && m->opt.socket_group)
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT,
                                          "--socket-group %s: no such group", m->opt.socket_group);
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT, "control socket %s: %s",
                                          m->opt.socket_path, strerror(-r));

        r = quorumtrack_open(&m->quorum, m->event, &quorum_callbacks, m);
        if (r == -ENOPROTOOPT)
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT,
                                          "corosync has no quorum provider: bladed needs "
                                          "'quorum { provider: corosync_votequorum }'");
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE,
                                          "cannot track quorum (libquorum): %s", strerror(-r));
        cluster_set_quorate(&m->cluster, m->quorum.quorate);

        r = group_join(&m->group);
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "cannot join CPG group %s: %s",
                                          GROUP_NAME, strerror(-r));
        log_epoch(&m->log, LOG_NOTICE, epoch,
                  "started as %s (node id %" PRIu32 ") in cluster %s, %s, epoch %" PRIu64
                  ": joining group %s",
                  m->local->name, nodeid, m->cluster_entry->name,
                  m->quorum.quorate ? "quorate" : "not quorate", epoch, GROUP_NAME);
        manager_update_status(m);
        return 0;
}
