/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fencer: runs one fence-agents compatible agent for one action on
 * one blade, through the runner (own process group, timeout SIGTERM then
 * SIGKILL, bounded output), and reports once.  It never logs: the result
 * carries a one-line reason for the caller's log and for the admin.
 *
 * The call (ref/ocf-fence-ocfs2.md b.1, bladed/fence.h): the agent runs
 * with no arguments (so it reads stdin), an environment of PATH and
 * LC_ALL=C only, and on stdin:
 *     action=ACTION
 *     nodename=VICTIM
 *     <each device param>=<value>
 *     plug=VICTIM            (unless the device's params set plug or port)
 *
 * Exit codes (ref b.2, fence_exit_is_success()):
 *   off, on, reboot, metadata: 0 = done, anything else = failed.
 *     fence-agents verify the new state before exiting 0 after off.
 *   status: 0 = the blade is powered on, 2 = powered off (both ok, see
 *     FenceResult.power), 1 or anything else = could not tell (failed).
 *   monitor: 0 = device usable, 2 = usable with its single plug off (ok),
 *     anything else = device unusable (failed).
 *   A timeout, a signal or an agent that cannot be executed is a failure
 *   whatever the exit code ("timeout is a failure, not success", ref b.2).
 *
 * Requirements: those of the runner (SIGCHLD blocked, no threads).  The
 * callback runs at most once, from the loop, never from fencer_start; it
 * may call fencer_free(f).  fencer_free() on a running fencer kills the
 * agent's process group and no callback follows.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "bladed/fence.h"
#include "bladed/model.h"

#define FENCER_SEARCH_PATH_DEFAULT "/usr/sbin:/usr/bin:/sbin:/bin"
#define FENCER_TIMEOUT_DEFAULT_MS 60000u /* Pacemaker's default fence timeout */

typedef struct Fencer Fencer;

typedef struct FenceResult {
        bool ok;              /* the action did what was asked (see the table above) */
        int rc;               /* the agent's exit code, -1 if it did not exit by itself */
        bool timed_out;       /* killed for the timeout: a failure */
        int signal;           /* > 0: the agent died of this signal */
        FencePower power;     /* what the result says about the plug (fence.h) */
        uint64_t duration_ms; /* start to completion */
        /* One line for the log and the admin, e.g. "fence_ipmilan off exit 1:
         * Failed: Unable to obtain correct plug status" (the last non-empty
         * stderr line of a failing agent), "fence_ipmilan status: powered
         * off", "fence_x off timed out after 60000 ms". */
        const char *reason;
        const char *out; /* stdout (metadata XML, list output), NUL-terminated */
        const char *err; /* stderr tail, NUL-terminated */
} FenceResult;

/* res and what it points to are valid during the call only. */
typedef void (*FencerCallback)(Fencer *f, const FenceResult *res, void *userdata);

/* Finds the agent: an absolute path as is, fence_NAME in the ':'-separated
 * search_path (NULL: FENCER_SEARCH_PATH_DEFAULT), first directory holding
 * an executable regular file of that name.  *ret is malloc'd.
 *   -EINVAL  agent fails fence_agent_is_valid (or search_path is empty)
 *   -ENOENT  not found / the path does not exist
 *   -EACCES  it exists but is not an executable regular file */
int fencer_resolve_agent(const char *agent, const char *search_path, char **ret);

/* Checks everything fencer_start checks before running (action, victim,
 * parameters, agent found and executable) without running anything.
 * Returns the errno fencer_start would return (0 when it would start) and,
 * on error, *ret_error (if ret_error is not NULL): a malloc'd one-line
 * message naming the device, e.g. "fence-device 'fd-blade3': agent
 * fence_foo not found in /usr/sbin:/usr/bin:/sbin:/bin (is fence-agents
 * installed?)".  For `config validate`, and for the log line when
 * fencer_start fails. */
int fencer_check(const FenceDevice *dev, const char *action, const char *victim,
                 const char *search_path, char **ret_error);

/* Starts ACTION of dev against victim (the blade name, passed as nodename=
 * and plug=).  timeout_ms 0: FENCER_TIMEOUT_DEFAULT_MS.  Errors (nothing
 * runs, no callback; *ret_error, if ret_error is not NULL, gets the
 * malloc'd message as from fencer_check(), else NULL):
 *   -EINVAL  bad action, victim, parameter name or value (fence.h rules),
 *            agent name, or a timeout above RUNNER_TIME_MAX_MS
 *   -ENOENT  the agent cannot be found
 *   -EACCES  the agent is not an executable regular file
 *   -E2BIG   the parameters exceed 64 KiB
 *   other    the runner's errors (-EBUSY: SIGCHLD not blocked, ...) */
int fencer_start(sd_event *e, const FenceDevice *dev, const char *action, const char *victim,
                 const char *search_path, uint64_t timeout_ms, FencerCallback cb, void *userdata,
                 Fencer **ret, char **ret_error);

/* Kills the agent if it still runs (no callback afterwards), frees;
 * accepts NULL; returns NULL. */
Fencer *fencer_free(Fencer *f);

/* The agent's pid (its process group), 0 once it has been reaped. */
int fencer_get_pid(const Fencer *f);
