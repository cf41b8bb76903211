/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the node file (nodes_lex.c, nodes.c, nodes_write.c) and,
 * end to end, for "bladectl nodes validate|corosync".  Every rule of
 * ref/ocf-fence-ocfs2.md d.2/d.5 and of the bladed checks is broken once
 * and must be reported on the right line with a recognizable message.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bladed/diag.h"
#include "bladed/nodes.h"
#include "bladed/util.h"

/* The mail cluster sample of ref d.4; line numbers in the tests refer to it:
 * cluster: 1, node_count 2, heartbeat_mode 3, name 4; nodes at 6, 13, 20;
 * the third node: ip_port 21, ip_address 22, number 23, name 24, cluster 25. */
static const char MAIL[] = "cluster:\n"
                           "\tnode_count = 3\n"
                           "\theartbeat_mode = local\n"
                           "\tname = mailha\n"
                           "\n"
                           "node:\n"
                           "\tip_port = 7777\n"
                           "\tip_address = 198.18.0.11\n"
                           "\tnumber = 1\n"
                           "\tname = blade1\n"
                           "\tcluster = mailha\n"
                           "\n"
                           "node:\n"
                           "\tip_port = 7777\n"
                           "\tip_address = 198.18.0.12\n"
                           "\tnumber = 2\n"
                           "\tname = blade2\n"
                           "\tcluster = mailha\n"
                           "\n"
                           "node:\n"
                           "\tip_port = 7777\n"
                           "\tip_address = 198.18.0.13\n"
                           "\tnumber = 3\n"
                           "\tname = blade3\n"
                           "\tcluster = mailha\n";

/* ---- fixtures ---------------------------------------------------------- */

static void nodes_freep(NodeFile **f) {
        nodes_free(*f);
}

/* base with the first occurrence of from replaced by to (from must occur). */
static char *edit(const char *base, const char *from, const char *to) {
        const char *p = strstr(base, from);
        char *out;

        assert_non_null(p);
        assert_true(asprintf(&out, "%.*s%s%s", (int)(p - base), base, to, p + strlen(from)) >= 0);
        return out;
}

/* MAIL with a line of the third node (lines 20..25) replaced. */
static char *mail_with_third(const char *from, const char *to) {
        const char *third = strstr(MAIL, "node:\n\tip_port = 7777\n\tip_address = 198.18.0.13");
        _cleanup_(freep) char *tail = NULL;
        char *out;

        assert_non_null(third);
        tail = edit(third, from, to);
        assert_true(asprintf(&out, "%.*s%s", (int)(third - MAIL), MAIL, tail) >= 0);
        return out;
}

static char *read_src(const char *rel, size_t *size) {
        _cleanup_(freep) char *path = NULL;
        char *buf;
        FILE *f;
        long n;

        assert_true(asprintf(&path, "%s/%s", SRCDIR, rel) >= 0);
        f = fopen(path, "rb");
        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        rewind(f);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = 0;
        fclose(f);
        if (size)
                *size = (size_t)n;
        return buf;
}

static void dump(const DiagList *d) {
        diag_print(d, "input", stderr);
}

static bool has_diag(const DiagList *d, DiagLevel level, int line, const char *needle) {
        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].level == level && d->items[i].line == line &&
                    strstr(d->items[i].msg, needle))
                        return true;
        return false;
}

#define assert_diag(d, level, line, needle)                                                        \
        do {                                                                                       \
                if (!has_diag((d), (level), (line), (needle))) {                                   \
                        dump(d);                                                                   \
                        fail_msg("no %s on line %d containing '%s'",                               \
                                 (level) == DIAG_ERROR ? "error" : "warning", (line), (needle));   \
                }                                                                                  \
        } while (0)

/* text must be rejected with (at least) this error. */
static void expect_error(const char *text, size_t len, int line, const char *needle) {
        _cleanup_(diag_clear) DiagList d = {0};
        NodeFile *f = (NodeFile *)1;

        assert_int_equal(nodes_parse(text, len, &f, &d), -EINVAL);
        assert_null(f);
        assert_true(d.n_errors >= 1);
        assert_diag(&d, DIAG_ERROR, line, needle);
}
#define EXPECT_ERROR(text, line, needle) expect_error((text), strlen(text), (line), (needle))

/* text must parse, with this warning. */
static NodeFile *expect_warning(const char *text, int line, const char *needle) {
        _cleanup_(diag_clear) DiagList d = {0};
        NodeFile *f = NULL;

        if (nodes_parse(text, strlen(text), &f, &d) != 0)
                dump(&d);
        assert_non_null(f);
        assert_int_equal(d.n_errors, 0);
        assert_diag(&d, DIAG_WARNING, line, needle);
        return f;
}

static NodeFile *parse_ok(const char *text, size_t len) {
        _cleanup_(diag_clear) DiagList d = {0};
        NodeFile *f = NULL;
        int r = nodes_parse(text, len, &f, &d);

        if (r != 0 || d.n > 0)
                dump(&d);
        assert_int_equal(r, 0);
        assert_int_equal(d.n, 0);
        assert_non_null(f);
        return f;
}

static void assert_round_trip(const NodeFile *f) {
        _cleanup_(freep) char *text = NULL;
        _cleanup_(nodes_freep) NodeFile *g = NULL;

        assert_int_equal(nodes_format(f, &text), 0);
        g = parse_ok(text, strlen(text));
        assert_true(nodes_equal(f, g));
}

/* ---- the samples --------------------------------------------------------- */

static void test_nodes_ocfs2_tools_sample_parses_as_is(void **state) {
        size_t size;
        _cleanup_(freep) char *text = read_src("tests/data/nodes/ocfs2-tools-sample.conf", &size);
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(text, size);

        assert_int_equal(f->n_clusters, 1);
        assert_string_equal(f->clusters[0].name, "webcluster");
        assert_string_equal(f->clusters[0].heartbeat_mode, "global");
        assert_int_equal(f->clusters[0].node_count, 3);
        assert_int_equal(f->clusters[0].line, 1);
        assert_int_equal(f->n_nodes, 3);
        assert_string_equal(f->nodes[0].name, "node7");
        assert_int_equal(f->nodes[0].number, 7);
        assert_int_equal(f->nodes[0].ip_port, 7777);
        assert_int_equal(f->nodes[0].ip, 0xc0a8006b);
        assert_int_equal(f->nodes[0].line, 6);
        assert_string_equal(f->nodes[2].ip_address, "192.168.0.110");
        assert_int_equal(f->n_heartbeats, 3);
        assert_string_equal(f->heartbeats[1].region, "DCDA2845177F4D59A0F2DCD8DE507CC3");
        assert_string_equal(f->heartbeats[1].cluster, "webcluster");
        assert_round_trip(f);
}

