/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mailconn.h"
#include "ocf.h"

static int fail(MailConn *c, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(MailConn *c, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(c->err, sizeof(c->err), fmt, ap);
        va_end(ap);
        return r;
}

void mailconn_init(MailConn *c, uint64_t deadline_ms) {
        memset(c, 0, sizeof(*c));
        c->fd = -1;
        c->deadline_ms = deadline_ms;
}

/* Waits for events on the socket until the deadline. */
static int wait_fd(MailConn *c, short events, const char *what) {
        for (;;) {
                uint64_t now = ocf_now_ms();
                struct pollfd p = {.fd = c->fd, .events = events};
                int n;

                if (now >= c->deadline_ms)
                        return fail(c, -ETIMEDOUT, "timed out %s", what);
                n = poll(&p, 1, (int)(c->deadline_ms - now));
                if (n < 0 && errno != EINTR)
                        return fail(c, -errno, "poll: %s", strerror(errno));
                if (n > 0)
                        return 0;
        }
}

static int resolve(MailConn *c, const char *host, uint16_t port, struct addrinfo **ret) {
        char service[8];
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        struct gaicb req = {.ar_name = host, .ar_service = service, .ar_request = &hints};
        struct gaicb *list[1] = {&req};
        int r;

        snprintf(service, sizeof(service), "%u", port);
        /* Addresses need no lookup; names go through getaddrinfo_a so the
         * resolver's own retries cannot outlast the deadline. */
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
        if (getaddrinfo(host, service, &hints, ret) == 0)
                return 0;
        hints.ai_flags = AI_NUMERICSERV;
        if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0)
                return fail(c, -EHOSTUNREACH, "cannot start lookup of %s", host);
        for (;;) {
                uint64_t now = ocf_now_ms();
                struct timespec ts;

                if (now >= c->deadline_ms) {
                        gai_cancel(&req);
                        return fail(c, -ETIMEDOUT, "timed out resolving %s", host);
                }
                ts.tv_sec = (time_t)((c->deadline_ms - now) / 1000);
                ts.tv_nsec = (long)((c->deadline_ms - now) % 1000) * 1000000L;
                r = gai_suspend((const struct gaicb *const *)list, 1, &ts);
                if (r == EAI_AGAIN || r == EAI_INTR)
                        continue;
                break;
        }
        r = gai_error(&req);
        if (r != 0)
                return fail(c, -EHOSTUNREACH, "cannot resolve %s: %s", host, gai_strerror(r));
        *ret = req.ar_result;
        return 0;
}

static int connect_one(MailConn *c, const struct addrinfo *ai) {
        int soerr = 0;
        socklen_t len = sizeof(soerr);
        int r;

        c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       ai->ai_protocol);
        if (c->fd < 0)
                return -errno;
        if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
                return 0;
        if (errno != EINPROGRESS)
                return -errno;
        r = wait_fd(c, POLLOUT, "connecting");
        if (r < 0)
                return r;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
                return -errno;
        return -soerr;
}

int mailconn_connect(MailConn *c, const char *host, uint16_t port) {
        struct addrinfo *res = NULL;
        int r = resolve(c, host, port, &res);

        if (r < 0)
                return r;
        for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                r = connect_one(c, ai);
                if (r == 0)
                        break;
                if (c->fd >= 0)
                        close(c->fd);
                c->fd = -1;
                if (r == -ETIMEDOUT)
                        break;
        }
        freeaddrinfo(res);
        if (r == -ETIMEDOUT)
                return fail(c, r, "timed out connecting to %s port %u", host, port);
        if (r < 0)
                return fail(c, r, "cannot connect to %s port %u: %s", host, port, strerror(-r));
        return 0;
}

static void tls_error_text(char *buf, size_t size) {
        unsigned long e = ERR_get_error();

        if (e)
                ERR_error_string_n(e, buf, size);
        else
                snprintf(buf, size, "connection closed");
        ERR_clear_error();
}

/* Drives one non-blocking OpenSSL call to completion within the deadline.
 * ret is the call's return value; returns 0 to retry, 1 done, < 0 error. */
static int tls_step(MailConn *c, int ret, const char *what) {
        char text[160];

        switch (SSL_get_error(c->ssl, ret)) {
        case SSL_ERROR_NONE:
                return 1;
        case SSL_ERROR_WANT_READ:
                return wait_fd(c, POLLIN, what);
        case SSL_ERROR_WANT_WRITE:
                return wait_fd(c, POLLOUT, what);
        case SSL_ERROR_ZERO_RETURN:
                return fail(c, -ECONNRESET, "server closed the TLS connection %s", what);
        default:
                tls_error_text(text, sizeof(text));
                return fail(c, -EPROTO, "TLS error %s: %s", what, text);
        }
}

