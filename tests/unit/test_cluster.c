/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the cluster state reducer (cluster.c).
 *
 * A small CPG simulator drives N reducers: blades are up or down and sit
 * in partitions; a membership change gives every affected daemon its own
 * confchg (joined/left relative to what it saw before, as CPG does), and
 * multicasts go through the real wire codec into one FIFO per partition, so
 * every member of a partition sees the same events in the same order.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bladed/cluster.h"
#include "bladed/wire.h"

#define MAXN 5
#define MAXMSG 4096

typedef struct SimReply {
        uint64_t request_id;
        int error;
        uint64_t epoch;
        char message[512];
} SimReply;

typedef struct SimNode {
        Cluster c;
        bool up;
        int part;
        uint32_t pid;
        bool view[MAXN]; /* members this daemon saw in its last confchg */
        int persists;
        char disk[256]; /* what persist wrote */
        bool fail_writes;
        SimReply replies[32];
        size_t n_replies;
        unsigned synced_events;
} SimNode;

typedef struct SimMsg {
        int from;
        uint32_t pid;
        int part;
        uint8_t *buf;
        size_t len;
} SimMsg;

typedef struct Sim {
        size_t n;
        SimNode nodes[MAXN];
        SimMsg q[MAXMSG];
        size_t head, tail;
        uint32_t next_pid;
} Sim;

/* Fake stamp: "E<epoch>|<content>", replacing an existing prefix. */
static int fake_stamp(const char *doc, size_t len, uint64_t epoch, char **ret, size_t *ret_len) {
        const char *bar = memchr(doc, '|', len);
        size_t off = (doc[0] == 'E' && bar) ? (size_t)(bar - doc) + 1 : 0;

        if (len - off >= 7 && memcmp(doc + off, "BROKEN!", 7) == 0)
                return -EINVAL;
        int k = asprintf(ret, "E%" PRIu64 "|%.*s", epoch, (int)(len - off), doc + off);
        if (k < 0)
                return -ENOMEM;
        *ret_len = (size_t)k;
        return 0;
}

static const char *names[MAXN] = {"blade1", "blade2", "blade3", "blade4", "blade5"};
static const uint32_t ids[MAXN] = {1, 2, 3, 4, 5};

static void sim_send(Sim *s, int from, const WireMessage *m) {
        uint8_t *b;
        size_t len;
        assert_int_equal(wire_encode(m, &b, &len), 0);
        assert_true(s->tail < MAXMSG);
        s->q[s->tail++] = (SimMsg){.from = from,
                                   .pid = s->nodes[from].pid,
                                   .part = s->nodes[from].part,
                                   .buf = b,
                                   .len = len};
}

static void sim_effects(Sim *s, int i, ClusterEffects *fx) {
        SimNode *n = &s->nodes[i];
        WireMessage m;

        if (fx->persist && !n->fail_writes) {
                n->persists++;
                snprintf(n->disk, sizeof(n->disk), "%s", n->c.doc);
        }
        if (fx->send_ack) {
                m = (WireMessage){.type = WIRE_CONFIG_ACK, .nodeid = ids[i]};
                m.ack = (WireAck){.epoch = fx->ack_epoch,
                                  .error = n->fail_writes ? -ENOSPC : 0,
                                  .msg = "",
                                  .msg_len = 0};
                sim_send(s, i, &m);
        }
        if (fx->send_state) {
                cluster_make_state(&n->c, &m);
                sim_send(s, i, &m);
        }
        if (fx->send_config) {
                cluster_make_config(&n->c, &m);
                sim_send(s, i, &m);
        }
        if (fx->synced)
                n->synced_events++;
        for (size_t k = 0; k < fx->n_replies; k++) {
                assert_true(n->n_replies < 32);
                SimReply *r = &n->replies[n->n_replies++];
                r->request_id = fx->replies[k].request_id;
                r->error = fx->replies[k].error;
                r->epoch = fx->replies[k].epoch;
                snprintf(r->message, sizeof(r->message), "%s",
                         fx->replies[k].message ? fx->replies[k].message : "");
        }
        cluster_effects_done(fx);
}

/* Gives every up daemon whose view changed its confchg.  reason applies to
 * every leaver (LEAVE for clean stops, FAILED otherwise). */
