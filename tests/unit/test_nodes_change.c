/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for hot-add / hot-remove's pure parts (nodes_change.c) and
 * the reducer's blade list change (cluster_set_blades). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bladed/cluster.h"
#include "bladed/nodes_change.h"

/* blade1..3 = numbers 1..3 = node ids 2..4 */
static const char three[] = "cluster:\n\tnode_count = 3\n\tname = mail\n\n"
                            "node:\n\tip_port = 7777\n\tip_address = 198.18.0.11\n"
                            "\tnumber = 1\n\tname = blade1\n\tcluster = mail\n\n"
                            "node:\n\tip_port = 7777\n\tip_address = 198.18.0.12\n"
                            "\tnumber = 2\n\tname = blade2\n\tcluster = mail\n\n"
                            "node:\n\tip_port = 7777\n\tip_address = 198.18.0.13\n"
                            "\tnumber = 3\n\tname = blade3\n\tcluster = mail\n\n";

static NodeFile *parse(const char *text) {
        NodeFile *f = NULL;
        assert_int_equal(nodes_parse(text, strlen(text), &f, NULL), 0);
        return f;
}

/* The old file with a hot-add (or remove when ip is NULL) applied, in the
 * canonical form the daemon sends. */
static char *changed(const char *name, const char *ip, int number) {
        NodeFile *f = parse(three);
        char *text = NULL;
        if (ip)
                assert_int_equal(nodes_add(f, NULL, name, ip, number, 0, NULL), 0);
        else
                assert_int_equal(nodes_remove(f, NULL, name, NULL), 0);
        assert_int_equal(nodes_format(f, &text), 0);
        nodes_free(f);
        return text;
}

typedef struct Verdict {
        int r;
        char *why, *summary;
        NodeFile *nf;
} Verdict;

static Verdict check(const char *text, const uint32_t *members, size_t n_members,
                     const uint32_t *lost, size_t n_lost) {
        NodeFile *old = parse(three);
        Verdict v = {0};
        NodesChangeInput in = {.old = old,
                               .cluster = "mail",
                               .text = text,
                               .text_len = strlen(text),
                               .members = members,
                               .n_members = n_members,
                               .lost = lost,
                               .n_lost = n_lost};
        v.r = nodes_change_check(&in, &v.nf, &v.summary, &v.why);
        nodes_free(old);
        return v;
}

static void verdict_done(Verdict *v) {
        free(v->why);
        free(v->summary);
        nodes_free(v->nf);
}

static const uint32_t all3[] = {2, 3, 4};

static void test_nodes_change_add_accepted_when_every_blade_runs(void **state) {
        char *text = changed("blade4", "198.18.0.14", 4);
        Verdict v = check(text, all3, 3, NULL, 0);

        assert_int_equal(v.r, 0);
        assert_null(v.why);
        assert_string_equal(v.summary, "add blade4 (198.18.0.14, number 4)");
        assert_non_null(nodes_find_name(v.nf, "mail", "blade4"));
        assert_int_equal(nodes_get_cluster(v.nf, "mail")->node_count, 4);
        verdict_done(&v);
        free(text);
}

static void test_nodes_change_refuses_when_a_staying_blade_is_absent(void **state) {
        char *text = changed("blade4", "198.18.0.14", 4);
        /* blade3 (node id 4) is down: it would keep the old file */
        Verdict v = check(text, (const uint32_t[]){2, 3}, 2, NULL, 0);

        assert_int_equal(v.r, -EINVAL);
        assert_null(v.nf);
        assert_non_null(strstr(v.why, "blade3 does not run bladed"));
        verdict_done(&v);
        free(text);
}

static void test_nodes_change_remove_needs_the_blade_out_of_the_group(void **state) {
        char *text = changed("blade3", NULL, 0);
        Verdict v = check(text, all3, 3, NULL, 0);

        assert_int_equal(v.r, -EINVAL);
        assert_non_null(strstr(v.why, "blade3 is online"));
        verdict_done(&v);

        v = check(text, (const uint32_t[]){2, 3}, 2, NULL, 0);
        assert_int_equal(v.r, 0);
        assert_string_equal(v.summary, "remove blade3");
        assert_null(nodes_find_name(v.nf, "mail", "blade3"));
        verdict_done(&v);

        /* gone without a goodbye and not fenced: its resources are not free */
        v = check(text, (const uint32_t[]){2, 3}, 2, (const uint32_t[]){4}, 1);
        assert_int_equal(v.r, -EINVAL);
        assert_non_null(strstr(v.why, "not confirmed fenced"));
        verdict_done(&v);
        free(text);
}

