/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCF resource agent API, the pure part (core library): exit code names,
 * what an exit code means for each kind of action, the environment an agent
 * is run with, where its file is, and the `ocf-exit-reason:` line.
 * Reference: shared/ref/ocf-fence-ocfs2.md section a.  The shell part that
 * forks and execs is daemon/shell/runner.c.
 *
 * Errors (negative errno):
 *   -EINVAL  bad input (a parameter name that cannot be an environment
 *            variable name, a provider/type that would leave resource.d/)
 *   -ENOENT  nothing found (no exit reason in the output)
 *   -ENOMEM  out of memory
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bladed/model.h"

/* OCF exit codes (a.5).  OCF_RC_NO_RESULT is ours: the agent gave no exit
 * code at all (timed out, killed by a signal, could not be executed). */
enum {
        OCF_RC_NO_RESULT = -1,
        OCF_RC_SUCCESS = 0,
        OCF_RC_ERR_GENERIC = 1,
        OCF_RC_ERR_ARGS = 2,
        OCF_RC_ERR_UNIMPLEMENTED = 3,
        OCF_RC_ERR_PERM = 4,
        OCF_RC_ERR_INSTALLED = 5,
        OCF_RC_ERR_CONFIGURED = 6,
        OCF_RC_NOT_RUNNING = 7,
        OCF_RC_RUNNING_PROMOTED = 8,
        OCF_RC_FAILED_PROMOTED = 9,
        OCF_RC_DEGRADED = 190,
        OCF_RC_DEGRADED_PROMOTED = 191,
};

/* OCF 1.1, what we advertise (Pacemaker does the same). */
#define OCF_RA_VERSION_MAJOR 1
#define OCF_RA_VERSION_MINOR 1

#define OCF_EXIT_REASON_PREFIX "ocf-exit-reason:"
/* Longer reasons are cut: they end up in status and on the wire. */
#define OCF_EXIT_REASON_MAX 256
/* The only PATH an agent gets; nothing else comes from bladed's environment. */
#define OCF_AGENT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef enum OcfAction {
        OCF_ACTION_PROBE = 0, /* monitor with interval 0, "is it running here?" */
        OCF_ACTION_MONITOR,   /* recurring monitor */
        OCF_ACTION_START,
        OCF_ACTION_STOP,
        OCF_ACTION_MIGRATE_TO,
        OCF_ACTION_MIGRATE_FROM,
        OCF_ACTION_META_DATA,
        OCF_ACTION_VALIDATE_ALL,
        _OCF_ACTION_MAX,
} OcfAction;

/* What the resource manager should conclude (a.5, "what our RM should do"). */
typedef enum OcfOutcome {
        OCF_OUTCOME_DONE = 0,       /* start/stop/migrate/meta-data/validate-all succeeded */
        OCF_OUTCOME_RUNNING,        /* probe/monitor: active here and healthy (0, 190) */
        OCF_OUTCOME_STOPPED,        /* probe: not running here (7; 2/5 = cannot run here) */
        OCF_OUTCOME_CRASHED,        /* monitor 7: it was running and stopped; count, recover */
        OCF_OUTCOME_FAILED_HERE,    /* probe/monitor 1/other/timeout: maybe present, broken:
                                     * stop it here before starting it anywhere else */
        OCF_OUTCOME_UNSUPPORTED,    /* recurring monitor 3: stop scheduling that monitor */
        OCF_OUTCOME_SOFT_FAILURE,   /* start 1/other/timeout: count, stop, retry or relocate */
        OCF_OUTCOME_HARD_FAILURE,   /* start 2/3/4/5: ban this blade, relocate */
        OCF_OUTCOME_FATAL,          /* 6: parameters invalid everywhere, stop it cluster-wide */
        OCF_OUTCOME_STOP_FAILED,    /* stop != 0 or timeout: may be alive, fence the blade */
        OCF_OUTCOME_MIGRATE_FAILED, /* migrate_to/from != 0: maybe active on both blades */
        _OCF_OUTCOME_MAX,
} OcfOutcome;

