/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runner: one agent process on the loop, bounded in time and memory. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bladed/ocf.h"
#include "bladed/util.h"
#include "runner.h"

/* Per dispatch at most this much is read from one pipe, so a flooding
 * agent cannot starve the rest of the loop (the io source stays level
 * triggered and comes back on the next iteration). */
#define READ_CHUNK (16u * 1024)
#define READS_PER_DISPATCH 16

typedef enum RunnerPhase {
        PHASE_RUNNING = 0, /* timer = op timeout */
        PHASE_TERM_SENT,   /* timer = kill grace */
        PHASE_KILL_SENT,   /* no timer: SIGKILL cannot be ignored */
        PHASE_EXITED,      /* child reaped, timer = EOF grace for the pipes */
        PHASE_DONE,        /* result delivered or cancelled */
} RunnerPhase;

typedef struct Stream {
        int fd; /* -1 once at EOF */
        sd_event_source *source;
        char *buf; /* max + 1 bytes, NUL-terminated */
        size_t len, max;
        uint64_t total;
        bool keep_tail; /* stderr: the last bytes matter, stdout: the first */
} Stream;

/* The agent's stdin when the request has stdin_data: our write end. */
typedef struct Feed {
        int fd; /* -1 when there is no pipe or once closed */
        sd_event_source *source;
        char *data; /* a copy: the request is the caller's only during runner_start */
        size_t len, off;
} Feed;

struct Runner {
        sd_event *event;
        sd_event_source *child_source;
        sd_event_source *timer;
        Stream out, err;
        Feed in;
        int exec_fd; /* CLOEXEC pipe: the child's errno if execve fails */
        pid_t pid;   /* also the process group id */
        bool reaped;
        RunnerPhase phase;
        RunnerCallback cb;
        void *userdata;
        uint64_t start_us;
        uint64_t timeout_ms, kill_grace_ms, eof_grace_ms;
        RunnerResult res;
};

static uint64_t now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void kill_group(Runner *r, int sig) {
        /* The group outlives the child when a descendant is left; the pgid
         * cannot be reused while any member exists. */
        if (r->pid > 0)
                (void)kill(-r->pid, sig);
}

static void stream_close(Stream *s) {
        s->source = sd_event_source_disable_unref(s->source);
        if (s->fd >= 0) {
                close(s->fd);
                s->fd = -1;
        }
}

static void stream_append(Stream *s, const char *p, size_t n) {
        s->total += n;
        if (!s->keep_tail) {
                size_t room = s->max - s->len;
                if (n > room)
                        n = room;
                memcpy(s->buf + s->len, p, n);
                s->len += n;
        } else if (n >= s->max) {
                memcpy(s->buf, p + n - s->max, s->max);
                s->len = s->max;
        } else {
                if (s->len + n > s->max) {
                        size_t drop = s->len + n - s->max;
                        memmove(s->buf, s->buf + drop, s->len - drop);
                        s->len -= drop;
                }
                memcpy(s->buf + s->len, p, n);
                s->len += n;
        }
        s->buf[s->len] = '\0';
}

static void feed_close(Feed *f) {
        f->source = sd_event_source_disable_unref(f->source);
        if (f->fd >= 0) {
                close(f->fd);
                f->fd = -1;
        }
}

/* write() without dying of SIGPIPE when the agent has closed its stdin:
 * SIGPIPE is blocked around the write and the one it raised is taken back
 * with sigtimedwait, so the caller's disposition does not matter (a pipe
 * has no MSG_NOSIGNAL).  One already pending is left alone: not ours. */
static ssize_t write_nosigpipe(int fd, const void *p, size_t n) {
        static const struct timespec zero = {0, 0};
        sigset_t pipe_set, old, pending;
        bool was_pending;
        ssize_t k;
        int e;

        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
        if (sigprocmask(SIG_BLOCK, &pipe_set, &old) < 0)
                return -1;
        k = write(fd, p, n);
        e = errno;
        if (k < 0 && e == EPIPE && !was_pending)
                while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
                        ;
        (void)sigprocmask(SIG_SETMASK, &old, NULL);
        errno = e;
        return k;
}

