/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fence agents, the pure part (ref/ocf-fence-ocfs2.md section b): which
 * names and values can go to an agent, the text written to its stdin, and
 * what its exit code means.  The shell (daemon/shell/fencer.c) runs them.
 *
 * The interface of fence-agents (ClusterLabs): the agent is run without
 * arguments and reads "name=value" lines from stdin until EOF.  The agent
 * strips each line, splits it at the first '=', unquotes a value wrapped in
 * double quotes, lets a later line override an earlier one and accepts '-'
 * and '_' alike in names.  Hence the rules below: no line break in a value,
 * no blank at its ends (it would be stripped silently), and no device
 * parameter that could override what bladed sets for each call.
 *
 * Errors (negative errno): -EINVAL bad name, value, action or victim;
 * -E2BIG the text would exceed FENCE_STDIN_MAX; -ENOMEM.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bladed/model.h"

#define FENCE_PARAM_NAME_MAX 64
#define FENCE_AGENT_MAX 255
#define FENCE_STDIN_MAX (64u * 1024) /* the runner's stdin cap */
#define FENCE_MESSAGE_MAX 200        /* an agent's message in a log line */

typedef enum FencePower {
        FENCE_POWER_UNKNOWN = 0,
        FENCE_POWER_ON,
        FENCE_POWER_OFF,
} FencePower;

/* "off" | "on" | "reboot" | "status" | "monitor" | "metadata". */
bool fence_action_is_valid(const char *action);

/* fence_NAME (NAME of [A-Za-z0-9_-]+), or an absolute path of
 * [A-Za-z0-9_.+/-]; at most FENCE_AGENT_MAX bytes (xml/resources.rng
 * t-fence-agent).  A path must not hold a ".." component. */
bool fence_agent_is_valid(const char *agent);

/* A blade name as in the node file (t-nodename): [A-Za-z0-9][A-Za-z0-9_.-]*,
 * at most 64 bytes. */
bool fence_victim_is_valid(const char *name);

/* A device parameter (t-fence-param-name and the stdin rules above).
 * -EINVAL with *ret_why (static text, may be NULL) saying what is wrong:
 * bad name, a name bladed sets itself (action, option, nodename, in either
 * spelling), a value holding a line break (\n or \r: the agent reads
 * text lines) or starting or ending with a blank (the agent would strip
 * it).  A value wrapped in double quotes loses them at the agent: allowed,
 * and documented in doc/fencing.rst. */
int fence_param_check(const char *name, const char *value, const char **ret_why);

/* True when the device's params already name the plug ("plug" or "port"):
 * then bladed does not add plug=VICTIM. */
bool fence_device_sets_plug(const FenceDevice *dev);

/* The agent's stdin: "action=ACTION\n", "nodename=VICTIM\n", then each
 * device parameter "name=value\n" in configuration order, then
 * "plug=VICTIM\n" unless fence_device_sets_plug().  malloc'd,
 * NUL-terminated, *ret_len without the NUL.  On -EINVAL *ret_bad (may be
 * NULL) points at the offending parameter name (borrowed from dev), or is
 * NULL for a bad action/victim, and *ret_why says why. */
int fence_stdin_build(const FenceDevice *dev, const char *action, const char *victim, char **ret,
                      size_t *ret_len, const char **ret_bad, const char **ret_why);

/* What an exit code means for an action (ref b.2):
 *   off, on, reboot, metadata: 0 success, anything else failure;
 *   status:  0 = powered on, 2 = powered off (both successes), other = error;
 *   monitor: 0 = device usable, 2 = usable and its single plug off
 *            (success), other = error.
 * Sets *ret_power (may be NULL) to what the code says about the plug:
 * ON after a successful on/reboot or status 0, OFF after a successful off
 * or status 2, UNKNOWN otherwise. */
bool fence_exit_is_success(const char *action, int exit_code, FencePower *ret_power);

/* The last non-empty line of an agent's stderr (buf need not be
 * NUL-terminated and may start mid-line), blanks trimmed, control bytes
 * (and bytes >= 0x7f) replaced by '?', cut at FENCE_MESSAGE_MAX bytes.
 * -ENOENT when there is none. */
int fence_message_parse(const char *buf, size_t len, char **ret);

const char *fence_power_to_string(FencePower p);
