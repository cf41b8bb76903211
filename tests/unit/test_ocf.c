/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the pure OCF helpers (daemon/core/ocf.c). */
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
#include "bladed/ocf.h"
#include "bladed/util.h"

static NvPair vip_params[] = {
        {.name = "ip", .value = "198.18.7.10"},
        {.name = "cidr_netmask", .value = "24"},
        {.name = "nic", .value = "eth0"},
};

static Op vip_ops[] = {
        {.name = "monitor", .interval_ms = 10000, .timeout_ms = 15000},
        {.name = "start", .interval_ms = 0, .timeout_ms = 30000},
};

static Resource vip_rsc(void) {
        return (Resource){
                .id = "vip-smtp",
                .agent_class = "ocf",
                .agent_provider = "bladed",
                .agent_type = "vip",
                .params = vip_params,
                .n_params = ELEMENTSOF(vip_params),
                .ops = vip_ops,
                .n_ops = ELEMENTSOF(vip_ops),
        };
}

static char **build(const OcfCall *c) {
        char **env = NULL;
        const char *bad = "unset";
        assert_int_equal(ocf_env_build(c, &env, &bad), 0);
        assert_null(bad);
        assert_non_null(env);
        return env;
}

static void assert_env_exact(char **env, const char *const *want, size_t n_want) {
        assert_int_equal(ocf_env_count(env), n_want);
        for (size_t i = 0; i < n_want; i++)
                assert_string_equal(env[i], want[i]);
}

static void test_env_start_has_exactly_the_resource_variables(void **state) {
        Resource r = vip_rsc();
        OcfCall c = {.action = OCF_ACTION_START,
                     .rsc = &r,
                     .op = &vip_ops[1],
                     .ocf_root = "/usr/lib/ocf",
                     .node = "blade2"};
        static const char *const want[] = {
                "PATH=" OCF_AGENT_PATH,
                "OCF_ROOT=/usr/lib/ocf",
                "OCF_RA_VERSION_MAJOR=1",
                "OCF_RA_VERSION_MINOR=1",
                "OCF_RESOURCE_INSTANCE=vip-smtp",
                "OCF_RESOURCE_TYPE=vip",
                "OCF_RESOURCE_PROVIDER=bladed",
                "OCF_RESKEY_ip=198.18.7.10",
                "OCF_RESKEY_cidr_netmask=24",
                "OCF_RESKEY_nic=eth0",
                "OCF_RESKEY_CRM_meta_name=start",
                "OCF_RESKEY_CRM_meta_interval=0",
                "OCF_RESKEY_CRM_meta_timeout=30000",
                "OCF_RESKEY_CRM_meta_on_node=blade2",
        };
        char **env = build(&c);
        assert_env_exact(env, want, ELEMENTSOF(want));
        ocf_env_free(env);
}

static void test_env_monitor_interval_in_ms_probe_forces_zero(void **state) {
        Resource r = vip_rsc();
        OcfCall c = {.action = OCF_ACTION_MONITOR,
                     .rsc = &r,
                     .op = &vip_ops[0],
                     .ocf_root = "/usr/lib/ocf"};
        char **env = build(&c);
        size_t n = ocf_env_count(env);
        assert_string_equal(env[n - 3], "OCF_RESKEY_CRM_meta_name=monitor");
        assert_string_equal(env[n - 2], "OCF_RESKEY_CRM_meta_interval=10000");
        assert_string_equal(env[n - 1], "OCF_RESKEY_CRM_meta_timeout=15000");
        ocf_env_free(env);

        /* The probe borrows the monitor's timeout but is one-shot (a.3). */
        c.action = OCF_ACTION_PROBE;
        env = build(&c);
        n = ocf_env_count(env);
        assert_string_equal(env[n - 3], "OCF_RESKEY_CRM_meta_name=monitor");
        assert_string_equal(env[n - 2], "OCF_RESKEY_CRM_meta_interval=0");
        assert_string_equal(env[n - 1], "OCF_RESKEY_CRM_meta_timeout=15000");
        ocf_env_free(env);
}

