/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scheduler, rule by rule (doc/scheduler.rst); fixtures in sched_fixture.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bladed/model.h"
#include "bladed/scheduler.h"
#include "bladed/state.h"
#include "sched_fixture.h"

#define INF SCORE_INFINITY

/* The mail cluster in miniature: four groups (vip + vm), a lone antispam
 * VM, preferences, mx1/mx2 apart, 16 GiB / 8 cpu per blade. */
static Config *mail_config(void) {
        static const char *const g[][3] = {
                {"g-mx1", "vip-mx1", "vm-mx1"},
                {"g-mx2", "vip-mx2", "vm-mx2"},
                {"g-ldap", "vip-ldap", "vm-ldap"},
                {"g-webmail", "vip-webmail", "vm-webmail"},
        };
        Config *c = fx_config();
        for (size_t i = 0; i < 4; i++) {
                fx_rsc(c, g[i][1], "vip");
                size_t v = fx_rsc(c, g[i][2], "vm");
                c->resources[v].allow_migrate = true;
                c->resources[v].utilization = (Utilization){4096, 2};
                fx_group(c, g[i][0], g[i][1], g[i][2], NULL);
        }
        size_t a = fx_rsc(c, "vm-antispam", "vm");
        c->resources[a].allow_migrate = true;
        c->resources[a].utilization = (Utilization){8192, 4};
        fx_loc(c, "g-mx1", "blade1", 2000);
        fx_loc(c, "g-mx1", "blade2", 1000);
        fx_loc(c, "g-mx2", "blade2", 2000);
        fx_loc(c, "g-mx2", "blade3", 1000);
        fx_loc(c, "g-ldap", "blade3", 500);
        fx_loc(c, "g-webmail", "blade2", 500);
        fx_loc(c, "vm-antispam", "blade3", 500);
        fx_coloc(c, "g-mx2", "g-mx1", -INF);
        for (int i = 1; i <= 3; i++) {
                char n[16];
                snprintf(n, sizeof(n), "blade%d", i);
                fx_node(c, n, 16384, 8);
        }
        c->props.default_stickiness = 100;
        return c;
}

/* Runs the scheduler and makes its placement the current state. */
static void settle(Snapshot *s) {
        Plan *p = fx_run(s);
        for (size_t r = 0; r < p->n_resources; r++) {
                for (size_t b = 0; b < s->n_blades; b++)
                        snapshot_rb(s, r, b)->role = RSC_STOPPED;
                if (p->rsc[r].state == PLAN_RSC_RUNNING)
                        snapshot_rb(s, r, p->rsc[r].target)->role = RSC_STARTED;
        }
        plan_free(p);
}

/* Every dependency points to an earlier action, for any plan. */
static void assert_well_ordered(const Plan *p) {
        for (size_t a = 0; a < p->n_actions; a++)
                for (size_t d = 0; d < p->actions[a].n_deps; d++) {
                        assert_true(p->actions[a].deps[d] < a);
                        if (d > 0)
                                assert_true(p->actions[a].deps[d - 1] < p->actions[a].deps[d]);
                }
}

static Plan *run_checked(const Snapshot *s) {
        Plan *p = fx_run(s);
        assert_well_ordered(p);
        if (getenv("SCHED_TEST_VERBOSE")) {
                char *t = fx_text(s, p);
                fputs(t, stderr);
                free(t);
        }
        return p;
}

static void done(Snapshot *s, Plan *p, Config *c) {
        plan_free(p);
        snapshot_done(s);
        config_free(c);
}

/* ---- locations, stickiness, load ---- */

static void test_scheduler_places_fresh_mail_cluster_by_preference(void **state) {
        Config *c = mail_config();
        Snapshot s;
        fx_snapshot(&s, c, 3);
        Plan *p = run_checked(&s);

        assert_string_equal(fx_target(&s, p, "vip-mx1"), "blade1");
        assert_string_equal(fx_target(&s, p, "vm-mx1"), "blade1");
        assert_string_equal(fx_target(&s, p, "vm-mx2"), "blade2");
        assert_string_equal(fx_target(&s, p, "vm-ldap"), "blade3");
        assert_string_equal(fx_target(&s, p, "vm-webmail"), "blade2");
        assert_string_equal(fx_target(&s, p, "vm-antispam"), "blade3");
        assert_int_equal(fx_count(p, ACTION_START), 9);
        assert_int_equal(p->n_actions, 9);
        done(&s, p, c);
}

static void test_scheduler_ordered_preferences_fall_back_to_next_blade(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "web", "vip");
        fx_loc(c, "web", "blade2", 3000);
        fx_loc(c, "web", "blade3", 2000);
        fx_loc(c, "web", "blade1", 1000);
        Snapshot s;
        fx_snapshot(&s, c, 3);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "web"), "blade2");
        plan_free(p);

        fx_blade(&s, "blade2", BLADE_OFFLINE);
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "web"), "blade3");
        plan_free(p);

        fx_blade(&s, "blade3", BLADE_STANDBY);
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "web"), "blade1");
        done(&s, p, c);
}

static void test_scheduler_spreads_unconstrained_resources_by_load(void **state) {
        Config *c = fx_config();
        const char *ids[] = {"a", "b", "c", "d", "e", "f"};
        for (size_t i = 0; i < 6; i++)
                fx_rsc(c, ids[i], "vip");
        Snapshot s;
        fx_snapshot(&s, c, 3);
        Plan *p = run_checked(&s);
        /* Taken by id, each to the least loaded blade, ties to the lowest nodeid. */
        assert_string_equal(fx_target(&s, p, "a"), "blade1");
        assert_string_equal(fx_target(&s, p, "b"), "blade2");
        assert_string_equal(fx_target(&s, p, "c"), "blade3");
        assert_string_equal(fx_target(&s, p, "d"), "blade1");
        assert_string_equal(fx_target(&s, p, "e"), "blade2");
        assert_string_equal(fx_target(&s, p, "f"), "blade3");
        done(&s, p, c);
}

static void test_scheduler_stickiness_keeps_things_put_when_blade_returns(void **state) {
        Config *c = mail_config();
        Snapshot s;
        fx_snapshot(&s, c, 3);
        settle(&s);
        /* blade2 dies: mx2 (prefers 2 then 3) and webmail (prefers 2) move. */
        fx_blade(&s, "blade2", BLADE_FENCED);
        settle(&s);
        fx_blade(&s, "blade2", BLADE_ONLINE);
        Plan *p = run_checked(&s);
        /* mx2: blade2 2000 vs blade3 1000 + stickiness 100 + 100: moves back,
         * its preference says so.  webmail: blade2 500 vs stickiness 200 on
         * blade3 (two members): 500 wins too.  The rest stays. */
        assert_string_equal(fx_target(&s, p, "vm-mx2"), "blade2");
        assert_string_equal(fx_target(&s, p, "vm-mx1"), "blade1");
        assert_string_equal(fx_target(&s, p, "vm-ldap"), "blade3");
        assert_int_equal(fx_find(&s, p, ACTION_STOP, "vm-ldap", "blade3"), -1);
        done(&s, p, c);
}

