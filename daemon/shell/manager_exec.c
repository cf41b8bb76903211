/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * This blade's agents: the ACTIONs the coordinator addresses to us, the
 * recurring monitors, and the stops this blade decides alone (losing quorum,
 * shutting down).  Every outcome goes out as a RESOURCE_RESULT; the row it
 * updates (manager_probe.c) changes when CPG delivers it back, in the same
 * order on every blade.  doc/executor.rst tells the rules.
 *
 * One job per resource at a time: a monitor gives way to an action (it is
 * cancelled), actions for one resource queue in arrival order, and at most
 * EXEC_MAX_PARALLEL agents run at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/config.h"
#include "bladed/ocf.h"
#include "bladed/util.h"
#include "manager.h"
#include "runner.h"

#define EXEC_MAX_PARALLEL 8
/* How long a clean shutdown waits for the coordinator to move everything
 * away before it stops what is left itself. */
#define EXEC_DRAIN_TIMEOUT_USEC (120 * 1000000ull)

/* A replaced configuration kept alive while stops of its resources run. */
typedef struct OldConfig OldConfig;
struct OldConfig {
        Config *config;
        size_t refs;
};

typedef struct Job Job;
struct Job {
        Manager *m;
        Job *next;
        char *rsc;
        uint32_t op; /* WireOp; WIRE_OP_MONITOR for a recurring monitor */
        uint64_t action_id;
        uint32_t origin;
        uint32_t peer;
        Runner *runner; /* NULL while waiting */
        char **env;
        uint64_t timeout_ms;
        const Resource *def; /* an orphan's old definition, else NULL: the current one */
        OldConfig *old;      /* what def belongs to */
};

typedef struct Monitor Monitor;
struct Monitor {
        Manager *m;
        Monitor *next;
        char *rsc;
        uint64_t interval_ms;
        sd_event_source *timer;
};

struct Exec {
        Job *jobs; /* arrival order */
        Monitor *monitors;
        bool draining;      /* shutdown asked; LEAVING sent */
        bool stopping_all;  /* local stops of everything were queued */
        bool stop_failed;   /* a local stop failed: leave uncleanly */
        bool drain_expired; /* the drain timeout passed: leave without waiting for the rest */
        uint64_t quorum_lost_us;
        sd_event_source *drain_timer;
        sd_event_source *quorum_timer;
};

static const Resource *find_resource(const Manager *m, const char *id) {
        size_t i = config_find_resource(m->config, id);
        return i == IDX_NONE ? NULL : &m->config->resources[i];
}

static uint64_t now_usec(Manager *m) {
        uint64_t now = 0;
        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        return now;
}

/* --- monitors ------------------------------------------------------------ */

static const Op *monitor_op(const Resource *r) {
        for (size_t i = 0; i < r->n_ops; i++)
                if (strcmp(r->ops[i].name, "monitor") == 0 && r->ops[i].interval_ms > 0)
                        return &r->ops[i];
        return NULL;
}

static Monitor *monitor_find(Exec *x, const char *rsc) {
        for (Monitor *mo = x->monitors; mo; mo = mo->next)
                if (strcmp(mo->rsc, rsc) == 0)
                        return mo;
        return NULL;
}

static void monitor_disarm(Exec *x, const char *rsc) {
        for (Monitor **pp = &x->monitors; *pp; pp = &(*pp)->next)
                if (strcmp((*pp)->rsc, rsc) == 0) {
                        Monitor *mo = *pp;
                        *pp = mo->next;
                        sd_event_source_disable_unref(mo->timer);
                        free(mo->rsc);
                        free(mo);
                        return;
                }
}

static void job_enqueue(Manager *m, const char *rsc, uint32_t op, uint64_t action_id,
                        uint32_t origin, uint32_t peer);

static int on_monitor_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Monitor *mo = userdata;
        (void)s;
        (void)usec;
        /* One shot: the next is armed when this monitor's result is in, so a
         * slow agent never has two monitors running. */
        job_enqueue(mo->m, mo->rsc, WIRE_OP_MONITOR, 0, 0, 0);
        return 0;
}

