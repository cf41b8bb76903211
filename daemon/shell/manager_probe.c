/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start-up probes (invariant 4): every daemon asks the agents whether the
 * configured resources already run on its own blade ("monitor" with
 * interval 0), and multicasts each finding as RESOURCE_STATE.  Every
 * daemon keeps what every blade said in Manager.rows, applied in CPG order;
 * status shows it.  Nothing is started or stopped here.
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

struct Probe {
        Manager *m;
        size_t slot;
        Runner *runner;
        char *rsc;
        uint64_t epoch; /* the configuration the probe was started against */
        uint64_t timeout_ms;
        char **env;
};

static const Resource *find_resource(const Manager *m, const char *id) {
        for (size_t i = 0; i < m->config->n_resources; i++)
                if (strcmp(m->config->resources[i].id, id) == 0)
                        return &m->config->resources[i];
        return NULL;
}

static ProbeRow *find_row(Manager *m, const char *rsc, uint32_t nodeid) {
        for (size_t i = 0; i < m->n_rows; i++)
                if (m->rows[i].nodeid == nodeid && strcmp(m->rows[i].rsc, rsc) == 0)
                        return &m->rows[i];
        return NULL;
}

static void row_clear(ProbeRow *r) {
        free(r->rsc);
        free(r->reason);
}

/* Drops rows for which keep() says no, keeping the order. */
static void rows_filter(Manager *m, bool (*keep)(Manager *m, const ProbeRow *r, const void *arg),
                        const void *arg) {
        size_t k = 0;

        for (size_t i = 0; i < m->n_rows; i++) {
                if (keep(m, &m->rows[i], arg))
                        m->rows[k++] = m->rows[i];
                else
                        row_clear(&m->rows[i]);
        }
        m->n_rows = k;
}

static int row_set(Manager *m, const char *rsc, size_t rsc_len, uint32_t nodeid, RscRole role,
                   int rc, const char *reason, size_t reason_len) {
        _cleanup_(freep) char *id = strndup(rsc, rsc_len);
        _cleanup_(freep) char *why = reason_len ? strndup(reason, reason_len) : NULL;
        ProbeRow *r;

        if (!id || (reason_len && !why))
                return -ENOMEM;
        r = find_row(m, id, nodeid);
        if (!r) {
                ProbeRow *n = realloc(m->rows, (m->n_rows + 1) * sizeof(ProbeRow));
                if (!n)
                        return -ENOMEM;
                m->rows = n;
                r = &m->rows[m->n_rows++];
                *r = (ProbeRow){.rsc = TAKE_PTR(id), .nodeid = nodeid};
        }
        free(r->reason);
        r->reason = TAKE_PTR(why);
        r->role = role;
        r->rc = rc;
        return 0;
}

static void send_state(Manager *m, const ProbeRow *r) {
        WireMessage w = {.type = WIRE_RESOURCE_STATE, .nodeid = m->cluster.local_nodeid};

        w.rstate = (WireResourceState){.epoch = m->cluster.epoch,
                                       .blade = r->nodeid,
                                       .role = r->role,
                                       .rc = r->rc,
                                       .rsc = r->rsc,
                                       .rsc_len = strlen(r->rsc),
                                       .reason = r->reason,
                                       .reason_len = r->reason ? strlen(r->reason) : 0};
        if (w.rstate.reason_len > WIRE_MAX_TEXT)
                w.rstate.reason_len = WIRE_MAX_TEXT;
        manager_send(m, &w);
}

