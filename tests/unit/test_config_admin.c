/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The admin edits of resources.xml (config_admin.c): what they write, that
 * the result validates and keeps the rest of the file, and every refusal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bladed/config.h"
#include "bladed/config_admin.h"
#include "bladed/state.h"
#include "bladed/status_text.h"
#include "bladed/status_xml.h"

#define EXAMPLE SRCDIR "/xml/examples/mail-cluster.xml"

static const char *const blades[] = {"blade1", "blade2", "blade3"};
#define N_BLADES 3

static char *example(size_t *len) {
        FILE *f = fopen(EXAMPLE, "rb");
        char *buf = calloc(1, 1 << 20);
        size_t n;

        assert_non_null(f);
        assert_non_null(buf);
        n = fread(buf, 1, (1 << 20) - 1, f);
        fclose(f);
        assert_true(n > 0);
        *len = n;
        return buf;
}

/* The document as libxml2 writes it back without a change: what an edit
 * and its undo must give again, byte for byte. */
static char *normalised(const char *doc, size_t len) {
        uint64_t epoch;
        char *out;

        assert_int_equal(config_get_epoch(doc, len, &epoch), 0);
        assert_int_equal(config_set_epoch(doc, len, epoch, &out, NULL), 0);
        return out;
}

static Config *parse_ok(const char *doc) {
        DiagList d = {0};
        Config *c = NULL;

        if (config_parse(doc, strlen(doc), &c, &d) < 0) {
                for (size_t i = 0; i < d.n; i++)
                        fprintf(stderr, "line %d: %s\n", d.items[i].line, d.items[i].msg);
                fail_msg("the edited document does not parse:\n%s", doc);
        }
        diag_clear(&d);
        return c;
}

/* The cli-* locations of rsc in doc (count), the last one in *ret. */
static size_t cli_locations(const char *doc, const char *rsc, Location *ret) {
        Config *c = parse_ok(doc);
        size_t n = 0;

        for (size_t i = 0; i < c->n_locations; i++) {
                const Location *l = &c->locations[i];
                if (strcmp(l->rsc, rsc) != 0 || config_admin_location_kind(l) == 0)
                        continue;
                n++;
                if (ret) {
                        free(ret->id);
                        free(ret->node);
                        *ret = (Location){
                                .id = strdup(l->id), .node = strdup(l->node), .score = l->score};
                }
        }
        config_free(c);
        return n;
}

static void location_clear(Location *l) {
        free(l->id);
        free(l->node);
        *l = (Location){0};
}

static void test_config_admin_migrate_adds_prefer_and_unmigrate_gives_the_file_back(void **state) {
        size_t len;
        char *doc = example(&len), *norm = normalised(doc, len);
        ConfigAdminResult a = {0}, b = {0};
        Location l = {0};

        assert_int_equal(
                config_admin_migrate(doc, len, "vip-mx1", "blade2", "blade1", blades, N_BLADES, &a),
                0);
        assert_non_null(strstr(a.doc, "<location id=\"cli-prefer-vip-mx1\" rsc=\"vip-mx1\" "
                                      "node=\"blade2\" score=\"INFINITY\"/>"));
        assert_int_equal(cli_locations(a.doc, "vip-mx1", &l), 1);
        assert_string_equal(l.node, "blade2");
        assert_int_equal(l.score, 1000000);
        assert_non_null(strstr(a.message, "cli-prefer-vip-mx1"));
        /* comments and the rest survive */
        assert_non_null(strstr(a.doc, "<!-- A single preference with an explicit score. -->"));
        assert_non_null(strstr(a.doc, "<order id=\"ldap-first\""));
        /* indented like its siblings */
        assert_non_null(strstr(a.doc, "\n    <location id=\"cli-prefer-vip-mx1\""));

        assert_int_equal(config_admin_unmigrate(a.doc, a.doc_len, "vip-mx1", &b), 0);
        assert_string_equal(b.doc, norm);
        assert_string_equal(b.message, "vip-mx1: removed 1 preference left by migrate");
        location_clear(&l);
        config_admin_result_done(&a);
        config_admin_result_done(&b);
        free(norm);
        free(doc);
}

