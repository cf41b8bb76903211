/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fencer: one fence agent call through the runner. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bladed/fence.h"
#include "bladed/util.h"
#include "fencer.h"
#include "runner.h"

/* Metadata of the biggest fence-agents is some 20 KiB; leave room. */
#define METADATA_STDOUT_MAX (1u << 20)

struct Fencer {
        Runner *runner;
        FencerCallback cb;
        void *userdata;
        char *agent; /* as configured, for messages */
        char *action;
};

/* The agent needs a PATH for its own tools (ipmitool, ssh); nothing else
 * of bladed's environment reaches it. */
static char *const agent_env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LC_ALL=C",
        NULL,
};

static char *msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *msg(const char *fmt, ...) {
        va_list ap;
        char *s = NULL;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

static int check_file(const char *path) {
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
                return -EACCES;
        return 0;
}

int fencer_resolve_agent(const char *agent, const char *search_path, char **ret) {
        const char *p;
        int found = -ENOENT;

        if (!fence_agent_is_valid(agent) || !ret)
                return -EINVAL;
        if (agent[0] == '/') {
                int k = check_file(agent);
                if (k < 0)
                        return k == -ENOENT || k == -ENOTDIR ? -ENOENT : -EACCES;
                *ret = strdup(agent);
                return *ret ? 0 : -ENOMEM;
        }
        if (!search_path)
                search_path = FENCER_SEARCH_PATH_DEFAULT;
        if (!search_path[0])
                return -EINVAL;
        for (p = search_path; *p;) {
                size_t n = strcspn(p, ":");
                /* Relative entries would depend on bladed's cwd: skipped. */
                if (n > 0 && p[0] == '/') {
                        _cleanup_(freep) char *path = msg("%.*s/%s", (int)n, p, agent);
                        if (!path)
                                return -ENOMEM;
                        int k = check_file(path);
                        if (k == 0) {
                                *ret = TAKE_PTR(path);
                                return 0;
                        }
                        if (k == -EACCES)
                                found = -EACCES; /* keep looking, report if nothing better */
                }
                p += n;
                if (*p == ':')
                        p++;
        }
        return found;
}

static void on_done(Runner *r, const RunnerResult *rr, void *userdata) {
        Fencer *f = userdata;
        _cleanup_(freep) char *message = NULL, *reason = NULL;
        FenceResult res = {
                .rc = rr->exited ? rr->exit_code : -1,
                .timed_out = rr->timed_out,
                .signal = rr->signal,
                .duration_ms = rr->duration_ms,
                .out = rr->out,
                .err = rr->err,
        };
        bool clean = rr->exited && !rr->timed_out && rr->exec_errno == 0;

        res.ok = clean && fence_exit_is_success(f->action, rr->exit_code, &res.power);
        (void)fence_message_parse(rr->err, rr->err_len, &message);
        if (rr->exec_errno > 0)
                reason = msg("%s %s: cannot execute the agent: %s", f->agent, f->action,
                             strerror(rr->exec_errno));
        else if (rr->timed_out)
                reason = msg("%s %s timed out after %llu ms%s%s", f->agent, f->action,
                             (unsigned long long)rr->duration_ms, message ? ": " : "",
                             message ? message : "");
        else if (!rr->exited)
                reason = msg("%s %s killed by signal %d (%s)%s%s", f->agent, f->action, rr->signal,
                             strsignal(rr->signal), message ? ": " : "", message ? message : "");
        else if (res.ok && strcmp(f->action, "status") == 0)
                reason = msg("%s status: powered %s", f->agent, fence_power_to_string(res.power));
        else if (res.ok && strcmp(f->action, "monitor") == 0)
                reason = msg("%s monitor: device usable%s", f->agent,
                             res.power == FENCE_POWER_OFF ? ", plug off" : "");
        else if (res.ok)
                reason = msg("%s %s: done in %llu ms", f->agent, f->action,
                             (unsigned long long)rr->duration_ms);
        else
                reason = msg("%s %s exit %d: %s", f->agent, f->action, rr->exit_code,
                             message ? message : "(no message on stderr)");
        res.reason = reason ? reason : "fence agent finished (no memory for the reason)";
        /* Last: the callback may free f (and with it r and rr). */
        f->cb(f, &res, f->userdata);
}

/* The checks before running: the stdin text and the agent's path, or a
 * message. */
static int prepare(const FenceDevice *dev, const char *action, const char *victim,
                   const char *search_path, char **ret_path, char **ret_text, size_t *ret_len,
                   char **ret_error) {
        _cleanup_(freep) char *path = NULL, *text = NULL;
        const char *bad = NULL, *why = NULL;
        const char *id = dev && dev->id ? dev->id : "?";
        char *error = NULL;
        size_t len = 0;
        int k;

        k = fence_stdin_build(dev, action, victim, &text, &len, &bad, &why);
        if (k < 0) {
                _cleanup_(freep) char *a = str_printable(action ? action : "(none)", 32);
                _cleanup_(freep) char *v = str_printable(victim ? victim : "(none)", 80);
                if (bad)
                        error = msg("fence-device '%s': parameter '%s': %s", id, bad,
                                    why ? why : strerror(-k));
                else
                        error = msg("fence-device '%s': %s %s: %s", id, a ? a : "?", v ? v : "?",
                                    why ? why : strerror(-k));
                goto out;
        }
        k = fencer_resolve_agent(dev->agent, search_path, &path);
        if (k < 0) {
                _cleanup_(freep) char *a = str_printable(dev->agent ? dev->agent : "(none)", 255);
                if (k == -EINVAL)
                        error = msg("fence-device '%s': agent '%s' is neither fence_NAME nor an "
                                    "absolute path",
                                    id, a ? a : "?");
                else if (k == -ENOENT && dev->agent[0] != '/')
                        error = msg("fence-device '%s': agent %s not found in %s (is "
                                    "fence-agents installed?)",
                                    id, dev->agent,
                                    search_path ? search_path : FENCER_SEARCH_PATH_DEFAULT);
                else if (k == -ENOENT)
                        error = msg("fence-device '%s': agent %s does not exist", id, dev->agent);
                else
                        error = msg("fence-device '%s': agent %s: %s", id, dev->agent,
                                    k == -EACCES ? "not an executable file" : strerror(-k));
                goto out;
        }
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        if (ret_text) {
                *ret_text = TAKE_PTR(text);
                *ret_len = len;
        }
out:
        if (ret_error)
                *ret_error = error;
        else
                free(error);
        return k;
}

int fencer_check(const FenceDevice *dev, const char *action, const char *victim,
                 const char *search_path, char **ret_error) {
        return prepare(dev, action, victim, search_path, NULL, NULL, NULL, ret_error);
}

int fencer_start(sd_event *e, const FenceDevice *dev, const char *action, const char *victim,
                 const char *search_path, uint64_t timeout_ms, FencerCallback cb, void *userdata,
                 Fencer **ret, char **ret_error) {
        _cleanup_(freep) char *path = NULL, *text = NULL;
        size_t len = 0;
        Fencer *f = NULL;
        int k;

        if (ret_error)
                *ret_error = NULL;
        if (!e || !dev || !cb || !ret)
                return -EINVAL;
        if (timeout_ms == 0)
                timeout_ms = FENCER_TIMEOUT_DEFAULT_MS;
        if (timeout_ms > RUNNER_TIME_MAX_MS) {
                if (ret_error)
                        *ret_error = msg("fence-device '%s': timeout %llu ms is too long",
                                         dev->id ? dev->id : "?", (unsigned long long)timeout_ms);
                return -EINVAL;
        }
        k = prepare(dev, action, victim, search_path, &path, &text, &len, ret_error);
        if (k < 0)
                return k;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->cb = cb;
        f->userdata = userdata;
        f->agent = strdup(dev->agent);
        f->action = strdup(action);
        if (!f->agent || !f->action) {
                fencer_free(f);
                return -ENOMEM;
        }
        RunnerRequest q = {
                .path = path,
                .env = agent_env,
                .timeout_ms = timeout_ms,
                .stdin_data = text,
                .stdin_len = len,
                .no_action_arg = true,
                .stdout_max = strcmp(action, "metadata") == 0 ? METADATA_STDOUT_MAX : 0,
        };
        k = runner_start(e, &q, on_done, f, &f->runner);
        if (k < 0) {
                if (ret_error)
                        *ret_error = msg("fence-device '%s': cannot run %s: %s",
                                         dev->id ? dev->id : "?", path, strerror(-k));
                fencer_free(f);
                return k;
        }
        *ret = f;
        return 0;
}

Fencer *fencer_free(Fencer *f) {
        if (!f)
                return NULL;
        runner_free(f->runner);
        free(f->agent);
        free(f->action);
        free(f);
        return NULL;
}

int fencer_get_pid(const Fencer *f) {
        return f ? runner_get_pid(f->runner) : 0;
}
