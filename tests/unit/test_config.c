/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.xml: config_parse (every rule broken once, with its line),
 * hostile input, the example, config_check_nodes, the epoch helpers, the
 * compiled-in schema, and `bladectl config validate` end to end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "bladed/config.h"
#include "bladed/util.h"

#define EXAMPLE SRCDIR "/xml/examples/mail-cluster.xml"
#define DATA SRCDIR "/tests/data/config"

extern const char bladed_schema_rng[];
extern const size_t bladed_schema_rng_len;

static char *read_all(const char *path, size_t *size) {
        FILE *f = fopen(path, "rb");
        char *buf;
        long n;

        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        rewind(f);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = 0;
        fclose(f);
        *size = (size_t)n;
        return buf;
}

static int parse(const char *xml, Config **c, DiagList *d) {
        return config_parse(xml, strlen(xml), c, d);
}

/* Is there an entry of this level at this line whose message holds msg? */
static bool has_diag(const DiagList *d, DiagLevel level, int line, const char *msg) {
        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].level == level && d->items[i].line == line &&
                    strstr(d->items[i].msg, msg))
                        return true;
        return false;
}

static void dump(const DiagList *d) {
        for (size_t i = 0; i < d->n; i++)
                print_message("  %s%d: %s\n", d->items[i].level == DIAG_WARNING ? "warning " : "",
                              d->items[i].line, d->items[i].msg);
}

/* ---- every rule, one case each ---- */

/* The document: line 1 <bladed-config>, 2 <resources>, 3-5 fixed resources,
 * 6 the case's resource snippet, 7 </resources>, 8... the case's tail. */
#define HEAD                                                                                       \
        "<bladed-config epoch=\"1\">\n"                                                            \
        "<resources>\n"                                                                            \
        "<primitive id=\"a\" agent=\"ocf:bladed:vip\"/>\n"                                         \
        "<primitive id=\"b\" agent=\"ocf:bladed:vip\"/>\n"                                         \
        "<group id=\"g\"><primitive id=\"m1\" agent=\"ocf:bladed:vip\"/>"                          \
        "<primitive id=\"m2\" agent=\"ocf:bladed:vm\"/></group>\n"

typedef struct Case {
        const char *name;
        const char *rsc;  /* at line 6 */
        const char *tail; /* from line 8 */
        int line;
        DiagLevel level;
        const char *msg;
        bool schema_too; /* the RelaxNG schema alone rejects it as well */
} Case;