static void test_nodes_mail_example_parses_and_writes_back_byte_for_byte(void **state) {
        size_t size;
        _cleanup_(freep) char *example = read_src("xml/examples/cluster.conf", &size);
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(example, size);
        _cleanup_(freep) char *text = NULL;

        assert_string_equal(example, MAIL);
        assert_int_equal(f->n_nodes, 3);
        /* Our writer uses the key order of the o2cb-written sample. */
        assert_int_equal(nodes_format(f, &text), 0);
        _cleanup_(freep) char *want = NULL;
        assert_true(asprintf(&want, "%s\n", MAIL) > 0);
        assert_string_equal(text, want);
        assert_round_trip(f);
}

/* ---- lexical rules (d.2) ------------------------------------------------- */

static void test_nodes_empty_file_has_no_cluster(void **state) {
        expect_error("", 0, 0, "no cluster: stanza");
        EXPECT_ERROR("\n\n  \n# only a comment\n", 0, "no cluster: stanza");
}

static void test_nodes_header_with_blank_before_colon_is_rejected(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "cluster:\n", "cluster :\n");
        EXPECT_ERROR(t, 1, "blank before ':'");
}

static void test_nodes_header_with_trailing_text_is_rejected(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "cluster:\n", "cluster: mailha\n");
        EXPECT_ERROR(t, 1, "trailing text after stanza header");
        /* ...but trailing blanks are fine. */
        _cleanup_(freep) char *ok = edit(MAIL, "cluster:\n", "cluster: \t \n");
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(ok, strlen(ok));
}

static void test_nodes_header_without_colon_is_rejected(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "cluster:\n", "cluster\n");
        EXPECT_ERROR(t, 1, "lacks ':'");
        _cleanup_(freep) char *t2 = edit(MAIL, "cluster:\n", "[cluster]\n");
        EXPECT_ERROR(t2, 1, "invalid character '['");
}

static void test_nodes_unindented_attribute_is_rejected(void **state) {
        /* The old OCFS2 user's guide prints its sample this way (ref d.4). */
        _cleanup_(freep) char *t = edit(MAIL, "\tname = mailha\n", "name = mailha\n");
        EXPECT_ERROR(t, 4, "not indented");
}

static void test_nodes_attribute_after_blank_line_is_outside_a_stanza(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "\tnumber = 3\n", "\n\tnumber = 3\n");
        EXPECT_ERROR(t, 24, "attribute \"number\" outside a stanza");
        /* A whitespace-only line ends a stanza too. */
        _cleanup_(freep) char *t2 = edit(MAIL, "\tnumber = 3\n", " \t\n\tnumber = 3\n");
        EXPECT_ERROR(t2, 24, "outside a stanza");
        EXPECT_ERROR("\tname = x\ncluster:\n\tname = x\n\tnode_count = 0\n", 1, "outside a stanza");
}

static void test_nodes_comment_in_column_one_does_not_end_stanza(void **state) {
        _cleanup_(freep) char *t =
                edit(MAIL, "\tnumber = 3\n", "# the third blade\n\tnumber = 3\n");
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(t, strlen(t));
        assert_int_equal(f->nodes[2].number, 3);
        assert_int_equal(f->nodes[2].line, 20);
        /* Indented '#' is not a comment. */
        _cleanup_(freep) char *t2 =
                edit(MAIL, "\tnumber = 3\n", "\t# the third blade\n\tnumber = 3\n");
        EXPECT_ERROR(t2, 23, "comment only in column 1");
}

static void test_nodes_attribute_without_equals_is_rejected(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "\tnumber = 3\n", "\tnumber 3\n");
        EXPECT_ERROR(t, 23, "expected '='");
        _cleanup_(freep) char *t2 = edit(MAIL, "\tnumber = 3\n", "\tnumber\n");
        EXPECT_ERROR(t2, 23, "has no '='");
        _cleanup_(freep) char *t3 = edit(MAIL, "\tnumber = 3\n", "\tnum-ber = 3\n");
        EXPECT_ERROR(t3, 23, "unexpected '-'");
}

static void test_nodes_value_leading_blanks_dropped_trailing_kept(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "\tnumber = 3\n", "  number\t=  \t 3\n");
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(t, strlen(t));
        assert_int_equal(f->nodes[2].number, 3);

        _cleanup_(freep) char *t2 = mail_with_third("\tnumber = 3\n", "\tnumber = 3 \n");
        EXPECT_ERROR(t2, 23, "number \"3 \" is not a decimal number (trailing blank");
        _cleanup_(freep) char *t3 = mail_with_third("\tip_port = 7777\n", "\tip_port = 7777\t\n");
        EXPECT_ERROR(t3, 21, "trailing blank");
        _cleanup_(freep) char *t4 = mail_with_third("\tname = blade3\n", "\tname = blade3 \n");
        EXPECT_ERROR(t4, 24, "trailing blank");
        _cleanup_(freep) char *t5 =
                mail_with_third("\tip_address = 198.18.0.13\n", "\tip_address = 198.18.0.13 \n");
        EXPECT_ERROR(t5, 22, "trailing blank");
        _cleanup_(freep) char *t6 = edit(MAIL, "\tnode_count = 3\n", "\tnode_count = 3 \n");
        EXPECT_ERROR(t6, 2, "trailing blank");
}

static void test_nodes_backslash_continues_a_value_with_a_newline(void **state) {
        /* The newline is part of the value: no longer an address. */
        _cleanup_(freep) char *t =
                mail_with_third("\tip_address = 198.18.0.13\n", "\tip_address = 198.18.\\\n0.13\n");
        EXPECT_ERROR(t, 22, "ip_address \"198.18.?0.13\" is not an IPv4");

        /* A continued line is not read as a line of its own: "junk:" would
         * be a bad header if it were. */
        _cleanup_(freep) char *t2 =
                edit(MAIL, "\tname = mailha\n", "\tname = mailha\n\tnote = one\\\njunk: here\n");
        _cleanup_(nodes_freep) NodeFile *f = expect_warning(t2, 5, "unknown key \"note\"");
        assert_int_equal(f->nodes[0].line, 8);

        /* A backslash elsewhere is an ordinary character. */
        _cleanup_(freep) char *t3 = mail_with_third("\tname = blade3\n", "\tname = bla\\de3\n");
        EXPECT_ERROR(t3, 24, "node name \"bla\\de3\" may hold only");

        /* One at the very end of the input is dropped, as jconfig does. */
        size_t n = strlen(MAIL);
        _cleanup_(freep) char *t5 = malloc(n + 1);
        memcpy(t5, MAIL, n - 1);
        memcpy(t5 + n - 1, "\\", 2);
        /* "cluster = mailha" is now "cluster = mailha\" at EOF. */
        _cleanup_(nodes_freep) NodeFile *g = parse_ok(t5, n);
        assert_string_equal(g->nodes[2].cluster, "mailha");
}