/* The re-announce carries what a probe's state does not: fail count, bans. */
static void send_announce(Manager *m, const ProbeRow *r) {
        WireMessage w = {.type = WIRE_RESOURCE_RESULT, .nodeid = m->cluster.local_nodeid};

        w.result = (WireResult){.epoch = m->cluster.epoch,
                                .blade = r->nodeid,
                                .op = WIRE_OP_ANNOUNCE,
                                .role = r->role,
                                .rc = r->rc,
                                .failcount = r->failcount,
                                .flags = (r->banned ? WIRE_RESULT_BANNED : 0) |
                                         (r->ban_everywhere ? WIRE_RESULT_BAN_EVERYWHERE : 0),
                                .rsc = r->rsc,
                                .rsc_len = strlen(r->rsc),
                                .reason = r->reason,
                                .reason_len = r->reason ? strlen(r->reason) : 0};
        if (w.result.reason_len > WIRE_MAX_TEXT)
                w.result.reason_len = WIRE_MAX_TEXT;
        manager_send(m, &w);
}

static Probe *probe_free(Probe *p) {
        if (!p)
                return NULL;
        if (p->m->probes[p->slot] == p)
                p->m->probes[p->slot] = NULL;
        runner_free(p->runner);
        ocf_env_free(p->env);
        free(p->rsc);
        free(p);
        return NULL;
}

static bool probing(const Manager *m, const char *rsc) {
        for (size_t i = 0; i < MANAGER_MAX_PROBES; i++)
                if (m->probes[i] && strcmp(m->probes[i]->rsc, rsc) == 0)
                        return true;
        return false;
}

/* Records our own finding, multicasts it, starts the next probe. */
static void probe_done(Probe *p, int rc, const char *reason) {
        Manager *m = p->m;
        OcfOutcome o = ocf_classify(OCF_ACTION_PROBE, rc);
        RscRole role = o == OCF_OUTCOME_RUNNING   ? RSC_STARTED
                       : o == OCF_OUTCOME_STOPPED ? RSC_STOPPED
                                                  : RSC_FAILED;
        LogFields f = {.resource = p->rsc, .op = "probe", .has_epoch = true, .epoch = p->epoch};
        ProbeRow *row;

        if (p->epoch != m->cluster.epoch || !find_resource(m, p->rsc)) {
                /* The configuration changed under the probe: its answer is about
                 * a definition that no longer holds.  kick() probes again. */
                log_emit(&m->log, LOG_INFO, 0, &f,
                         "probe of %s answered for epoch %" PRIu64 ", now %" PRIu64 ": discarded",
                         p->rsc, p->epoch, m->cluster.epoch);
                probe_free(p);
                manager_probe_kick(m);
                return;
        }
        log_emit(&m->log, role == RSC_FAILED ? LOG_WARNING : LOG_INFO, 0, &f,
                 "probe of %s: %s here (rc %d %s%s%s)", p->rsc, rsc_role_to_string(role), rc,
                 ocf_rc_to_string(rc), reason ? ": " : "", reason ? reason : "");
        if (row_set(m, p->rsc, strlen(p->rsc), m->cluster.local_nodeid, role, rc, reason,
                    reason ? strlen(reason) : 0) < 0) {
                probe_free(p);
                return manager_fail(m, -ENOMEM, "recording a probe result");
        }
        row = find_row(m, p->rsc, m->cluster.local_nodeid);
        send_state(m, row);
        manager_exec_local_state(m, p->rsc, role);
        probe_free(p);
        manager_probe_kick(m);
        manager_update_status(m);
}

static void on_probe(Runner *r, const RunnerResult *res, void *userdata) {
        Probe *p = userdata;
        int rc = runner_result_ocf_rc(res);
        char why[OCF_EXIT_REASON_MAX + 64];

        (void)r;
        probe_done(p, rc, runner_result_reason(res, "probe", p->timeout_ms, why, sizeof(why)));
}

static uint64_t probe_timeout(const Resource *rsc) {
        const Op *best = NULL;

        /* An explicit interval-0 monitor is the probe's own; else any monitor. */
        for (size_t i = 0; i < rsc->n_ops; i++)
                if (strcmp(rsc->ops[i].name, "monitor") == 0 &&
                    (!best || rsc->ops[i].interval_ms == 0))
                        best = &rsc->ops[i];
        return best && best->timeout_ms ? best->timeout_ms : CONFIG_DEFAULT_OP_TIMEOUT_MS;
}