static const Case cases[] = {
        /* root and sections */
        {"unknown section", "", "<foo/>", 8, DIAG_ERROR, "unknown element <foo>", true},
        {"section twice", "", "<resources/>", 8, DIAG_ERROR, "<resources> given twice", false},
        {"text in root", "", "hello", 1, DIAG_ERROR, "text is not allowed", true},
        /* properties */
        {"bad boolean", "", "<properties fencing=\"maybe\"/>", 8, DIAG_ERROR, "not a boolean",
         true},
        {"bad policy", "", "<properties no-quorum-policy=\"die\"/>", 8, DIAG_ERROR,
         "no-quorum-policy 'die'", true},
        {"zero stop timeout", "", "<properties no-quorum-stop-timeout=\"0\"/>", 8, DIAG_ERROR,
         "no-quorum-stop-timeout must be greater than 0", false},
        {"stickiness range", "", "<properties default-stickiness=\"1000000\"/>", 8, DIAG_ERROR,
         "out of range", false},
        {"unknown property", "", "<properties colour=\"red\"/>", 8, DIAG_ERROR,
         "unknown attribute 'colour'", true},
        {"fencing off", "", "<properties fencing=\"false\"/>", 8, DIAG_WARNING, "fencing is off",
         false},
        /* nodes */
        {"node twice", "", "<nodes>\n<node name=\"n1\"/>\n<node name=\"n1\"/>\n</nodes>", 10,
         DIAG_ERROR, "listed twice in <nodes> (first at line 9)", false},
        {"negative capacity", "",
         "<nodes><node name=\"n1\"><capacity memory=\"-1\" cpu=\"1\"/></node></nodes>", 8,
         DIAG_ERROR, "memory '-1' is not a non-negative integer", true},
        {"capacity without cpu", "",
         "<nodes><node name=\"n1\"><capacity memory=\"1\"/></node></nodes>", 8, DIAG_ERROR,
         "missing attribute 'cpu'", true},
        {"huge capacity", "",
         "<nodes><node name=\"n1\"><capacity memory=\"1\" cpu=\"99999999999\"/></node></nodes>", 8,
         DIAG_ERROR, "out of range", false},
        {"bad blade name", "", "<nodes><node name=\"-x\"/></nodes>", 8, DIAG_ERROR,
         "not a valid blade name", true},
        /* locations */
        {"location unknown rsc", "",
         "<constraints>\n<location id=\"l\" rsc=\"zz\" node=\"n1\" score=\"1\"/>\n</constraints>",
         9, DIAG_ERROR, "rsc 'zz' is not the id of a primitive or group", false},
        {"location score range", "",
         "<constraints>\n<location id=\"l\" rsc=\"a\" node=\"n1\" "
         "score=\"-1000000\"/>\n</constraints>",
         9, DIAG_ERROR, "out of range", false},
        {"location bad score", "",
         "<constraints>\n<location id=\"l\" rsc=\"a\" node=\"n1\" score=\"high\"/>\n</constraints>",
         9, DIAG_ERROR, "not a score", true},
        {"location both forms", "",
         "<constraints>\n<location id=\"l\" rsc=\"a\" node=\"n1\" score=\"1\"><prefer "
         "node=\"n2\"/></location>\n</constraints>",
         9, DIAG_ERROR, "not both", true},
        {"location neither form", "",
         "<constraints>\n<location id=\"l\" rsc=\"a\"/>\n</constraints>", 9, DIAG_ERROR,
         "needs node and score", true},
        {"prefer twice", "",
         "<constraints>\n<location id=\"l\" rsc=\"a\">\n<prefer node=\"n1\"/>\n<prefer "
         "node=\"n1\"/>\n</location>\n</constraints>",
         11, DIAG_ERROR, "blade 'n1' is listed twice (first at line 10)", false},
        /* colocations */
        {"colocation with itself", "",
         "<constraints>\n<colocation id=\"c\" rsc=\"a\" with-rsc=\"a\" "
         "score=\"1\"/>\n</constraints>",
         9, DIAG_ERROR, "colocated with itself", false},
        {"colocation member with group", "",
         "<constraints>\n<colocation id=\"c\" rsc=\"m1\" with-rsc=\"g\" "
         "score=\"INFINITY\"/>\n</constraints>",
         9, DIAG_ERROR, "a group already keeps its members together", false},
        {"colocation members apart", "",
         "<constraints>\n<colocation id=\"c\" rsc=\"m1\" with-rsc=\"m2\" "
         "score=\"-INFINITY\"/>\n</constraints>",
         9, DIAG_ERROR, "cannot be kept apart", false},
        {"colocation members together", "",
         "<constraints>\n<colocation id=\"c\" rsc=\"m1\" with-rsc=\"m2\" "
         "score=\"100\"/>\n</constraints>",
         9, DIAG_WARNING, "already keeps them together", false},
        {"colocation with a constraint", "",
         "<constraints>\n<order id=\"o\" first=\"a\" then=\"b\"/>\n<colocation id=\"c\" rsc=\"a\" "
         "with-rsc=\"o\" score=\"1\"/>\n</constraints>",
         10, DIAG_ERROR, "with-rsc 'o' is the order at line 9", false},
        {"colocation without score", "",
         "<constraints>\n<colocation id=\"c\" rsc=\"a\" with-rsc=\"b\"/>\n</constraints>", 9,
         DIAG_ERROR, "missing attribute 'score'", true},
        /* orders */
        {"order after itself", "",
         "<constraints>\n<order id=\"o\" first=\"a\" then=\"a\"/>\n</constraints>", 9, DIAG_ERROR,
         "cannot be ordered after itself", false},
        {"order member and group", "",
         "<constraints>\n<order id=\"o\" first=\"g\" then=\"m2\"/>\n</constraints>", 9, DIAG_ERROR,
         "already orders its members", false},
        {"order cycle", "",
         "<constraints>\n<order id=\"o1\" first=\"a\" then=\"b\"/>\n<order id=\"o2\" first=\"b\" "
         "then=\"a\"/>\n</constraints>",
         10, DIAG_ERROR, "order cycle: a -> b (order 'o1') -> a (order 'o2')", false},
        {"order cycle through a group", "",
         "<constraints>\n<order id=\"o1\" first=\"a\" then=\"g\"/>\n<order id=\"o2\" first=\"m2\" "
         "then=\"a\"/>\n</constraints>",
         10, DIAG_ERROR, "a -> m1 (order 'o1') -> m2 (group 'g') -> a (order 'o2')", false},
        {"order bad kind", "",
         "<constraints>\n<order id=\"o\" first=\"a\" then=\"b\" "
         "kind=\"serialize\"/>\n</constraints>",
         9, DIAG_ERROR, "kind 'serialize' is not mandatory or optional", true},
        {"order unknown then", "",
         "<constraints>\n<order id=\"o\" first=\"a\" then=\"nope\"/>\n</constraints>", 9,
         DIAG_ERROR, "then 'nope' is not the id", false},
        {"id used twice", "",
         "<constraints>\n<order id=\"b\" first=\"a\" then=\"m1\"/>\n</constraints>", 9, DIAG_ERROR,
         "duplicate id 'b': already the id of the primitive at line 4", false},
        {"unknown constraint", "", "<constraints>\n<ticket id=\"t\"/>\n</constraints>", 9,
         DIAG_ERROR, "unknown element <ticket>", true},
        /* fencing */
        {"fence agent", "",
         "<fencing>\n<fence-device id=\"f\" agent=\"ipmi\" node=\"n1\"/>\n</fencing>", 9,
         DIAG_ERROR, "neither fence_NAME nor an absolute path", true},
        {"fence action param", "",
         "<fencing><fence-device id=\"f\" agent=\"fence_ipmilan\" node=\"n1\">\n<param "
         "name=\"action\" value=\"off\"/></fence-device></fencing>",
         9, DIAG_ERROR, "bladed sets this parameter itself", false},
        {"fence nodename param", "",
         "<fencing><fence-device id=\"f\" agent=\"fence_ipmilan\" node=\"n1\">\n<param "
         "name=\"nodename\" value=\"n2\"/></fence-device></fencing>",
         9, DIAG_ERROR, "bladed sets this parameter itself", false},
        {"fence param blank at the end", "",
         "<fencing><fence-device id=\"f\" agent=\"fence_ipmilan\" node=\"n1\">\n<param "
         "name=\"ip\" value=\"10.0.0.1 \"/></fence-device></fencing>",
         9, DIAG_ERROR, "blank", false},
        {"fence param line break", "",
         "<fencing><fence-device id=\"f\" agent=\"fence_ipmilan\" node=\"n1\">\n<param name=\"ip\" "
         "value=\"a&#10;b\"/></fence-device></fencing>",
         9, DIAG_ERROR, "line break", false},
        {"fence param twice", "",
         "<fencing><fence-device id=\"f\" agent=\"fence_ipmilan\" node=\"n1\"><param name=\"ip\" "
         "value=\"1\"/>\n<param name=\"ip\" value=\"2\"/></fence-device></fencing>",
         9, DIAG_ERROR, "parameter 'ip' given twice", false},
        {"fence without node", "",
         "<fencing>\n<fence-device id=\"f\" agent=\"fence_ipmilan\"/>\n</fencing>", 9, DIAG_ERROR,
         "missing attribute 'node'", true},
        /* primitives */
        {"missing agent", "<primitive id=\"x\"/>", "", 6, DIAG_ERROR, "missing attribute 'agent'",
         true},
        {"agent class", "<primitive id=\"x\" agent=\"lsb:foo\"/>", "", 6, DIAG_ERROR,
         "only the ocf class is supported", true},
        {"agent parts", "<primitive id=\"x\" agent=\"ocf:x\"/>", "", 6, DIAG_ERROR,
         "is not ocf:PROVIDER:TYPE", true},
        {"agent path", "<primitive id=\"x\" agent=\"ocf:..:x\"/>", "", 6, DIAG_ERROR,
         "is not ocf:PROVIDER:TYPE", true},
        {"agent slash", "<primitive id=\"x\" agent=\"ocf:a:b/c\"/>", "", 6, DIAG_ERROR,
         "is not ocf:PROVIDER:TYPE", true},
        {"bad id", "<primitive id=\"1x\" agent=\"ocf:a:b\"/>", "", 6, DIAG_ERROR, "not a valid id",
         true},
        {"long id",
         "<primitive "
         "id="
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" agent=\"ocf:a:b\"/>",
         "", 6, DIAG_ERROR, "not a valid id", true},
        {"missing id", "<primitive agent=\"ocf:a:b\"/>", "", 6, DIAG_ERROR,
         "missing attribute 'id'", true},
        {"primitive id twice", "<primitive id=\"a\" agent=\"ocf:a:b\"/>", "", 6, DIAG_ERROR,
         "duplicate id 'a': already the id of the primitive at line 3", false},
        {"param name",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><param name=\"a-b\" value=\"1\"/></primitive>", "",
         6, DIAG_ERROR, "parameter name 'a-b' is not valid", true},
        {"param reserved",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><param name=\"CRM_meta_timeout\" "
         "value=\"1\"/></primitive>",
         "", 6, DIAG_ERROR, "reserved", false},
        {"param twice",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><param name=\"ip\" value=\"1\"/><param name=\"ip\" "
         "value=\"2\"/></primitive>",
         "", 6, DIAG_ERROR, "parameter 'ip' given twice", false},
        {"param without value",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><param name=\"ip\"/></primitive>", "", 6,
         DIAG_ERROR, "missing attribute 'value'", true},
        {"meta twice", "<primitive id=\"x\" agent=\"ocf:a:b\"><meta/>\n<meta/></primitive>", "", 7,
         DIAG_ERROR, "<meta> given twice (first at line 6)", false},
        {"meta unknown",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><meta is-managed=\"false\"/></primitive>", "", 6,
         DIAG_ERROR, "unknown attribute 'is-managed'", true},
        {"migration-threshold negative",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><meta migration-threshold=\"-1\"/></primitive>", "",
         6, DIAG_ERROR, "migration-threshold '-1' is not a non-negative integer", true},
        {"priority", "<primitive id=\"x\" agent=\"ocf:a:b\"><meta priority=\"high\"/></primitive>",
         "", 6, DIAG_ERROR, "priority 'high'", true},
        {"target-role",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><meta target-role=\"master\"/></primitive>", "", 6,
         DIAG_ERROR, "target-role 'master'", true},
        {"failure-timeout",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><meta failure-timeout=\"soon\"/></primitive>", "",
         6, DIAG_ERROR, "not a duration", true},
        {"allow-migrate",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><meta allow-migrate=\"sure\"/></primitive>", "", 6,
         DIAG_ERROR, "not a boolean", true},
        {"op name", "<primitive id=\"x\" agent=\"ocf:a:b\"><op name=\"reload\"/></primitive>", "",
         6, DIAG_ERROR, "op 'reload' is not one of", true},
        {"op timeout zero",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><op name=\"start\" timeout=\"0s\"/></primitive>",
         "", 6, DIAG_ERROR, "timeout must be greater than 0", false},
        {"op recurring start",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><op name=\"start\" interval=\"10s\"/></primitive>",
         "", 6, DIAG_ERROR, "only monitor recurs", false},
        {"monitor too often",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><op name=\"monitor\" "
         "interval=\"500ms\"/></primitive>",
         "", 6, DIAG_ERROR, "shorter than 1s", false},
        {"op twice",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><op name=\"monitor\" interval=\"10\"/>\n<op "
         "name=\"monitor\" interval=\"10s\" timeout=\"5s\"/></primitive>",
         "", 7, DIAG_ERROR, "op monitor with interval 10s given twice (first at line 6)", false},
        {"op duration",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><op name=\"monitor\" "
         "interval=\"10x\"/></primitive>",
         "", 6, DIAG_ERROR, "interval '10x' is not a duration", true},
        {"utilization negative",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><utilization memory=\"-5\"/></primitive>", "", 6,
         DIAG_ERROR, "memory '-5' is not a non-negative integer", true},
        {"utilization huge",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><utilization "
         "cpu=\"18446744073709551616\"/></primitive>",
         "", 6, DIAG_ERROR, "out of range", false},
        {"unknown child", "<primitive id=\"x\" agent=\"ocf:a:b\"><operations/></primitive>", "", 6,
         DIAG_ERROR, "unknown element <operations>", true},
        {"text in primitive", "<primitive id=\"x\" agent=\"ocf:a:b\">ip=1</primitive>", "", 6,
         DIAG_ERROR, "text is not allowed", true},
        {"empty group", "<group id=\"g2\"/>", "", 6, DIAG_ERROR, "at least one <primitive>", true},
        {"nested group",
         "<group id=\"g2\"><group id=\"g3\"><primitive id=\"x\" "
         "agent=\"ocf:a:b\"/></group></group>",
         "", 6, DIAG_ERROR, "cannot contain a group", true},
        {"group id twice", "<group id=\"a\"><primitive id=\"x\" agent=\"ocf:a:b\"/></group>", "", 6,
         DIAG_ERROR, "duplicate id 'a'", false},
        /* warnings: intervals and timeouts that defeat a setting */
        {"migrate op unused",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><op name=\"migrate_to\" "
         "timeout=\"60s\"/></primitive>",
         "", 6, DIAG_WARNING, "op migrate_to is never used", false},
        {"failure-timeout below interval",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><meta migration-threshold=\"3\" "
         "failure-timeout=\"30s\"/><op name=\"monitor\" interval=\"1m\"/></primitive>",
         "", 6, DIAG_WARNING, "failure-timeout 30s is shorter than the monitor interval 1m", false},
        {"stop longer than the quorum bound",
         "<primitive id=\"x\" agent=\"ocf:a:b\"><op name=\"stop\" timeout=\"20s\"/></primitive>",
         "", 6, DIAG_WARNING, "stop timeout 20s exceeds no-quorum-stop-timeout 10s", false},
};

