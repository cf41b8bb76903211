/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Control socket commands: status, config show, config load, and the admin
 * commands (CLI.md): the configuration edits (config_admin.h) travel like a
 * config load; cleanup, fence and node add/remove are handed to the
 * executor, the fencer and hot-add. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bladed/config.h"
#include "bladed/config_admin.h"
#include "bladed/scheduler.h"
#include "bladed/status_text.h"
#include "bladed/status_xml.h"
#include "bladed/util.h"
#include "manager.h"

int manager_reparse_config(Manager *m) {
        _cleanup_(diag_clear) DiagList diag = {0};
        Config *c = NULL;
        int r;

        r = config_parse(m->cluster.doc, m->cluster.doc_len, &c, &diag);
        if (r < 0) {
                /* Validated where it was loaded; a daemon of another version may
                 * read it differently.  Keep running, show no resources. */
                diag_sort(&diag);
                log_emit(&m->log, LOG_ERR, r,
                         &(LogFields){.has_epoch = true, .epoch = m->cluster.epoch},
                         "configuration epoch %" PRIu64 " does not parse here (line %d: %s)",
                         m->cluster.epoch, diag.n ? diag.items[0].line : 0,
                         diag.n ? diag.items[0].msg : "?");
                c = calloc(1, sizeof(Config));
                if (!c)
                        return -ENOMEM;
        }
        c->epoch = m->cluster.epoch;
        Config *old = m->config;
        m->config = c;
        if (r < 0 || !old) {
                /* Never stop anything because this daemon cannot read a copy. */
                config_free(old);
                return 0;
        }
        /* Removed or redefined resources still active here are stopped with
         * their old definition (the executor owns old from here). */
        return manager_exec_orphans(m, old);
}

int manager_snapshot_build(Manager *m, Snapshot *s) {
        _cleanup_(freep) const char **names = calloc(m->n_blades, sizeof(char *));
        _cleanup_(freep) uint32_t *ids = calloc(m->n_blades, sizeof(uint32_t));
        uint32_t coord = cluster_coordinator(&m->cluster);
        struct timespec ts;
        int r;

        if (!names || !ids)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_blades; i++) {
                names[i] = m->blades[i]->name;
                ids[i] = m->blades[i]->number + 1;
        }
        m->config->epoch = m->cluster.epoch;
        r = snapshot_init(s, m->config, names, ids, m->n_blades);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_blades; i++) {
                Blade *b = &s->blades[i];
                const NodeAttrs *na = config_find_node(m->config, b->name);
                b->state = cluster_blade_state(&m->cluster, b->nodeid);
                if (b->state == BLADE_ONLINE && na && na->standby)
                        b->state = BLADE_STANDBY;
                if (b->nodeid == m->cluster.local_nodeid)
                        s->local = i;
                if (coord && b->nodeid == coord)
                        s->coordinator = i;
        }
        s->quorate = m->cluster.quorate;
        r = manager_probe_fill(m, s);
        if (r >= 0)
                manager_coord_fill(m, s);
        if (r < 0) {
                snapshot_done(s);
                return r;
        }
        clock_gettime(CLOCK_MONOTONIC, &ts);
        s->now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
        return 0;
}

/* status_xml_write's document plus synced="true|false" on the root: the
 * harness waits on it. */
static int status_xml(Manager *m, const Snapshot *s, const Plan *plan, const char *const *alerts,
                      size_t n_alerts, char **ret, size_t *ret_len) {
        _cleanup_(freep) char *xml = NULL;
        const char *attr = m->cluster.synced && !m->cluster.round_open ? " synced=\"true\""
                                                                       : " synced=\"false\"";
        size_t len, alen = strlen(attr);
        char *root, *out;
        int r;

        r = status_xml_write_full(s, plan, alerts, n_alerts, &xml, &len);
        if (r < 0)
                return r;
        root = strstr(xml, "<status");
        if (!root) {
                *ret = TAKE_PTR(xml);
                *ret_len = len;
                return 0;
        }
        size_t at = (size_t)(root - xml) + strlen("<status");
        out = malloc(len + alen + 1);
        if (!out)
                return -ENOMEM;
        memcpy(out, xml, at);
        memcpy(out + at, attr, alen);
        memcpy(out + at + alen, xml + at, len - at + 1);
        *ret = out;
        *ret_len = len + alen;
        return 0;
}