static void test_env_without_op_uses_default_timeout(void **state) {
        Resource r = vip_rsc();
        OcfCall c = {.action = OCF_ACTION_STOP, .rsc = &r, .ocf_root = "/x"};
        char buf[64];
        char **env = build(&c);
        size_t n = ocf_env_count(env);
        snprintf(buf, sizeof(buf), "OCF_RESKEY_CRM_meta_timeout=%u", CONFIG_DEFAULT_OP_TIMEOUT_MS);
        assert_string_equal(env[n - 1], buf);
        ocf_env_free(env);
}

static void test_env_migrate_names_only_for_migrate_actions(void **state) {
        Resource r = vip_rsc();
        OcfCall c = {.action = OCF_ACTION_MIGRATE_TO,
                     .rsc = &r,
                     .ocf_root = "/x",
                     .node = "blade1",
                     .migrate_source = "blade1",
                     .migrate_target = "blade3"};
        char **env = build(&c);
        size_t n = ocf_env_count(env);
        assert_string_equal(env[n - 2], "OCF_RESKEY_CRM_meta_migrate_source=blade1");
        assert_string_equal(env[n - 1], "OCF_RESKEY_CRM_meta_migrate_target=blade3");
        ocf_env_free(env);

        c.action = OCF_ACTION_START;
        env = build(&c);
        for (char **p = env; *p; p++)
                assert_null(strstr(*p, "migrate_"));
        ocf_env_free(env);
}

static void test_env_meta_data_needs_no_resource(void **state) {
        OcfCall c = {.action = OCF_ACTION_META_DATA,
                     .provider = "heartbeat",
                     .type = "IPaddr2",
                     .ocf_root = "/usr/lib/ocf"};
        char **env = build(&c);
        for (char **p = env; *p; p++) {
                assert_null(strstr(*p, "OCF_RESOURCE_INSTANCE"));
                assert_false(strncmp(*p, "OCF_RESKEY_", 11) == 0 &&
                             strncmp(*p, "OCF_RESKEY_CRM_meta_", 20) != 0);
        }
        assert_string_equal(env[5], "OCF_RESOURCE_PROVIDER=heartbeat");
        ocf_env_free(env);

        /* Any other action without a resource is a caller error, not a crash. */
        c.action = OCF_ACTION_START;
        char **e2 = NULL;
        assert_int_equal(ocf_env_build(&c, &e2, NULL), -EINVAL);
        assert_null(e2);
}

static void test_env_rejects_bad_param_names(void **state) {
        static const char *const bad_names[] = {
                "", "a-b", "a b", "ip=1", "x\n", "../x", "é", "CRM_meta_interval", "CRM_meta_x",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
                NvPair params[] = {{.name = "ip", .value = "1"},
                                   {.name = (char *)bad_names[i], .value = "v"}};
                Resource r = vip_rsc();
                r.params = params;
                r.n_params = 2;
                OcfCall c = {.action = OCF_ACTION_START, .rsc = &r, .ocf_root = "/x"};
                char **env = NULL;
                const char *bad = NULL;
                assert_int_equal(ocf_env_build(&c, &env, &bad), -EINVAL);
                assert_null(env);
                assert_ptr_equal(bad, bad_names[i]);
        }
        assert_true(ocf_param_name_is_valid("crm_feature_set"));
        assert_true(ocf_param_name_is_valid("_A9"));
        assert_false(ocf_param_name_is_valid(NULL));
}

