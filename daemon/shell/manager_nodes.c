/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hot-add and hot-remove (doc/procedure-hot-add.rst, -hot-remove.rst), the
 * admin's side on the blade that was asked: checks, then the request's life
 * until every member has confirmed, then corosync's reload and the answer.
 *
 *   admin -> origin: checks, then NODES ANNOUNCE until every member's
 *            digest of this view is known, then NODES CHANGE (base digest,
 *            whole new file)
 *   every daemon, in CPG order (manager_nodes_apply.c): the same verdict;
 *            if applied: both files written, blade lists updated, NODES ACK
 *   origin:  every member acknowledged without a problem -> libcfg reload
 *            (corosync reloads on every node) -> answers the admin.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <corosync/cfg.h>
#include <corosync/cmap.h>

#include "bladed/config.h"
#include "bladed/util.h"
#include "coro.h"
#include "manager_nodes_int.h"

/* Announcements and acks are a few CPG round trips: seconds are plenty. */
#define REQUEST_TIMEOUT_USEC (15 * 1000000ull)
#define TICK_USEC (500 * 1000ull)

static uint64_t now_usec(Manager *m) {
        uint64_t t = 0;
        sd_event_now(m->event, CLOCK_MONOTONIC, &t);
        return t;
}

static bool nodeid_member(const Manager *m, uint32_t nodeid) {
        for (size_t i = 0; i < m->cluster.n_members; i++)
                if (m->cluster.members[i].nodeid == nodeid)
                        return true;
        return false;
}

/* --- the admin's request ------------------------------------------------- */

static void tick_stop(Manager *m) {
        NodesTrack *t = &m->nodes_track;
        if (!t->timer)
                return;
        sd_event_source_set_floating(t->timer, false);
        t->timer = sd_event_source_disable_unref(t->timer);
}

void manager_nodes_finish(Manager *m, CtlStatus status, const char *body, const char *fmt, ...) {
        NodesRequest *q = &m->nodes_track.req;
        char msg[2048] = "";

        if (fmt) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(msg, sizeof(msg), fmt, ap);
                va_end(ap);
                log_warning(&m->log, "node %s %s: %s", q->remove ? "remove" : "add", q->name, msg);
        }
        control_reply(&m->control, q->id, status, body, body ? strlen(body) : 0, fmt ? msg : NULL);
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
                return manager_nodes_finish(
                        m, CTL_STATUS_FAILED, NULL,
                        "%s was applied, but not everywhere: %s; corosync was not told "
                        "to reload: fix that blade's files, then run corosync-cfgtool -R",
                        q->summary, q->problems);
        r = reload_corosync();
        if (r < 0)
                return manager_nodes_finish(
                        m, CTL_STATUS_FAILED, NULL,
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
        manager_nodes_finish(m, CTL_STATUS_OK, body, NULL);
}

/* Waiters that left the group will never answer. */
static void drop_gone_waiters(Manager *m) {
        NodesRequest *q = &m->nodes_track.req;
        char name[64];
        size_t k = 0;

        for (size_t i = 0; i < q->n_waiting; i++) {
                if (manager_nodes_is_member(m, q->waiting[i].nodeid, q->waiting[i].pid)) {
                        q->waiting[k++] = q->waiting[i];
                        continue;
                }
                note(q, "%s left before confirming it",
                     manager_nodes_name(m, q->waiting[i].nodeid, name, sizeof(name)));
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
                                if (!manager_nodes_seen(m, p->nodeid, p->pid, &d))
                                        k += (size_t)snprintf(missing + k, sizeof(missing) - k,
                                                              "%s%s", k ? ", " : "",
                                                              manager_nodes_name(m, p->nodeid, name,
                                                                                 sizeof(name)));
                        }
                        manager_nodes_finish(m, CTL_STATUS_FAILED, NULL,
                                             "nothing changed: no node file digest from %s in time",
                                             k ? missing : "some members");
                        return 0;
                }
                for (size_t i = 0; i < q->n_waiting && k < sizeof(missing); i++)
                        k += (size_t)snprintf(
                                missing + k, sizeof(missing) - k, "%s%s", k ? ", " : "",
                                manager_nodes_name(m, q->waiting[i].nodeid, name, sizeof(name)));
                manager_nodes_finish(
                        m, CTL_STATUS_FAILED, NULL,
                        "%s was applied, but %s did not confirm it in time; corosync was not "
                        "told to reload",
                        q->summary, missing);
                return 0;
        }
        sd_event_source_set_time(s, usec + TICK_USEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ON);
}

