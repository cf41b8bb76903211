/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bladectl commands that talk to bladed over the control socket
 * (ctlproto.h): one request, one reply per connection.  The reply's status
 * is the exit status; its body goes to stdout, its error line to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bladed/config.h"
#include "bladed/ctlproto.h"
#include "bladed/diag.h"
#include "bladed/util.h"
#include "bladed/wire.h"
#include "ctl.h"

#define CHANGE_TIMEOUT_MS CTL_CHANGE_TIMEOUT_MS
#define QUERY_TIMEOUT_MS CTL_QUERY_TIMEOUT_MS

static void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for events until deadline; 0, or an exit status. */
static int wait_fd(int fd, short events, int64_t deadline, const char *path) {
        for (;;) {
                struct pollfd p = {.fd = fd, .events = events};
                int64_t left = deadline - now_ms();
                if (left <= 0) {
                        fprintf(stderr, "bladectl: bladed at %s did not answer in time\n", path);
                        return CTL_EXIT_FAILED;
                }
                int n = poll(&p, 1, (int)left);
                if (n > 0)
                        return 0;
                if (n < 0 && errno != EINTR) {
                        fprintf(stderr, "bladectl: poll: %s\n", strerror(errno));
                        return CTL_EXIT_FAILED;
                }
        }
}

/* Sends q and reads the reply into *y (whose pointers point into *ret_in).
 * Returns 0, or the exit status after saying why on stderr. */