static void test_config_admin_migrate_away_bans_the_current_blade(void **state) {
        size_t len;
        char *doc = example(&len);
        ConfigAdminResult a = {0};
        Location l = {0};

        assert_int_equal(
                config_admin_migrate(doc, len, "vm-ldap", NULL, "blade1", blades, N_BLADES, &a), 0);
        assert_int_equal(cli_locations(a.doc, "vm-ldap", &l), 1);
        assert_string_equal(l.id, "cli-ban-vm-ldap-on-blade1");
        assert_string_equal(l.node, "blade1");
        assert_int_equal(l.score, -1000000);
        assert_non_null(strstr(a.doc, "score=\"-INFINITY\""));
        location_clear(&l);
        config_admin_result_done(&a);
        free(doc);
}

static void test_config_admin_migrate_replaces_an_earlier_one(void **state) {
        size_t len;
        char *doc = example(&len);
        ConfigAdminResult a = {0}, b = {0}, c = {0};
        Location l = {0};

        assert_int_equal(
                config_admin_migrate(doc, len, "vip-mx1", NULL, "blade1", blades, N_BLADES, &a), 0);
        assert_int_equal(config_admin_migrate(a.doc, a.doc_len, "vip-mx1", "blade3", NULL, blades,
                                              N_BLADES, &b),
                         0);
        assert_int_equal(cli_locations(b.doc, "vip-mx1", &l), 1);
        assert_string_equal(l.id, "cli-prefer-vip-mx1");
        assert_string_equal(l.node, "blade3");
        assert_int_equal(config_admin_migrate(b.doc, b.doc_len, "vip-mx1", "blade2", NULL, blades,
                                              N_BLADES, &c),
                         0);
        assert_int_equal(cli_locations(c.doc, "vip-mx1", &l), 1);
        assert_string_equal(l.node, "blade2");
        /* the same again: nothing to do, and said so */
        config_admin_result_done(&a);
        assert_int_equal(config_admin_migrate(c.doc, c.doc_len, "vip-mx1", "blade2", NULL, blades,
                                              N_BLADES, &a),
                         -EALREADY);
        assert_null(a.doc);
        assert_non_null(strstr(a.message, "already"));
        /* other resources' constraints are untouched */
        assert_int_equal(cli_locations(c.doc, "vip-mx2", NULL), 0);
        assert_non_null(strstr(c.doc, "<location id=\"pref-mx1\""));
        location_clear(&l);
        config_admin_result_done(&a);
        config_admin_result_done(&b);
        config_admin_result_done(&c);
        free(doc);
}

static void test_config_admin_migrate_group_member_is_refused_naming_the_group(void **state) {
        size_t len;
        char *doc = example(&len);
        ConfigAdminResult a = {0};

        assert_int_equal(
                config_admin_migrate(doc, len, "vm-webmail", "blade3", NULL, blades, N_BLADES, &a),
                -EINVAL);
        assert_null(a.doc);
        assert_non_null(strstr(a.message, "g-webmail"));
        /* the group itself moves */
        assert_int_equal(
                config_admin_migrate(doc, len, "g-webmail", "blade3", NULL, blades, N_BLADES, &a),
                0);
        assert_int_equal(cli_locations(a.doc, "g-webmail", NULL), 1);
        config_admin_result_done(&a);
        free(doc);
}

static void test_config_admin_migrate_refuses_bad_requests(void **state) {
        size_t len;
        char *doc = example(&len);
        ConfigAdminResult a = {0};
        char long_id[200];

        assert_int_equal(
                config_admin_migrate(doc, len, "vip-nope", "blade2", NULL, blades, N_BLADES, &a),
                -ENOENT);
        assert_non_null(strstr(a.message, "unknown resource 'vip-nope'"));
        assert_int_equal(
                config_admin_migrate(doc, len, "vip-mx1", "blade9", NULL, blades, N_BLADES, &a),
                -ENOENT);
        assert_non_null(strstr(a.message, "unknown blade 'blade9'"));
        /* without a node list only the syntax is checked */
        assert_int_equal(config_admin_migrate(doc, len, "vip-mx1", "blade9", NULL, NULL, 0, &a), 0);
        config_admin_result_done(&a);
        assert_int_equal(
                config_admin_migrate(doc, len, "vip-mx1", "-bad", NULL, blades, N_BLADES, &a),
                -EINVAL);
        assert_int_equal(
                config_admin_migrate(doc, len, "vip\x1b[2J", "blade2", NULL, blades, N_BLADES, &a),
                -ENOENT);
        assert_null(strchr(a.message, '\x1b'));
        /* runs nowhere and no target */
        assert_int_equal(
                config_admin_migrate(doc, len, "vip-mx1", NULL, NULL, blades, N_BLADES, &a),
                -EINVAL);
        assert_non_null(strstr(a.message, "name the blade"));
        /* a resource id long enough to push the location id past 128 */
        memset(long_id, 'x', 125);
        long_id[125] = 0;
        char *big = malloc(len + 400);
        snprintf(big, len + 400,
                 "<bladed-config epoch=\"1\"><resources><primitive id=\"%s\" "
                 "agent=\"ocf:bladed:vip\"/></resources></bladed-config>",
                 long_id);
        assert_int_equal(config_admin_migrate(big, strlen(big), long_id, "blade2", NULL, blades,
                                              N_BLADES, &a),
                         -ENAMETOOLONG);
        free(big);
        /* a document that does not parse */
        assert_int_equal(config_admin_migrate("<bladed-config", 14, "vip-mx1", "blade2", NULL,
                                              blades, N_BLADES, &a),
                         -EBADMSG);
        assert_null(a.doc);
        assert_int_equal(
                config_admin_migrate("", 0, "vip-mx1", "blade2", NULL, blades, N_BLADES, &a),
                -EBADMSG);
        free(doc);
}

