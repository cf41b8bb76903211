/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The coordinator's side of the executor, and what every daemon tracks for
 * it (doc/executor.rst):
 *
 * - in flight: every ACTION delivered and not answered yet, on every
 *   daemon, so a new coordinator knows what the old one left running;
 * - fenced and draining blades (FENCE and LEAVING messages);
 * - on the coordinator only: the current transition, i.e. the scheduler's
 *   plan and how far it got.  An action is sent once every action it waits
 *   for succeeded.  Anything the plan did not expect (a failure, a
 *   monitor's finding, a membership, quorum or configuration change) aborts
 *   the transition: nothing more is sent, and once nothing is in flight the
 *   scheduler runs again on the new state.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bladed/scheduler.h"
#include "bladed/util.h"
#include "fencer.h"
#include "manager.h"

#define FENCE_SEARCH_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
#define FENCE_TIMEOUT_MS 60000
#define FENCE_RETRY_MIN_USEC (2 * 1000000ull)
#define FENCE_RETRY_MAX_USEC (60 * 1000000ull)

typedef struct Inflight {
        uint32_t origin;
        uint64_t id;
        uint32_t blade;
        uint32_t peer; /* the other blade of a migration, else 0 */
        uint32_t op;
        char *rsc;
} Inflight;

enum { ACT_PENDING = 0, ACT_SENT, ACT_DONE, ACT_FAILED };

typedef struct Transition {
        Snapshot snap; /* what the plan was made from (names, node ids) */
        Plan *plan;
        uint64_t epoch;
        uint8_t *st;   /* per action */
        uint64_t *ids; /* per action, once sent */
        bool aborted;
        uint64_t started_usec;
        size_t n_rsc; /* snap.config->n_resources when planned */
} Transition;

typedef struct FenceTry {
        uint32_t nodeid;
        uint32_t attempts;
        uint64_t next_usec; /* no new attempt before */
} FenceTry;

/* The last failed fence of a blade, as every daemon heard it (status). */
typedef struct FenceFailure {
        uint32_t nodeid;
        uint32_t attempt;
        char *reason;
} FenceFailure;

typedef struct AdminFence {
        Manager *m;
        uint64_t ctl_id;
        uint32_t victim;
        bool status_only;
        Fencer *fencer;
        struct AdminFence *next;
} AdminFence;

struct Coord {
        Inflight *inflight;
        size_t n_inflight;
        uint32_t *fenced;
        size_t n_fenced;
        uint32_t *draining;
        size_t n_draining;

        Transition *t;
        uint64_t next_id;
        size_t undelivered;    /* our ACTIONs not delivered back yet */
        uint64_t backoff_usec; /* no plan before (an action was refused) */
        sd_event_source *defer;
        sd_event_source *timer;

        /* the coordinator's fencing */
        Fencer *fencer;
        uint32_t fencing; /* victim node id while fencer runs */
        size_t fence_act; /* its action in t, IDX_NONE if t is gone */
        FenceTry *tries;
        size_t n_tries;
        AdminFence *admin;
        FenceFailure *failures;
        size_t n_failures;
};

static void failure_clear(Coord *c, uint32_t nodeid) {
        for (size_t i = 0; i < c->n_failures; i++)
                if (c->failures[i].nodeid == nodeid) {
                        free(c->failures[i].reason);
                        c->failures[i] = c->failures[--c->n_failures];
                        return;
                }
}

static int failure_set(Coord *c, const WireFence *f) {
        char *reason = strndup(f->reason ? f->reason : "", f->reason_len);
        FenceFailure *n;

        if (!reason)
                return -ENOMEM;
        failure_clear(c, f->victim);
        n = realloc(c->failures, (c->n_failures + 1) * sizeof(*n));
        if (!n) {
                free(reason);
                return -ENOMEM;
        }
        c->failures = n;
        c->failures[c->n_failures++] =
                (FenceFailure){.nodeid = f->victim, .attempt = f->attempt, .reason = reason};
        return 0;
}

static uint64_t now_usec(Manager *m) {
        uint64_t now = 0;
        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        return now;
}

/* A coordinator that is shutting down keeps coordinating (its own drain
 * included) until it has left the group. */
static bool is_coordinator(const Manager *m) {
        return m->cluster.joined && cluster_coordinator(&m->cluster) == m->cluster.local_nodeid;
}

/* --- node id sets -------------------------------------------------------- */

static bool set_has(const uint32_t *v, size_t n, uint32_t id) {
        for (size_t i = 0; i < n; i++)
                if (v[i] == id)
                        return true;
        return false;
}

static int set_add(uint32_t **v, size_t *n, uint32_t id) {
        if (set_has(*v, *n, id))
                return 0;
        uint32_t *nv = realloc(*v, (*n + 1) * sizeof(uint32_t));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        (*v)[(*n)++] = id;
        return 0;
}

static void set_del(uint32_t *v, size_t *n, uint32_t id) {
        for (size_t i = 0; i < *n; i++)
                if (v[i] == id) {
                        v[i] = v[--*n];
                        return;
                }
}

/* --- in flight ----------------------------------------------------------- */

static void inflight_del_at(Coord *c, size_t i) {
        free(c->inflight[i].rsc);
        c->inflight[i] = c->inflight[--c->n_inflight];
}

static Inflight *inflight_find(Coord *c, uint32_t origin, uint64_t id) {
        for (size_t i = 0; i < c->n_inflight; i++)
                if (c->inflight[i].origin == origin && c->inflight[i].id == id)
                        return &c->inflight[i];
        return NULL;
}

static void inflight_del(Coord *c, uint32_t origin, uint64_t id) {
        Inflight *f = inflight_find(c, origin, id);
        if (f)
                inflight_del_at(c, (size_t)(f - c->inflight));
}

bool manager_coord_involved(const Manager *m, uint32_t nodeid) {
        const Coord *c = m->coord;
        for (size_t i = 0; c && i < c->n_inflight; i++)
                if (c->inflight[i].blade == nodeid || c->inflight[i].peer == nodeid)
                        return true;
        return false;
}

static void inflight_del_blade(Coord *c, uint32_t blade) {
        for (size_t i = c->n_inflight; i-- > 0;)
                if (c->inflight[i].blade == blade)
                        inflight_del_at(c, i);
}

static bool is_member(const Manager *m, uint32_t nodeid) {
        return cluster_blade_state(&m->cluster, nodeid) == BLADE_ONLINE;
}

/* --- transitions --------------------------------------------------------- */

static Transition *transition_free(Transition *t) {
        if (!t)
                return NULL;
        plan_free(t->plan);
        /* A configuration change frees the Config the snapshot points to
         * while the transition waits for its last answers: free the rows by
         * the count taken when planning, never through the old Config. */
        for (size_t i = 0; t->snap.rb && i < t->n_rsc * t->snap.n_blades; i++) {
                free(t->snap.rb[i].exit_reason);
                t->snap.rb[i].exit_reason = NULL;
        }
        t->snap.config = NULL;
        snapshot_done(&t->snap);
        free(t->st);
        free(t->ids);
        free(t);
        return NULL;
}

static size_t transition_sent(const Transition *t) {
        size_t n = 0;
        for (size_t i = 0; i < t->plan->n_actions; i++)
                n += t->st[i] == ACT_SENT;
        return n;
}

static void abort_transition(Manager *m, const char *why) {
        Coord *c = m->coord;

        if (!c->t || c->t->aborted)
                return;
        c->t->aborted = true;
        log_debug(&m->log, "transition aborted: %s", why);
}

void manager_coord_kick(Manager *m) {
        Coord *c = m->coord;

        if (!c || !c->defer)
                return;
        (void)sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
}

static uint32_t blade_id(const Transition *t, size_t b) {
        return b == IDX_NONE ? 0 : t->snap.blades[b].nodeid;
}

static void send_action(Manager *m, size_t i) {
        Coord *c = m->coord;
        Transition *t = c->t;
        const Action *a = &t->plan->actions[i];
        static const uint32_t ops[_ACTION_KIND_MAX] = {
                [ACTION_PROBE] = WIRE_OP_PROBE,
                [ACTION_STOP] = WIRE_OP_STOP,
                [ACTION_START] = WIRE_OP_START,
                [ACTION_MIGRATE_TO] = WIRE_OP_MIGRATE_TO,
                [ACTION_MIGRATE_FROM] = WIRE_OP_MIGRATE_FROM,
        };
        const char *rsc = m->config->resources[a->rsc].id;
        WireMessage w = {.type = WIRE_ACTION, .nodeid = m->cluster.local_nodeid};
        char name[64];

        t->ids[i] = ++c->next_id;
        w.action = (WireAction){.epoch = t->epoch,
                                .action_id = t->ids[i],
                                .op = ops[a->kind],
                                .blade = blade_id(t, a->blade),
                                .peer = blade_id(t, a->peer),
                                .rsc = rsc,
                                .rsc_len = strlen(rsc)};
        log_emit(&m->log, LOG_INFO, 0,
                 &(LogFields){.resource = rsc,
                              .node = t->snap.blades[a->blade].name,
                              .op = action_kind_to_string(a->kind)},
                 "%s %s on %s%s%s", action_kind_to_string(a->kind), rsc,
                 t->snap.blades[a->blade].name, a->peer != IDX_NONE ? " with " : "",
                 a->peer != IDX_NONE
                         ? cluster_blade_name(&m->cluster, w.action.peer, name, sizeof(name))
                         : "");
        t->st[i] = ACT_SENT;
        c->undelivered++;
        manager_send(m, &w);
}

static void fence_start(Manager *m, size_t i);

static bool deps_done(const Transition *t, const Action *a) {
        for (size_t k = 0; k < a->n_deps; k++)
                if (t->st[a->deps[k]] != ACT_DONE)
                        return false;
        return true;
}

/* Sends every action whose dependencies are done.  Probes are the blades'
 * own business (each probes what it has no state for): they stay pending,
 * and what waits for them waits for the next plan. */
static void dispatch(Manager *m) {
        Transition *t = m->coord->t;

        for (size_t i = 0; i < t->plan->n_actions && !t->aborted; i++) {
                const Action *a = &t->plan->actions[i];
                if (t->st[i] != ACT_PENDING || a->kind == ACTION_PROBE || !deps_done(t, a))
                        continue;
                if (a->kind == ACTION_FENCE)
                        fence_start(m, i);
                else
                        send_action(m, i);
        }
}

static bool dispatchable(const Transition *t) {
        for (size_t i = 0; i < t->plan->n_actions; i++) {
                const Action *a = &t->plan->actions[i];
                if (t->st[i] == ACT_PENDING && a->kind != ACTION_PROBE && deps_done(t, a))
                        return true;
        }
        return false;
}

/* Earliest moment a failure-timeout lets a banned blade back: plan again then. */
static void arm_expiry(Manager *m, const Snapshot *s) {
        Coord *c = m->coord;
        uint64_t best = UINT64_MAX;

        for (size_t r = 0; r < s->config->n_resources; r++) {
                uint64_t ft = s->config->resources[r].failure_timeout_ms;
                if (!ft)
                        continue;
                for (size_t b = 0; b < s->n_blades; b++) {
                        const RscBlade *rb = snapshot_rb(s, r, b);
                        if (rb->failcount && rb->last_failure_ms &&
                            rb->last_failure_ms + ft > s->now_ms && rb->last_failure_ms + ft < best)
                                best = rb->last_failure_ms + ft;
                }
        }
        for (size_t i = 0; i < c->n_tries; i++)
                if (c->tries[i].next_usec / 1000 < best)
                        best = c->tries[i].next_usec / 1000;
        if (best == UINT64_MAX)
                return;
        (void)sd_event_source_set_time(c->timer, (best + 1) * 1000);
        (void)sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
}

/* A blade corosync has whose bladed we have not seen since we joined (not a
 * member, never left): what runs there is unknown.  Invariant 4: nothing
 * starts anywhere before it has probed, so it is shown to the scheduler as
 * an online blade that has not probed yet. */
static bool blade_unseen(const Manager *m, uint32_t nodeid) {
        if (cluster_blade_state(&m->cluster, nodeid) == BLADE_ONLINE)
                return false;
        for (size_t i = 0; i < m->cluster.n_gone; i++)
                if (m->cluster.gone[i].nodeid == nodeid)
                        return false;
        for (size_t i = 0; i < m->quorum.n_members; i++)
                if (m->quorum.members[i] == nodeid)
                        return true;
        return false;
}

void manager_coord_unseen(Manager *m, Snapshot *s) {
        for (size_t b = 0; b < s->n_blades; b++)
                if (s->blades[b].state == BLADE_OFFLINE && blade_unseen(m, s->blades[b].nodeid)) {
                        s->blades[b].state = BLADE_ONLINE;
                        s->blades[b].probed = false;
                }
}

static void plan_new(Manager *m) {
        Coord *c = m->coord;
        Transition *t = calloc(1, sizeof(*t));
        int r;

        if (!t)
                return manager_fail(m, -ENOMEM, "planning");
        r = manager_snapshot_build(m, &t->snap);
        if (r < 0) {
                free(t);
                return manager_fail(m, r, "planning");
        }
        t->n_rsc = t->snap.config->n_resources;
        manager_coord_unseen(m, &t->snap);
        r = scheduler_run(&t->snap, &t->plan);
        if (r < 0) {
                transition_free(t);
                return manager_fail(m, r, "planning");
        }
        t->epoch = m->cluster.epoch;
        t->started_usec = now_usec(m);
        t->st = calloc(t->plan->n_actions + 1, 1);
        t->ids = calloc(t->plan->n_actions + 1, sizeof(uint64_t));
        if (!t->st || !t->ids) {
                transition_free(t);
                return manager_fail(m, -ENOMEM, "planning");
        }
        arm_expiry(m, &t->snap);
        if (!dispatchable(t)) {
                transition_free(t);
                return;
        }
        log_info(&m->log, "plan: %zu action%s", t->plan->n_actions,
                 t->plan->n_actions == 1 ? "" : "s");
        c->t = t;
        dispatch(m);
}

static int on_defer(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        Coord *c = m->coord;
        (void)s;

        if (!is_coordinator(m)) {
                /* Whatever we sent keeps running and is tracked as in flight.
                 * A fence does not: a blade that lost quorum must not power
                 * off a blade of the quorate side. */
                c->t = transition_free(c->t);
                c->fence_act = IDX_NONE;
                if (c->fencer) {
                        log_warning(&m->log, "not the coordinator any more: fence cancelled");
                        c->fencer = fencer_free(c->fencer);
                        c->fencing = 0;
                }
                return 0;
        }
        /* After a membership change corosync's quorum notification for the
         * new ring may still be unread: until it is, "quorate" is the old
         * ring's, and a blade just cut off would plan (and fence) as if it
         * still had the majority.  on_quorum kicks us again. */
        if (m->quorum_ring_seq < m->ring_seq)
                return 0;
        if (now_usec(m) < c->backoff_usec) {
                (void)sd_event_source_set_time(c->timer, c->backoff_usec);
                (void)sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
                return 0;
        }
        if (c->t && c->t->epoch != m->cluster.epoch)
                abort_transition(m, "the configuration changed");
        if (c->t && !c->t->aborted)
                dispatch(m);
        if (c->t && transition_sent(c->t) == 0 && (c->t->aborted || !dispatchable(c->t)))
                c->t = transition_free(c->t);
        if (c->t)
                return 0;
        /* A new plan only on a settled state: nothing in flight anywhere. */
        if (c->n_inflight > 0 || c->undelivered > 0 || c->fencer || !m->cluster.synced ||
            m->cluster.round_open || !m->quorum.members_known)
                return 0;
        plan_new(m);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s;
        (void)usec;
        manager_coord_kick(userdata);
        return 0;
}

/* --- results ------------------------------------------------------------- */

static bool expected(const Action *a, const WireResult *x) {
        if (x->flags & WIRE_RESULT_NOT_RUN)
                return false;
        switch (a->kind) {
        case ACTION_START:
        case ACTION_MIGRATE_FROM:
                return x->role == RSC_STARTED;
        case ACTION_STOP:
                return x->role == RSC_STOPPED;
        case ACTION_MIGRATE_TO:
                return x->role == RSC_MIGRATING;
        default:
                return true;
        }
}

static void on_result(Manager *m, uint32_t nodeid, const WireResult *x) {
        Coord *c = m->coord;
        Transition *t = c->t;
        bool mine = false;

        manager_probe_result(m, nodeid, x);
        if (x->action_id && x->op == WIRE_OP_MIGRATE_TO && !(x->flags & WIRE_RESULT_NOT_RUN)) {
                /* Whatever migrate_to says, the resource may now be active on
                 * the target too.  Until migrate_from reports, that row counts
                 * as failed (active: stopped there before any restart), never
                 * as "holds nothing".  No probe: it would race migrate_from. */
                Inflight *f = inflight_find(c, x->origin, x->action_id);
                if (f && f->peer && manager_probe_mark_maybe_active(m, f->rsc, f->peer) < 0)
                        return manager_fail(m, -ENOMEM, "recording a migration");
        }
        if (x->flags & WIRE_RESULT_NOT_RUN)
                /* Refused: the same plan would be refused again at once. */
                c->backoff_usec = now_usec(m) + 1000000;
        if (x->action_id)
                inflight_del(c, x->origin, x->action_id);
        /* A drain waits for our rows and for actions involving us. */
        manager_exec_result_delivered(m);
        if (t && x->action_id && x->origin == m->cluster.local_nodeid)
                for (size_t i = 0; i < t->plan->n_actions; i++)
                        if (t->st[i] == ACT_SENT && t->ids[i] == x->action_id) {
                                mine = true;
                                if (expected(&t->plan->actions[i], x))
                                        t->st[i] = ACT_DONE;
                                else {
                                        t->st[i] = ACT_FAILED;
                                        abort_transition(m, "an action failed");
                                }
                                break;
                        }
        if (!mine && x->op != WIRE_OP_ANNOUNCE)
                abort_transition(m, "a resource changed outside the plan");
        manager_coord_kick(m);
}

static void on_action(Manager *m, uint32_t nodeid, uint32_t pid, const WireAction *a) {
        Coord *c = m->coord;

        if (nodeid == m->cluster.local_nodeid && pid == m->cluster.local_pid && c->undelivered)
                c->undelivered--;
        if (a->op == WIRE_OP_CLEANUP) {
                char rsc[WIRE_MAX_RSC_ID + 1];
                snprintf(rsc, sizeof(rsc), "%.*s", (int)a->rsc_len, a->rsc);
                manager_probe_forget(m, rsc, a->blade);
                abort_transition(m, "cleanup");
                manager_exec_action(m, nodeid, a);
                manager_coord_kick(m);
                return;
        }
        /* Only a member can answer; for anybody else it would wait forever. */
        if (is_member(m, a->blade)) {
                Inflight *n = realloc(c->inflight, (c->n_inflight + 1) * sizeof(*n));
                char *rsc = strndup(a->rsc, a->rsc_len);
                if (!n || !rsc) {
                        free(rsc);
                        if (n)
                                c->inflight = n;
                        return manager_fail(m, -ENOMEM, "tracking an action");
                }
                c->inflight = n;
                c->inflight[c->n_inflight++] = (Inflight){.origin = nodeid,
                                                          .id = a->action_id,
                                                          .blade = a->blade,
                                                          .peer = a->peer,
                                                          .op = a->op,
                                                          .rsc = rsc};
        }
        manager_exec_action(m, nodeid, a);
        manager_coord_kick(m);
}

/* --- fencing ------------------------------------------------------------- */

static const FenceDevice *fence_device(const Manager *m, const char *blade) {
        for (size_t i = 0; i < m->config->n_fence_devices; i++)
                if (strcmp(m->config->fence_devices[i].node, blade) == 0)
                        return &m->config->fence_devices[i];
        return NULL;
}

static FenceTry *fence_try(Coord *c, uint32_t nodeid) {
        for (size_t i = 0; i < c->n_tries; i++)
                if (c->tries[i].nodeid == nodeid)
                        return &c->tries[i];
        FenceTry *n = realloc(c->tries, (c->n_tries + 1) * sizeof(*n));
        if (!n)
                return NULL;
        c->tries = n;
        c->tries[c->n_tries] = (FenceTry){.nodeid = nodeid};
        return &c->tries[c->n_tries++];
}

static void send_fence(Manager *m, uint32_t victim, bool ok, bool admin, int rc, uint32_t attempt,
                       const char *reason) {
        WireMessage w = {.type = WIRE_FENCE, .nodeid = m->cluster.local_nodeid};

        w.fence = (WireFence){.victim = victim,
                              .flags = (ok ? WIRE_FENCE_OK : 0) | (admin ? WIRE_FENCE_ADMIN : 0),
                              .rc = rc < -1 || rc > 255 ? -1 : rc,
                              .attempt = attempt ? attempt : 1,
                              .reason = reason,
                              .reason_len = reason ? strlen(reason) : 0};
        if (w.fence.reason_len > WIRE_MAX_TEXT)
                w.fence.reason_len = WIRE_MAX_TEXT;
        manager_send(m, &w);
}

static void on_fenced(Fencer *f, const FenceResult *res, void *userdata) {
        Manager *m = userdata;
        Coord *c = m->coord;
        uint32_t victim = c->fencing;
        FenceTry *ft = fence_try(c, victim);
        char name[64];

        (void)f;
        cluster_blade_name(&m->cluster, victim, name, sizeof(name));
        c->fencer = fencer_free(c->fencer);
        c->fencing = 0;
        if (!ft)
                return manager_fail(m, -ENOMEM, "fencing");
        ft->attempts++;
        if (res->ok) {
                log_node(&m->log, LOG_NOTICE, name,
                         "fenced %s in %" PRIu64 " ms (attempt %" PRIu32 ")", name,
                         res->duration_ms, ft->attempts);
                send_fence(m, victim, true, false, res->rc, ft->attempts, res->reason);
        } else {
                uint64_t wait = FENCE_RETRY_MIN_USEC << (ft->attempts < 5 ? ft->attempts - 1 : 5);
                if (wait > FENCE_RETRY_MAX_USEC)
                        wait = FENCE_RETRY_MAX_USEC;
                ft->next_usec = now_usec(m) + wait;
                log_emit(&m->log, LOG_ERR, 0, &(LogFields){.node = name, .op = "fence"},
                         "fencing %s FAILED (attempt %" PRIu32 "): %s; its resources stay "
                         "blocked; next attempt in %" PRIu64 " s",
                         name, ft->attempts, res->reason ? res->reason : "no reason given",
                         wait / 1000000);
                send_fence(m, victim, false, false, res->rc, ft->attempts, res->reason);
        }
        if (c->t && c->fence_act != IDX_NONE && c->fence_act < c->t->plan->n_actions &&
            c->t->st[c->fence_act] == ACT_SENT)
                c->t->st[c->fence_act] = res->ok ? ACT_DONE : ACT_FAILED;
        if (!res->ok)
                abort_transition(m, "fencing failed");
        c->fence_act = IDX_NONE;
        manager_coord_kick(m);
}

static void fence_start(Manager *m, size_t i) {
        Coord *c = m->coord;
        Transition *t = c->t;
        const Action *a = &t->plan->actions[i];
        const char *name = t->snap.blades[a->blade].name;
        uint32_t victim = t->snap.blades[a->blade].nodeid;
        const FenceDevice *dev = fence_device(m, name);
        FenceTry *ft = fence_try(c, victim);
        int r;

        if (!ft)
                return manager_fail(m, -ENOMEM, "fencing");
        if (c->fencer)
                return; /* one at a time: on_fenced() kicks us again */
        if (now_usec(m) < ft->next_usec) {
                /* Backing off after a failure: come back when it is over. */
                (void)sd_event_source_set_time(c->timer, ft->next_usec);
                (void)sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
                return;
        }
        if (!dev) {
                t->st[i] = ACT_FAILED;
                ft->attempts++;
                ft->next_usec = now_usec(m) + FENCE_RETRY_MAX_USEC;
                log_emit(&m->log, LOG_ERR, 0, &(LogFields){.node = name, .op = "fence"},
                         "%s must be fenced but the configuration has no fence device for it: "
                         "its resources stay blocked",
                         name);
                send_fence(m, victim, false, false, -1, ft->attempts,
                           "no fence device configured for this blade");
                abort_transition(m, "no fence device");
                return;
        }
        log_node(&m->log, LOG_WARNING, name, "fencing %s through %s (%s)", name, dev->id,
                 dev->agent);
        _cleanup_(freep) char *err = NULL;
        r = fencer_start(m->event, dev, "off", name, FENCE_SEARCH_PATH, FENCE_TIMEOUT_MS, on_fenced,
                         m, &c->fencer, &err);
        if (r < 0) {
                char why[512];
                snprintf(why, sizeof(why), "%s", err ? err : "cannot run the fence agent");
                c->fencing = victim;
                on_fenced(NULL, &(FenceResult){.ok = false, .rc = -1, .reason = why}, m);
                return;
        }
        c->fencing = victim;
        c->fence_act = i;
        t->st[i] = ACT_SENT;
}

static void on_fence_msg(Manager *m, const WireFence *f) {
        Coord *c = m->coord;
        char name[64];

        cluster_blade_name(&m->cluster, f->victim, name, sizeof(name));
        if (!(f->flags & WIRE_FENCE_OK) && !(f->flags & WIRE_FENCE_ADMIN) && failure_set(c, f) < 0)
                return manager_fail(m, -ENOMEM, "recording a failed fence");
        if (!(f->flags & WIRE_FENCE_OK)) {
                if (!is_coordinator(m))
                        log_emit(&m->log, LOG_ERR, 0, &(LogFields){.node = name, .op = "fence"},
                                 "fencing %s failed (attempt %" PRIu32 "): %.*s", name, f->attempt,
                                 (int)f->reason_len, f->reason ? f->reason : "");
                return;
        }
        failure_clear(c, f->victim);
        /* Powered off: nothing runs there any more (invariant 1 is now safe). */
        if (set_add(&c->fenced, &c->n_fenced, f->victim) < 0)
                return manager_fail(m, -ENOMEM, "recording a fence");
        manager_probe_blade_left(m, f->victim);
        inflight_del_blade(c, f->victim);
        for (size_t i = 0; i < c->n_tries; i++)
                if (c->tries[i].nodeid == f->victim)
                        c->tries[i] = c->tries[--c->n_tries];
        log_node(&m->log, LOG_NOTICE, name, "%s is fenced%s", name,
                 f->flags & WIRE_FENCE_ADMIN ? " (by an admin)" : "");
        abort_transition(m, "a blade was fenced");
        manager_coord_kick(m);
}

/* --- admin commands ------------------------------------------------------ */

static void on_admin_fenced(Fencer *f, const FenceResult *res, void *userdata) {
        AdminFence *a = userdata;
        Manager *m = a->m;
        Coord *c = m->coord;
        char name[64], body[512];

        (void)f;
        cluster_blade_name(&m->cluster, a->victim, name, sizeof(name));
        for (AdminFence **pp = &c->admin; *pp; pp = &(*pp)->next)
                if (*pp == a) {
                        *pp = a->next;
                        break;
                }
        if (a->status_only) {
                /* fence-agents: status 0 = on, 2 = off, anything else = cannot tell. */
                if (res->rc == 0 || res->rc == 2) {
                        int n = snprintf(body, sizeof(body),
                                         "%s: fence device answers, power is %s (%" PRIu64 " ms)\n",
                                         name, res->rc == 0 ? "on" : "off", res->duration_ms);
                        control_reply(&m->control, a->ctl_id, CTL_STATUS_OK, body, (size_t)n, NULL);
                } else {
                        snprintf(body, sizeof(body), "%s: fence device does not answer: %s", name,
                                 res->reason ? res->reason : "no reason given");
                        control_reply(&m->control, a->ctl_id, CTL_STATUS_FAILED, NULL, 0, body);
                }
        } else if (res->ok) {
                int n = snprintf(body, sizeof(body), "%s fenced (%" PRIu64 " ms)\n", name,
                                 res->duration_ms);
                log_node(&m->log, LOG_NOTICE, name, "%s fenced on an admin's request", name);
                send_fence(m, a->victim, true, true, res->rc, 1, res->reason);
                control_reply(&m->control, a->ctl_id, CTL_STATUS_OK, body, (size_t)n, NULL);
        } else {
                snprintf(body, sizeof(body), "fencing %s failed: %s", name,
                         res->reason ? res->reason : "no reason given");
                log_node(&m->log, LOG_ERR, name, "%s", body);
                control_reply(&m->control, a->ctl_id, CTL_STATUS_FAILED, NULL, 0, body);
        }
        fencer_free(a->fencer);
        free(a);
}

int manager_exec_fence_admin(Manager *m, uint64_t id, const char *node, bool status_only) {
        Coord *c = m->coord;
        char why[320];
        const FenceDevice *dev;
        size_t b = IDX_NONE;
        int r;

        for (size_t i = 0; i < m->n_blades; i++)
                if (strcmp(m->blades[i]->name, node) == 0)
                        b = i;
        if (b == IDX_NONE) {
                snprintf(why, sizeof(why), "no blade named '%s' in %s", node, m->opt.nodes_path);
                control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0, why);
                return 0;
        }
        dev = fence_device(m, node);
        if (!dev) {
                snprintf(
                        why, sizeof(why),
                        "the configuration has no fence device for %s (<fence-device node=\"%s\">)",
                        node, node);
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0, why);
                return 0;
        }
        if (!status_only && m->local && strcmp(node, m->local->name) == 0) {
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0,
                              "refusing to fence the blade this bladed runs on: ask another "
                              "blade's bladed (bladectl --socket ...)");
                return 0;
        }
        if (!status_only && !m->cluster.quorate) {
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0,
                              "this blade has no quorum: fencing is for the quorate partition");
                return 0;
        }
        AdminFence *a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        *a = (AdminFence){.m = m,
                          .ctl_id = id,
                          .victim = m->blades[b]->number + 1,
                          .status_only = status_only};
        log_node(&m->log, LOG_NOTICE, node, "admin request: %s %s through %s",
                 status_only ? "status of" : "fence", node, dev->id);
        _cleanup_(freep) char *err = NULL;
        r = fencer_start(m->event, dev, status_only ? "status" : "off", node, FENCE_SEARCH_PATH,
                         FENCE_TIMEOUT_MS, on_admin_fenced, a, &a->fencer, &err);
        if (r < 0) {
                snprintf(why, sizeof(why), "%s", err ? err : "cannot run the fence agent");
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0, why);
                free(a);
                return 0;
        }
        a->next = c->admin;
        c->admin = a;
        return 0;
}

