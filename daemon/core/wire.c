/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CPG wire codec: see wire.h and doc/wire-protocol.rst. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/wire.h"

/* Payload sizes without their variable parts. */
#define STATE_SIZE (8 + 8 + 8 + 4 + 4 + 4)
#define CONFIG_FIXED (8 + 8 + 8 + 4)
#define REQUEST_FIXED (8 + 4)
#define EDIT_FIXED (8 + 8 + 4)
#define ACK_FIXED (8 + 4 + 4)
#define RSTATE_FIXED (8 + 4 + 4 + 4 + 4 + 4)
#define ACTION_FIXED (8 + 8 + 4 + 4 + 4 + 4)
#define RESULT_FIXED (8 + 8 + 4 * 8 + 4 + 4)
#define FENCE_FIXED (4 * 4 + 4)
#define NODES_FIXED (4 + 4 + 8 + 8 + 4 + 4)

typedef struct Reader {
        const uint8_t *p;
        size_t left;
        bool short_read; /* a read went past the end: the message is truncated */
} Reader;

static uint64_t get_be(Reader *r, size_t n) {
        uint64_t v = 0;

        if (r->left < n) {
                r->short_read = true;
                r->left = 0;
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                v = v << 8 | r->p[i];
        r->p += n;
        r->left -= n;
        return v;
}

static uint32_t get_u32(Reader *r) {
        return (uint32_t)get_be(r, 4);
}

static uint64_t get_u64(Reader *r) {
        return get_be(r, 8);
}

/* A u32-length-prefixed byte string of at most max bytes without NUL. */
static int get_blob(Reader *r, size_t max, bool allow_empty, const char **ret, size_t *ret_len,
                    const char **reason) {
        uint32_t n = get_u32(r);

        if (r->short_read) {
                *reason = "truncated before a length field";
                return -EBADMSG;
        }
        if (n > max) {
                *reason = "string or document longer than allowed";
                return -EBADMSG;
        }
        if (n > r->left) {
                *reason = "string or document runs past the end of the message";
                return -EBADMSG;
        }
        if (n == 0 && !allow_empty) {
                *reason = "empty document";
                return -EBADMSG;
        }
        if (memchr(r->p, 0, n)) {
                *reason = "NUL byte inside a string or document";
                return -EBADMSG;
        }
        *ret = (const char *)r->p;
        *ret_len = n;
        r->p += n;
        r->left -= n;
        return 0;
}

uint64_t wire_digest(const void *buf, size_t len) {
        const uint8_t *p = buf;
        uint64_t h = 0xcbf29ce484222325ull;

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= 0x100000001b3ull;
        }
        return h;
}

const char *wire_type_to_string(unsigned type) {
        switch (type) {
        case WIRE_STATE:
                return "STATE";
        case WIRE_CONFIG:
                return "CONFIG";
        case WIRE_CONFIG_REQUEST:
                return "CONFIG_REQUEST";
        case WIRE_CONFIG_ACK:
                return "CONFIG_ACK";
        case WIRE_RESOURCE_STATE:
                return "RESOURCE_STATE";
        case WIRE_RESOURCE_RESULT:
                return "RESOURCE_RESULT";
        case WIRE_ACTION:
                return "ACTION";
        case WIRE_FENCE:
                return "FENCE";
        case WIRE_NODES:
                return "NODES";
        case WIRE_LEAVING:
                return "LEAVING";
        case WIRE_CONFIG_EDIT:
                return "CONFIG_EDIT";
        default:
                return "unknown";
        }
}

/* The fixed fields of the executor's messages; the same checks guard the
 * encoder, so a daemon cannot send what its peers would drop. */
static int action_check(const WireAction *a, const char **reason) {
        if (a->op < WIRE_OP_PROBE || a->op > WIRE_OP_CLEANUP) {
                *reason = "ACTION op out of range";
                return -EBADMSG;
        }
        if (a->action_id == 0) {
                *reason = "ACTION id 0";
                return -EBADMSG;
        }
        if (a->blade == 0 && a->op != WIRE_OP_CLEANUP) {
                *reason = "ACTION for node id 0";
                return -EBADMSG;
        }
        bool migration = a->op == WIRE_OP_MIGRATE_TO || a->op == WIRE_OP_MIGRATE_FROM;
        if (migration != (a->peer != 0) || (migration && a->peer == a->blade)) {
                *reason = "ACTION peer does not fit its op";
                return -EBADMSG;
        }
        return 0;
}

