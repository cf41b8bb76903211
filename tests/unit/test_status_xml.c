/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The status document: writer, reader, round trip, errors, derived roles. */
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
#include "bladed/status_text.h"
#include "bladed/status_xml.h"
#include "sched_fixture.h"

static Config *two_rsc(void) {
        Config *c = fx_config();
        fx_rsc(c, "vip-mx1", "vip");
        fx_rsc(c, "vm-ldap", "vm");
        c->epoch = 7;
        return c;
}

static bool diag_has(const DiagList *d, const char *needle) {
        for (size_t i = 0; i < d->n; i++)
                if (strstr(d->items[i].msg, needle))
                        return true;
        return false;
}

static void test_status_xml_round_trip_keeps_everything(void **state) {
        Config *c = two_rsc();
        Snapshot s, back;
        DiagList d = {0};
        char *t1, *t2;
        size_t n1;

        fx_snapshot(&s, c, 3);
        s.now_ms = 123456789;
        s.local = 1;
        s.coordinator = 0;
        s.blades[2].state = BLADE_LOST;
        s.blades[2].probed = false;
        fx_role(&s, "vip-mx1", "blade1", RSC_STARTED);
        fx_role(&s, "vm-ldap", "blade2", RSC_FAILED);
        RscBlade *rb = fx_rb(&s, "vm-ldap", "blade2");
        rb->failcount = 3;
        rb->last_failure_ms = 120000;
        rb->last_rc = 1;
        rb->exit_reason = strdup("domain <ldap> & \"friends\" crashed\x01");
        rb = fx_rb(&s, "vm-ldap", "blade1");
        rb->banned = true;
        rb->last_rc = 5;
        fx_role(&s, "vip-mx1", "blade3", RSC_STARTED);

        assert_int_equal(status_xml_write(&s, &t1, &n1), 0);
        assert_int_equal(strlen(t1), n1);
        assert_non_null(strstr(t1, "<status epoch=\"7\" quorate=\"true\" coordinator=\"blade1\" "
                                   "local=\"blade2\" now=\"123456789\">"));
        assert_non_null(strstr(t1, "&lt;ldap&gt; &amp; &quot;friends&quot; crashed?"));
        assert_int_equal(status_xml_read(t1, n1, c, &back, &d), 0);
        assert_int_equal(d.n, 0);
        assert_int_equal(back.n_blades, 3);
        assert_true(back.now_ms == 123456789);
        assert_int_equal(back.local, 1);
        assert_int_equal(back.coordinator, 0);
        assert_int_equal(back.blades[2].state, BLADE_LOST);
        assert_false(back.blades[2].probed);
        for (size_t r = 0; r < 2; r++)
                for (size_t b = 0; b < 3; b++) {
                        const RscBlade *x = snapshot_rb(&s, r, b), *y = snapshot_rb(&back, r, b);
                        /* blade3 is not probed: what we wrote as stopped there
                         * (the default of a probed blade) reads back as written. */
                        assert_int_equal(x->role, y->role);
                        assert_int_equal(x->failcount, y->failcount);
                        assert_true(x->last_failure_ms == y->last_failure_ms);
                        assert_int_equal(x->banned, y->banned);
                        assert_int_equal(x->last_rc, y->last_rc);
                }
        assert_string_equal(snapshot_rb(&back, 1, 1)->exit_reason,
                            "domain <ldap> & \"friends\" crashed?");
        assert_int_equal(status_xml_write(&back, &t2, NULL), 0);
        assert_string_equal(t1, t2);
        free(t1);
        free(t2);
        snapshot_done(&back);
        snapshot_done(&s);
        config_free(c);
        diag_clear(&d);
}

