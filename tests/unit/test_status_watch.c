/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bladectl's waits and Nagios check (status_watch.c), judged on status
 * documents written by the daemon's own writer (status_xml_write). */
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
#include "bladed/state.h"
#include "bladed/status_watch.h"
#include "bladed/status_xml.h"

#define EXAMPLE SRCDIR "/xml/examples/mail-cluster.xml"

static const char *const blades[] = {"blade1", "blade2", "blade3"};
static const uint32_t ids[] = {1, 2, 3};

typedef struct Fx {
        Config *c;
        Snapshot s;
        StatusView v;
        char why[256];
} Fx;

static Config *load_example(const char *extra_from, const char *extra_to) {
        FILE *f = fopen(EXAMPLE, "rb");
        char *buf = calloc(1, 1 << 20), *out;
        DiagList d = {0};
        Config *c = NULL;
        size_t n;

        assert_non_null(f);
        n = fread(buf, 1, (1 << 20) - 1, f);
        fclose(f);
        if (extra_from) {
                /* a small textual edit of the example (target-role and such) */
                char *at = strstr(buf, extra_from);
                assert_non_null(at);
                out = calloc(1, n + strlen(extra_to) + 1);
                memcpy(out, buf, (size_t)(at - buf));
                strcat(out, extra_to);
                strcat(out, at + strlen(extra_from));
                free(buf);
                buf = out;
                n = strlen(buf);
        }
        assert_int_equal(config_parse(buf, n, &c, &d), 0);
        diag_clear(&d);
        free(buf);
        return c;
}

/* Three blades online, probed, quorate; every resource started on its
 * usual blade. */
static int setup(void **state) {
        static const char *const where[][2] = {
                {"vip-mx1", "blade1"},     {"vip-mx2", "blade2"},    {"vip-imap", "blade3"},
                {"vip-pop3", "blade3"},    {"vm-ldap", "blade1"},    {"vm-antispam", "blade3"},
                {"vip-webmail", "blade2"}, {"vm-webmail", "blade2"},
        };
        Fx *fx = calloc(1, sizeof(Fx));

        fx->c = load_example(NULL, NULL);
        assert_int_equal(snapshot_init(&fx->s, fx->c, blades, ids, 3), 0);
        fx->s.quorate = true;
        fx->s.coordinator = 0;
        for (size_t b = 0; b < 3; b++) {
                fx->s.blades[b].state = BLADE_ONLINE;
                fx->s.blades[b].probed = true;
                for (size_t r = 0; r < fx->c->n_resources; r++)
                        snapshot_rb(&fx->s, r, b)->role = RSC_STOPPED;
        }
        for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
                size_t r = config_find_resource(fx->c, where[i][0]);
                size_t b = snapshot_find_blade(&fx->s, where[i][1]);
                assert_true(r != IDX_NONE && b != IDX_NONE);
                snapshot_rb(&fx->s, r, b)->role = RSC_STARTED;
        }
        *state = fx;
        return 0;
}

static int teardown(void **state) {
        Fx *fx = *state;

        status_view_done(&fx->v);
        snapshot_done(&fx->s);
        config_free(fx->c);
        free(fx);
        return 0;
}

static void set_role(Fx *fx, const char *rsc, const char *blade, RscRole role) {
        size_t r = config_find_resource(fx->c, rsc), b = snapshot_find_blade(&fx->s, blade);

        assert_true(r != IDX_NONE && b != IDX_NONE);
        snapshot_rb(&fx->s, r, b)->role = role;
}

/* Writes the snapshot as the daemon does and reads it as bladectl does. */
static StatusView *view(Fx *fx) {
        char *xml;
        size_t len;
        const char *why;

        status_view_done(&fx->v);
        assert_int_equal(status_xml_write(&fx->s, &xml, &len), 0);
        assert_int_equal(status_view_read(xml, len, &fx->v, &why), 0);
        free(xml);
        return &fx->v;
}

static void test_status_watch_migrate_waits_until_started_on_target(void **state) {
        Fx *fx = *state;
        const char *rsc[] = {"vip-mx1"}, *where = NULL;

        assert_int_equal(status_watch_moved(view(fx), rsc, 1, "blade2", NULL, &where, fx->why,
                                            sizeof(fx->why)),
                         WATCH_WAIT);
        assert_string_equal(fx->why, "vip-mx1 still runs on blade1");
        /* stopped on blade1, not started yet */
        set_role(fx, "vip-mx1", "blade1", RSC_STOPPED);
        assert_int_equal(status_watch_moved(view(fx), rsc, 1, "blade2", NULL, &where, fx->why,
                                            sizeof(fx->why)),
                         WATCH_WAIT);
        assert_string_equal(fx->why, "vip-mx1 is stopped");
        set_role(fx, "vip-mx1", "blade2", RSC_STARTED);
        assert_int_equal(status_watch_moved(view(fx), rsc, 1, "blade2", NULL, &where, fx->why,
                                            sizeof(fx->why)),
                         WATCH_DONE);
        assert_string_equal(where, "blade2");
}