static void test_nodes_duplicate_key_last_wins_with_warning(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "\tnumber = 3\n", "\tnumber = 9\n\tnumber = 3\n");
        _cleanup_(nodes_freep) NodeFile *f =
                expect_warning(t, 24, "'number' given again (first on line 23)");
        assert_int_equal(f->nodes[2].number, 3);
}

static void test_nodes_unknown_key_and_stanza_type_are_warned_and_ignored(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "\tnumber = 3\n", "\tnumber = 3\n\tweight = heavy\n");
        _cleanup_(nodes_freep) NodeFile *f =
                expect_warning(t, 24, "unknown key \"weight\" in node: stanza");

        _cleanup_(freep) char *t2 = edit(MAIL, "node:\n", "fence:\n\tagent = ipmi\n\nnode:\n");
        _cleanup_(nodes_freep) NodeFile *g = expect_warning(t2, 6, "unknown stanza type \"fence\"");
        assert_int_equal(g->n_nodes, 3);
        /* Stanza types are case-sensitive, as in o2cb. */
        _cleanup_(freep) char *t3 = edit(MAIL, "cluster:\n", "Cluster:\n");
        EXPECT_ERROR(t3, 0, "no cluster: stanza");
}

static void test_nodes_crlf_is_rejected_naming_the_line(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "\tnumber = 2\n", "\tnumber = 2\r\n");
        EXPECT_ERROR(t, 16, "carriage return (CRLF line ending)");

        size_t size;
        _cleanup_(freep) char *dos = read_src("tests/data/nodes/bad-crlf.conf", &size);
        _cleanup_(diag_clear) DiagList d = {0};
        NodeFile *f = NULL;
        assert_int_equal(nodes_parse(dos, size, &f, &d), -EINVAL);
        /* One message for the whole file, not one per line. */
        assert_int_equal(d.n, 1);
        assert_diag(&d, DIAG_ERROR, 1, "CRLF line ending) on this and 24 more lines");
}

static void test_nodes_nul_and_control_bytes_are_rejected(void **state) {
        char t[sizeof(MAIL)];
        memcpy(t, MAIL, sizeof(MAIL));
        t[strstr(MAIL, "blade2") - MAIL + 3] = 0;
        expect_error(t, sizeof(MAIL) - 1, 17, "NUL byte at column 12");

        _cleanup_(freep) char *t2 =
                mail_with_third("\tname = blade3\n", "\tname = bla\x1b[0mde3\n");
        EXPECT_ERROR(t2, 24, "control character 0x1b at column 12");
        _cleanup_(freep) char *t3 = mail_with_third("\tname = blade3\n", "\tname = bla\rde3\n");
        EXPECT_ERROR(t3, 24, "carriage return at column 12");
}

static void test_nodes_binary_junk_is_rejected_without_crash(void **state) {
        uint8_t junk[65536];
        uint32_t x = 12345;

        for (int round = 0; round < 20; round++) {
                _cleanup_(diag_clear) DiagList d = {0};
                NodeFile *f = NULL;
                for (size_t i = 0; i < sizeof(junk); i++) {
                        x = x * 1103515245u + 12345u;
                        junk[i] = (uint8_t)(x >> 16);
                }
                assert_int_equal(nodes_parse((const char *)junk, sizeof(junk), &f, &d), -EINVAL);
                assert_null(f);
                /* Bounded report: the first problems plus one summary line. */
                assert_true(d.n >= 1 && d.n <= 101);
        }
}

static void test_nodes_many_problems_are_capped_with_a_count(void **state) {
        _cleanup_(freep) char *t = malloc(500 * 4 + 1);
        _cleanup_(diag_clear) DiagList d = {0};
        NodeFile *f = NULL;

        for (int i = 0; i < 500; i++)
                memcpy(t + i * 4, "=x=\n", 4);
        t[2000] = 0;
        assert_int_equal(nodes_parse(t, 2000, &f, &d), -EINVAL);
        assert_int_equal(d.n, 101);
        assert_diag(&d, DIAG_ERROR, 0, "400 more problems not listed");
        assert_diag(&d, DIAG_ERROR, 100, "invalid character '='");
}

static void test_nodes_huge_value_is_handled_and_quoted_short(void **state) {
        const size_t big = 1000000;
        _cleanup_(freep) char *value = malloc(big + 1);
        memset(value, 'b', big);
        value[big] = 0;
        _cleanup_(freep) char *line = NULL;
        assert_true(asprintf(&line, "\tname = %s\n", value) > 0);
        _cleanup_(freep) char *t = mail_with_third("\tname = blade3\n", line);
        _cleanup_(diag_clear) DiagList d = {0};
        NodeFile *f = NULL;

        assert_true(strlen(t) <= NODES_MAX_INPUT);
        assert_int_equal(nodes_parse(t, strlen(t), &f, &d), -EINVAL);
        assert_int_equal(d.n, 1);
        assert_diag(&d, DIAG_ERROR, 24, "is longer than 63 characters");
        assert_true(strlen(d.items[0].msg) < 200);
}

static void test_nodes_input_over_one_mib_is_rejected(void **state) {
        size_t n = NODES_MAX_INPUT + 1;
        _cleanup_(freep) char *t = malloc(n);
        memset(t, '#', n);
        expect_error(t, n, 0, "larger than 1 MiB");
}

static void test_nodes_too_many_stanzas_are_refused(void **state) {
        size_t n = (NODES_MAX_STANZAS + 1) * 6;
        _cleanup_(freep) char *t = malloc(n + 1);
        for (size_t i = 0; i < NODES_MAX_STANZAS + 1; i++)
                memcpy(t + i * 6, "node:\n", 6);
        expect_error(t, n, NODES_MAX_STANZAS + 1, "more than 1024 stanzas");
}

/* ---- cluster: checks ---------------------------------------------------- */