/* The new node file text for the request, from the file on our disk. */
static int build_text(Manager *m, const NodesRequest *q, char **ret, uint64_t *base, char *why,
                      size_t why_size) {
        _cleanup_(freep) char *old = NULL;
        _cleanup_(diag_clear) DiagList diag = {0};
        NodeFile *f = NULL;
        size_t len;
        int r;

        r = manager_nodes_read(m, &old, &len, base);
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

void manager_nodes_send_change(Manager *m) {
        NodesRequest *q = &m->nodes_track.req;
        _cleanup_(freep) char *text = NULL;
        char why[512], name[64];
        uint64_t base, mine;

        for (size_t i = 0; i < m->cluster.n_members; i++) {
                const ClusterPeer *p = &m->cluster.members[i];
                uint64_t d;
                if (!manager_nodes_seen(m, p->nodeid, p->pid, &d))
                        return; /* not yet: the next ANNOUNCE calls again */
        }
        if (!manager_nodes_seen(m, m->cluster.local_nodeid, m->cluster.local_pid, &mine))
                return;
        for (size_t i = 0; i < m->cluster.n_members; i++) {
                const ClusterPeer *p = &m->cluster.members[i];
                uint64_t d = 0;
                manager_nodes_seen(m, p->nodeid, p->pid, &d);
                if (d != mine)
                        return manager_nodes_finish(
                                m, CTL_STATUS_FAILED, NULL,
                                "nothing changed: %s's node file differs from this "
                                "blade's; every blade must hold the same file (copy "
                                "it, restart that bladed, try again)",
                                manager_nodes_name(m, p->nodeid, name, sizeof(name)));
        }
        if (build_text(m, q, &text, &base, why, sizeof(why)) < 0)
                return manager_nodes_finish(m, CTL_STATUS_INPUT, NULL, "%s", why);
        if (base != mine)
                return manager_nodes_finish(m, CTL_STATUS_FAILED, NULL,
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
        manager_nodes_send(m, &(WireNodes){.kind = WIRE_NODES_CHANGE,
                                           .request_id = q->id,
                                           .digest = base,
                                           .text = text,
                                           .text_len = strlen(text)});
}

void manager_nodes_ack(Manager *m, uint32_t nodeid, uint32_t pid, const WireNodes *n) {
        NodesRequest *q = &m->nodes_track.req;
        char name[64];

        if (n->origin != m->cluster.local_nodeid || q->state != NODES_REQ_ACKS ||
            n->request_id != q->id)
                return;
        for (size_t i = 0; i < q->n_waiting; i++)
                if (q->waiting[i].nodeid == nodeid && q->waiting[i].pid == pid) {
                        q->waiting[i] = q->waiting[--q->n_waiting];
                        if (n->error < 0)
                                note(q, "%s could not write it (%s: %.*s)",
                                     manager_nodes_name(m, nodeid, name, sizeof(name)),
                                     strerror(-n->error), (int)n->text_len, n->text ? n->text : "");
                        break;
                }
        drop_gone_waiters(m);
        maybe_complete(m);
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
                manager_nodes_finish(m, CTL_STATUS_INPUT, NULL, "nothing changed: %s", msg);
                return 0;
        }
        /* The verdict the members will reach, said early and plainly. */
        r = manager_nodes_verdict(m, text, strlen(text), &nf, NULL, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                manager_nodes_finish(m, CTL_STATUS_FAILED, NULL, "refused, nothing changed: %s",
                                     why);
                return 0;
        }
        r = manager_nodes_conf_for(m, nf, &conf, &conf_len, msg, sizeof(msg));
        nodes_free(nf);
        if (r < 0) {
                manager_nodes_finish(m, CTL_STATUS_FAILED, NULL, "refused, nothing changed: %s",
                                     msg);
                return 0;
        }
        q->state = NODES_REQ_ANNOUNCING;
        q->deadline_usec = now_usec(m) + REQUEST_TIMEOUT_USEC;
        r = sd_event_add_time_relative(m->event, &m->nodes_track.timer, CLOCK_MONOTONIC, TICK_USEC,
                                       0, on_tick, m);
        if (r < 0)
                return r;
        sd_event_source_set_floating(m->nodes_track.timer, true);
        log_info(&m->log, "node %s %s: asking every member for its node file digest",
                 q->remove ? "remove" : "add", q->name);
        /* Our ANNOUNCE makes every member announce in this view; when all
         * are in, manager_nodes_send_change() multicasts the change. */
        manager_nodes_announce(m);
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