static char *case_doc(const Case *k) {
        char *doc;
        assert_true(asprintf(&doc, HEAD "%s\n</resources>\n%s\n</bladed-config>\n", k->rsc,
                             k->tail) > 0);
        return doc;
}

static void test_config_reports_each_rule_at_its_line(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Case *k = &cases[i];
                _cleanup_(freep) char *doc = case_doc(k);
                DiagList d = {0};
                Config *c = NULL;
                int r = parse(doc, &c, &d);
                bool ok = has_diag(&d, k->level, k->line, k->msg);

                if (!ok || (k->level == DIAG_ERROR) != (r == -EINVAL)) {
                        print_message("case '%s': r=%d, expected %s at line %d: %s\n", k->name, r,
                                      k->level == DIAG_ERROR ? "error" : "warning", k->line,
                                      k->msg);
                        dump(&d);
                }
                assert_true(ok);
                if (k->level == DIAG_ERROR) {
                        assert_int_equal(r, -EINVAL);
                        assert_null(c);
                } else {
                        assert_int_equal(r, 0);
                        assert_non_null(c);
                        assert_int_equal(d.n_errors, 0);
                }
                config_free(c);
                diag_clear(&d);
        }
}

static void quiet(void *ctx, xmlError *e) {
}

/* The schema carries the structure: it rejects every structural case on
 * its own and accepts the document when only the meaning is wrong. */
