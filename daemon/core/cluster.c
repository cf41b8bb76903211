/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cluster state reducer (cluster.h).  Every decision here depends only
 * on the sequence of events CPG delivers, which is the same on every member,
 * plus what each member announced about itself in its STATE message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/cluster.h"
#include "bladed/util.h"

static int addr_cmp(uint32_t an, uint32_t ap, uint32_t bn, uint32_t bp) {
        if (an != bn)
                return an < bn ? -1 : 1;
        if (ap != bp)
                return ap < bp ? -1 : 1;
        return 0;
}

static int addr_qsort_cmp(const void *a, const void *b) {
        const ClusterAddr *x = a, *y = b;
        return addr_cmp(x->nodeid, x->pid, y->nodeid, y->pid);
}

static bool in_list(const ClusterAddr *l, size_t n, uint32_t nodeid, uint32_t pid) {
        for (size_t i = 0; i < n; i++)
                if (l[i].nodeid == nodeid && l[i].pid == pid)
                        return true;
        return false;
}

static ClusterPeer *find_member(Cluster *c, uint32_t nodeid, uint32_t pid) {
        for (size_t i = 0; i < c->n_members; i++)
                if (c->members[i].nodeid == nodeid && c->members[i].pid == pid)
                        return &c->members[i];
        return NULL;
}

static bool is_local(const Cluster *c, uint32_t nodeid, uint32_t pid) {
        return nodeid == c->local_nodeid && pid == c->local_pid;
}

const char *cluster_blade_name(const Cluster *c, uint32_t nodeid, char *buf, size_t size) {
        for (size_t i = 0; i < c->n_blades; i++)
                if (c->nodeids[i] == nodeid) {
                        snprintf(buf, size, "%s", c->names[i]);
                        return buf;
                }
        snprintf(buf, size, "node %" PRIu32, nodeid);
        return buf;
}

bool cluster_has_majority(const Cluster *c) {
        size_t distinct = 0;

        /* members are sorted by node id: count each node once even if a
         * second daemon of the same blade is in the group for a moment. */
        for (size_t i = 0; i < c->n_members; i++)
                if (i == 0 || c->members[i].nodeid != c->members[i - 1].nodeid)
                        distinct++;
        return c->joined && distinct * 2 > c->n_blades;
}

int cluster_set_blades(Cluster *c, const char *const *names, const uint32_t *nodeids, size_t n) {
        char **nn = calloc(n + 1, sizeof(char *));
        uint32_t *ni = calloc(n + 1, sizeof(uint32_t));
        size_t k = 0;

        if (!nn || !ni)
                goto oom;
        for (size_t i = 0; i < n; i++) {
                nn[i] = strdup(names[i]);
                if (!nn[i])
                        goto oom;
                ni[i] = nodeids[i];
        }
        for (size_t i = 0; i < c->n_blades; i++)
                free(c->names[i]);
        free(c->names);
        free(c->nodeids);
        c->names = nn;
        c->nodeids = ni;
        c->n_blades = n;
        for (size_t i = 0; i < c->n_gone; i++) {
                bool listed = false;
                for (size_t j = 0; j < n; j++)
                        listed |= ni[j] == c->gone[i].nodeid;
                if (listed)
                        c->gone[k++] = c->gone[i];
        }
        c->n_gone = k;
        /* Same rule as after a membership change: authority needs a majority. */
        if (!cluster_has_majority(c))
                c->authoritative = false;
        return 0;
oom:
        if (nn)
                for (size_t i = 0; i < n; i++)
                        free(nn[i]);
        free(nn);
        free(ni);
        return -ENOMEM;
}

/* --- our copy ------------------------------------------------------------ */

static int set_doc(Cluster *c, const char *doc, size_t len, uint64_t epoch) {
        char *copy = malloc(len + 1);

        if (!copy)
                return -ENOMEM;
        memcpy(copy, doc, len);
        copy[len] = 0;
        free(c->doc);
        c->doc = copy;
        c->doc_len = len;
        c->epoch = epoch;
        c->digest = wire_digest(doc, len);
        return 0;
}

