/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the seed corpora of fuzz_wire and fuzz_ctlproto (valid messages of
 * every type, plus a few broken ones).  Not built by CMake; run by hand:
 *   cc -Iinclude tests/fuzz/seeds/gen_wire_ctl_seeds.c daemon/core/wire.c \
 *      daemon/core/ctlproto.c -o /tmp/gen && /tmp/gen tests/fuzz/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/ctlproto.h"
#include "bladed/wire.h"

static void put(const char *dir, const char *name, const uint8_t *b, size_t n) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
                perror(path);
                exit(1);
        }
}

static void wire(const char *dir, const char *name, const WireMessage *m) {
        uint8_t *b;
        size_t n;
        if (wire_encode(m, &b, &n) < 0)
                exit(1);
        put(dir, name, b, n);
        /* a truncated copy too */
        char t[256];
        snprintf(t, sizeof(t), "%s-truncated", name);
        put(dir, t, b, n / 2);
        free(b);
}

int main(int argc, char **argv) {
        const char *base = argc > 1 ? argv[1] : "tests/fuzz/corpus";
        char w[4096], c[4096];
        const char *doc = "<?xml version=\"1.0\"?>\n<bladed-config epoch=\"3\"/>\n";
        WireMessage m;

        snprintf(w, sizeof(w), "%s/wire", base);
        snprintf(c, sizeof(c), "%s/ctlproto", base);

        m = (WireMessage){.type = WIRE_STATE, .nodeid = 1};
        m.state = (WireState){.round = 0x1234,
                              .epoch = 3,
                              .digest = wire_digest(doc, strlen(doc)),
                              .flags = WIRE_STATE_AUTHORITATIVE | WIRE_STATE_QUORATE,
                              .n_blades = 3,
                              .proto_max = 1};
        wire(w, "state", &m);
        m = (WireMessage){.type = WIRE_CONFIG, .nodeid = 2};
        m.config = (WireConfig){.round = 0x1234, .epoch = 3, .doc = doc, .doc_len = strlen(doc)};
        wire(w, "config", &m);
        m = (WireMessage){.type = WIRE_CONFIG_REQUEST, .nodeid = 3};
        m.request = (WireRequest){.request_id = 7, .doc = doc, .doc_len = strlen(doc)};
        wire(w, "config-request", &m);
        m = (WireMessage){.type = WIRE_CONFIG_ACK, .nodeid = 2};
        m.ack = (WireAck){.epoch = 4, .error = -28, .msg = "No space left", .msg_len = 13};
        wire(w, "config-ack-error", &m);
        m.ack = (WireAck){.epoch = 4};
        wire(w, "config-ack", &m);
        m = (WireMessage){.type = WIRE_RESOURCE_STATE, .nodeid = 2};
        m.rstate = (WireResourceState){.epoch = 3,
                                       .blade = 2,
                                       .role = 3,
                                       .rc = -1,
                                       .rsc = "hang",
                                       .rsc_len = 4,
                                       .reason = "probe timed out",
                                       .reason_len = 15};
        wire(w, "resource-state", &m);
        /* foreign bytes and a future version */
        put(w, "foreign", (const uint8_t *)"GET / HTTP/1.0\r\n\r\n", 18);
        uint8_t v2[16] = {'B', 'L', 'A', 'D', 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        put(w, "version2", v2, sizeof(v2));
        uint8_t fence[16] = {'B', 'L', 'A', 'D', 1, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        put(w, "reserved-type", fence, sizeof(fence));

        CtlRequest q = {.command = CTL_CMD_STATUS, .n_args = 1};
        q.args[0] = (CtlArg){"xml", 3};
        uint8_t *b;
        size_t n;
        ctlproto_request_encode(&q, &b, &n);
        put(c, "status-xml", b, n);
        put(c, "status-xml-truncated", b, n - 2);
        free(b);
        q = (CtlRequest){.command = CTL_CMD_CONFIG_SHOW};
        ctlproto_request_encode(&q, &b, &n);
        put(c, "config-show", b, n);
        free(b);
        q = (CtlRequest){.command = CTL_CMD_CONFIG_LOAD, .n_args = 1};
        q.args[0] = (CtlArg){doc, strlen(doc)};
        ctlproto_request_encode(&q, &b, &n);
        put(c, "config-load", b, n);
        free(b);
        CtlReply y = {.status = 0, .body = "ok epoch 4\n", .body_len = 11};
        ctlproto_reply_encode(&y, &b, &n);
        put(c, "reply-ok", b, n);
        free(b);
        y = (CtlReply){.status = 1, .error = "this blade has no quorum", .error_len = 24};
        ctlproto_reply_encode(&y, &b, &n);
        put(c, "reply-refused", b, n);
        free(b);
        put(c, "garbage", (const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12);
        return 0;
}