static void test_env_rejects_bad_provider_type_and_root(void **state) {
        Resource r = vip_rsc();
        OcfCall c = {.action = OCF_ACTION_START, .rsc = &r, .ocf_root = "/x"};
        char **env = NULL;

        r.agent_type = "../../bin/sh";
        assert_int_equal(ocf_env_build(&c, &env, NULL), -EINVAL);
        r.agent_type = "vip";
        r.agent_provider = "a/b";
        assert_int_equal(ocf_env_build(&c, &env, NULL), -EINVAL);
        r.agent_provider = "bladed";
        c.ocf_root = "relative";
        assert_int_equal(ocf_env_build(&c, &env, NULL), -EINVAL);
        c.ocf_root = NULL;
        assert_int_equal(ocf_env_build(&c, &env, NULL), -EINVAL);
        c.ocf_root = "/x";
        c.action = (OcfAction)99;
        assert_int_equal(ocf_env_build(&c, &env, NULL), -EINVAL);
        assert_null(env);
}

static void test_agent_path_checks(void **state) {
        char *p = NULL;
        assert_int_equal(ocf_agent_path("/usr/lib/ocf", "heartbeat", "IPaddr2", &p), 0);
        assert_string_equal(p, "/usr/lib/ocf/resource.d/heartbeat/IPaddr2");
        free(p);
        p = NULL;
        assert_int_equal(ocf_agent_path("/r", "..", "x", &p), -EINVAL);
        assert_int_equal(ocf_agent_path("/r", "x", "..", &p), -EINVAL);
        assert_int_equal(ocf_agent_path("/r", "x", "a..b", &p), -EINVAL);
        assert_int_equal(ocf_agent_path("/r", "x/y", "z", &p), -EINVAL);
        assert_int_equal(ocf_agent_path("/r", "x", "/etc/passwd", &p), -EINVAL);
        assert_int_equal(ocf_agent_path("/r", "", "z", &p), -EINVAL);
        assert_int_equal(ocf_agent_path("/r", "x", "a\nb", &p), -EINVAL);
        assert_int_equal(ocf_agent_path("/r", NULL, "z", &p), -EINVAL);
        assert_int_equal(ocf_agent_path("r", "x", "z", &p), -EINVAL);
        assert_int_equal(ocf_agent_path(NULL, "x", "z", &p), -EINVAL);
        assert_null(p);
        assert_true(ocf_name_is_valid(".hidden"));
}

typedef struct RcCase {
        OcfAction action;
        int rc;
        OcfOutcome want;
} RcCase;