/* "OCF_SUCCESS", "OCF_NOT_RUNNING", ... (the ocf-returncodes names);
 * "OCF_DEGRADED"; NULL for codes OCF does not name. */
const char *ocf_rc_name(int rc);
/* Human text for status: "ok", "not running", "not installed", ...,
 * "no result" for OCF_RC_NO_RESULT, "unknown" otherwise.  Never NULL. */
const char *ocf_rc_to_string(int rc);

/* The verb passed as argv[1]: "monitor" for both probe and monitor. NULL
 * for an out-of-range value. */
const char *ocf_action_verb(OcfAction a);
/* "probe", "monitor", "start", ... (for logs: probe and monitor differ). */
const char *ocf_action_to_string(OcfAction a);
const char *ocf_outcome_to_string(OcfOutcome o);

/* The meaning of rc (0..255 or OCF_RC_NO_RESULT) for action a.  A timeout
 * is OCF_RC_NO_RESULT: a failure (a.5), for a stop "fence".  Pure table,
 * documented case by case in ocf.c. */
OcfOutcome ocf_classify(OcfAction a, int rc);
/* rc 190/191: running but degraded (shown as such in status). */
bool ocf_rc_is_degraded(int rc);

/* A provider or type name usable as one path component under resource.d:
 * non-empty, at most 255 bytes, no '/', no "..", no control characters. */
bool ocf_name_is_valid(const char *s);
/* A parameter name usable in OCF_RESKEY_<name>: [A-Za-z0-9_]+, and not
 * CRM_meta_* (that namespace is the resource manager's). */
bool ocf_param_name_is_valid(const char *s);

/* ocf_root "/resource.d/" provider "/" type, malloc'd.  -EINVAL when
 * ocf_root is empty/relative or provider/type fail ocf_name_is_valid. */
int ocf_agent_path(const char *ocf_root, const char *provider, const char *type, char **ret);

/* One call of an agent, for the environment. */
typedef struct OcfCall {
        OcfAction action;
        const Resource *rsc;         /* NULL only for OCF_ACTION_META_DATA */
        const char *provider, *type; /* used when rsc is NULL */
        const Op *op;                /* NULL: interval 0, CONFIG_DEFAULT_OP_TIMEOUT_MS */
        const char *ocf_root;        /* required */
        const char *node;            /* OCF_RESKEY_CRM_meta_on_node; NULL: not set */
        const char *migrate_source;  /* migrate_to/from only; NULL: not set */
        const char *migrate_target;
} OcfCall;

/* Builds the agent's whole environment (a.4), a NULL-terminated array of
 * malloc'd "NAME=value" strings, in a fixed order: PATH, OCF_ROOT,
 * OCF_RA_VERSION_MAJOR/MINOR, OCF_RESOURCE_INSTANCE (not for meta-data),
 * OCF_RESOURCE_TYPE, OCF_RESOURCE_PROVIDER, OCF_RESKEY_<param>... (not for
 * meta-data), OCF_RESKEY_CRM_meta_name, _interval (ms; 0 for a probe),
 * _timeout (ms), _on_node, _migrate_source, _migrate_target.
 * -EINVAL for a parameter name that fails ocf_param_name_is_valid (then
 * *ret_bad, if not NULL, points at the offending name, borrowed from rsc),
 * or for a provider/type that fails ocf_name_is_valid; nothing is built. */
int ocf_env_build(const OcfCall *c, char ***ret, const char **ret_bad);
/* Frees an array from ocf_env_build; accepts NULL; returns NULL. */
char **ocf_env_free(char **env);
size_t ocf_env_count(char *const *env);

/* Finds the last line of buf (captured stderr, not NUL-terminated, may
 * hold NULs and start mid-line) containing OCF_EXIT_REASON_PREFIX and
 * returns the rest of that line, blanks trimmed, control characters (and
 * bytes >= 0x7f) replaced by '?', cut at OCF_EXIT_REASON_MAX bytes.
 * -ENOENT when there is no such line or the reason is empty. */
int ocf_exit_reason_parse(const char *buf, size_t len, char **ret);