/* (Re)arms the monitor of rsc to fire interval_ms from now. */
static void monitor_arm(Manager *m, const char *rsc) {
        Exec *x = m->exec;
        const Resource *r = find_resource(m, rsc);
        const Op *op = r ? monitor_op(r) : NULL;
        Monitor *mo;
        int k;

        if (!op || m->config->props.maintenance) {
                monitor_disarm(x, rsc);
                return;
        }
        mo = monitor_find(x, rsc);
        if (!mo) {
                mo = calloc(1, sizeof(*mo));
                if (!mo || !(mo->rsc = strdup(rsc))) {
                        free(mo);
                        return manager_fail(m, -ENOMEM, "arming a monitor");
                }
                mo->m = m;
                mo->next = x->monitors;
                x->monitors = mo;
        }
        mo->interval_ms = op->interval_ms;
        if (mo->timer) {
                k = sd_event_source_set_time_relative(mo->timer, op->interval_ms * 1000);
                if (k >= 0)
                        k = sd_event_source_set_enabled(mo->timer, SD_EVENT_ONESHOT);
        } else
                k = sd_event_add_time_relative(m->event, &mo->timer, CLOCK_MONOTONIC,
                                               op->interval_ms * 1000, 1000, on_monitor_timer, mo);
        if (k < 0)
                manager_fail(m, k, "arming a monitor timer");
}

void manager_exec_local_state(Manager *m, const char *rsc, RscRole role) {
        if (!m->exec)
                return;
        if (role == RSC_STARTED && !m->exec->stopping_all)
                monitor_arm(m, rsc);
        else
                monitor_disarm(m->exec, rsc);
}

/* --- jobs ---------------------------------------------------------------- */

static void old_unref(OldConfig *o) {
        if (o && --o->refs == 0) {
                config_free(o->config);
                free(o);
        }
}

static Job *job_free(Job *j) {
        if (!j)
                return NULL;
        old_unref(j->old);
        runner_free(j->runner);
        ocf_env_free(j->env);
        free(j->rsc);
        free(j);
        return NULL;
}

static void job_unlink(Exec *x, Job *j) {
        for (Job **pp = &x->jobs; *pp; pp = &(*pp)->next)
                if (*pp == j) {
                        *pp = j->next;
                        return;
                }
}

static OcfAction op_to_ocf(uint32_t op) {
        switch (op) {
        case WIRE_OP_PROBE:
                return OCF_ACTION_PROBE;
        case WIRE_OP_STOP:
                return OCF_ACTION_STOP;
        case WIRE_OP_START:
                return OCF_ACTION_START;
        case WIRE_OP_MIGRATE_TO:
                return OCF_ACTION_MIGRATE_TO;
        case WIRE_OP_MIGRATE_FROM:
                return OCF_ACTION_MIGRATE_FROM;
        default:
                return OCF_ACTION_MONITOR;
        }
}

typedef struct Verdict {
        RscRole role;
        bool failure;     /* counts against the fail count */
        bool ban;         /* not here again until cleanup */
        bool ban_all;     /* nowhere until cleanup */
        bool unsupported; /* recurring monitor not implemented: stop monitoring */
} Verdict;

/* What an outcome means for this blade's row (doc/executor.rst has the table). */
static Verdict judge(uint32_t op, OcfOutcome o, int rc) {
        /* An agent that is not installed here cannot have anything running
         * here: a failed start leaves nothing to stop, and a stop has
         * nothing to do (Pacemaker treats the probe the same way). */
        if (rc == OCF_RC_ERR_INSTALLED && op == WIRE_OP_START)
                return (Verdict){.role = RSC_STOPPED, .failure = true, .ban = true};
        if (rc == OCF_RC_ERR_INSTALLED && op == WIRE_OP_STOP)
                return (Verdict){.role = RSC_STOPPED};
        switch (o) {
        case OCF_OUTCOME_DONE:
                return (Verdict){.role = op == WIRE_OP_STOP         ? RSC_STOPPED
                                         : op == WIRE_OP_MIGRATE_TO ? RSC_MIGRATING
                                                                    : RSC_STARTED};
        case OCF_OUTCOME_RUNNING:
                return (Verdict){.role = RSC_STARTED};
        case OCF_OUTCOME_STOPPED:
                return (Verdict){.role = RSC_STOPPED};
        case OCF_OUTCOME_CRASHED:
                /* Gone behind our back: still stopped first (idempotent), so
                 * whatever it left half-configured is cleaned up. */
                return (Verdict){.role = RSC_FAILED, .failure = true};
        case OCF_OUTCOME_FAILED_HERE:
                return (Verdict){.role = RSC_FAILED, .failure = op != WIRE_OP_PROBE};
        case OCF_OUTCOME_UNSUPPORTED:
                return (Verdict){.role = RSC_STARTED, .unsupported = true};
        case OCF_OUTCOME_SOFT_FAILURE:
                /* Pacemaker's start-failure-is-fatal: a start that failed here
                 * is not retried here (no restart loop), until cleanup. */
                return (Verdict){.role = RSC_FAILED, .failure = true, .ban = true};
        case OCF_OUTCOME_HARD_FAILURE:
                return (Verdict){.role = RSC_FAILED, .failure = true, .ban = true};
        case OCF_OUTCOME_FATAL:
                return (Verdict){.role = RSC_FAILED, .failure = true, .ban = true, .ban_all = true};
        case OCF_OUTCOME_STOP_FAILED:
                return (Verdict){.role = RSC_STOP_FAILED, .failure = true};
        case OCF_OUTCOME_MIGRATE_FAILED:
        default:
                return (Verdict){.role = RSC_FAILED, .failure = true};
        }
}