static void test_classify_table_per_action(void **state) {
        static const RcCase cases[] = {
                /* probe: a.5 derived rules */
                {OCF_ACTION_PROBE, 0, OCF_OUTCOME_RUNNING},
                {OCF_ACTION_PROBE, 190, OCF_OUTCOME_RUNNING},
                {OCF_ACTION_PROBE, 7, OCF_OUTCOME_STOPPED},
                {OCF_ACTION_PROBE, 2, OCF_OUTCOME_STOPPED},
                {OCF_ACTION_PROBE, 5, OCF_OUTCOME_STOPPED},
                {OCF_ACTION_PROBE, 1, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_PROBE, 3, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_PROBE, 4, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_PROBE, 8, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_PROBE, 42, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_PROBE, 255, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_PROBE, OCF_RC_NO_RESULT, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_PROBE, 6, OCF_OUTCOME_FATAL},
                /* recurring monitor */
                {OCF_ACTION_MONITOR, 0, OCF_OUTCOME_RUNNING},
                {OCF_ACTION_MONITOR, 190, OCF_OUTCOME_RUNNING},
                {OCF_ACTION_MONITOR, 7, OCF_OUTCOME_CRASHED},
                {OCF_ACTION_MONITOR, 1, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_MONITOR, 3, OCF_OUTCOME_UNSUPPORTED},
                {OCF_ACTION_MONITOR, 2, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_MONITOR, 42, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_MONITOR, OCF_RC_NO_RESULT, OCF_OUTCOME_FAILED_HERE},
                {OCF_ACTION_MONITOR, 6, OCF_OUTCOME_FATAL},
                /* start */
                {OCF_ACTION_START, 0, OCF_OUTCOME_DONE},
                {OCF_ACTION_START, 1, OCF_OUTCOME_SOFT_FAILURE},
                {OCF_ACTION_START, 7, OCF_OUTCOME_SOFT_FAILURE},
                {OCF_ACTION_START, 42, OCF_OUTCOME_SOFT_FAILURE},
                {OCF_ACTION_START, 255, OCF_OUTCOME_SOFT_FAILURE},
                {OCF_ACTION_START, OCF_RC_NO_RESULT, OCF_OUTCOME_SOFT_FAILURE},
                {OCF_ACTION_START, 2, OCF_OUTCOME_HARD_FAILURE},
                {OCF_ACTION_START, 3, OCF_OUTCOME_HARD_FAILURE},
                {OCF_ACTION_START, 4, OCF_OUTCOME_HARD_FAILURE},
                {OCF_ACTION_START, 5, OCF_OUTCOME_HARD_FAILURE},
                {OCF_ACTION_START, 6, OCF_OUTCOME_FATAL},
                /* stop: 0 only */
                {OCF_ACTION_STOP, 0, OCF_OUTCOME_DONE},
                {OCF_ACTION_STOP, 7, OCF_OUTCOME_STOP_FAILED},
                {OCF_ACTION_STOP, 1, OCF_OUTCOME_STOP_FAILED},
                {OCF_ACTION_STOP, 6, OCF_OUTCOME_STOP_FAILED},
                {OCF_ACTION_STOP, OCF_RC_NO_RESULT, OCF_OUTCOME_STOP_FAILED},
                /* migrate: never trust one exit code */
                {OCF_ACTION_MIGRATE_TO, 0, OCF_OUTCOME_DONE},
                {OCF_ACTION_MIGRATE_TO, 1, OCF_OUTCOME_MIGRATE_FAILED},
                {OCF_ACTION_MIGRATE_TO, 150, OCF_OUTCOME_MIGRATE_FAILED},
                {OCF_ACTION_MIGRATE_FROM, 0, OCF_OUTCOME_DONE},
                {OCF_ACTION_MIGRATE_FROM, 6, OCF_OUTCOME_MIGRATE_FAILED},
                {OCF_ACTION_MIGRATE_FROM, OCF_RC_NO_RESULT, OCF_OUTCOME_MIGRATE_FAILED},
                /* validate-all: 0 valid, 2 invalid here, 6 not configured */
                {OCF_ACTION_VALIDATE_ALL, 0, OCF_OUTCOME_DONE},
                {OCF_ACTION_VALIDATE_ALL, 2, OCF_OUTCOME_HARD_FAILURE},
                {OCF_ACTION_VALIDATE_ALL, 6, OCF_OUTCOME_FATAL},
                {OCF_ACTION_META_DATA, 0, OCF_OUTCOME_DONE},
                {OCF_ACTION_META_DATA, 1, OCF_OUTCOME_SOFT_FAILURE},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                OcfOutcome got = ocf_classify(cases[i].action, cases[i].rc);
                if (got != cases[i].want)
                        fail_msg("%s rc %d: got %s, want %s", ocf_action_to_string(cases[i].action),
                                 cases[i].rc, ocf_outcome_to_string(got),
                                 ocf_outcome_to_string(cases[i].want));
        }
}

static void test_rc_names_and_verbs(void **state) {
        assert_string_equal(ocf_rc_name(0), "OCF_SUCCESS");
        assert_string_equal(ocf_rc_name(7), "OCF_NOT_RUNNING");
        assert_string_equal(ocf_rc_name(190), "OCF_DEGRADED");
        assert_null(ocf_rc_name(42));
        assert_null(ocf_rc_name(-1));
        assert_string_equal(ocf_rc_to_string(5), "not installed");
        assert_string_equal(ocf_rc_to_string(42), "unknown");
        assert_string_equal(ocf_rc_to_string(OCF_RC_NO_RESULT), "no result");
        assert_string_equal(ocf_action_verb(OCF_ACTION_PROBE), "monitor");
        assert_string_equal(ocf_action_to_string(OCF_ACTION_PROBE), "probe");
        assert_string_equal(ocf_action_verb(OCF_ACTION_META_DATA), "meta-data");
        assert_string_equal(ocf_action_verb(OCF_ACTION_MIGRATE_FROM), "migrate_from");
        assert_null(ocf_action_verb((OcfAction)42));
        assert_string_equal(ocf_outcome_to_string((OcfOutcome)99), "invalid");
        assert_true(ocf_rc_is_degraded(190));
        assert_false(ocf_rc_is_degraded(0));
        for (int a = 0; a < _OCF_ACTION_MAX; a++)
                assert_non_null(ocf_action_to_string((OcfAction)a));
        for (int o = 0; o < _OCF_OUTCOME_MAX; o++)
                assert_string_not_equal(ocf_outcome_to_string((OcfOutcome)o), "invalid");
}

