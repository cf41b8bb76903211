/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runner: runs one agent process on an sd-event loop and reports once.
 * The lowest layer of the executor; it knows nothing of resources (the
 * caller builds path and environment with bladed/ocf.h) and never logs.
 *
 * How a child is run (STYLE.md "Children", keepalived's check_misc.c):
 *   fork; in the child setpgid(0,0), empty signal mask, default signal
 *   dispositions, stdin from /dev/null (or a pipe, see below), stdout/stderr
 *   to pipes, every other fd closed, chdir("/"), execve(path, {path, action,
 *   NULL}, env) (or {path, NULL} with no_action_arg): never a shell string,
 *   nothing from bladed's own environment.
 *   Timeout: SIGTERM to the process group, after kill_grace_ms SIGKILL.
 *   Output: the first stdout_max bytes of stdout and the last stderr_max
 *   bytes of stderr are kept; the rest is read and dropped, so an agent
 *   that floods never blocks on a full pipe and never grows our memory.
 *   Completion: once the child has been reaped AND both pipes are at EOF.
 *   A descendant that keeps a pipe open gets eof_grace_ms after the child's
 *   exit, then the whole process group is SIGKILLed and the result
 *   delivered (orphans_killed).  An agent's daemon must therefore close or
 *   redirect its stdout/stderr (or leave the group with setsid), which every
 *   well-behaved daemon does.
 *
 * Stdin (fence agents read their options there, ref b.1): with stdin_data
 *   set, the child's stdin is a pipe; the bytes are copied at runner_start
 *   and written non-blockingly from the loop (an EPOLLOUT io source), then
 *   the pipe is closed, so the agent sees EOF.  An agent that exits (or
 *   closes stdin) without reading everything is normal: the rest is dropped
 *   (result.in_written says how much the pipe took).  The EPIPE of such a
 *   write must not kill bladed: each write blocks SIGPIPE around itself and
 *   consumes the SIGPIPE it raised (sigtimedwait), so the runner is safe
 *   whatever the caller's SIGPIPE disposition.  bladed additionally ignores
 *   SIGPIPE (manager.c), which it needs for its sockets anyway.  The pipe
 *   is closed when the child has been reaped, at the latest: a writer never
 *   delays the result, not even when the agent hangs without reading (the
 *   timeout kills it as usual).  At most RUNNER_STDIN_MAX bytes.
 *
 * Requirements: SIGCHLD blocked in every thread (sd_event_add_child needs
 * it), no threads.  The callback runs at most once, from the loop, never
 * from runner_start.
 *
 * Cancel: runner_cancel() SIGKILLs the process group and the callback is
 * NOT called afterwards (the caller knows it cancelled; a callback would
 * only invite use-after-free in the caller's bookkeeping).  The child is
 * still reaped by the loop.  runner_free() on a running runner cancels
 * first, and sd-event kills and reaps the child when its source goes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#define RUNNER_STDOUT_MAX_DEFAULT (64u * 1024) /* meta-data fits easily */
#define RUNNER_STDERR_MAX_DEFAULT (4u * 1024)  /* the tail holds the exit reason */
#define RUNNER_KILL_GRACE_MAX_MS 5000u
#define RUNNER_EOF_GRACE_DEFAULT_MS 1000u
#define RUNNER_TIME_MAX_MS (7ull * 24 * 3600 * 1000) /* any time in a request */
#define RUNNER_BUFFER_MAX (64u << 20)                /* stdout_max, stderr_max */
#define RUNNER_STDIN_MAX (64u * 1024)                /* stdin_len: one pipe buffer */

typedef struct Runner Runner;

typedef struct RunnerRequest {
        const char *path;       /* absolute path of the agent */
        const char *action;     /* argv[1] */
        char *const *env;       /* NULL-terminated, the whole environment */
        uint64_t timeout_ms;    /* > 0 */
        uint64_t kill_grace_ms; /* SIGTERM -> SIGKILL; 0: min(timeout/4, 5 s), >= 1 ms */
        uint64_t eof_grace_ms;  /* after the child's exit; 0: 1 s */
        size_t stdout_max;      /* first bytes kept; 0: 64 KiB */
        size_t stderr_max;      /* last bytes kept; 0: 4 KiB */
        const char *stdin_data; /* NULL: stdin is /dev/null; else a pipe fed these bytes */
        size_t stdin_len;       /* <= RUNNER_STDIN_MAX; 0 with stdin_data: EOF at once */
        bool no_action_arg;     /* argv = {path}: a fence agent reads stdin only without
                                 * arguments (ref b.1); action may then be NULL */
} RunnerRequest;

typedef struct RunnerResult {
        bool exited;          /* exit_code is valid */
        int exit_code;        /* 0..255 */
        int signal;           /* > 0: killed by this signal */
        bool timed_out;       /* we sent SIGTERM (maybe SIGKILL) for the timeout */
        bool killed;          /* we had to send SIGKILL (grace over) */
        bool orphans_killed;  /* a descendant held a pipe open past eof_grace_ms */
        int exec_errno;       /* > 0: execve failed in the child (exit code 127) */
        uint64_t duration_ms; /* start to completion */
        const char *out;      /* stdout head, NUL-terminated, may contain NULs */
        size_t out_len;
        bool out_truncated;
        const char *err; /* stderr tail, NUL-terminated, may contain NULs */
        size_t err_len;
        bool err_truncated;
        const char *exit_reason;       /* ocf-exit-reason from stderr, or NULL */
        uint64_t out_total, err_total; /* bytes the agent wrote */
        size_t in_written;             /* stdin bytes the pipe accepted */
} RunnerResult;

/* res and everything it points to are valid during the call only, and
 * only until runner_free(r): copy what you keep first.  The callback may
 * call runner_free(r). */
typedef void (*RunnerCallback)(Runner *r, const RunnerResult *res, void *userdata);

/* Starts the agent.  Errors (nothing runs, no callback):
 *   -EINVAL  bad request (relative path, no action without no_action_arg,
 *            timeout 0, no env, a time above RUNNER_TIME_MAX_MS, a buffer
 *            above RUNNER_BUFFER_MAX, stdin_len above RUNNER_STDIN_MAX or
 *            stdin_len > 0 without stdin_data)
 *   -ENOENT  the agent file does not exist
 *   -EACCES  it is not a regular executable file (or a directory)
 *   -EBUSY   SIGCHLD is not blocked (sd_event_add_child)
 *   other    pipe2/fork/sd-event failure */
int runner_start(sd_event *e, const RunnerRequest *req, RunnerCallback cb, void *userdata,
                 Runner **ret);

/* Kills the process group (SIGKILL); no callback afterwards.  No-op once
 * completed; accepts NULL. */
void runner_cancel(Runner *r);

/* Cancels if still running, frees; accepts NULL; returns NULL. */
Runner *runner_free(Runner *r);

/* The exit code to classify with ocf_classify(): OCF_RC_NO_RESULT for a
 * timeout (a failure even if the agent then exited 0), a signal or an
 * execve failure other than ENOENT (-> OCF_RC_ERR_INSTALLED) and
 * EACCES/EPERM (-> OCF_RC_ERR_PERM), as Pacemaker maps them. */
int runner_result_ocf_rc(const RunnerResult *res);

/* Why the result is what it is, for logs and status, or NULL when there is
 * nothing to say: the agent's exit reason, else "<what> timed out after N
 * ms" (timeout_ms: the request's), "agent killed by signal N", "cannot
 * execute the agent: ...".  Written into buf. */
const char *runner_result_reason(const RunnerResult *res, const char *what, uint64_t timeout_ms,
                                 char *buf, size_t size);

/* The child's pid (= its process group), 0 once reaped. */
int runner_get_pid(const Runner *r);
