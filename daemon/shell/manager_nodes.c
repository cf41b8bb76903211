/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hot-add and hot-remove (doc/procedure-hot-add.rst, -hot-remove.rst): the
 * node file changed on every blade at once through CPG, corosync.conf's
 * nodelist regenerated from it, then corosync told to reload.
 *
 *   admin -> origin: checks, then NODES ANNOUNCE until every member's
 *            digest of this view is known, then NODES CHANGE (base digest,
 *            whole new file)
 *   every daemon, in CPG order: the same verdict (nodes_change_check plus
 *            the announced digests); if applied: writes the node file and
 *            corosync.conf atomically, updates its blade lists, NODES ACK
 *   origin:  every member acknowledged without a problem -> libcfg reload
 *            (corosync reloads on every node) -> answers the admin.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <corosync/cfg.h>
#include <corosync/cmap.h>

#include "bladed/config.h"
#include "bladed/nodes_change.h"
#include "bladed/util.h"
#include "coro.h"
#include "manager.h"
#include "persist.h"

#define DEFAULT_COROSYNC_CONF "/etc/corosync/corosync.conf"
#define COROSYNC_CONF_MAX (1u << 20)
/* Announcements and acks are a few CPG round trips: seconds are plenty. */
#define REQUEST_TIMEOUT_USEC (15 * 1000000ull)
#define TICK_USEC (500 * 1000ull)

static void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

static const char *coro_conf(const Manager *m) {
        return m->opt.corosync_conf_path ? m->opt.corosync_conf_path : DEFAULT_COROSYNC_CONF;
}

static uint64_t now_usec(Manager *m) {
        uint64_t t = 0;
        sd_event_now(m->event, CLOCK_MONOTONIC, &t);
        return t;
}

/* --- files --------------------------------------------------------------- */

static int read_nodes_file(Manager *m, char **text, size_t *len, uint64_t *digest) {
        int r = persist_read_file(m->opt.nodes_path, WIRE_MAX_NODE_FILE, text, len);
        if (r < 0)
                return r;
        *digest = wire_digest(*text, *len);
        return 0;
}

static int write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

/* persist.c's recipe for a file an admin owns: temp file beside it, write,
 * keep the old mode, fsync, rename, fsync the directory.  A symlink is
 * followed so the link stays a link. */
static int write_atomic(const char *path, const char *buf, size_t len) {
        _cleanup_(freep) char *real = NULL, *dir_copy = NULL, *tmp = NULL;
        _cleanup_(closep) int fd = -1, dfd = -1;
        struct stat st;
        mode_t mode = 0644;
        const char *dir;
        int r;

        real = realpath(path, NULL);
        if (!real)
                return -errno;
        if (stat(real, &st) == 0)
                mode = st.st_mode & 07777;
        dir_copy = strdup(real);
        if (!dir_copy)
                return -ENOMEM;
        dir = dirname(dir_copy);
        if (asprintf(&tmp, "%s/.bladed.XXXXXX", dir) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = write_all(fd, buf, len);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, real) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) < 0)
                return -errno;
        return 0;
}