int manager_exec_fence_confirm(Manager *m, uint64_t id, const char *node) {
        char why[320];
        uint32_t victim = 0;

        for (size_t i = 0; i < m->n_blades; i++)
                if (strcmp(m->blades[i]->name, node) == 0)
                        victim = m->blades[i]->number + 1;
        if (!victim) {
                snprintf(why, sizeof(why), "no blade named '%s' in %s", node, m->opt.nodes_path);
                control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0, why);
                return 0;
        }
        if (is_member(m, victim)) {
                snprintf(why, sizeof(why),
                         "%s's bladed is in the cluster right now: it is not off; use "
                         "'bladectl standby %s' or 'bladectl fence %s'",
                         node, node, node);
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0, why);
                return 0;
        }
        log_node(&m->log, LOG_WARNING, node,
                 "%s confirmed powered off by an admin: counted as fenced without its device",
                 node);
        send_fence(m, victim, true, true, -1, 1, "confirmed off by an admin");
        int n = snprintf(why, sizeof(why), "%s counts as fenced (confirmed by you)\n", node);
        control_reply(&m->control, id, CTL_STATUS_OK, why, (size_t)n, NULL);
        return 0;
}

int manager_exec_cleanup(Manager *m, const char *rsc, const char *node, const char **why) {
        WireMessage w = {.type = WIRE_ACTION, .nodeid = m->cluster.local_nodeid};
        uint32_t blade = 0;

        if (config_find_resource(m->config, rsc) == IDX_NONE) {
                *why = "no such resource in the cluster's configuration";
                return -ENOENT;
        }
        if (node) {
                for (size_t i = 0; i < m->n_blades; i++)
                        if (strcmp(m->blades[i]->name, node) == 0)
                                blade = m->blades[i]->number + 1;
                if (!blade) {
                        *why = "no such blade in the node file";
                        return -ENOENT;
                }
        }
        if (!m->cluster.joined) {
                *why = "this blade's daemon has not joined the cluster group yet: try again";
                return -ENOTCONN;
        }
        w.action = (WireAction){.epoch = m->cluster.epoch,
                                .action_id = ++m->coord->next_id,
                                .op = WIRE_OP_CLEANUP,
                                .blade = blade,
                                .rsc = rsc,
                                .rsc_len = strlen(rsc)};
        log_emit(&m->log, LOG_NOTICE, 0, &(LogFields){.resource = rsc, .node = node},
                 "cleanup of %s on %s: forgetting failures, probing again", rsc,
                 node ? node : "every blade");
        manager_send(m, &w);
        *why = NULL;
        return 0;
}

