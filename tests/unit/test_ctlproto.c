/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the control socket codec (ctlproto.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bladed/ctlproto.h"

static uint8_t *make_request(uint16_t cmd, const char *const *args, size_t n, size_t *len) {
        CtlRequest q = {.command = cmd, .n_args = n};
        uint8_t *b = NULL;

        for (size_t i = 0; i < n; i++)
                q.args[i] = (CtlArg){.p = args[i], .len = strlen(args[i])};
        assert_int_equal(ctlproto_request_encode(&q, &b, len), 0);
        return b;
}

static void test_ctlproto_request_round_trip(void **state) {
        const char *args[] = {"<bladed-config/>"};
        CtlRequest q;
        const char *why;
        size_t len, frame;
        uint8_t *b = make_request(CTL_CMD_CONFIG_LOAD, args, 1, &len);

        assert_memory_equal(b, "BLCT", 4);
        assert_int_equal(b[4], CTL_VERSION);
        assert_int_equal(b[5], CTL_KIND_REQUEST);
        assert_int_equal(ctlproto_frame_check(b, len, CTL_KIND_REQUEST, &frame, &why), 0);
        assert_int_equal(frame, len);
        assert_int_equal(ctlproto_request_decode(b, len, &q, &why), 0);
        assert_int_equal(q.command, CTL_CMD_CONFIG_LOAD);
        assert_int_equal(q.n_args, 1);
        assert_int_equal(q.args[0].len, strlen(args[0]));
        assert_memory_equal(q.args[0].p, args[0], q.args[0].len);
        assert_true(ctlproto_command_info(q.command)->modifies);
        assert_false(ctlproto_command_info(CTL_CMD_STATUS)->modifies);
        assert_null(ctlproto_command_info(0));
        assert_null(ctlproto_command_info(999));
        free(b);
}

static void test_ctlproto_reply_round_trip(void **state) {
        CtlReply y = {.status = CTL_STATUS_FAILED,
                      .body = "",
                      .error = "no quorum",
                      .error_len = 9},
                 d;
        uint8_t *b;
        size_t len;

        assert_int_equal(ctlproto_reply_encode(&y, &b, &len), 0);
        assert_int_equal(ctlproto_reply_decode(b, len, &d, NULL), 0);
        assert_int_equal(d.status, CTL_STATUS_FAILED);
        assert_int_equal(d.body_len, 0);
        assert_int_equal(d.error_len, 9);
        assert_memory_equal(d.error, "no quorum", 9);
        /* a reply is not a request */
        CtlRequest q;
        assert_int_equal(ctlproto_request_decode(b, len, &q, NULL), -EBADMSG);
        free(b);

        y.status = 7;
        assert_int_equal(ctlproto_reply_encode(&y, &b, &len), -EINVAL);
}

static void test_ctlproto_frame_check_needs_header_then_judges(void **state) {
        const char *args[] = {"xml"};
        size_t len, frame;
        const char *why;
        uint8_t *b = make_request(CTL_CMD_STATUS, args, 1, &len);

        for (size_t n = 0; n < CTL_HEADER_SIZE; n++)
                assert_int_equal(ctlproto_frame_check(b, n, CTL_KIND_REQUEST, &frame, &why),
                                 -EAGAIN);
        assert_int_equal(ctlproto_frame_check(b, CTL_HEADER_SIZE, CTL_KIND_REQUEST, &frame, &why),
                         0);
        assert_int_equal(frame, len);

        /* an oversized length is refused from the header alone */
        b[8] = 0x7f;
        assert_int_equal(ctlproto_frame_check(b, CTL_HEADER_SIZE, CTL_KIND_REQUEST, &frame, &why),
                         -EBADMSG);
        assert_string_equal(why, "frame larger than the limit");
        b[8] = 0;
        b[4] = 9;
        assert_int_equal(ctlproto_frame_check(b, len, CTL_KIND_REQUEST, &frame, &why), -EPROTO);
        b[4] = CTL_VERSION;
        memcpy(b, "GET ", 4);
        assert_int_equal(ctlproto_frame_check(b, len, CTL_KIND_REQUEST, &frame, &why), -EBADMSG);
        free(b);
}

static void test_ctlproto_garbled_requests(void **state) {
        const char *args[] = {"xml"};
        CtlRequest q;
        const char *why;
        size_t len;
        uint8_t *b = make_request(CTL_CMD_STATUS, args, 1, &len);
        uint8_t *t = malloc(len + 4);

        /* every truncation */
        for (size_t n = 0; n < len; n++)
                assert_int_equal(ctlproto_request_decode(b, n, &q, &why), -EBADMSG);
        /* bytes after the frame */
        memcpy(t, b, len);
        memset(t + len, 'x', 4);
        assert_int_equal(ctlproto_request_decode(t, len + 4, &q, &why), -EBADMSG);
        /* argument length past the end */
        memcpy(t, b, len);
        t[CTL_HEADER_SIZE + 7] = 200;
        assert_int_equal(ctlproto_request_decode(t, len, &q, &why), -EBADMSG);
        /* too many arguments claimed */
        memcpy(t, b, len);
        t[CTL_HEADER_SIZE + 3] = CTL_MAX_ARGS + 1;
        assert_int_equal(ctlproto_request_decode(t, len, &q, &why), -EBADMSG);
        /* NUL in an argument */
        memcpy(t, b, len);
        t[len - 1] = 0;
        assert_int_equal(ctlproto_request_decode(t, len, &q, &why), -EBADMSG);
        /* unknown command, otherwise well-formed */
        memcpy(t, b, len);
        t[CTL_HEADER_SIZE + 1] = 77;
        assert_int_equal(ctlproto_request_decode(t, len, &q, &why), -EOPNOTSUPP);
        free(t);
        free(b);

        /* wrong argument count for a known command */
        b = make_request(CTL_CMD_CONFIG_SHOW, args, 1, &len);
        assert_int_equal(ctlproto_request_decode(b, len, &q, &why), -EBADMSG);
        free(b);
        b = make_request(CTL_CMD_CONFIG_LOAD, NULL, 0, &len);
        assert_int_equal(ctlproto_request_decode(b, len, &q, &why), -EBADMSG);
        free(b);
}

static void test_ctlproto_encode_limits(void **state) {
        CtlRequest q = {.command = CTL_CMD_CONFIG_LOAD, .n_args = 1};
        uint8_t *b;
        size_t len;

        q.args[0] = (CtlArg){.p = "a\0b", .len = 3};
        assert_int_equal(ctlproto_request_encode(&q, &b, &len), -EINVAL);
        q.n_args = CTL_MAX_ARGS + 1;
        assert_int_equal(ctlproto_request_encode(&q, &b, &len), -EINVAL);
        char *big = malloc(CTL_MAX_PAYLOAD);
        memset(big, 'x', CTL_MAX_PAYLOAD);
        q.n_args = 1;
        q.args[0] = (CtlArg){.p = big, .len = CTL_MAX_PAYLOAD};
        assert_int_equal(ctlproto_request_encode(&q, &b, &len), -EINVAL);
        free(big);
}

/* The numbers are on the wire: bladectl and bladed of neighbouring
 * versions must agree, so they never change. */
static void test_ctlproto_admin_command_numbers_are_stable(void **state) {
        assert_int_equal(CTL_CMD_STATUS, 1);
        assert_int_equal(CTL_CMD_CONFIG_SHOW, 2);
        assert_int_equal(CTL_CMD_CONFIG_LOAD, 3);
        assert_int_equal(CTL_CMD_MIGRATE, 4);
        assert_int_equal(CTL_CMD_UNMIGRATE, 5);
        assert_int_equal(CTL_CMD_STANDBY, 6);
        assert_int_equal(CTL_CMD_ONLINE, 7);
        assert_int_equal(CTL_CMD_MAINTENANCE, 8);
        assert_int_equal(CTL_CMD_CLEANUP, 9);
        assert_int_equal(CTL_CMD_FENCE, 10);
        assert_int_equal(CTL_CMD_NODE_ADD, 11);
        assert_int_equal(CTL_CMD_NODE_REMOVE, 12);
        assert_int_equal(_CTL_CMD_MAX, 13);
}

static void test_ctlproto_admin_commands_round_trip_and_check_arg_counts(void **state) {
        static const struct {
                uint16_t cmd;
                const char *name;
                unsigned min, max;
        } cases[] = {
                {CTL_CMD_MIGRATE, "migrate", 1, 2},
                {CTL_CMD_UNMIGRATE, "unmigrate", 1, 1},
                {CTL_CMD_STANDBY, "standby", 1, 1},
                {CTL_CMD_ONLINE, "online", 1, 1},
                {CTL_CMD_MAINTENANCE, "maintenance", 1, 1},
                {CTL_CMD_CLEANUP, "cleanup", 1, 2},
                {CTL_CMD_FENCE, "fence", 2, 2},
                {CTL_CMD_NODE_ADD, "node add", 2, 3},
                {CTL_CMD_NODE_REMOVE, "node remove", 1, 1},
        };
        const char *args[] = {"vip-mx1", "blade2", "17", "extra"};

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const CtlCommandInfo *info = ctlproto_command_info(cases[i].cmd);
                CtlRequest q;
                const char *why;
                size_t len;
                uint8_t *b;

                assert_non_null(info);
                assert_string_equal(info->name, cases[i].name);
                assert_true(info->modifies);
                assert_int_equal(info->min_args, cases[i].min);
                assert_int_equal(info->max_args, cases[i].max);
                for (unsigned n = 0; n <= 4; n++) {
                        b = make_request(cases[i].cmd, args, n, &len);
                        int r = ctlproto_request_decode(b, len, &q, &why);
                        if (n >= cases[i].min && n <= cases[i].max) {
                                assert_int_equal(r, 0);
                                assert_int_equal(q.command, cases[i].cmd);
                                assert_int_equal(q.n_args, n);
                                for (unsigned k = 0; k < n; k++)
                                        assert_memory_equal(q.args[k].p, args[k], q.args[k].len);
                        } else {
                                assert_int_equal(r, -EBADMSG);
                                assert_non_null(why);
                        }
                        free(b);
                }
        }
        /* the first unused number is unknown, not a crash */
        assert_null(ctlproto_command_info(_CTL_CMD_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ctlproto_request_round_trip),
                cmocka_unit_test(test_ctlproto_reply_round_trip),
                cmocka_unit_test(test_ctlproto_frame_check_needs_header_then_judges),
                cmocka_unit_test(test_ctlproto_garbled_requests),
                cmocka_unit_test(test_ctlproto_encode_limits),
                cmocka_unit_test(test_ctlproto_admin_command_numbers_are_stable),
                cmocka_unit_test(test_ctlproto_admin_commands_round_trip_and_check_arg_counts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
