/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket server (bladectl's side is daemon/ctl/ctl_daemon.c;
 * the bytes are ctlproto.h).  One request and one reply per connection.
 *
 * Access: the socket is mode 0660, group = --socket-group (default: the
 * admin group); whoever can connect may run read-only commands.  Commands
 * that change anything (ctlproto's `modifies`) need the peer (SO_PEERCRED,
 * SO_PEERGROUPS) to be uid 0 or a member of the admin group (--admin-group,
 * default "haclient").
 *
 * Untrusted clients cannot disturb the daemon: the header is checked before
 * any payload is buffered; a connection has CONTROL_REQUEST_TIMEOUT_SEC to
 * send its request and CONTROL_REPLY_TIMEOUT_SEC to read the reply; at most
 * CONTROL_MAX_CONNS at once (a new one evicts the oldest that is still
 * sending its request, or is refused when all are busy); a request waiting
 * for the cluster gets an answer within CONTROL_CLUSTER_TIMEOUT_SEC.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "bladed/ctlproto.h"
#include "log.h"

#define CONTROL_MAX_CONNS 32
#define CONTROL_REQUEST_TIMEOUT_SEC 10
#define CONTROL_REPLY_TIMEOUT_SEC 30
#define CONTROL_CLUSTER_TIMEOUT_SEC 120
#define CONTROL_DRAIN_TIMEOUT_SEC 2
#define CONTROL_DRAIN_MAX (64u << 10)

typedef struct Control Control;

/* Called with a decoded, permitted request.  The handler answers with
 * control_reply(ctl, id, ...) now or later; < 0 = internal error. */
typedef int (*ControlHandler)(void *userdata, uint64_t id, const CtlRequest *q);

typedef struct ControlConn {
        struct ControlConn *next;
        Control *ctl;
        uint64_t id;
        int fd;
        sd_event_source *io, *timer;
        uint8_t *in;
        size_t in_len, in_need;
        uint8_t *out;
        size_t out_len, out_off;
        uid_t uid;
        pid_t pid;
        bool admin;
        bool waiting;  /* handed to the handler, no reply yet */
        bool draining; /* reply sent: reading until the client closes */
        size_t drained;
} ControlConn;

struct Control {
        int fd;
        char *path;
        sd_event *event;
        sd_event_source *io;
        ControlConn *conns;
        size_t n_conns;
        uint64_t next_id;
        bool have_admin_gid;
        gid_t admin_gid;
        char *admin_group;
        const Log *log;
        RateLimit rl;
        ControlHandler handler;
        void *userdata;
};

/* Binds path (mode 0660, group socket_group when not NULL; its directory is
 * created 0755 when missing).  -EADDRINUSE when a daemon already answers
 * there; -ENOENT for an unknown group name. */
int control_open(Control *c, sd_event *event, const Log *log, const char *path,
                 const char *admin_group, const char *socket_group, ControlHandler handler,
                 void *userdata);

/* Answers request id (ignored when that client is gone).  error is one
 * line for stderr (or NULL). */
void control_reply(Control *c, uint64_t id, CtlStatus status, const char *body, size_t body_len,
                   const char *error);

void control_close(Control *c);
