/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket codec: see ctlproto.h and doc/wire-protocol.rst. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/ctlproto.h"

static const CtlCommandInfo commands[_CTL_CMD_MAX] = {
        [CTL_CMD_STATUS] = {"status", 1, 1, false},
        [CTL_CMD_CONFIG_SHOW] = {"config show", 0, 0, false},
        [CTL_CMD_CONFIG_LOAD] = {"config load", 1, 1, true},
        [CTL_CMD_MIGRATE] = {"migrate", 1, 2, true},
        [CTL_CMD_UNMIGRATE] = {"unmigrate", 1, 1, true},
        [CTL_CMD_STANDBY] = {"standby", 1, 1, true},
        [CTL_CMD_ONLINE] = {"online", 1, 1, true},
        [CTL_CMD_MAINTENANCE] = {"maintenance", 1, 1, true},
        [CTL_CMD_CLEANUP] = {"cleanup", 1, 2, true},
        [CTL_CMD_FENCE] = {"fence", 2, 2, true},
        [CTL_CMD_NODE_ADD] = {"node add", 2, 3, true},
        [CTL_CMD_NODE_REMOVE] = {"node remove", 1, 1, true},
};

const CtlCommandInfo *ctlproto_command_info(unsigned command) {
        if (command >= _CTL_CMD_MAX || !commands[command].name)
                return NULL;
        return &commands[command];
}

static uint32_t rd32(const uint8_t *p) {
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t rd16(const uint8_t *p) {
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t *wr32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
        return p + 4;
}

static uint8_t *wr16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
        return p + 2;
}

int ctlproto_frame_check(const void *buf, size_t len, CtlKind kind, size_t *frame_len,
                         const char **reason) {
        static const char *unused;
        const uint8_t *p = buf;
        uint32_t length;

        if (!reason)
                reason = &unused;
        *reason = NULL;
        if (len < CTL_HEADER_SIZE)
                return -EAGAIN;
        if (rd32(p) != CTL_MAGIC) {
                *reason = "bad magic: not a bladectl frame";
                return -EBADMSG;
        }
        if (p[4] != CTL_VERSION) {
                *reason = "control protocol version mismatch";
                return -EPROTO;
        }
        if (p[5] != kind) {
                *reason = kind == CTL_KIND_REQUEST ? "expected a request frame"
                                                   : "expected a reply frame";
                return -EBADMSG;
        }
        if (rd16(p + 6) != 0) {
                *reason = "reserved header field is not 0";
                return -EBADMSG;
        }
        length = rd32(p + 8);
        if (length > CTL_MAX_PAYLOAD) {
                *reason = "frame larger than the limit";
                return -EBADMSG;
        }
        *frame_len = CTL_HEADER_SIZE + (size_t)length;
        return 0;
}

/* A u32-prefixed string at *p of at most max bytes; advances *p / *left. */
static int take_blob(const uint8_t **p, size_t *left, size_t max, const char **ret, size_t *ret_len,
                     const char **reason) {
        uint32_t n;

        if (*left < 4) {
                *reason = "truncated before a length field";
                return -EBADMSG;
        }
        n = rd32(*p);
        *p += 4;
        *left -= 4;
        if (n > max || n > *left) {
                *reason = n > max ? "string longer than allowed" : "string runs past the frame";
                return -EBADMSG;
        }
        if (memchr(*p, 0, n)) {
                *reason = "NUL byte inside a string";
                return -EBADMSG;
        }
        *ret = (const char *)*p;
        *ret_len = n;
        *p += n;
        *left -= n;
        return 0;
}

static int check_whole(const void *buf, size_t len, CtlKind kind, const char **reason) {
        size_t frame_len;
        int r = ctlproto_frame_check(buf, len, kind, &frame_len, reason);

        if (r == -EAGAIN) {
                *reason = "shorter than the header";
                return -EBADMSG;
        }
        if (r < 0)
                return r;
        if (frame_len != len) {
                *reason = frame_len > len ? "truncated frame" : "bytes after the frame";
                return -EBADMSG;
        }
        return 0;
}

int ctlproto_request_decode(const void *buf, size_t len, CtlRequest *ret, const char **reason) {
        static const char *unused;
        const uint8_t *p = buf;
        size_t left;
        CtlRequest q = {0};
        const CtlCommandInfo *info;
        unsigned n;
        int r;

        if (!reason)
                reason = &unused;
        r = check_whole(buf, len, CTL_KIND_REQUEST, reason);
        if (r < 0)
                return r;
        p += CTL_HEADER_SIZE;
        left = len - CTL_HEADER_SIZE;
        if (left < 4) {
                *reason = "request without a command";
                return -EBADMSG;
        }
        q.command = rd16(p);
        n = rd16(p + 2);
        p += 4;
        left -= 4;
        if (n > CTL_MAX_ARGS) {
                *reason = "too many arguments";
                return -EBADMSG;
        }
        for (unsigned i = 0; i < n; i++) {
                r = take_blob(&p, &left, CTL_MAX_PAYLOAD, &q.args[i].p, &q.args[i].len, reason);
                if (r < 0)
                        return r;
        }
        q.n_args = n;
        if (left != 0) {
                *reason = "bytes after the last argument";
                return -EBADMSG;
        }
        info = ctlproto_command_info(q.command);
        if (!info) {
                *reason = "unknown command";
                return -EOPNOTSUPP;
        }
        if (n < info->min_args || n > info->max_args) {
                *reason = "wrong number of arguments for the command";
                return -EBADMSG;
        }
        *ret = q;
        *reason = NULL;
        return 0;
}

