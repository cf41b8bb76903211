/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hot-add and hot-remove, the replicated side: every daemon's node file
 * digest announced per view, the verdict on a CHANGE reached alike by every
 * member, and applying it: node file and corosync.conf written atomically,
 * blade lists and majority updated, NODES ACK.  doc/wire-protocol.rst, NODES.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bladed/nodes_change.h"
#include "bladed/util.h"
#include "manager_nodes_int.h"
#include "persist.h"

#define DEFAULT_COROSYNC_CONF "/etc/corosync/corosync.conf"
#define COROSYNC_CONF_MAX (1u << 20)

static const char *coro_conf(const Manager *m) {
        return m->opt.corosync_conf_path ? m->opt.corosync_conf_path : DEFAULT_COROSYNC_CONF;
}

/* --- files --------------------------------------------------------------- */

int manager_nodes_read(Manager *m, char **text, size_t *len, uint64_t *digest) {
        int r = persist_read_file(m->opt.nodes_path, WIRE_MAX_NODE_FILE, text, len);
        if (r < 0)
                return r;
        *digest = wire_digest(*text, *len);
        return 0;
}

/* corosync.conf with the nodelist of nf; *why for the admin. */
int manager_nodes_conf_for(Manager *m, const NodeFile *nf, char **ret, size_t *ret_len, char *why,
                           size_t why_size) {
        _cleanup_(freep) char *conf = NULL, *nodelist = NULL;
        const char *msg;
        size_t len;
        int r;

        r = persist_read_file(coro_conf(m), COROSYNC_CONF_MAX, &conf, &len);
        if (r < 0) {
                snprintf(why, why_size, "cannot read %s: %s", coro_conf(m), strerror(-r));
                return r;
        }
        r = nodes_corosync_nodelist(nf, m->cluster_entry->name, &nodelist);
        if (r < 0) {
                snprintf(why, why_size, "cannot generate the nodelist: %s", strerror(-r));
                return r;
        }
        r = nodes_corosync_conf_rewrite(conf, len, nodelist, ret, ret_len, &msg);
        if (r < 0)
                snprintf(why, why_size, "%s: %s", coro_conf(m), r == -EINVAL ? msg : strerror(-r));
        return r;
}

/* --- views and announcements --------------------------------------------- */

bool manager_nodes_is_member(const Manager *m, uint32_t nodeid, uint32_t pid) {
        for (size_t i = 0; i < m->cluster.n_members; i++)
                if (m->cluster.members[i].nodeid == nodeid && m->cluster.members[i].pid == pid)
                        return true;
        return false;
}

const char *manager_nodes_name(Manager *m, uint32_t nodeid, char *buf, size_t size) {
        return cluster_blade_name(&m->cluster, nodeid, buf, size);
}

void manager_nodes_send(Manager *m, const WireNodes *n) {
        WireMessage w = {.type = WIRE_NODES, .nodeid = m->cluster.local_nodeid, .nodes = *n};
        uint8_t *buf;
        size_t len;
        int r = wire_encode(&w, &buf, &len);

        if (r < 0) {
                log_error_errno(&m->log, r, "cannot encode a NODES message");
                return;
        }
        (void)group_send(&m->group, buf, len); /* errors end up in on_lost() */
}

static NodesSeen *seen_find(Manager *m, uint32_t nodeid, uint32_t pid) {
        NodesTrack *t = &m->nodes_track;
        for (size_t i = 0; i < t->n_seen; i++)
                if (t->seen[i].nodeid == nodeid && t->seen[i].pid == pid)
                        return &t->seen[i];
        return NULL;
}

/* Records what (nodeid, pid) said, in the current view; entries of daemons
 * that are no longer members make room. */