static void test_schema_agrees_on_structure(void **state) {
        xmlRelaxNGParserCtxt *pc =
                xmlRelaxNGNewMemParserCtxt(bladed_schema_rng, (int)bladed_schema_rng_len);
        xmlRelaxNG *schema = xmlRelaxNGParse(pc);
        assert_non_null(schema);
        xmlRelaxNGFreeParserCtxt(pc);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Case *k = &cases[i];
                _cleanup_(freep) char *doc = case_doc(k);
                xmlDoc *x = xmlReadMemory(doc, (int)strlen(doc), NULL, NULL, XML_PARSE_NONET);
                assert_non_null(x);
                xmlRelaxNGValidCtxt *vc = xmlRelaxNGNewValidCtxt(schema);
                xmlRelaxNGSetValidStructuredErrors(vc, quiet, NULL);
                int v = xmlRelaxNGValidateDoc(vc, x);
                if ((v != 0) != k->schema_too)
                        print_message("case '%s': schema says %d\n", k->name, v);
                assert_int_equal(v != 0, k->schema_too);
                xmlRelaxNGFreeValidCtxt(vc);
                xmlFreeDoc(x);
        }
        xmlRelaxNGFree(schema);
}

static void test_config_reports_every_problem_not_only_the_first(void **state) {
        size_t size;
        _cleanup_(freep) char *buf = read_all(DATA "/bad.xml", &size);
        DiagList d = {0};
        Config *c = NULL;

        assert_int_equal(config_parse(buf, size, &c, &d), -EINVAL);
        assert_null(c);
        assert_true(has_diag(&d, DIAG_ERROR, 6, "timeout must be greater than 0"));
        assert_true(has_diag(&d, DIAG_ERROR, 11, "with-rsc 'vip-mx9'"));
        assert_true(has_diag(&d, DIAG_ERROR, 12, "order cycle"));
        assert_int_equal(d.n_errors, 3);
        /* sorted by line */
        for (size_t i = 1; i < d.n; i++)
                assert_true(d.items[i - 1].line <= d.items[i].line);
        diag_clear(&d);
}

/* ---- hostile input ---- */

static void expect_error(const char *buf, size_t len, int line, const char *msg) {
        DiagList d = {0};
        Config *c = NULL;
        int r = config_parse(buf, len, &c, &d);

        if (!has_diag(&d, DIAG_ERROR, line, msg)) {
                print_message("expected line %d: %s\n", line, msg);
                dump(&d);
        }
        assert_int_equal(r, -EINVAL);
        assert_null(c);
        assert_true(has_diag(&d, DIAG_ERROR, line, msg));
        diag_clear(&d);
}