/* Writes what the pipe takes; closes at the end, on EPIPE (the agent does
 * not want the rest) or on any other error. */
static void feed_write(Runner *r) {
        Feed *f = &r->in;

        while (f->fd >= 0 && f->off < f->len) {
                ssize_t n = write_nosigpipe(f->fd, f->data + f->off, f->len - f->off);
                if (n > 0) {
                        f->off += (size_t)n;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return; /* EPOLLOUT brings us back */
                break;
        }
        r->res.in_written = f->off;
        feed_close(f);
}

static int on_in(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Runner *r = userdata;

        feed_write(r);
        return 0;
}

/* Reads what is there; true at EOF (or a read error, which ends it too). */
static bool stream_drain(Stream *s, unsigned max_reads) {
        char chunk[READ_CHUNK];

        for (unsigned i = 0; i < max_reads; i++) {
                ssize_t n = read(s->fd, chunk, sizeof(chunk));
                if (n > 0) {
                        stream_append(s, chunk, (size_t)n);
                        continue;
                }
                if (n == 0)
                        return true;
                if (errno == EINTR)
                        continue;
                return errno != EAGAIN;
        }
        return false;
}

static int arm_timer(Runner *r, uint64_t ms) {
        int k;

        k = sd_event_source_set_time(r->timer, now_us() + ms * 1000u);
        if (k < 0)
                return k;
        return sd_event_source_set_enabled(r->timer, SD_EVENT_ONESHOT);
}

/* Must be the last thing a handler does: the callback may free r. */
static void complete(Runner *r) {
        _cleanup_(freep) char *reason = NULL;
        RunnerResult *res = &r->res;

        r->phase = PHASE_DONE;
        (void)sd_event_source_set_enabled(r->timer, SD_EVENT_OFF);
        feed_close(&r->in);
        res->in_written = r->in.off;
        res->duration_ms = (now_us() - r->start_us) / 1000u;
        res->out = r->out.buf;
        res->out_len = r->out.len;
        res->out_total = r->out.total;
        res->out_truncated = r->out.total > r->out.len;
        res->err = r->err.buf;
        res->err_len = r->err.len;
        res->err_total = r->err.total;
        res->err_truncated = r->err.total > r->err.len;
        if (ocf_exit_reason_parse(r->err.buf, r->err.len, &reason) >= 0)
                res->exit_reason = reason;
        r->cb(r, res, r->userdata);
}

static void maybe_complete(Runner *r) {
        if (r->reaped && r->out.fd < 0 && r->err.fd < 0 && r->phase != PHASE_DONE)
                complete(r);
}

static int on_stream(Stream *s, Runner *r) {
        if (stream_drain(s, READS_PER_DISPATCH)) {
                stream_close(s);
                maybe_complete(r);
        }
        return 0;
}

static int on_out(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Runner *r = userdata;
        return on_stream(&r->out, r);
}

static int on_err(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Runner *r = userdata;
        return on_stream(&r->err, r);
}

static int on_child(sd_event_source *src, const siginfo_t *si, void *userdata) {
        Runner *r = userdata;
        int e;

        r->reaped = true;
        if (si->si_code == CLD_EXITED) {
                r->res.exited = true;
                r->res.exit_code = si->si_status;
        } else {
                r->res.signal = si->si_status;
        }
        /* The write end closed on execve (CLOEXEC) or at _exit: either the
         * child's errno is there or nothing. */
        if (r->exec_fd >= 0) {
                if (read(r->exec_fd, &e, sizeof(e)) == (ssize_t)sizeof(e) && e > 0)
                        r->res.exec_errno = e;
                close(r->exec_fd);
                r->exec_fd = -1;
        }
        /* Nobody is left to read the rest of stdin. */
        feed_close(&r->in);
        if (r->phase == PHASE_DONE) /* cancelled: nobody is waiting */
                return 0;
        if (r->out.fd >= 0 || r->err.fd >= 0) {
                r->phase = PHASE_EXITED;
                if (arm_timer(r, r->eof_grace_ms) >= 0)
                        return 0;
                /* Cannot wait: end it now rather than never. */
                kill_group(r, SIGKILL);
                r->res.orphans_killed = true;
                stream_close(&r->out);
                stream_close(&r->err);
        }
        maybe_complete(r);
        return 0;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        Runner *r = userdata;

        switch (r->phase) {
        case PHASE_RUNNING:
                r->res.timed_out = true;
                kill_group(r, SIGTERM);
                r->phase = PHASE_TERM_SENT;
                if (arm_timer(r, r->kill_grace_ms) >= 0)
                        return 0;
                __attribute__((fallthrough));
        case PHASE_TERM_SENT:
                r->res.killed = true;
                kill_group(r, SIGKILL);
                r->phase = PHASE_KILL_SENT;
                return 0;
        case PHASE_EXITED:
                /* A descendant still holds a pipe: it must not stall us. */
                r->res.orphans_killed = true;
                kill_group(r, SIGKILL);
                if (r->out.fd >= 0 && stream_drain(&r->out, READS_PER_DISPATCH))
                        stream_close(&r->out);
                if (r->err.fd >= 0 && stream_drain(&r->err, READS_PER_DISPATCH))
                        stream_close(&r->err);
                stream_close(&r->out);
                stream_close(&r->err);
                maybe_complete(r);
                return 0;
        default:
                return 0;
        }
}

static void close_from(int first) {
        struct rlimit rl;
        int max = 65536;

        if (syscall(SYS_close_range, (unsigned)first, ~0u, 0u) == 0)
                return;
        /* Kernels before 5.9: a plain loop (no opendir: not safe after fork). */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < 65536)
                max = (int)rl.rlim_cur;
        for (int fd = first; fd < max; fd++)
                (void)close(fd);
}