static void send_result(Manager *m, const Job *j, RscRole role, int rc, uint32_t flags,
                        uint32_t failcount, uint64_t duration_ms, const char *reason) {
        WireMessage w = {.type = WIRE_RESOURCE_RESULT, .nodeid = m->cluster.local_nodeid};

        w.result = (WireResult){.epoch = m->cluster.epoch,
                                .action_id = j->action_id,
                                .origin = j->origin,
                                .blade = m->cluster.local_nodeid,
                                .op = j->op,
                                .role = role,
                                .rc = rc,
                                .failcount = failcount,
                                .flags = flags,
                                .duration_ms = duration_ms > UINT32_MAX ? UINT32_MAX
                                                                        : (uint32_t)duration_ms,
                                .rsc = j->rsc,
                                .rsc_len = strlen(j->rsc),
                                .reason = reason,
                                .reason_len = reason ? strlen(reason) : 0};
        if (w.result.reason_len > WIRE_MAX_TEXT)
                w.result.reason_len = WIRE_MAX_TEXT;
        manager_send(m, &w);
}

/* An action that is refused without running anything still gets its
 * answer: the coordinator and every in-flight table wait for it. */
static void refuse(Manager *m, const Job *j, const char *why) {
        log_emit(&m->log, LOG_WARNING, 0,
                 &(LogFields){.resource = j->rsc, .op = ocf_action_to_string(op_to_ocf(j->op))},
                 "%s of %s not run: %s", ocf_action_to_string(op_to_ocf(j->op)), j->rsc, why);
        if (j->action_id)
                send_result(m, j, RSC_UNKNOWN, OCF_RC_NO_RESULT, WIRE_RESULT_NOT_RUN, 0, 0, why);
}

static void exec_kick(Manager *m);
static void drain_check(Manager *m);

static void job_finish(Manager *m, Job *j, int rc, const char *reason, uint64_t duration_ms) {
        Exec *x = m->exec;
        OcfOutcome o = ocf_classify(op_to_ocf(j->op), rc);
        Verdict v = judge(j->op, o, rc);
        const ProbeRow *row = manager_probe_row(m, j->rsc, m->cluster.local_nodeid);
        uint32_t failcount = row ? row->failcount : 0;
        bool was_banned = row && row->banned, was_ban_all = row && row->ban_everywhere;
        uint32_t flags = 0;
        const char *what = ocf_action_to_string(op_to_ocf(j->op));

        if (v.failure) {
                failcount = failcount == UINT32_MAX ? failcount : failcount + 1;
                flags |= WIRE_RESULT_NEW_FAILURE;
        }
        if (v.ban || was_banned)
                flags |= WIRE_RESULT_BANNED;
        if (v.ban_all || was_ban_all)
                flags |= WIRE_RESULT_BAN_EVERYWHERE;

        if (j->op == WIRE_OP_MONITOR && !v.failure) {
                /* Healthy: nothing to tell anyone, just the next monitor. */
                if (v.unsupported) {
                        log_emit(&m->log, LOG_WARNING, 0,
                                 &(LogFields){.resource = j->rsc, .op = "monitor"},
                                 "the agent of %s does not implement a recurring monitor "
                                 "(rc 3): not monitored",
                                 j->rsc);
                        monitor_disarm(x, j->rsc);
                } else if (!x->stopping_all)
                        monitor_arm(m, j->rsc);
                return;
        }
        if (v.failure)
                log_emit(&m->log, LOG_WARNING, 0, &(LogFields){.resource = j->rsc, .op = what},
                         "%s of %s failed: %s (rc %d %s, %" PRIu64 " ms)%s%s; fail count %" PRIu32
                         " on this blade",
                         what, j->rsc, ocf_outcome_to_string(o), rc, ocf_rc_to_string(rc),
                         duration_ms, reason ? ": " : "", reason ? reason : "", failcount);
        else
                log_emit(&m->log, LOG_INFO, 0, &(LogFields){.resource = j->rsc, .op = what},
                         "%s of %s: %s (%" PRIu64 " ms)", what, j->rsc, rsc_role_to_string(v.role),
                         duration_ms);
        if (j->op == WIRE_OP_STOP && v.role == RSC_STOP_FAILED && j->action_id == 0)
                x->stop_failed = true;
        send_result(m, j, v.role, rc, flags, failcount, duration_ms, reason);
        manager_exec_local_state(m, j->rsc, v.role);
}

