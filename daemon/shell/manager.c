/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Manager: start-up, signals, sd_notify and the watchdog, stop. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "bladed/config.h"
#include "bladed/util.h"
#include "manager.h"
#include "persist.h"

#define NODES_MAX_FILE (1u << 20)
#define LEAVE_TIMEOUT_USEC (3 * 1000000ull)

static const char empty_config[] = "<?xml version=\"1.0\"?>\n<bladed-config epoch=\"0\"/>\n";

int manager_start_fail(Manager *m, int status, const char *fmt, ...) {
        char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        log_error(&m->log, "%s", msg ? msg : "start-up failed");
        free(msg);
        return status;
}

static void diag_first(const DiagList *d, int *line, const char **msg) {
        *line = 0;
        *msg = "invalid";
        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].level == DIAG_ERROR) {
                        *line = d->items[i].line;
                        *msg = d->items[i].msg;
                        return;
                }
}

static int load_nodes(Manager *m) {
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(diag_clear) DiagList diag = {0};
        const char *path = m->opt.nodes_path, *msg;
        size_t len, n_clusters;
        int r, line;

        r = persist_read_file(path, NODES_MAX_FILE, &buf, &len);
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT, "cannot read node file %s: %s",
                                          path, r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
        r = nodes_parse(buf, len, &m->nodes, &diag);
        if (r == -ENOMEM)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "out of memory");
        if (r < 0) {
                diag_sort(&diag);
                diag_first(&diag, &line, &msg);
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT, "%s:%d: %s (%zu error%s)",
                                          path, line, msg, diag.n_errors,
                                          diag.n_errors == 1 ? "" : "s");
        }
        n_clusters = m->nodes->n_clusters;
        m->cluster_entry = nodes_get_cluster(m->nodes, m->opt.cluster_name);
        if (!m->cluster_entry) {
                if (m->opt.cluster_name)
                        return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT,
                                                  "%s: no cluster stanza named '%s'", path,
                                                  m->opt.cluster_name);
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT,
                                          "%s: %zu cluster stanzas: choose one with --cluster NAME",
                                          path, n_clusters);
        }
        r = nodes_list(m->nodes, m->cluster_entry->name, &m->blades, &m->n_blades);
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "cannot list blades: %s",
                                          strerror(-r));
        if (m->n_blades == 0)
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT,
                                          "%s: cluster '%s' has no blades", path,
                                          m->cluster_entry->name);
        return 0;
}

/* Reads our starting copy: the state dir's, else --config's, else (default
 * path missing) an empty configuration.  Returns it stamped with its epoch. */
static int load_config(Manager *m, char **ret, size_t *ret_len, uint64_t *ret_epoch) {
        _cleanup_(freep) char *path = NULL, *buf = NULL;
        _cleanup_(diag_clear) DiagList diag = {0};
        const char *source, *msg;
        bool from_state = false;
        size_t len;
        uint64_t epoch = 0;
        int r, line;

        r = persist_prepare(m->opt.state_dir);
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT, "state directory %s: %s",
                                          m->opt.state_dir, strerror(-r));
        if (asprintf(&path, "%s/%s", m->opt.state_dir, PERSIST_CONFIG_NAME) < 0)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "out of memory");

        r = persist_read_file(path, CONFIG_MAX_SIZE, &buf, &len);
        if (r >= 0) {
                /* The replicated copy wins over --config (CLI.md). */
                source = path;
                from_state = true;
        } else if (r != -ENOENT) {
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT, "cannot read %s: %s", path,
                                          strerror(-r));
        } else {
                source = m->opt.config_path;
                r = persist_read_file(source, CONFIG_MAX_SIZE, &buf, &len);
                if (r == -ENOENT && !m->opt.config_explicit) {
                        log_notice(&m->log,
                                   "%s does not exist: starting with an empty "
                                   "configuration (epoch 0)",
                                   source);
                        buf = strdup(empty_config);
                        if (!buf)
                                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "out of memory");
                        len = strlen(buf);
                } else if (r < 0)
                        return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT,
                                                  "cannot read configuration %s: %s", source,
                                                  r == -EFBIG ? "too large" : strerror(-r));
        }
        if (len > WIRE_MAX_DOC)
                return manager_start_fail(
                        m, MANAGER_EXIT_BAD_INPUT,
                        "%s: larger than %u MiB, which the cluster cannot replicate", source,
                        WIRE_MAX_DOC >> 20);
        r = config_parse(buf, len, &m->config, &diag);
        if (r == -ENOMEM)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "out of memory");
        if (r < 0) {
                diag_sort(&diag);
                diag_first(&diag, &line, &msg);
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT, "%s:%d: %s (%zu error%s)",
                                          source, line, msg, diag.n_errors,
                                          diag.n_errors == 1 ? "" : "s");
        }
        if (config_get_epoch(buf, len, &epoch) < 0)
                epoch = 0; /* a hand-written file without one starts at 0 */
        r = config_set_epoch(buf, len, epoch, ret, ret_len);
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_BAD_INPUT, "%s: cannot set its epoch: %s",
                                          source, strerror(-r));
        m->config->epoch = epoch;
        *ret_epoch = epoch;
        /* Written to the state dir only once start-up has passed every check
         * (manager_connect_cluster): a failed start leaves nothing behind that
         * would then win over a corrected --config. */
        m->initial_from_config = !from_state;
        log_epoch(&m->log, LOG_INFO, epoch, "configuration epoch %" PRIu64 " from %s", epoch,
                  source);
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata);