static int do_status(Manager *m, uint64_t id, const CtlRequest *q) {
        _cleanup_(freep) char *out = NULL;
        char **alerts = NULL;
        size_t len = 0, n_alerts = 0;
        Plan *plan = NULL;
        Snapshot s;
        bool xml = q->args[0].len == 3 && memcmp(q->args[0].p, "xml", 3) == 0;
        int r;

        r = manager_snapshot_build(m, &s);
        if (r < 0)
                return r;
        /* The plan of this moment: what is about to start or stop, and why
         * whatever is blocked is blocked (a few ms even for big clusters). */
        {
                /* The plan as the coordinator would see it (unseen blades
                 * count as unprobed), while the blades show as they are. */
                BladeState *saved = calloc(s.n_blades + 1, sizeof(BladeState));
                bool *probed = calloc(s.n_blades + 1, sizeof(bool));
                r = saved && probed ? 0 : -ENOMEM;
                for (size_t b = 0; r >= 0 && b < s.n_blades; b++) {
                        saved[b] = s.blades[b].state;
                        probed[b] = s.blades[b].probed;
                }
                if (r >= 0) {
                        manager_coord_unseen(m, &s);
                        r = scheduler_run(&s, &plan);
                        if (r >= 0)
                                r = manager_coord_annotate(m, &s, plan);
                        for (size_t b = 0; b < s.n_blades; b++) {
                                s.blades[b].state = saved[b];
                                s.blades[b].probed = probed[b];
                        }
                }
                free(saved);
                free(probed);
        }
        if (r >= 0)
                r = manager_coord_alerts(m, &alerts, &n_alerts);
        if (r >= 0 && xml)
                r = status_xml(m, &s, plan, (const char *const *)alerts, n_alerts, &out, &len);
        else if (r >= 0) {
                StatusTextInfo info = {.cluster_name = m->cluster_entry->name,
                                       .synced = m->cluster.synced && !m->cluster.round_open,
                                       .joined = m->cluster.joined,
                                       .plan = plan,
                                       .alerts = (const char *const *)alerts,
                                       .n_alerts = n_alerts};
                r = status_text_write(&s, &info, &out);
                if (r >= 0)
                        len = strlen(out);
        }
        strv_free(alerts);
        plan_free(plan);
        snapshot_done(&s);
        if (r < 0)
                return r;
        control_reply(&m->control, id, CTL_STATUS_OK, out, len, NULL);
        return 0;
}

static void reply_diag(Manager *m, uint64_t id, const char *what, DiagList *diag) {
        char msg[1024];
        size_t k;

        diag_sort(diag);
        k = (size_t)snprintf(msg, sizeof(msg), "%s: %zu error%s", what, diag->n_errors,
                             diag->n_errors == 1 ? "" : "s");
        for (size_t i = 0, shown = 0; i < diag->n && shown < 5 && k < sizeof(msg); i++) {
                if (diag->items[i].level != DIAG_ERROR)
                        continue;
                k += (size_t)snprintf(msg + k, sizeof(msg) - k, "; line %d: %s",
                                      diag->items[i].line, diag->items[i].msg);
                shown++;
        }
        control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0, msg);
}

/* The blade names of the node file, for the checks below (NULL on OOM). */
static const char **blade_names(Manager *m) {
        const char **names = calloc(m->n_blades ? m->n_blades : 1, sizeof(char *));

        if (names)
                for (size_t i = 0; i < m->n_blades; i++)
                        names[i] = m->blades[i]->name;
        return names;
}

/* Refuses (and answers) when this daemon cannot propose a change now:
 * stopping, not joined, no quorum.  1 = refused, 0 = go on. */
static int refuse_change(Manager *m, uint64_t id, const char *what) {
        const char *why;

        if (m->stopping) {
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0,
                              "this bladed is stopping");
                return 1;
        }
        if (cluster_can_change(&m->cluster, &why) < 0) {
                log_notice(&m->log, "%s refused: %s", what, why);
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0, why);
                return 1;
        }
        return 0;
}