static void sim_membership(Sim *s, ClusterReason reason) {
        for (size_t i = 0; i < s->n; i++) {
                SimNode *n = &s->nodes[i];
                ClusterAddr mem[MAXN], left[MAXN], joined[MAXN];
                size_t nm = 0, nl = 0, nj = 0;
                bool now[MAXN] = {0};

                if (!n->up)
                        continue;
                for (size_t k = 0; k < s->n; k++) {
                        now[k] = s->nodes[k].up && s->nodes[k].part == n->part;
                        ClusterAddr a = {
                                .nodeid = ids[k], .pid = s->nodes[k].pid, .reason = reason};
                        if (now[k])
                                mem[nm++] = a;
                        if (now[k] && !n->view[k])
                                joined[nj++] = a;
                        if (!now[k] && n->view[k]) {
                                /* the pid it had when we saw it: it may have restarted */
                                left[nl++] = (ClusterAddr){.nodeid = ids[k], .reason = reason};
                                for (size_t x = 0; x < n->c.n_members; x++)
                                        if (n->c.members[x].nodeid == ids[k])
                                                left[nl - 1].pid = n->c.members[x].pid;
                        }
                }
                if (nj == 0 && nl == 0)
                        continue;
                ClusterEffects fx = {0};
                assert_int_equal(cluster_apply_confchg(&n->c, mem, nm, left, nl, joined, nj, &fx),
                                 0);
                memcpy(n->view, now, sizeof(now));
                sim_effects(s, (int)i, &fx);
        }
}

static void sim_quorum(Sim *s) {
        for (size_t i = 0; i < s->n; i++) {
                /* corosync's quorum is about corosync, which runs everywhere here,
                 * whether bladed does or not */
                size_t corosync_same = 0;
                for (size_t k = 0; k < s->n; k++)
                        corosync_same += s->nodes[k].part == s->nodes[i].part;
                cluster_set_quorate(&s->nodes[i].c, corosync_same * 2 > s->n);
        }
}

/* Delivers queued messages, in order, to the members of the sender's
 * partition (if the partition changed since, to the sender's current
 * partition, which is what a lagging sender's message does in CPG). */
static void sim_deliver(Sim *s, size_t max) {
        for (size_t done = 0; s->head < s->tail && done < max; done++) {
                SimMsg msg = s->q[s->head++];
                WireMessage m;
                const char *why;
                SimNode *from = &s->nodes[msg.from];

                assert_int_equal(wire_decode(msg.buf, msg.len, &m, &why), 0);
                if (from->up && from->pid == msg.pid)
                        for (size_t i = 0; i < s->n; i++) {
                                SimNode *n = &s->nodes[i];
                                if (!n->up || n->part != from->part || !n->view[msg.from])
                                        continue;
                                ClusterEffects fx = {0};
                                assert_int_equal(cluster_apply_message(&n->c, ids[msg.from],
                                                                       msg.pid, &m, &fx),
                                                 0);
                                sim_effects(s, (int)i, &fx);
                        }
                free(msg.buf);
        }
}

static void sim_settle(Sim *s) {
        sim_deliver(s, SIZE_MAX);
}

static void sim_boot(Sim *s, int i, uint64_t epoch, const char *content) {
        SimNode *n = &s->nodes[i];
        char *doc;
        size_t len;
        ClusterInit in = {.local_nodeid = ids[i],
                          .local_pid = ++s->next_pid,
                          .names = names,
                          .nodeids = ids,
                          .n_blades = s->n,
                          .epoch = epoch,
                          .stamp = fake_stamp};

        assert_int_equal(fake_stamp(content, strlen(content), epoch, &doc, &len), 0);
        in.doc = doc;
        in.doc_len = len;
        cluster_done(&n->c);
        assert_int_equal(cluster_init(&n->c, &in), 0);
        free(doc);
        n->pid = in.local_pid;
        n->up = true;
        memset(n->view, 0, sizeof(n->view));
        n->n_replies = 0;
        n->synced_events = 0;
}

static void sim_start(Sim *s, int i, uint64_t epoch, const char *content) {
        sim_boot(s, i, epoch, content);
        sim_quorum(s);
        sim_membership(s, CLUSTER_REASON_JOIN);
}

static void sim_stop(Sim *s, int i, ClusterReason how) {
        s->nodes[i].up = false;
        sim_membership(s, how);
}