static int result_check(const WireResult *x, const char **reason) {
        if (x->blade == 0) {
                *reason = "RESOURCE_RESULT for node id 0";
                return -EBADMSG;
        }
        if (x->op < WIRE_OP_PROBE || x->op >= _WIRE_OP_MAX || x->op == WIRE_OP_CLEANUP) {
                *reason = "RESOURCE_RESULT op out of range";
                return -EBADMSG;
        }
        if ((x->action_id == 0) != (x->origin == 0)) {
                *reason = "RESOURCE_RESULT action id and origin disagree";
                return -EBADMSG;
        }
        if (x->role > WIRE_ROLE_MAX) {
                *reason = "RESOURCE_RESULT role out of range";
                return -EBADMSG;
        }
        if (x->rc < -1 || x->rc > 255) {
                *reason = "RESOURCE_RESULT exit code out of range";
                return -EBADMSG;
        }
        if (x->flags & ~WIRE_RESULT_FLAGS_ALL) {
                *reason = "RESOURCE_RESULT has undefined flag bits";
                return -EBADMSG;
        }
        return 0;
}

static int fence_check(const WireFence *f, const char **reason) {
        if (f->victim == 0) {
                *reason = "FENCE for node id 0";
                return -EBADMSG;
        }
        if (f->flags & ~WIRE_FENCE_FLAGS_ALL) {
                *reason = "FENCE has undefined flag bits";
                return -EBADMSG;
        }
        if (f->rc < -1 || f->rc > 255) {
                *reason = "FENCE exit code out of range";
                return -EBADMSG;
        }
        if (f->attempt == 0) {
                *reason = "FENCE attempt 0";
                return -EBADMSG;
        }
        return 0;
}

static int nodes_check(const WireNodes *n, const char **reason) {
        switch (n->kind) {
        case WIRE_NODES_CHANGE:
                if (n->origin != 0 || n->error != 0) {
                        *reason = "NODES change with an origin or an error";
                        return -EBADMSG;
                }
                return 0;
        case WIRE_NODES_ACK:
                if (n->origin == 0) {
                        *reason = "NODES ack for node id 0";
                        return -EBADMSG;
                }
                if (n->error > 0 || n->error < -4095) {
                        *reason = "NODES ack error is not a negative errno";
                        return -EBADMSG;
                }
                return 0;
        case WIRE_NODES_ANNOUNCE:
                if (n->origin != 0 || n->error != 0 || n->request_id != 0) {
                        *reason = "NODES announce with a request, an origin or an error";
                        return -EBADMSG;
                }
                return 0;
        default:
                *reason = "NODES kind out of range";
                return -EBADMSG;
        }
}

/* How long a NODES message's text may be, by kind (nodes_check passed). */
static size_t nodes_text_max(const WireNodes *n) {
        return n->kind == WIRE_NODES_CHANGE ? WIRE_MAX_NODE_FILE
               : n->kind == WIRE_NODES_ACK  ? WIRE_MAX_TEXT
                                            : 0;
}