int cluster_init(Cluster *c, const ClusterInit *in) {
        *c = (Cluster){
                .local_nodeid = in->local_nodeid,
                .local_pid = in->local_pid,
                .n_blades = in->n_blades,
                .stamp = in->stamp,
        };
        c->names = calloc(in->n_blades + 1, sizeof(char *));
        c->nodeids = calloc(in->n_blades + 1, sizeof(uint32_t));
        if (!c->names || !c->nodeids)
                goto oom;
        for (size_t i = 0; i < in->n_blades; i++) {
                c->names[i] = strdup(in->names[i]);
                if (!c->names[i])
                        goto oom;
                c->nodeids[i] = in->nodeids[i];
        }
        if (set_doc(c, in->doc, in->doc_len, in->epoch) < 0)
                goto oom;
        return 0;
oom:
        cluster_done(c);
        return -ENOMEM;
}

static void pending_free(ClusterPending *p) {
        free(p->waiting);
        free(p->problems);
}

void cluster_done(Cluster *c) {
        if (!c)
                return;
        if (c->names)
                for (size_t i = 0; i < c->n_blades; i++)
                        free(c->names[i]);
        free(c->names);
        free(c->nodeids);
        free(c->members);
        free(c->doc);
        for (size_t i = 0; i < c->n_queue; i++)
                free(c->queue[i].doc);
        free(c->queue);
        for (size_t i = 0; i < c->n_pending; i++)
                pending_free(&c->pending[i]);
        free(c->pending);
        free(c->gone);
        *c = (Cluster){0};
}

void cluster_effects_done(ClusterEffects *fx) {
        if (!fx)
                return;
        for (size_t i = 0; i < fx->n_replies; i++)
                free(fx->replies[i].message);
        free(fx->replies);
        *fx = (ClusterEffects){0};
}

/* --- replies ------------------------------------------------------------- */