static int exchange(const CtlOptions *o, const CtlRequest *q, int timeout_ms, uint8_t **ret_in,
                    CtlReply *y) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_(freep) uint8_t *req = NULL, *in = NULL;
        _cleanup_(closep) int fd = -1;
        int64_t deadline = now_ms() + timeout_ms;
        size_t req_len, off = 0, have = 0, need = CTL_HEADER_SIZE;
        const char *why;
        int r;

        if (strlen(o->socket_path) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "bladectl: socket path too long: %s\n", o->socket_path);
                return CTL_EXIT_USAGE;
        }
        r = ctlproto_request_encode(q, &req, &req_len);
        if (r < 0) {
                fprintf(stderr, "bladectl: request too large\n");
                return CTL_EXIT_USAGE;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                fprintf(stderr, "bladectl: socket: %s\n", strerror(errno));
                return CTL_EXIT_FAILED;
        }
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", o->socket_path);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                if (errno == EACCES || errno == EPERM) {
                        /* There may well be a daemon: we are just not let in. */
                        fprintf(stderr,
                                "bladectl: cannot talk to bladed at %s: %s (the socket "
                                "is for root and its group)\n",
                                o->socket_path, strerror(errno));
                        return CTL_EXIT_FAILED;
                }
                fprintf(stderr, "bladectl: no daemon at %s: %s\n", o->socket_path, strerror(errno));
                return CTL_EXIT_NO_DAEMON;
        }
        while (off < req_len) {
                r = wait_fd(fd, POLLOUT, deadline, o->socket_path);
                if (r != 0)
                        return r;
                ssize_t n = send(fd, req + off, req_len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                if (n < 0) {
                        fprintf(stderr, "bladectl: sending to %s: %s\n", o->socket_path,
                                strerror(errno));
                        return CTL_EXIT_NO_DAEMON;
                }
                off += (size_t)n;
        }
        in = malloc(CTL_HEADER_SIZE);
        if (!in)
                return CTL_EXIT_FAILED;
        while (have < need) {
                r = wait_fd(fd, POLLIN, deadline, o->socket_path);
                if (r != 0)
                        return r;
                ssize_t n = recv(fd, in + have, need - have, MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                if (n <= 0) {
                        fprintf(stderr,
                                "bladectl: bladed at %s closed the connection without "
                                "an answer%s%s\n",
                                o->socket_path, n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
                        return CTL_EXIT_FAILED;
                }
                have += (size_t)n;
                if (have == CTL_HEADER_SIZE && need == CTL_HEADER_SIZE) {
                        r = ctlproto_frame_check(in, have, CTL_KIND_REPLY, &need, &why);
                        if (r < 0) {
                                fprintf(stderr, "bladectl: bad answer from %s: %s\n",
                                        o->socket_path, why);
                                return CTL_EXIT_FAILED;
                        }
                        uint8_t *b = realloc(in, need);
                        if (!b)
                                return CTL_EXIT_FAILED;
                        in = b;
                }
        }
        r = ctlproto_reply_decode(in, have, y, &why);
        if (r < 0) {
                fprintf(stderr, "bladectl: bad answer from %s: %s\n", o->socket_path, why);
                return CTL_EXIT_FAILED;
        }
        *ret_in = TAKE_PTR(in);
        return 0;
}

/* Sends q, reads the reply, prints it; returns the exit status. */
static int call(const CtlOptions *o, const CtlRequest *q, int timeout_ms) {
        _cleanup_(freep) uint8_t *in = NULL;
        CtlReply y;
        int r;

        r = exchange(o, q, timeout_ms, &in, &y);
        if (r != 0)
                return r;
        if (y.body_len)
                fwrite(y.body, 1, y.body_len, stdout);
        if (fflush(stdout) != 0) {
                fprintf(stderr, "bladectl: writing the output: %s\n", strerror(errno));
                return CTL_EXIT_FAILED;
        }
        if (y.error_len)
                fprintf(stderr, "bladectl: %.*s\n", (int)y.error_len, y.error);
        return y.status;
}

int ctl_query(const CtlOptions *o, int command, const char *arg, char **ret, size_t *ret_len) {
        _cleanup_(freep) uint8_t *in = NULL;
        CtlRequest q = {.command = command, .n_args = arg ? 1 : 0};
        CtlReply y;
        char *body;
        int r;

        if (arg)
                q.args[0] = (CtlArg){arg, strlen(arg)};
        r = exchange(o, &q, QUERY_TIMEOUT_MS, &in, &y);
        if (r != 0)
                return r;
        if (y.status != CTL_EXIT_OK) {
                fprintf(stderr, "bladectl: %.*s\n", (int)y.error_len, y.error);
                return y.status;
        }
        body = malloc(y.body_len + 1);
        if (!body)
                return CTL_EXIT_FAILED;
        memcpy(body, y.body, y.body_len);
        body[y.body_len] = 0;
        *ret = body;
        *ret_len = y.body_len;
        return 0;
}

int ctl_ask(const CtlOptions *o, const CtlRequest *q, int timeout_ms, CtlAnswer *ret) {
        _cleanup_(freep) uint8_t *in = NULL;
        CtlReply y;
        int r;

        *ret = (CtlAnswer){0};
        r = exchange(o, q, timeout_ms, &in, &y);
        if (r != 0)
                return r;
        ret->status = y.status;
        ret->body = strndup(y.body ? y.body : "", y.body_len);
        ret->error = strndup(y.error ? y.error : "", y.error_len);
        ret->body_len = y.body_len;
        if (!ret->body || !ret->error) {
                ctl_answer_done(ret);
                fprintf(stderr, "bladectl: out of memory\n");
                return CTL_EXIT_FAILED;
        }
        return 0;
}

void ctl_answer_done(CtlAnswer *a) {
        free(a->body);
        free(a->error);
        *a = (CtlAnswer){0};
}

static int usage_error(const char *usage) {
        fprintf(stderr, "Usage: bladectl %s\n", usage);
        return CTL_EXIT_USAGE;
}

int ctl_status(int argc, char **argv, const CtlOptions *o) {
        static const struct option options[] = {
                {"xml", no_argument, NULL, 'x'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        CtlRequest q = {.command = CTL_CMD_STATUS, .n_args = 1};
        bool xml = false;
        int c;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                if (c == 'x')
                        xml = true;
                else
                        return usage_error("status [--xml]");
        }
        if (optind < argc)
                return usage_error("status [--xml]");
        q.args[0] = xml ? (CtlArg){"xml", 3} : (CtlArg){"text", 4};
        return call(o, &q, QUERY_TIMEOUT_MS);
}

int ctl_config_show(int argc, char **argv, const CtlOptions *o) {
        CtlRequest q = {.command = CTL_CMD_CONFIG_SHOW};

        if (argc != 1)
                return usage_error("config show");
        return call(o, &q, QUERY_TIMEOUT_MS);
}

int ctl_config_load(int argc, char **argv, const CtlOptions *o) {
        static const char usage[] = "config load FILE [--ocf-root DIR | --no-agents]";
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"ocf-root", required_argument, NULL, 'o'},
                {"no-agents", no_argument, NULL, 'A'},
                {},
        };
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(diag_clear) DiagList diag = {0};
        CtlRequest q = {.command = CTL_CMD_CONFIG_LOAD, .n_args = 1};
        const char *path, *ocf_root = BLADED_OCF_ROOT_DEFAULT;
        bool check_agents = true;
        Config *c = NULL;
        size_t size;
        int opt, r;

        optind = 0;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        printf("Usage: bladectl %s\n\n"
                               "Validates FILE here (as config validate does, including the OCF\n"
                               "agents under --ocf-root, default " BLADED_OCF_ROOT_DEFAULT
                               ", unless\n"
                               "--no-agents), then sends it to the cluster.  Nothing is sent when\n"
                               "there are errors (exit status 2, FILE:LINE: message each).\n",
                               usage);
                        return CTL_EXIT_OK;
                case 'o':
                        ocf_root = optarg;
                        break;
                case 'A':
                        check_agents = false;
                        break;
                default:
                        return usage_error(usage);
                }
        if (argc - optind != 1)
                return usage_error(usage);
        path = argv[optind];
        r = ctl_read_file(path, WIRE_MAX_DOC, &buf, &size);
        if (r < 0) {
                fprintf(stderr, "%s: cannot read: %s\n", path,
                        r == -EFBIG ? "larger than 8 MiB, more than the cluster replicates"
                                    : strerror(-r));
                return CTL_EXIT_USAGE;
        }
        /* Validate here first: a bad file never leaves this machine. */
        r = config_parse(buf, size, &c, &diag);
        if (r >= 0 && check_agents) {
                int k = ctl_check_agents(c, ocf_root, &diag);

                if (k < 0)
                        r = k;
        }
        diag_sort(&diag);
        diag_print(&diag, path, stderr);
        config_free(c);
        if (r == -ENOMEM) {
                fprintf(stderr, "%s: out of memory\n", path);
                return CTL_EXIT_FAILED;
        }
        if (r < 0) {
                if (diag.n_errors == 0)
                        fprintf(stderr, "%s: invalid configuration\n", path);
                return CTL_EXIT_USAGE;
        }
        if (size == 0 || memchr(buf, 0, size)) {
                fprintf(stderr, "%s: contains a NUL byte\n", path);
                return CTL_EXIT_USAGE;
        }
        q.args[0] = (CtlArg){buf, size};
        return call(o, &q, CHANGE_TIMEOUT_MS);
}