static int decode_payload(Reader *r, WireMessage *m, const char **reason) {
        int k;

        switch (m->type) {
        case WIRE_STATE:
                if (r->left != STATE_SIZE) {
                        *reason = "STATE payload has the wrong size";
                        return -EBADMSG;
                }
                m->state.round = get_u64(r);
                m->state.epoch = get_u64(r);
                m->state.digest = get_u64(r);
                m->state.flags = get_u32(r);
                m->state.n_blades = get_u32(r);
                m->state.proto_max = get_u32(r);
                if (m->state.flags & ~WIRE_STATE_FLAGS_ALL) {
                        *reason = "STATE has undefined flag bits";
                        return -EBADMSG;
                }
                if (m->state.proto_max < WIRE_VERSION) {
                        *reason = "STATE claims a highest version below its own";
                        return -EBADMSG;
                }
                return 0;
        case WIRE_CONFIG:
                if (r->left < CONFIG_FIXED) {
                        *reason = "CONFIG payload truncated";
                        return -EBADMSG;
                }
                m->config.round = get_u64(r);
                m->config.epoch = get_u64(r);
                m->config.digest = get_u64(r);
                k = get_blob(r, WIRE_MAX_DOC, false, &m->config.doc, &m->config.doc_len, reason);
                if (k < 0)
                        return k;
                if (wire_digest(m->config.doc, m->config.doc_len) != m->config.digest) {
                        *reason = "CONFIG digest does not match its document";
                        return -EBADMSG;
                }
                break;
        case WIRE_CONFIG_REQUEST:
                if (r->left < REQUEST_FIXED) {
                        *reason = "CONFIG_REQUEST payload truncated";
                        return -EBADMSG;
                }
                m->request.request_id = get_u64(r);
                k = get_blob(r, WIRE_MAX_DOC, false, &m->request.doc, &m->request.doc_len, reason);
                if (k < 0)
                        return k;
                break;
        case WIRE_CONFIG_EDIT:
                if (r->left < EDIT_FIXED) {
                        *reason = "CONFIG_EDIT payload truncated";
                        return -EBADMSG;
                }
                m->request.request_id = get_u64(r);
                m->request.base_epoch = get_u64(r);
                m->request.based = true;
                k = get_blob(r, WIRE_MAX_DOC, false, &m->request.doc, &m->request.doc_len, reason);
                if (k < 0)
                        return k;
                break;
        case WIRE_CONFIG_ACK:
                if (r->left < ACK_FIXED) {
                        *reason = "CONFIG_ACK payload truncated";
                        return -EBADMSG;
                }
                m->ack.epoch = get_u64(r);
                m->ack.error = (int32_t)get_u32(r);
                if (m->ack.error > 0 || m->ack.error < -4095) {
                        *reason = "CONFIG_ACK error is not a negative errno";
                        return -EBADMSG;
                }
                k = get_blob(r, WIRE_MAX_TEXT, true, &m->ack.msg, &m->ack.msg_len, reason);
                if (k < 0)
                        return k;
                break;
        case WIRE_RESOURCE_STATE:
                if (r->left < RSTATE_FIXED) {
                        *reason = "RESOURCE_STATE payload truncated";
                        return -EBADMSG;
                }
                m->rstate.epoch = get_u64(r);
                m->rstate.blade = get_u32(r);
                m->rstate.role = get_u32(r);
                m->rstate.rc = (int32_t)get_u32(r);
                if (m->rstate.blade == 0) {
                        *reason = "RESOURCE_STATE for node id 0";
                        return -EBADMSG;
                }
                if (m->rstate.role > WIRE_ROLE_MAX) {
                        *reason = "RESOURCE_STATE role out of range";
                        return -EBADMSG;
                }
                if (m->rstate.rc < -1 || m->rstate.rc > 255) {
                        *reason = "RESOURCE_STATE exit code out of range";
                        return -EBADMSG;
                }
                k = get_blob(r, WIRE_MAX_RSC_ID, false, &m->rstate.rsc, &m->rstate.rsc_len, reason);
                if (k < 0)
                        return k;
                k = get_blob(r, WIRE_MAX_TEXT, true, &m->rstate.reason, &m->rstate.reason_len,
                             reason);
                if (k < 0)
                        return k;
                break;
        case WIRE_ACTION:
                if (r->left < ACTION_FIXED) {
                        *reason = "ACTION payload truncated";
                        return -EBADMSG;
                }
                m->action.epoch = get_u64(r);
                m->action.action_id = get_u64(r);
                m->action.op = get_u32(r);
                m->action.blade = get_u32(r);
                m->action.peer = get_u32(r);
                k = action_check(&m->action, reason);
                if (k < 0)
                        return k;
                k = get_blob(r, WIRE_MAX_RSC_ID, false, &m->action.rsc, &m->action.rsc_len, reason);
                if (k < 0)
                        return k;
                break;
        case WIRE_RESOURCE_RESULT:
                if (r->left < RESULT_FIXED) {
                        *reason = "RESOURCE_RESULT payload truncated";
                        return -EBADMSG;
                }
                m->result.epoch = get_u64(r);
                m->result.action_id = get_u64(r);
                m->result.origin = get_u32(r);
                m->result.blade = get_u32(r);
                m->result.op = get_u32(r);
                m->result.role = get_u32(r);
                m->result.rc = (int32_t)get_u32(r);
                m->result.failcount = get_u32(r);
                m->result.flags = get_u32(r);
                m->result.duration_ms = get_u32(r);
                k = result_check(&m->result, reason);
                if (k < 0)
                        return k;
                k = get_blob(r, WIRE_MAX_RSC_ID, false, &m->result.rsc, &m->result.rsc_len, reason);
                if (k < 0)
                        return k;
                k = get_blob(r, WIRE_MAX_TEXT, true, &m->result.reason, &m->result.reason_len,
                             reason);
                if (k < 0)
                        return k;
                break;
        case WIRE_NODES:
                if (r->left < NODES_FIXED) {
                        *reason = "NODES payload truncated";
                        return -EBADMSG;
                }
                m->nodes.kind = get_u32(r);
                m->nodes.origin = get_u32(r);
                m->nodes.request_id = get_u64(r);
                m->nodes.digest = get_u64(r);
                m->nodes.error = (int32_t)get_u32(r);
                k = nodes_check(&m->nodes, reason);
                if (k < 0)
                        return k;
                k = get_blob(r, nodes_text_max(&m->nodes), m->nodes.kind != WIRE_NODES_CHANGE,
                             &m->nodes.text, &m->nodes.text_len, reason);
                if (k < 0)
                        return k;
                break;
        case WIRE_FENCE:
                if (r->left < FENCE_FIXED) {
                        *reason = "FENCE payload truncated";
                        return -EBADMSG;
                }
                m->fence.victim = get_u32(r);
                m->fence.flags = get_u32(r);
                m->fence.rc = (int32_t)get_u32(r);
                m->fence.attempt = get_u32(r);
                k = fence_check(&m->fence, reason);
                if (k < 0)
                        return k;
                k = get_blob(r, WIRE_MAX_TEXT, true, &m->fence.reason, &m->fence.reason_len,
                             reason);
                if (k < 0)
                        return k;
                break;
        case WIRE_LEAVING:
                break; /* no payload: the trailing-bytes check below is the whole check */
        default:
                *reason = "message type not handled by this version";
                return -EOPNOTSUPP;
        }
        if (r->left != 0) {
                *reason = "trailing bytes after the payload";
                return -EBADMSG;
        }
        return 0;
}