static void test_nodes_cluster_name_rules(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "\tname = mailha\n", "\tname = mail-ha\n");
        EXPECT_ERROR(t, 4, "cluster name \"mail-ha\" may hold only letters and digits");
        _cleanup_(freep) char *t2 = edit(MAIL, "\tname = mailha\n", "\tname = abcdefghijklmnopq\n");
        EXPECT_ERROR(t2, 4, "longer than 16 characters");
        _cleanup_(freep) char *t3 = edit(MAIL, "\tname = mailha\n", "\tname =\n");
        EXPECT_ERROR(t3, 4, "cluster name \"\" is empty");
        _cleanup_(freep) char *t4 = edit(MAIL, "\tname = mailha\n", "");
        EXPECT_ERROR(t4, 1, "cluster: stanza has no name");
        /* 16 characters is fine (node stanzas follow the new name). */
        _cleanup_(freep) char *t5 = edit(MAIL, "\tname = mailha\n", "\tname = abcdefghijklmnop\n");
        EXPECT_ERROR(t5, 11, "no cluster: stanza named \"mailha\"");
}

static void test_nodes_cluster_defined_twice_is_rejected(void **state) {
        _cleanup_(freep) char *t =
                edit(MAIL, "node:\n", "cluster:\n\tnode_count = 0\n\tname = mailha\n\nnode:\n");
        EXPECT_ERROR(t, 8, "cluster \"mailha\" is defined twice (first on line 1)");
}

static void test_nodes_node_count_must_be_decimal_and_present(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "\tnode_count = 3\n", "\tnode_count = three\n");
        EXPECT_ERROR(t, 2, "node_count \"three\" is not a decimal number");
        _cleanup_(freep) char *t2 = edit(MAIL, "\tnode_count = 3\n", "");
        EXPECT_ERROR(t2, 1, "has no node_count");
        _cleanup_(freep) char *t3 =
                edit(MAIL, "\tnode_count = 3\n", "\tnode_count = 99999999999\n");
        EXPECT_ERROR(t3, 2, "too large");
}

static void test_nodes_node_count_must_match_the_node_stanzas(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "\tnode_count = 3\n", "\tnode_count = 2\n");
        EXPECT_ERROR(t, 2, "node_count = 2 but cluster \"mailha\" has 3 node: stanzas");
        _cleanup_(freep) char *t2 = edit(MAIL, "\tnode_count = 3\n", "\tnode_count = 4\n");
        EXPECT_ERROR(t2, 2, "node_count = 4 but");
        /* Found by fuzzing: a cluster without any node: stanza. */
        EXPECT_ERROR("cluster:\n\tnode_count = 1\n\tname = c\n", 2,
                     "node_count = 1 but cluster \"c\" has 0 node: stanzas");
        static const char empty_cluster[] = "cluster:\n\tnode_count = 0\n\tname = c\n";
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(empty_cluster, strlen(empty_cluster));
        assert_int_equal(f->n_nodes, 0);
}

static void test_nodes_heartbeat_mode_is_local_or_global_any_case(void **state) {
        _cleanup_(freep) char *t = edit(MAIL, "= local\n", "= LOCAL\n");
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(t, strlen(t));
        assert_string_equal(f->clusters[0].heartbeat_mode, "local");
        _cleanup_(freep) char *t2 = edit(MAIL, "\theartbeat_mode = local\n", "");
        _cleanup_(nodes_freep) NodeFile *g = parse_ok(t2, strlen(t2));
        assert_null(g->clusters[0].heartbeat_mode);
        _cleanup_(freep) char *t3 = edit(MAIL, "= local\n", "= disk\n");
        EXPECT_ERROR(t3, 3, "heartbeat_mode \"disk\" must be \"local\" or \"global\"");
        _cleanup_(freep) char *t4 = edit(MAIL, "= local\n", "= Global\n");
        _cleanup_(nodes_freep) NodeFile *h =
                expect_warning(t4, 1, "uses global heartbeat but has no heartbeat: region");
        assert_string_equal(h->clusters[0].heartbeat_mode, "global");
}

/* ---- node: checks ------------------------------------------------------- */

static void test_nodes_node_missing_any_attribute_is_rejected(void **state) {
        static const struct {
                const char *line, *msg;
        } cases[] = {
                {"\tip_port = 7777\n", "node \"blade3\" has no ip_port (o2cb requires it"},
                {"\tip_address = 198.18.0.13\n", "node \"blade3\" has no ip_address"},
                {"\tnumber = 3\n", "node \"blade3\" has no number"},
                {"\tname = blade3\n", "node: stanza has no name"},
                {"\tcluster = mailha\n", "node \"blade3\" has no cluster"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(freep) char *t = mail_with_third(cases[i].line, "");
                EXPECT_ERROR(t, 20, cases[i].msg);
        }
}

static void test_nodes_node_name_must_be_a_host_name(void **state) {
        _cleanup_(freep) char *t = mail_with_third("\tname = blade3\n", "\tname = -blade3\n");
        EXPECT_ERROR(t, 24, "must start with a letter or a digit");
        _cleanup_(freep) char *t2 =
                mail_with_third("\tname = blade3\n", "\tname = blade3.example.org\n");
        EXPECT_ERROR(t2, 24, "host name without domain");
        _cleanup_(freep) char *t3 = mail_with_third("\tname = blade3\n", "\tname =\n");
        EXPECT_ERROR(t3, 24, "node name \"\" is empty");
        char longname[80];
        snprintf(longname, sizeof(longname), "\tname = %.64s\n",
                 "b234567890123456789012345678901234567890123456789012345678901234");
        _cleanup_(freep) char *t4 = mail_with_third("\tname = blade3\n", longname);
        EXPECT_ERROR(t4, 24, "longer than 63 characters");
        /* 63 characters, digits first, '_' and '-': fine. */
        snprintf(longname, sizeof(longname), "\tname = %.63s\n",
                 "3_-4567890123456789012345678901234567890123456789012345678901234");
        _cleanup_(freep) char *t5 = mail_with_third("\tname = blade3\n", longname);
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(t5, strlen(t5));
        assert_int_equal(strlen(f->nodes[2].name), 63);
}

static void test_nodes_node_number_is_0_to_254(void **state) {
        _cleanup_(freep) char *t = mail_with_third("\tnumber = 3\n", "\tnumber = 255\n");
        EXPECT_ERROR(t, 23, "number \"255\" is out of range (0..254)");
        _cleanup_(freep) char *t2 = mail_with_third("\tnumber = 3\n", "\tnumber = -1\n");
        EXPECT_ERROR(t2, 23, "number \"-1\" is not a decimal number");
        _cleanup_(freep) char *t3 = mail_with_third("\tnumber = 3\n", "\tnumber = 0x3\n");
        EXPECT_ERROR(t3, 23, "is not a decimal number");
        _cleanup_(freep) char *t4 = mail_with_third("\tnumber = 3\n", "\tnumber = 254\n");
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(t4, strlen(t4));
        assert_int_equal(f->nodes[2].number, 254);
        _cleanup_(freep) char *t5 = mail_with_third("\tnumber = 3\n", "\tnumber = 0\n");
        _cleanup_(nodes_freep) NodeFile *g = parse_ok(t5, strlen(t5));
        assert_int_equal(g->nodes[2].number, 0);
}

static void test_nodes_node_number_name_and_address_are_unique(void **state) {
        _cleanup_(freep) char *t = mail_with_third("\tnumber = 3\n", "\tnumber = 2\n");
        EXPECT_ERROR(t, 23,
                     "node number 2 is used twice in cluster \"mailha\" (first by node \"blade2\" "
                     "on line 13)");
        /* Names compare case-insensitively: o2cb matches the host name so. */
        _cleanup_(freep) char *t2 = mail_with_third("\tname = blade3\n", "\tname = Blade1\n");
        EXPECT_ERROR(t2, 24,
                     "node name \"blade1\" is used twice in cluster \"mailha\" (first on line 6)");
        _cleanup_(freep) char *t3 =
                mail_with_third("\tip_address = 198.18.0.13\n", "\tip_address = 198.18.0.12\n");
        EXPECT_ERROR(t3, 22, "ip_address 198.18.0.12 is used twice");
}

static void test_nodes_ip_address_must_be_ipv4(void **state) {
        static const char *const bad[] = {"198.18.0.256", "198.18.0", "198.18.0.013",
                                          "blade3",       "::1",      ""};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(freep) char *line = NULL;
                assert_true(asprintf(&line, "\tip_address = %s\n", bad[i]) > 0);
                _cleanup_(freep) char *t = mail_with_third("\tip_address = 198.18.0.13\n", line);
                EXPECT_ERROR(t, 22, "is not an IPv4 address");
        }
}