/* Every change of the configuration goes out here (config load and the
 * admin edits): the daemon parses and checks the document against the
 * node file again (it trusts nobody, itself included), then orders it
 * through CPG as a CONFIG_REQUEST.  The answer to request id comes from
 * the reducer once every member has written it (manager_cluster.c). */
static int submit_config(Manager *m, uint64_t id, const char *doc, size_t len, const char *what,
                         bool based) {
        _cleanup_(diag_clear) DiagList diag = {0};
        _cleanup_(freep) const char **names = NULL;
        Config *c = NULL;
        WireMessage w;
        uint8_t *buf;
        size_t blen;
        int r;

        if (refuse_change(m, id, what))
                return 0;
        if (len == 0 || len > WIRE_MAX_DOC) {
                control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0,
                              "the document is empty or larger than 8 MiB");
                return 0;
        }
        r = config_parse(doc, len, &c, &diag);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                reply_diag(m, id, "invalid configuration", &diag);
                return 0;
        }
        names = blade_names(m);
        if (!names) {
                config_free(c);
                return -ENOMEM;
        }
        r = config_check_nodes(c, names, m->n_blades, &diag);
        config_free(c);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                reply_diag(m, id, "the configuration names blades the node file does not have",
                           &diag);
                return 0;
        }
        /* An admin edit is made on our copy: it must not overwrite a change
         * ordered before it (CONFIG_EDIT carries the epoch it was made on). */
        w = (WireMessage){.type = based ? WIRE_CONFIG_EDIT : WIRE_CONFIG_REQUEST,
                          .nodeid = m->cluster.local_nodeid};
        w.request = (WireRequest){.request_id = id,
                                  .based = based,
                                  .base_epoch = m->cluster.epoch,
                                  .doc = doc,
                                  .doc_len = len};
        r = wire_encode(&w, &buf, &blen);
        if (r < 0)
                return r;
        log_info(&m->log, "%s requested (%zu bytes): ordering it through CPG", what, len);
        /* A send error ends in on_lost, which answers every waiting request. */
        (void)group_send(&m->group, buf, blen);
        return 0;
}

static int do_config_load(Manager *m, uint64_t id, const CtlRequest *q) {
        return submit_config(m, id, q->args[0].p, q->args[0].len, "configuration load", false);
}

static char *arg_dup(const CtlRequest *q, size_t i) {
        return i < q->n_args ? strndup(q->args[i].p, q->args[i].len) : NULL;
}

static bool arg_is(const CtlRequest *q, size_t i, const char *word) {
        return i < q->n_args && q->args[i].len == strlen(word) &&
               memcmp(q->args[i].p, word, q->args[i].len) == 0;
}

/* Where rsc (a resource or a group: its first member) is running now,
 * per our snapshot; NULL when nowhere or unknown.  Copied into buf. */
static const char *current_blade(Manager *m, const char *rsc, char *buf, size_t size) {
        const Config *c = m->config;
        size_t i = config_find_resource(c, rsc), g, blade = IDX_NONE;
        Snapshot s;

        if (i == IDX_NONE && (g = config_find_group(c, rsc)) != IDX_NONE &&
            c->groups[g].n_members > 0)
                i = c->groups[g].members[0];
        if (i == IDX_NONE || manager_snapshot_build(m, &s) < 0)
                return NULL;
        status_rsc_role(&s, NULL, i, &blade);
        if (blade < s.n_blades)
                snprintf(buf, size, "%s", s.blades[blade].name);
        snapshot_done(&s);
        return blade == IDX_NONE ? NULL : buf;
}

/* Does rsc (or every member of group rsc) run on node now? */
static bool runs_on(Manager *m, const char *rsc, const char *node) {
        const Config *c = m->config;
        size_t i = config_find_resource(c, rsc), g = IDX_NONE, b;
        bool yes = true;
        Snapshot s;

        if (i == IDX_NONE && (g = config_find_group(c, rsc)) == IDX_NONE)
                return false;
        if (manager_snapshot_build(m, &s) < 0)
                return false;
        b = snapshot_find_blade(&s, node);
        if (b == IDX_NONE)
                yes = false;
        else if (g == IDX_NONE)
                yes = snapshot_rb(&s, i, b)->role == RSC_STARTED;
        else
                for (size_t k = 0; k < c->groups[g].n_members; k++)
                        yes = yes &&
                              snapshot_rb(&s, c->groups[g].members[k], b)->role == RSC_STARTED;
        snapshot_done(&s);
        return yes;
}