static int on_leave_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        log_warning(&m->log, "no confirmation of our leave from corosync: exiting anyway");
        return sd_event_exit(m->event, MANAGER_EXIT_OK);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (m->stopping)
                return 0;
        m->stopping = true;
        sd_notify(0, "STOPPING=1\nSTATUS=stopping this blade's resources");
        log_notice(&m->log, "%s: handing this blade's resources over, then leaving",
                   strsignal((int)si->ssi_signo));
        /* The executor calls manager_leave() once this blade holds nothing. */
        manager_exec_shutdown(m);
        return 0;
}

int manager_leave(Manager *m) {
        int r;

        if (m->leave_timer)
                return 0;
        sd_notify(0, "STATUS=leaving the cluster group");
        log_notice(&m->log, "leaving the cluster group");
        r = group_leave(&m->group);
        if (r < 0 || !m->cluster.joined) {
                if (r < 0)
                        log_warning_errno(&m->log, r, "cpg_leave failed");
                return sd_event_exit(m->event, MANAGER_EXIT_OK);
        }
        /* Exit when our own leave comes back (manager_cluster.c), or soon anyway. */
        return sd_event_add_time_relative(m->event, &m->leave_timer, CLOCK_MONOTONIC,
                                          LEAVE_TIMEOUT_USEC, 0, on_leave_timeout, m);
}

static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        /* The loop turning is what the ping proves. */
        sd_notify(0, "WATCHDOG=1");
        sd_event_source_set_time_relative(s, m->watchdog_usec / 2);
        return sd_event_source_set_enabled(s, SD_EVENT_ON);
}

static int setup_loop(Manager *m) {
        sigset_t ss;
        int r;

        r = sd_event_new(&m->event);
        if (r < 0)
                return r;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        /* sd-event child sources (the agent runner) need SIGCHLD blocked. */
        sigaddset(&ss, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return -errno;
        signal(SIGPIPE, SIG_IGN);
        r = sd_event_add_signal(m->event, &m->sigterm, SIGTERM, on_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sigint, SIGINT, on_signal, m);
        if (r < 0)
                return r;
        if (sd_watchdog_enabled(false, &m->watchdog_usec) > 0 && m->watchdog_usec > 0) {
                r = sd_event_add_time_relative(m->event, &m->watchdog, CLOCK_MONOTONIC,
                                               m->watchdog_usec / 2, 0, on_watchdog, m);
                if (r < 0)
                        return r;
                log_info(&m->log, "systemd watchdog: pinging every %" PRIu64 " ms",
                         m->watchdog_usec / 2000);
        }
        return 0;
}

int manager_start(Manager *m, const ManagerOptions *opt) {
        _cleanup_(freep) char *doc = NULL;
        size_t doc_len = 0;
        uint64_t epoch = 0;
        int r;

        *m = (Manager){.opt = *opt,
                       .drop_rl = {.interval_us = 10 * 1000000ull, .burst = 10},
                       .rstate_rl = {.interval_us = 10 * 1000000ull, .burst = 10}};
        log_setup(&m->log, opt->log_level);
        r = load_nodes(m);
        if (r != 0)
                return r;
        r = load_config(m, &doc, &doc_len, &epoch);
        if (r != 0)
                return r;
        r = setup_loop(m);
        if (r < 0)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "event loop: %s", strerror(-r));
        if (manager_exec_init(m) < 0 || manager_coord_init(m) < 0)
                return manager_start_fail(m, MANAGER_EXIT_FAILURE, "out of memory");

        return manager_connect_cluster(m, doc, doc_len, epoch);
}

int manager_run(Manager *m) {
        int r = sd_event_loop(m->event);
        if (r < 0) {
                log_error_errno(&m->log, r, "event loop failed");
                return MANAGER_EXIT_FAILURE;
        }
        return r;
}

void manager_fail(Manager *m, int error, const char *what) {
        log_error_errno(&m->log, error, "%s: exiting", what);
        sd_notify(0, "STOPPING=1");
        m->exit_code = MANAGER_EXIT_FAILURE;
        sd_event_exit(m->event, MANAGER_EXIT_FAILURE);
}

void manager_update_status(Manager *m) {
        const Cluster *c = &m->cluster;
        char name[64], *st = NULL;
        uint32_t coord = cluster_coordinator(c);
        size_t online = 0;

        for (size_t i = 0; i < m->n_blades; i++)
                online += cluster_blade_state(c, m->blades[i]->number + 1) == BLADE_ONLINE;
        if (asprintf(&st, "%zu/%zu blades, %s, %s%s, epoch %" PRIu64 "%s", online, m->n_blades,
                     c->quorate ? "quorate" : "NO QUORUM",
                     coord ? "coordinator " : "no coordinator",
                     coord ? cluster_blade_name(c, coord, name, sizeof(name)) : "", c->epoch,
                     !c->joined   ? ", joining"
                     : !c->synced ? ", syncing"
                                  : "") < 0)
                return;
        if (!m->last_status || strcmp(st, m->last_status) != 0) {
                char *msg = NULL;
                if (asprintf(&msg, "STATUS=%s", st) >= 0)
                        sd_notify(0, msg);
                free(msg);
                free(m->last_status);
                m->last_status = st;
        } else
                free(st);
}

void manager_free(Manager *m) {
        control_close(&m->control);
        manager_coord_free(m);
        manager_exec_free(m);
        manager_probe_free(m);
        quorumtrack_close(&m->quorum);
        group_close(&m->group);
        cluster_done(&m->cluster);
        m->config = config_free(m->config);
        free(m->blades);
        m->nodes = nodes_free(m->nodes);
        sd_event_source_disable_unref(m->sigterm);
        sd_event_source_disable_unref(m->sigint);
        sd_event_source_disable_unref(m->watchdog);
        sd_event_source_disable_unref(m->leave_timer);
        sd_event_unref(m->event);
        free(m->last_status);
}
