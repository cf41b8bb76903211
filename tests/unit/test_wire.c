/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the CPG wire codec (wire.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bladed/wire.h"

static uint8_t *encode(const WireMessage *m, size_t *len) {
        uint8_t *buf = NULL;
        assert_int_equal(wire_encode(m, &buf, len), 0);
        return buf;
}

static void put32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

static void test_wire_state_round_trips_big_endian(void **state) {
        WireMessage m = {.type = WIRE_STATE, .nodeid = 3}, d;
        const char *why;
        size_t len;

        m.state = (WireState){.round = 0x0102030405060708ull,
                              .epoch = 7,
                              .digest = 99,
                              .flags = WIRE_STATE_AUTHORITATIVE | WIRE_STATE_SYNCED,
                              .n_blades = 3,
                              .proto_max = 1};
        uint8_t *b = encode(&m, &len);
        assert_int_equal(len, WIRE_HEADER_SIZE + 36);
        /* magic "BLAD", version, type, flags, length, node id: big-endian */
        assert_memory_equal(b, "BLAD", 4);
        assert_int_equal(b[4], WIRE_VERSION);
        assert_int_equal(b[5], WIRE_STATE);
        assert_int_equal(b[6] | b[7], 0);
        assert_int_equal(b[11], 36);
        assert_int_equal(b[15], 3);
        assert_int_equal(b[16], 0x01);
        assert_int_equal(b[23], 0x08);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_null(why);
        assert_int_equal(d.type, WIRE_STATE);
        assert_int_equal(d.nodeid, 3);
        assert_true(d.state.round == m.state.round);
        assert_int_equal(d.state.epoch, 7);
        assert_int_equal(d.state.digest, 99);
        assert_int_equal(d.state.flags, m.state.flags);
        assert_int_equal(d.state.n_blades, 3);
        free(b);
}

static void test_wire_config_request_ack_round_trip(void **state) {
        const char *doc = "<bladed-config epoch=\"4\"/>";
        WireMessage m = {.type = WIRE_CONFIG, .nodeid = 2}, d;
        const char *why;
        size_t len;
        uint8_t *b;

        m.config = (WireConfig){.round = 5, .epoch = 4, .doc = doc, .doc_len = strlen(doc)};
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.config.epoch, 4);
        assert_int_equal(d.config.round, 5);
        assert_true(d.config.digest == wire_digest(doc, strlen(doc)));
        assert_int_equal(d.config.doc_len, strlen(doc));
        assert_memory_equal(d.config.doc, doc, strlen(doc));
        free(b);

        m = (WireMessage){.type = WIRE_CONFIG_REQUEST, .nodeid = 9};
        m.request = (WireRequest){.request_id = 42, .doc = doc, .doc_len = strlen(doc)};
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.request.request_id, 42);
        assert_memory_equal(d.request.doc, doc, strlen(doc));
        free(b);

        m = (WireMessage){.type = WIRE_CONFIG_ACK, .nodeid = 1};
        m.ack = (WireAck){.epoch = 8, .error = -ENOSPC, .msg = "disk full", .msg_len = 9};
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.ack.epoch, 8);
        assert_int_equal(d.ack.error, -ENOSPC);
        assert_int_equal(d.ack.msg_len, 9);
        free(b);

        m.ack = (WireAck){.epoch = 8};
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.ack.msg_len, 0);
        free(b);
}

static void test_wire_every_truncation_is_rejected(void **state) {
        const char *doc = "<bladed-config/>";
        WireMessage m = {.type = WIRE_CONFIG, .nodeid = 2}, d;
        const char *why;
        size_t len;

        m.config = (WireConfig){.epoch = 1, .doc = doc, .doc_len = strlen(doc)};
        uint8_t *b = encode(&m, &len);
        for (size_t n = 0; n < len; n++) {
                why = NULL;
                assert_int_equal(wire_decode(b, n, &d, &why), -EBADMSG);
                assert_non_null(why);
        }
        free(b);
}

