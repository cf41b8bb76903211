/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

static uint64_t now_us(Control *c) {
        uint64_t t = 0;
        sd_event_now(c->event, CLOCK_MONOTONIC, &t);
        return t;
}

static void conn_free(ControlConn *k) {
        Control *c = k->ctl;

        for (ControlConn **p = &c->conns; *p; p = &(*p)->next)
                if (*p == k) {
                        *p = k->next;
                        break;
                }
        c->n_conns--;
        sd_event_source_disable_unref(k->io);
        sd_event_source_disable_unref(k->timer);
        close(k->fd);
        free(k->in);
        free(k->out);
        free(k);
}

static void warn_client(ControlConn *k, const char *what) {
        unsigned suppressed;
        if (!ratelimit_below(&k->ctl->rl, now_us(k->ctl), &suppressed))
                return;
        if (suppressed)
                log_warning(k->ctl->log, "control: %u similar messages suppressed", suppressed);
        log_warning(k->ctl->log, "control: client pid %d uid %u: %s", (int)k->pid, (unsigned)k->uid,
                    what);
}

static int arm_timer(ControlConn *k, unsigned sec) {
        sd_event_source_set_time_relative(k->timer, (uint64_t)sec * 1000000);
        return sd_event_source_set_enabled(k->timer, SD_EVENT_ONESHOT);
}

/* Sends what fits; 1 when everything is out. */
static int conn_write(ControlConn *k) {
        while (k->out_off < k->out_len) {
                ssize_t n = send(k->fd, k->out + k->out_off, k->out_len - k->out_off,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        return -errno;
                }
                k->out_off += (size_t)n;
        }
        return 1;
}

/* The reply is out: half-close and read what the client still sends until
 * it closes, so our close() never turns into a reset that would destroy
 * the reply before the client read it (it happens when we answer a request
 * we did not read completely). */
static void conn_finish(ControlConn *k) {
        shutdown(k->fd, SHUT_WR);
        k->draining = true;
        sd_event_source_set_io_events(k->io, EPOLLIN | EPOLLRDHUP);
        arm_timer(k, CONTROL_DRAIN_TIMEOUT_SEC);
}

static void conn_drain(ControlConn *k) {
        char buf[4096];

        for (;;) {
                ssize_t n = recv(k->fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0 || (k->drained += (size_t)n) > CONTROL_DRAIN_MAX) {
                        conn_free(k);
                        return;
                }
        }
}

static void conn_send_reply(ControlConn *k, CtlStatus status, const char *body, size_t body_len,
                            const char *error) {
        CtlReply y = {.status = status,
                      .body = body,
                      .body_len = body_len,
                      .error = error,
                      .error_len = error ? strlen(error) : 0};
        int r;

        if (y.error_len > CTL_MAX_ERROR)
                y.error_len = CTL_MAX_ERROR;
        k->waiting = false;
        r = ctlproto_reply_encode(&y, &k->out, &k->out_len);
        if (r < 0) {
                CtlReply e = {.status = CTL_STATUS_FAILED,
                              .error = "reply too large or invalid",
                              .error_len = 26};
                if (ctlproto_reply_encode(&e, &k->out, &k->out_len) < 0) {
                        conn_free(k);
                        return;
                }
        }
        r = conn_write(k);
        if (r < 0) {
                conn_free(k); /* the client went away */
                return;
        }
        if (r > 0) {
                conn_finish(k);
                return;
        }
        sd_event_source_set_io_events(k->io, EPOLLOUT);
        arm_timer(k, CONTROL_REPLY_TIMEOUT_SEC);
}

static void conn_dispatch(ControlConn *k) {
        const CtlCommandInfo *info;
        CtlRequest q;
        const char *why;
        char msg[256];
        int r;

        r = ctlproto_request_decode(k->in, k->in_len, &q, &why);
        if (r == -EOPNOTSUPP) {
                conn_send_reply(k, CTL_STATUS_INPUT, NULL, 0,
                                "unknown command: is bladectl newer than this bladed?");
                return;
        }
        if (r < 0) {
                snprintf(msg, sizeof(msg), "bad request: %s", why);
                warn_client(k, msg);
                conn_send_reply(k, CTL_STATUS_INPUT, NULL, 0, msg);
                return;
        }
        info = ctlproto_command_info(q.command);
        if (info->modifies && !k->admin) {
                snprintf(msg, sizeof(msg), "permission denied: '%s' needs root or group %s",
                         info->name, k->ctl->admin_group);
                conn_send_reply(k, CTL_STATUS_FAILED, NULL, 0, msg);
                return;
        }
        k->waiting = true;
        /* Stop reading; a hang-up still shows as EPOLLHUP/EPOLLRDHUP. */
        sd_event_source_set_io_events(k->io, EPOLLRDHUP);
        arm_timer(k, CONTROL_CLUSTER_TIMEOUT_SEC);
        uint64_t id = k->id;
        r = k->ctl->handler(k->ctl->userdata, id, &q);
        if (r < 0)
                /* k may have been answered and freed by now: go by id */
                control_reply(k->ctl, id, CTL_STATUS_FAILED, NULL, 0,
                              "internal error in bladed (see its log)");
}