static void test_config_admin_migrate_to_standby_blade_is_refused(void **state) {
        size_t len;
        char *doc = example(&len);
        ConfigAdminResult a = {0}, b = {0};

        assert_int_equal(config_admin_standby(doc, len, "blade2", true, blades, N_BLADES, &a), 0);
        assert_int_equal(config_admin_migrate(a.doc, a.doc_len, "vip-mx1", "blade2", NULL, blades,
                                              N_BLADES, &b),
                         -EBUSY);
        assert_non_null(strstr(b.message, "bladectl online blade2"));
        config_admin_result_done(&a);
        free(doc);
}

static void test_config_admin_unmigrate_without_preference_fails_clearly(void **state) {
        size_t len;
        char *doc = example(&len);
        ConfigAdminResult a = {0};

        assert_int_equal(config_admin_unmigrate(doc, len, "vip-mx1", &a), -ENODATA);
        assert_string_equal(a.message, "vip-mx1 has no preference left by migrate");
        assert_null(a.doc);
        assert_int_equal(config_admin_unmigrate(doc, len, "vip-nope", &a), -ENOENT);
        /* a hand-written location is not migrate's to remove */
        assert_int_equal(config_admin_unmigrate(doc, len, "vm-ldap", &a), -ENODATA);
        free(doc);
}

static void test_config_admin_unmigrate_removes_every_cli_location(void **state) {
        const char *doc = "<bladed-config epoch=\"4\">\n"
                          "  <resources>\n"
                          "    <primitive id=\"a\" agent=\"ocf:bladed:vip\"/>\n"
                          "  </resources>\n"
                          "  <constraints>\n"
                          "    <!-- left by hand -->\n"
                          "    <location id=\"cli-ban-a-on-n1\" rsc=\"a\" node=\"n1\" "
                          "score=\"-INFINITY\"/>\n"
                          "    <location id=\"keep\" rsc=\"a\" node=\"n1\" score=\"5\"/>\n"
                          "    <location id=\"cli-ban-a-on-n2\" rsc=\"a\" node=\"n2\" "
                          "score=\"-INFINITY\"/>\n"
                          "  </constraints>\n"
                          "</bladed-config>\n";
        ConfigAdminResult a = {0};

        assert_int_equal(config_admin_unmigrate(doc, strlen(doc), "a", &a), 0);
        assert_string_equal(a.message, "a: removed 2 preferences left by migrate");
        assert_null(strstr(a.doc, "cli-"));
        assert_non_null(strstr(a.doc, "<!-- left by hand -->\n    <location id=\"keep\""));
        assert_non_null(strstr(a.doc, "score=\"5\"/>\n  </constraints>"));
        config_admin_result_done(&a);
}

static void test_config_admin_standby_creates_node_and_online_removes_it(void **state) {
        const char *doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<bladed-config epoch=\"2\">\n"
                          "  <!-- nothing but a comment -->\n"
                          "</bladed-config>\n";
        ConfigAdminResult a = {0}, b = {0};
        Config *c;

        assert_int_equal(
                config_admin_standby(doc, strlen(doc), "blade3", true, blades, N_BLADES, &a), 0);
        c = parse_ok(a.doc);
        assert_non_null(config_find_node(c, "blade3"));
        assert_true(config_find_node(c, "blade3")->standby);
        config_free(c);
        assert_non_null(strstr(a.doc, "<node name=\"blade3\" standby=\"true\"/>"));
        assert_non_null(strstr(a.doc, "<!-- nothing but a comment -->"));
        assert_int_equal(
                config_admin_standby(a.doc, a.doc_len, "blade3", true, blades, N_BLADES, &b),
                -EALREADY);
        assert_int_equal(
                config_admin_standby(a.doc, a.doc_len, "blade3", false, blades, N_BLADES, &b), 0);
        c = parse_ok(b.doc);
        assert_null(config_find_node(c, "blade3"));
        config_free(c);
        config_admin_result_done(&a);
        config_admin_result_done(&b);
}