/* In the child: only async-signal-safe calls from here to execve. */
static _Noreturn void child_exec(const RunnerRequest *q, int in_r, int out_w, int err_w,
                                 int exec_w) {
        char *argv[] = {(char *)q->path, q->no_action_arg ? NULL : (char *)q->action, NULL};
        struct sigaction sa = {.sa_handler = SIG_DFL};
        int fds[4] = {-1, out_w, err_w, exec_w};
        sigset_t ss;
        int e;

        (void)setpgid(0, 0);
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)sigaction(sig, &sa, NULL);
        sigemptyset(&ss);
        (void)sigprocmask(SIG_SETMASK, &ss, NULL);

        fds[0] = in_r >= 0 ? in_r : open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fds[0] < 0)
                goto fail;
        /* Move everything above 2 first: a pipe end may itself be 0..3
         * when bladed runs with stdio closed. */
        for (int i = 0; i < 4; i++) {
                int t = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
                if (t < 0)
                        goto fail;
                fds[i] = t;
        }
        for (int i = 0; i < 3; i++)
                if (dup2(fds[i], i) < 0) /* dup2 clears CLOEXEC: inherited */
                        goto fail;
        if (dup2(fds[3], 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
                goto fail;
        exec_w = 3;
        close_from(4);
        if (chdir("/") < 0)
                goto fail;
        execve(q->path, argv, q->env);
fail:
        e = errno;
        (void)!write(exec_w, &e, sizeof(e));
        _exit(127);
}

static int check_agent(const char *path) {
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EACCES;
        if (access(path, X_OK) < 0)
                return -errno;
        return 0;
}

static int sigchld_blocked(void) {
        sigset_t ss;

        if (sigprocmask(SIG_BLOCK, NULL, &ss) < 0)
                return -errno;
        return sigismember(&ss, SIGCHLD) ? 0 : -EBUSY;
}

static int stream_init(Runner *r, Stream *s, size_t max, bool tail, int fd,
                       sd_event_io_handler_t h) {
        s->fd = fd; /* owned from here, closed by stream_close */
        s->max = max;
        s->keep_tail = tail;
        s->buf = malloc(max + 1);
        if (!s->buf)
                return -ENOMEM;
        s->buf[0] = '\0';
        if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) /* the read end only */
                return -errno;
        return sd_event_add_io(r->event, &s->source, fd, EPOLLIN, h, r);
}

