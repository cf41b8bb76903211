/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the small pure helpers (util.c, diag.c, model.c score rules). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bladed/diag.h"
#include "bladed/model.h"
#include "bladed/util.h"

static void test_parse_uint64_rejects_signs_blanks_and_overflow(void **state) {
        uint64_t v;
        assert_int_equal(parse_uint64("42", 100, &v), 0);
        assert_int_equal(v, 42);
        assert_int_equal(parse_uint64("", 100, &v), -EINVAL);
        assert_int_equal(parse_uint64("-1", 100, &v), -EINVAL);
        assert_int_equal(parse_uint64("+1", 100, &v), -EINVAL);
        assert_int_equal(parse_uint64("7 ", 100, &v), -EINVAL);
        assert_int_equal(parse_uint64(" 7", 100, &v), -EINVAL);
        assert_int_equal(parse_uint64("101", 100, &v), -ERANGE);
        assert_int_equal(parse_uint64("18446744073709551616", UINT64_MAX, &v), -ERANGE);
        assert_int_equal(parse_uint64("18446744073709551615", UINT64_MAX, &v), 0);
        assert_true(v == UINT64_MAX);
}

static void test_parse_duration_units_and_bare_seconds(void **state) {
        uint64_t v;
        assert_int_equal(parse_duration_ms("30", &v), 0);
        assert_int_equal(v, 30000);
        assert_int_equal(parse_duration_ms("500ms", &v), 0);
        assert_int_equal(v, 500);
        assert_int_equal(parse_duration_ms("2m", &v), 0);
        assert_int_equal(v, 120000);
        assert_int_equal(parse_duration_ms("1h", &v), 0);
        assert_int_equal(v, 3600000);
        assert_int_equal(parse_duration_ms("1d", &v), 0);
        assert_int_equal(v, 86400000);
        assert_int_equal(parse_duration_ms("10 s", &v), -EINVAL);
        assert_int_equal(parse_duration_ms("s", &v), -EINVAL);
        assert_int_equal(parse_duration_ms("1.5s", &v), -EINVAL);
        assert_int_equal(parse_duration_ms("10x", &v), -EINVAL);
        assert_int_equal(parse_duration_ms("99999999999999999999d", &v), -ERANGE);
        assert_int_equal(parse_duration_ms("18446744073709551d", &v), -ERANGE);
}

static void test_parse_score_infinity_and_range(void **state) {
        int s;
        assert_int_equal(parse_score("100", &s), 0);
        assert_int_equal(s, 100);
        assert_int_equal(parse_score("-50", &s), 0);
        assert_int_equal(s, -50);
        assert_int_equal(parse_score("+20", &s), 0);
        assert_int_equal(s, 20);
        assert_int_equal(parse_score("INFINITY", &s), 0);
        assert_int_equal(s, SCORE_INFINITY);
        assert_int_equal(parse_score("-INFINITY", &s), 0);
        assert_int_equal(s, -SCORE_INFINITY);
        assert_int_equal(parse_score("+inf", &s), 0);
        assert_int_equal(s, SCORE_INFINITY);
        assert_int_equal(parse_score("1000000", &s), -ERANGE);
        assert_int_equal(parse_score("-99999999999", &s), -ERANGE);
        assert_int_equal(parse_score("", &s), -EINVAL);
        assert_int_equal(parse_score("-", &s), -EINVAL);
        assert_int_equal(parse_score("ten", &s), -EINVAL);
}

static void test_score_add_saturates_and_ban_wins(void **state) {
        assert_int_equal(score_add(10, 20), 30);
        assert_int_equal(score_add(SCORE_INFINITY - 1, 5), SCORE_INFINITY);
        assert_int_equal(score_add(-SCORE_INFINITY + 1, -5), -SCORE_INFINITY);
        assert_int_equal(score_add(SCORE_INFINITY, -SCORE_INFINITY), -SCORE_INFINITY);
        assert_int_equal(score_add(-SCORE_INFINITY, SCORE_INFINITY), -SCORE_INFINITY);
        assert_int_equal(score_add(SCORE_INFINITY, SCORE_INFINITY), SCORE_INFINITY);
        assert_int_equal(score_add(SCORE_INFINITY, -500), SCORE_INFINITY);
}