static void on_job_done(Runner *r, const RunnerResult *res, void *userdata) {
        Job *j = userdata;
        Manager *m = j->m;
        int rc = runner_result_ocf_rc(res);
        char why[OCF_EXIT_REASON_MAX + 64];

        (void)r;
        job_unlink(m->exec, j);
        job_finish(m, j, rc, runner_result_reason(res, "agent", j->timeout_ms, why, sizeof(why)),
                   res->duration_ms);
        job_free(j);
        exec_kick(m);
        drain_check(m);
}

static const char *op_name(uint32_t op) {
        switch (op) {
        case WIRE_OP_PROBE:
        case WIRE_OP_MONITOR:
                return "monitor";
        case WIRE_OP_STOP:
                return "stop";
        case WIRE_OP_START:
                return "start";
        case WIRE_OP_MIGRATE_TO:
                return "migrate_to";
        case WIRE_OP_MIGRATE_FROM:
                return "migrate_from";
        default:
                return "?";
        }
}

/* Starts j's agent; on any error before the agent runs, j is answered and
 * freed here.  Returns true if j is running. */
static bool job_start(Manager *m, Job *j) {
        const Resource *r = j->def ? j->def : find_resource(m, j->rsc);
        _cleanup_(freep) char *path = NULL;
        const char *bad = NULL;
        char peer[64], why[320];
        const Op *op;
        Op probe_op;
        int k;

        if (!r) {
                job_unlink(m->exec, j);
                refuse(m, j, "no such resource in the configuration");
                job_free(j);
                return false;
        }
        if (j->op == WIRE_OP_PROBE) {
                const Op *mon = monitor_op(r);
                probe_op = (Op){.name = (char *)"monitor",
                                .timeout_ms = mon ? mon->timeout_ms : CONFIG_DEFAULT_OP_TIMEOUT_MS};
                op = &probe_op;
        } else if (j->op == WIRE_OP_MONITOR)
                op = monitor_op(r);
        else
                op = resource_find_op(r, op_name(j->op), 0);
        j->timeout_ms = op && op->timeout_ms ? op->timeout_ms : CONFIG_DEFAULT_OP_TIMEOUT_MS;

        cluster_blade_name(&m->cluster, j->peer, peer, sizeof(peer));
        OcfCall call = {.action = op_to_ocf(j->op),
                        .rsc = r,
                        .op = op,
                        .ocf_root = m->opt.ocf_root,
                        .node = m->local->name};
        if (j->op == WIRE_OP_MIGRATE_TO) {
                call.migrate_source = m->local->name;
                call.migrate_target = peer;
        } else if (j->op == WIRE_OP_MIGRATE_FROM) {
                call.migrate_source = peer;
                call.migrate_target = m->local->name;
        }
        k = ocf_env_build(&call, &j->env, &bad);
        if (k >= 0)
                k = ocf_agent_path(m->opt.ocf_root, r->agent_provider, r->agent_type, &path);
        if (k == -EINVAL) {
                snprintf(why, sizeof(why), "parameter or agent name not usable: %s",
                         bad ? bad : "provider/type");
                job_unlink(m->exec, j);
                job_finish(m, j, OCF_RC_ERR_CONFIGURED, why, 0);
                job_free(j);
                return false;
        }
        if (k < 0) {
                manager_fail(m, k, "preparing an agent call");
                return false;
        }
        RunnerRequest req = {
                .path = path, .action = op_name(j->op), .env = j->env, .timeout_ms = j->timeout_ms};
        k = runner_start(m->event, &req, on_job_done, j, &j->runner);
        if (k == -ENOENT || k == -EACCES) {
                snprintf(why, sizeof(why), "agent %s %s", path,
                         k == -ENOENT ? "not installed" : "is not executable");
                job_unlink(m->exec, j);
                job_finish(m, j, k == -ENOENT ? OCF_RC_ERR_INSTALLED : OCF_RC_ERR_PERM, why, 0);
                job_free(j);
                return false;
        }
        if (k < 0) {
                log_emit(&m->log, LOG_ERR, k, &(LogFields){.resource = j->rsc},
                         "cannot run the agent of %s", j->rsc);
                job_unlink(m->exec, j);
                job_finish(m, j, OCF_RC_NO_RESULT, "cannot run the agent", 0);
                job_free(j);
                return false;
        }
        log_emit(&m->log, j->op == WIRE_OP_MONITOR ? LOG_DEBUG : LOG_INFO, 0,
                 &(LogFields){.resource = j->rsc, .op = ocf_action_to_string(call.action)},
                 "%s %s (timeout %" PRIu64 " ms)", ocf_action_to_string(call.action), j->rsc,
                 j->timeout_ms);
        return true;
}