static void test_wire_garbled_header_fields(void **state) {
        WireMessage m = {.type = WIRE_STATE, .nodeid = 1}, d;
        const char *why;
        size_t len;
        uint8_t *b = encode(&m, &len);
        uint8_t *t = malloc(len + 8);

        /* foreign: another magic */
        memcpy(t, b, len);
        memcpy(t, "PCMK", 4);
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);
        assert_string_equal(why, "bad magic: not a bladed message");

        /* version mismatch is its own error */
        memcpy(t, b, len);
        t[4] = WIRE_VERSION + 1;
        assert_int_equal(wire_decode(t, len, &d, &why), -EPROTO);

        /* undefined flags */
        memcpy(t, b, len);
        t[7] = 1;
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);

        /* length field says more than there is, and less */
        memcpy(t, b, len);
        put32(t + 8, 37);
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);
        memcpy(t, b, len);
        memset(t + len, 0, 8);
        assert_int_equal(wire_decode(t, len + 8, &d, &why), -EBADMSG);

        /* oversize length field, whatever the buffer */
        memcpy(t, b, len);
        put32(t + 8, WIRE_MAX_PAYLOAD + 1);
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);
        assert_string_equal(why, "payload length over the limit");

        /* node id 0 */
        memcpy(t, b, len);
        put32(t + 12, 0);
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);

        /* undefined STATE flag bits */
        memcpy(t, b, len);
        t[WIRE_HEADER_SIZE + 24 + 3] = 0x80;
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);

        /* unknown and reserved types: dropped, distinguishable */
        memcpy(t, b, len);
        t[5] = 200;
        assert_int_equal(wire_decode(t, len, &d, &why), -EOPNOTSUPP);
        t[5] = 22; /* not assigned */
        assert_int_equal(wire_decode(t, len, &d, &why), -EOPNOTSUPP);
        t[5] = WIRE_NODES; /* a STATE payload is no NODES payload */
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);

        assert_int_equal(wire_decode(NULL, 0, &d, &why), -EBADMSG);
        assert_int_equal(wire_decode(t, 3, &d, NULL), -EBADMSG);
        free(t);
        free(b);
}

static void test_wire_config_digest_and_blob_checks(void **state) {
        const char *doc = "<bladed-config/>";
        WireMessage m = {.type = WIRE_CONFIG, .nodeid = 2}, d;
        const char *why;
        size_t len;

        m.config = (WireConfig){.epoch = 1, .doc = doc, .doc_len = strlen(doc)};
        uint8_t *b = encode(&m, &len);
        size_t doc_off = WIRE_HEADER_SIZE + 28;

        /* one flipped bit in the document: the digest catches it */
        b[doc_off + 3] ^= 0x10;
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        assert_string_equal(why, "CONFIG digest does not match its document");
        b[doc_off + 3] ^= 0x10;

        /* a NUL inside the document */
        b[doc_off + 3] = 0;
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        free(b);

        /* blob length larger than the rest of the message */
        m = (WireMessage){.type = WIRE_CONFIG_REQUEST, .nodeid = 2};
        m.request = (WireRequest){.request_id = 1, .doc = doc, .doc_len = strlen(doc)};
        b = encode(&m, &len);
        put32(b + WIRE_HEADER_SIZE + 8, (uint32_t)strlen(doc) + 1);
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        /* and an empty document */
        put32(b + WIRE_HEADER_SIZE + 8, 0);
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        free(b);

        /* ack error must be a negative errno */
        m = (WireMessage){.type = WIRE_CONFIG_ACK, .nodeid = 2};
        m.ack = (WireAck){.epoch = 1};
        b = encode(&m, &len);
        put32(b + WIRE_HEADER_SIZE + 8, 5);
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        free(b);
}

static void test_wire_encode_refuses_what_decode_would_refuse(void **state) {
        WireMessage m = {.type = WIRE_CONFIG_REQUEST, .nodeid = 1};
        uint8_t *b = NULL;
        size_t len;
        char *big = malloc(WIRE_MAX_DOC + 1);

        m.request = (WireRequest){.doc = "", .doc_len = 0};
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        m.request = (WireRequest){.doc = "a\0b", .doc_len = 3};
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        memset(big, 'x', WIRE_MAX_DOC + 1);
        m.request = (WireRequest){.doc = big, .doc_len = WIRE_MAX_DOC + 1};
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        /* exactly the maximum is fine, and decodes */
        m.request.doc_len = WIRE_MAX_DOC;
        assert_int_equal(wire_encode(&m, &b, &len), 0);
        WireMessage d;
        assert_int_equal(wire_decode(b, len, &d, NULL), 0);
        assert_int_equal(d.request.doc_len, WIRE_MAX_DOC);
        free(b);
        free(big);

        m = (WireMessage){.type = WIRE_FENCE, .nodeid = 1};
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        m = (WireMessage){.type = WIRE_STATE, .nodeid = 0};
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        m = (WireMessage){.type = WIRE_STATE, .nodeid = 1};
        m.state.flags = 0x100;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
}