static void test_config_admin_standby_and_online_on_the_example(void **state) {
        size_t len;
        char *doc = example(&len), *norm = normalised(doc, len);
        ConfigAdminResult a = {0}, b = {0};
        Config *c;

        assert_int_equal(config_admin_standby(doc, len, "blade2", false, blades, N_BLADES, &a),
                         -EALREADY);
        assert_string_equal(a.message, "blade2 is not on standby");
        assert_int_equal(config_admin_standby(doc, len, "blade7", true, blades, N_BLADES, &a),
                         -ENOENT);
        assert_int_equal(config_admin_standby(doc, len, "bl ade", true, blades, N_BLADES, &a),
                         -EINVAL);
        assert_int_equal(config_admin_standby(doc, len, "blade2", true, blades, N_BLADES, &a), 0);
        c = parse_ok(a.doc);
        assert_true(config_find_node(c, "blade2")->standby);
        assert_false(config_find_node(c, "blade1")->standby);
        /* its capacity stays */
        assert_true(config_find_node(c, "blade2")->has_capacity);
        config_free(c);
        assert_int_equal(
                config_admin_standby(a.doc, a.doc_len, "blade2", false, blades, N_BLADES, &b), 0);
        /* the <node> keeps its capacity; only the attribute went */
        assert_string_equal(b.doc, norm);
        config_admin_result_done(&a);
        config_admin_result_done(&b);
        free(norm);
        free(doc);
}

static void test_config_admin_maintenance_on_off(void **state) {
        size_t len;
        char *doc = example(&len), *norm = normalised(doc, len);
        ConfigAdminResult a = {0}, b = {0};
        Config *c;

        assert_int_equal(config_admin_maintenance(doc, len, false, &a), -EALREADY);
        assert_string_equal(a.message, "maintenance mode is already off");
        assert_int_equal(config_admin_maintenance(doc, len, true, &a), 0);
        c = parse_ok(a.doc);
        assert_true(c->props.maintenance);
        assert_int_equal(c->props.default_stickiness, 100);
        config_free(c);
        assert_int_equal(config_admin_maintenance(a.doc, a.doc_len, false, &b), 0);
        assert_string_equal(b.doc, norm); /* the example says maintenance="false" */
        config_admin_result_done(&a);
        config_admin_result_done(&b);

        /* no <properties> at all: created */
        const char *bare = "<bladed-config epoch=\"1\"/>";
        assert_int_equal(config_admin_maintenance(bare, strlen(bare), true, &a), 0);
        c = parse_ok(a.doc);
        assert_true(c->props.maintenance);
        config_free(c);
        config_admin_result_done(&a);
        free(norm);
        free(doc);
}

static void test_config_admin_migrate_into_empty_or_missing_constraints(void **state) {
        const char *docs[] = {
                "<bladed-config epoch=\"1\"><resources><primitive id=\"a\" "
                "agent=\"ocf:bladed:vip\"/></resources></bladed-config>",
                "<bladed-config epoch=\"1\">\n  <resources><primitive id=\"a\" "
                "agent=\"ocf:bladed:vip\"/></resources>\n  <constraints/>\n</bladed-config>",
                "<bladed-config epoch=\"1\">\n  <resources><primitive id=\"a\" "
                "agent=\"ocf:bladed:vip\"/></resources>\n  <constraints>\n    <!-- none yet -->\n"
                "  </constraints>\n</bladed-config>",
        };
        for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
                ConfigAdminResult a = {0};
                assert_int_equal(config_admin_migrate(docs[i], strlen(docs[i]), "a", "blade1", NULL,
                                                      blades, N_BLADES, &a),
                                 0);
                assert_int_equal(cli_locations(a.doc, "a", NULL), 1);
                config_admin_result_done(&a);
        }
}

