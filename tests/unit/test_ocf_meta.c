/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the OCF meta-data parser (daemon/core/ocf_meta.c). */
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
#include "bladed/ocf_meta.h"
#include "bladed/util.h"

#define CORPUS SRCDIR "/tests/fuzz/corpus/ocf_meta/"

static char *read_corpus(const char *name, size_t *len) {
        FILE *f = fopen(name, "rb");
        char *buf = malloc(OCF_META_MAX_SIZE + 1);

        assert_non_null(f);
        assert_non_null(buf);
        *len = fread(buf, 1, OCF_META_MAX_SIZE + 1, f);
        fclose(f);
        return buf;
}

static OcfMeta *parse_file(const char *path, DiagList *diag) {
        size_t len;
        char *buf = read_corpus(path, &len);
        OcfMeta *m = NULL;
        int k = ocf_meta_parse(buf, len, &m, diag);

        if (k != 0)
                diag_print(diag, path, stderr);
        assert_int_equal(k, 0);
        assert_non_null(m);
        free(buf);
        return m;
}

static int parse_bad(const char *text, DiagList *diag) {
        OcfMeta *m = (OcfMeta *)1;
        int k = ocf_meta_parse(text, strlen(text), &m, diag);

        assert_null(m);
        assert_true(diag->n_errors > 0);
        return k;
}

static bool diag_has(const DiagList *d, DiagLevel level, const char *needle) {
        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].level == level && strstr(d->items[i].msg, needle))
                        return true;
        return false;
}

static const OcfMetaAction *find_action(const OcfMeta *m, const char *name) {
        for (size_t i = 0; i < m->n_actions; i++)
                if (strcmp(m->actions[i].name, name) == 0)
                        return &m->actions[i];
        return NULL;
}

static void test_ocf_meta_reads_vip_agent(void **state) {
        DiagList d = {0};
        OcfMeta *m = parse_file(CORPUS "vip.xml", &d);
        const OcfMetaParam *p;
        const OcfMetaAction *a;

        assert_int_equal(d.n, 0);
        assert_string_equal(m->name, "vip");
        assert_string_equal(m->version, "0.1.0");
        assert_string_equal(m->ocf_version, "1.1");
        assert_string_equal(m->shortdesc, "Virtual IPv4 address with gratuitous ARP");
        assert_int_equal(m->n_params, 6);
        p = ocf_meta_find_param(m, "ip");
        assert_non_null(p);
        assert_true(p->required);
        assert_true(p->unique); /* unique-group */
        assert_string_equal(p->type, "string");
        assert_null(p->default_value);
        assert_string_equal(p->shortdesc, "IPv4 address");
        p = ocf_meta_find_param(m, "arp_count");
        assert_false(p->required);
        assert_false(p->unique);
        assert_string_equal(p->type, "integer");
        assert_string_equal(p->default_value, "5");
        assert_string_equal(ocf_meta_find_param(m, "arp_bg")->type, "boolean");
        assert_null(ocf_meta_find_param(m, "nope"));
        assert_int_equal(m->n_actions, 5);
        a = find_action(m, "monitor");
        assert_int_equal(a->timeout_ms, 20000);
        assert_int_equal(a->interval_ms, 10000);
        assert_int_equal(a->depth, 0);
        assert_true(ocf_meta_has_action(m, "validate-all"));
        assert_false(ocf_meta_has_action(m, "migrate_to"));
        assert_false(ocf_meta_has_action(m, "reload-agent"));
        ocf_meta_free(m);
        diag_clear(&d);
}

static void test_ocf_meta_reads_mailcheck_and_vm_agents(void **state) {
        DiagList d = {0};
        OcfMeta *m = parse_file(CORPUS "mailcheck.xml", &d);
        size_t required = 0;

        assert_string_equal(m->name, "mailcheck");
        for (size_t i = 0; i < m->n_params; i++)
                required += m->params[i].required;
        assert_int_equal(required, 1);
        assert_true(ocf_meta_find_param(m, "host")->required);
        assert_string_equal(ocf_meta_find_param(m, "protocol")->type, "select");
        assert_string_equal(ocf_meta_find_param(m, "protocol")->default_value, "smtp");
        assert_int_equal(find_action(m, "start")->timeout_ms, 30000);
        ocf_meta_free(m);

        m = parse_file(CORPUS "vm.xml", &d);
        assert_string_equal(m->name, "vm");
        assert_int_equal(m->n_params, 9);
        assert_true(ocf_meta_find_param(m, "domain")->required);
        assert_true(ocf_meta_find_param(m, "config")->required);
        assert_false(ocf_meta_find_param(m, "backend")->required);
        assert_string_equal(ocf_meta_find_param(m, "migrate_options")->default_value, "");
        assert_true(ocf_meta_has_action(m, "migrate_to"));
        assert_true(ocf_meta_has_action(m, "migrate_from"));
        assert_int_equal(find_action(m, "migrate_to")->timeout_ms, 120000);
        assert_int_equal(d.n, 0);
        ocf_meta_free(m);
        diag_clear(&d);
}