static void seen_set(Manager *m, uint32_t nodeid, uint32_t pid, uint64_t digest) {
        NodesTrack *t = &m->nodes_track;
        NodesSeen *s = seen_find(m, nodeid, pid);
        size_t k = 0;

        if (!s) {
                for (size_t i = 0; i < t->n_seen; i++)
                        if (manager_nodes_is_member(m, t->seen[i].nodeid, t->seen[i].pid))
                                t->seen[k++] = t->seen[i];
                t->n_seen = k;
                if (t->n_seen >= CLUSTER_MAX_MEMBERS)
                        return;
                s = &t->seen[t->n_seen++];
        }
        *s = (NodesSeen){.nodeid = nodeid,
                         .pid = pid,
                         .ring = m->ring_seq,
                         .round = m->cluster.round,
                         .digest = digest};
}

/* What a member announced in this view; false if nothing yet.  The same on
 * every member: each view's messages reach all its members alike. */
bool manager_nodes_seen(Manager *m, uint32_t nodeid, uint32_t pid, uint64_t *digest) {
        const NodesSeen *s = seen_find(m, nodeid, pid);
        if (!s || s->ring != m->ring_seq || s->round != m->cluster.round)
                return false;
        *digest = s->digest;
        return true;
}

void manager_nodes_announce(Manager *m) {
        NodesTrack *t = &m->nodes_track;
        _cleanup_(freep) char *text = NULL;
        uint64_t digest = 0;
        size_t len;
        int r;

        if (!m->cluster.joined)
                return;
        r = manager_nodes_read(m, &text, &len, &digest);
        if (r < 0) {
                /* Announce a digest no change can be based on: changes are refused. */
                log_warning_errno(&m->log, r, "cannot read the node file %s", m->opt.nodes_path);
                digest = 0;
        }
        t->announced = true;
        t->ann_ring = m->ring_seq;
        t->ann_round = m->cluster.round;
        manager_nodes_send(m, &(WireNodes){.kind = WIRE_NODES_ANNOUNCE, .digest = digest});
}

/* Once per view, when a NODES message shows that somebody cares. */
static void announce_if_new_view(Manager *m) {
        NodesTrack *t = &m->nodes_track;
        if (!t->announced || t->ann_ring != m->ring_seq || t->ann_round != m->cluster.round)
                manager_nodes_announce(m);
}

static size_t collect_members(const Manager *m, uint32_t *ids) {
        size_t n = 0;
        for (size_t i = 0; i < m->cluster.n_members; i++)
                if (n == 0 || ids[n - 1] != m->cluster.members[i].nodeid)
                        ids[n++] = m->cluster.members[i].nodeid;
        return n;
}

/* Blades that left without a clean shutdown and are not confirmed fenced
 * (the snapshot knows the fencer's word): removing one would let its
 * resources be recovered without a fence. */
static size_t collect_lost(Manager *m, uint32_t *ids, size_t max) {
        Snapshot s;
        size_t n = 0;

        if (manager_snapshot_build(m, &s) < 0) {
                /* Without the snapshot, the reducer's view: lost until it returns. */
                for (size_t i = 0; i < m->n_blades && n < max; i++) {
                        uint32_t id = m->blades[i]->number + 1;
                        if (cluster_blade_state(&m->cluster, id) == BLADE_LOST)
                                ids[n++] = id;
                }
                return n;
        }
        for (size_t i = 0; i < s.n_blades && n < max; i++)
                if (s.blades[i].state == BLADE_LOST)
                        ids[n++] = s.blades[i].nodeid;
        snapshot_done(&s);
        return n;
}

/* The verdict every member reaches alike (nodes_change.h), on our tables. */
int manager_nodes_verdict(Manager *m, const char *text, size_t len, NodeFile **nf, char **summary,
                          char **why) {
        uint32_t members[CLUSTER_MAX_MEMBERS], lost[NODES_MAX_NUMBER + 1];
        NodesChangeInput in = {.old = m->nodes,
                               .cluster = m->cluster_entry->name,
                               .text = text,
                               .text_len = len,
                               .members = members,
                               .n_members = collect_members(m, members),
                               .lost = lost,
                               .n_lost = collect_lost(m, lost, ELEMENTSOF(lost))};
        return nodes_change_check(&in, nf, summary, why);
}

/* --- applying a change (every member) ------------------------------------ */

/* Our blade lists follow the new file: the table is changed in place so the
 * strings of the blades that stay (our own name in the log) keep their
 * addresses. */