static void test_config_admin_location_kind(void **state) {
        Location l = {.id = "cli-prefer-x"};

        assert_int_equal(config_admin_location_kind(&l), 1);
        l.id = "cli-ban-x-on-blade1";
        assert_int_equal(config_admin_location_kind(&l), 2);
        l.id = "pref-mx1";
        assert_int_equal(config_admin_location_kind(&l), 0);
        l.id = NULL;
        assert_int_equal(config_admin_location_kind(&l), 0);
        assert_int_equal(config_admin_location_kind(NULL), 0);
}

/* status --xml and status show what migrate left, the reader skips it */
static void test_config_admin_status_shows_preferences_left_by_migrate(void **state) {
        size_t len;
        char *doc = example(&len), *xml = NULL, *text = NULL;
        ConfigAdminResult a = {0}, b = {0};
        const uint32_t ids[] = {1, 2, 3};
        DiagList d = {0};
        Snapshot s, back;
        Config *c;
        size_t xlen;

        assert_int_equal(
                config_admin_migrate(doc, len, "vip-mx1", "blade2", NULL, blades, N_BLADES, &a), 0);
        assert_int_equal(config_admin_migrate(a.doc, a.doc_len, "vm-ldap", NULL, "blade1", blades,
                                              N_BLADES, &b),
                         0);
        c = parse_ok(b.doc);
        assert_int_equal(snapshot_init(&s, c, blades, ids, N_BLADES), 0);
        assert_int_equal(status_xml_write(&s, &xml, &xlen), 0);
        assert_non_null(strstr(xml, "<preference rsc=\"vip-mx1\" node=\"blade2\" "
                                    "score=\"INFINITY\" id=\"cli-prefer-vip-mx1\"/>"));
        assert_non_null(strstr(xml, "<ban rsc=\"vm-ldap\" node=\"blade1\" score=\"-INFINITY\" "
                                    "id=\"cli-ban-vm-ldap-on-blade1\"/>"));
        /* hand-written locations are not shown as migrate's */
        assert_null(strstr(xml, "pref-mx1"));
        /* read back without a word about them */
        assert_int_equal(status_xml_read(xml, xlen, c, &back, &d), 0);
        assert_int_equal(d.n, 0);
        snapshot_done(&back);
        assert_int_equal(status_text_write(&s, NULL, &text), 0);
        assert_non_null(strstr(text, "Preferences left by migrate"));
        assert_non_null(strstr(text, "vip-mx1      prefers blade2  (cli-prefer-vip-mx1)"));
        assert_non_null(strstr(text, "avoids  blade1  (cli-ban-vm-ldap-on-blade1)"));
        free(text);
        free(xml);
        snapshot_done(&s);
        config_free(c);

        /* none left: no section */
        c = parse_ok(doc);
        assert_int_equal(snapshot_init(&s, c, blades, ids, N_BLADES), 0);
        assert_int_equal(status_text_write(&s, NULL, &text), 0);
        assert_null(strstr(text, "Preferences"));
        assert_int_equal(status_xml_write(&s, &xml, &xlen), 0);
        assert_null(strstr(xml, "<preference"));
        free(text);
        free(xml);
        snapshot_done(&s);
        config_free(c);
        diag_clear(&d);
        config_admin_result_done(&a);
        config_admin_result_done(&b);
        free(doc);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(
                        test_config_admin_migrate_adds_prefer_and_unmigrate_gives_the_file_back),
                cmocka_unit_test(test_config_admin_migrate_away_bans_the_current_blade),
                cmocka_unit_test(test_config_admin_migrate_replaces_an_earlier_one),
                cmocka_unit_test(
                        test_config_admin_migrate_group_member_is_refused_naming_the_group),
                cmocka_unit_test(test_config_admin_migrate_refuses_bad_requests),
                cmocka_unit_test(test_config_admin_migrate_to_standby_blade_is_refused),
                cmocka_unit_test(test_config_admin_unmigrate_without_preference_fails_clearly),
                cmocka_unit_test(test_config_admin_unmigrate_removes_every_cli_location),
                cmocka_unit_test(test_config_admin_standby_creates_node_and_online_removes_it),
                cmocka_unit_test(test_config_admin_standby_and_online_on_the_example),
                cmocka_unit_test(test_config_admin_maintenance_on_off),
                cmocka_unit_test(test_config_admin_migrate_into_empty_or_missing_constraints),
                cmocka_unit_test(test_config_admin_location_kind),
                cmocka_unit_test(test_config_admin_status_shows_preferences_left_by_migrate),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