static void test_ocf_meta_reads_pacemaker_agent_with_doctype(void **state) {
        DiagList d = {0};
        OcfMeta *m = parse_file(CORPUS "ipaddr2-doctype.xml", &d);

        assert_int_equal(d.n, 0);
        assert_string_equal(m->name, "IPaddr2");
        assert_string_equal(m->ocf_version, "1.0");
        assert_true(ocf_meta_find_param(m, "ip")->required);
        assert_true(ocf_meta_find_param(m, "ip")->unique); /* old unique="1" */
        assert_false(ocf_meta_find_param(m, "nic")->unique);
        assert_int_equal(m->n_actions, 6);
        assert_true(ocf_meta_has_action(m, "status"));
        ocf_meta_free(m);
        diag_clear(&d);
}

static void test_ocf_meta_tolerates_old_minimal_agent(void **state) {
        DiagList d = {0};
        OcfMeta *m = parse_file(CORPUS "minimal-old.xml", &d);

        assert_null(m->shortdesc);
        assert_null(m->version);
        assert_int_equal(find_action(m, "start")->timeout_ms, 20000); /* bare seconds */
        assert_int_equal(find_action(m, "monitor")->timeout_ms, 300000);
        assert_int_equal(find_action(m, "monitor")->interval_ms, 3600000);
        assert_int_equal(find_action(m, "monitor")->depth, 10);
        assert_int_equal(find_action(m, "notify")->timeout_ms, 0);
        assert_int_equal(d.n_errors, 0);
        assert_true(diag_has(&d, DIAG_WARNING, "timeout=\"bogus\" is not a duration"));
        ocf_meta_free(m);
        diag_clear(&d);
}

static void test_ocf_meta_refuses_junk_empty_and_entities(void **state) {
        DiagList d = {0};
        OcfMeta *m = (OcfMeta *)1;
        static const char *const bad_files[] = {"bad-entity.xml", "bad-external-entity.xml",
                                                "bad-names.xml",  "bad-truncated.xml",
                                                "bad-root.xml",   "bad-junk.bin"};

        assert_int_equal(ocf_meta_parse("", 0, &m, &d), -EINVAL);
        assert_null(m);
        assert_true(diag_has(&d, DIAG_ERROR, "empty"));
        diag_clear(&d);

        assert_int_equal(parse_bad("<resource-agent name=\"x\"", &d), -EINVAL);
        assert_true(diag_has(&d, DIAG_ERROR, "not well-formed"));
        diag_clear(&d);

        assert_int_equal(
                parse_bad("<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n<!ENTITY e \"boom\">\n]>\n"
                          "<resource-agent name=\"x\"><shortdesc>&e;</shortdesc></resource-agent>",
                          &d),
                -EINVAL);
        assert_true(diag_has(&d, DIAG_ERROR, "entity declarations are not allowed"));
        assert_int_equal(d.items[0].line, 3);
        diag_clear(&d);

        assert_int_equal(parse_bad("<resource-agent/>", &d), -EINVAL);
        assert_true(diag_has(&d, DIAG_ERROR, "name is required"));
        diag_clear(&d);

        assert_int_equal(
                parse_bad(
                        "<resource-agent name=\"x\">\n<parameters>\n"
                        "<parameter name=\"ip\" required=\"maybe\"/></parameters></resource-agent>",
                        &d),
                -EINVAL);
        assert_true(diag_has(&d, DIAG_ERROR, "required=\"maybe\" is not 0 or 1"));
        assert_int_equal(d.items[0].line, 3);
        diag_clear(&d);

        for (size_t i = 0; i < ELEMENTSOF(bad_files); i++) {
                char path[512];
                size_t len;
                snprintf(path, sizeof(path), CORPUS "%s", bad_files[i]);
                char *buf = read_corpus(path, &len);
                m = (OcfMeta *)1;
                assert_int_equal(ocf_meta_parse(buf, len, &m, &d), -EINVAL);
                assert_null(m);
                assert_true(d.n_errors > 0);
                diag_clear(&d);
                free(buf);
        }

        char *big = malloc(OCF_META_MAX_SIZE + 1);
        memset(big, ' ', OCF_META_MAX_SIZE + 1);
        assert_int_equal(ocf_meta_parse(big, OCF_META_MAX_SIZE + 1, &m, &d), -EINVAL);
        assert_true(diag_has(&d, DIAG_ERROR, "larger than 1 MiB"));
        free(big);
        diag_clear(&d);
}