static void sim_partition(Sim *s, const int *part) {
        for (size_t i = 0; i < s->n; i++)
                s->nodes[i].part = part[i];
        sim_quorum(s);
        sim_membership(s, CLUSTER_REASON_FAILED);
}

static void sim_request(Sim *s, int i, uint64_t id, const char *doc) {
        WireMessage m = {.type = WIRE_CONFIG_REQUEST, .nodeid = ids[i]};
        m.request = (WireRequest){.request_id = id, .doc = doc, .doc_len = strlen(doc)};
        sim_send(s, i, &m);
}

static void sim_edit(Sim *s, int i, uint64_t id, uint64_t base, const char *doc) {
        WireMessage m = {.type = WIRE_CONFIG_EDIT, .nodeid = ids[i]};
        m.request = (WireRequest){.request_id = id,
                                  .based = true,
                                  .base_epoch = base,
                                  .doc = doc,
                                  .doc_len = strlen(doc)};
        sim_send(s, i, &m);
}

static Sim *sim_new(size_t n) {
        Sim *s = calloc(1, sizeof(Sim));
        s->n = n;
        return s;
}

static void sim_free(Sim *s) {
        sim_settle(s);
        for (size_t i = 0; i < s->n; i++)
                cluster_done(&s->nodes[i].c);
        free(s);
}

static void sim_start_all(Sim *s, uint64_t epoch, const char *content) {
        for (size_t i = 0; i < s->n; i++)
                sim_start(s, (int)i, epoch, content);
        sim_settle(s);
}

/* Every up daemon of partition part holds the same copy: returns its epoch. */
static uint64_t assert_partition_agrees(Sim *s, int part, const char *content) {
        const SimNode *ref = NULL;
        for (size_t i = 0; i < s->n; i++) {
                const SimNode *n = &s->nodes[i];
                if (!n->up || n->part != part)
                        continue;
                assert_true(n->c.synced);
                assert_false(n->c.round_open);
                if (!ref)
                        ref = n;
                assert_int_equal(n->c.epoch, ref->c.epoch);
                assert_string_equal(n->c.doc, ref->c.doc);
                assert_int_equal(cluster_coordinator(&n->c), cluster_coordinator(&ref->c));
        }
        assert_non_null(ref);
        if (content) {
                const char *bar = strchr(ref->c.doc, '|');
                assert_non_null(bar);
                assert_string_equal(bar + 1, content);
        }
        return ref->c.epoch;
}

/* ------------------------------------------------------------------------ */

static void test_cluster_three_blades_start_and_agree(void **state) {
        Sim *s = sim_new(3);
        sim_start_all(s, 0, "empty");
        assert_int_equal(assert_partition_agrees(s, 0, "empty"), 0);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(s->nodes[i].c.n_members, 3);
                assert_true(s->nodes[i].c.quorate);
                assert_true(s->nodes[i].c.authoritative);
                assert_int_equal(cluster_coordinator(&s->nodes[i].c), 1);
                assert_int_equal(cluster_blade_state(&s->nodes[i].c, 3), BLADE_ONLINE);
                assert_true(s->nodes[i].synced_events >= 1);
        }
        sim_free(s);
}

static void test_cluster_fresh_start_takes_highest_epoch(void **state) {
        /* A full restart: nobody is authoritative, the newest copy wins
         * whatever the start order. */
        Sim *s = sim_new(3);
        sim_start(s, 0, 5, "old");
        sim_settle(s);
        assert_int_equal(s->nodes[0].c.epoch, 5);
        assert_false(s->nodes[0].c.authoritative); /* alone: 1 of 3 */
        sim_start(s, 1, 7, "newest");
        sim_start(s, 2, 6, "middle");
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "newest"), 7);
        /* the laggers wrote the winner's copy */
        assert_string_equal(s->nodes[0].disk, "E7|newest");
        assert_string_equal(s->nodes[2].disk, "E7|newest");
        assert_int_equal(s->nodes[1].persists, 0);
        sim_free(s);
}

static void test_cluster_equal_epochs_lowest_node_wins(void **state) {
        Sim *s = sim_new(3);
        sim_start(s, 2, 4, "three");
        sim_start(s, 1, 4, "two");
        sim_start(s, 0, 4, "one");
        sim_settle(s);
        assert_partition_agrees(s, 0, "one");
        sim_free(s);
}