static void test_scheduler_stickiness_beats_weaker_preference(void **state) {
        Config *c = fx_config();
        size_t r = fx_rsc(c, "vm", "vm");
        c->resources[r].has_stickiness = true;
        c->resources[r].stickiness = 600;
        fx_loc(c, "vm", "blade1", 500);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "vm", "blade2", RSC_STARTED);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "vm"), "blade2");
        assert_int_equal(p->n_actions, 0);
        plan_free(p);

        /* The resource's own stickiness, not the default, counts. */
        c->resources[r].stickiness = 400;
        c->props.default_stickiness = 10000;
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "vm"), "blade1");
        assert_true(fx_find(&s, p, ACTION_STOP, "vm", "blade2") >= 0);
        done(&s, p, c);
}

static void test_scheduler_default_stickiness_comes_from_properties(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "vm", "vm");
        fx_loc(c, "vm", "blade1", 500);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "vm", "blade2", RSC_STARTED);
        c->props.default_stickiness = 499;
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "vm"), "blade1");
        plan_free(p);
        c->props.default_stickiness = 501;
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "vm"), "blade2");
        done(&s, p, c);
}

static void test_scheduler_tie_keeps_resource_where_it_runs(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        fx_rsc(c, "b", "vip");
        Snapshot s;
        fx_snapshot(&s, c, 3);
        /* Stickiness 0, no preference: a and b both on blade3 stay there
         * although blade1 and blade2 are empty. */
        fx_role(&s, "a", "blade3", RSC_STARTED);
        fx_role(&s, "b", "blade3", RSC_STARTED);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade3");
        assert_string_equal(fx_target(&s, p, "b"), "blade3");
        assert_int_equal(p->n_actions, 0);
        done(&s, p, c);
}

static void test_scheduler_location_minus_infinity_forbids(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "vm", "vm");
        fx_loc(c, "vm", "blade1", -INF);
        fx_loc(c, "vm", "blade2", -INF);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        assert_int_equal(fx_state(&s, p, "vm"), PLAN_RSC_BLOCKED);
        assert_non_null(
                strstr(plan_rsc_blocked(p, 0), "blade1: forbidden by location loc-vm-blade1"));
        assert_non_null(
                strstr(plan_rsc_blocked(p, 0), "blade2: forbidden by location loc-vm-blade2"));
        done(&s, p, c);
}

/* ---- colocation ---- */

static void test_scheduler_mandatory_colocation_follows_primary(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "db", "vm");
        fx_rsc(c, "app", "vm");
        fx_loc(c, "db", "blade2", 100);
        fx_loc(c, "app", "blade1", 50);
        fx_coloc(c, "app", "db", INF);
        Snapshot s;
        fx_snapshot(&s, c, 3);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "db"), "blade2");
        assert_string_equal(fx_target(&s, p, "app"), "blade2");
        done(&s, p, c);
}

static void test_scheduler_primary_goes_where_its_follower_can_run(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "db", "vm");
        fx_rsc(c, "app", "vm");
        fx_loc(c, "db", "blade1", 100);
        fx_loc(c, "app", "blade1", -INF);
        fx_coloc(c, "app", "db", INF);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        /* db alone would take blade1; app must be with db and cannot run
         * there, so db goes to blade2 (the follower's scores are merged). */
        assert_string_equal(fx_target(&s, p, "db"), "blade2");
        assert_string_equal(fx_target(&s, p, "app"), "blade2");
        done(&s, p, c);
}

static void test_scheduler_mandatory_colocation_with_stopped_primary_blocks(void **state) {
        Config *c = fx_config();
        size_t db = fx_rsc(c, "db", "vm");
        fx_rsc(c, "app", "vm");
        fx_coloc(c, "app", "db", INF);
        c->resources[db].target_role = TARGET_ROLE_STOPPED;
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "app", "blade1", RSC_STARTED);
        Plan *p = run_checked(&s);
        assert_int_equal(fx_state(&s, p, "db"), PLAN_RSC_STOPPED);
        assert_int_equal(fx_state(&s, p, "app"), PLAN_RSC_BLOCKED);
        assert_string_equal(plan_rsc_blocked(p, 1),
                            "mandatory colocation with db, which is not running");
        assert_true(fx_find(&s, p, ACTION_STOP, "app", "blade1") >= 0);
        done(&s, p, c);
}

static void test_scheduler_anti_colocation_blocks_with_one_blade_left(void **state) {
        Config *c = mail_config();
        Snapshot s;
        fx_snapshot(&s, c, 3);
        settle(&s);
        fx_blade(&s, "blade2", BLADE_FENCED);
        fx_blade(&s, "blade3", BLADE_FENCED);
        Plan *p = run_checked(&s);
        /* mx1 keeps blade1; mx2 must not share it. */
        assert_string_equal(fx_target(&s, p, "vm-mx1"), "blade1");
        assert_int_equal(fx_state(&s, p, "vip-mx2"), PLAN_RSC_BLOCKED);
        assert_int_equal(fx_state(&s, p, "vm-mx2"), PLAN_RSC_BLOCKED);
        const char *why = plan_rsc_blocked(p, config_find_resource(c, "vip-mx2"));
        assert_non_null(strstr(why, "blade1: must not run with g-mx1"));
        assert_non_null(strstr(why, "blade2, blade3: fenced"));
        assert_string_equal(plan_rsc_blocked(p, config_find_resource(c, "vm-mx2")),
                            "in group g-mx2 after vip-mx2, which is not running");
        done(&s, p, c);
}

static void test_scheduler_anti_colocation_first_placed_avoids_the_others_favourite(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        fx_rsc(c, "b", "vip");
        fx_coloc(c, "b", "a", -INF);
        fx_loc(c, "b", "blade1", 300);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        /* a is placed first (by id) and has no preference: it leaves blade1
         * to b instead of taking it by nodeid. */
        assert_string_equal(fx_target(&s, p, "a"), "blade2");
        assert_string_equal(fx_target(&s, p, "b"), "blade1");
        done(&s, p, c);
}

static void test_scheduler_finite_colocation_adds_preference(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        fx_rsc(c, "b", "vip");
        fx_loc(c, "a", "blade2", 100);
        fx_loc(c, "b", "blade1", 50);
        fx_coloc(c, "b", "a", 60);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "b"), "blade2"); /* 60 > 50 */
        plan_free(p);
        c->colocations[0].score = 40;
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "b"), "blade1"); /* 50 > 40 */
        plan_free(p);
        c->colocations[0].score = -60; /* apart, softly */
        fx_loc(c, "b", "blade2", 100);
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "b"), "blade1"); /* 100-60 < 50 */
        done(&s, p, c);
}

/* ---- order ---- */