static void test_nodes_ip_port_is_1_to_65535(void **state) {
        static const char *const bad[] = {"0", "65536", "77777", "-1", "port", ""};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(freep) char *line = NULL;
                assert_true(asprintf(&line, "\tip_port = %s\n", bad[i]) > 0);
                _cleanup_(freep) char *t = mail_with_third("\tip_port = 7777\n", line);
                EXPECT_ERROR(t, 21, "is not a port number 1..65535");
        }
        _cleanup_(freep) char *t = mail_with_third("\tip_port = 7777\n", "\tip_port = 65535\n");
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(t, strlen(t));
        assert_int_equal(f->nodes[2].ip_port, 65535);
}

static void test_nodes_node_of_unknown_cluster_is_rejected(void **state) {
        _cleanup_(freep) char *t = mail_with_third("\tcluster = mailha\n", "\tcluster = webha\n");
        EXPECT_ERROR(t, 25, "node \"blade3\": no cluster: stanza named \"webha\"");
}

static void test_nodes_uniqueness_is_per_cluster(void **state) {
        static const char text[] = "cluster:\n\tnode_count = 1\n\tname = a\n\n"
                                   "cluster:\n\tnode_count = 1\n\tname = b\n\n"
                                   "node:\n\tip_port = 7777\n\tip_address = 10.0.0.1\n\tnumber = "
                                   "1\n\tname = n1\n\tcluster = a\n\n"
                                   "node:\n\tip_port = 7777\n\tip_address = 10.0.0.1\n\tnumber = "
                                   "1\n\tname = n1\n\tcluster = b\n";
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(text, strlen(text));
        assert_int_equal(f->n_clusters, 2);
        assert_null(nodes_get_cluster(f, NULL));
        assert_non_null(nodes_get_cluster(f, "b"));
        assert_int_equal(nodes_find_name(f, "b", "n1")->line, 16);
        assert_null(nodes_find_name(f, NULL, "n1"));
        assert_round_trip(f);
}

/* ---- heartbeat: checks -------------------------------------------------- */

static void test_nodes_heartbeat_region_rules(void **state) {
        size_t size;
        _cleanup_(freep) char *s = read_src("tests/data/nodes/ocfs2-tools-sample.conf", &size);

        _cleanup_(freep) char *t = edit(s, "= 77D95EF51C0149D2823674FCC162CF8B", "= 77D95EF5-1C01");
        EXPECT_ERROR(t, 29, "heartbeat region \"77D95EF5-1C01\" is not the UUID");
        _cleanup_(freep) char *t2 =
                edit(s, "= DCDA2845177F4D59A0F2DCD8DE507CC3", "= 77d95ef51c0149d2823674fcc162cf8b");
        EXPECT_ERROR(t2, 33, "is listed twice for cluster \"webcluster\" (first on line 27)");
        _cleanup_(freep) char *t3 =
                edit(s, "heartbeat:\n\tcluster = webcluster", "heartbeat:\n\tcluster = mailha");
        EXPECT_ERROR(t3, 28, "heartbeat: no cluster: stanza named \"mailha\"");
        _cleanup_(freep) char *t4 = edit(s, "heartbeat:\n\tcluster = webcluster\n", "heartbeat:\n");
        EXPECT_ERROR(t4, 27, "heartbeat: stanza has no cluster");
        _cleanup_(freep) char *t5 = edit(s, "\tregion = 77D95EF51C0149D2823674FCC162CF8B\n", "");
        EXPECT_ERROR(t5, 27, "heartbeat: stanza has no region");
        _cleanup_(freep) char *t6 = edit(s, "= global", "= local");
        _cleanup_(nodes_freep) NodeFile *f =
                expect_warning(t6, 35, "o2cb ignores it unless heartbeat_mode = global");
}

static void test_nodes_more_than_32_regions_is_rejected(void **state) {
        _cleanup_(freep) char *base = read_src("tests/data/nodes/ocfs2-tools-sample.conf", NULL);
        char *t = strdup(base);
        for (int i = 0; i < 30; i++) {
                char *n;
                assert_true(asprintf(&n,
                                     "%s\nheartbeat:\n\tcluster = webcluster\n\tregion = %032X\n",
                                     t, i) > 0);
                free(t);
                t = n;
        }
        /* 33 regions; the 30th added (the 33rd) starts on line 39 + 4 * 29. */
        EXPECT_ERROR(t, 39 + 4 * 29, "more than 32 heartbeat regions");
        free(t);
}

/* ---- all problems at once ----------------------------------------------- */