static void test_config_rejects_empty_and_junk(void **state) {
        static const char junk[] = "\x7f"
                                   "ELF\x02\x01\x01\0\0\0\xff\xfe<<>>&;\x80\x81";
        char bytes[512];

        expect_error("", 0, 0, "the document is empty");
        expect_error("  \n\n", 4, 3, "not well-formed XML");
        expect_error(junk, sizeof(junk) - 1, 1, "not well-formed XML");
        for (size_t i = 0; i < sizeof(bytes); i++)
                bytes[i] = (char)(i * 131 + 7);
        DiagList d = {0};
        Config *c = NULL;
        assert_int_equal(config_parse(bytes, sizeof(bytes), &c, &d), -EINVAL);
        assert_true(d.n_errors > 0);
        diag_clear(&d);
        expect_error("<bladed-config epoch=\"1\">\0</bladed-config>", 42, 1, "not well-formed XML");
        expect_error("<bladed-config epoch=\"1\"><resources>", 36, 1, "not well-formed XML");
        expect_error("<cib epoch=\"1\"/>", 16, 1, "the root element must be <bladed-config>");
        expect_error("<bladed-config xmlns=\"urn:x\" epoch=\"1\"/>", 40, 1,
                     "must not be in a namespace");
        expect_error("<bladed-config/>", 16, 1, "missing attribute 'epoch'");
        expect_error("<bladed-config epoch=\"-1\"/>", 27, 1, "epoch '-1'");
        expect_error("<bladed-config epoch=\"18446744073709551616\"/>", 45, 1, "out of range");
        expect_error("<bladed-config epoch=\"1\" version=\"2\"/>", 38, 1,
                     "unknown attribute 'version'");
        /* libxml2 calls an undeclared prefix a namespace error and goes on;
         * for us it is not well-formed (found by fuzzing) */
        expect_error("<bladed-config epoch=\"1\"><y:z/></bladed-config>", 44, 1,
                     "Namespace prefix y");
}

static void test_config_rejects_doctype_and_entities(void **state) {
        /* billion laughs: must be refused at once, never expanded */
        static const char laughs[] =
                "<?xml version=\"1.0\"?>\n"
                "<!DOCTYPE lolz [\n"
                " <!ENTITY lol \"lol\">\n"
                " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
                " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
                " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
                " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
                " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
                " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
                " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
                " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
                " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
                "]>\n"
                "<bladed-config epoch=\"1\"><resources><primitive id=\"&lol9;\" "
                "agent=\"ocf:a:b\"/></resources></bladed-config>\n";
        static const char xxe[] = "<?xml version=\"1.0\"?>\n"
                                  "<!DOCTYPE c [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
                                  "<bladed-config epoch=\"1\"><resources><primitive id=\"a\" "
                                  "agent=\"ocf:a:b\"><param name=\"p\" "
                                  "value=\"&x;\"/></primitive></resources></bladed-config>\n";
        static const char external[] =
                "<!DOCTYPE bladed-config SYSTEM \"http://198.18.0.1/x.dtd\">\n<bladed-config "
                "epoch=\"1\"/>\n";
        struct timespec t0, t1;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        expect_error(laughs, sizeof(laughs) - 1, 2,
                     "document type declarations (<!DOCTYPE>) are not allowed");
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_true(t1.tv_sec - t0.tv_sec < 2);
        expect_error(xxe, sizeof(xxe) - 1, 2, "<!DOCTYPE>");
        expect_error(external, sizeof(external) - 1, 1, "<!DOCTYPE>");

        DiagList d = {0};
        Config *c = NULL;
        assert_int_equal(parse(xxe, &c, &d), -EINVAL);
        for (size_t i = 0; i < d.n; i++)
                assert_null(strstr(d.items[i].msg, "root:"));
        diag_clear(&d);
}

static void test_config_survives_huge_and_deep_input(void **state) {
        /* a 5 MB id: refused with a short message */
        size_t n = 5u << 20;
        char *doc = malloc(n + 200);
        assert_non_null(doc);
        int k = sprintf(doc, "<bladed-config epoch=\"1\"><resources><primitive id=\"");
        memset(doc + k, 'a', n);
        strcpy(doc + k + n, "\" agent=\"ocf:a:b\"/></resources></bladed-config>");
        DiagList d = {0};
        Config *c = NULL;
        assert_int_equal(parse(doc, &c, &d), -EINVAL);
        assert_true(has_diag(&d, DIAG_ERROR, 1, "is not a valid id"));
        for (size_t i = 0; i < d.n; i++)
                assert_true(strlen(d.items[i].msg) < 400);
        diag_clear(&d);
        /* beyond libxml2's 10 MB attribute limit: not well-formed */
        free(doc);
        n = 11u << 20;
        doc = malloc(n + 200);
        assert_non_null(doc);
        k = sprintf(doc, "<bladed-config epoch=\"1\"><resources><primitive id=\"");
        memset(doc + k, 'a', n);
        strcpy(doc + k + n, "\" agent=\"ocf:a:b\"/></resources></bladed-config>");
        assert_int_equal(parse(doc, &c, &d), -EINVAL);
        assert_true(d.n_errors > 0);
        diag_clear(&d);
        free(doc);

        /* larger than CONFIG_MAX_SIZE: refused before parsing */
        doc = calloc(1, CONFIG_MAX_SIZE + 1);
        assert_non_null(doc);
        expect_error(doc, CONFIG_MAX_SIZE + 1, 0, "larger than 32 MiB");
        free(doc);

        /* nesting: 100000 levels of unknown elements */
        n = 100000;
        doc = malloc(n * 7 + 100);
        assert_non_null(doc);
        char *p = doc + sprintf(doc, "<bladed-config epoch=\"1\">");
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "<x>");
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "</x>");
        strcpy(p, "</bladed-config>");
        expect_error(doc, strlen(doc), 1, "nested too deeply");
        free(doc);
}

static void test_config_caps_the_number_of_messages(void **state) {
        size_t n = 5000;
        char *doc = malloc(n * 40 + 100), *p = doc;
        assert_non_null(doc);
        p += sprintf(p, "<bladed-config epoch=\"1\"><resources>\n");
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "<primitive id=\"r%zu\" agent=\"x\"/>\n", i);
        strcpy(p, "</resources></bladed-config>\n");
        DiagList d = {0};
        Config *c = NULL;
        assert_int_equal(parse(doc, &c, &d), -EINVAL);
        assert_true(d.n <= 502);
        assert_true(has_diag(&d, DIAG_ERROR, 0, "more problems not shown"));
        diag_clear(&d);
        free(doc);
}