static size_t running(const Exec *x) {
        size_t n = 0;
        for (const Job *j = x->jobs; j; j = j->next)
                n += j->runner != NULL;
        return n;
}

static bool rsc_busy(const Exec *x, const Job *upto, const char *rsc) {
        for (const Job *j = x->jobs; j && j != upto; j = j->next)
                if (strcmp(j->rsc, rsc) == 0)
                        return true;
        return false;
}

/* Starts every waiting job whose resource has nothing before it. */
static void exec_kick(Manager *m) {
        Exec *x = m->exec;
        bool again = true;

        while (again) {
                again = false;
                for (Job *j = x->jobs; j; j = j->next) {
                        if (j->runner || rsc_busy(x, j, j->rsc))
                                continue;
                        if (running(x) >= EXEC_MAX_PARALLEL)
                                return;
                        if (!job_start(m, j)) {
                                /* j is gone from the list: walk it again. */
                                again = true;
                                break;
                        }
                }
        }
}

static void job_enqueue(Manager *m, const char *rsc, uint32_t op, uint64_t action_id,
                        uint32_t origin, uint32_t peer) {
        Exec *x = m->exec;
        Job *j, **tail;

        if (op == WIRE_OP_MONITOR) {
                /* Anything queued for the resource makes this monitor moot. */
                for (j = x->jobs; j; j = j->next)
                        if (strcmp(j->rsc, rsc) == 0)
                                return;
        } else {
                /* An action overtakes a monitor of the same resource. */
                for (Job **pp = &x->jobs; *pp;) {
                        if ((*pp)->op == WIRE_OP_MONITOR && strcmp((*pp)->rsc, rsc) == 0) {
                                Job *dead = *pp;
                                *pp = dead->next;
                                job_free(dead);
                        } else
                                pp = &(*pp)->next;
                }
                monitor_disarm(x, rsc);
        }
        char *id = strdup(rsc);
        j = id ? malloc(sizeof(*j)) : NULL;
        if (!j) {
                free(id);
                return manager_fail(m, -ENOMEM, "queueing an action");
        }
        *j = (Job){.m = m,
                   .rsc = id,
                   .op = op,
                   .action_id = action_id,
                   .origin = origin,
                   .peer = peer};
        for (tail = &x->jobs; *tail; tail = &(*tail)->next)
                ;
        *tail = j;
        exec_kick(m);
}

/* --- resources that left the configuration ------------------------------ */

static bool same_params(const Resource *a, const Resource *b) {
        if (a->n_params != b->n_params)
                return false;
        for (size_t i = 0; i < a->n_params; i++) {
                const char *v = resource_get_param(b, a->params[i].name);
                if (!v || strcmp(v, a->params[i].value) != 0)
                        return false;
        }
        return true;
}