static void test_cluster_load_applies_everywhere_and_acks_after_all_wrote(void **state) {
        Sim *s = sim_new(3);
        const char *why;

        sim_start_all(s, 0, "empty");
        assert_int_equal(cluster_can_change(&s->nodes[1].c, &why), 0);
        sim_request(s, 1, 11, "v1");
        /* deliver only the request: applied everywhere, acks not yet in */
        sim_deliver(s, 1);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(s->nodes[i].c.epoch, 1);
                assert_string_equal(s->nodes[i].disk, "E1|v1");
        }
        assert_int_equal(s->nodes[1].n_replies, 0);
        sim_deliver(s, 2); /* two of the three acks */
        assert_int_equal(s->nodes[1].n_replies, 0);
        sim_settle(s);
        assert_int_equal(s->nodes[1].n_replies, 1);
        assert_int_equal(s->nodes[1].replies[0].request_id, 11);
        assert_int_equal(s->nodes[1].replies[0].error, 0);
        assert_int_equal(s->nodes[1].replies[0].epoch, 1);
        /* nobody else answers a client */
        assert_int_equal(s->nodes[0].n_replies, 0);
        assert_int_equal(s->nodes[2].n_replies, 0);

        /* the epoch in the request is the cluster's business, not the admin's */
        sim_request(s, 0, 12, "E99|v2");
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "v2"), 2);
        sim_free(s);
}

static void test_cluster_concurrent_loads_are_ordered_the_same_everywhere(void **state) {
        Sim *s = sim_new(3);
        sim_start_all(s, 3, "base");
        sim_request(s, 2, 1, "from3");
        sim_request(s, 0, 1, "from1");
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "from1"), 5);
        assert_int_equal(s->nodes[2].replies[0].epoch, 4);
        assert_int_equal(s->nodes[0].replies[0].epoch, 5);
        sim_free(s);
}

/* Two admins edit at once on blades 1 and 3, both on epoch 3: the edit CPG
 * orders first wins, the other is refused everywhere (it would undo the
 * first), and nothing else changes; a later edit on the new epoch passes. */
static void test_cluster_concurrent_edits_second_is_refused(void **state) {
        Sim *s = sim_new(3);
        sim_start_all(s, 3, "base");
        sim_edit(s, 2, 7, 3, "standby-blade1");
        sim_edit(s, 0, 8, 3, "migrate-vip");
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "standby-blade1"), 4);
        assert_int_equal(s->nodes[2].n_replies, 1);
        assert_int_equal(s->nodes[2].replies[0].error, 0);
        assert_int_equal(s->nodes[0].n_replies, 1);
        assert_int_equal(s->nodes[0].replies[0].error, -ESTALE);
        assert_non_null(strstr(s->nodes[0].replies[0].message, "made on epoch 3"));
        assert_non_null(strstr(s->nodes[0].replies[0].message, "at epoch 4"));
        assert_int_equal(s->nodes[1].n_replies, 0);

        sim_edit(s, 0, 9, 4, "migrate-vip");
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "migrate-vip"), 5);
        assert_int_equal(s->nodes[0].replies[1].error, 0);
        /* a whole-file load (CONFIG_REQUEST) carries no base: it replaces */
        sim_request(s, 1, 10, "loaded");
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "loaded"), 6);
        sim_free(s);
}

static void test_cluster_minority_refuses_changes(void **state) {
        Sim *s = sim_new(3);
        const char *why;
        int cut[3] = {0, 0, 1};

        sim_start_all(s, 0, "empty");
        sim_partition(s, cut);
        sim_settle(s);
        assert_false(s->nodes[2].c.quorate);
        assert_false(s->nodes[2].c.authoritative);
        assert_int_equal(cluster_coordinator(&s->nodes[2].c), 0);
        assert_int_equal(cluster_can_change(&s->nodes[2].c, &why), -ENOLINK);
        assert_non_null(strstr(why, "no quorum"));
        /* the majority side still coordinates and changes */
        assert_int_equal(cluster_coordinator(&s->nodes[1].c), 1);
        assert_int_equal(cluster_blade_state(&s->nodes[0].c, 3), BLADE_LOST);
        /* even if a request gets through (stale quorum view), every member of
         * the minority refuses it the same way */
        cluster_set_quorate(&s->nodes[2].c, true);
        assert_int_equal(cluster_can_change(&s->nodes[2].c, &why), -EAGAIN);
        sim_request(s, 2, 5, "minority");
        sim_settle(s);
        assert_int_equal(s->nodes[2].c.epoch, 0);
        assert_int_equal(s->nodes[2].n_replies, 1);
        assert_int_equal(s->nodes[2].replies[0].error, -EAGAIN);
        sim_free(s);
}