static int probe_start(Manager *m, size_t slot, const Resource *rsc) {
        _cleanup_(freep) char *path = NULL;
        Probe *p;
        const char *bad = NULL;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p || !(p->rsc = strdup(rsc->id))) {
                free(p);
                return -ENOMEM;
        }
        p->m = m;
        p->slot = slot;
        p->epoch = m->cluster.epoch;
        p->timeout_ms = probe_timeout(rsc);
        m->probes[slot] = p;

        Op op = {.name = (char *)"monitor", .interval_ms = 0, .timeout_ms = p->timeout_ms};
        OcfCall call = {.action = OCF_ACTION_PROBE,
                        .rsc = rsc,
                        .op = &op,
                        .ocf_root = m->opt.ocf_root,
                        .node = m->local->name};
        r = ocf_env_build(&call, &p->env, &bad);
        if (r == -EINVAL) {
                char why[320];
                snprintf(why, sizeof(why), "parameter or agent name not usable: %s",
                         bad ? bad : "provider/type");
                probe_done(p, OCF_RC_ERR_CONFIGURED, why);
                return 0;
        }
        if (r >= 0)
                r = ocf_agent_path(m->opt.ocf_root, rsc->agent_provider, rsc->agent_type, &path);
        if (r == -EINVAL) {
                probe_done(p, OCF_RC_ERR_CONFIGURED, "agent provider/type not usable");
                return 0;
        }
        if (r < 0) {
                probe_free(p);
                return r;
        }
        RunnerRequest req = {
                .path = path, .action = "monitor", .env = p->env, .timeout_ms = p->timeout_ms};
        r = runner_start(m->event, &req, on_probe, p, &p->runner);
        if (r == -ENOENT) {
                /* Pacemaker's rule: a probe of a missing agent is "not running here". */
                char why[OCF_EXIT_REASON_MAX];
                snprintf(why, sizeof(why), "agent %s not installed", path);
                probe_done(p, OCF_RC_ERR_INSTALLED, why);
                return 0;
        }
        if (r == -EACCES) {
                probe_done(p, OCF_RC_ERR_PERM, "agent file is not executable");
                return 0;
        }
        if (r < 0) {
                log_emit(&m->log, LOG_ERR, r, &(LogFields){.resource = rsc->id, .op = "probe"},
                         "cannot run the agent for %s", rsc->id);
                probe_done(p, OCF_RC_NO_RESULT, "cannot run the agent");
                return 0;
        }
        log_emit(&m->log, LOG_DEBUG, 0, &(LogFields){.resource = rsc->id, .op = "probe"},
                 "probing %s (%s, timeout %" PRIu64 " ms)", rsc->id, path, p->timeout_ms);
        return 0;
}

void manager_probe_kick(Manager *m) {
        const Cluster *c = &m->cluster;

        if (m->stopping || !c->joined || !c->synced || c->round_open || !m->local)
                return;
        for (size_t i = 0; i < m->config->n_resources; i++) {
                const Resource *rsc = &m->config->resources[i];
                size_t slot = MANAGER_MAX_PROBES;

                if (find_row(m, rsc->id, c->local_nodeid) || probing(m, rsc->id))
                        continue;
                for (size_t k = 0; k < MANAGER_MAX_PROBES; k++)
                        if (!m->probes[k]) {
                                slot = k;
                                break;
                        }
                if (slot == MANAGER_MAX_PROBES)
                        return; /* on_probe() calls us again */
                if (probe_start(m, slot, rsc) < 0)
                        return manager_fail(m, -ENOMEM, "starting a probe");
                /* probe_start may have finished synchronously and kicked again;
                 * the loop just continues over what is still missing. */
        }
}

void manager_probe_announce(Manager *m) {
        if (!m->cluster.joined || !m->local)
                return;
        for (size_t i = 0; i < m->n_rows; i++)
                if (m->rows[i].nodeid == m->cluster.local_nodeid)
                        send_announce(m, &m->rows[i]);
        manager_probe_kick(m);
}