static void test_scheduler_order_then_starts_after_first_and_stops_before(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "ldap", "vm");
        fx_rsc(c, "webmail", "vm");
        fx_order(c, "ldap", "webmail", ORDER_MANDATORY, true);
        fx_loc(c, "ldap", "blade1", 100);
        fx_loc(c, "webmail", "blade2", 100);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        int sl = fx_find(&s, p, ACTION_START, "ldap", "blade1");
        int sw = fx_find(&s, p, ACTION_START, "webmail", "blade2");
        assert_true(sl >= 0 && sw > sl);
        assert_true(fx_waits(p, sw, sl));
        plan_free(p);

        settle(&s);
        c->resources[0].target_role = TARGET_ROLE_STOPPED;
        p = run_checked(&s);
        int tl = fx_find(&s, p, ACTION_STOP, "ldap", "blade1");
        int tw = fx_find(&s, p, ACTION_STOP, "webmail", "blade2");
        assert_true(tw >= 0 && tl > tw);
        assert_true(fx_waits(p, tl, tw));
        /* Mandatory: webmail cannot run without ldap. */
        assert_int_equal(fx_state(&s, p, "webmail"), PLAN_RSC_BLOCKED);
        assert_string_equal(plan_rsc_blocked(p, 1),
                            "mandatory order: starts after ldap, which is not running");
        done(&s, p, c);
}

static void test_scheduler_asymmetrical_order_does_not_order_stops(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vm");
        fx_rsc(c, "b", "vm");
        fx_order(c, "a", "b", ORDER_OPTIONAL, false);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "a", "blade1", RSC_STARTED);
        fx_role(&s, "b", "blade2", RSC_STARTED);
        c->resources[0].target_role = TARGET_ROLE_STOPPED;
        c->resources[1].target_role = TARGET_ROLE_STOPPED;
        Plan *p = run_checked(&s);
        int ta = fx_find(&s, p, ACTION_STOP, "a", "blade1");
        int tb = fx_find(&s, p, ACTION_STOP, "b", "blade2");
        assert_true(ta >= 0 && tb >= 0);
        assert_false(fx_waits(p, ta, tb));
        assert_false(fx_waits(p, tb, ta));
        plan_free(p);
        /* Optional: b may run while a is stopped. */
        c->resources[1].target_role = TARGET_ROLE_STARTED;
        p = run_checked(&s);
        assert_int_equal(fx_state(&s, p, "b"), PLAN_RSC_RUNNING);
        done(&s, p, c);
}

static void test_scheduler_restarts_then_when_first_moves(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "ldap", "vm");
        fx_rsc(c, "webmail", "vm");
        fx_order(c, "ldap", "webmail", ORDER_MANDATORY, true);
        Snapshot s;
        fx_snapshot(&s, c, 3);
        fx_role(&s, "ldap", "blade1", RSC_STARTED);
        fx_role(&s, "webmail", "blade2", RSC_STARTED);
        fx_blade(&s, "blade1", BLADE_LOST);
        Plan *p = run_checked(&s);
        int f = fx_find(&s, p, ACTION_FENCE, NULL, "blade1");
        int sl = fx_find(&s, p, ACTION_START, "ldap", fx_target(&s, p, "ldap"));
        int tw = fx_find(&s, p, ACTION_STOP, "webmail", "blade2");
        int sw = fx_find(&s, p, ACTION_START, "webmail", "blade2");
        assert_true(f >= 0 && sl >= 0 && tw >= 0 && sw >= 0);
        assert_true(fx_waits(p, sl, f));
        assert_true(fx_waits(p, sw, sl));
        assert_true(fx_waits(p, sw, tw));
        done(&s, p, c);
}

static void test_scheduler_group_order_applies_to_group_ends(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "vip-a", "vip");
        fx_rsc(c, "vm-a", "vm");
        fx_rsc(c, "vip-b", "vip");
        fx_rsc(c, "vm-b", "vm");
        fx_group(c, "ga", "vip-a", "vm-a", NULL);
        fx_group(c, "gb", "vip-b", "vm-b", NULL);
        fx_order(c, "ga", "gb", ORDER_MANDATORY, true);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        int a_last = fx_find(&s, p, ACTION_START, "vm-a", fx_target(&s, p, "vm-a"));
        int b_first = fx_find(&s, p, ACTION_START, "vip-b", fx_target(&s, p, "vip-b"));
        assert_true(fx_waits(p, b_first, a_last));
        done(&s, p, c);
}

/* ---- groups ---- */

static void test_scheduler_group_starts_in_order_and_stops_in_reverse(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "m1", "vip");
        fx_rsc(c, "m2", "vm");
        fx_rsc(c, "m3", "mailcheck");
        fx_group(c, "g", "m1", "m2", "m3", NULL);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        int s1 = fx_find(&s, p, ACTION_START, "m1", "blade1");
        int s2 = fx_find(&s, p, ACTION_START, "m2", "blade1");
        int s3 = fx_find(&s, p, ACTION_START, "m3", "blade1");
        assert_true(s1 >= 0 && s2 > s1 && s3 > s2);
        assert_true(fx_waits(p, s2, s1) && fx_waits(p, s3, s2));
        plan_free(p);

        settle(&s);
        fx_blade(&s, "blade1", BLADE_STANDBY);
        p = run_checked(&s);
        int t1 = fx_find(&s, p, ACTION_STOP, "m1", "blade1");
        int t2 = fx_find(&s, p, ACTION_STOP, "m2", "blade1");
        int t3 = fx_find(&s, p, ACTION_STOP, "m3", "blade1");
        assert_true(t3 >= 0 && t2 > t3 && t1 > t2);
        assert_true(fx_waits(p, t1, t2) && fx_waits(p, t2, t3));
        assert_true(fx_waits(p, fx_find(&s, p, ACTION_START, "m1", "blade2"), t1));
        done(&s, p, c);
}

static void test_scheduler_moves_group_off_standby_blade(void **state) {
        Config *c = mail_config();
        Snapshot s;
        fx_snapshot(&s, c, 3);
        settle(&s);
        fx_blade(&s, "blade1", BLADE_STANDBY);
        Plan *p = run_checked(&s);
        /* Standby holds nothing: g-mx1 leaves blade1.  Its second choice,
         * blade2 (1000), is where mx2 (apart from it) wants to stay (2000 +
         * stickiness 200): the apart-merge sends mx1 to blade3 instead of
         * moving both. */
        assert_string_equal(fx_target(&s, p, "vip-mx1"), "blade3");
        assert_string_equal(fx_target(&s, p, "vm-mx1"), "blade3");
        assert_string_equal(fx_target(&s, p, "vm-mx2"), "blade2");
        assert_int_equal(fx_find(&s, p, ACTION_STOP, "vm-mx2", "blade2"), -1);
        for (size_t r = 0; r < c->n_resources; r++)
                assert_true(p->rsc[r].target != 0);
        done(&s, p, c);
}

static void test_scheduler_configured_standby_counts_without_blade_state(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "vm", "vm");
        c->resources[0].allow_migrate = true;
        fx_node(c, "blade1", 8192, 8);
        c->nodes[0].standby = true; /* bladectl standby blade1 */
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "vm", "blade1", RSC_STARTED);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "vm"), "blade2");
        assert_int_equal(fx_count(p, ACTION_MIGRATE_TO), 1);
        char *t = fx_text(&s, p);
        assert_non_null(strstr(t, "blades: blade1 standby, blade2 online\n"));
        free(t);
        done(&s, p, c);
}