/* migrate, unmigrate, standby, online, maintenance: config_admin edits our
 * copy of the document, then it travels like a `config load`. */
static int do_edit(Manager *m, uint64_t id, const CtlRequest *q) {
        _cleanup_(config_admin_result_done) ConfigAdminResult res = {0};
        _cleanup_(freep) const char **names = NULL;
        _cleanup_(freep) char *a0 = arg_dup(q, 0), *a1 = arg_dup(q, 1);
        const char *what = ctlproto_command_info(q->command)->name;
        char cur[128], body[CONFIG_ADMIN_MESSAGE_MAX + 64];
        CtlStatus st;
        int r;

        names = blade_names(m);
        if (!a0 || (q->n_args > 1 && !a1) || !names)
                return -ENOMEM;
        if (refuse_change(m, id, what))
                return 0;
        switch (q->command) {
        case CTL_CMD_MIGRATE:
                r = config_admin_migrate(m->cluster.doc, m->cluster.doc_len, a0, a1,
                                         a1 ? NULL : current_blade(m, a0, cur, sizeof(cur)), names,
                                         m->n_blades, &res);
                if (r == 0 && a1) {
                        /* A preference for a blade that cannot take anything
                         * now would only wait out bladectl's --wait. */
                        uint32_t to = 0;
                        for (size_t i = 0; i < m->n_blades; i++)
                                if (strcmp(m->blades[i]->name, a1) == 0)
                                        to = m->blades[i]->number + 1;
                        if (to && cluster_blade_state(&m->cluster, to) != BLADE_ONLINE) {
                                snprintf(body, sizeof(body),
                                         "%s is not online (its bladed is not in the cluster): "
                                         "it cannot take %s now; nothing changed",
                                         a1, a0);
                                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0, body);
                                return 0;
                        }
                }
                if (r == 0 && a1 && runs_on(m, a0, a1)) {
                        snprintf(body, sizeof(body), "%s already runs on %s; nothing changed", a0,
                                 a1);
                        control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0, body);
                        return 0;
                }
                break;
        case CTL_CMD_UNMIGRATE:
                r = config_admin_unmigrate(m->cluster.doc, m->cluster.doc_len, a0, &res);
                break;
        case CTL_CMD_STANDBY:
        case CTL_CMD_ONLINE:
                r = config_admin_standby(m->cluster.doc, m->cluster.doc_len, a0,
                                         q->command == CTL_CMD_STANDBY, names, m->n_blades, &res);
                break;
        case CTL_CMD_MAINTENANCE:
                if (!arg_is(q, 0, "on") && !arg_is(q, 0, "off")) {
                        control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0,
                                      "maintenance takes 'on' or 'off'");
                        return 0;
                }
                r = config_admin_maintenance(m->cluster.doc, m->cluster.doc_len, arg_is(q, 0, "on"),
                                             &res);
                break;
        default:
                return -EINVAL;
        }
        if (r == 0) {
                log_notice(&m->log, "%s: %s", what, res.message);
                return submit_config(m, id, res.doc, res.doc_len, what, true);
        }
        switch (r) {
        case -ENOMEM:
                return r;
        case -EALREADY:
                /* Nothing to change is no failure: scripts may repeat a command. */
                snprintf(body, sizeof(body), "unchanged epoch %" PRIu64 ": %s\n", m->cluster.epoch,
                         res.message);
                control_reply(&m->control, id, CTL_STATUS_OK, body, strlen(body), NULL);
                return 0;
        case -ENOENT:
        case -EINVAL:
        case -ENAMETOOLONG:
                st = CTL_STATUS_INPUT;
                break;
        default: /* -ENODATA, -EBUSY, -EBADMSG */
                st = CTL_STATUS_FAILED;
                break;
        }
        log_info(&m->log, "%s refused: %s", what, res.message);
        control_reply(&m->control, id, st, NULL, 0, res.message);
        return 0;
}

