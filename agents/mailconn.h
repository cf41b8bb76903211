/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A line-oriented client connection for the mailcheck agent, plain or TLS
 * (OpenSSL), where every wait - name lookup, connect, handshake, read,
 * write - ends at one absolute deadline (CLOCK_MONOTONIC ms).
 * Returns 0 or a negative errno; c->err then holds a one-line reason:
 *   -ETIMEDOUT     the deadline passed
 *   -ECONNRESET    the server closed the connection
 *   -EHOSTUNREACH  name lookup failed
 *   -EPROTO        TLS failure (handshake, verification)
 *   -EMSGSIZE      a line longer than the buffer
 *   other          connect/socket errors as the kernel gives them
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

typedef struct {
        int fd;
        SSL_CTX *ctx;
        SSL *ssl;
        uint64_t deadline_ms;
        char buf[4096];
        size_t len;
        char err[256];
} MailConn;

typedef struct {
        bool verify;             /* check the chain and the name */
        const char *ca_file;     /* NULL: the system's trust store */
        const char *server_name; /* SNI and name to verify */
} MailTlsOptions;

void mailconn_init(MailConn *c, uint64_t deadline_ms);
int mailconn_connect(MailConn *c, const char *host, uint16_t port);
int mailconn_start_tls(MailConn *c, const MailTlsOptions *opts);
/* True when bytes the server sent are waiting unread (before STARTTLS
 * this means the server or a middlebox injected data: refuse). */
bool mailconn_has_buffered(const MailConn *c);
/* One line without CR/LF, NUL-terminated, at most size - 1 bytes. */
int mailconn_read_line(MailConn *c, char *line, size_t size);
int mailconn_write(MailConn *c, const char *s);
void mailconn_close(MailConn *c);