static void test_status_watch_migrate_away_accepts_any_other_blade(void **state) {
        Fx *fx = *state;
        const char *rsc[] = {"vm-ldap"}, *where = NULL;

        assert_int_equal(status_watch_moved(view(fx), rsc, 1, NULL, "blade1", &where, fx->why,
                                            sizeof(fx->why)),
                         WATCH_WAIT);
        set_role(fx, "vm-ldap", "blade1", RSC_STOPPED);
        set_role(fx, "vm-ldap", "blade3", RSC_STARTED);
        assert_int_equal(status_watch_moved(view(fx), rsc, 1, NULL, "blade1", &where, fx->why,
                                            sizeof(fx->why)),
                         WATCH_DONE);
        assert_string_equal(where, "blade3");
}

static void test_status_watch_group_members_must_share_the_target(void **state) {
        Fx *fx = *state;
        const char *rsc[] = {"vip-webmail", "vm-webmail"}, *where = NULL;

        set_role(fx, "vip-webmail", "blade2", RSC_STOPPED);
        set_role(fx, "vip-webmail", "blade3", RSC_STARTED);
        assert_int_equal(status_watch_moved(view(fx), rsc, 2, "blade3", NULL, &where, fx->why,
                                            sizeof(fx->why)),
                         WATCH_WAIT);
        assert_non_null(strstr(fx->why, "vm-webmail still runs on blade2"));
        set_role(fx, "vm-webmail", "blade2", RSC_MIGRATING);
        assert_int_equal(status_watch_moved(view(fx), rsc, 2, "blade3", NULL, &where, fx->why,
                                            sizeof(fx->why)),
                         WATCH_WAIT);
        assert_non_null(strstr(fx->why, "migrating"));
        set_role(fx, "vm-webmail", "blade2", RSC_STOPPED);
        set_role(fx, "vm-webmail", "blade3", RSC_STARTED);
        assert_int_equal(status_watch_moved(view(fx), rsc, 2, "blade3", NULL, &where, fx->why,
                                            sizeof(fx->why)),
                         WATCH_DONE);
}

static void test_status_watch_failures_and_maintenance_end_the_wait(void **state) {
        Fx *fx = *state;
        const char *rsc[] = {"vip-mx1"}, *missing[] = {"vip-gone"};
        size_t r = config_find_resource(fx->c, "vip-mx1");

        /* a failed start on the target keeps waiting (recovery may follow)
         * and shows the agent's reason */
        set_role(fx, "vip-mx1", "blade1", RSC_STOPPED);
        set_role(fx, "vip-mx1", "blade2", RSC_FAILED);
        snapshot_rb(&fx->s, r, 1)->exit_reason = strdup("nic eth9 not found");
        assert_int_equal(status_watch_moved(view(fx), rsc, 1, "blade2", NULL, NULL, fx->why,
                                            sizeof(fx->why)),
                         WATCH_WAIT);
        assert_string_equal(fx->why, "vip-mx1 is failed on blade2: nic eth9 not found");
        assert_int_equal(status_watch_moved(view(fx), missing, 1, "blade2", NULL, NULL, fx->why,
                                            sizeof(fx->why)),
                         WATCH_FAILED);
        /* no quorum: waiting, saying why */
        fx->s.quorate = false;
        set_role(fx, "vip-mx1", "blade2", RSC_STARTED);
        assert_int_equal(status_watch_moved(view(fx), rsc, 1, "blade2", NULL, NULL, fx->why,
                                            sizeof(fx->why)),
                         WATCH_WAIT);
        assert_non_null(strstr(fx->why, "quorum"));
        fx->s.quorate = true;
        /* maintenance: nothing will move */
        ((Config *)fx->c)->props.maintenance = true;
        assert_int_equal(status_watch_moved(view(fx), rsc, 1, "blade3", NULL, NULL, fx->why,
                                            sizeof(fx->why)),
                         WATCH_FAILED);
        assert_non_null(strstr(fx->why, "maintenance off"));
        assert_int_equal(status_watch_drained(view(fx), "blade2", fx->why, sizeof(fx->why)),
                         WATCH_FAILED);
}

static void test_status_watch_standby_waits_until_the_blade_holds_nothing(void **state) {
        Fx *fx = *state;

        fx->s.blades[1].state = BLADE_STANDBY;
        assert_int_equal(status_watch_drained(view(fx), "blade2", fx->why, sizeof(fx->why)),
                         WATCH_WAIT);
        assert_string_equal(fx->why, "blade2 still holds 3 resources: vip-mx2 (started), ...");
        set_role(fx, "vip-mx2", "blade2", RSC_STOPPED);
        set_role(fx, "vip-mx2", "blade3", RSC_STARTED);
        set_role(fx, "vip-webmail", "blade2", RSC_STOPPED);
        set_role(fx, "vm-webmail", "blade2", RSC_STOP_FAILED);
        assert_int_equal(status_watch_drained(view(fx), "blade2", fx->why, sizeof(fx->why)),
                         WATCH_WAIT);
        assert_non_null(strstr(fx->why, "1 resource: vm-webmail"));
        set_role(fx, "vm-webmail", "blade2", RSC_STOPPED);
        assert_int_equal(status_watch_drained(view(fx), "blade2", fx->why, sizeof(fx->why)),
                         WATCH_DONE);
        assert_int_equal(status_watch_drained(view(fx), "blade9", fx->why, sizeof(fx->why)),
                         WATCH_FAILED);
}