static void test_parse_ipv4_strict_dotted_quad(void **state) {
        uint32_t a;
        assert_int_equal(parse_ipv4("198.18.0.11", &a), 0);
        assert_true(a == (198u << 24 | 18u << 16 | 11u));
        assert_int_equal(parse_ipv4("0.0.0.0", &a), 0);
        assert_int_equal(parse_ipv4("255.255.255.255", &a), 0);
        assert_int_equal(parse_ipv4("256.1.1.1", &a), -ERANGE);
        assert_int_equal(parse_ipv4("1.2.3", &a), -EINVAL);
        assert_int_equal(parse_ipv4("1.2.3.4.5", &a), -EINVAL);
        assert_int_equal(parse_ipv4("01.2.3.4", &a), -EINVAL);
        assert_int_equal(parse_ipv4("1.2.3.4 ", &a), -EINVAL);
        assert_int_equal(parse_ipv4("1..3.4", &a), -EINVAL);
        assert_int_equal(parse_ipv4("1.2.3.1234", &a), -EINVAL);
        assert_int_equal(parse_ipv4("", &a), -EINVAL);
}

static void test_parse_bool_words(void **state) {
        bool b;
        assert_int_equal(parse_bool("TRUE", &b), 0);
        assert_true(b);
        assert_int_equal(parse_bool("off", &b), 0);
        assert_false(b);
        assert_int_equal(parse_bool("maybe", &b), -EINVAL);
}

static void test_strings_for_scores_and_durations(void **state) {
        char buf[32];
        assert_string_equal(score_to_string(SCORE_INFINITY, buf, sizeof(buf)), "INFINITY");
        assert_string_equal(score_to_string(-SCORE_INFINITY, buf, sizeof(buf)), "-INFINITY");
        assert_string_equal(score_to_string(-7, buf, sizeof(buf)), "-7");
        assert_string_equal(duration_to_string(0, buf, sizeof(buf)), "0");
        assert_string_equal(duration_to_string(1500, buf, sizeof(buf)), "1500ms");
        assert_string_equal(duration_to_string(20000, buf, sizeof(buf)), "20s");
        assert_string_equal(duration_to_string(120000, buf, sizeof(buf)), "2m");
        assert_string_equal(duration_to_string(7200000, buf, sizeof(buf)), "2h");
}

static void test_str_printable_masks_control_bytes_and_cuts(void **state) {
        char *s = str_printable("a\x01"
                                "b\nc",
                                100);
        assert_string_equal(s, "a?b?c");
        free(s);
        s = str_printable("abcdef", 3);
        assert_string_equal(s, "abc...");
        free(s);
}

static void test_diag_sorts_by_line_and_prints_file_line(void **state) {
        DiagList d = {0};
        char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);

        assert_non_null(f);
        diag_error(&d, 7, "seven");
        diag_warning(&d, 2, "two");
        diag_error(&d, 0, "whole file");
        diag_error(&d, 7, "seven again");
        assert_int_equal(d.n, 4);
        assert_int_equal(d.n_errors, 3);
        diag_sort(&d);
        diag_print(&d, "f.conf", f);
        fclose(f);
        assert_string_equal(out, "f.conf: whole file\n"
                                 "f.conf:2: warning: two\n"
                                 "f.conf:7: seven\n"
                                 "f.conf:7: seven again\n");
        free(out);
        diag_clear(&d);
        assert_int_equal(d.n, 0);
        diag_clear(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_uint64_rejects_signs_blanks_and_overflow),
                cmocka_unit_test(test_parse_duration_units_and_bare_seconds),
                cmocka_unit_test(test_parse_score_infinity_and_range),
                cmocka_unit_test(test_score_add_saturates_and_ban_wins),
                cmocka_unit_test(test_parse_ipv4_strict_dotted_quad),
                cmocka_unit_test(test_parse_bool_words),
                cmocka_unit_test(test_strings_for_scores_and_durations),
                cmocka_unit_test(test_str_printable_masks_control_bytes_and_cuts),
                cmocka_unit_test(test_diag_sorts_by_line_and_prints_file_line),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