static void test_cluster_partition_heal_majority_copy_wins(void **state) {
        Sim *s = sim_new(3);
        int cut[3] = {0, 0, 1}, whole[3] = {0, 0, 0};

        sim_start_all(s, 0, "empty");
        sim_partition(s, cut);
        sim_settle(s);
        sim_request(s, 0, 1, "majority");
        sim_settle(s);
        assert_int_equal(s->nodes[0].replies[0].error, 0);
        assert_int_equal(s->nodes[2].c.epoch, 0);
        sim_partition(s, whole);
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "majority"), 1);
        assert_string_equal(s->nodes[2].disk, "E1|majority");
        assert_true(s->nodes[2].c.authoritative);
        sim_free(s);
}

static void test_cluster_quorate_side_wins_over_higher_minority_epoch(void **state) {
        /* blade3 comes back with a higher epoch it was never allowed to keep
         * (a restored disk, a change nobody confirmed): the partition that
         * stayed authoritative wins. */
        Sim *s = sim_new(3);
        sim_start_all(s, 2, "cluster");
        sim_stop(s, 2, CLUSTER_REASON_FAILED);
        sim_settle(s);
        assert_true(s->nodes[0].c.authoritative);
        sim_start(s, 2, 9, "rogue");
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "cluster"), 2);
        assert_string_equal(s->nodes[2].disk, "E2|cluster");
        sim_free(s);
}

static void test_cluster_blade_down_during_load_gets_it_on_rejoin(void **state) {
        Sim *s = sim_new(3);
        sim_start_all(s, 0, "empty");
        sim_stop(s, 2, CLUSTER_REASON_LEAVE);
        sim_settle(s);
        assert_int_equal(cluster_blade_state(&s->nodes[0].c, 3), BLADE_OFFLINE);
        sim_request(s, 1, 1, "while3down");
        sim_settle(s);
        assert_int_equal(s->nodes[1].replies[0].error, 0);
        sim_start(s, 2, 0, "empty"); /* its disk still says epoch 0 */
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "while3down"), 1);
        sim_free(s);
}

static void test_cluster_request_during_open_round_is_queued(void **state) {
        Sim *s = sim_new(3);
        sim_start(s, 0, 1, "a");
        sim_start(s, 1, 1, "a");
        sim_settle(s);
        /* blade3 joins with an old copy; a change is sent before any STATE is
         * delivered: it waits for the round and reaches blade3 too */
        sim_start(s, 2, 0, "stale");
        /* move the request ahead of the STATEs in the queue */
        sim_request(s, 0, 7, "during");
        SimMsg req = s->q[s->tail - 1];
        memmove(&s->q[s->head + 1], &s->q[s->head], (s->tail - 1 - s->head) * sizeof(SimMsg));
        s->q[s->head] = req;
        sim_deliver(s, 1);
        assert_true(s->nodes[0].c.round_open);
        assert_int_equal(s->nodes[0].c.n_queue, 1);
        assert_int_equal(s->nodes[0].c.epoch, 1);
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "during"), 2);
        assert_int_equal(s->nodes[0].replies[0].error, 0);
        assert_int_equal(s->nodes[0].replies[0].epoch, 2);
        sim_free(s);
}

static void test_cluster_winner_leaving_before_its_copy_starts_a_new_round(void **state) {
        Sim *s = sim_new(5);
        for (int i = 0; i < 4; i++)
                sim_start(s, i, 3, "good");
        sim_settle(s);
        /* blade5 joins with epoch 1; blade1 wins, then dies before its CONFIG
         * is delivered */
        sim_start(s, 4, 1, "old");
        size_t states = s->tail - s->head;
        sim_deliver(s, states); /* the five STATEs: round closes, CONFIG queued */
        assert_true(s->nodes[4].c.sync_pending);
        assert_int_equal(s->nodes[4].c.winner_nodeid, 1);
        s->nodes[0].pid = 0; /* its queued CONFIG dies with it */
        s->nodes[0].up = false;
        sim_membership(s, CLUSTER_REASON_FAILED);
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "good"), 3);
        assert_int_equal(s->nodes[1].c.winner_nodeid, 2);
        sim_free(s);
}