static void test_scheduler_group_member_that_cannot_run_blocks_the_rest(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "m1", "vip");
        fx_rsc(c, "m2", "vm");
        fx_rsc(c, "m3", "mailcheck");
        fx_group(c, "g", "m1", "m2", "m3", NULL);
        fx_loc(c, "m2", "blade1", -INF);
        fx_loc(c, "m2", "blade2", -INF);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        assert_int_equal(fx_state(&s, p, "m1"), PLAN_RSC_RUNNING);
        assert_int_equal(fx_state(&s, p, "m2"), PLAN_RSC_BLOCKED);
        assert_int_equal(fx_state(&s, p, "m3"), PLAN_RSC_BLOCKED);
        assert_non_null(
                strstr(plan_rsc_blocked(p, 1), "blade1: forbidden by location loc-m2-blade1"));
        assert_string_equal(plan_rsc_blocked(p, 2), "in group g after m2, which is not running");
        plan_free(p);
        /* target-role stopped on a member: stopped, not blocked; the rest blocked. */
        c->n_locations = 0;
        c->resources[1].target_role = TARGET_ROLE_STOPPED;
        p = run_checked(&s);
        assert_int_equal(fx_state(&s, p, "m2"), PLAN_RSC_STOPPED);
        assert_int_equal(fx_state(&s, p, "m3"), PLAN_RSC_BLOCKED);
        c->n_locations = 2; /* freed by config_free */
        done(&s, p, c);
}

static void test_scheduler_group_prefers_blade_where_all_members_run(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "m1", "vip");
        fx_rsc(c, "m2", "vm");
        fx_group(c, "g", "m1", "m2", NULL);
        fx_loc(c, "m1", "blade1", 1000);
        fx_loc(c, "m2", "blade1", -INF);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "m1"), "blade2");
        assert_string_equal(fx_target(&s, p, "m2"), "blade2");
        done(&s, p, c);
}

/* ---- blade states ---- */

static void test_scheduler_offline_and_fenced_blades_hold_nothing(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        fx_rsc(c, "b", "vip");
        Snapshot s;
        fx_snapshot(&s, c, 3);
        fx_role(&s, "a", "blade1", RSC_STARTED); /* stale: blade1 left cleanly */
        fx_role(&s, "b", "blade2", RSC_STARTED);
        fx_blade(&s, "blade1", BLADE_OFFLINE);
        fx_blade(&s, "blade2", BLADE_FENCED);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade3");
        assert_string_equal(fx_target(&s, p, "b"), "blade3");
        assert_int_equal(fx_count(p, ACTION_STOP), 0);
        assert_int_equal(fx_count(p, ACTION_FENCE), 0);
        assert_int_equal(fx_count(p, ACTION_START), 2);
        done(&s, p, c);
}

static void test_scheduler_all_blades_standby_or_offline_blocks_with_reason(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_blade(&s, "blade1", BLADE_STANDBY);
        fx_blade(&s, "blade2", BLADE_OFFLINE);
        Plan *p = run_checked(&s);
        assert_string_equal(plan_rsc_blocked(p, 0),
                            "all blades are standby or offline (blade1: standby; blade2: offline)");
        done(&s, p, c);
}

static void test_scheduler_fences_lost_blade_before_recovering(void **state) {
        Config *c = mail_config();
        Snapshot s;
        fx_snapshot(&s, c, 3);
        settle(&s);
        fx_blade(&s, "blade1", BLADE_LOST);
        Plan *p = run_checked(&s);
        int f = fx_find(&s, p, ACTION_FENCE, NULL, "blade1");
        assert_int_equal(f, 0);
        int sv = fx_find(&s, p, ACTION_START, "vip-mx1", fx_target(&s, p, "vip-mx1"));
        int sm = fx_find(&s, p, ACTION_START, "vm-mx1", fx_target(&s, p, "vm-mx1"));
        assert_true(fx_waits(p, sv, f));
        assert_true(fx_waits(p, sm, f));
        /* Nothing is stopped on a lost blade: the fence does it. */
        for (size_t a = 0; a < p->n_actions; a++)
                assert_true(p->actions[a].blade != 0 || p->actions[a].kind == ACTION_FENCE);
        /* What never ran there does not wait. */
        for (size_t a = 0; a < p->n_actions; a++)
                if (p->actions[a].kind == ACTION_START &&
                    snapshot_rb(&s, p->actions[a].rsc, 0)->role == RSC_STOPPED)
                        assert_false(fx_waits(p, (int)a, f));
        done(&s, p, c);
}

static void test_scheduler_unknown_on_lost_blade_waits_for_fence(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "a", "blade1", RSC_UNKNOWN);
        fx_blade(&s, "blade1", BLADE_LOST);
        Plan *p = run_checked(&s);
        int f = fx_find(&s, p, ACTION_FENCE, NULL, "blade1");
        int st = fx_find(&s, p, ACTION_START, "a", "blade2");
        assert_true(f >= 0 && st >= 0 && fx_waits(p, st, f));
        /* No probe on a blade that is gone. */
        assert_int_equal(fx_count(p, ACTION_PROBE), 0);
        done(&s, p, c);
}

static void test_scheduler_lost_blade_without_fencing_recovers_at_once(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        c->props.fencing = false;
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "a", "blade1", RSC_STARTED);
        fx_blade(&s, "blade1", BLADE_LOST);
        Plan *p = run_checked(&s);
        assert_int_equal(fx_count(p, ACTION_FENCE), 0);
        int st = fx_find(&s, p, ACTION_START, "a", "blade2");
        assert_true(st >= 0);
        assert_int_equal(p->actions[st].n_deps, 0);
        assert_int_equal(p->n_notes, 1);
        assert_non_null(strstr(p->notes[0], "blade1 is lost and fencing is disabled"));
        done(&s, p, c);
}

/* ---- policies ---- */

static void test_scheduler_maintenance_only_probes(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        fx_rsc(c, "b", "vip");
        c->resources[1].target_role = TARGET_ROLE_STOPPED;
        c->props.maintenance = true;
        Snapshot s;
        fx_snapshot(&s, c, 3);
        fx_role(&s, "a", "blade2", RSC_FAILED);
        fx_role(&s, "b", "blade1", RSC_STARTED);
        fx_role(&s, "a", "blade3", RSC_UNKNOWN);
        fx_blade(&s, "blade1", BLADE_STANDBY);
        fx_blade(&s, "blade3", BLADE_ONLINE);
        Plan *p = run_checked(&s);
        assert_int_equal(p->n_actions, 1);
        assert_int_equal(p->actions[0].kind, ACTION_PROBE);
        assert_int_equal(fx_state(&s, p, "a"), PLAN_RSC_UNMANAGED);
        assert_int_equal(fx_state(&s, p, "b"), PLAN_RSC_UNMANAGED);
        assert_string_equal(fx_target(&s, p, "a"), "blade2");
        assert_string_equal(fx_target(&s, p, "b"), "blade1");
        plan_free(p);
        /* ... not even a lost blade is fenced. */
        fx_blade(&s, "blade2", BLADE_LOST);
        p = run_checked(&s);
        assert_int_equal(fx_count(p, ACTION_FENCE), 0);
        done(&s, p, c);
}