static void test_nodes_every_problem_is_reported_not_only_the_first(void **state) {
        size_t size;
        _cleanup_(freep) char *t = read_src("tests/data/nodes/bad-semantic.conf", &size);
        _cleanup_(diag_clear) DiagList d = {0};
        NodeFile *f = NULL;
        static const int lines[] = {4, 10, 15, 16, 18, 21, 23, 24, 25};

        assert_int_equal(nodes_parse(t, size, &f, &d), -EINVAL);
        if (d.n != ELEMENTSOF(lines))
                dump(&d);
        assert_int_equal(d.n, ELEMENTSOF(lines));
        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                assert_int_equal(d.items[i].level, DIAG_ERROR);
                assert_int_equal(d.items[i].line, lines[i]);
        }

        _cleanup_(freep) char *t2 = read_src("tests/data/nodes/bad-lexical.conf", &size);
        _cleanup_(diag_clear) DiagList d2 = {0};
        static const int lines2[] = {12, 13, 15, 16, 17, 18};
        assert_int_equal(nodes_parse(t2, size, &f, &d2), -EINVAL);
        assert_int_equal(d2.n, ELEMENTSOF(lines2));
        for (size_t i = 0; i < ELEMENTSOF(lines2); i++)
                assert_int_equal(d2.items[i].line, lines2[i]);
}

/* ---- writer, corosync, lookups ------------------------------------------ */

static void test_nodes_format_refuses_what_would_not_read_back(void **state) {
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(MAIL, strlen(MAIL));
        char *text = NULL;
        char *saved = f->nodes[1].name;

        f->nodes[1].name = (char *)"blade\n2";
        assert_int_equal(nodes_format(f, &text), -EINVAL);
        f->nodes[1].name = (char *)" blade2";
        assert_int_equal(nodes_format(f, &text), -EINVAL);
        f->nodes[1].name = saved;
        f->nodes[1].ip_port = 0;
        assert_int_equal(nodes_format(f, &text), -EINVAL);
        assert_null(text);
}

static void test_nodes_corosync_nodelist_exact_text(void **state) {
        _cleanup_(freep) char *s = read_src("tests/data/nodes/ocfs2-tools-sample.conf", NULL);
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(s, strlen(s));
        _cleanup_(freep) char *text = NULL;

        assert_int_equal(nodes_corosync_nodelist(f, NULL, &text), 0);
        assert_string_equal(text, "nodelist {\n"
                                  "    node {\n"
                                  "        ring0_addr: 192.168.0.106\n"
                                  "        name: node6\n"
                                  "        nodeid: 7\n"
                                  "    }\n"
                                  "    node {\n"
                                  "        ring0_addr: 192.168.0.107\n"
                                  "        name: node7\n"
                                  "        nodeid: 8\n"
                                  "    }\n"
                                  "    node {\n"
                                  "        ring0_addr: 192.168.0.110\n"
                                  "        name: node10\n"
                                  "        nodeid: 11\n"
                                  "    }\n"
                                  "}\n");
        char *none = NULL;
        assert_int_equal(nodes_corosync_nodelist(f, "mailha", &none), -ENOENT);
        assert_null(none);
}