/* --- membership ---------------------------------------------------------- */

void manager_coord_confchg(Manager *m, const ClusterAddr *left, size_t n_left,
                           const ClusterAddr *joined, size_t n_joined) {
        Coord *c = m->coord;

        if (!c)
                return;
        for (size_t i = 0; i < n_left; i++)
                if (!is_member(m, left[i].nodeid)) {
                        inflight_del_blade(c, left[i].nodeid);
                        set_del(c->draining, &c->n_draining, left[i].nodeid);
                }
        for (size_t i = 0; i < n_joined; i++) {
                /* A fresh daemon: a rebooted blade, not fenced any more. */
                set_del(c->fenced, &c->n_fenced, joined[i].nodeid);
                set_del(c->draining, &c->n_draining, joined[i].nodeid);
                failure_clear(c, joined[i].nodeid);
        }
        if (!m->cluster.joined) {
                /* We left: nothing we knew about the others holds. */
                for (size_t i = c->n_inflight; i-- > 0;)
                        inflight_del_at(c, i);
                c->undelivered = 0;
        }
        abort_transition(m, "the membership changed");
        manager_coord_kick(m);
}

void manager_coord_deliver(Manager *m, uint32_t nodeid, uint32_t pid, const WireMessage *w) {
        char name[64];

        if (!m->coord || !m->cluster.joined)
                return;
        switch (w->type) {
        case WIRE_ACTION:
                return on_action(m, nodeid, pid, &w->action);
        case WIRE_RESOURCE_RESULT:
                return on_result(m, nodeid, &w->result);
        case WIRE_FENCE:
                return on_fence_msg(m, &w->fence);
        case WIRE_LEAVING:
                log_node(&m->log, LOG_NOTICE,
                         cluster_blade_name(&m->cluster, nodeid, name, sizeof(name)),
                         "%s is shutting down: moving its resources away", name);
                if (set_add(&m->coord->draining, &m->coord->n_draining, nodeid) < 0)
                        return manager_fail(m, -ENOMEM, "recording a shutdown");
                abort_transition(m, "a blade is shutting down");
                manager_coord_kick(m);
                return;
        default:
                return;
        }
}