static void test_config_lines_are_start_tags_even_beyond_65535(void **state) {
        size_t blank = 70000;
        char *doc = malloc(blank + 300), *p = doc;
        assert_non_null(doc);
        p += sprintf(p, "<bladed-config epoch=\"1\">\n<resources>\n");
        memset(p, '\n', blank);
        p += blank;
        /* a start tag over three lines: reported where it starts */
        sprintf(p, "<primitive\n  id=\"x\"\n  agent=\"lsb:x\"/>\n</resources></bladed-config>\n");
        expect_error(doc, strlen(doc), 2 + (int)blank + 1, "only the ocf class");
        free(doc);
}

static void test_config_crlf_is_fine(void **state) {
        size_t size;
        _cleanup_(freep) char *buf = read_all(EXAMPLE, &size);
        char *crlf = malloc(size * 2 + 1), *p = crlf;
        assert_non_null(crlf);
        for (size_t i = 0; i < size; i++) {
                if (buf[i] == '\n')
                        *p++ = '\r';
                *p++ = buf[i];
        }
        DiagList d = {0};
        Config *c = NULL;
        assert_int_equal(config_parse(crlf, (size_t)(p - crlf), &c, &d), 0);
        assert_int_equal(c->n_resources, 8);
        assert_int_equal(d.n, 0);
        /* CR stays out of values */
        assert_string_equal(resource_get_param(&c->resources[0], "ip"), "198.18.0.101");
        config_free(c);
        /* and the lines still count */
        const char *bad = "<bladed-config epoch=\"1\">\r\n<resources>\r\n<primitive id=\"x\" "
                          "agent=\"bad\"/>\r\n</resources></bladed-config>\r\n";
        expect_error(bad, strlen(bad), 3, "agent 'bad'");
        free(crlf);
}

/* ---- the example ---- */

static size_t rsc(const Config *c, const char *id) {
        size_t i = config_find_resource(c, id);
        assert_int_not_equal(i, IDX_NONE);
        return i;
}

static void test_example_parses_with_every_index_resolved(void **state) {
        size_t size;
        _cleanup_(freep) char *buf = read_all(EXAMPLE, &size);
        DiagList d = {0};
        Config *c = NULL;

        assert_int_equal(config_parse(buf, size, &c, &d), 0);
        dump(&d);
        assert_int_equal(d.n, 0); /* not even a warning */
        assert_int_equal(c->epoch, 1);
        assert_int_equal(c->n_resources, 8);
        assert_int_equal(c->n_groups, 1);
        assert_int_equal(c->n_locations, 12);
        assert_int_equal(c->n_colocations, 1);
        assert_int_equal(c->n_orders, 1);
        assert_int_equal(c->n_nodes, 3);
        assert_int_equal(c->n_fence_devices, 3);

        assert_int_equal(c->props.no_quorum_policy, NO_QUORUM_STOP);
        assert_true(c->props.fencing);
        assert_false(c->props.maintenance);
        assert_int_equal(c->props.default_stickiness, 100);
        assert_int_equal(c->props.no_quorum_stop_timeout_ms, 60000);

        const Resource *mx1 = &c->resources[rsc(c, "vip-mx1")];
        assert_string_equal(mx1->agent_class, "ocf");
        assert_string_equal(mx1->agent_provider, "bladed");
        assert_string_equal(mx1->agent_type, "vip");
        assert_int_equal(mx1->n_params, 3);
        assert_string_equal(resource_get_param(mx1, "cidr_netmask"), "24");
        assert_int_equal(mx1->priority, 10);
        assert_int_equal(mx1->group, IDX_NONE);
        assert_false(mx1->has_stickiness);
        const Op *mon = resource_find_op(mx1, "monitor", 10000);
        assert_non_null(mon);
        assert_int_equal(mon->timeout_ms, 20000);

        const Resource *ldap = &c->resources[rsc(c, "vm-ldap")];
        assert_true(ldap->allow_migrate);
        assert_int_equal(ldap->migration_threshold, 3);
        assert_int_equal(ldap->failure_timeout_ms, 600000);
        assert_int_equal(ldap->utilization.memory, 4096);
        assert_int_equal(ldap->utilization.cpu, 2);
        assert_int_equal(ldap->target_role, TARGET_ROLE_STARTED);
        assert_non_null(resource_find_op(ldap, "migrate_to", 0));
        assert_int_equal(resource_find_op(ldap, "start", 0)->timeout_ms, 120000);

        size_t g = config_find_group(c, "g-webmail");
        assert_int_equal(g, 0);
        assert_int_equal(c->groups[g].n_members, 2);
        assert_int_equal(c->groups[g].members[0], rsc(c, "vip-webmail"));
        assert_int_equal(c->groups[g].members[1], rsc(c, "vm-webmail"));
        assert_int_equal(c->resources[rsc(c, "vm-webmail")].group, g);

        /* <prefer> lists: 2 blades -> 2000, 1000 */
        const Location *l = &c->locations[0];
        assert_string_equal(l->id, "pref-mx1");
        assert_string_equal(l->node, "blade1");
        assert_int_equal(l->score, 2000);
        assert_int_equal(l->rsc_idx, rsc(c, "vip-mx1"));
        assert_int_equal(l->group_idx, IDX_NONE);
        assert_string_equal(c->locations[1].node, "blade2");
        assert_int_equal(c->locations[1].score, 1000);
        assert_int_equal(c->locations[1].rsc_idx, rsc(c, "vip-mx1"));
        bool saw_group = false, saw_single = false;
        for (size_t i = 0; i < c->n_locations; i++) {
                if (strcmp(c->locations[i].id, "pref-webmail") == 0) {
                        assert_int_equal(c->locations[i].rsc_idx, IDX_NONE);
                        assert_int_equal(c->locations[i].group_idx, g);
                        saw_group = true;
                }
                if (strcmp(c->locations[i].id, "loc-ldap") == 0) {
                        assert_int_equal(c->locations[i].score, 500);
                        assert_int_equal(c->locations[i].rsc_idx, rsc(c, "vm-ldap"));
                        saw_single = true;
                }
        }
        assert_true(saw_group && saw_single);

        const Colocation *co = &c->colocations[0];
        assert_int_equal(co->rsc_idx, rsc(c, "vip-mx2"));
        assert_int_equal(co->with_idx, rsc(c, "vip-mx1"));
        assert_int_equal(co->rsc_group_idx, IDX_NONE);
        assert_int_equal(co->with_group_idx, IDX_NONE);
        assert_int_equal(co->score, -SCORE_INFINITY);

        const Order *o = &c->orders[0];
        assert_int_equal(o->first_idx, rsc(c, "vm-ldap"));
        assert_int_equal(o->then_idx, rsc(c, "vm-webmail"));
        assert_int_equal(o->first_group_idx, IDX_NONE);
        assert_int_equal(o->kind, ORDER_MANDATORY);
        assert_true(o->symmetrical);

        const NodeAttrs *n = config_find_node(c, "blade2");
        assert_non_null(n);
        assert_true(n->has_capacity);
        assert_int_equal(n->capacity.memory, 32768);
        assert_false(n->standby);

        const FenceDevice *f = &c->fence_devices[2];
        assert_string_equal(f->node, "blade3");
        assert_string_equal(f->agent, "fence_ipmilan");
        assert_int_equal(f->n_params, 4);
        assert_string_equal(f->params[0].value, "198.18.10.13");
        config_free(c);
}