/* corosync.conf with the nodelist of nf; *why for the admin. */
static int corosync_conf_for(Manager *m, const NodeFile *nf, char **ret, size_t *ret_len,
                             char *why, size_t why_size) {
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

static bool is_member(const Manager *m, uint32_t nodeid, uint32_t pid) {
        for (size_t i = 0; i < m->cluster.n_members; i++)
                if (m->cluster.members[i].nodeid == nodeid && m->cluster.members[i].pid == pid)
                        return true;
        return false;
}

static bool nodeid_member(const Manager *m, uint32_t nodeid) {
        for (size_t i = 0; i < m->cluster.n_members; i++)
                if (m->cluster.members[i].nodeid == nodeid)
                        return true;
        return false;
}

static const char *name_of(Manager *m, uint32_t nodeid, char *buf, size_t size) {
        return cluster_blade_name(&m->cluster, nodeid, buf, size);
}

static void send_nodes(Manager *m, const WireNodes *n) {
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
                        if (is_member(m, t->seen[i].nodeid, t->seen[i].pid))
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
static bool seen_get(Manager *m, uint32_t nodeid, uint32_t pid, uint64_t *digest) {
        const NodesSeen *s = seen_find(m, nodeid, pid);
        if (!s || s->ring != m->ring_seq || s->round != m->cluster.round)
                return false;
        *digest = s->digest;
        return true;
}

static void announce(Manager *m) {
        NodesTrack *t = &m->nodes_track;
        _cleanup_(freep) char *text = NULL;
        uint64_t digest = 0;
        size_t len;
        int r;

        if (!m->cluster.joined)
                return;
        r = read_nodes_file(m, &text, &len, &digest);
        if (r < 0) {
                /* Announce a digest no change can be based on: changes are refused. */
                log_warning_errno(&m->log, r, "cannot read the node file %s", m->opt.nodes_path);
                digest = 0;
        }
        t->announced = true;
        t->ann_ring = m->ring_seq;
        t->ann_round = m->cluster.round;
        send_nodes(m, &(WireNodes){.kind = WIRE_NODES_ANNOUNCE, .digest = digest});
}

/* Once per view, when a NODES message shows that somebody cares. */
static void announce_if_new_view(Manager *m) {
        NodesTrack *t = &m->nodes_track;
        if (!t->announced || t->ann_ring != m->ring_seq || t->ann_round != m->cluster.round)
                announce(m);
}

/* --- the admin's request ------------------------------------------------- */

static void tick_stop(Manager *m) {
        NodesTrack *t = &m->nodes_track;
        if (!t->timer)
                return;
        sd_event_source_set_floating(t->timer, false);
        t->timer = sd_event_source_disable_unref(t->timer);
}

static void req_finish(Manager *m, CtlStatus status, const char *body, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void req_finish(Manager *m, CtlStatus status, const char *body, const char *fmt, ...) {
        NodesRequest *q = &m->nodes_track.req;
        char msg[2048] = "";

        if (fmt) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(msg, sizeof(msg), fmt, ap);
                va_end(ap);
                log_warning(&m->log, "node %s %s: %s", q->remove ? "remove" : "add", q->name, msg);
        }
        control_reply(&m->control, q->id, status, body, body ? strlen(body) : 0,
                      fmt ? msg : NULL);
        *q = (NodesRequest){0};
        tick_stop(m);
}

static void note(NodesRequest *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(NodesRequest *q, const char *fmt, ...) {
        size_t k = strlen(q->problems);
        va_list ap;

        if (k && k + 2 < sizeof(q->problems)) {
                memcpy(q->problems + k, "; ", 3);
                k += 2;
        }
        va_start(ap, fmt);
        vsnprintf(q->problems + k, sizeof(q->problems) - k, fmt, ap);
        va_end(ap);
}

static int reload_corosync(void) {
        corosync_cfg_handle_t h;
        int r;

        r = coro_errno(corosync_cfg_initialize(&h, NULL));
        if (r < 0)
                return r;
        /* Every node of the ring re-reads its own corosync.conf. */
        r = coro_errno(corosync_cfg_reload_config(h));
        corosync_cfg_finalize(h);
        return r;
}

static void maybe_complete(Manager *m) {
        NodesRequest *q = &m->nodes_track.req;
        char body[512];
        int r;

        if (q->state != NODES_REQ_ACKS || !q->delivered || q->n_waiting > 0)
                return;
        if (q->problems[0])
                return req_finish(m, CTL_STATUS_FAILED, NULL,
                                  "%s was applied, but not everywhere: %s; corosync was not told "
                                  "to reload: fix that blade's files, then run corosync-cfgtool -R",
                                  q->summary, q->problems);
        r = reload_corosync();
        if (r < 0)
                return req_finish(m, CTL_STATUS_FAILED, NULL,
                                  "%s: node file and corosync.conf written on every blade, but "
                                  "corosync's reload failed (%s): run corosync-cfgtool -R",
                                  q->summary, strerror(-r));
        snprintf(body, sizeof(body),
                 "%s: done; every blade's node file and corosync nodelist are written, corosync "
                 "reloaded\n%s",
                 q->summary,
                 q->remove ? ""
                           : "next: copy the node file and corosync.conf to the new blade, start "
                             "corosync and bladed there\n");
        log_notice(&m->log, "node file change %s confirmed by every member, corosync reloaded",
                   q->summary);
        req_finish(m, CTL_STATUS_OK, body, NULL);
}

/* Waiters that left the group will never answer. */
static void drop_gone_waiters(Manager *m) {
        NodesRequest *q = &m->nodes_track.req;
        char name[64];
        size_t k = 0;

        for (size_t i = 0; i < q->n_waiting; i++) {
                if (is_member(m, q->waiting[i].nodeid, q->waiting[i].pid)) {
                        q->waiting[k++] = q->waiting[i];
                        continue;
                }
                note(q, "%s left before confirming it",
                     name_of(m, q->waiting[i].nodeid, name, sizeof(name)));
        }
        q->n_waiting = k;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        NodesRequest *q = &m->nodes_track.req;
        char missing[512] = "", name[64];
        size_t k = 0;

        if (q->state == NODES_REQ_NONE)
                return 0;
        if (q->state == NODES_REQ_ACKS) {
                drop_gone_waiters(m);
                maybe_complete(m);
                if (q->state == NODES_REQ_NONE)
                        return 0;
        }
        if (usec >= q->deadline_usec) {
                if (q->state == NODES_REQ_ANNOUNCING) {
                        for (size_t i = 0; i < m->cluster.n_members && k < sizeof(missing); i++) {
                                uint64_t d;
                                const ClusterPeer *p = &m->cluster.members[i];
                                if (!seen_get(m, p->nodeid, p->pid, &d))
                                        k += (size_t)snprintf(
                                                missing + k, sizeof(missing) - k, "%s%s",
                                                k ? ", " : "",
                                                name_of(m, p->nodeid, name, sizeof(name)));
                        }
                        req_finish(m, CTL_STATUS_FAILED, NULL,
                                   "nothing changed: no node file digest from %s in time",
                                   k ? missing : "some members");
                        return 0;
                }
                for (size_t i = 0; i < q->n_waiting && k < sizeof(missing); i++)
                        k += (size_t)snprintf(
                                missing + k, sizeof(missing) - k, "%s%s", k ? ", " : "",
                                name_of(m, q->waiting[i].nodeid, name, sizeof(name)));
                req_finish(m, CTL_STATUS_FAILED, NULL,
                           "%s was applied, but %s did not confirm it in time; corosync was not "
                           "told to reload",
                           q->summary, missing);
                return 0;
        }
        sd_event_source_set_time(s, usec + TICK_USEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ON);
}

/* The new node file text for the request, from the file on our disk. */
static int build_text(Manager *m, const NodesRequest *q, char **ret, uint64_t *base,
                      char *why, size_t why_size) {
        _cleanup_(freep) char *old = NULL;
        _cleanup_(diag_clear) DiagList diag = {0};
        NodeFile *f = NULL;
        size_t len;
        int r;

        r = read_nodes_file(m, &old, &len, base);
        if (r < 0) {
                snprintf(why, why_size, "cannot read %s: %s", m->opt.nodes_path, strerror(-r));
                return r;
        }
        r = nodes_parse(old, len, &f, NULL);
        if (r < 0) {
                snprintf(why, why_size, "%s does not parse any more: fix it first",
                         m->opt.nodes_path);
                return r;
        }
        if (q->remove)
                r = nodes_remove(f, m->cluster_entry->name, q->name, &diag);
        else
                r = nodes_add(f, m->cluster_entry->name, q->name, q->ip, q->number, 0, &diag);
        if (r < 0)
                snprintf(why, why_size, "%s",
                         diag.n ? diag.items[0].msg
                                : (r == -ENOENT ? "no such blade" : strerror(-r)));
        else
                r = nodes_format(f, ret);
        nodes_free(f);
        return r;
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
static int verdict(Manager *m, const char *text, size_t len, NodeFile **nf, char **summary,
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

static void send_change(Manager *m) {
        NodesRequest *q = &m->nodes_track.req;
        _cleanup_(freep) char *text = NULL;
        char why[512], name[64];
        uint64_t base, mine;

        for (size_t i = 0; i < m->cluster.n_members; i++) {
                const ClusterPeer *p = &m->cluster.members[i];
                uint64_t d;
                if (!seen_get(m, p->nodeid, p->pid, &d))
                        return; /* not yet: the next ANNOUNCE calls again */
        }
        if (!seen_get(m, m->cluster.local_nodeid, m->cluster.local_pid, &mine))
                return;
        for (size_t i = 0; i < m->cluster.n_members; i++) {
                const ClusterPeer *p = &m->cluster.members[i];
                uint64_t d = 0;
                seen_get(m, p->nodeid, p->pid, &d);
                if (d != mine)
                        return req_finish(m, CTL_STATUS_FAILED, NULL,
                                          "nothing changed: %s's node file differs from this "
                                          "blade's; every blade must hold the same file (copy "
                                          "it, restart that bladed, try again)",
                                          name_of(m, p->nodeid, name, sizeof(name)));
        }
        if (build_text(m, q, &text, &base, why, sizeof(why)) < 0)
                return req_finish(m, CTL_STATUS_INPUT, NULL, "%s", why);
        if (base != mine)
                return req_finish(m, CTL_STATUS_FAILED, NULL,
                                  "nothing changed: %s changed on disk since this bladed "
                                  "announced it; restart bladed after editing it",
                                  m->opt.nodes_path);
        q->base = base;
        q->digest = wire_digest(text, strlen(text));
        q->state = NODES_REQ_ACKS;
        q->delivered = false;
        q->n_waiting = 0;
        log_info(&m->log, "node %s %s: ordering the new node file through CPG",
                 q->remove ? "remove" : "add", q->name);
        send_nodes(m, &(WireNodes){.kind = WIRE_NODES_CHANGE,
                                   .request_id = q->id,
                                   .digest = base,
                                   .text = text,
                                   .text_len = strlen(text)});
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

        r = read_nodes_file(m, &disk, &len, ret_digest);
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
        r = corosync_conf_for(m, nf, &conf, &conf_len, why, why_size);
        if (r < 0)
                return r;
        r = write_atomic(m->opt.nodes_path, n->text, n->text_len);
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
        r = write_atomic(coro_conf(m), conf, conf_len);
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
                r = asprintf(&why, "the membership is changing: try again") < 0 ? -ENOMEM
                                                                                 : -EAGAIN;
        for (size_t i = 0; r == 0 && i < m->cluster.n_members; i++) {
                const ClusterPeer *p = &m->cluster.members[i];
                if (!seen_get(m, p->nodeid, p->pid, &digest) || digest != n->digest)
                        r = asprintf(&why,
                                     "%s's node file is not the one this change is based on",
                                     name_of(m, p->nodeid, name, sizeof(name))) < 0
                                    ? -ENOMEM
                                    : -ESTALE;
        }
        if (r == 0)
                r = verdict(m, n->text, n->text_len, &nf, &summary, &why);
        if (r == -ENOMEM)
                return manager_fail(m, r, "checking a node file change");
        name_of(m, nodeid, name, sizeof(name));
        if (r < 0) {
                log_node(&m->log, LOG_NOTICE, name, "node file change from %s refused: %s", name,
                         why ? why : strerror(-r));
                if (mine)
                        req_finish(m, r == -EALREADY ? CTL_STATUS_INPUT : CTL_STATUS_FAILED, NULL,
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
                        q->waiting[q->n_waiting++] = (ClusterAddr){
                                .nodeid = m->cluster.members[i].nodeid,
                                .pid = m->cluster.members[i].pid};
        }
        r = apply_local(m, n, nf, &digest, msg, sizeof(msg));
        nodes_free(nf);
        if (r < 0)
                log_error_errno(&m->log, r, "node file change: %s", msg);
        else
                log_notice(&m->log, "node file change written to %s and %s", m->opt.nodes_path,
                           coro_conf(m));
        send_nodes(m, &(WireNodes){.kind = WIRE_NODES_ACK,
                                   .origin = nodeid,
                                   .request_id = n->request_id,
                                   .digest = digest,
                                   .error = r < 0 ? r : 0,
                                   .text = msg,
                                   .text_len = r < 0 ? strlen(msg) : 0});
        manager_update_status(m);
}

static void on_ack(Manager *m, uint32_t nodeid, uint32_t pid, const WireNodes *n) {
        NodesRequest *q = &m->nodes_track.req;
        char name[64];

        seen_set(m, nodeid, pid, n->digest);
        if (n->origin != m->cluster.local_nodeid || q->state != NODES_REQ_ACKS ||
            n->request_id != q->id)
                return;
        for (size_t i = 0; i < q->n_waiting; i++)
                if (q->waiting[i].nodeid == nodeid && q->waiting[i].pid == pid) {
                        q->waiting[i] = q->waiting[--q->n_waiting];
                        if (n->error < 0)
                                note(q, "%s could not write it (%s: %.*s)",
                                     name_of(m, nodeid, name, sizeof(name)),
                                     strerror(-n->error), (int)n->text_len,
                                     n->text ? n->text : "");
                        break;
                }
        drop_gone_waiters(m);
        maybe_complete(m);
}

void manager_nodes_deliver(Manager *m, uint32_t nodeid, uint32_t pid, const WireNodes *n) {
        if (!m->cluster.joined || !is_member(m, nodeid, pid))
                return;
        /* Whoever sends NODES in a new view makes every member say its digest. */
        announce_if_new_view(m);
        switch (n->kind) {
        case WIRE_NODES_ANNOUNCE:
                seen_set(m, nodeid, pid, n->digest);
                if (m->nodes_track.req.state == NODES_REQ_ANNOUNCING)
                        send_change(m);
                break;
        case WIRE_NODES_CHANGE:
                on_change(m, nodeid, pid, n);
                break;
        case WIRE_NODES_ACK:
                on_ack(m, nodeid, pid, n);
                break;
        }
}

/* --- entry points ------------------------------------------------------- */

/* Common refusals; true when the request was answered. */
static bool refuse_now(Manager *m, uint64_t id) {
        const char *why = NULL;

        if (m->nodes_track.req.state != NODES_REQ_NONE)
                why = "another node add/remove asked on this blade is still in progress";
        else if (m->stopping)
                why = "this bladed is stopping";
        else if (cluster_can_change(&m->cluster, &why) == 0 && m->cluster.round_open)
                why = "the membership is changing: try again in a moment";
        if (!why)
                return false;
        control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0, why);
        return true;
}

static int start_request(Manager *m) {
        NodesRequest *q = &m->nodes_track.req;
        _cleanup_(freep) char *text = NULL, *why = NULL, *conf = NULL;
        char msg[512];
        NodeFile *nf = NULL;
        uint64_t base;
        size_t conf_len;
        int r;

        r = build_text(m, q, &text, &base, msg, sizeof(msg));
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                req_finish(m, CTL_STATUS_INPUT, NULL, "nothing changed: %s", msg);
                return 0;
        }
        /* The verdict the members will reach, said early and plainly. */
        r = verdict(m, text, strlen(text), &nf, NULL, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                req_finish(m, CTL_STATUS_FAILED, NULL, "refused, nothing changed: %s", why);
                return 0;
        }
        r = corosync_conf_for(m, nf, &conf, &conf_len, msg, sizeof(msg));
        nodes_free(nf);
        if (r < 0) {
                req_finish(m, CTL_STATUS_FAILED, NULL, "refused, nothing changed: %s", msg);
                return 0;
        }
        q->state = NODES_REQ_ANNOUNCING;
        q->deadline_usec = now_usec(m) + REQUEST_TIMEOUT_USEC;
        r = sd_event_add_time_relative(m->event, &m->nodes_track.timer, CLOCK_MONOTONIC,
                                       TICK_USEC, 0, on_tick, m);
        if (r < 0)
                return r;
        sd_event_source_set_floating(m->nodes_track.timer, true);
        log_info(&m->log, "node %s %s: asking every member for its node file digest",
                 q->remove ? "remove" : "add", q->name);
        /* Our ANNOUNCE makes every member announce in this view; when all
         * are in, send_change() multicasts the change. */
        announce(m);
        return 0;
}

int manager_nodes_add(Manager *m, uint64_t id, const char *name, const char *ip, int number) {
        NodesRequest *q = &m->nodes_track.req;

        if (refuse_now(m, id))
                return 0;
        if (!name || !ip || strlen(name) > NODES_NODE_NAME_MAX || strlen(ip) >= sizeof(q->ip)) {
                control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0,
                              "nothing changed: the name or the address is too long");
                return 0;
        }
        *q = (NodesRequest){.id = id, .number = number < 0 ? -1 : number};
        snprintf(q->name, sizeof(q->name), "%s", name);
        snprintf(q->ip, sizeof(q->ip), "%s", ip);
        return start_request(m);
}

static bool holds_resources(const RscRole role) {
        return role == RSC_STARTED || role == RSC_FAILED || role == RSC_STOP_FAILED ||
               role == RSC_MIGRATING;
}

/* corosync itself still has the blade in its membership? */
static bool corosync_has(uint32_t nodeid) {
        cmap_handle_t h;
        char key[64], *status = NULL;
        bool joined = false;

        if (cmap_initialize(&h) != CS_OK)
                return false;
        snprintf(key, sizeof(key), "runtime.members.%" PRIu32 ".status", nodeid);
        if (cmap_get_string(h, key, &status) == CS_OK)
                joined = status && strcmp(status, "joined") == 0;
        free(status);
        cmap_finalize(h);
        return joined;
}

int manager_nodes_remove(Manager *m, uint64_t id, const char *name) {
        NodesRequest *q = &m->nodes_track.req;
        _cleanup_(diag_clear) DiagList diag = {0};
        _cleanup_(freep) const char **names = NULL;
        const NodeEntry *b = NULL;
        char list[1024] = "", msg[1400];
        size_t k = 0, n = 0;
        uint32_t nodeid;
        int r;

        if (refuse_now(m, id))
                return 0;
        for (size_t i = 0; i < m->n_blades && name; i++)
                if (strcasecmp(m->blades[i]->name, name) == 0)
                        b = m->blades[i];
        if (!b) {
                control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0,
                              "nothing changed: the node file has no blade of that name");
                return 0;
        }
        nodeid = b->number + 1;
        if (nodeid_member(m, nodeid)) {
                for (size_t i = 0; i < m->n_rows && k < sizeof(list); i++)
                        if (m->rows[i].nodeid == nodeid && holds_resources(m->rows[i].role))
                                k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s",
                                                      k ? ", " : "", m->rows[i].rsc);
                if (k)
                        snprintf(msg, sizeof(msg),
                                 "refused, nothing changed: %s runs %s: put it in standby first "
                                 "(bladectl standby %s), wait until it holds nothing, then stop "
                                 "bladed and corosync on it",
                                 b->name, list, b->name);
                else
                        snprintf(msg, sizeof(msg),
                                 "refused, nothing changed: %s is online: stop bladed and "
                                 "corosync on it first",
                                 b->name);
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0, msg);
                return 0;
        }
        if (corosync_has(nodeid)) {
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0,
                              "refused, nothing changed: corosync still runs on that blade (its "
                              "bladed is stopped): stop corosync on it first");
                return 0;
        }
        /* The safe default: a configuration that still names the blade is
         * fixed first, so nothing refers to a blade that no longer exists. */
        names = calloc(m->n_blades, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_blades; i++)
                if (m->blades[i] != b)
                        names[n++] = m->blades[i]->name;
        r = config_check_nodes(m->config, names, n, &diag);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                diag_sort(&diag);
                for (size_t i = 0, shown = 0; i < diag.n && shown < 8 && k < sizeof(list); i++)
                        if (diag.items[i].level == DIAG_ERROR) {
                                k += (size_t)snprintf(list + k, sizeof(list) - k, "%sline %d: %s",
                                                      k ? "; " : "", diag.items[i].line,
                                                      diag.items[i].msg);
                                shown++;
                        }
                log_notice(&m->log, "node remove %s refused: the configuration refers to it: %s",
                           b->name, list);
                snprintf(msg, sizeof(msg),
                         "refused, nothing changed: the configuration still refers to %s (%s): "
                         "load a configuration without those references first",
                         b->name, list);
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0, msg);
                return 0;
        }
        *q = (NodesRequest){.id = id, .remove = true, .number = (int)b->number};
        snprintf(q->name, sizeof(q->name), "%s", b->name);
        return start_request(m);
}