static void test_nodes_change_refuses_what_would_lose_the_majority(void **state) {
        static const char two[] = "cluster:\n\tnode_count = 2\n\tname = mail\n\n"
                                  "node:\n\tip_port = 7777\n\tip_address = 198.18.0.11\n"
                                  "\tnumber = 1\n\tname = blade1\n\tcluster = mail\n\n"
                                  "node:\n\tip_port = 7777\n\tip_address = 198.18.0.12\n"
                                  "\tnumber = 2\n\tname = blade2\n\tcluster = mail\n\n";
        static const char one[] = "cluster:\n\tnode_count = 1\n\tname = mail\n\n"
                                  "node:\n\tip_port = 7777\n\tip_address = 198.18.0.11\n"
                                  "\tnumber = 1\n\tname = blade1\n\tcluster = mail\n\n";
        NodeFile *old = parse(one), *nf = NULL;
        char *why = NULL;
        /* 1 running blade of 2 after the add: quorum lost until it joins */
        NodesChangeInput in = {.old = old,
                               .cluster = "mail",
                               .text = two,
                               .text_len = strlen(two),
                               .members = (const uint32_t[]){2},
                               .n_members = 1};
        assert_int_equal(nodes_change_check(&in, &nf, NULL, &why), -EINVAL);
        assert_non_null(strstr(why, "majority"));
        assert_null(nf);
        free(why);
        nodes_free(old);

        /* removing the last blade leaves no cluster */
        old = parse(one);
        in = (NodesChangeInput){.old = old,
                                .cluster = "mail",
                                .text = "cluster:\n\tnode_count = 0\n\tname = mail\n",
                                .members = NULL};
        in.text_len = strlen(in.text);
        assert_int_equal(nodes_change_check(&in, &nf, NULL, &why), -EINVAL);
        assert_non_null(strstr(why, "no blade"));
        free(why);
        nodes_free(old);
}

static void test_nodes_change_refuses_bad_or_altering_files(void **state) {
        Verdict v;

        /* not a node file: the parser's first error, with its line */
        v = check("cluster:\n\tnode_count = 9\n\tname = mail\n", all3, 3, NULL, 0);
        assert_int_equal(v.r, -EINVAL);
        assert_non_null(strstr(v.why, "invalid: line"));
        verdict_done(&v);

        /* the same blades: nothing to do */
        v = check(three, all3, 3, NULL, 0);
        assert_int_equal(v.r, -EALREADY);
        verdict_done(&v);

        /* blade2 readdressed under the same number */
        char *text = strdup(three);
        memcpy(strstr(text, "198.18.0.12"), "198.18.0.22", 11);
        v = check(text, all3, 3, NULL, 0);
        assert_int_equal(v.r, -EINVAL);
        assert_non_null(strstr(v.why, "alters blade blade2"));
        verdict_done(&v);
        free(text);

        /* another cluster's name */
        text = strdup(three);
        for (char *p; (p = strstr(text, "mail"));)
                memcpy(p, "post", 4);
        v = check(text, all3, 3, NULL, 0);
        assert_int_equal(v.r, -EINVAL);
        assert_non_null(strstr(v.why, "no blade of cluster mail"));
        verdict_done(&v);
        free(text);
}

static char *rewrite(const char *conf, const char *nodelist, int want) {
        char *out = NULL;
        size_t len = 0;
        const char *why = NULL;
        int r = nodes_corosync_conf_rewrite(conf, strlen(conf), nodelist, &out, &len, &why);
        assert_int_equal(r, want);
        if (r == 0) {
                assert_int_equal(len, strlen(out));
                assert_null(why);
        } else {
                assert_non_null(why);
                assert_null(out);
        }
        return out;
}

static void test_nodes_change_corosync_rewrite_keeps_everything_else(void **state) {
        static const char conf[] = "# managed by hand\n"
                                   "totem {\n"
                                   "\tversion: 2\n"
                                   "\tcluster_name: mail\n"
                                   "\tinterface {\n"
                                   "\t\tlinknumber: 0\n"
                                   "\t}\n"
                                   "}\n"
                                   "\n"
                                   "  nodelist  {   \n"
                                   "\t# old blades\n"
                                   "\tnode {\n"
                                   "\t\tring0_addr: 198.18.0.11\n"
                                   "\t\tnodeid: 2\n"
                                   "\t}\n"
                                   "}\n"
                                   "quorum {\n"
                                   "\tprovider: corosync_votequorum\n"
                                   "}\n"
                                   "logging { \n"
                                   "\t# a } in a comment does not count\n"
                                   "\tlogfile: /var/log/corosync.log\n"
                                   "}";
        static const char nl[] = "nodelist {\n    node {\n        nodeid: 5\n    }\n}\n";
        char *out = rewrite(conf, nl, 0);
        const char *head_end = strstr(conf, "  nodelist"), *tail = strstr(conf, "quorum {");

        /* bytes before and after the section are the original bytes */
        assert_memory_equal(out, conf, (size_t)(head_end - conf));
        assert_memory_equal(out + (head_end - conf), nl, strlen(nl));
        assert_string_equal(out + (head_end - conf) + strlen(nl), tail);
        assert_null(strstr(out, "old blades"));

        /* idempotent: the same nodelist again gives the same file */
        char *again = rewrite(out, nl, 0);
        assert_string_equal(again, out);
        free(again);
        free(out);

        /* no nodelist yet: appended after a blank line */
        out = rewrite("totem {\n\tversion: 2\n}", nl, 0);
        assert_string_equal(out, "totem {\n\tversion: 2\n}\n\nnodelist {\n    node {\n        "
                                 "nodeid: 5\n    }\n}\n");
        free(out);

        /* a nested "nodelist" section is not the top-level one */
        out = rewrite("totem {\n\tnodelist {\n\t}\n}\n", nl, 0);
        assert_non_null(strstr(out, "\tnodelist {\n\t}\n}\n\nnodelist {"));
        free(out);
}