static void test_scheduler_target_role_stopped_stops(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        c->resources[0].target_role = TARGET_ROLE_STOPPED;
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "a", "blade2", RSC_STARTED);
        Plan *p = run_checked(&s);
        assert_int_equal(p->n_actions, 1);
        assert_true(fx_find(&s, p, ACTION_STOP, "a", "blade2") == 0);
        assert_int_equal(fx_state(&s, p, "a"), PLAN_RSC_STOPPED);
        assert_null(plan_rsc_blocked(p, 0));
        done(&s, p, c);
}

static void test_scheduler_no_quorum_policies(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "run", "vip");
        fx_rsc(c, "new", "vip");
        fx_rsc(c, "broken", "vip");
        Snapshot s;
        fx_snapshot(&s, c, 3);
        fx_role(&s, "run", "blade1", RSC_STARTED);
        fx_role(&s, "broken", "blade1", RSC_FAILED);
        fx_blade(&s, "blade2", BLADE_LOST);
        fx_blade(&s, "blade3", BLADE_LOST);
        s.quorate = false;

        c->props.no_quorum_policy = NO_QUORUM_STOP;
        Plan *p = run_checked(&s);
        assert_int_equal(fx_count(p, ACTION_START), 0);
        assert_int_equal(fx_count(p, ACTION_FENCE), 0);
        assert_true(fx_find(&s, p, ACTION_STOP, "run", "blade1") >= 0);
        assert_true(fx_find(&s, p, ACTION_STOP, "broken", "blade1") >= 0);
        assert_string_equal(plan_rsc_blocked(p, 0), "no quorum (no-quorum-policy stop)");
        plan_free(p);

        c->props.no_quorum_policy = NO_QUORUM_FREEZE;
        p = run_checked(&s);
        assert_int_equal(fx_count(p, ACTION_START), 0);
        assert_int_equal(fx_count(p, ACTION_FENCE), 0);
        assert_int_equal(fx_find(&s, p, ACTION_STOP, "run", "blade1"), -1);
        assert_string_equal(fx_target(&s, p, "run"), "blade1");
        /* Failed cannot restart without quorum: it is stopped. */
        assert_true(fx_find(&s, p, ACTION_STOP, "broken", "blade1") >= 0);
        assert_string_equal(plan_rsc_blocked(p, 1),
                            "no quorum (no-quorum-policy freeze): nothing is started");
        plan_free(p);

        c->props.no_quorum_policy = NO_QUORUM_IGNORE;
        p = run_checked(&s);
        assert_int_equal(fx_count(p, ACTION_FENCE), 2);
        assert_string_equal(fx_target(&s, p, "new"), "blade1");
        assert_true(fx_find(&s, p, ACTION_START, "broken", "blade1") >= 0);
        done(&s, p, c);
}

/* ---- probes and failures ---- */

static void test_scheduler_probes_before_starting_anything_of_it(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        fx_rsc(c, "b", "vip");
        Snapshot s;
        fx_snapshot(&s, c, 2);
        s.blades[1].probed = false;
        fx_role(&s, "a", "blade2", RSC_UNKNOWN);
        Plan *p = run_checked(&s);
        assert_true(fx_find(&s, p, ACTION_PROBE, "a", "blade2") >= 0);
        assert_int_equal(fx_find(&s, p, ACTION_START, "a", "blade1"), -1);
        assert_int_equal(fx_state(&s, p, "a"), PLAN_RSC_WAITING);
        assert_string_equal(p->rsc[0].reason, "waiting for its probe on blade2");
        /* b is known everywhere: it starts. */
        assert_true(fx_find(&s, p, ACTION_START, "b", "blade1") >= 0);
        plan_free(p);
        /* Already running somewhere known: it stays, no start, no stop. */
        fx_role(&s, "a", "blade1", RSC_STARTED);
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade1");
        assert_int_equal(fx_count(p, ACTION_STOP), 0);
        done(&s, p, c);
}

static void test_scheduler_failed_resource_is_stopped_then_restarted_in_place(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vm");
        c->resources[0].migration_threshold = 3;
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "a", "blade2", RSC_FAILED);
        fx_rb(&s, "a", "blade2")->failcount = 1;
        Plan *p = run_checked(&s);
        int t = fx_find(&s, p, ACTION_STOP, "a", "blade2");
        int st = fx_find(&s, p, ACTION_START, "a", "blade2");
        assert_true(t >= 0 && st > t && fx_waits(p, st, t));
        char *text = fx_text(&s, p);
        assert_non_null(strstr(text, "restarts"));
        free(text);
        done(&s, p, c);
}

static void test_scheduler_migration_threshold_moves_away_until_failure_timeout(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vm");
        c->resources[0].migration_threshold = 3;
        c->resources[0].failure_timeout_ms = 600000;
        c->props.default_stickiness = 100;
        fx_loc(c, "a", "blade2", 1000);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "a", "blade2", RSC_FAILED);
        fx_rb(&s, "a", "blade2")->failcount = 3;
        fx_rb(&s, "a", "blade2")->last_failure_ms = 1000;
        s.now_ms = 1000 + 599999;
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade1");
        int t = fx_find(&s, p, ACTION_STOP, "a", "blade2");
        assert_true(fx_waits(p, fx_find(&s, p, ACTION_START, "a", "blade1"), t));
        plan_free(p);
        /* Below the threshold: stays. */
        fx_rb(&s, "a", "blade2")->failcount = 2;
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade2");
        plan_free(p);
        /* At the threshold but the failures are old: forgotten. */
        fx_rb(&s, "a", "blade2")->failcount = 3;
        s.now_ms = 1000 + 600000;
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade2");
        plan_free(p);
        /* Threshold 0 never moves it. */
        c->resources[0].migration_threshold = 0;
        c->resources[0].failure_timeout_ms = 0;
        fx_rb(&s, "a", "blade2")->failcount = 1000;
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade2");
        done(&s, p, c);
}

static void test_scheduler_banned_blade_is_avoided_with_reason(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vm");
        Snapshot s;
        fx_snapshot(&s, c, 2);
        RscBlade *rb = fx_rb(&s, "a", "blade1");
        rb->banned = true;
        rb->last_rc = 5;
        rb->exit_reason = strdup("xl not installed");
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade2");
        plan_free(p);
        fx_rb(&s, "a", "blade2")->banned = true;
        p = run_checked(&s);
        assert_string_equal(plan_rsc_blocked(p, 0), "blade1: banned until cleanup (rc 5: xl not "
                                                    "installed); blade2: banned until cleanup");
        done(&s, p, c);
}

static void test_scheduler_stop_failure_with_fencing_fences_that_blade(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        fx_rsc(c, "b", "vip");
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "a", "blade1", RSC_STOP_FAILED);
        fx_role(&s, "b", "blade1", RSC_STARTED);
        Plan *p = run_checked(&s);
        int f = fx_find(&s, p, ACTION_FENCE, NULL, "blade1");
        assert_true(f >= 0);
        assert_true(fx_waits(p, fx_find(&s, p, ACTION_START, "a", "blade2"), f));
        /* Everything on the blade is recovered after the fence. */
        assert_true(fx_waits(p, fx_find(&s, p, ACTION_START, "b", "blade2"), f));
        assert_int_equal(fx_count(p, ACTION_STOP), 0);
        done(&s, p, c);
}