static int update_tables(Manager *m, const NodeFile *nf) {
        const char *cname = m->cluster_entry->name;
        _cleanup_(freep) const NodeEntry **nl = NULL;
        _cleanup_(freep) const char **names = NULL;
        _cleanup_(freep) uint32_t *ids = NULL;
        size_t nn;
        int r;

        r = nodes_list(nf, cname, &nl, &nn);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_blades;) {
                if (nodes_find_number(nf, cname, m->blades[i]->number)) {
                        i++;
                        continue;
                }
                r = nodes_remove(m->nodes, cname, m->blades[i]->name, NULL);
                if (r < 0)
                        return r;
                free(m->blades);
                m->blades = NULL;
                r = nodes_list(m->nodes, cname, &m->blades, &m->n_blades);
                if (r < 0)
                        return r;
                i = 0;
        }
        for (size_t i = 0; i < nn; i++)
                if (!nodes_find_number(m->nodes, cname, nl[i]->number)) {
                        r = nodes_add(m->nodes, cname, nl[i]->name, nl[i]->ip_address,
                                      (int)nl[i]->number, nl[i]->ip_port, NULL);
                        if (r < 0)
                                return r;
                }
        free(m->blades);
        m->blades = NULL;
        m->n_blades = 0;
        r = nodes_list(m->nodes, cname, &m->blades, &m->n_blades);
        if (r < 0)
                return r;
        m->cluster_entry = nodes_get_cluster(m->nodes, cname);
        m->local = nodes_find_number(m->nodes, cname, m->cluster.local_nodeid - 1);
        names = calloc(m->n_blades + 1, sizeof(char *));
        ids = calloc(m->n_blades + 1, sizeof(uint32_t));
        if (!names || !ids)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_blades; i++) {
                names[i] = m->blades[i]->name;
                ids[i] = m->blades[i]->number + 1;
        }
        return cluster_set_blades(&m->cluster, names, ids, m->n_blades);
}

/* Writes both files; *ret_digest = what is on our disk afterwards. */
static int apply_local(Manager *m, const WireNodes *n, const NodeFile *nf, uint64_t *ret_digest,
                       char *why, size_t why_size) {
        _cleanup_(freep) char *disk = NULL, *conf = NULL;
        size_t len, conf_len;
        int r;

        r = manager_nodes_read(m, &disk, &len, ret_digest);
        if (r < 0) {
                snprintf(why, why_size, "cannot read %s", m->opt.nodes_path);
                *ret_digest = 0;
                return r;
        }
        if (*ret_digest != n->digest) {
                snprintf(why, why_size, "%s changed on disk since it was announced",
                         m->opt.nodes_path);
                return -ESTALE;
        }
        /* Both texts first: a corosync.conf we cannot rewrite changes nothing. */
        r = manager_nodes_conf_for(m, nf, &conf, &conf_len, why, why_size);
        if (r < 0)
                return r;
        r = persist_replace_file(m->opt.nodes_path, n->text, n->text_len);
        if (r < 0) {
                snprintf(why, why_size, "cannot write %s", m->opt.nodes_path);
                return r;
        }
        *ret_digest = wire_digest(n->text, n->text_len);
        r = update_tables(m, nf);
        if (r < 0) {
                manager_fail(m, r, "updating the blade list");
                return r;
        }
        /* The majority and the blades to place resources on changed. */
        manager_coord_kick(m);
        r = persist_replace_file(coro_conf(m), conf, conf_len);
        if (r < 0) {
                snprintf(why, why_size, "cannot write %s", coro_conf(m));
                return r;
        }
        return 0;
}

