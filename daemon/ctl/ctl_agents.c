/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bladectl's agent check for `config validate` and `config load`: every OCF
 * agent a configuration names must be installed, and each resource must
 * give the parameters its agent's meta-data says are required.
 *
 * `AGENT meta-data` runs once per class:provider:type, the way the daemon's
 * executor runs it: fork, own process group, execve (never a shell) with an
 * environment of OCF_ROOT and a fixed PATH only, stdin and stderr on
 * /dev/null, stdout captured up to OCF_META_MAX_SIZE, and a timeout after
 * which the whole group is killed.  An agent that hangs, floods or prints
 * junk is an error naming it, never a hung bladectl.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bladed/ocf.h"
#include "bladed/ocf_meta.h"
#include "bladed/util.h"
#include "ctl.h"

#define META_DATA_TIMEOUT_MS 5000

static int64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_agent(const Resource *a, const Resource *b) {
        return strcmp(a->agent_class, b->agent_class) == 0 &&
               strcmp(a->agent_provider ? a->agent_provider : "",
                      b->agent_provider ? b->agent_provider : "") == 0 &&
               strcmp(a->agent_type, b->agent_type) == 0;
}

static bool is_ocf(const Resource *r) {
        return r->agent_class && r->agent_type && strcmp(r->agent_class, "ocf") == 0;
}

/* Runs in the child: never returns. */
_Noreturn static void exec_meta_data(const char *path, const char *ocf_root, int out_fd) {
        char *argv[] = {(char *)path, (char *)"meta-data", NULL};
        char *env[3] = {NULL};
        int null_fd;

        (void)setpgid(0, 0);
        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
            dup2(null_fd, STDERR_FILENO) < 0)
                _exit(127);
        /* Nothing of bladectl's (the config file, a socket) leaks into the agent. */
        (void)close_range(3, ~0u, 0);
        if (asprintf(&env[0], "OCF_ROOT=%s", ocf_root) < 0)
                _exit(127);
        env[1] = (char *)"PATH=" OCF_AGENT_PATH;
        signal(SIGPIPE, SIG_DFL);
        execve(path, argv, env);
        _exit(127);
}

/* Waits for the child (group leader pid) until deadline, then kills the
 * group.  Leftover members are killed either way: meta-data has no reason
 * to leave anything running.  Returns the wait status, or -ETIMEDOUT. */
static int reap(pid_t pid, int64_t deadline) {
        siginfo_t info;
        int status;

        for (;;) {
                memset(&info, 0, sizeof(info));
                if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0 && errno != EINTR)
                        break;
                if (info.si_pid == pid)
                        break;
                if (now_ms() >= deadline) {
                        (void)kill(-pid, SIGKILL);
                        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                                ;
                        return -ETIMEDOUT;
                }
                (void)poll(NULL, 0, 5);
        }
        (void)kill(-pid, SIGKILL); /* the leader is a zombie still: its pgid is ours */
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -ECHILD;
        return status;
}

/* Runs `path meta-data`.  On success *out holds the output (not
 * NUL-terminated) and 0 is returned; else *why says what went wrong. */