static int do_cleanup(Manager *m, uint64_t id, const CtlRequest *q) {
        _cleanup_(freep) char *rsc = arg_dup(q, 0), *node = arg_dup(q, 1);
        const char *why = NULL;
        char body[256];
        int r;

        if (!rsc || (q->n_args > 1 && !node))
                return -ENOMEM;
        if (m->stopping) {
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0,
                              "this bladed is stopping");
                return 0;
        }
        r = manager_exec_cleanup(m, rsc, node, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                snprintf(body, sizeof(body), "cleanup %s%s%s: %s", rsc, node ? " on " : "",
                         node ? node : "", why ? why : "failed");
                control_reply(&m->control, id, r == -ENOENT ? CTL_STATUS_INPUT : CTL_STATUS_FAILED,
                              NULL, 0, body);
                return 0;
        }
        snprintf(body, sizeof(body), "%s: failures forgotten%s%s, probing again\n", rsc,
                 node ? " on " : "", node ? node : "");
        control_reply(&m->control, id, CTL_STATUS_OK, body, strlen(body), NULL);
        return 0;
}

static int do_fence(Manager *m, uint64_t id, const CtlRequest *q) {
        _cleanup_(freep) char *node = arg_dup(q, 0);
        bool status_only = arg_is(q, 1, "status"), confirm = arg_is(q, 1, "confirm");

        if (!node)
                return -ENOMEM;
        if (!status_only && !confirm && !arg_is(q, 1, "off")) {
                control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0,
                              "fence takes 'off', 'status' or 'confirm'");
                return 0;
        }
        if (confirm) {
                if (refuse_change(m, id, "fence confirmation"))
                        return 0;
                log_notice(&m->log, "an admin confirms that %s is powered off", node);
                return manager_exec_fence_confirm(m, id, node);
        }
        /* Asking a device whether it answers harms nobody; powering a blade
         * off needs the quorum that makes us the cluster. */
        if (status_only ? m->stopping : refuse_change(m, id, "fence")) {
                if (status_only)
                        control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0,
                                      "this bladed is stopping");
                return 0;
        }
        log_notice(&m->log, "fence %s (%s) requested by an admin", node,
                   status_only ? "status" : "off");
        return manager_exec_fence_admin(m, id, node, status_only);
}

static int do_node_add(Manager *m, uint64_t id, const CtlRequest *q) {
        _cleanup_(freep) char *name = arg_dup(q, 0), *ip = arg_dup(q, 1), *num = arg_dup(q, 2);
        uint64_t n = 0;

        if (!name || !ip || (q->n_args > 2 && !num))
                return -ENOMEM;
        if (num && parse_uint64(num, NODES_MAX_NUMBER, &n) < 0) {
                control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0,
                              "the node number must be a whole number from 0 to 254");
                return 0;
        }
        if (refuse_change(m, id, "node add"))
                return 0;
        return manager_nodes_add(m, id, name, ip, num ? (int)n : -1);
}

static int do_node_remove(Manager *m, uint64_t id, const CtlRequest *q) {
        _cleanup_(freep) char *name = arg_dup(q, 0);

        if (!name)
                return -ENOMEM;
        if (refuse_change(m, id, "node remove"))
                return 0;
        return manager_nodes_remove(m, id, name);
}

int manager_on_control(void *userdata, uint64_t id, const CtlRequest *q) {
        Manager *m = userdata;

        switch (q->command) {
        case CTL_CMD_STATUS:
                return do_status(m, id, q);
        case CTL_CMD_CONFIG_SHOW:
                control_reply(&m->control, id, CTL_STATUS_OK, m->cluster.doc, m->cluster.doc_len,
                              NULL);
                return 0;
        case CTL_CMD_CONFIG_LOAD:
                return do_config_load(m, id, q);
        case CTL_CMD_MIGRATE:
        case CTL_CMD_UNMIGRATE:
        case CTL_CMD_STANDBY:
        case CTL_CMD_ONLINE:
        case CTL_CMD_MAINTENANCE:
                return do_edit(m, id, q);
        case CTL_CMD_CLEANUP:
                return do_cleanup(m, id, q);
        case CTL_CMD_FENCE:
                return do_fence(m, id, q);
        case CTL_CMD_NODE_ADD:
                return do_node_add(m, id, q);
        case CTL_CMD_NODE_REMOVE:
                return do_node_remove(m, id, q);
        default:
                control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0, "unknown command");
                return 0;
        }
}