static void test_cluster_ack_failures_and_leavers_fail_the_reply(void **state) {
        Sim *s = sim_new(3);
        sim_start_all(s, 0, "empty");
        s->nodes[2].fail_writes = true;
        sim_request(s, 0, 1, "v1");
        sim_settle(s);
        assert_int_equal(s->nodes[0].n_replies, 1);
        assert_int_equal(s->nodes[0].replies[0].error, -EIO);
        assert_non_null(strstr(s->nodes[0].replies[0].message, "blade3 could not write it"));
        s->nodes[2].fail_writes = false;

        /* blade2 dies between the delivery and its ack */
        sim_request(s, 0, 2, "v2");
        sim_deliver(s, 1);
        s->nodes[1].up = false;
        sim_membership(s, CLUSTER_REASON_FAILED);
        sim_settle(s);
        assert_int_equal(s->nodes[0].n_replies, 2);
        assert_int_equal(s->nodes[0].replies[1].error, -EIO);
        assert_non_null(strstr(s->nodes[0].replies[1].message, "blade2 left before confirming"));
        assert_int_equal(s->nodes[0].replies[1].epoch, 2);
        sim_free(s);
}

static void test_cluster_unstampable_document_is_refused_everywhere(void **state) {
        Sim *s = sim_new(3);
        sim_start_all(s, 4, "x");
        sim_request(s, 1, 3, "BROKEN!");
        sim_settle(s);
        assert_int_equal(assert_partition_agrees(s, 0, "x"), 4);
        assert_int_equal(s->nodes[1].replies[0].error, -EINVAL);
        sim_free(s);
}

static void test_cluster_stale_and_forged_messages(void **state) {
        Sim *s = sim_new(3);
        WireMessage m;
        ClusterEffects fx = {0};

        sim_start_all(s, 0, "empty");
        /* a STATE for another round is ignored */
        cluster_make_state(&s->nodes[1].c, &m);
        m.state.round ^= 1;
        m.state.epoch = 50;
        assert_int_equal(cluster_apply_message(&s->nodes[0].c, 2, s->nodes[1].pid, &m, &fx), 0);
        assert_int_equal(fx.n_ignored, 1);
        cluster_effects_done(&fx);
        /* a CONFIG nobody asked for is ignored */
        cluster_make_config(&s->nodes[1].c, &m);
        m.config.epoch = 50;
        assert_int_equal(cluster_apply_message(&s->nodes[0].c, 2, s->nodes[1].pid, &m, &fx), 0);
        assert_int_equal(s->nodes[0].c.epoch, 0);
        cluster_effects_done(&fx);
        /* a header node id that is not the CPG sender */
        cluster_make_state(&s->nodes[1].c, &m);
        assert_int_equal(cluster_apply_message(&s->nodes[0].c, 3, s->nodes[2].pid, &m, &fx),
                         -EBADMSG);
        /* a message from a process that is not a member */
        assert_int_equal(cluster_apply_message(&s->nodes[0].c, 2, 99999, &m, &fx), 0);
        assert_int_equal(fx.n_ignored, 1);
        cluster_effects_done(&fx);
        /* a reserved type is ignored by the reducer too */
        m = (WireMessage){.type = WIRE_FENCE, .nodeid = 2};
        assert_int_equal(cluster_apply_message(&s->nodes[0].c, 2, s->nodes[1].pid, &m, &fx), 0);
        cluster_effects_done(&fx);
        /* a member list that is not a set */
        ClusterAddr dup[2] = {{1, s->nodes[0].pid, 0}, {1, s->nodes[0].pid, 0}};
        assert_int_equal(cluster_apply_confchg(&s->nodes[0].c, dup, 2, NULL, 0, NULL, 0, &fx),
                         -EINVAL);
        sim_free(s);
}