static void test_scheduler_stop_failure_without_fencing_blocks_there(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        c->props.fencing = false;
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "a", "blade1", RSC_STOP_FAILED);
        Plan *p = run_checked(&s);
        assert_int_equal(p->n_actions, 0);
        assert_int_equal(fx_state(&s, p, "a"), PLAN_RSC_BLOCKED);
        assert_string_equal(fx_target(&s, p, "a"), "blade1");
        assert_non_null(
                strstr(plan_rsc_blocked(p, 0), "stop failed on blade1 and fencing is disabled"));
        done(&s, p, c);
}

static void test_scheduler_active_twice_keeps_the_best_scored(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vm");
        fx_loc(c, "a", "blade3", 50);
        Snapshot s;
        fx_snapshot(&s, c, 3);
        fx_role(&s, "a", "blade1", RSC_STARTED);
        fx_role(&s, "a", "blade3", RSC_STARTED);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade3");
        assert_int_equal(p->n_actions, 1);
        assert_true(fx_find(&s, p, ACTION_STOP, "a", "blade1") == 0);
        done(&s, p, c);
}

/* ---- capacity and priority ---- */

static void test_scheduler_capacity_higher_priority_wins(void **state) {
        Config *c = fx_config();
        size_t lo = fx_rsc(c, "vm-a", "vm");
        size_t hi = fx_rsc(c, "vm-b", "vm");
        c->resources[lo].utilization = (Utilization){4096, 1};
        c->resources[hi].utilization = (Utilization){4096, 1};
        c->resources[hi].priority = 10;
        fx_node(c, "blade1", 6144, 8);
        Snapshot s;
        fx_snapshot(&s, c, 1);
        /* vm-a runs; vm-b, higher priority, takes the room. */
        fx_role(&s, "vm-a", "blade1", RSC_STARTED);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "vm-b"), "blade1");
        assert_int_equal(fx_state(&s, p, "vm-a"), PLAN_RSC_BLOCKED);
        assert_string_equal(
                plan_rsc_blocked(p, lo),
                "no blade has enough memory (needs 4096 MiB, best free 2048 MiB on blade1)");
        /* The start waits for the stop that frees the memory. */
        assert_true(fx_waits(p, fx_find(&s, p, ACTION_START, "vm-b", "blade1"),
                             fx_find(&s, p, ACTION_STOP, "vm-a", "blade1")));
        plan_free(p);
        /* Equal priority: the running one keeps its place. */
        c->resources[hi].priority = 0;
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "vm-a"), "blade1");
        assert_int_equal(fx_state(&s, p, "vm-b"), PLAN_RSC_BLOCKED);
        plan_free(p);
        /* Equal priority, nothing running: by id. */
        fx_role(&s, "vm-a", "blade1", RSC_STOPPED);
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "vm-a"), "blade1");
        done(&s, p, c);
}

static void test_scheduler_capacity_after_failure_mail_cluster(void **state) {
        Config *c = mail_config();
        for (size_t i = 0; i < c->n_nodes; i++)
                c->nodes[i].capacity.memory = 12288;
        Snapshot s;
        fx_snapshot(&s, c, 3);
        settle(&s);
        fx_blade(&s, "blade3", BLADE_LOST);
        Plan *p = run_checked(&s);
        size_t counts[_PLAN_RSC_STATE_MAX];
        plan_count_states(p, counts);
        /* blade3 held ldap (4096) and antispam (8192); 8192 is left on blade1
         * and blade2 together, not enough for both. */
        assert_true(counts[PLAN_RSC_BLOCKED] >= 1);
        assert_int_equal(fx_state(&s, p, "vm-antispam"), PLAN_RSC_BLOCKED);
        assert_non_null(strstr(plan_rsc_blocked(p, config_find_resource(c, "vm-antispam")),
                               "no blade has enough memory (needs 8192 MiB, best free 4096 MiB"));
        done(&s, p, c);
}

static void test_scheduler_cpu_capacity_reason(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "vm", "vm");
        c->resources[0].utilization = (Utilization){0, 4};
        fx_node(c, "blade1", 0, 2);
        fx_node(c, "blade2", 0, 3);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        assert_string_equal(plan_rsc_blocked(p, 0),
                            "no blade has enough cpu (needs 4, best free 3 on blade2)");
        done(&s, p, c);
}

/* ---- live migration ---- */

static void test_scheduler_live_migration_sequence(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "vm", "vm");
        c->resources[0].allow_migrate = true;
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "vm", "blade1", RSC_STARTED);
        fx_blade(&s, "blade1", BLADE_STANDBY);
        Plan *p = run_checked(&s);
        assert_int_equal(p->n_actions, 3);
        assert_int_equal(p->actions[0].kind, ACTION_MIGRATE_TO);
        assert_int_equal(p->actions[0].blade, 0);
        assert_int_equal(p->actions[0].peer, 1);
        assert_int_equal(p->actions[1].kind, ACTION_MIGRATE_FROM);
        assert_int_equal(p->actions[1].blade, 1);
        assert_int_equal(p->actions[1].peer, 0);
        assert_int_equal(p->actions[2].kind, ACTION_STOP);
        assert_int_equal(p->actions[2].blade, 0);
        assert_true(fx_waits(p, 1, 0) && fx_waits(p, 2, 1));
        assert_int_equal(fx_count(p, ACTION_START), 0);
        plan_free(p);
        /* Failed: no migration, stop then start. */
        fx_role(&s, "vm", "blade1", RSC_FAILED);
        p = run_checked(&s);
        assert_int_equal(fx_count(p, ACTION_MIGRATE_TO), 0);
        assert_true(fx_find(&s, p, ACTION_START, "vm", "blade2") >= 0);
        plan_free(p);
        /* Not allowed: stop then start. */
        fx_role(&s, "vm", "blade1", RSC_STARTED);
        c->resources[0].allow_migrate = false;
        p = run_checked(&s);
        assert_int_equal(fx_count(p, ACTION_MIGRATE_TO), 0);
        assert_int_equal(fx_count(p, ACTION_STOP), 1);
        assert_int_equal(fx_count(p, ACTION_START), 1);
        done(&s, p, c);
}

static void test_scheduler_no_live_migration_when_dependency_moves(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "vip", "vip");
        fx_rsc(c, "vm", "vm");
        c->resources[1].allow_migrate = true;
        fx_group(c, "g", "vip", "vm", NULL);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "vip", "blade1", RSC_STARTED);
        fx_role(&s, "vm", "blade1", RSC_STARTED);
        fx_blade(&s, "blade1", BLADE_STANDBY);
        Plan *p = run_checked(&s);
        /* The VIP before it in the group stops and starts: so does the VM. */
        assert_int_equal(fx_count(p, ACTION_MIGRATE_TO), 0);
        assert_true(fx_find(&s, p, ACTION_START, "vm", "blade2") >= 0);
        plan_free(p);
        /* With the VIP migratable too, both migrate, in group order. */
        c->resources[0].allow_migrate = true;
        p = run_checked(&s);
        assert_int_equal(fx_count(p, ACTION_MIGRATE_TO), 2);
        int from_vip = fx_find(&s, p, ACTION_MIGRATE_FROM, "vip", "blade2");
        int to_vm = fx_find(&s, p, ACTION_MIGRATE_TO, "vm", "blade1");
        assert_true(fx_waits(p, to_vm, from_vip));
        done(&s, p, c);
}