static Resource vip_resource(NvPair *params, size_t n) {
        return (Resource){.id = "vip-mx1",
                          .agent_class = "ocf",
                          .agent_provider = "bladed",
                          .agent_type = "vip",
                          .params = params,
                          .n_params = n,
                          .line = 42};
}

static void test_ocf_meta_check_reports_missing_required_param(void **state) {
        DiagList d = {0};
        OcfMeta *m = parse_file(CORPUS "vip.xml", &d);
        NvPair params[] = {{.name = "nic", .value = "eth0"}};
        Resource r = vip_resource(params, 1);

        assert_int_equal(ocf_meta_check_resource(m, &r, &d), -EINVAL);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.items[0].level, DIAG_ERROR);
        assert_int_equal(d.items[0].line, 42);
        assert_string_equal(
                d.items[0].msg,
                "resource 'vip-mx1': agent ocf:bladed:vip requires parameter 'ip' (IPv4 address)");
        diag_clear(&d);

        /* Empty is unset for an agent ([ -z "$OCF_RESKEY_ip" ]). */
        NvPair empty[] = {{.name = "ip", .value = ""}};
        r = vip_resource(empty, 1);
        assert_int_equal(ocf_meta_check_resource(m, &r, &d), -EINVAL);
        assert_true(
                diag_has(&d, DIAG_ERROR, "requires parameter 'ip' (IPv4 address); it is empty"));
        diag_clear(&d);
        ocf_meta_free(m);
}

/* Fails if the required flag were ignored or inverted: the same resource
 * passes once ip is given, and an agent where ip is optional never errs. */
static void test_ocf_meta_check_honours_required_flag(void **state) {
        DiagList d = {0};
        OcfMeta *m = parse_file(CORPUS "vip.xml", &d);
        NvPair ok[] = {{.name = "ip", .value = "198.18.7.10"}};
        Resource r = vip_resource(ok, 1);
        static const char optional[] =
                "<resource-agent name=\"vip\"><parameters><parameter name=\"ip\" "
                "required=\"0\"/></parameters></resource-agent>";
        OcfMeta *o = NULL;

        assert_int_equal(ocf_meta_check_resource(m, &r, &d), 0);
        assert_int_equal(d.n, 0);
        r = vip_resource(NULL, 0);
        assert_int_equal(ocf_meta_check_resource(m, &r, &d), -EINVAL);
        assert_int_equal(d.n_errors, 1);
        diag_clear(&d);

        assert_int_equal(ocf_meta_parse(optional, strlen(optional), &o, &d), 0);
        assert_false(o->params[0].required);
        assert_int_equal(ocf_meta_check_resource(o, &r, &d), 0);
        assert_int_equal(d.n, 0);
        ocf_meta_free(o);
        ocf_meta_free(m);
}

static void test_ocf_meta_check_warns_about_unknown_param(void **state) {
        DiagList d = {0};
        OcfMeta *m = parse_file(CORPUS "vip.xml", &d);
        NvPair params[] = {{.name = "ip", .value = "198.18.7.10"},
                           {.name = "netmask", .value = "24"}};
        Resource r = vip_resource(params, 2);

        assert_int_equal(ocf_meta_check_resource(m, &r, &d), 0);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.items[0].level, DIAG_WARNING);
        assert_int_equal(d.items[0].line, 42);
        assert_string_equal(d.items[0].msg, "resource 'vip-mx1': agent ocf:bladed:vip has no "
                                            "parameter 'netmask' (it knows: ip, "
                                            "cidr_netmask, nic, arp_count, arp_interval, arp_bg)");
        diag_clear(&d);
        ocf_meta_free(m);
}

static void test_ocf_meta_free_accepts_null(void **state) {
        assert_null(ocf_meta_free(NULL));
        assert_false(ocf_meta_has_action(NULL, "start"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ocf_meta_reads_vip_agent),
                cmocka_unit_test(test_ocf_meta_reads_mailcheck_and_vm_agents),
                cmocka_unit_test(test_ocf_meta_reads_pacemaker_agent_with_doctype),
                cmocka_unit_test(test_ocf_meta_tolerates_old_minimal_agent),
                cmocka_unit_test(test_ocf_meta_refuses_junk_empty_and_entities),
                cmocka_unit_test(test_ocf_meta_check_reports_missing_required_param),
                cmocka_unit_test(test_ocf_meta_check_honours_required_flag),
                cmocka_unit_test(test_ocf_meta_check_warns_about_unknown_param),
                cmocka_unit_test(test_ocf_meta_free_accepts_null),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