static void on_change(Manager *m, uint32_t nodeid, uint32_t pid, const WireNodes *n) {
        NodesRequest *q = &m->nodes_track.req;
        bool mine = nodeid == m->cluster.local_nodeid && pid == m->cluster.local_pid &&
                    q->state == NODES_REQ_ACKS && q->id == n->request_id;
        _cleanup_(freep) char *why = NULL, *summary = NULL;
        char name[64], msg[512] = "";
        NodeFile *nf = NULL;
        uint64_t digest = 0, newd = wire_digest(n->text, n->text_len);
        int r = 0;

        /* The verdict: from replicated state only, so the same everywhere. */
        if (!cluster_has_majority(&m->cluster))
                r = asprintf(&why, "only a minority of the blades runs bladed here") < 0 ? -ENOMEM
                                                                                         : -EAGAIN;
        else if (m->cluster.round_open)
                r = asprintf(&why, "the membership is changing: try again") < 0 ? -ENOMEM : -EAGAIN;
        for (size_t i = 0; r == 0 && i < m->cluster.n_members; i++) {
                const ClusterPeer *p = &m->cluster.members[i];
                if (!manager_nodes_seen(m, p->nodeid, p->pid, &digest) || digest != n->digest)
                        r = asprintf(&why, "%s's node file is not the one this change is based on",
                                     manager_nodes_name(m, p->nodeid, name, sizeof(name))) < 0
                                    ? -ENOMEM
                                    : -ESTALE;
        }
        if (r == 0)
                r = manager_nodes_verdict(m, n->text, n->text_len, &nf, &summary, &why);
        if (r == -ENOMEM)
                return manager_fail(m, r, "checking a node file change");
        manager_nodes_name(m, nodeid, name, sizeof(name));
        if (r < 0) {
                log_node(&m->log, LOG_NOTICE, name, "node file change from %s refused: %s", name,
                         why ? why : strerror(-r));
                if (mine)
                        manager_nodes_finish(
                                m, r == -EALREADY ? CTL_STATUS_INPUT : CTL_STATUS_FAILED, NULL,
                                "refused, nothing changed: %s", why ? why : strerror(-r));
                return;
        }
        log_node(&m->log, LOG_NOTICE, name, "node file change from %s: %s", name, summary);
        /* From here a change based on the old file is stale everywhere,
         * acks or not: two admins cannot both change the same file. */
        for (size_t i = 0; i < m->cluster.n_members; i++)
                seen_set(m, m->cluster.members[i].nodeid, m->cluster.members[i].pid, newd);
        if (mine) {
                snprintf(q->summary, sizeof(q->summary), "%s", summary);
                q->delivered = true;
                for (size_t i = 0; i < m->cluster.n_members; i++)
                        q->waiting[q->n_waiting++] =
                                (ClusterAddr){.nodeid = m->cluster.members[i].nodeid,
                                              .pid = m->cluster.members[i].pid};
        }
        r = apply_local(m, n, nf, &digest, msg, sizeof(msg));
        nodes_free(nf);
        if (r < 0)
                log_error_errno(&m->log, r, "node file change: %s", msg);
        else
                log_notice(&m->log, "node file change written to %s and %s", m->opt.nodes_path,
                           coro_conf(m));
        manager_nodes_send(m, &(WireNodes){.kind = WIRE_NODES_ACK,
                                           .origin = nodeid,
                                           .request_id = n->request_id,
                                           .digest = digest,
                                           .error = r < 0 ? r : 0,
                                           .text = msg,
                                           .text_len = r < 0 ? strlen(msg) : 0});
        manager_update_status(m);
}

void manager_nodes_deliver(Manager *m, uint32_t nodeid, uint32_t pid, const WireNodes *n) {
        if (!m->cluster.joined || !manager_nodes_is_member(m, nodeid, pid))
                return;
        /* Whoever sends NODES in a new view makes every member say its digest. */
        announce_if_new_view(m);
        switch (n->kind) {
        case WIRE_NODES_ANNOUNCE:
                seen_set(m, nodeid, pid, n->digest);
                if (m->nodes_track.req.state == NODES_REQ_ANNOUNCING)
                        manager_nodes_send_change(m);
                break;
        case WIRE_NODES_CHANGE:
                on_change(m, nodeid, pid, n);
                break;
        case WIRE_NODES_ACK:
                seen_set(m, nodeid, pid, n->digest);
                manager_nodes_ack(m, nodeid, pid, n);
                break;
        }
}