int ctlproto_reply_decode(const void *buf, size_t len, CtlReply *ret, const char **reason) {
        static const char *unused;
        const uint8_t *p = buf;
        size_t left;
        CtlReply y = {0};
        int r;

        if (!reason)
                reason = &unused;
        r = check_whole(buf, len, CTL_KIND_REPLY, reason);
        if (r < 0)
                return r;
        p += CTL_HEADER_SIZE;
        left = len - CTL_HEADER_SIZE;
        if (left < 4) {
                *reason = "reply without a status";
                return -EBADMSG;
        }
        y.status = (int32_t)rd32(p);
        p += 4;
        left -= 4;
        if (y.status < 0 || y.status >= _CTL_STATUS_MAX) {
                *reason = "unknown reply status";
                return -EBADMSG;
        }
        r = take_blob(&p, &left, CTL_MAX_PAYLOAD, &y.body, &y.body_len, reason);
        if (r < 0)
                return r;
        r = take_blob(&p, &left, CTL_MAX_ERROR, &y.error, &y.error_len, reason);
        if (r < 0)
                return r;
        if (left != 0) {
                *reason = "bytes after the error text";
                return -EBADMSG;
        }
        *ret = y;
        *reason = NULL;
        return 0;
}

static bool str_ok(const char *s, size_t n, size_t max) {
        return n <= max && (n == 0 || (s && !memchr(s, 0, n)));
}

static int frame_alloc(CtlKind kind, size_t payload, uint8_t **ret, uint8_t **body) {
        uint8_t *buf, *p;

        if (payload > CTL_MAX_PAYLOAD)
                return -EINVAL;
        buf = malloc(CTL_HEADER_SIZE + payload);
        if (!buf)
                return -ENOMEM;
        p = wr32(buf, CTL_MAGIC);
        *p++ = CTL_VERSION;
        *p++ = (uint8_t)kind;
        p = wr16(p, 0);
        p = wr32(p, (uint32_t)payload);
        *ret = buf;
        *body = p;
        return 0;
}

static uint8_t *put_str(uint8_t *p, const char *s, size_t n) {
        p = wr32(p, (uint32_t)n);
        if (n)
                memcpy(p, s, n);
        return p + n;
}

int ctlproto_request_encode(const CtlRequest *q, uint8_t **ret, size_t *ret_len) {
        size_t payload = 4;
        uint8_t *buf, *p;
        int r;

        if (q->n_args > CTL_MAX_ARGS)
                return -EINVAL;
        for (size_t i = 0; i < q->n_args; i++) {
                if (!str_ok(q->args[i].p, q->args[i].len, CTL_MAX_PAYLOAD))
                        return -EINVAL;
                payload += 4 + q->args[i].len;
                if (payload > CTL_MAX_PAYLOAD)
                        return -EINVAL;
        }
        r = frame_alloc(CTL_KIND_REQUEST, payload, &buf, &p);
        if (r < 0)
                return r;
        p = wr16(p, q->command);
        p = wr16(p, (uint16_t)q->n_args);
        for (size_t i = 0; i < q->n_args; i++)
                p = put_str(p, q->args[i].p, q->args[i].len);
        *ret = buf;
        *ret_len = CTL_HEADER_SIZE + payload;
        return 0;
}

int ctlproto_reply_encode(const CtlReply *y, uint8_t **ret, size_t *ret_len) {
        size_t payload;
        uint8_t *buf, *p;
        int r;

        if (y->status < 0 || y->status >= _CTL_STATUS_MAX ||
            !str_ok(y->body, y->body_len, CTL_MAX_PAYLOAD) ||
            !str_ok(y->error, y->error_len, CTL_MAX_ERROR))
                return -EINVAL;
        payload = 4 + 4 + y->body_len + 4 + y->error_len;
        r = frame_alloc(CTL_KIND_REPLY, payload, &buf, &p);
        if (r < 0)
                return r;
        p = wr32(p, (uint32_t)y->status);
        p = put_str(p, y->body, y->body_len);
        put_str(p, y->error, y->error_len);
        *ret = buf;
        *ret_len = CTL_HEADER_SIZE + payload;
        return 0;
}
