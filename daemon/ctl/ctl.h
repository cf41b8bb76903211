/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bladectl: one function per command, each in the ctl_AREA.c of its area.
 * Each gets the arguments after the command words (argv[0] is the last
 * command word, as for getopt) and returns the process exit status
 * (CLI.md): 0 done, 1 refused/failed, 2 bad usage or bad input, 3 no daemon.
 */
#pragma once

#include <stddef.h>

#include "bladed/ctlproto.h"
#include "bladed/diag.h"
#include "bladed/model.h"
#include "bladed/nodes.h"

enum {
        CTL_EXIT_OK = 0,
        CTL_EXIT_FAILED = 1,
        CTL_EXIT_USAGE = 2,
        CTL_EXIT_NO_DAEMON = 3,
};

typedef struct CtlOptions {
        const char *socket_path; /* --socket, $BLADED_SOCKET, or the default */
} CtlOptions;

typedef int (*CtlFunc)(int argc, char **argv, const CtlOptions *o);

/* ctl_nodes.c: offline node-file tools */
int ctl_nodes_validate(int argc, char **argv, const CtlOptions *o);
int ctl_nodes_corosync(int argc, char **argv, const CtlOptions *o);

/* ctl_config.c: offline resource-configuration tools */
int ctl_config_validate(int argc, char **argv, const CtlOptions *o);

/* ctl_simulate.c: the scheduler, offline or on the live state */
int ctl_simulate(int argc, char **argv, const CtlOptions *o);

/* ctl_daemon.c: commands that talk to bladed over the control socket */
int ctl_status(int argc, char **argv, const CtlOptions *o);
int ctl_config_show(int argc, char **argv, const CtlOptions *o);
int ctl_config_load(int argc, char **argv, const CtlOptions *o);
int ctl_migrate(int argc, char **argv, const CtlOptions *o);
int ctl_unmigrate(int argc, char **argv, const CtlOptions *o);
int ctl_standby(int argc, char **argv, const CtlOptions *o);
int ctl_online(int argc, char **argv, const CtlOptions *o);
int ctl_maintenance(int argc, char **argv, const CtlOptions *o);
int ctl_cleanup(int argc, char **argv, const CtlOptions *o);
int ctl_node_add(int argc, char **argv, const CtlOptions *o);
int ctl_node_remove(int argc, char **argv, const CtlOptions *o);
int ctl_fence(int argc, char **argv, const CtlOptions *o);
int ctl_check(int argc, char **argv, const CtlOptions *o);

/* ctl_daemon.c: one request and its answer, for commands that print their
 * own outcome (ctl_admin.c).  Returns 0 with *ret filled (ret->status is
 * the daemon's CtlStatus; body and error are NUL-terminated copies), or an
 * exit status after saying why on stderr (3: no daemon). */
typedef struct CtlAnswer {
        int status;
        char *body;
        size_t body_len;
        char *error;
} CtlAnswer;
/* Longer than the daemon's own limit for a change (CONTROL_CLUSTER_TIMEOUT_SEC
 * = 120 s) so its answer, whatever it is, arrives first. */
#define CTL_CHANGE_TIMEOUT_MS (150 * 1000)
#define CTL_QUERY_TIMEOUT_MS (30 * 1000)
int ctl_ask(const CtlOptions *o, const CtlRequest *q, int timeout_ms, CtlAnswer *ret);
void ctl_answer_done(CtlAnswer *a);

/* Reads a whole file (<= max bytes) into a NUL-terminated buffer.
 * 0, or -errno (-EFBIG when larger than max). */
int ctl_read_file(const char *path, size_t max, char **ret, size_t *ret_size);

/* Asks the daemon one read-only question (a CtlCommand, optional single
 * argument) and returns the reply's body, NUL-terminated, in *ret.
 * 0, or the exit status (the reason is already on stderr). */
int ctl_query(const CtlOptions *o, int command, const char *arg, char **ret, size_t *ret_len);

/* ctl_input.c: the offline commands' input files.  Each returns 0 or the
 * exit status, after printing why (FILE:LINE: message per problem). */
int ctl_usage_error(const char *usage);
int ctl_read_input(const char *path, size_t max, char **buf, size_t *size);
int ctl_parse_outcome(const char *path, int r, DiagList *diag, const char *what);
int ctl_load_nodes(const char *path, NodeFile **ret);
int ctl_parse_config(const char *path, const char *buf, size_t size, Config **ret);
int ctl_load_config(const char *path, Config **ret);
void ctl_config_freep(Config **c);
void ctl_nodes_freep(NodeFile **f);

/* ctl_agents.c: for `config validate` / `config load`.  Each ocf agent
 * type of c must exist under ocf_root and run `meta-data` (once per type,
 * 5 s limit); each resource must give its agent's required parameters.
 * Problems go to diag at the resource's line.  0, -EINVAL (errors in
 * diag), -ENOMEM. */
int ctl_check_agents(const Config *c, const char *ocf_root, DiagList *diag);
/* How many distinct ocf agent types c uses. */
size_t ctl_agent_types(const Config *c);

/* For commands whose issue has not landed yet: says so, exits 1. */
int ctl_not_implemented(const char *command);