static bool same_definition(const Resource *a, const Resource *b) {
        return strcmp(a->agent_class, b->agent_class) == 0 &&
               strcmp(a->agent_provider, b->agent_provider) == 0 &&
               strcmp(a->agent_type, b->agent_type) == 0 && same_params(a, b);
}

int manager_exec_orphans(Manager *m, Config *old) {
        OldConfig *o = calloc(1, sizeof(*o));
        Exec *x = m->exec;

        if (!o) {
                config_free(old);
                return -ENOMEM;
        }
        o->config = old;
        o->refs = 1; /* ours, until the loop is done */
        for (size_t k = old->n_resources; x && m->cluster.joined && k-- > 0;) {
                const Resource *r = &old->resources[k];
                const ProbeRow *row = manager_probe_row(m, r->id, m->cluster.local_nodeid);
                const Resource *now = find_resource(m, r->id);
                Job *j, **tail;

                if (!row ||
                    (row->role != RSC_STARTED && row->role != RSC_FAILED &&
                     row->role != RSC_MIGRATING) ||
                    (now && same_definition(r, now)))
                        continue;
                if (m->config->props.maintenance) {
                        log_emit(&m->log, LOG_WARNING, 0, &(LogFields){.resource = r->id},
                                 "%s %s, but maintenance mode leaves it running here", r->id,
                                 now ? "was redefined" : "left the configuration");
                        continue;
                }
                log_emit(&m->log, LOG_NOTICE, 0, &(LogFields){.resource = r->id, .op = "stop"},
                         "%s %s: stopping what runs here with its old definition", r->id,
                         now ? "has a new agent or new parameters" : "left the configuration");
                monitor_disarm(x, r->id);
                char *id = strdup(r->id);
                j = id ? calloc(1, sizeof(*j)) : NULL;
                if (!j) {
                        free(id);
                        old_unref(o);
                        return -ENOMEM;
                }
                *j = (Job){.m = m, .rsc = id, .op = WIRE_OP_STOP, .def = r, .old = o};
                o->refs++;
                for (tail = &x->jobs; *tail; tail = &(*tail)->next)
                        ;
                *tail = j;
        }
        old_unref(o);
        if (x)
                exec_kick(m);
        return 0;
}

/* --- actions from the coordinator ---------------------------------------- */

static bool may_start(const Manager *m) {
        return m->cluster.quorate || m->config->props.no_quorum_policy == NO_QUORUM_IGNORE;
}

void manager_exec_action(Manager *m, uint32_t origin, const WireAction *a) {
        char rsc[WIRE_MAX_RSC_ID + 1];
        Exec *x = m->exec;

        snprintf(rsc, sizeof(rsc), "%.*s", (int)a->rsc_len, a->rsc);
        if (a->op == WIRE_OP_CLEANUP) {
                if (a->blade && a->blade != m->cluster.local_nodeid)
                        return;
                /* Forget, then probe again (manager_probe_forget ran on every
                 * blade already; our own probe follows from the kick). */
                monitor_disarm(x, rsc);
                manager_probe_kick(m);
                return;
        }
        if (a->blade != m->cluster.local_nodeid)
                return;
        Job tmp = {.rsc = rsc, .op = a->op, .action_id = a->action_id, .origin = origin};
        if ((a->op == WIRE_OP_START || a->op == WIRE_OP_MIGRATE_FROM) &&
            (!may_start(m) || x->stopping_all || x->draining))
                return refuse(m, &tmp,
                              !may_start(m) ? "this blade has no quorum"
                                            : "this blade is shutting down or stopping "
                                              "everything");
        if (m->config->props.maintenance && a->op != WIRE_OP_PROBE)
                return refuse(m, &tmp, "maintenance mode");
        job_enqueue(m, rsc, a->op, a->action_id, origin, a->peer);
}

/* --- stopping everything here: no quorum, shutdown ----------------------- */

static bool active(RscRole r) {
        return r == RSC_STARTED || r == RSC_FAILED || r == RSC_MIGRATING;
}

static bool local_stop_failed(Manager *m) {
        for (size_t i = 0; i < m->n_rows; i++)
                if (m->rows[i].nodeid == m->cluster.local_nodeid &&
                    m->rows[i].role == RSC_STOP_FAILED)
                        return true;
        return false;
}

static size_t local_active(Manager *m) {
        size_t n = 0;
        for (size_t i = 0; i < m->n_rows; i++)
                if (m->rows[i].nodeid == m->cluster.local_nodeid && active(m->rows[i].role))
                        n++;
        return n;
}