static void test_defaults_apply_when_absent(void **state) {
        DiagList d = {0};
        Config *c = NULL;
        assert_int_equal(
                parse("<bladed-config epoch=\"0\"><resources><primitive id=\"x\" agent=\"ocf:a:b\">"
                      "<op name=\"monitor\" "
                      "interval=\"5s\"/></primitive></resources></bladed-config>",
                      &c, &d),
                0);
        assert_int_equal(c->props.no_quorum_policy, NO_QUORUM_STOP);
        assert_true(c->props.fencing);
        assert_int_equal(c->props.default_stickiness, 0);
        assert_int_equal(c->props.no_quorum_stop_timeout_ms, 10000);
        assert_int_equal(c->resources[0].ops[0].timeout_ms, CONFIG_DEFAULT_OP_TIMEOUT_MS);
        assert_int_equal(c->resources[0].migration_threshold, 0);
        assert_false(c->resources[0].allow_migrate);
        config_free(c);
        diag_clear(&d);
}

/* ---- against the node file ---- */

static void test_check_nodes_against_blade_names(void **state) {
        static const char *const all[] = {"blade1", "blade2", "blade3"};
        static const char *const two[] = {"blade1", "blade2"};
        size_t size;
        _cleanup_(freep) char *buf = read_all(EXAMPLE, &size);
        DiagList d = {0};
        Config *c = NULL;

        assert_int_equal(config_parse(buf, size, &c, &d), 0);
        assert_int_equal(config_check_nodes(c, all, 3, &d), 0);
        assert_int_equal(d.n, 0);
        assert_int_equal(config_check_nodes(c, two, 2, &d), -EINVAL);
        assert_true(has_diag(&d, DIAG_ERROR, 35, "node 'blade3' is not a blade of the node file"));
        assert_true(has_diag(&d, DIAG_ERROR, 137, "location 'pref-mx2': 'blade3'"));
        assert_true(has_diag(&d, DIAG_ERROR, 169, "fence-device 'fence-blade3'"));
        config_free(c);
        diag_clear(&d);

        /* warnings only: a blade without fence device, ignore with 3
         * blades, a VM too big for any blade */
        assert_int_equal(
                parse("<bladed-config epoch=\"1\">\n"
                      "<properties no-quorum-policy=\"ignore\"/>\n"
                      "<nodes><node name=\"blade1\"><capacity memory=\"100\" cpu=\"1\"/></node>"
                      "<node name=\"blade2\"><capacity memory=\"100\" cpu=\"1\"/></node>"
                      "<node name=\"blade3\"><capacity memory=\"100\" cpu=\"8\"/></node></nodes>\n"
                      "<resources>\n<primitive id=\"vm\" agent=\"ocf:bladed:vm\"><utilization "
                      "memory=\"200\"/></primitive>\n"
                      "</resources></bladed-config>",
                      &c, &d),
                0);
        assert_int_equal(config_check_nodes(c, all, 3, &d), 0);
        assert_int_equal(d.n_errors, 0);
        assert_true(has_diag(&d, DIAG_WARNING, 0, "blade 'blade2' has no fence device"));
        assert_true(has_diag(&d, DIAG_WARNING, 0, "no-quorum-policy is ignore with 3 blades"));
        assert_true(has_diag(&d, DIAG_WARNING, 5, "primitive 'vm' needs memory 200"));
        config_free(c);
        diag_clear(&d);
}

/* ---- epoch ---- */