void manager_coord_fill(Manager *m, Snapshot *s) {
        Coord *c = m->coord;

        if (!c)
                return;
        for (size_t b = 0; b < s->n_blades; b++) {
                Blade *bl = &s->blades[b];
                if (set_has(c->fenced, c->n_fenced, bl->nodeid) && bl->state != BLADE_OFFLINE)
                        bl->state = BLADE_FENCED;
                else if (set_has(c->draining, c->n_draining, bl->nodeid) &&
                         bl->state == BLADE_ONLINE)
                        bl->state = BLADE_STANDBY;
        }
}

void manager_coord_config_changed(Manager *m) {
        Coord *c = m->coord;

        /* A fence device may have been fixed: try again at once. */
        for (size_t i = 0; c && i < c->n_tries; i++)
                c->tries[i].next_usec = 0;
}

static const FenceFailure *failure_find(const Coord *c, uint32_t nodeid) {
        for (size_t i = 0; c && i < c->n_failures; i++)
                if (c->failures[i].nodeid == nodeid)
                        return &c->failures[i];
        return NULL;
}

int manager_coord_annotate(Manager *m, const Snapshot *s, Plan *p) {
        _cleanup_(freep) size_t *victim = calloc(p->n_actions + 1, sizeof(size_t));
        char name[64];

        if (!victim)
                return -ENOMEM;
        /* Which failed fence each action waits for, directly or not (every
         * dependency is earlier in the plan). */
        for (size_t i = 0; i < p->n_actions; i++) {
                const Action *a = &p->actions[i];
                victim[i] = IDX_NONE;
                if (a->kind == ACTION_FENCE && failure_find(m->coord, s->blades[a->blade].nodeid))
                        victim[i] = a->blade;
                for (size_t k = 0; k < a->n_deps && victim[i] == IDX_NONE; k++)
                        victim[i] = victim[a->deps[k]];
        }
        for (size_t i = 0; i < p->n_actions; i++) {
                const Action *a = &p->actions[i];
                if (victim[i] == IDX_NONE || a->rsc == IDX_NONE ||
                    (a->kind != ACTION_START && a->kind != ACTION_MIGRATE_FROM) ||
                    p->rsc[a->rsc].state == PLAN_RSC_BLOCKED)
                        continue;
                const FenceFailure *f = failure_find(m->coord, s->blades[victim[i]].nodeid);
                char *why = NULL;
                if (asprintf(&why,
                             "waits for the fence of %s, which failed (attempt %" PRIu32 "): %s",
                             cluster_blade_name(&m->cluster, f->nodeid, name, sizeof(name)),
                             f->attempt, f->reason[0] ? f->reason : "no reason given") < 0)
                        return -ENOMEM;
                free(p->rsc[a->rsc].reason);
                p->rsc[a->rsc].reason = why;
                p->rsc[a->rsc].state = PLAN_RSC_BLOCKED;
        }
        return 0;
}