int wire_decode(const void *buf, size_t len, WireMessage *ret, const char **reason) {
        static const char *unused;
        Reader r = {.p = buf, .left = len};
        WireMessage m = {0};
        uint32_t magic, length;
        uint8_t version;

        if (!reason)
                reason = &unused;
        if (!buf || len < WIRE_HEADER_SIZE) {
                *reason = "shorter than the header";
                return -EBADMSG;
        }
        magic = get_u32(&r);
        version = (uint8_t)get_be(&r, 1);
        m.type = (uint8_t)get_be(&r, 1);
        m.flags = (uint16_t)get_be(&r, 2);
        length = get_u32(&r);
        m.nodeid = get_u32(&r);
        if (magic != WIRE_MAGIC) {
                *reason = "bad magic: not a bladed message";
                return -EBADMSG;
        }
        if (version != WIRE_VERSION) {
                *reason = "protocol version mismatch";
                return -EPROTO;
        }
        if (m.flags != 0) {
                *reason = "undefined header flags set";
                return -EBADMSG;
        }
        if (length > WIRE_MAX_PAYLOAD) {
                *reason = "payload length over the limit";
                return -EBADMSG;
        }
        if (length != r.left) {
                *reason = length > r.left ? "truncated: shorter than its length field"
                                          : "longer than its length field";
                return -EBADMSG;
        }
        if (m.nodeid == 0) {
                *reason = "sender node id 0";
                return -EBADMSG;
        }
        int k = decode_payload(&r, &m, reason);
        if (k < 0)
                return k;
        *ret = m;
        *reason = NULL;
        return 0;
}

typedef struct Writer {
        uint8_t *p;
} Writer;