static void test_wire_resource_state(void **state) {
        WireMessage m = {.type = WIRE_RESOURCE_STATE, .nodeid = 2}, d;
        const char *why;
        size_t len;

        m.rstate = (WireResourceState){.epoch = 9,
                                       .blade = 2,
                                       .role = 3,
                                       .rc = -1,
                                       .rsc = "web-ip",
                                       .rsc_len = 6,
                                       .reason = "timed out",
                                       .reason_len = 9};
        uint8_t *b = encode(&m, &len);
        assert_int_equal(len, WIRE_HEADER_SIZE + 28 + 6 + 9);
        assert_int_equal(b[5], WIRE_RESOURCE_STATE);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.rstate.epoch, 9);
        assert_int_equal(d.rstate.blade, 2);
        assert_int_equal(d.rstate.role, 3);
        assert_int_equal(d.rstate.rc, -1);
        assert_int_equal(d.rstate.rsc_len, 6);
        assert_memory_equal(d.rstate.rsc, "web-ip", 6);
        assert_int_equal(d.rstate.reason_len, 9);
        assert_memory_equal(d.rstate.reason, "timed out", 9);
        /* every truncation fails */
        for (size_t n = 0; n < len; n++) {
                uint8_t *t = malloc(len);
                memcpy(t, b, len);
                put32(t + 8, (uint32_t)(n > WIRE_HEADER_SIZE ? n - WIRE_HEADER_SIZE : 0));
                assert_int_equal(wire_decode(t, n, &d, &why), -EBADMSG);
                free(t);
        }
        /* role out of range (offset header + 12), rc out of range, blade 0 */
        b[WIRE_HEADER_SIZE + 15] = 6;
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        assert_non_null(strstr(why, "role"));
        b[WIRE_HEADER_SIZE + 15] = 1;
        put32(b + WIRE_HEADER_SIZE + 16, 256);
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        put32(b + WIRE_HEADER_SIZE + 16, 0xfffffffeu); /* -2 */
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        put32(b + WIRE_HEADER_SIZE + 16, 7);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        put32(b + WIRE_HEADER_SIZE + 8, 0);
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        put32(b + WIRE_HEADER_SIZE + 8, 2);
        /* empty resource id: length 0 then the reason would be misread */
        put32(b + WIRE_HEADER_SIZE + 20, 0);
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        free(b);

        /* encode refuses what decode would refuse */
        uint8_t *o = NULL;
        size_t ol;
        WireMessage bad = m;
        bad.rstate.rsc_len = 0;
        assert_int_equal(wire_encode(&bad, &o, &ol), -EINVAL);
        bad = m;
        bad.rstate.role = 6;
        assert_int_equal(wire_encode(&bad, &o, &ol), -EINVAL);
        bad = m;
        bad.rstate.rc = 300;
        assert_int_equal(wire_encode(&bad, &o, &ol), -EINVAL);
        bad = m;
        bad.rstate.blade = 0;
        assert_int_equal(wire_encode(&bad, &o, &ol), -EINVAL);
        bad = m;
        bad.rstate.rsc = "a\0b";
        bad.rstate.rsc_len = 3;
        assert_int_equal(wire_encode(&bad, &o, &ol), -EINVAL);
        assert_null(o);
}

/* Every truncation of a message must be refused (not read past the end). */
static void assert_truncations_refused(const uint8_t *b, size_t len) {
        WireMessage d;
        for (size_t n = 0; n < len; n++) {
                uint8_t *t = malloc(n ? n : 1);
                assert_non_null(t);
                memcpy(t, b, n);
                if (n >= WIRE_HEADER_SIZE)
                        put32(t + 8, (uint32_t)(n - WIRE_HEADER_SIZE));
                assert_int_equal(wire_decode(t, n, &d, NULL), -EBADMSG);
                free(t);
        }
}