static void test_status_xml_defaults_and_blade_order(void **state) {
        static const char doc[] =
                "<status quorate=\"false\">\n"
                "  <node name=\"b9\" id=\"9\" state=\"online\"/>\n"
                "  <node name=\"b2\" id=\"2\" state=\"standby\" probed=\"false\"/>\n"
                "  <resource id=\"vm-ldap\"><on node=\"b9\" role=\"started\"/></resource>\n"
                "</status>\n";
        Config *c = two_rsc();
        Snapshot s;
        DiagList d = {0};

        assert_int_equal(status_xml_read(doc, strlen(doc), c, &s, &d), 0);
        assert_false(s.quorate);
        assert_true(s.now_ms == 0);
        assert_int_equal(s.local, IDX_NONE);
        assert_int_equal(s.coordinator, IDX_NONE);
        /* Sorted by nodeid. */
        assert_string_equal(s.blades[0].name, "b2");
        assert_string_equal(s.blades[1].name, "b9");
        assert_int_equal(s.blades[0].state, BLADE_STANDBY);
        assert_true(s.blades[1].probed);
        /* No <on>: stopped where probed, unknown where not. */
        assert_int_equal(snapshot_rb(&s, 0, 0)->role, RSC_UNKNOWN);
        assert_int_equal(snapshot_rb(&s, 0, 1)->role, RSC_STOPPED);
        assert_int_equal(snapshot_rb(&s, 1, 1)->role, RSC_STARTED);
        assert_int_equal(snapshot_rb(&s, 1, 1)->last_rc, -1);
        snapshot_done(&s);
        config_free(c);
        diag_clear(&d);
}

/* Reads doc, expects -EINVAL and a diagnostic containing needle. */
static void expect_error(const char *doc, const char *needle) {
        Config *c = two_rsc();
        Snapshot s;
        DiagList d = {0};

        assert_int_equal(status_xml_read(doc, strlen(doc), c, &s, &d), -EINVAL);
        if (!diag_has(&d, needle)) {
                for (size_t i = 0; i < d.n; i++)
                        fprintf(stderr, "%d: %s\n", d.items[i].line, d.items[i].msg);
                fail_msg("no diagnostic with \"%s\"", needle);
        }
        assert_null(s.blades);
        config_free(c);
        diag_clear(&d);
}

static void test_status_xml_rejects_bad_documents_with_reasons(void **state) {
        expect_error("", "empty");
        expect_error("<status><node", "not well-formed XML");
        expect_error("<config/>", "root element must be <status>");
        expect_error("<!DOCTYPE status [<!ENTITY x \"y\">]><status/>",
                     "document type declarations");
        expect_error("<status><node name=\"a\" id=\"1\" state=\"up\"/></status>",
                     "state \"up\" is not online");
        expect_error("<status><node name=\"a\" state=\"online\"/></status>",
                     "name, id and state are required");
        expect_error("<status><node name=\"a\" id=\"x\" state=\"online\"/></status>",
                     "id=\"x\" is not a number");
        expect_error("<status><node name=\"a\" id=\"1\" state=\"online\"/>"
                     "<node name=\"b\" id=\"1\" state=\"online\"/></status>",
                     "id 1 is used twice");
        expect_error("<status><node name=\"a\" id=\"1\" state=\"online\"/>"
                     "<node name=\"a\" id=\"2\" state=\"online\"/></status>",
                     "name a is used twice");
        expect_error("<status><node name=\"a\" id=\"1\" state=\"online\"/>"
                     "<resource id=\"vm-nope\"/></status>",
                     "\"vm-nope\" is not a resource of the configuration");
        expect_error(
                "<status><node name=\"a\" id=\"1\" state=\"online\"/>"
                "<resource id=\"vm-ldap\"><on node=\"z\" role=\"started\"/></resource></status>",
                "unknown node \"z\"");
        expect_error(
                "<status><node name=\"a\" id=\"1\" state=\"online\"/>"
                "<resource id=\"vm-ldap\"><on node=\"a\" role=\"running\"/></resource></status>",
                "role \"running\" is not");
        expect_error("<status><node name=\"a\" id=\"1\" state=\"online\"/>"
                     "<resource id=\"vm-ldap\"><on node=\"a\" role=\"started\" "
                     "rc=\"256\"/></resource></status>",
                     "rc=\"256\"");
        expect_error("<status><node name=\"a\" id=\"1\" state=\"online\"/>"
                     "<resource id=\"vm-ldap\"><on node=\"a\" role=\"started\"/>"
                     "<on node=\"a\" role=\"stopped\"/></resource></status>",
                     "node a is given twice");
        expect_error("<status><node name=\"a\" id=\"1\" state=\"online\"/>"
                     "<resource id=\"vm-ldap\"/><resource id=\"vm-ldap\"/></status>",
                     "vm-ldap is given twice");
        expect_error("<status><node name=\"a b\" id=\"1\" state=\"online\"/></status>",
                     "\"a b\" is not a blade name");
        expect_error("<status quorate=\"maybe\"/>", "quorate=\"maybe\" is not true or false");
        expect_error("<status local=\"nowhere\"/>", "local=\"nowhere\" is not a <node>");
}