static void put_be(Writer *w, uint64_t v, size_t n) {
        for (size_t i = 0; i < n; i++)
                w->p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
        w->p += n;
}

static void put_blob(Writer *w, const char *s, size_t n) {
        put_be(w, n, 4);
        if (n)
                memcpy(w->p, s, n);
        w->p += n;
}

static bool blob_ok(const char *s, size_t n, size_t max, bool allow_empty) {
        if (n > max || (n == 0 && !allow_empty) || (n > 0 && !s))
                return false;
        return n == 0 || !memchr(s, 0, n);
}

int wire_encode(const WireMessage *m, uint8_t **ret, size_t *ret_len) {
        const char *why;
        size_t payload;
        uint8_t *buf;
        Writer w;

        if (m->nodeid == 0)
                return -EINVAL;
        switch (m->type) {
        case WIRE_STATE:
                if (m->state.flags & ~WIRE_STATE_FLAGS_ALL)
                        return -EINVAL;
                payload = STATE_SIZE;
                break;
        case WIRE_CONFIG:
                if (!blob_ok(m->config.doc, m->config.doc_len, WIRE_MAX_DOC, false))
                        return -EINVAL;
                payload = CONFIG_FIXED + m->config.doc_len;
                break;
        case WIRE_CONFIG_REQUEST:
                if (!blob_ok(m->request.doc, m->request.doc_len, WIRE_MAX_DOC, false))
                        return -EINVAL;
                payload = REQUEST_FIXED + m->request.doc_len;
                break;
        case WIRE_CONFIG_EDIT:
                if (!blob_ok(m->request.doc, m->request.doc_len, WIRE_MAX_DOC, false))
                        return -EINVAL;
                payload = EDIT_FIXED + m->request.doc_len;
                break;
        case WIRE_CONFIG_ACK:
                if (!blob_ok(m->ack.msg, m->ack.msg_len, WIRE_MAX_TEXT, true) || m->ack.error > 0 ||
                    m->ack.error < -4095)
                        return -EINVAL;
                payload = ACK_FIXED + m->ack.msg_len;
                break;
        case WIRE_RESOURCE_STATE:
                if (!blob_ok(m->rstate.rsc, m->rstate.rsc_len, WIRE_MAX_RSC_ID, false) ||
                    !blob_ok(m->rstate.reason, m->rstate.reason_len, WIRE_MAX_TEXT, true) ||
                    m->rstate.blade == 0 || m->rstate.role > WIRE_ROLE_MAX || m->rstate.rc < -1 ||
                    m->rstate.rc > 255)
                        return -EINVAL;
                payload = RSTATE_FIXED + m->rstate.rsc_len + m->rstate.reason_len;
                break;
        case WIRE_ACTION:
                if (action_check(&m->action, &why) < 0 ||
                    !blob_ok(m->action.rsc, m->action.rsc_len, WIRE_MAX_RSC_ID, false))
                        return -EINVAL;
                payload = ACTION_FIXED + m->action.rsc_len;
                break;
        case WIRE_RESOURCE_RESULT:
                if (result_check(&m->result, &why) < 0 ||
                    !blob_ok(m->result.rsc, m->result.rsc_len, WIRE_MAX_RSC_ID, false) ||
                    !blob_ok(m->result.reason, m->result.reason_len, WIRE_MAX_TEXT, true))
                        return -EINVAL;
                payload = RESULT_FIXED + m->result.rsc_len + m->result.reason_len;
                break;
        case WIRE_NODES:
                if (nodes_check(&m->nodes, &why) < 0 ||
                    !blob_ok(m->nodes.text, m->nodes.text_len, nodes_text_max(&m->nodes),
                             m->nodes.kind != WIRE_NODES_CHANGE))
                        return -EINVAL;
                payload = NODES_FIXED + m->nodes.text_len;
                break;
        case WIRE_FENCE:
                if (fence_check(&m->fence, &why) < 0 ||
                    !blob_ok(m->fence.reason, m->fence.reason_len, WIRE_MAX_TEXT, true))
                        return -EINVAL;
                payload = FENCE_FIXED + m->fence.reason_len;
                break;
        case WIRE_LEAVING:
                payload = 0;
                break;
        default:
                return -EINVAL;
        }

        buf = malloc(WIRE_HEADER_SIZE + payload);
        if (!buf)
                return -ENOMEM;
        w.p = buf;
        put_be(&w, WIRE_MAGIC, 4);
        put_be(&w, WIRE_VERSION, 1);
        put_be(&w, m->type, 1);
        put_be(&w, 0, 2);
        put_be(&w, payload, 4);
        put_be(&w, m->nodeid, 4);
        switch (m->type) {
        case WIRE_STATE:
                put_be(&w, m->state.round, 8);
                put_be(&w, m->state.epoch, 8);
                put_be(&w, m->state.digest, 8);
                put_be(&w, m->state.flags, 4);
                put_be(&w, m->state.n_blades, 4);
                put_be(&w, m->state.proto_max < WIRE_VERSION ? WIRE_VERSION : m->state.proto_max,
                       4);
                break;
        case WIRE_CONFIG:
                put_be(&w, m->config.round, 8);
                put_be(&w, m->config.epoch, 8);
                /* The digest is always the document's own: a sender cannot lie by mistake. */
                put_be(&w, wire_digest(m->config.doc, m->config.doc_len), 8);
                put_blob(&w, m->config.doc, m->config.doc_len);
                break;
        case WIRE_CONFIG_REQUEST:
                put_be(&w, m->request.request_id, 8);
                put_blob(&w, m->request.doc, m->request.doc_len);
                break;
        case WIRE_CONFIG_EDIT:
                put_be(&w, m->request.request_id, 8);
                put_be(&w, m->request.base_epoch, 8);
                put_blob(&w, m->request.doc, m->request.doc_len);
                break;
        case WIRE_CONFIG_ACK:
                put_be(&w, m->ack.epoch, 8);
                put_be(&w, (uint32_t)m->ack.error, 4);
                put_blob(&w, m->ack.msg, m->ack.msg_len);
                break;
        case WIRE_RESOURCE_STATE:
                put_be(&w, m->rstate.epoch, 8);
                put_be(&w, m->rstate.blade, 4);
                put_be(&w, m->rstate.role, 4);
                put_be(&w, (uint32_t)m->rstate.rc, 4);
                put_blob(&w, m->rstate.rsc, m->rstate.rsc_len);
                put_blob(&w, m->rstate.reason, m->rstate.reason_len);
                break;
        case WIRE_ACTION:
                put_be(&w, m->action.epoch, 8);
                put_be(&w, m->action.action_id, 8);
                put_be(&w, m->action.op, 4);
                put_be(&w, m->action.blade, 4);
                put_be(&w, m->action.peer, 4);
                put_blob(&w, m->action.rsc, m->action.rsc_len);
                break;
        case WIRE_RESOURCE_RESULT:
                put_be(&w, m->result.epoch, 8);
                put_be(&w, m->result.action_id, 8);
                put_be(&w, m->result.origin, 4);
                put_be(&w, m->result.blade, 4);
                put_be(&w, m->result.op, 4);
                put_be(&w, m->result.role, 4);
                put_be(&w, (uint32_t)m->result.rc, 4);
                put_be(&w, m->result.failcount, 4);
                put_be(&w, m->result.flags, 4);
                put_be(&w, m->result.duration_ms, 4);
                put_blob(&w, m->result.rsc, m->result.rsc_len);
                put_blob(&w, m->result.reason, m->result.reason_len);
                break;
        case WIRE_NODES:
                put_be(&w, m->nodes.kind, 4);
                put_be(&w, m->nodes.origin, 4);
                put_be(&w, m->nodes.request_id, 8);
                put_be(&w, m->nodes.digest, 8);
                put_be(&w, (uint32_t)m->nodes.error, 4);
                put_blob(&w, m->nodes.text, m->nodes.text_len);
                break;
        case WIRE_FENCE:
                put_be(&w, m->fence.victim, 4);
                put_be(&w, m->fence.flags, 4);
                put_be(&w, (uint32_t)m->fence.rc, 4);
                put_be(&w, m->fence.attempt, 4);
                put_blob(&w, m->fence.reason, m->fence.reason_len);
                break;
        }
        *ret = buf;
        *ret_len = WIRE_HEADER_SIZE + payload;
        return 0;
}