static void test_scheduler_no_live_migration_from_lost_blade(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "vm", "vm");
        c->resources[0].allow_migrate = true;
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "vm", "blade1", RSC_STARTED);
        fx_blade(&s, "blade1", BLADE_LOST);
        Plan *p = run_checked(&s);
        assert_int_equal(fx_count(p, ACTION_MIGRATE_TO), 0);
        assert_true(fx_waits(p, fx_find(&s, p, ACTION_START, "vm", "blade2"),
                             fx_find(&s, p, ACTION_FENCE, NULL, "blade1")));
        done(&s, p, c);
}

static void test_scheduler_interrupted_migration_is_cleaned_up(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "vm", "vm");
        c->resources[0].allow_migrate = true;
        Snapshot s;
        fx_snapshot(&s, c, 2);
        /* migrate_to done on blade1, migrate_from done on blade2. */
        fx_role(&s, "vm", "blade1", RSC_MIGRATING);
        fx_role(&s, "vm", "blade2", RSC_STARTED);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "vm"), "blade2");
        assert_int_equal(p->n_actions, 1);
        assert_int_equal(fx_find(&s, p, ACTION_STOP, "vm", "blade1"), 0);
        plan_free(p);
        /* migrate_from never happened: stop the source, start afresh. */
        fx_role(&s, "vm", "blade2", RSC_STOPPED);
        p = run_checked(&s);
        int t = fx_find(&s, p, ACTION_STOP, "vm", "blade1");
        int st = fx_find(&s, p, ACTION_START, "vm", fx_target(&s, p, "vm"));
        assert_true(t >= 0 && st >= 0 && fx_waits(p, st, t));
        done(&s, p, c);
}

/* ---- determinism ---- */

static void test_scheduler_same_input_gives_same_text(void **state) {
        Config *c = mail_config();
        Snapshot s;
        fx_snapshot(&s, c, 3);
        settle(&s);
        fx_blade(&s, "blade2", BLADE_LOST);
        Plan *p1 = run_checked(&s), *p2 = run_checked(&s);
        char *t1 = fx_text(&s, p1), *t2 = fx_text(&s, p2);
        assert_string_equal(t1, t2);
        free(t1);
        free(t2);
        plan_free(p2);
        done(&s, p1, c);
}

static void test_scheduler_blade_array_order_does_not_matter(void **state) {
        Config *c = mail_config();
        Snapshot s, r;
        fx_snapshot(&s, c, 3);
        settle(&s);
        fx_blade(&s, "blade2", BLADE_LOST);
        fx_rb(&s, "vm-ldap", "blade1")->failcount = 2;

        /* The same blades and roles, array reversed (nodeids kept). */
        const char *names[] = {"blade3", "blade2", "blade1"};
        const uint32_t ids[] = {3, 2, 1};
        assert_int_equal(snapshot_init(&r, c, names, ids, 3), 0);
        r.quorate = true;
        for (size_t b = 0; b < 3; b++) {
                r.blades[b].state = s.blades[2 - b].state;
                r.blades[b].probed = true;
                for (size_t k = 0; k < c->n_resources; k++)
                        *snapshot_rb(&r, k, b) = *snapshot_rb(&s, k, 2 - b);
        }
        Plan *p1 = run_checked(&s), *p2 = run_checked(&r);
        char *t1 = fx_text(&s, p1), *t2 = fx_text(&r, p2);
        assert_string_equal(t1, t2);
        free(t1);
        free(t2);
        plan_free(p2);
        /* The exit_reason pointers are shared (NULL here): only free once. */
        for (size_t k = 0; k < c->n_resources * 3; k++)
                r.rb[k].exit_reason = NULL;
        snapshot_done(&r);
        done(&s, p1, c);
}

static void test_scheduler_scores_saturate_at_infinity(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        /* 3 x 600000 on blade1 saturates at INFINITY, like a single INFINITY
         * on blade2; a tie, then broken by nodeid, not by overflow. */
        fx_loc(c, "a", "blade1", 600000);
        fx_loc(c, "a", "blade1", 600000);
        fx_loc(c, "a", "blade1", 600000);
        fx_loc(c, "a", "blade2", INF);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade1");
        plan_free(p);
        /* -INFINITY beats +INFINITY on the same blade. */
        fx_loc(c, "a", "blade1", -INF);
        p = run_checked(&s);
        assert_string_equal(fx_target(&s, p, "a"), "blade2");
        plan_free(p);
        /* Two -600000 add up to -INFINITY: forbidden, not wrapped around. */
        c->locations[3].score = -600000;
        fx_loc(c, "a", "blade2", -600000);
        c->locations[4].score = 0;
        p = run_checked(&s);
        assert_int_equal(fx_state(&s, p, "a"), PLAN_RSC_RUNNING);
        assert_string_equal(fx_target(&s, p, "a"), "blade1");
        done(&s, p, c);
}

static void test_scheduler_empty_configuration_and_no_blades(void **state) {
        Config *c = fx_config();
        Snapshot s;
        fx_snapshot(&s, c, 0);
        Plan *p = run_checked(&s);
        assert_int_equal(p->n_actions, 0);
        char *t = fx_text(&s, p);
        assert_non_null(strstr(t, "actions: none"));
        free(t);
        plan_free(p);
        snapshot_done(&s);
        fx_rsc(c, "a", "vip");
        fx_snapshot(&s, c, 0);
        p = run_checked(&s);
        assert_int_equal(fx_state(&s, p, "a"), PLAN_RSC_BLOCKED);
        assert_string_equal(plan_rsc_blocked(p, 0), "no blades");
        done(&s, p, c);
}

static void test_scheduler_plan_text_shows_actions_placement_and_reasons(void **state) {
        Config *c = fx_config();
        fx_rsc(c, "vip", "vip");
        fx_rsc(c, "vm", "vm");
        c->resources[1].utilization = (Utilization){4096, 1};
        fx_node(c, "blade1", 1024, 4);
        fx_node(c, "blade2", 2048, 4);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        fx_role(&s, "vip", "blade2", RSC_STARTED);
        fx_blade(&s, "blade2", BLADE_LOST);
        Plan *p = run_checked(&s);
        char *t = fx_text(&s, p);
        assert_string_equal(
                t, "blades: blade1 online, blade2 lost\n"
                   "quorum: yes\n"
                   "notes:\n"
                   "  blade2 has no fence device in the configuration\n"
                   "actions:\n"
                   "  1  fence  blade2\n"
                   "  2  start  vip on blade1  after 1\n"
                   "placement:\n"
                   "  vip  blade1  starts after fence of blade2\n"
                   "  vm   -       blocked\n"
                   "blocked:\n"
                   "  vm: no blade has enough memory (needs 4096 MiB, best free 1024 MiB on "
                   "blade1)\n");
        free(t);
        done(&s, p, c);
}