int mailconn_start_tls(MailConn *c, const MailTlsOptions *opts) {
        struct in6_addr a6;
        struct in_addr a4;
        bool is_ip;
        int r;

        c->ctx = SSL_CTX_new(TLS_client_method());
        if (!c->ctx)
                return fail(c, -ENOMEM, "cannot create TLS context");
        SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
        if (opts->verify) {
                if (opts->ca_file ? SSL_CTX_load_verify_locations(c->ctx, opts->ca_file, NULL) != 1
                                  : SSL_CTX_set_default_verify_paths(c->ctx) != 1)
                        return fail(c, -EPROTO, "cannot load trust store %s",
                                    opts->ca_file ? opts->ca_file : "(system)");
                SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
        }
        c->ssl = SSL_new(c->ctx);
        if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
                return fail(c, -ENOMEM, "cannot create TLS session");
        is_ip = inet_pton(AF_INET, opts->server_name, &a4) == 1 ||
                inet_pton(AF_INET6, opts->server_name, &a6) == 1;
        /* RFC 6066: SNI carries host names only, never address literals. */
        if (!is_ip)
                SSL_set_tlsext_host_name(c->ssl, opts->server_name);
        if (opts->verify) {
                X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
                if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, opts->server_name) != 1
                          : SSL_set1_host(c->ssl, opts->server_name) != 1)
                        return fail(c, -EPROTO, "cannot set the name to verify");
        }
        while ((r = tls_step(c, SSL_connect(c->ssl), "in the TLS handshake")) == 0)
                ;
        if (r < 0 && opts->verify && SSL_get_verify_result(c->ssl) != X509_V_OK)
                return fail(c, -EPROTO, "TLS certificate not accepted: %s",
                            X509_verify_cert_error_string(SSL_get_verify_result(c->ssl)));
        return r < 0 ? r : 0;
}

bool mailconn_has_buffered(const MailConn *c) {
        return c->len > 0;
}

/* Appends what the server sent to c->buf. */
static int fill(MailConn *c) {
        size_t room = sizeof(c->buf) - c->len;
        int r;

        for (;;) {
                if (c->ssl) {
                        int n = SSL_read(c->ssl, c->buf + c->len, (int)room);
                        if (n > 0) {
                                c->len += (size_t)n;
                                return 0;
                        }
                        r = tls_step(c, n, "waiting for the server");
                        if (r < 0)
                                return r;
                        continue;
                }
                ssize_t n = recv(c->fd, c->buf + c->len, room, 0);
                if (n > 0) {
                        c->len += (size_t)n;
                        return 0;
                }
                if (n == 0)
                        return fail(c, -ECONNRESET, "server closed the connection");
                if (errno != EAGAIN && errno != EINTR)
                        return fail(c, -errno, "read: %s", strerror(errno));
                r = wait_fd(c, POLLIN, "waiting for the server");
                if (r < 0)
                        return r;
        }
}

int mailconn_read_line(MailConn *c, char *line, size_t size) {
        for (;;) {
                char *nl = memchr(c->buf, '\n', c->len);
                if (nl) {
                        size_t n = (size_t)(nl - c->buf), used = n + 1;
                        if (n > 0 && c->buf[n - 1] == '\r')
                                n--;
                        if (n >= size)
                                return fail(c, -EMSGSIZE, "reply line longer than %zu bytes",
                                            size - 1);
                        memcpy(line, c->buf, n);
                        line[n] = 0;
                        memmove(c->buf, c->buf + used, c->len - used);
                        c->len -= used;
                        return 0;
                }
                if (c->len == sizeof(c->buf))
                        return fail(c, -EMSGSIZE, "reply line longer than %zu bytes",
                                    sizeof(c->buf));
                int r = fill(c);
                if (r < 0)
                        return r;
        }
}

int mailconn_write(MailConn *c, const char *s) {
        size_t len = strlen(s), off = 0;
        int r;

        while (off < len) {
                if (c->ssl) {
                        int n = SSL_write(c->ssl, s + off, (int)(len - off));
                        if (n > 0) {
                                off += (size_t)n;
                                continue;
                        }
                        r = tls_step(c, n, "sending");
                        if (r < 0)
                                return r;
                        continue;
                }
                ssize_t n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);
                if (n >= 0) {
                        off += (size_t)n;
                        continue;
                }
                if (errno != EAGAIN && errno != EINTR)
                        return fail(c, -errno, "send: %s", strerror(errno));
                r = wait_fd(c, POLLOUT, "sending");
                if (r < 0)
                        return r;
        }
        return 0;
}

void mailconn_close(MailConn *c) {
        if (c->ssl) {
                /* Best effort close_notify; never wait for the peer's. */
                (void)SSL_shutdown(c->ssl);
                SSL_free(c->ssl);
        }
        if (c->ctx)
                SSL_CTX_free(c->ctx);
        if (c->fd >= 0)
                close(c->fd);
        c->ssl = NULL;
        c->ctx = NULL;
        c->fd = -1;
}