static bool keep_configured(Manager *m, const ProbeRow *r, const void *arg) {
        (void)arg;
        return find_resource(m, r->rsc) != NULL;
}

void manager_probe_config_changed(Manager *m) {
        rows_filter(m, keep_configured, NULL);
}

static bool keep_other_blades(Manager *m, const ProbeRow *r, const void *arg) {
        (void)m;
        return r->nodeid != *(const uint32_t *)arg;
}

void manager_probe_blade_left(Manager *m, uint32_t nodeid) {
        rows_filter(m, keep_other_blades, &nodeid);
}

static void drop_row_update(Manager *m, uint32_t blade, const char *rsc, size_t rsc_len,
                            uint64_t epoch, const char *why) {
        uint64_t now = 0;
        unsigned suppressed;
        char name[64], id[64];

        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (!ratelimit_below(&m->rstate_rl, now, &suppressed))
                return;
        if (suppressed)
                log_info(&m->log, "%u more ignored resource states not logged", suppressed);
        snprintf(id, sizeof(id), "%.*s", (int)(rsc_len < 60 ? rsc_len : 60), rsc);
        cluster_blade_name(&m->cluster, blade, name, sizeof(name));
        log_emit(&m->log, LOG_INFO, 0,
                 &(LogFields){.node = name, .resource = id, .has_epoch = true, .epoch = epoch},
                 "ignored the state of %s on %s: %s", id, name, why);
}

static void drop_state(Manager *m, const WireResourceState *st, const char *why) {
        drop_row_update(m, st->blade, st->rsc, st->rsc_len, st->epoch, why);
}

void manager_probe_apply(Manager *m, uint32_t nodeid, const WireResourceState *st) {
        char id[WIRE_MAX_RSC_ID + 1];

        if (st->blade != nodeid)
                return drop_state(m, st, "a blade may only report its own resources");
        if (st->role > RSC_FAILED)
                return drop_state(m, st, "not a probe's role");
        if (st->epoch != m->cluster.epoch)
                return drop_state(m, st, "it refers to another configuration epoch");
        snprintf(id, sizeof(id), "%.*s", (int)st->rsc_len, st->rsc);
        if (!find_resource(m, id))
                return drop_state(m, st, "no such resource in the configuration");
        if (row_set(m, st->rsc, st->rsc_len, st->blade, (RscRole)st->role, st->rc, st->reason,
                    st->reason_len) < 0)
                return manager_fail(m, -ENOMEM, "recording a resource state");
}

void manager_probe_result(Manager *m, uint32_t nodeid, const WireResult *x) {
        char id[WIRE_MAX_RSC_ID + 1];
        ProbeRow *row;
        uint64_t now = 0;

        if (x->blade != nodeid)
                return drop_row_update(m, x->blade, x->rsc, x->rsc_len, x->epoch,
                                       "a blade may only report its own resources");
        /* A probe or an announce is about the definition of its epoch; an
         * action's result is a fact about the blade whatever the epoch. */
        if ((x->op == WIRE_OP_PROBE || x->op == WIRE_OP_ANNOUNCE) && x->epoch != m->cluster.epoch)
                return drop_row_update(m, x->blade, x->rsc, x->rsc_len, x->epoch,
                                       "it refers to another configuration epoch");
        if (x->flags & WIRE_RESULT_NOT_RUN)
                return; /* nothing ran: nothing changed */
        snprintf(id, sizeof(id), "%.*s", (int)x->rsc_len, x->rsc);
        if (!find_resource(m, id))
                return drop_row_update(m, x->blade, x->rsc, x->rsc_len, x->epoch,
                                       "no such resource in the configuration");
        row = find_row(m, id, x->blade);
        if (row && !(x->flags & WIRE_RESULT_NEW_FAILURE) && x->reason_len == 0 &&
            (row->failcount > 0 || row->banned) && x->failcount > 0) {
                /* A quiet success after a failure (the recovery's stop): the
                 * row keeps the failure's exit code and reason, which are what
                 * its fail count and ban are about. */
                row->role = (RscRole)x->role;
        } else if (row_set(m, x->rsc, x->rsc_len, x->blade, (RscRole)x->role, x->rc, x->reason,
                           x->reason_len) < 0)
                return manager_fail(m, -ENOMEM, "recording a resource result");
        row = find_row(m, id, x->blade);
        row->failcount = x->failcount;
        row->banned = x->flags & WIRE_RESULT_BANNED;
        row->ban_everywhere = x->flags & WIRE_RESULT_BAN_EVERYWHERE;
        if (x->flags & WIRE_RESULT_NEW_FAILURE) {
                /* Each daemon dates the failure with its own clock at delivery:
                 * failure-timeout needs no synchronised clocks. */
                sd_event_now(m->event, CLOCK_MONOTONIC, &now);
                row->last_failure_ms = now / 1000;
        } else if (x->failcount == 0)
                row->last_failure_ms = 0;
        else if (row->last_failure_ms == 0) {
                /* An announced old failure: date it now (restarts its timeout). */
                sd_event_now(m->event, CLOCK_MONOTONIC, &now);
                row->last_failure_ms = now / 1000;
        }
}