static void test_scheduler_ordering_cycle_is_broken_with_note(void **state) {
        /* b then a, against the group's own a-then-b: a configuration the
         * parser may let through; the plan must still be a valid order. */
        Config *c = fx_config();
        fx_rsc(c, "a", "vip");
        fx_rsc(c, "b", "vip");
        fx_group(c, "g", "a", "b", NULL);
        fx_order(c, "b", "a", ORDER_MANDATORY, true);
        Snapshot s;
        fx_snapshot(&s, c, 2);
        Plan *p = run_checked(&s);
        assert_int_equal(fx_count(p, ACTION_START), 2);
        assert_int_equal(p->n_notes, 1);
        assert_non_null(strstr(p->notes[0], "ordering cycle"));
        done(&s, p, c);
}

static void test_scheduler_large_cluster_is_consistent(void **state) {
        /* 600 resources on 8 blades, one lost: every dependency backwards,
         * nothing on unavailable blades, capacity never exceeded. */
        Config *c = fx_config();
        char id[32], id2[32], gid[32];
        for (int i = 0; i < 200; i++) {
                snprintf(id, sizeof(id), "vip-%03d", i);
                snprintf(id2, sizeof(id2), "vm-%03d", i);
                snprintf(gid, sizeof(gid), "g-%03d", i);
                fx_rsc(c, id, "vip");
                size_t v = fx_rsc(c, id2, "vm");
                c->resources[v].utilization = (Utilization){1024 + (uint64_t)(i % 4) * 512, 1};
                c->resources[v].allow_migrate = true;
                c->resources[v].priority = i % 3;
                fx_group(c, gid, id, id2, NULL);
                snprintf(id, sizeof(id), "chk-%03d", i);
                fx_rsc(c, id, "mailcheck");
                fx_order(c, id2, id, ORDER_MANDATORY, true);
                snprintf(gid, sizeof(gid), "blade%d", 1 + i % 8);
                fx_loc(c, id2, gid, 100);
                if (i % 2)
                        fx_coloc(c, id, id2, INF);
        }
        for (int b = 1; b <= 8; b++) {
                snprintf(gid, sizeof(gid), "blade%d", b);
                fx_node(c, gid, 40000, 64);
        }
        Snapshot s;
        fx_snapshot(&s, c, 8);
        settle(&s);
        fx_blade(&s, "blade3", BLADE_LOST);
        fx_blade(&s, "blade5", BLADE_STANDBY);
        Plan *p = run_checked(&s);
        uint64_t used[8] = {0};
        for (size_t r = 0; r < c->n_resources; r++) {
                size_t t = p->rsc[r].target;
                if (t == IDX_NONE)
                        continue;
                assert_int_equal(s.blades[t].state, BLADE_ONLINE);
                used[t] += c->resources[r].utilization.memory;
        }
        for (size_t b = 0; b < 8; b++)
                assert_true(used[b] <= 40000);
        done(&s, p, c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_scheduler_places_fresh_mail_cluster_by_preference),
                cmocka_unit_test(test_scheduler_ordered_preferences_fall_back_to_next_blade),
                cmocka_unit_test(test_scheduler_spreads_unconstrained_resources_by_load),
                cmocka_unit_test(test_scheduler_stickiness_keeps_things_put_when_blade_returns),
                cmocka_unit_test(test_scheduler_stickiness_beats_weaker_preference),
                cmocka_unit_test(test_scheduler_default_stickiness_comes_from_properties),
                cmocka_unit_test(test_scheduler_tie_keeps_resource_where_it_runs),
                cmocka_unit_test(test_scheduler_location_minus_infinity_forbids),
                cmocka_unit_test(test_scheduler_mandatory_colocation_follows_primary),
                cmocka_unit_test(test_scheduler_primary_goes_where_its_follower_can_run),
                cmocka_unit_test(test_scheduler_mandatory_colocation_with_stopped_primary_blocks),
                cmocka_unit_test(test_scheduler_anti_colocation_blocks_with_one_blade_left),
                cmocka_unit_test(
                        test_scheduler_anti_colocation_first_placed_avoids_the_others_favourite),
                cmocka_unit_test(test_scheduler_finite_colocation_adds_preference),
                cmocka_unit_test(test_scheduler_order_then_starts_after_first_and_stops_before),
                cmocka_unit_test(test_scheduler_asymmetrical_order_does_not_order_stops),
                cmocka_unit_test(test_scheduler_restarts_then_when_first_moves),
                cmocka_unit_test(test_scheduler_group_order_applies_to_group_ends),
                cmocka_unit_test(test_scheduler_group_starts_in_order_and_stops_in_reverse),
                cmocka_unit_test(test_scheduler_moves_group_off_standby_blade),
                cmocka_unit_test(test_scheduler_configured_standby_counts_without_blade_state),
                cmocka_unit_test(test_scheduler_group_member_that_cannot_run_blocks_the_rest),
                cmocka_unit_test(test_scheduler_group_prefers_blade_where_all_members_run),
                cmocka_unit_test(test_scheduler_offline_and_fenced_blades_hold_nothing),
                cmocka_unit_test(test_scheduler_all_blades_standby_or_offline_blocks_with_reason),
                cmocka_unit_test(test_scheduler_fences_lost_blade_before_recovering),
                cmocka_unit_test(test_scheduler_unknown_on_lost_blade_waits_for_fence),
                cmocka_unit_test(test_scheduler_lost_blade_without_fencing_recovers_at_once),
                cmocka_unit_test(test_scheduler_maintenance_only_probes),
                cmocka_unit_test(test_scheduler_target_role_stopped_stops),
                cmocka_unit_test(test_scheduler_no_quorum_policies),
                cmocka_unit_test(test_scheduler_probes_before_starting_anything_of_it),
                cmocka_unit_test(test_scheduler_failed_resource_is_stopped_then_restarted_in_place),
                cmocka_unit_test(
                        test_scheduler_migration_threshold_moves_away_until_failure_timeout),
                cmocka_unit_test(test_scheduler_banned_blade_is_avoided_with_reason),
                cmocka_unit_test(test_scheduler_stop_failure_with_fencing_fences_that_blade),
                cmocka_unit_test(test_scheduler_stop_failure_without_fencing_blocks_there),
                cmocka_unit_test(test_scheduler_active_twice_keeps_the_best_scored),
                cmocka_unit_test(test_scheduler_capacity_higher_priority_wins),
                cmocka_unit_test(test_scheduler_capacity_after_failure_mail_cluster),
                cmocka_unit_test(test_scheduler_cpu_capacity_reason),
                cmocka_unit_test(test_scheduler_live_migration_sequence),
                cmocka_unit_test(test_scheduler_no_live_migration_when_dependency_moves),
                cmocka_unit_test(test_scheduler_no_live_migration_from_lost_blade),
                cmocka_unit_test(test_scheduler_interrupted_migration_is_cleaned_up),
                cmocka_unit_test(test_scheduler_same_input_gives_same_text),
                cmocka_unit_test(test_scheduler_blade_array_order_does_not_matter),
                cmocka_unit_test(test_scheduler_scores_saturate_at_infinity),
                cmocka_unit_test(test_scheduler_empty_configuration_and_no_blades),
                cmocka_unit_test(test_scheduler_plan_text_shows_actions_placement_and_reasons),
                cmocka_unit_test(test_scheduler_ordering_cycle_is_broken_with_note),
                cmocka_unit_test(test_scheduler_large_cluster_is_consistent),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