static int add_reply(ClusterEffects *fx, uint64_t request_id, int error, uint64_t epoch,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int add_reply(ClusterEffects *fx, uint64_t request_id, int error, uint64_t epoch,
                     const char *fmt, ...) {
        ClusterReply *n = realloc(fx->replies, (fx->n_replies + 1) * sizeof(*n));
        char *msg = NULL;

        if (!n)
                return -ENOMEM;
        fx->replies = n;
        if (fmt) {
                va_list ap;
                va_start(ap, fmt);
                int k = vasprintf(&msg, fmt, ap);
                va_end(ap);
                if (k < 0)
                        return -ENOMEM;
        }
        fx->replies[fx->n_replies++] = (ClusterReply){
                .request_id = request_id, .error = error, .epoch = epoch, .message = msg};
        return 0;
}

static int pending_note(ClusterPending *p, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static int pending_note(ClusterPending *p, const char *fmt, ...) {
        char *add, *joined;
        va_list ap;

        va_start(ap, fmt);
        int k = vasprintf(&add, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        if (!p->problems) {
                p->problems = add;
                return 0;
        }
        k = asprintf(&joined, "%s; %s", p->problems, add);
        free(add);
        if (k < 0)
                return -ENOMEM;
        free(p->problems);
        p->problems = joined;
        return 0;
}

/* Replies for pending changes nobody is waiting for any more. */
static int pending_flush(Cluster *c, ClusterEffects *fx) {
        size_t j = 0;
        int r = 0;

        for (size_t i = 0; i < c->n_pending; i++) {
                ClusterPending *p = &c->pending[i];
                if (p->n_waiting > 0) {
                        c->pending[j++] = *p;
                        continue;
                }
                if (p->problems)
                        r = add_reply(fx, p->request_id, -EIO, p->epoch,
                                      "configuration epoch %" PRIu64
                                      " was applied, but not confirmed everywhere: %s",
                                      p->epoch, p->problems);
                else
                        r = add_reply(fx, p->request_id, 0, p->epoch, NULL);
                pending_free(p);
                if (r < 0)
                        break;
        }
        c->n_pending = j;
        return r;
}

static void pending_drop_waiter(ClusterPending *p, uint32_t nodeid, uint32_t pid) {
        for (size_t i = 0; i < p->n_waiting; i++)
                if (p->waiting[i].nodeid == nodeid && p->waiting[i].pid == pid) {
                        p->waiting[i] = p->waiting[--p->n_waiting];
                        return;
                }
}

/* --- applying a change --------------------------------------------------- */

static void clear_lagging(Cluster *c) {
        for (size_t i = 0; i < c->n_members; i++)
                c->members[i].lagging = false;
        c->sync_pending = false;
}

static void mark_synced(Cluster *c, ClusterEffects *fx) {
        if (!c->synced)
                fx->synced = true;
        c->synced = true;
        c->ever_synced = true;
        if (cluster_has_majority(c))
                c->authoritative = true;
}

static int apply_request(Cluster *c, uint32_t nodeid, uint32_t pid, uint64_t request_id, bool based,
                         uint64_t base_epoch, const char *doc, size_t len, ClusterEffects *fx) {
        bool mine = is_local(c, nodeid, pid);
        _cleanup_(freep) char *stamped = NULL;
        size_t stamped_len;
        uint64_t epoch;
        int r;

        if (!cluster_has_majority(c)) {
                /* Same members on every daemon, so every daemon refuses it. */
                if (mine)
                        return add_reply(fx, request_id, -EAGAIN, 0,
                                         "refused: only a minority of the %zu blades runs bladed "
                                         "in this partition; configuration changes need more "
                                         "than half",
                                         c->n_blades);
                return 0;
        }
        if (based && base_epoch != c->cluster_epoch) {
                /* An edit made on an older copy would silently undo what was
                 * applied since; every daemon sees the same epochs here. */
                if (mine)
                        return add_reply(fx, request_id, -ESTALE, 0,
                                         "refused: the configuration changed while this change "
                                         "was on its way (made on epoch %" PRIu64
                                         ", the cluster is at epoch %" PRIu64
                                         "); nothing was applied: run the command again",
                                         base_epoch, c->cluster_epoch);
                return 0;
        }
        epoch = c->cluster_epoch + 1;
        r = c->stamp(doc, len, epoch, &stamped, &stamped_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || stamped_len == 0 || stamped_len > WIRE_MAX_DOC) {
                /* Deterministic: the same document fails the same way everywhere. */
                if (mine)
                        return add_reply(fx, request_id, -EINVAL, 0,
                                         "refused: the document could not be stamped with "
                                         "epoch %" PRIu64,
                                         epoch);
                return 0;
        }
        r = set_doc(c, stamped, stamped_len, epoch);
        if (r < 0)
                return r;
        c->cluster_epoch = epoch;
        clear_lagging(c);
        mark_synced(c, fx);
        fx->persist = true;
        fx->send_ack = true;
        fx->ack_epoch = epoch;

        if (mine && c->n_pending >= CLUSTER_MAX_PENDING)
                /* Applied like everywhere else (the decision must not depend on
                 * what only we know); we just cannot follow its acks. */
                return add_reply(fx, request_id, -EBUSY, epoch,
                                 "configuration epoch %" PRIu64 " was applied, but too many "
                                 "changes are waiting for confirmation to follow this one",
                                 epoch);
        if (mine) {
                ClusterPending *np = realloc(c->pending, (c->n_pending + 1) * sizeof(*np));
                if (!np)
                        return -ENOMEM;
                c->pending = np;
                ClusterPending *p = &c->pending[c->n_pending];
                *p = (ClusterPending){.request_id = request_id, .epoch = epoch};
                p->waiting = calloc(c->n_members ? c->n_members : 1, sizeof(ClusterAddr));
                if (!p->waiting)
                        return -ENOMEM;
                for (size_t i = 0; i < c->n_members; i++)
                        p->waiting[p->n_waiting++] = (ClusterAddr){.nodeid = c->members[i].nodeid,
                                                                   .pid = c->members[i].pid};
                c->n_pending++;
        }
        return 0;
}

static int drain_queue(Cluster *c, ClusterEffects *fx) {
        int r = 0;
        size_t i;

        for (i = 0; i < c->n_queue && r >= 0; i++) {
                ClusterQueued *q = &c->queue[i];
                r = apply_request(c, q->nodeid, q->pid, q->request_id, q->based, q->base_epoch,
                                  q->doc, q->doc_len, fx);
        }
        for (size_t k = 0; k < c->n_queue; k++)
                free(c->queue[k].doc);
        c->n_queue = 0;
        return r;
}

/* --- sync rounds --------------------------------------------------------- */

static uint64_t round_tag(const Cluster *c) {
        uint8_t buf[8 * CLUSTER_MAX_MEMBERS];
        size_t n = 0;

        for (size_t i = 0; i < c->n_members; i++) {
                const ClusterPeer *m = &c->members[i];
                for (int k = 3; k >= 0; k--)
                        buf[n++] = (uint8_t)(m->nodeid >> (8 * k));
                for (int k = 3; k >= 0; k--)
                        buf[n++] = (uint8_t)(m->pid >> (8 * k));
        }
        return wire_digest(buf, n);
}

static void start_round(Cluster *c, ClusterEffects *fx) {
        c->round_open = true;
        c->round = round_tag(c);
        for (size_t i = 0; i < c->n_members; i++)
                c->members[i].has_state = false;
        c->synced = false;
        fx->send_state = true;
}

/* Is a better than b as the copy everyone should hold? */
static bool better(const ClusterPeer *a, const ClusterPeer *b) {
        bool aa = a->state.flags & WIRE_STATE_AUTHORITATIVE;
        bool ba = b->state.flags & WIRE_STATE_AUTHORITATIVE;

        if (aa != ba)
                return aa;
        if (a->state.epoch != b->state.epoch)
                return a->state.epoch > b->state.epoch;
        return addr_cmp(a->nodeid, a->pid, b->nodeid, b->pid) < 0;
}

static int maybe_close_round(Cluster *c, ClusterEffects *fx) {
        const ClusterPeer *best = NULL;
        bool any_lag = false, local_lags = false;

        if (!c->round_open)
                return 0;
        for (size_t i = 0; i < c->n_members; i++) {
                if (!c->members[i].has_state)
                        return 0;
                if (!best || better(&c->members[i], best))
                        best = &c->members[i];
        }
        if (!best)
                return 0;

        c->round_open = false;
        c->decided = true;
        fx->decided = true;
        c->winner_nodeid = best->nodeid;
        c->winner_pid = best->pid;
        c->cluster_epoch = best->state.epoch;
        c->win_digest = best->state.digest;
        for (size_t i = 0; i < c->n_members; i++) {
                ClusterPeer *m = &c->members[i];
                m->lagging = m->state.epoch != c->cluster_epoch || m->state.digest != c->win_digest;
                any_lag |= m->lagging;
                if (m->lagging && is_local(c, m->nodeid, m->pid))
                        local_lags = true;
                if (m->state.n_blades != c->n_blades)
                        fx->blade_count_mismatch = true;
        }
        c->sync_pending = any_lag;
        if (!local_lags)
                mark_synced(c, fx);
        /* Queued changes carry whole documents: applying one brings laggers up
         * to date too (it clears sync_pending), so the winner's CONFIG is only
         * needed when none was applied. */
        int r = drain_queue(c, fx);
        if (r < 0)
                return r;
        if (c->sync_pending && is_local(c, c->winner_nodeid, c->winner_pid))
                fx->send_config = true;
        return 0;
}

/* --- membership ---------------------------------------------------------- */

static int gone_set(Cluster *c, uint32_t nodeid, bool failed) {
        for (size_t i = 0; i < c->n_gone; i++)
                if (c->gone[i].nodeid == nodeid) {
                        c->gone[i].failed = failed;
                        return 0;
                }
        ClusterGone *n = realloc(c->gone, (c->n_gone + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        c->gone = n;
        c->gone[c->n_gone++] = (ClusterGone){.nodeid = nodeid, .failed = failed};
        return 0;
}

static void gone_clear(Cluster *c, uint32_t nodeid) {
        for (size_t i = 0; i < c->n_gone; i++)
                if (c->gone[i].nodeid == nodeid) {
                        c->gone[i] = c->gone[--c->n_gone];
                        return;
                }
}

int cluster_apply_confchg(Cluster *c, const ClusterAddr *members, size_t n_members,
                          const ClusterAddr *left, size_t n_left, const ClusterAddr *joined,
                          size_t n_joined, ClusterEffects *fx) {
        _cleanup_(freep) ClusterAddr *sorted = NULL;
        ClusterPeer *nm;
        bool was_joined = c->joined;
        char name[64];
        int r;

        if (n_members > CLUSTER_MAX_MEMBERS)
                return -EINVAL;
        if (in_list(left, n_left, c->local_nodeid, c->local_pid)) {
                /* We left (cpg_leave, or corosync evicted us): nothing is ours to decide. */
                c->joined = false;
                c->n_members = 0;
                c->round_open = false;
                c->synced = false;
                return 0;
        }
        if (!in_list(members, n_members, c->local_nodeid, c->local_pid))
                return 0; /* not about us: CPG only calls for our group */
        if (!was_joined && !in_list(joined, n_joined, c->local_nodeid, c->local_pid))
                return 0;

        sorted = malloc((n_members ? n_members : 1) * sizeof(*sorted));
        nm = calloc(n_members ? n_members : 1, sizeof(*nm));
        if (!sorted || !nm) {
                free(nm);
                return -ENOMEM;
        }
        if (n_members)
                memcpy(sorted, members, n_members * sizeof(*sorted));
        qsort(sorted, n_members, sizeof(*sorted), addr_qsort_cmp);
        for (size_t i = 0; i < n_members; i++) {
                if (i > 0 && addr_qsort_cmp(&sorted[i - 1], &sorted[i]) == 0) {
                        free(nm);
                        return -EINVAL;
                }
                ClusterPeer *old =
                        was_joined ? find_member(c, sorted[i].nodeid, sorted[i].pid) : NULL;
                /* A member that stays keeps what it said in the open round. */
                nm[i] = old ? *old
                            : (ClusterPeer){.nodeid = sorted[i].nodeid, .pid = sorted[i].pid};
        }
        free(c->members);
        c->members = nm;
        c->n_members = n_members;
        c->joined = true;

        for (size_t i = 0; i < n_left; i++) {
                /* A blade counts as gone only when none of its daemons remains. */
                bool still = false;
                for (size_t k = 0; k < n_members; k++)
                        still |= members[k].nodeid == left[i].nodeid;
                if (!still) {
                        r = gone_set(c, left[i].nodeid, left[i].reason != CLUSTER_REASON_LEAVE);
                        if (r < 0)
                                return r;
                }
                for (size_t k = 0; k < c->n_pending; k++) {
                        ClusterPending *p = &c->pending[k];
                        size_t before = p->n_waiting;
                        pending_drop_waiter(p, left[i].nodeid, left[i].pid);
                        if (p->n_waiting < before) {
                                r = pending_note(
                                        p, "%s left before confirming it",
                                        cluster_blade_name(c, left[i].nodeid, name, sizeof(name)));
                                if (r < 0)
                                        return r;
                        }
                }
        }
        for (size_t i = 0; i < n_members; i++)
                gone_clear(c, members[i].nodeid);

        if (!cluster_has_majority(c))
                c->authoritative = false;

        if (n_joined > 0) {
                /* Somebody new (a start, a restart or a merge): compare copies. */
                start_round(c, fx);
        } else if (c->round_open) {
                /* Leavers are no longer waited for; the round keeps its tag so the
                 * STATEs already on their way still count. */
                r = maybe_close_round(c, fx);
                if (r < 0)
                        return r;
        } else if (c->sync_pending) {
                bool winner_here = find_member(c, c->winner_nodeid, c->winner_pid) != NULL;
                bool lag = false;
                for (size_t i = 0; i < c->n_members; i++)
                        lag |= c->members[i].lagging;
                if (!lag)
                        c->sync_pending = false;
                else if (!winner_here)
                        /* The winner left before its copy arrived: decide again. */
                        start_round(c, fx);
        }
        return pending_flush(c, fx);
}

void cluster_set_quorate(Cluster *c, bool quorate) {
        c->quorate = quorate;
}

/* --- messages ------------------------------------------------------------ */

static int on_state(Cluster *c, ClusterPeer *from, const WireState *s, ClusterEffects *fx) {
        if (!c->round_open || s->round != c->round || from->has_state) {
                /* Sent for an earlier membership, or a duplicate. */
                fx->n_ignored++;
                return 0;
        }
        from->has_state = true;
        from->state = *s;
        return maybe_close_round(c, fx);
}

static int on_config(Cluster *c, ClusterPeer *from, const WireConfig *w, ClusterEffects *fx) {
        ClusterPeer *me;
        int r;

        if (c->round_open || !c->sync_pending || from->nodeid != c->winner_nodeid ||
            from->pid != c->winner_pid || w->round != c->round || w->epoch != c->cluster_epoch ||
            w->digest != c->win_digest) {
                /* Not the copy the last decision asked for: a newer decision or a
                 * change has overtaken it. */
                fx->n_ignored++;
                return 0;
        }
        me = find_member(c, c->local_nodeid, c->local_pid);
        if (me && me->lagging) {
                r = set_doc(c, w->doc, w->doc_len, w->epoch);
                if (r < 0)
                        return r;
                fx->persist = true;
                fx->adopted = true;
                mark_synced(c, fx);
        }
        clear_lagging(c);
        return 0;
}

static int on_request(Cluster *c, ClusterPeer *from, const WireRequest *q, ClusterEffects *fx) {
        if (!c->round_open)
                return apply_request(c, from->nodeid, from->pid, q->request_id, q->based,
                                     q->base_epoch, q->doc, q->doc_len, fx);
        if (c->n_queue >= CLUSTER_MAX_QUEUE) {
                if (is_local(c, from->nodeid, from->pid))
                        return add_reply(fx, q->request_id, -EBUSY, 0,
                                         "refused: too many changes waiting for the membership "
                                         "to settle; try again");
                return 0;
        }
        ClusterQueued *n = realloc(c->queue, (c->n_queue + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        c->queue = n;
        char *doc = malloc(q->doc_len + 1);
        if (!doc)
                return -ENOMEM;
        memcpy(doc, q->doc, q->doc_len);
        doc[q->doc_len] = 0;
        c->queue[c->n_queue++] = (ClusterQueued){.nodeid = from->nodeid,
                                                 .pid = from->pid,
                                                 .request_id = q->request_id,
                                                 .based = q->based,
                                                 .base_epoch = q->base_epoch,
                                                 .doc = doc,
                                                 .doc_len = q->doc_len};
        return 0;
}

static int on_ack(Cluster *c, ClusterPeer *from, const WireAck *a, ClusterEffects *fx) {
        char name[64];
        int r;

        for (size_t i = 0; i < c->n_pending; i++) {
                ClusterPending *p = &c->pending[i];
                size_t before = p->n_waiting;
                if (p->epoch > a->epoch)
                        continue;
                pending_drop_waiter(p, from->nodeid, from->pid);
                if (p->n_waiting < before && a->error < 0) {
                        r = pending_note(p, "%s could not write it (%s%s%.*s)",
                                         cluster_blade_name(c, from->nodeid, name, sizeof(name)),
                                         strerror(-a->error), a->msg_len ? ": " : "",
                                         (int)a->msg_len, a->msg ? a->msg : "");
                        if (r < 0)
                                return r;
                }
        }
        return pending_flush(c, fx);
}

int cluster_apply_message(Cluster *c, uint32_t nodeid, uint32_t pid, const WireMessage *m,
                          ClusterEffects *fx) {
        ClusterPeer *from;

        if (m->nodeid != nodeid)
                return -EBADMSG;
        if (!c->joined)
                return 0;
        from = find_member(c, nodeid, pid);
        if (!from) {
                /* CPG delivers only members' messages; be safe anyway. */
                fx->n_ignored++;
                return 0;
        }
        switch (m->type) {
        case WIRE_STATE:
                return on_state(c, from, &m->state, fx);
        case WIRE_CONFIG:
                return on_config(c, from, &m->config, fx);
        case WIRE_CONFIG_REQUEST:
        case WIRE_CONFIG_EDIT:
                return on_request(c, from, &m->request, fx);
        case WIRE_CONFIG_ACK:
                return on_ack(c, from, &m->ack, fx);
        default:
                fx->n_ignored++;
                return 0;
        }
}

/* --- queries ------------------------------------------------------------- */

int cluster_can_change(const Cluster *c, const char **why) {
        if (!c->joined) {
                *why = "this blade's daemon has not joined the cluster group yet: try again";
                return -ENOTCONN;
        }
        if (!c->quorate) {
                *why = "this blade has no quorum: configuration changes need the quorate "
                       "partition";
                return -ENOLINK;
        }
        if (!cluster_has_majority(c)) {
                *why = "fewer than half of the blades run bladed in this partition: "
                       "configuration changes need more than half";
                return -EAGAIN;
        }
        *why = NULL;
        return 0;
}

void cluster_make_state(const Cluster *c, WireMessage *m) {
        uint32_t flags = 0;

        if (c->authoritative)
                flags |= WIRE_STATE_AUTHORITATIVE;
        if (c->quorate)
                flags |= WIRE_STATE_QUORATE;
        if (c->synced)
                flags |= WIRE_STATE_SYNCED;
        *m = (WireMessage){.type = WIRE_STATE, .nodeid = c->local_nodeid};
        m->state = (WireState){.round = c->round,
                               .epoch = c->epoch,
                               .digest = c->digest,
                               .flags = flags,
                               .n_blades = (uint32_t)c->n_blades,
                               .proto_max = WIRE_VERSION};
}

void cluster_make_config(const Cluster *c, WireMessage *m) {
        *m = (WireMessage){.type = WIRE_CONFIG, .nodeid = c->local_nodeid};
        m->config = (WireConfig){.round = c->round,
                                 .epoch = c->epoch,
                                 .digest = c->digest,
                                 .doc = c->doc,
                                 .doc_len = c->doc_len};
}

uint32_t cluster_coordinator(const Cluster *c) {
        if (!c->joined || !c->quorate || c->n_members == 0)
                return 0;
        return c->members[0].nodeid;
}

BladeState cluster_blade_state(const Cluster *c, uint32_t nodeid) {
        if (c->joined)
                for (size_t i = 0; i < c->n_members; i++)
                        if (c->members[i].nodeid == nodeid)
                                return BLADE_ONLINE;
        for (size_t i = 0; i < c->n_gone; i++)
                if (c->gone[i].nodeid == nodeid)
                        return c->gone[i].failed ? BLADE_LOST : BLADE_OFFLINE;
        return BLADE_OFFLINE;
}