static void test_status_xml_warns_about_unknown_names_but_reads(void **state) {
        static const char doc[] = "<status colour=\"blue\">\n"
                                  "  <node name=\"a\" id=\"1\" state=\"online\" rack=\"3\"/>\n"
                                  "  <extra/>\n"
                                  "</status>\n";
        Config *c = two_rsc();
        Snapshot s;
        DiagList d = {0};

        assert_int_equal(status_xml_read(doc, strlen(doc), c, &s, &d), 0);
        assert_int_equal(d.n_errors, 0);
        assert_true(diag_has(&d, "unknown attribute colour ignored"));
        assert_true(diag_has(&d, "unknown attribute rack ignored"));
        assert_true(diag_has(&d, "unknown element <extra> ignored"));
        assert_int_equal(d.items[1].line, 2);
        snapshot_done(&s);
        config_free(c);
        diag_clear(&d);
}

static void test_status_xml_derives_cluster_roles(void **state) {
        Config *c = two_rsc();
        Snapshot s;
        size_t b;

        fx_snapshot(&s, c, 2);
        assert_string_equal(status_rsc_role(&s, NULL, 0, &b), "stopped");
        assert_int_equal(b, IDX_NONE);
        fx_role(&s, "vip-mx1", "blade2", RSC_STARTED);
        assert_string_equal(status_rsc_role(&s, NULL, 0, &b), "started");
        assert_int_equal(b, 1);
        fx_role(&s, "vip-mx1", "blade1", RSC_FAILED);
        assert_string_equal(status_rsc_role(&s, NULL, 0, &b), "failed");
        assert_int_equal(b, 0);
        fx_role(&s, "vip-mx1", "blade1", RSC_MIGRATING);
        assert_string_equal(status_rsc_role(&s, NULL, 0, NULL), "migrating");
        fx_role(&s, "vip-mx1", "blade1", RSC_STOPPED);
        /* A fenced blade holds nothing, whatever its last roles said. */
        fx_blade(&s, "blade2", BLADE_FENCED);
        assert_string_equal(status_rsc_role(&s, NULL, 0, NULL), "stopped");

        /* With a plan: starting, stopping, blocked. */
        Plan *p = fx_run(&s);
        assert_string_equal(status_rsc_role(&s, p, 0, &b), "starting");
        assert_int_equal(b, 0);
        plan_free(p);
        fx_blade(&s, "blade2", BLADE_ONLINE);
        c->resources[0].target_role = TARGET_ROLE_STOPPED;
        p = fx_run(&s);
        assert_string_equal(status_rsc_role(&s, p, 0, NULL), "stopping");
        plan_free(p);
        fx_loc(c, "vm-ldap", "blade1", -SCORE_INFINITY);
        fx_loc(c, "vm-ldap", "blade2", -SCORE_INFINITY);
        p = fx_run(&s);
        assert_string_equal(status_rsc_role(&s, p, 1, NULL), "blocked");
        char *t;
        assert_int_equal(status_xml_write_plan(&s, p, &t, NULL), 0);
        assert_non_null(strstr(t, "<resource id=\"vm-ldap\" agent=\"ocf:bladed:vm\" "
                                  "role=\"blocked\" failcount=\"0\""));
        assert_non_null(
                strstr(t, "<resource id=\"vip-mx1\" agent=\"ocf:bladed:vip\" role=\"stopping\" "
                          "node=\"blade2\" failcount=\"0\">"));
        free(t);
        plan_free(p);
        c->props.maintenance = true;
        assert_string_equal(status_rsc_role(&s, NULL, 0, NULL), "unmanaged");
        snapshot_done(&s);
        config_free(c);
}