/* Queues a local stop of every resource that is active here, in the
 * reverse of the configuration's order (VMs after the addresses they were
 * started after are stopped before them). */
static void stop_all(Manager *m, const char *why) {
        Exec *x = m->exec;
        size_t n = 0;

        x->stopping_all = true;
        while (x->monitors)
                monitor_disarm(x, x->monitors->rsc);
        for (size_t k = m->config->n_resources; k-- > 0;) {
                const char *id = m->config->resources[k].id;
                const ProbeRow *row = manager_probe_row(m, id, m->cluster.local_nodeid);
                if (!row || !active(row->role))
                        continue;
                job_enqueue(m, id, WIRE_OP_STOP, 0, 0, 0);
                n++;
        }
        log_notice(&m->log, "%s: stopping the %zu resource%s active on this blade", why, n,
                   n == 1 ? "" : "s");
}

static int on_quorum_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        size_t n = local_active(m);
        (void)s;
        (void)usec;
        if (n > 0 && !m->cluster.quorate)
                log_emit(&m->log, LOG_CRIT, 0, NULL,
                         "%zu resource%s still active %" PRIu64 " ms after quorum was lost: "
                         "the quorate partition will fence this blade",
                         n, n == 1 ? " is" : "s are", m->config->props.no_quorum_stop_timeout_ms);
        return 0;
}

void manager_exec_quorum_changed(Manager *m) {
        Exec *x = m->exec;

        if (!x)
                return;
        if (m->cluster.quorate) {
                x->stopping_all = x->draining;
                x->quorum_lost_us = 0;
                x->quorum_timer = sd_event_source_disable_unref(x->quorum_timer);
                /* Monitors of what still runs here come back. */
                if (!x->draining)
                        for (size_t i = 0; i < m->n_rows; i++)
                                if (m->rows[i].nodeid == m->cluster.local_nodeid &&
                                    m->rows[i].role == RSC_STARTED)
                                        monitor_arm(m, m->rows[i].rsc);
                return;
        }
        if (m->config->props.no_quorum_policy != NO_QUORUM_STOP || m->config->props.maintenance ||
            !m->cluster.joined)
                return;
        /* Invariant 2: a blade without quorum stops its resources, bounded by
         * no-quorum-stop-timeout. */
        x->quorum_lost_us = now_usec(m);
        stop_all(m, "quorum lost (no-quorum-policy stop)");
        uint64_t bound = m->config->props.no_quorum_stop_timeout_ms;
        if (bound == 0)
                bound = 60000;
        x->quorum_timer = sd_event_source_disable_unref(x->quorum_timer);
        (void)sd_event_add_time_relative(m->event, &x->quorum_timer, CLOCK_MONOTONIC, bound * 1000,
                                         1000, on_quorum_deadline, m);
        drain_check(m);
}

/* Has what this blade held arrived elsewhere?  The plan of this moment
 * (this blade drained) starts or migrates nothing more: what could move has
 * moved, the rest is blocked.  Leaving earlier would be safe too, but the
 * admin expects the services up before `systemctl stop` returns. */
static bool cluster_settled(Manager *m) {
        Plan *plan = NULL;
        Snapshot s;
        bool settled = true;

        if (cluster_coordinator(&m->cluster) == 0 || manager_snapshot_build(m, &s) < 0)
                return true;
        manager_coord_unseen(m, &s);
        if (scheduler_run(&s, &plan) >= 0)
                for (size_t i = 0; i < plan->n_actions && settled; i++)
                        settled = plan->actions[i].kind != ACTION_START &&
                                  plan->actions[i].kind != ACTION_MIGRATE_FROM &&
                                  plan->actions[i].kind != ACTION_MIGRATE_TO;
        plan_free(plan);
        snapshot_done(&s);
        return settled;
}