/* Reads what is there; returns 1 when the request is complete, 0 for more, < 0 to drop. */
static int conn_read(ControlConn *k) {
        const char *why;
        size_t frame;
        int r;

        for (;;) {
                size_t want = k->in_need ? k->in_need : CTL_HEADER_SIZE;
                if (k->in_len == want) {
                        if (k->in_need)
                                return 1;
                        r = ctlproto_frame_check(k->in, k->in_len, CTL_KIND_REQUEST, &frame, &why);
                        if (r < 0) {
                                warn_client(k, why);
                                return r;
                        }
                        uint8_t *n = realloc(k->in, frame);
                        if (!n)
                                return -ENOMEM;
                        k->in = n;
                        k->in_need = frame;
                        continue;
                }
                ssize_t n = recv(k->fd, k->in + k->in_len, want - k->in_len, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN ? 0 : -errno;
                }
                if (n == 0)
                        return -ECONNRESET; /* disconnected mid-request */
                k->in_len += (size_t)n;
        }
}

static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ControlConn *k = userdata;
        int r;

        if (k->draining) {
                conn_drain(k);
                return 0;
        }
        if (k->out) {
                r = conn_write(k);
                if (r < 0)
                        conn_free(k);
                else if (r > 0)
                        conn_finish(k);
                return 0;
        }
        if (k->waiting) {
                /* The client hung up while the cluster works on its request:
                 * the work goes on, the answer will find nobody. */
                if (revents & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))
                        conn_free(k);
                return 0;
        }
        r = conn_read(k);
        if (r < 0) {
                if (r != -ECONNRESET && r != -ENOMEM && k->in_len >= CTL_HEADER_SIZE) {
                        const char *why = "bad request frame";
                        size_t f;
                        ctlproto_frame_check(k->in, k->in_len, CTL_KIND_REQUEST, &f, &why);
                        char msg[160];
                        snprintf(msg, sizeof(msg), "bad request: %s", why ? why : "garbled");
                        conn_send_reply(k, CTL_STATUS_INPUT, NULL, 0, msg);
                } else
                        conn_free(k);
                return 0;
        }
        if (r == 1)
                conn_dispatch(k);
        return 0;
}

static int on_conn_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        ControlConn *k = userdata;

        if (k->waiting) {
                conn_send_reply(k, CTL_STATUS_FAILED, NULL, 0,
                                "no answer from the cluster in time: the change may or may not "
                                "have been applied (check 'bladectl config show')");
                return 0;
        }
        if (!k->out && !k->draining)
                warn_client(k, "no complete request in time: closed");
        conn_free(k);
        return 0;
}