static void test_wire_action(void **state) {
        WireMessage m = {.type = WIRE_ACTION, .nodeid = 1}, d;
        const char *why;
        uint8_t *b;
        size_t len;

        (void)state;
        m.action = (WireAction){.epoch = 9,
                                .action_id = 0x1122334455667788ull,
                                .op = WIRE_OP_MIGRATE_TO,
                                .blade = 2,
                                .peer = 3,
                                .rsc = "vm-ldap",
                                .rsc_len = 7};
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.action.epoch, 9);
        assert_true(d.action.action_id == 0x1122334455667788ull);
        assert_int_equal(d.action.op, WIRE_OP_MIGRATE_TO);
        assert_int_equal(d.action.blade, 2);
        assert_int_equal(d.action.peer, 3);
        assert_int_equal(d.action.rsc_len, 7);
        assert_memory_equal(d.action.rsc, "vm-ldap", 7);
        assert_truncations_refused(b, len);

        /* op out of range, then a peer on a start */
        put32(b + WIRE_HEADER_SIZE + 16, 7);
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        put32(b + WIRE_HEADER_SIZE + 16, WIRE_OP_START);
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        assert_string_equal(why, "ACTION peer does not fit its op");
        free(b);

        /* the encoder refuses the same things */
        m.action.peer = 2; /* migration to itself */
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        m.action = (WireAction){
                .action_id = 1, .op = WIRE_OP_START, .blade = 0, .rsc = "x", .rsc_len = 1};
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        m.action.op = WIRE_OP_CLEANUP; /* blade 0 = every blade: allowed for cleanup */
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        free(b);
        m.action.action_id = 0;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
}

static void test_wire_result_and_fence(void **state) {
        WireMessage m = {.type = WIRE_RESOURCE_RESULT, .nodeid = 2}, d;
        const char *why;
        uint8_t *b;
        size_t len;

        (void)state;
        m.result = (WireResult){.epoch = 4,
                                .action_id = 77,
                                .origin = 1,
                                .blade = 2,
                                .op = WIRE_OP_START,
                                .role = 3,
                                .rc = 1,
                                .failcount = 2,
                                .flags = WIRE_RESULT_BANNED | WIRE_RESULT_NEW_FAILURE,
                                .duration_ms = 1234,
                                .rsc = "vip-mx1",
                                .rsc_len = 7,
                                .reason = "no such nic",
                                .reason_len = 11};
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.result.action_id, 77);
        assert_int_equal(d.result.origin, 1);
        assert_int_equal(d.result.role, 3);
        assert_int_equal(d.result.rc, 1);
        assert_int_equal(d.result.failcount, 2);
        assert_int_equal(d.result.flags, WIRE_RESULT_BANNED | WIRE_RESULT_NEW_FAILURE);
        assert_int_equal(d.result.duration_ms, 1234);
        assert_memory_equal(d.result.reason, "no such nic", 11);
        assert_truncations_refused(b, len);
        /* an action id without its origin */
        put32(b + WIRE_HEADER_SIZE + 16, 0);
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        free(b);
        m.result.rc = 256;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        m.result.rc = 0;
        m.result.op = WIRE_OP_CLEANUP; /* cleanups have no result of their own */
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        m.result.op = WIRE_OP_MONITOR;
        m.result.flags = 0x100;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);

        m = (WireMessage){.type = WIRE_FENCE, .nodeid = 1};
        m.fence = (WireFence){.victim = 3,
                              .flags = WIRE_FENCE_OK,
                              .rc = 0,
                              .attempt = 2,
                              .reason = "fence_ipmilan off: ok",
                              .reason_len = 21};
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.fence.victim, 3);
        assert_int_equal(d.fence.flags, WIRE_FENCE_OK);
        assert_int_equal(d.fence.attempt, 2);
        assert_truncations_refused(b, len);
        put32(b + WIRE_HEADER_SIZE + 4, 0x10); /* undefined flag */
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        free(b);

        /* CONFIG_EDIT: a request with the epoch it was made on */
        m = (WireMessage){.type = WIRE_CONFIG_EDIT, .nodeid = 3};
        m.request = (WireRequest){
                .request_id = 5, .based = true, .base_epoch = 41, .doc = "<x/>", .doc_len = 4};
        b = encode(&m, &len);
        assert_int_equal(len, WIRE_HEADER_SIZE + 8 + 8 + 4 + 4);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_true(d.request.based);
        assert_int_equal(d.request.base_epoch, 41);
        assert_int_equal(d.request.request_id, 5);
        assert_memory_equal(d.request.doc, "<x/>", 4);
        assert_truncations_refused(b, len);
        free(b);
        m.request.doc_len = 0;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);

        /* LEAVING: a header and nothing else */
        m = (WireMessage){.type = WIRE_LEAVING, .nodeid = 2};
        b = encode(&m, &len);
        assert_int_equal(len, WIRE_HEADER_SIZE);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.type, WIRE_LEAVING);
        free(b);
        uint8_t extra[WIRE_HEADER_SIZE + 1] = {0};
        m.type = WIRE_LEAVING;
        b = encode(&m, &len);
        memcpy(extra, b, len);
        put32(extra + 8, 1);
        assert_int_equal(wire_decode(extra, sizeof(extra), &d, &why), -EBADMSG);
        free(b);
}