int runner_start(sd_event *e, const RunnerRequest *q, RunnerCallback cb, void *userdata,
                 Runner **ret) {
        int outp[2] = {-1, -1}, errp[2] = {-1, -1}, execp[2] = {-1, -1}, inp[2] = {-1, -1};
        Runner *r;
        pid_t pid;
        int k;

        if (!e || !q || !cb || !ret || !q->path || q->path[0] != '/' || !q->env ||
            q->timeout_ms == 0)
                return -EINVAL;
        if (!q->no_action_arg && (!q->action || !q->action[0]))
                return -EINVAL;
        if (q->stdin_len > RUNNER_STDIN_MAX || (q->stdin_len > 0 && !q->stdin_data))
                return -EINVAL;
        /* Bounds keep now + ms * 1000 and max + 1 from overflowing. */
        if (q->timeout_ms > RUNNER_TIME_MAX_MS || q->kill_grace_ms > RUNNER_TIME_MAX_MS ||
            q->eof_grace_ms > RUNNER_TIME_MAX_MS || q->stdout_max > RUNNER_BUFFER_MAX ||
            q->stderr_max > RUNNER_BUFFER_MAX)
                return -EINVAL;
        k = check_agent(q->path);
        if (k < 0)
                return k;
        k = sigchld_blocked();
        if (k < 0)
                return k;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->out.fd = r->err.fd = r->exec_fd = r->in.fd = -1;
        r->event = sd_event_ref(e);
        r->cb = cb;
        r->userdata = userdata;
        r->timeout_ms = q->timeout_ms;
        r->kill_grace_ms = q->kill_grace_ms;
        if (r->kill_grace_ms == 0) {
                r->kill_grace_ms = q->timeout_ms / 4;
                if (r->kill_grace_ms > RUNNER_KILL_GRACE_MAX_MS)
                        r->kill_grace_ms = RUNNER_KILL_GRACE_MAX_MS;
                if (r->kill_grace_ms == 0)
                        r->kill_grace_ms = 1;
        }
        r->eof_grace_ms = q->eof_grace_ms ? q->eof_grace_ms : RUNNER_EOF_GRACE_DEFAULT_MS;

        if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
            pipe2(execp, O_CLOEXEC) < 0) {
                k = -errno;
                goto fail;
        }
        k = stream_init(r, &r->out, q->stdout_max ? q->stdout_max : RUNNER_STDOUT_MAX_DEFAULT,
                        false, outp[0], on_out);
        outp[0] = -1;
        if (k < 0)
                goto fail;
        k = stream_init(r, &r->err, q->stderr_max ? q->stderr_max : RUNNER_STDERR_MAX_DEFAULT, true,
                        errp[0], on_err);
        errp[0] = -1;
        if (k < 0)
                goto fail;
        if (q->stdin_data) {
                if (pipe2(inp, O_CLOEXEC) < 0) {
                        k = -errno;
                        goto fail;
                }
                r->in.fd = inp[1];
                inp[1] = -1;
                r->in.len = q->stdin_len;
                r->in.data = malloc(q->stdin_len ? q->stdin_len : 1);
                if (!r->in.data) {
                        k = -ENOMEM;
                        goto fail;
                }
                if (q->stdin_len)
                        memcpy(r->in.data, q->stdin_data, q->stdin_len);
                if (fcntl(r->in.fd, F_SETFL, O_NONBLOCK) < 0) { /* the write end only */
                        k = -errno;
                        goto fail;
                }
                k = sd_event_add_io(e, &r->in.source, r->in.fd, EPOLLOUT, on_in, r);
                if (k < 0)
                        goto fail;
        }
        r->exec_fd = execp[0];
        execp[0] = -1;
        if (fcntl(r->exec_fd, F_SETFL, O_NONBLOCK) < 0) {
                k = -errno;
                goto fail;
        }
        /* 1 ms accuracy: sd-event's default (250 ms) would blur short timeouts. */
        k = sd_event_add_time(e, &r->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timer, r);
        if (k < 0)
                goto fail;

        r->start_us = now_us();
        pid = fork();
        if (pid < 0) {
                k = -errno;
                goto fail;
        }
        if (pid == 0)
                child_exec(q, inp[0], outp[1], errp[1], execp[1]);

        /* Also here: whoever runs first, the group exists before any kill. */
        (void)setpgid(pid, pid);
        r->pid = pid;
        close(outp[1]);
        close(errp[1]);
        close(execp[1]);
        outp[1] = errp[1] = execp[1] = -1;
        if (inp[0] >= 0) {
                close(inp[0]);
                inp[0] = -1;
        }

        k = sd_event_add_child(e, &r->child_source, pid, WEXITED, on_child, r);
        if (k < 0) {
                kill_group(r, SIGKILL);
                (void)waitpid(pid, NULL, 0);
                r->reaped = true;
                goto fail;
        }
        k = arm_timer(r, r->timeout_ms);
        if (k < 0)
                goto fail; /* runner_free kills and reaps */
        *ret = r;
        return 0;