static void test_status_check_ok_line(void **state) {
        Fx *fx = *state;
        char line[1024];

        assert_int_equal(status_check(view(fx), fx->c, line, sizeof(line)), 0);
        assert_string_equal(line, "BLADED OK - 3/3 blades online, 8/8 resources running | "
                                  "blades=3;;;0;3 resources=8;;;0;8 failed=0;;;");
}

static void test_status_check_warnings(void **state) {
        Fx *fx = *state;
        size_t r = config_find_resource(fx->c, "vm-ldap");
        char line[1024];

        snapshot_rb(&fx->s, r, 0)->failcount = 2;
        fx->s.blades[2].state = BLADE_STANDBY;
        assert_int_equal(status_check(view(fx), fx->c, line, sizeof(line)), 1);
        assert_string_equal(line, "BLADED WARNING - blade3 on standby, vm-ldap 2 failures; 3/3 "
                                  "blades online, 8/8 resources running | blades=3;;;0;3 "
                                  "resources=8;;;0;8 failed=2;;;");
        set_role(fx, "vm-ldap", "blade1", RSC_FAILED);
        assert_int_equal(status_check(view(fx), fx->c, line, sizeof(line)), 1);
        assert_non_null(strstr(line, "vm-ldap failed"));
        assert_non_null(strstr(line, "7/8 resources running"));
        ((Config *)fx->c)->props.maintenance = true;
        assert_int_equal(status_check(view(fx), fx->c, line, sizeof(line)), 1);
        assert_non_null(strstr(line, "maintenance mode"));
}

static void test_status_check_critical(void **state) {
        Fx *fx = *state;
        char line[1024];

        fx->s.blades[2].state = BLADE_LOST;
        assert_int_equal(status_check(view(fx), fx->c, line, sizeof(line)), 2);
        assert_non_null(strstr(line, "BLADED CRITICAL - blade3 lost"));
        /* what ran there is not counted as running */
        assert_non_null(strstr(line, "2/3 blades online, 5/8 resources running"));
        fx->s.quorate = false;
        assert_int_equal(status_check(view(fx), fx->c, line, sizeof(line)), 2);
        assert_non_null(strstr(line, "CRITICAL - no quorum"));
}

static void test_status_check_target_role_stopped_is_not_missing(void **state) {
        Fx *fx = *state;
        Config *c = load_example("<meta priority=\"10\"/>\n      <op name=\"start\" "
                                 "timeout=\"20s\"/>\n      <op name=\"stop\" timeout=\"20s\"/>\n"
                                 "      <op name=\"monitor\" interval=\"10s\" timeout=\"20s\"/>\n"
                                 "    </primitive>\n    <primitive id=\"vip-mx2\"",
                                 "<meta priority=\"10\" target-role=\"Stopped\"/>\n      <op "
                                 "name=\"start\" timeout=\"20s\"/>\n      <op name=\"stop\" "
                                 "timeout=\"20s\"/>\n      <op name=\"monitor\" "
                                 "interval=\"10s\" timeout=\"20s\"/>\n    </primitive>\n    "
                                 "<primitive id=\"vip-mx2\"");
        char line[1024];

        set_role(fx, "vip-mx1", "blade1", RSC_STOPPED);
        view(fx);
        assert_int_equal(status_check(&fx->v, fx->c, line, sizeof(line)), 2);
        assert_int_equal(status_check(&fx->v, c, line, sizeof(line)), 0);
        assert_non_null(strstr(line, "7/7 resources running"));
        config_free(c);
}

static void test_status_view_rejects_what_is_not_status(void **state) {
        StatusView v;
        const char *why;
        static const char *bad[] = {
                "",
                "<status",
                "<config/>",
                "<!DOCTYPE status [<!ENTITY x \"y\">]><status quorate=\"true\"/>",
                "<status><node name=\"a\"/></status>",
                "<status><resource id=\"a\"/></status>",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(status_view_read(bad[i], strlen(bad[i]), &v, &why), -EINVAL);
                assert_non_null(why);
        }
        assert_int_equal(status_view_read("<status quorate=\"true\"/>", 24, &v, &why), 0);
        assert_true(v.quorate);
        status_view_done(&v);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        const struct CMUnitTest tests[] = {
                T(test_status_watch_migrate_waits_until_started_on_target),
                T(test_status_watch_migrate_away_accepts_any_other_blade),
                T(test_status_watch_group_members_must_share_the_target),
                T(test_status_watch_failures_and_maintenance_end_the_wait),
                T(test_status_watch_standby_waits_until_the_blade_holds_nothing),
                T(test_status_check_ok_line),
                T(test_status_check_warnings),
                T(test_status_check_critical),
                T(test_status_check_target_role_stopped_is_not_missing),
                cmocka_unit_test(test_status_view_rejects_what_is_not_status),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