static int run_meta_data(const char *path, const char *ocf_root, char **out, size_t *out_len,
                         char *why, size_t why_size) {
        _cleanup_(freep) char *buf = NULL;
        int64_t deadline = now_ms() + META_DATA_TIMEOUT_MS;
        size_t len = 0;
        bool timed_out = false, too_big = false;
        int fds[2], status;
        pid_t pid;

        buf = malloc(OCF_META_MAX_SIZE + 1);
        if (!buf)
                return -ENOMEM;
        if (pipe2(fds, O_CLOEXEC) < 0) {
                snprintf(why, why_size, "cannot run meta-data: %s", strerror(errno));
                return -errno;
        }
        pid = fork();
        if (pid < 0) {
                int e = errno;
                close(fds[0]), close(fds[1]);
                snprintf(why, why_size, "cannot run meta-data: %s", strerror(e));
                return -e;
        }
        if (pid == 0)
                exec_meta_data(path, ocf_root, fds[1]);
        (void)setpgid(pid, pid); /* both sides: no window where a kill misses */
        close(fds[1]);

        for (;;) {
                struct pollfd p = {.fd = fds[0], .events = POLLIN};
                int64_t left = deadline - now_ms();
                ssize_t n;

                if (left <= 0) {
                        timed_out = true;
                        break;
                }
                if (poll(&p, 1, (int)left) < 0) {
                        if (errno == EINTR)
                                continue;
                        timed_out = true;
                        break;
                }
                if (p.revents == 0)
                        continue;
                n = read(fds[0], buf + len, OCF_META_MAX_SIZE + 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (len > OCF_META_MAX_SIZE) {
                        too_big = true;
                        break;
                }
        }
        close(fds[0]);
        status = reap(pid, timed_out || too_big ? 0 : deadline);
        if (too_big) {
                snprintf(why, why_size, "meta-data printed more than %u KiB",
                         OCF_META_MAX_SIZE >> 10);
                return -EFBIG;
        }
        if (timed_out || status == -ETIMEDOUT) {
                snprintf(why, why_size, "meta-data did not finish within %d s (killed)",
                         META_DATA_TIMEOUT_MS / 1000);
                return -ETIMEDOUT;
        }
        if (status < 0) {
                snprintf(why, why_size, "meta-data: %s", strerror(-status));
                return status;
        }
        if (WIFSIGNALED(status)) {
                snprintf(why, why_size, "meta-data killed by signal %d", WTERMSIG(status));
                return -EIO;
        }
        if (WEXITSTATUS(status) != 0) {
                snprintf(why, why_size, "meta-data exited with status %d%s", WEXITSTATUS(status),
                         WEXITSTATUS(status) == 127 ? " (could not be executed?)" : "");
                return -EIO;
        }
        *out = TAKE_PTR(buf);
        *out_len = len;
        return 0;
}

/* The same error on every resource of the agent type, from index first on. */
static int error_each(const Config *c, size_t first, const char *agent, const char *what,
                      DiagList *diag) {
        for (size_t i = first; i < c->n_resources; i++) {
                const Resource *r = &c->resources[i];

                if (!is_ocf(r) || !same_agent(r, &c->resources[first]))
                        continue;
                if (diag_error(diag, r->line, "resource '%s': agent %s %s", r->id, agent, what) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* One agent type: the first resource using it is c->resources[first]. */
static int check_one(const Config *c, size_t first, const char *ocf_root, DiagList *diag) {
        const Resource *r0 = &c->resources[first];
        _cleanup_(freep) char *path = NULL, *agent = NULL, *out = NULL;
        _cleanup_(diag_clear) DiagList meta_diag = {0};
        OcfMeta *m = NULL;
        char why[512];
        struct stat st;
        size_t out_len = 0;
        int r;

        if (asprintf(&agent, "ocf:%s:%s", r0->agent_provider ? r0->agent_provider : "",
                     r0->agent_type) < 0) {
                agent = NULL;
                return -ENOMEM;
        }
        r = ocf_agent_path(ocf_root, r0->agent_provider ? r0->agent_provider : "", r0->agent_type,
                           &path);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return error_each(
                        c, first, agent,
                        "cannot be an agent under resource.d/ (bad provider or type name)", diag);
        if (stat(path, &st) < 0) {
                snprintf(why, sizeof(why), "not found at %s", path);
                return error_each(c, first, agent, why, diag);
        }
        if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0) {
                snprintf(why, sizeof(why), "at %s is not an executable file", path);
                return error_each(c, first, agent, why, diag);
        }
        r = run_meta_data(path, ocf_root, &out, &out_len, why, sizeof(why));
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return error_each(c, first, agent, why, diag);
        r = ocf_meta_parse(out, out_len, &m, &meta_diag);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                const char *first_err = "not valid";
                int line = 0;

                for (size_t i = 0; i < meta_diag.n; i++)
                        if (meta_diag.items[i].level == DIAG_ERROR) {
                                first_err = meta_diag.items[i].msg;
                                line = meta_diag.items[i].line;
                                break;
                        }
                snprintf(why, sizeof(why), "gives bad meta-data (line %d of its output: %s)", line,
                         first_err);
                return error_each(c, first, agent, why, diag);
        }
        for (size_t i = first; i < c->n_resources && r >= 0; i++) {
                const Resource *res = &c->resources[i];

                if (is_ocf(res) && same_agent(res, r0)) {
                        r = ocf_meta_check_resource(m, res, diag);
                        if (r == -EINVAL)
                                r = 0; /* counted in diag */
                }
        }
        ocf_meta_free(m);
        return r;
}

size_t ctl_agent_types(const Config *c) {
        size_t n = 0;

        for (size_t i = 0; i < c->n_resources; i++) {
                bool seen = false;

                if (!is_ocf(&c->resources[i]))
                        continue;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = is_ocf(&c->resources[j]) &&
                               same_agent(&c->resources[j], &c->resources[i]);
                n += !seen;
        }
        return n;
}

int ctl_check_agents(const Config *c, const char *ocf_root, DiagList *diag) {
        size_t errors_before = diag->n_errors;

        for (size_t i = 0; i < c->n_resources; i++) {
                const Resource *r = &c->resources[i];
                bool seen = false;
                int k;

                if (!is_ocf(r))
                        continue;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = is_ocf(&c->resources[j]) && same_agent(&c->resources[j], r);
                if (seen)
                        continue;
                k = check_one(c, i, ocf_root, diag);
                if (k < 0)
                        return k;
        }
        return diag->n_errors > errors_before ? -EINVAL : 0;
}