fail:
        if (r->pid > 0 && !r->reaped)
                kill_group(r, SIGKILL);
        for (int i = 0; i < 2; i++) {
                if (outp[i] >= 0)
                        close(outp[i]);
                if (errp[i] >= 0)
                        close(errp[i]);
                if (execp[i] >= 0)
                        close(execp[i]);
                if (inp[i] >= 0)
                        close(inp[i]);
        }
        r->phase = PHASE_DONE;
        runner_free(r);
        return k;
}

void runner_cancel(Runner *r) {
        if (!r || r->phase == PHASE_DONE)
                return;
        r->phase = PHASE_DONE;
        kill_group(r, SIGKILL);
        (void)sd_event_source_set_enabled(r->timer, SD_EVENT_OFF);
        stream_close(&r->out);
        stream_close(&r->err);
        feed_close(&r->in);
}

Runner *runner_free(Runner *r) {
        if (!r)
                return NULL;
        runner_cancel(r);
        if (r->child_source && !r->reaped)
                /* sd-event SIGKILLs and reaps it when the source goes. */
                (void)sd_event_source_set_child_process_own(r->child_source, true);
        r->child_source = sd_event_source_disable_unref(r->child_source);
        r->timer = sd_event_source_disable_unref(r->timer);
        stream_close(&r->out);
        stream_close(&r->err);
        feed_close(&r->in);
        if (r->exec_fd >= 0)
                close(r->exec_fd);
        free(r->in.data);
        free(r->out.buf);
        free(r->err.buf);
        sd_event_unref(r->event);
        free(r);
        return NULL;
}

int runner_result_ocf_rc(const RunnerResult *res) {
        if (res->exec_errno == ENOENT)
                return OCF_RC_ERR_INSTALLED;
        if (res->exec_errno == EACCES || res->exec_errno == EPERM)
                return OCF_RC_ERR_PERM;
        if (res->exec_errno > 0 || res->timed_out || !res->exited)
                return OCF_RC_NO_RESULT;
        return res->exit_code;
}

int runner_get_pid(const Runner *r) {
        return r && !r->reaped ? (int)r->pid : 0;
}

const char *runner_result_reason(const RunnerResult *res, const char *what, uint64_t timeout_ms,
                                 char *buf, size_t size) {
        if (res->exit_reason)
                snprintf(buf, size, "%s", res->exit_reason);
        else if (res->timed_out)
                snprintf(buf, size, "%s timed out after %" PRIu64 " ms", what, timeout_ms);
        else if (res->signal > 0)
                snprintf(buf, size, "agent killed by signal %d", res->signal);
        else if (res->exec_errno > 0)
                snprintf(buf, size, "cannot execute the agent: %s", strerror(res->exec_errno));
        else
                return NULL;
        return buf;
}