static void test_cluster_random_faults_converge(void **state) {
        /* A fixed-seed random walk of partitions, crashes, restarts and loads:
         * after every settle each partition agrees, and a healed cluster ends
         * on one copy whose epoch is at least every acknowledged change's. */
        Sim *s = sim_new(5);
        unsigned seed = 12345;
        uint64_t acked_max = 0;
        char doc[32];

        sim_start_all(s, 0, "r0");
        for (int step = 0; step < 300; step++) {
                seed = seed * 1103515245 + 12345;
                unsigned r = (seed >> 16) % 100;
                int who = (int)((seed >> 8) % 5);
                if (r < 40) {
                        if (s->nodes[who].up) {
                                snprintf(doc, sizeof(doc), "r%d", step);
                                sim_request(s, who, (uint64_t)step, doc);
                        }
                } else if (r < 60) {
                        int part[5];
                        for (int i = 0; i < 5; i++)
                                part[i] = (int)((seed >> (i + 3)) & 1);
                        sim_partition(s, part);
                } else if (r < 75) {
                        int whole[5] = {0};
                        sim_partition(s, whole);
                } else if (r < 85) {
                        if (s->nodes[who].up)
                                sim_stop(s, who,
                                         (seed & 1) ? CLUSTER_REASON_LEAVE : CLUSTER_REASON_FAILED);
                } else if (!s->nodes[who].up) {
                        /* restart from what it wrote (or its first copy) */
                        char disk[256];
                        snprintf(disk, sizeof(disk), "%s",
                                 s->nodes[who].disk[0] ? s->nodes[who].disk : "E0|r0");
                        uint64_t e = strtoull(disk + 1, NULL, 10);
                        sim_start(s, who, e, strchr(disk, '|') + 1);
                }
                /* deliver a random part of the queue: changes overlap rounds */
                sim_deliver(s, (seed >> 4) % 6);
                for (int i = 0; i < 5; i++)
                        for (size_t k = 0; k < s->nodes[i].n_replies; k++)
                                if (s->nodes[i].replies[k].error == 0 &&
                                    s->nodes[i].replies[k].epoch > acked_max)
                                        acked_max = s->nodes[i].replies[k].epoch;
        }
        sim_settle(s);
        for (int p = 0; p < 2; p++) {
                bool any = false;
                for (int i = 0; i < 5; i++)
                        any |= s->nodes[i].up && s->nodes[i].part == p;
                if (any)
                        assert_partition_agrees(s, p, NULL);
        }
        int whole[5] = {0};
        for (int i = 0; i < 5; i++)
                if (!s->nodes[i].up) {
                        char disk[256];
                        snprintf(disk, sizeof(disk), "%s",
                                 s->nodes[i].disk[0] ? s->nodes[i].disk : "E0|r0");
                        sim_boot(s, i, strtoull(disk + 1, NULL, 10), strchr(disk, '|') + 1);
                }
        sim_partition(s, whole);
        sim_settle(s);
        uint64_t e = assert_partition_agrees(s, 0, NULL);
        assert_true(e >= acked_max);
        sim_free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cluster_three_blades_start_and_agree),
                cmocka_unit_test(test_cluster_fresh_start_takes_highest_epoch),
                cmocka_unit_test(test_cluster_equal_epochs_lowest_node_wins),
                cmocka_unit_test(test_cluster_load_applies_everywhere_and_acks_after_all_wrote),
                cmocka_unit_test(test_cluster_concurrent_loads_are_ordered_the_same_everywhere),
                cmocka_unit_test(test_cluster_concurrent_edits_second_is_refused),
                cmocka_unit_test(test_cluster_minority_refuses_changes),
                cmocka_unit_test(test_cluster_partition_heal_majority_copy_wins),
                cmocka_unit_test(test_cluster_quorate_side_wins_over_higher_minority_epoch),
                cmocka_unit_test(test_cluster_blade_down_during_load_gets_it_on_rejoin),
                cmocka_unit_test(test_cluster_request_during_open_round_is_queued),
                cmocka_unit_test(test_cluster_winner_leaving_before_its_copy_starts_a_new_round),
                cmocka_unit_test(test_cluster_ack_failures_and_leavers_fail_the_reply),
                cmocka_unit_test(test_cluster_unstampable_document_is_refused_everywhere),
                cmocka_unit_test(test_cluster_stale_and_forged_messages),
                cmocka_unit_test(test_cluster_random_faults_converge),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