static void test_wire_nodes_change_ack_announce(void **state) {
        static const char file[] = "cluster:\n\tnode_count = 1\n\tname = c\n\n";
        WireMessage m = {.type = WIRE_NODES, .nodeid = 3}, d;
        const char *why;
        uint8_t *b, *t;
        size_t len;

        /* CHANGE: the layout, byte by byte */
        m.nodes = (WireNodes){.kind = WIRE_NODES_CHANGE,
                              .request_id = 0x0102030405060708ull,
                              .digest = 0x1122334455667788ull,
                              .text = file,
                              .text_len = strlen(file)};
        b = encode(&m, &len);
        assert_int_equal(len, WIRE_HEADER_SIZE + 32 + strlen(file));
        assert_int_equal(b[5], 19);
        assert_int_equal(b[WIRE_HEADER_SIZE + 3], WIRE_NODES_CHANGE);
        assert_int_equal(b[WIRE_HEADER_SIZE + 8], 0x01);
        assert_int_equal(b[WIRE_HEADER_SIZE + 16], 0x11);
        assert_int_equal(b[WIRE_HEADER_SIZE + 31], strlen(file));
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.type, WIRE_NODES);
        assert_int_equal(d.nodes.kind, WIRE_NODES_CHANGE);
        assert_true(d.nodes.request_id == 0x0102030405060708ull);
        assert_true(d.nodes.digest == 0x1122334455667788ull);
        assert_int_equal(d.nodes.text_len, strlen(file));
        assert_memory_equal(d.nodes.text, file, strlen(file));
        assert_string_equal(wire_type_to_string(WIRE_NODES), "NODES");
        for (size_t cut = 0; cut < len; cut++) {
                /* every truncation, with a length field that admits it or not */
                assert_int_equal(wire_decode(b, cut, &d, &why), -EBADMSG);
                t = malloc(len);
                memcpy(t, b, cut);
                put32(t + 8, (uint32_t)(cut > WIRE_HEADER_SIZE ? cut - WIRE_HEADER_SIZE : 0));
                if (cut >= WIRE_HEADER_SIZE)
                        assert_int_equal(wire_decode(t, cut, &d, &why), -EBADMSG);
                free(t);
        }
        t = malloc(len + 1);
        memcpy(t, b, len);
        t[len] = 'x';
        put32(t + 8, (uint32_t)(len + 1 - WIRE_HEADER_SIZE));
        assert_int_equal(wire_decode(t, len + 1, &d, &why), -EBADMSG); /* trailing byte */
        memcpy(t, b, len);
        put32(t + WIRE_HEADER_SIZE, 0); /* kind 0 */
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);
        put32(t + WIRE_HEADER_SIZE, 4); /* kind 4 */
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);
        memcpy(t, b, len);
        put32(t + WIRE_HEADER_SIZE + 4, 2); /* a change names no origin */
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);
        memcpy(t, b, len);
        put32(t + WIRE_HEADER_SIZE + 24, (uint32_t)-5); /* nor an error */
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);
        memcpy(t, b, len);
        t[WIRE_HEADER_SIZE + 32 + 3] = 0; /* NUL inside the file */
        assert_int_equal(wire_decode(t, len, &d, &why), -EBADMSG);
        free(t);
        free(b);

        /* the encoder refuses what the decoder would */
        m.nodes.text_len = 0;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL); /* empty file */
        m.nodes.text = "a\0b";
        m.nodes.text_len = 3;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        char *big = malloc(WIRE_MAX_NODE_FILE + 1);
        memset(big, 'a', WIRE_MAX_NODE_FILE + 1);
        m.nodes.text = big;
        m.nodes.text_len = WIRE_MAX_NODE_FILE + 1;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        m.nodes.text_len = WIRE_MAX_NODE_FILE;
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        free(b);
        m.nodes = (WireNodes){.kind = WIRE_NODES_CHANGE, .origin = 1, .text = "x", .text_len = 1};
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        m.nodes = (WireNodes){.kind = 9, .text = "x", .text_len = 1};
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);

        /* ACK: an error and why, or none */
        m.nodes = (WireNodes){.kind = WIRE_NODES_ACK,
                              .origin = 2,
                              .request_id = 7,
                              .digest = 42,
                              .error = -EACCES,
                              .text = "corosync.conf",
                              .text_len = 13};
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.nodes.kind, WIRE_NODES_ACK);
        assert_int_equal(d.nodes.origin, 2);
        assert_int_equal(d.nodes.error, -EACCES);
        assert_true(d.nodes.request_id == 7 && d.nodes.digest == 42);
        assert_int_equal(d.nodes.text_len, 13);
        put32(b + WIRE_HEADER_SIZE + 4, 0); /* origin 0 */
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        put32(b + WIRE_HEADER_SIZE + 4, 2);
        put32(b + WIRE_HEADER_SIZE + 24, 5); /* a positive error */
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        free(b);
        m.nodes.text = big;
        m.nodes.text_len = WIRE_MAX_TEXT + 1;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        m.nodes.text_len = 0; /* no reason: fine */
        m.nodes.error = 0;
        b = encode(&m, &len);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.nodes.text_len, 0);
        free(b);
        m.nodes.error = -5000;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);

        /* ANNOUNCE: a digest and nothing else */
        m.nodes = (WireNodes){.kind = WIRE_NODES_ANNOUNCE, .digest = 99};
        b = encode(&m, &len);
        assert_int_equal(len, WIRE_HEADER_SIZE + 32);
        assert_int_equal(wire_decode(b, len, &d, &why), 0);
        assert_int_equal(d.nodes.kind, WIRE_NODES_ANNOUNCE);
        assert_true(d.nodes.digest == 99);
        put32(b + WIRE_HEADER_SIZE + 12, 1); /* a request id */
        assert_int_equal(wire_decode(b, len, &d, &why), -EBADMSG);
        free(b);
        m.nodes.text = "x";
        m.nodes.text_len = 1;
        assert_int_equal(wire_encode(&m, &b, &len), -EINVAL);
        free(big);
}

static void test_wire_digest_is_fnv1a(void **state) {
        /* FNV-1a 64 reference values */
        assert_true(wire_digest("", 0) == 0xcbf29ce484222325ull);
        assert_true(wire_digest("a", 1) == 0xaf63dc4c8601ec8cull);
        assert_string_equal(wire_type_to_string(WIRE_CONFIG_ACK), "CONFIG_ACK");
        assert_string_equal(wire_type_to_string(250), "unknown");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_wire_state_round_trips_big_endian),
                cmocka_unit_test(test_wire_config_request_ack_round_trip),
                cmocka_unit_test(test_wire_every_truncation_is_rejected),
                cmocka_unit_test(test_wire_garbled_header_fields),
                cmocka_unit_test(test_wire_config_digest_and_blob_checks),
                cmocka_unit_test(test_wire_encode_refuses_what_decode_would_refuse),
                cmocka_unit_test(test_wire_digest_is_fnv1a),
                cmocka_unit_test(test_wire_resource_state),
                cmocka_unit_test(test_wire_action),
                cmocka_unit_test(test_wire_result_and_fence),
                cmocka_unit_test(test_wire_nodes_change_ack_announce),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