static char *reason_of(const char *buf, size_t len) {
        char *r = NULL;
        int k = ocf_exit_reason_parse(buf, len, &r);
        if (k == -ENOENT) {
                assert_null(r);
                return NULL;
        }
        assert_int_equal(k, 0);
        return r;
}

static void test_exit_reason_last_line_wins_trimmed(void **state) {
        const char s[] = "noise\nocf-exit-reason:first\nmore\n"
                         "vip(vip-smtp)[42]: ERROR: ocf-exit-reason:  address in use \r\ntail\n";
        char *r = reason_of(s, strlen(s));
        assert_string_equal(r, "address in use");
        free(r);

        const char t[] = "ocf-exit-reason:no newline at end";
        r = reason_of(t, strlen(t));
        assert_string_equal(r, "no newline at end");
        free(r);
}

static void test_exit_reason_absent_or_empty(void **state) {
        assert_null(reason_of("", 0));
        assert_null(reason_of(NULL, 0));
        assert_null(reason_of("just an error\n", 14));
        assert_null(reason_of("ocf-exit-reason:   \n", 20));
        assert_null(reason_of("ocf-exit-reaso", 14)); /* cut by the stderr tail */
}

static void test_exit_reason_masks_and_caps(void **state) {
        char big[2000];
        const char s[] = "ocf-exit-reason:a\tb\x1b[31mred\x7f\xc3\xa9\0z\n";
        char *r = reason_of(s, sizeof(s) - 1);
        assert_string_equal(r, "a?b?[31mred????z");
        free(r);

        memcpy(big, "ocf-exit-reason:", 16);
        memset(big + 16, 'x', sizeof(big) - 16);
        r = reason_of(big, sizeof(big));
        assert_int_equal(strlen(r), OCF_EXIT_REASON_MAX);
        free(r);

        /* A NUL inside an earlier line neither ends the search nor matches. */
        const char u[] = "a\0b\nocf-exit-reason:after nul\n";
        r = reason_of(u, sizeof(u) - 1);
        assert_string_equal(r, "after nul");
        free(r);
}

static void test_env_free_accepts_null(void **state) {
        assert_null(ocf_env_free(NULL));
        assert_int_equal(ocf_env_count(NULL), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_env_start_has_exactly_the_resource_variables),
                cmocka_unit_test(test_env_monitor_interval_in_ms_probe_forces_zero),
                cmocka_unit_test(test_env_without_op_uses_default_timeout),
                cmocka_unit_test(test_env_migrate_names_only_for_migrate_actions),
                cmocka_unit_test(test_env_meta_data_needs_no_resource),
                cmocka_unit_test(test_env_rejects_bad_param_names),
                cmocka_unit_test(test_env_rejects_bad_provider_type_and_root),
                cmocka_unit_test(test_agent_path_checks),
                cmocka_unit_test(test_classify_table_per_action),
                cmocka_unit_test(test_rc_names_and_verbs),
                cmocka_unit_test(test_exit_reason_last_line_wins_trimmed),
                cmocka_unit_test(test_exit_reason_absent_or_empty),
                cmocka_unit_test(test_exit_reason_masks_and_caps),
                cmocka_unit_test(test_env_free_accepts_null),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