/* Shutdown: leave once nothing is active here and nothing runs. */
static void drain_check(Manager *m) {
        Exec *x = m->exec;

        if (x->quorum_lost_us && x->stopping_all && local_active(m) == 0 && !x->jobs) {
                uint64_t ms = (now_usec(m) - x->quorum_lost_us) / 1000;
                log_notice(&m->log,
                           "no quorum: every resource of this blade stopped %" PRIu64
                           " ms after quorum was lost",
                           ms);
                x->quorum_lost_us = 0;
        }
        if (!x->draining || x->jobs)
                return;
        if (x->stop_failed || local_stop_failed(m)) {
                log_emit(&m->log, LOG_CRIT, 0, NULL,
                         "a resource could not be stopped: exiting without leaving the group, "
                         "so the cluster fences this blade");
                sd_event_exit(m->event, MANAGER_EXIT_FAILURE);
                return;
        }
        /* Not while an action runs here or migrates to or from here: a
         * migration's target may hold the resource before anyone knows. */
        if (local_active(m) == 0 && !manager_coord_involved(m, m->cluster.local_nodeid) &&
            (x->drain_expired || cluster_settled(m))) {
                (void)manager_leave(m);
                return;
        }
        /* Without a coordinator nobody will move things: stop them here. */
        if (!x->stopping_all && cluster_coordinator(&m->cluster) == 0)
                stop_all(m, "shutting down without a coordinator");
}

static int on_drain_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        (void)s;
        (void)usec;
        m->exec->drain_expired = true;
        if (!m->exec->stopping_all)
                stop_all(m, "shutdown: the cluster did not take everything over in time");
        drain_check(m);
        return 0;
}

void manager_exec_shutdown(Manager *m) {
        Exec *x = m->exec;
        WireMessage w = {.type = WIRE_LEAVING, .nodeid = m->cluster.local_nodeid};

        if (!m->cluster.joined || !x) {
                (void)manager_leave(m);
                return;
        }
        if (m->config->props.maintenance) {
                /* Resources are unmanaged: they keep running, and the others
                 * must not believe this blade holds nothing.  So no clean
                 * leave: it counts as lost, is probed again when bladed comes
                 * back (an upgrade), or fenced once maintenance ends. */
                log_notice(&m->log, "maintenance mode: resources keep running; exiting without "
                                    "a clean leave, so the cluster does not take them over");
                sd_event_exit(m->event, MANAGER_EXIT_OK);
                return;
        }
        x->draining = true;
        /* Everyone marks us draining: the coordinator moves our resources away
         * (VMs migrate live) and places nothing here any more. */
        manager_send(m, &w);
        (void)sd_event_add_time_relative(m->event, &x->drain_timer, CLOCK_MONOTONIC,
                                         EXEC_DRAIN_TIMEOUT_USEC, 0, on_drain_timeout, m);
        drain_check(m);
}

/* Called by manager_coord.c after each delivered result of ours. */
void manager_exec_result_delivered(Manager *m) {
        if (m->exec)
                drain_check(m);
}

void manager_exec_config_changed(Manager *m) {
        Exec *x = m->exec;

        if (!x)
                return;
        for (Monitor *mo = x->monitors, *next; mo; mo = next) {
                next = mo->next;
                const Resource *r = find_resource(m, mo->rsc);
                const Op *op = r ? monitor_op(r) : NULL;
                if (!op || m->config->props.maintenance)
                        monitor_disarm(x, mo->rsc);
                else if (op->interval_ms != mo->interval_ms)
                        monitor_arm(m, mo->rsc);
        }
        /* Leaving maintenance: monitor again what runs here. */
        if (!m->config->props.maintenance && !x->stopping_all)
                for (size_t i = 0; i < m->n_rows; i++)
                        if (m->rows[i].nodeid == m->cluster.local_nodeid &&
                            m->rows[i].role == RSC_STARTED && !monitor_find(x, m->rows[i].rsc))
                                monitor_arm(m, m->rows[i].rsc);
}

size_t manager_exec_busy(const Manager *m) {
        size_t n = 0;
        if (m->exec)
                for (const Job *j = m->exec->jobs; j; j = j->next)
                        n++;
        return n;
}

int manager_exec_init(Manager *m) {
        m->exec = calloc(1, sizeof(Exec));
        return m->exec ? 0 : -ENOMEM;
}

void manager_exec_free(Manager *m) {
        Exec *x = m->exec;

        if (!x)
                return;
        while (x->jobs) {
                Job *j = x->jobs;
                x->jobs = j->next;
                job_free(j);
        }
        while (x->monitors)
                monitor_disarm(x, x->monitors->rsc);
        sd_event_source_disable_unref(x->drain_timer);
        sd_event_source_disable_unref(x->quorum_timer);
        free(x);
        m->exec = NULL;
}