static void test_epoch_round_trip(void **state) {
        size_t size, out_len;
        _cleanup_(freep) char *buf = read_all(EXAMPLE, &size);
        _cleanup_(freep) char *out = NULL;
        _cleanup_(freep) char *out2 = NULL;
        uint64_t e = 0;
        DiagList d = {0};
        Config *c = NULL;

        assert_int_equal(config_get_epoch(buf, size, &e), 0);
        assert_int_equal(e, 1);
        assert_int_equal(config_set_epoch(buf, size, 42, &out, &out_len), 0);
        assert_int_equal(strlen(out), out_len);
        assert_int_equal(config_get_epoch(out, out_len, &e), 0);
        assert_int_equal(e, 42);
        assert_int_equal(config_parse(out, out_len, &c, &d), 0);
        assert_int_equal(c->epoch, 42);
        assert_int_equal(c->n_resources, 8);
        assert_int_equal(c->n_locations, 12);
        /* comments survive */
        assert_non_null(strstr(out, "The two MX addresses never share a blade"));
        config_free(c);

        assert_int_equal(config_set_epoch(out, out_len, UINT64_MAX, &out2, &out_len), 0);
        assert_int_equal(config_get_epoch(out2, out_len, &e), 0);
        assert_true(e == UINT64_MAX);
        diag_clear(&d);

        /* absent epoch: set adds it, get refuses */
        const char *none = "<bladed-config><resources/></bladed-config>";
        char *added = NULL;
        assert_int_equal(config_get_epoch(none, strlen(none), &e), -EINVAL);
        assert_int_equal(config_set_epoch(none, strlen(none), 7, &added, NULL), 0);
        assert_int_equal(config_get_epoch(added, strlen(added), &e), 0);
        assert_int_equal(e, 7);
        free(added);

        /* a parser warning (odd processing instruction) is no failure, as in
         * config_parse (found by fuzzing) */
        const char *pi = "<?xmlv x?>\n<bladed-config epoch=\"5\"/>";
        DiagList w = {0};
        assert_int_equal(config_get_epoch(pi, strlen(pi), &e), 0);
        assert_int_equal(e, 5);
        assert_int_equal(parse(pi, &c, &w), 0);
        assert_true(has_diag(&w, DIAG_WARNING, 1, "XML: "));
        config_free(c);
        diag_clear(&w);
}

static void test_epoch_refuses_bad_documents(void **state) {
        static const char *const bad[] = {
                "",
                "junk",
                "<cib epoch=\"1\"/>",
                "<bladed-config epoch=\"x\"/>",
                "<bladed-config epoch=\"-1\"/>",
                "<x:bladed-config xmlns:x=\"urn:x\" epoch=\"1\"/>",
                "<!DOCTYPE bladed-config [<!ENTITY e \"1\">]><bladed-config epoch=\"&e;\"/>",
        };
        uint64_t e;
        char *out = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(config_get_epoch(bad[i], strlen(bad[i]), &e), -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (i != 3 && i != 4) /* a bad epoch is what set repairs */
                        assert_int_equal(config_set_epoch(bad[i], strlen(bad[i]), 1, &out, NULL),
                                         -EINVAL);
        assert_null(out);
}

/* ---- bladectl config validate ---- */

static int run(const char *args, char **out, char **err) {
        char cmd[2048];
        size_t n;
        int st;

        snprintf(cmd, sizeof(cmd),
                 "%s/bladectl config validate --no-agents %s >%s/test_config.out "
                 "2>%s/test_config.err",
                 BUILDDIR, args, BUILDDIR, BUILDDIR);
        st = system(cmd);
        assert_true(WIFEXITED(st));
        *out = read_all(BUILDDIR "/test_config.out", &n);
        *err = read_all(BUILDDIR "/test_config.err", &n);
        return WEXITSTATUS(st);
}

static void test_bladectl_config_validate(void **state) {
        char *out, *err;

        assert_int_equal(run(DATA "/bad.xml", &out, &err), 2);
        assert_string_equal(out, "");
        assert_non_null(strstr(
                err, DATA
                "/bad.xml:6: primitive 'vip-mx1': op monitor: timeout must be greater than 0\n"));
        assert_non_null(strstr(err, DATA "/bad.xml:11: colocation 'c1': with-rsc 'vip-mx9'"));
        assert_non_null(strstr(err, DATA "/bad.xml:12: order cycle: "));
        free(out), free(err);

        assert_int_equal(run(EXAMPLE, &out, &err), 0);
        assert_string_equal(
                out,
                EXAMPLE ": ok, epoch 1, 8 resources, 1 group, 9 constraints, 3 fence devices\n");
        assert_string_equal(err, "");
        free(out), free(err);

        assert_int_equal(run(EXAMPLE " --nodes " SRCDIR "/xml/examples/cluster.conf", &out, &err),
                         0);
        assert_non_null(strstr(out, ", 3 blades checked\n"));
        free(out), free(err);

        assert_int_equal(run(EXAMPLE " --nodes " DATA "/blades-12.conf", &out, &err), 2);
        assert_non_null(
                strstr(err, EXAMPLE ":35: node 'blade3' is not a blade of the node file\n"));
        free(out), free(err);

        assert_int_equal(run(DATA "/does-not-exist.xml", &out, &err), 2);
        assert_non_null(
                strstr(err, DATA "/does-not-exist.xml: cannot read: No such file or directory"));
        free(out), free(err);

        assert_int_equal(run("", &out, &err), 2);
        assert_non_null(strstr(err, "Usage: bladectl config validate"));
        free(out), free(err);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_config_reports_each_rule_at_its_line),
                cmocka_unit_test(test_schema_agrees_on_structure),
                cmocka_unit_test(test_config_reports_every_problem_not_only_the_first),
                cmocka_unit_test(test_config_rejects_empty_and_junk),
                cmocka_unit_test(test_config_rejects_doctype_and_entities),
                cmocka_unit_test(test_config_survives_huge_and_deep_input),
                cmocka_unit_test(test_config_caps_the_number_of_messages),
                cmocka_unit_test(test_config_lines_are_start_tags_even_beyond_65535),
                cmocka_unit_test(test_config_crlf_is_fine),
                cmocka_unit_test(test_example_parses_with_every_index_resolved),
                cmocka_unit_test(test_defaults_apply_when_absent),
                cmocka_unit_test(test_check_nodes_against_blade_names),
                cmocka_unit_test(test_epoch_round_trip),
                cmocka_unit_test(test_epoch_refuses_bad_documents),
                cmocka_unit_test(test_bladectl_config_validate),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