static bool peer_is_admin(Control *c, int fd, const struct ucred *cred) {
        gid_t groups[256];
        socklen_t len = sizeof(groups);

        if (cred->uid == 0)
                return true;
        if (!c->have_admin_gid)
                return false;
        if (cred->gid == c->admin_gid)
                return true;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
                return false;
        for (size_t i = 0; i < len / sizeof(gid_t); i++)
                if (groups[i] == c->admin_gid)
                        return true;
        return false;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Control *c = userdata;
        struct ucred cred;
        socklen_t len = sizeof(cred);
        ControlConn *k;
        int cfd, r;

        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
                return 0; /* EAGAIN, ECONNABORTED, EMFILE...: nothing to keep */
        if (c->n_conns >= CONTROL_MAX_CONNS) {
                /* Evict the oldest client still sending its request (the list is
                 * newest first), so idle connections cannot lock everyone out;
                 * refuse only when all are busy with real work. */
                ControlConn *oldest = NULL;
                unsigned suppressed;
                for (ControlConn *i = c->conns; i; i = i->next)
                        if (!i->waiting && !i->out && !i->draining)
                                oldest = i;
                if (ratelimit_below(&c->rl, now_us(c), &suppressed))
                        log_warning(c->log, "control: %d connections open: %s", CONTROL_MAX_CONNS,
                                    oldest ? "closing the oldest idle one" : "refusing a new one");
                if (!oldest) {
                        close(cfd);
                        return 0;
                }
                conn_free(oldest);
        }
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
                close(cfd);
                return 0;
        }
        k = calloc(1, sizeof(*k));
        if (!k || !(k->in = malloc(CTL_HEADER_SIZE))) {
                free(k);
                close(cfd);
                return 0;
        }
        k->ctl = c;
        k->fd = cfd;
        k->id = ++c->next_id;
        k->uid = cred.uid;
        k->pid = cred.pid;
        k->admin = peer_is_admin(c, cfd, &cred);
        k->next = c->conns;
        c->conns = k;
        c->n_conns++;
        r = sd_event_add_io(c->event, &k->io, cfd, EPOLLIN | EPOLLRDHUP, on_conn_io, k);
        if (r >= 0)
                r = sd_event_add_time_relative(c->event, &k->timer, CLOCK_MONOTONIC,
                                               CONTROL_REQUEST_TIMEOUT_SEC * 1000000ull, 0,
                                               on_conn_timer, k);
        if (r < 0)
                conn_free(k);
        return 0;
}

static int lookup_group(const char *name, gid_t *ret) {
        struct group *g;

        errno = 0;
        g = getgrnam(name);
        if (!g)
                return errno ? -errno : -ENOENT;
        *ret = g->gr_gid;
        return 0;
}

/* Is a daemon answering on path already? */
static bool socket_alive(const char *path) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool alive;

        if (fd < 0)
                return false;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        alive = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
        close(fd);
        return alive;
}

int control_open(Control *c, sd_event *event, const Log *log, const char *path,
                 const char *admin_group, const char *socket_group, ControlHandler handler,
                 void *userdata) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        gid_t sgid = 0;
        bool have_sgid = false;
        char *dir, *slash;
        mode_t old;
        int r;

        *c = (Control){.fd = -1,
                       .event = event,
                       .log = log,
                       .handler = handler,
                       .userdata = userdata,
                       .rl = {.interval_us = 10 * 1000000ull, .burst = 10}};
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        c->admin_group = strdup(admin_group);
        c->path = strdup(path);
        if (!c->admin_group || !c->path)
                return -ENOMEM;
        c->have_admin_gid = lookup_group(admin_group, &c->admin_gid) >= 0;
        if (!c->have_admin_gid)
                log_notice(log,
                           "admin group '%s' does not exist: only root may change the "
                           "cluster",
                           admin_group);
        if (socket_group) {
                r = lookup_group(socket_group, &sgid);
                if (r < 0)
                        return r;
                have_sgid = true;
        } else if (c->have_admin_gid) {
                sgid = c->admin_gid;
                have_sgid = true;
        }

        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = 0;
                if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                        r = -errno;
                        free(dir);
                        return r;
                }
        }
        free(dir);

        if (socket_alive(path))
                return -EADDRINUSE;
        unlink(path); /* a stale socket from a daemon that died */
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
                return -errno;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        /* Never a moment with wider permissions than 0660. */
        old = umask(0117);
        r = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0)
                return -errno;
        if (have_sgid && chown(path, (uid_t)-1, sgid) < 0)
                return -errno;
        if (chmod(path, 0660) < 0)
                return -errno;
        if (listen(c->fd, 16) < 0)
                return -errno;
        return sd_event_add_io(event, &c->io, c->fd, EPOLLIN, on_accept, c);
}

void control_reply(Control *c, uint64_t id, CtlStatus status, const char *body, size_t body_len,
                   const char *error) {
        for (ControlConn *k = c->conns; k; k = k->next)
                if (k->id == id && k->waiting) {
                        conn_send_reply(k, status, body, body_len, error);
                        return;
                }
}

void control_close(Control *c) {
        while (c->conns)
                conn_free(c->conns);
        c->io = sd_event_source_disable_unref(c->io);
        if (c->fd >= 0) {
                close(c->fd);
                if (c->path)
                        unlink(c->path);
        }
        c->fd = -1;
        free(c->path);
        free(c->admin_group);
        c->path = c->admin_group = NULL;
}