int manager_probe_mark_maybe_active(Manager *m, const char *rsc, uint32_t nodeid) {
        static const char why[] = "may hold it: a migration to this blade is under way";
        const ProbeRow *r = find_row(m, rsc, nodeid);

        if (r && (r->role == RSC_STARTED || r->role == RSC_FAILED || r->role == RSC_STOP_FAILED))
                return 0;
        return row_set(m, rsc, strlen(rsc), nodeid, RSC_FAILED, r ? r->rc : -1, why,
                       sizeof(why) - 1);
}

struct ForgetArg {
        const char *rsc;
        uint32_t nodeid;
};

static bool keep_unforgotten(Manager *m, const ProbeRow *r, const void *arg) {
        const struct ForgetArg *f = arg;
        (void)m;
        return strcmp(r->rsc, f->rsc) != 0 || (f->nodeid && r->nodeid != f->nodeid);
}

void manager_probe_forget(Manager *m, const char *rsc, uint32_t nodeid) {
        rows_filter(m, keep_unforgotten, &(struct ForgetArg){.rsc = rsc, .nodeid = nodeid});
}

const ProbeRow *manager_probe_row(Manager *m, const char *rsc, uint32_t nodeid) {
        return find_row(m, rsc, nodeid);
}

int manager_probe_fill(Manager *m, Snapshot *s) {
        for (size_t b = 0; b < s->n_blades; b++) {
                bool all =
                        s->blades[b].state == BLADE_ONLINE || s->blades[b].state == BLADE_STANDBY;

                for (size_t i = 0; i < s->config->n_resources; i++) {
                        const ProbeRow *r =
                                find_row(m, s->config->resources[i].id, s->blades[b].nodeid);
                        RscBlade *rb = snapshot_rb(s, i, b);

                        if (!r || r->role == RSC_UNKNOWN) {
                                all = false;
                                continue;
                        }
                        rb->role = r->role;
                        rb->last_rc = r->rc;
                        rb->failcount = r->failcount;
                        if (r->banned)
                                rb->banned = true;
                        rb->last_failure_ms = r->last_failure_ms;
                        if (r->ban_everywhere)
                                for (size_t k = 0; k < s->n_blades; k++)
                                        snapshot_rb(s, i, k)->banned = true;
                        if (r->reason && !(rb->exit_reason = strdup(r->reason)))
                                return -ENOMEM;
                }
                s->blades[b].probed = all;
        }
        return 0;
}

void manager_probe_free(Manager *m) {
        for (size_t i = 0; i < MANAGER_MAX_PROBES; i++)
                probe_free(m->probes[i]);
        for (size_t i = 0; i < m->n_rows; i++)
                row_clear(&m->rows[i]);
        free(m->rows);
        m->rows = NULL;
        m->n_rows = 0;
}