static void test_nodes_change_corosync_rewrite_refuses_what_it_cannot_read(void **state) {
        static const char nl[] = "nodelist {\n}\n";
        char nul[] = "totem {\n}\nX\n";
        char *out = NULL;
        size_t len;
        const char *why;

        assert_null(rewrite("totem {\n\tversion: 2\n", nl, -EINVAL));
        assert_null(rewrite("totem {\n}\n}\n", nl, -EINVAL));
        assert_null(rewrite("nodelist {\n}\nnodelist {\n}\n", nl, -EINVAL));
        nul[10] = 0;
        assert_int_equal(nodes_corosync_conf_rewrite(nul, sizeof(nul) - 1, nl, &out, &len, &why),
                         -EINVAL);
        assert_null(out);
}

static int stamp(const char *doc, size_t len, uint64_t epoch, char **ret, size_t *ret_len) {
        *ret = strndup(doc, len);
        *ret_len = len;
        return *ret ? 0 : -ENOMEM;
}

static void test_nodes_change_cluster_set_blades_moves_the_majority(void **state) {
        const char *names[] = {"blade1", "blade2", "blade3", "blade4"};
        const uint32_t ids[] = {2, 3, 4, 5};
        ClusterInit in = {.local_nodeid = 2,
                          .local_pid = 100,
                          .names = names,
                          .nodeids = ids,
                          .n_blades = 3,
                          .doc = "x",
                          .doc_len = 1,
                          .stamp = stamp};
        ClusterAddr two[] = {{2, 100, 0}, {3, 200, 0}};
        ClusterEffects fx = {0};
        Cluster c;
        char buf[64];

        assert_int_equal(cluster_init(&c, &in), 0);
        assert_int_equal(cluster_apply_confchg(&c, two, 2, NULL, 0, two, 2, &fx), 0);
        cluster_effects_done(&fx);
        assert_true(cluster_has_majority(&c)); /* 2 of 3 */
        assert_string_equal(cluster_blade_name(&c, 5, buf, sizeof(buf)), "node 5");

        assert_int_equal(cluster_set_blades(&c, names, ids, 4), 0);
        assert_false(cluster_has_majority(&c)); /* 2 of 4 */
        assert_string_equal(cluster_blade_name(&c, 5, buf, sizeof(buf)), "blade4");

        /* blade2 leaves without a goodbye, then is removed: no "lost" record stays */
        ClusterAddr left[] = {{3, 200, CLUSTER_REASON_FAILED}};
        assert_int_equal(cluster_apply_confchg(&c, two, 1, left, 1, NULL, 0, &fx), 0);
        cluster_effects_done(&fx);
        assert_int_equal(cluster_blade_state(&c, 3), BLADE_LOST);
        const char *kept[] = {"blade1"};
        assert_int_equal(cluster_set_blades(&c, kept, (const uint32_t[]){2}, 1), 0);
        assert_int_equal(cluster_blade_state(&c, 3), BLADE_OFFLINE);
        assert_true(cluster_has_majority(&c)); /* 1 of 1 */
        cluster_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nodes_change_add_accepted_when_every_blade_runs),
                cmocka_unit_test(test_nodes_change_refuses_when_a_staying_blade_is_absent),
                cmocka_unit_test(test_nodes_change_remove_needs_the_blade_out_of_the_group),
                cmocka_unit_test(test_nodes_change_refuses_what_would_lose_the_majority),
                cmocka_unit_test(test_nodes_change_refuses_bad_or_altering_files),
                cmocka_unit_test(test_nodes_change_corosync_rewrite_keeps_everything_else),
                cmocka_unit_test(test_nodes_change_corosync_rewrite_refuses_what_it_cannot_read),
                cmocka_unit_test(test_nodes_change_cluster_set_blades_moves_the_majority),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