static void test_nodes_list_and_lookups(void **state) {
        _cleanup_(freep) char *s = read_src("tests/data/nodes/ocfs2-tools-sample.conf", NULL);
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(s, strlen(s));
        _cleanup_(freep) const NodeEntry **list = NULL;
        size_t n;

        assert_int_equal(nodes_list(f, "webcluster", &list, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(list[0]->number, 6);
        assert_int_equal(list[1]->number, 7);
        assert_int_equal(list[2]->number, 10);
        assert_int_equal(nodes_list(f, "nope", &list, &n), -ENOENT);
        assert_string_equal(nodes_find_name(f, NULL, "NODE10")->ip_address, "192.168.0.110");
        assert_null(nodes_find_name(f, NULL, "node1"));
        assert_string_equal(nodes_find_number(f, "webcluster", 6)->name, "node6");
        assert_null(nodes_find_number(f, NULL, 8));
        assert_string_equal(nodes_get_cluster(f, NULL)->name, "webcluster");
        assert_null(nodes_get_cluster(f, "WEBCLUSTER"));
}

/* ---- hot-add / hot-remove ----------------------------------------------- */

static void test_nodes_add_takes_lowest_free_number_and_keeps_count(void **state) {
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(MAIL, strlen(MAIL));
        _cleanup_(diag_clear) DiagList d = {0};

        assert_int_equal(nodes_add(f, NULL, "blade0", "198.18.0.10", -1, 0, &d), 0);
        assert_int_equal(nodes_find_name(f, NULL, "blade0")->number, 0);
        assert_int_equal(nodes_find_name(f, NULL, "blade0")->ip_port, NODES_DEFAULT_PORT);
        assert_int_equal(nodes_find_name(f, NULL, "blade0")->line, 0);
        assert_int_equal(nodes_add(f, "mailha", "blade4", "198.18.0.14", -1, 7778, &d), 0);
        assert_int_equal(nodes_find_name(f, NULL, "blade4")->number, 4);
        assert_int_equal(nodes_add(f, NULL, "blade9", "198.18.0.19", 9, 0, &d), 0);
        assert_int_equal(f->clusters[0].node_count, 6);
        assert_int_equal(d.n, 0);
        assert_round_trip(f);
}

static void test_nodes_add_refuses_collisions_and_bad_input(void **state) {
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(MAIL, strlen(MAIL));
        _cleanup_(nodes_freep) NodeFile *orig = parse_ok(MAIL, strlen(MAIL));
        _cleanup_(diag_clear) DiagList d = {0};

        assert_int_equal(nodes_add(f, NULL, "BLADE2", "198.18.0.20", -1, 0, &d), -EEXIST);
        assert_diag(&d, DIAG_ERROR, 0, "there is a node named \"blade2\" already (number 2)");
        assert_int_equal(nodes_add(f, NULL, "blade4", "198.18.0.20", 3, 0, &d), -EEXIST);
        assert_diag(&d, DIAG_ERROR, 0, "node number 3 is taken by node \"blade3\"");
        assert_int_equal(nodes_add(f, NULL, "blade4", "198.18.0.11", -1, 0, &d), -EEXIST);
        assert_diag(&d, DIAG_ERROR, 0, "address 198.18.0.11 is taken by node \"blade1\"");
        assert_int_equal(nodes_add(f, NULL, "blade 4", "198.18.0.14", -1, 0, &d), -EINVAL);
        assert_diag(&d, DIAG_ERROR, 0, "node name \"blade 4\" may hold only");
        assert_int_equal(nodes_add(f, NULL, "blade4", "198.18.0.300", -1, 0, &d), -EINVAL);
        assert_diag(&d, DIAG_ERROR, 0, "\"198.18.0.300\" is not an IPv4 address");
        assert_int_equal(nodes_add(f, NULL, "blade4", "198.18.0.14", 255, 0, &d), -EINVAL);
        assert_diag(&d, DIAG_ERROR, 0, "node number 255 is out of range");
        assert_int_equal(nodes_add(f, "webha", "blade4", "198.18.0.14", -1, 0, &d), -ENOENT);
        assert_diag(&d, DIAG_ERROR, 0, "no cluster \"webha\"");
        assert_true(nodes_equal(f, orig));
}

static void test_nodes_add_when_every_number_is_taken_is_enospc(void **state) {
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(MAIL, strlen(MAIL));
        _cleanup_(diag_clear) DiagList d = {0};

        for (int i = 0; f->n_nodes < NODES_MAX_NUMBER + 1; i++) {
                char name[32], ip[32];
                snprintf(name, sizeof(name), "b%d", i);
                snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 200, i % 200 + 1);
                assert_int_equal(nodes_add(f, NULL, name, ip, -1, 0, &d), 0);
        }
        assert_int_equal(f->clusters[0].node_count, 255);
        assert_int_equal(nodes_add(f, NULL, "last", "10.9.9.9", -1, 0, &d), -ENOSPC);
        assert_diag(&d, DIAG_ERROR, 0, "every node number 0..254 is taken");
        assert_round_trip(f);
}

static void test_nodes_remove_drops_node_and_count(void **state) {
        _cleanup_(nodes_freep) NodeFile *f = parse_ok(MAIL, strlen(MAIL));
        _cleanup_(diag_clear) DiagList d = {0};

        assert_int_equal(nodes_remove(f, NULL, "Blade2", &d), 0);
        assert_int_equal(f->n_nodes, 2);
        assert_int_equal(f->clusters[0].node_count, 2);
        assert_null(nodes_find_name(f, NULL, "blade2"));
        assert_string_equal(f->nodes[1].name, "blade3");
        assert_int_equal(nodes_remove(f, NULL, "blade2", &d), -ENOENT);
        assert_diag(&d, DIAG_ERROR, 0, "no node named \"blade2\" in cluster \"mailha\"");
        assert_int_equal(nodes_remove(f, "webha", "blade1", &d), -ENOENT);
        assert_round_trip(f);
        /* Re-adding takes the freed number. */
        assert_int_equal(nodes_add(f, NULL, "blade2", "198.18.0.12", -1, 0, &d), 0);
        assert_int_equal(nodes_find_name(f, NULL, "blade2")->number, 0);
}

/* ---- bladectl end to end ------------------------------------------------ */

static char *slurp_fd(int fd) {
        char *buf = NULL;
        size_t n = 0;
        ssize_t k;
        char chunk[4096];

        lseek(fd, 0, SEEK_SET);
        while ((k = read(fd, chunk, sizeof(chunk))) > 0) {
                buf = realloc(buf, n + (size_t)k + 1);
                assert_non_null(buf);
                memcpy(buf + n, chunk, (size_t)k);
                n += (size_t)k;
        }
        if (!buf)
                buf = calloc(1, 1);
        buf[n] = 0;
        return buf;
}

/* Runs BUILDDIR/bladectl with args; returns its exit status. */
static int run_bladectl(const char *const *args, char **out, char **err) {
        char bin[] = BUILDDIR "/bladectl";
        char o[] = "/tmp/test_nodes_outXXXXXX", e[] = "/tmp/test_nodes_errXXXXXX";
        const char *argv[16] = {bin};
        int fo, fe, status;
        pid_t pid;

        if (access(bin, X_OK) < 0)
                skip();
        for (int i = 0; args[i]; i++)
                argv[i + 1] = args[i];
        fo = mkstemp(o);
        fe = mkstemp(e);
        assert_true(fo >= 0 && fe >= 0);
        unlink(o);
        unlink(e);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(fo, 1);
                dup2(fe, 2);
                execv(bin, (char *const *)argv);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        *out = slurp_fd(fo);
        *err = slurp_fd(fe);
        close(fo);
        close(fe);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_bladectl_nodes_validate_bad_file_lists_errors_exit_2(void **state) {
        _cleanup_(freep) char *out = NULL, *err = NULL;
        const char *file = SRCDIR "/tests/data/nodes/bad-semantic.conf";
        const char *args[] = {"nodes", "validate", file, NULL};

        assert_int_equal(run_bladectl(args, &out, &err), 2);
        assert_string_equal(out, "");
        _cleanup_(freep) char *want = NULL;
        assert_true(asprintf(&want,
                             "%1$s:4: node_count = 4 but cluster \"mailha\" has 2 node: stanzas\n"
                             "%1$s:10: node \"blade1\": number \"1 \" is not a decimal number "
                             "(trailing blank: o2cb "
                             "rejects the whole file for it)\n"
                             "%1$s:15: node \"blade1\": ip_port \"77777\" is not a port number "
                             "1..65535\n"
                             "%1$s:16: node \"blade1\": ip_address \"198.18.0.256\" is not an IPv4 "
                             "address (dotted "
                             "quad, no leading zeros)\n"
                             "%1$s:18: node name \"blade1\" is used twice in cluster \"mailha\" "
                             "(first on line 7)\n"
                             "%1$s:21: node: stanza has no ip_port (o2cb requires it; 7777 is "
                             "customary)\n"
                             "%1$s:23: number \"255\" is out of range (0..254)\n"
                             "%1$s:24: node name \"-blade3\" must start with a letter or a digit\n"
                             "%1$s:25: no cluster: stanza named \"mailhb\"\n",
                             file) > 0);
        assert_string_equal(err, want);
}

static void test_bladectl_nodes_validate_good_file_prints_summary(void **state) {
        _cleanup_(freep) char *out = NULL, *err = NULL;
        const char *args[] = {"nodes", "validate", SRCDIR "/xml/examples/cluster.conf", NULL};

        assert_int_equal(run_bladectl(args, &out, &err), 0);
        assert_string_equal(err, "");
        assert_string_equal(
                out,
                SRCDIR "/xml/examples/cluster.conf: cluster mailha (local heartbeat), 3 blades: "
                       "blade1 (1), blade2 (2), blade3 (3)\n");
}

static void test_bladectl_nodes_validate_warnings_alone_exit_0(void **state) {
        char path[] = "/tmp/test_nodes_warnXXXXXX";
        int fd = mkstemp(path);
        _cleanup_(freep) char *text =
                edit(MAIL, "\tnumber = 3\n", "\tnumber = 3\n\tcolour = blue\n");
        _cleanup_(freep) char *out = NULL, *err = NULL, *want = NULL;
        const char *args[] = {"nodes", "validate", path, NULL};

        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        int r = run_bladectl(args, &out, &err);
        unlink(path);
        assert_int_equal(r, 0);
        assert_true(asprintf(&want,
                             "%s:24: warning: unknown key \"colour\" in node: stanza (ignored)\n",
                             path) > 0);
        assert_string_equal(err, want);
        assert_non_null(strstr(out, "3 blades"));
}

static void test_bladectl_nodes_validate_missing_file_and_usage(void **state) {
        _cleanup_(freep) char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL, *out3 = NULL,
                              *err3 = NULL;
        const char *args[] = {"nodes", "validate", "/nonexistent/cluster.conf", NULL};
        const char *args2[] = {"nodes", "validate", NULL};
        const char *args3[] = {"nodes", "validate", "--help", NULL};

        assert_int_equal(run_bladectl(args, &out, &err), 2);
        assert_string_equal(err,
                            "/nonexistent/cluster.conf: cannot read: No such file or directory\n");
        assert_int_equal(run_bladectl(args2, &out2, &err2), 2);
        assert_non_null(strstr(err2, "Usage: bladectl nodes validate FILE"));
        assert_int_equal(run_bladectl(args3, &out3, &err3), 0);
        assert_non_null(strstr(out3, "Usage: bladectl nodes validate FILE"));
}

static void test_bladectl_nodes_corosync_prints_nodelist(void **state) {
        _cleanup_(freep) char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL, *out3 = NULL,
                              *err3 = NULL;
        const char *args[] = {"nodes", "corosync", SRCDIR "/xml/examples/cluster.conf", NULL};
        const char *args2[] = {"nodes", "corosync", SRCDIR "/tests/data/nodes/bad-crlf.conf", NULL};
        const char *args3[] = {
                "nodes", "corosync", "--cluster", "webha", SRCDIR "/xml/examples/cluster.conf",
                NULL};

        assert_int_equal(run_bladectl(args, &out, &err), 0);
        assert_string_equal(err, "");
        assert_string_equal(out, "nodelist {\n"
                                 "    node {\n        ring0_addr: 198.18.0.11\n        name: "
                                 "blade1\n        nodeid: 2\n    }\n"
                                 "    node {\n        ring0_addr: 198.18.0.12\n        name: "
                                 "blade2\n        nodeid: 3\n    }\n"
                                 "    node {\n        ring0_addr: 198.18.0.13\n        name: "
                                 "blade3\n        nodeid: 4\n    }\n"
                                 "}\n");
        assert_int_equal(run_bladectl(args2, &out2, &err2), 2);
        assert_string_equal(out2, "");
        assert_non_null(strstr(err2, "bad-crlf.conf:1: carriage return (CRLF line ending)"));
        assert_int_equal(run_bladectl(args3, &out3, &err3), 2);
        assert_non_null(strstr(err3, "no cluster named 'webha'"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nodes_ocfs2_tools_sample_parses_as_is),
                cmocka_unit_test(test_nodes_mail_example_parses_and_writes_back_byte_for_byte),
                cmocka_unit_test(test_nodes_empty_file_has_no_cluster),
                cmocka_unit_test(test_nodes_header_with_blank_before_colon_is_rejected),
                cmocka_unit_test(test_nodes_header_with_trailing_text_is_rejected),
                cmocka_unit_test(test_nodes_header_without_colon_is_rejected),
                cmocka_unit_test(test_nodes_unindented_attribute_is_rejected),
                cmocka_unit_test(test_nodes_attribute_after_blank_line_is_outside_a_stanza),
                cmocka_unit_test(test_nodes_comment_in_column_one_does_not_end_stanza),
                cmocka_unit_test(test_nodes_attribute_without_equals_is_rejected),
                cmocka_unit_test(test_nodes_value_leading_blanks_dropped_trailing_kept),
                cmocka_unit_test(test_nodes_backslash_continues_a_value_with_a_newline),
                cmocka_unit_test(test_nodes_duplicate_key_last_wins_with_warning),
                cmocka_unit_test(test_nodes_unknown_key_and_stanza_type_are_warned_and_ignored),
                cmocka_unit_test(test_nodes_crlf_is_rejected_naming_the_line),
                cmocka_unit_test(test_nodes_nul_and_control_bytes_are_rejected),
                cmocka_unit_test(test_nodes_binary_junk_is_rejected_without_crash),
                cmocka_unit_test(test_nodes_many_problems_are_capped_with_a_count),
                cmocka_unit_test(test_nodes_huge_value_is_handled_and_quoted_short),
                cmocka_unit_test(test_nodes_input_over_one_mib_is_rejected),
                cmocka_unit_test(test_nodes_too_many_stanzas_are_refused),
                cmocka_unit_test(test_nodes_cluster_name_rules),
                cmocka_unit_test(test_nodes_cluster_defined_twice_is_rejected),
                cmocka_unit_test(test_nodes_node_count_must_be_decimal_and_present),
                cmocka_unit_test(test_nodes_node_count_must_match_the_node_stanzas),
                cmocka_unit_test(test_nodes_heartbeat_mode_is_local_or_global_any_case),
                cmocka_unit_test(test_nodes_node_missing_any_attribute_is_rejected),
                cmocka_unit_test(test_nodes_node_name_must_be_a_host_name),
                cmocka_unit_test(test_nodes_node_number_is_0_to_254),
                cmocka_unit_test(test_nodes_node_number_name_and_address_are_unique),
                cmocka_unit_test(test_nodes_ip_address_must_be_ipv4),
                cmocka_unit_test(test_nodes_ip_port_is_1_to_65535),
                cmocka_unit_test(test_nodes_node_of_unknown_cluster_is_rejected),
                cmocka_unit_test(test_nodes_uniqueness_is_per_cluster),
                cmocka_unit_test(test_nodes_heartbeat_region_rules),
                cmocka_unit_test(test_nodes_more_than_32_regions_is_rejected),
                cmocka_unit_test(test_nodes_every_problem_is_reported_not_only_the_first),
                cmocka_unit_test(test_nodes_format_refuses_what_would_not_read_back),
                cmocka_unit_test(test_nodes_corosync_nodelist_exact_text),
                cmocka_unit_test(test_nodes_list_and_lookups),
                cmocka_unit_test(test_nodes_add_takes_lowest_free_number_and_keeps_count),
                cmocka_unit_test(test_nodes_add_refuses_collisions_and_bad_input),
                cmocka_unit_test(test_nodes_add_when_every_number_is_taken_is_enospc),
                cmocka_unit_test(test_nodes_remove_drops_node_and_count),
                cmocka_unit_test(test_bladectl_nodes_validate_bad_file_lists_errors_exit_2),
                cmocka_unit_test(test_bladectl_nodes_validate_good_file_prints_summary),
                cmocka_unit_test(test_bladectl_nodes_validate_warnings_alone_exit_0),
                cmocka_unit_test(test_bladectl_nodes_validate_missing_file_and_usage),
                cmocka_unit_test(test_bladectl_nodes_corosync_prints_nodelist),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