/* What the admin needs without the journal: why a resource is blocked,
 * what the agent said, fencing disabled, a failed fence (an alert). */
static void test_status_shows_reasons_and_alerts(void **state) {
        Config *c = two_rsc();
        const char *alerts[] = {"FENCING FAILED: blade2 (attempt 3): fence_x off exit 1: no route"};
        Snapshot s;
        char *t;

        (void)state;
        fx_snapshot(&s, c, 2);
        fx_loc(c, "vm-ldap", "blade1", -SCORE_INFINITY);
        fx_loc(c, "vm-ldap", "blade2", -SCORE_INFINITY);
        RscBlade *rb = snapshot_rb(&s, 0, 1);
        rb->role = RSC_FAILED;
        rb->failcount = 2;
        rb->banned = true;
        rb->last_rc = 5;
        rb->exit_reason = strdup("no such nic \"eth9\"");
        c->props.fencing = false;
        Plan *p = fx_run(&s);

        assert_int_equal(status_xml_write_full(&s, p, alerts, 1, &t, NULL), 0);
        assert_non_null(strstr(t, "fencing=\"false\""));
        assert_non_null(strstr(t, "role=\"blocked\" failcount=\"0\" reason=\""));
        assert_non_null(strstr(t, "<alert>FENCING FAILED: blade2 (attempt 3)"));
        free(t);
        /* the reader takes its own output back */
        {
                Snapshot back;
                DiagList d = {0};
                size_t len;
                assert_int_equal(status_xml_write_full(&s, p, alerts, 1, &t, &len), 0);
                assert_int_equal(status_xml_read(t, len, c, &back, &d), 0);
                assert_int_equal(d.n, 0);
                snapshot_done(&back);
                diag_clear(&d);
                free(t);
        }

        StatusTextInfo info = {.plan = p, .alerts = alerts, .n_alerts = 1};
        assert_int_equal(status_text_write(&s, &info, &t), 0);
        assert_non_null(strstr(t, "vm-ldap"));
        assert_non_null(strstr(t, "why: "));
        assert_non_null(strstr(t, "blade2: failed, rc 5 (no such nic \"eth9\"), banned here"));
        assert_non_null(strstr(t, "WARNING: fencing is disabled"));
        assert_non_null(strstr(t, "FENCING FAILED: blade2"));
        free(t);

        /* nothing to say: no Attention section at all */
        c->props.fencing = true;
        info = (StatusTextInfo){0};
        assert_int_equal(status_text_write(&s, &info, &t), 0);
        assert_null(strstr(t, "Attention"));
        free(t);
        plan_free(p);
        snapshot_done(&s);
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_status_xml_round_trip_keeps_everything),
                cmocka_unit_test(test_status_xml_defaults_and_blade_order),
                cmocka_unit_test(test_status_xml_rejects_bad_documents_with_reasons),
                cmocka_unit_test(test_status_xml_warns_about_unknown_names_but_reads),
                cmocka_unit_test(test_status_xml_derives_cluster_roles),
                cmocka_unit_test(test_status_shows_reasons_and_alerts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