int manager_coord_alerts(Manager *m, char ***ret, size_t *ret_n) {
        Coord *c = m->coord;
        char **v = calloc((c ? c->n_failures : 0) + m->n_blades + 1, sizeof(char *));
        char name[64];
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_blades; i++) {
                uint32_t id = m->blades[i]->number + 1;
                if (!blade_unseen(m, id))
                        continue;
                if (asprintf(&v[n],
                             "%s: corosync runs there but bladed does not: nothing "
                             "starts anywhere until it has probed (start bladed there, "
                             "or stop corosync there)",
                             m->blades[i]->name) < 0) {
                        v[n] = NULL;
                        strv_free(v);
                        return -ENOMEM;
                }
                n++;
        }
        for (size_t i = 0; c && i < c->n_failures; i++) {
                const FenceFailure *f = &c->failures[i];
                if (asprintf(&v[n],
                             "FENCING FAILED: %s (attempt %" PRIu32 "): %s; whatever "
                             "may run there stays blocked until a fence succeeds",
                             cluster_blade_name(&m->cluster, f->nodeid, name, sizeof(name)),
                             f->attempt, f->reason[0] ? f->reason : "no reason given") < 0) {
                        v[n] = NULL;
                        strv_free(v);
                        return -ENOMEM;
                }
                n++;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int manager_coord_init(Manager *m) {
        Coord *c = calloc(1, sizeof(Coord));
        struct timespec ts;
        int r;

        if (!c)
                return -ENOMEM;
        c->fence_act = IDX_NONE;
        /* Action ids: unique per sender; a restarted daemon starts far from
         * where its previous life may have left ids in flight. */
        clock_gettime(CLOCK_REALTIME, &ts);
        c->next_id = (uint64_t)ts.tv_sec << 20;
        m->coord = c;
        r = sd_event_add_defer(m->event, &c->defer, on_defer, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->defer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(m->event, &c->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                      on_timer, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        return r < 0 ? r : 0;
}

void manager_coord_free(Manager *m) {
        Coord *c = m->coord;

        if (!c)
                return;
        c->t = transition_free(c->t);
        for (size_t i = 0; i < c->n_inflight; i++)
                free(c->inflight[i].rsc);
        free(c->inflight);
        free(c->fenced);
        free(c->draining);
        free(c->tries);
        while (c->n_failures)
                failure_clear(c, c->failures[0].nodeid);
        free(c->failures);
        fencer_free(c->fencer);
        while (c->admin) {
                AdminFence *a = c->admin;
                c->admin = a->next;
                fencer_free(a->fencer);
                free(a);
        }
        sd_event_source_disable_unref(c->defer);
        sd_event_source_disable_unref(c->timer);
        free(c);
        m->coord = NULL;
}
