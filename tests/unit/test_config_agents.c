/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `bladectl config validate` / `config load` against real agents (issue 5):
 * runs bladectl as a subprocess over a temporary OCF root holding small
 * shell agents (fine, a required parameter, one that hangs on meta-data,
 * one printing junk, one missing, one not executable) and over the
 * project's own agents in BUILD/ocf.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define META_HEAD                                                                                  \
        "<?xml version=\"1.0\"?>\n<resource-agent name=\"%s\" version=\"1\">\n"                    \
        "<version>1.1</version><shortdesc lang=\"en\">test</shortdesc>\n<parameters>\n"
#define META_TAIL                                                                                  \
        "</parameters>\n<actions><action name=\"start\" timeout=\"20s\"/>"                         \
        "<action name=\"stop\" timeout=\"20s\"/><action name=\"monitor\" timeout=\"20s\" "         \
        "interval=\"10s\"/><action name=\"meta-data\" timeout=\"5s\"/></actions>\n"                \
        "</resource-agent>\n"

static char dir[256];

static void write_file(const char *name, const char *text, mode_t mode) {
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, mode), 0);
}

static void write_agent(const char *type, const char *meta_data, mode_t mode) {
        char name[128], text[4096];

        snprintf(name, sizeof(name), "ocf/resource.d/t/%s", type);
        snprintf(text, sizeof(text),
                 "#!/bin/sh\ncase \"$1\" in\nmeta-data)\n%s\n;;\nesac\nexit 0\n", meta_data);
        write_file(name, text, mode);
}

static char *read_all(const char *path) {
        FILE *f = fopen(path, "r");
        char *buf;
        size_t n;

        assert_non_null(f);
        buf = calloc(1, 1 << 16);
        assert_non_null(buf);
        n = fread(buf, 1, (1 << 16) - 1, f);
        buf[n] = 0;
        fclose(f);
        return buf;
}

/* Runs bladectl ARGS; returns its exit status, stdout and stderr. */
static int run(const char *args, char **out, char **err) {
        char cmd[2048];
        int st;

        snprintf(cmd, sizeof(cmd), "%s/bladectl %s >%s/out 2>%s/err", BUILDDIR, args, dir, dir);
        st = system(cmd);
        assert_true(WIFEXITED(st));
        snprintf(cmd, sizeof(cmd), "%s/out", dir);
        *out = read_all(cmd);
        snprintf(cmd, sizeof(cmd), "%s/err", dir);
        *err = read_all(cmd);
        return WEXITSTATUS(st);
}

static const char *config_with(const char *resources) {
        static char text[4096];

        snprintf(text, sizeof(text),
                 "<?xml version=\"1.0\"?>\n<bladed-config epoch=\"1\">\n<resources>\n%s"
                 "</resources>\n</bladed-config>\n",
                 resources);
        return text;
}

static int setup(void **state) {
        char meta[2048], path[512];

        snprintf(dir, sizeof(dir), "%s/test_config_agents.XXXXXX", BUILDDIR);
        if (!mkdtemp(dir))
                return -1;
        snprintf(path, sizeof(path), "%s/ocf/resource.d/t", dir);
        snprintf(meta, sizeof(meta), "mkdir -p %s", path);
        if (system(meta) != 0)
                return -1;

        snprintf(meta, sizeof(meta),
                 "cat <<'EOF'\n" META_HEAD
                 "<parameter name=\"name\"><shortdesc>a name</shortdesc><content "
                 "type=\"string\"/></parameter>\n" META_TAIL "EOF",
                 "fine");
        write_agent("fine", meta, 0755);
        snprintf(meta, sizeof(meta),
                 "cat <<'EOF'\n" META_HEAD
                 "<parameter name=\"ip\" required=\"1\"><shortdesc>the address</shortdesc>"
                 "<content type=\"string\"/></parameter>\n" META_TAIL "EOF",
                 "req");
        write_agent("req", meta, 0755);
        /* Hangs, and so does a child that keeps stdout open: the group is killed. */
        write_agent("hang", "sleep 60 & sleep 60", 0755);
        write_agent("junk", "echo 'this is not XML'", 0755);
        write_agent("fails", "echo '<resource-agent'; exit 3", 0755);
        write_agent("noexec", "true", 0644);
        /* Every meta-data run leaves a mark: once per type, not per resource. */
        snprintf(meta, sizeof(meta),
                 "echo x >>\"$OCF_ROOT/count\"; env >\"$OCF_ROOT/env\"\ncat <<'EOF'\n" META_HEAD
                         META_TAIL "EOF",
                 "counted");
        write_agent("counted", meta, 0755);
        return 0;
}

static int teardown(void **state) {
        char cmd[512];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_good_agents_validate(void **state) {
        char args[1024], *out, *err;

        write_file("good.xml",
                   config_with("<primitive id=\"a\" agent=\"ocf:t:fine\"><param name=\"name\" "
                               "value=\"x\"/></primitive>\n"
                               "<primitive id=\"b\" agent=\"ocf:t:req\"><param name=\"ip\" "
                               "value=\"198.18.0.1\"/></primitive>\n"
                               "<primitive id=\"c\" agent=\"ocf:t:counted\"/>\n"
                               "<primitive id=\"d\" agent=\"ocf:t:counted\"/>\n"
                               "<primitive id=\"e\" agent=\"ocf:t:counted\"/>\n"),
                   0644);
        snprintf(args, sizeof(args), "config validate %s/good.xml --ocf-root %s/ocf", dir, dir);
        assert_int_equal(run(args, &out, &err), 0);
        assert_string_equal(err, "");
        assert_non_null(strstr(out, ": ok, epoch 1, 5 resources, 0 groups, 0 constraints, 0 fence "
                                    "devices, 3 agents checked\n"));
        free(out), free(err);

        /* meta-data ran once for the three 'counted' resources, with OCF_ROOT and PATH only. */
        snprintf(args, sizeof(args), "%s/ocf/count", dir);
        out = read_all(args);
        assert_string_equal(out, "x\n");
        free(out);
        snprintf(args, sizeof(args), "%s/ocf/env", dir);
        out = read_all(args);
        assert_non_null(strstr(out, "OCF_ROOT="));
        assert_non_null(strstr(out, "PATH=/usr/local/sbin:"));
        assert_null(strstr(out, "HOME="));
        assert_null(strstr(out, "BUILD"));
        free(out);
}

static void test_bad_agents_are_errors_at_resource_lines(void **state) {
        char args[1024], expect[1024], *out, *err;
        struct timespec t0, t1;

        /* line numbers: 4 req without ip, 5 missing, 6 junk, 7 hang, 8 noexec, 9 fails, 10 fine +
         * unknown param */
        write_file("bad.xml",
                   config_with("<primitive id=\"need-ip\" agent=\"ocf:t:req\"/>\n"
                               "<primitive id=\"gone\" agent=\"ocf:t:missing\"/>\n"
                               "<primitive id=\"junky\" agent=\"ocf:t:junk\"/>\n"
                               "<primitive id=\"hung\" agent=\"ocf:t:hang\"/>\n"
                               "<primitive id=\"plain\" agent=\"ocf:t:noexec\"/>\n"
                               "<primitive id=\"failing\" agent=\"ocf:t:fails\"/>\n"
                               "<primitive id=\"extra\" agent=\"ocf:t:fine\"><param "
                               "name=\"colour\" value=\"red\"/></primitive>\n"),
                   0644);
        snprintf(args, sizeof(args), "config validate %s/bad.xml --ocf-root %s/ocf", dir, dir);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(run(args, &out, &err), 2);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_string_equal(out, "");
        /* the hanging agent (and its child holding stdout) is killed after 5 s, not 60 */
        assert_true(t1.tv_sec - t0.tv_sec < 15);

        snprintf(expect, sizeof(expect),
                 "%s/bad.xml:4: resource 'need-ip': agent ocf:t:req requires parameter 'ip' (the "
                 "address)\n",
                 dir);
        assert_non_null(strstr(err, expect));
        snprintf(expect, sizeof(expect),
                 "%s/bad.xml:5: resource 'gone': agent ocf:t:missing not found at "
                 "%s/ocf/resource.d/t/missing\n",
                 dir, dir);
        assert_non_null(strstr(err, expect));
        snprintf(expect, sizeof(expect),
                 "%s/bad.xml:6: resource 'junky': agent ocf:t:junk gives bad meta-data", dir);
        assert_non_null(strstr(err, expect));
        snprintf(expect, sizeof(expect),
                 "%s/bad.xml:7: resource 'hung': agent ocf:t:hang meta-data did not finish within "
                 "5 s",
                 dir);
        assert_non_null(strstr(err, expect));
        snprintf(expect, sizeof(expect),
                 "%s/bad.xml:8: resource 'plain': agent ocf:t:noexec at %s/ocf/resource.d/t/noexec "
                 "is not an executable file\n",
                 dir, dir);
        assert_non_null(strstr(err, expect));
        snprintf(expect, sizeof(expect),
                 "%s/bad.xml:9: resource 'failing': agent ocf:t:fails meta-data exited with status "
                 "3\n",
                 dir);
        assert_non_null(strstr(err, expect));
        snprintf(expect, sizeof(expect),
                 "%s/bad.xml:10: warning: resource 'extra': agent ocf:t:fine has no parameter "
                 "'colour' (it knows: name)\n",
                 dir);
        assert_non_null(strstr(err, expect));
        free(out), free(err);

        /* --no-agents: the same file is fine offline */
        snprintf(args, sizeof(args), "config validate %s/bad.xml --no-agents --ocf-root %s/ocf",
                 dir, dir);
        assert_int_equal(run(args, &out, &err), 0);
        assert_string_equal(err, "");
        assert_null(strstr(out, "agents checked"));
        free(out), free(err);

        /* an empty OCF root: every resource's agent is missing */
        snprintf(args, sizeof(args), "config validate %s/bad.xml --ocf-root %s/nowhere", dir, dir);
        assert_int_equal(run(args, &out, &err), 2);
        snprintf(expect, sizeof(expect),
                 "%s/bad.xml:10: resource 'extra': agent ocf:t:fine not found at "
                 "%s/nowhere/resource.d/t/fine\n",
                 dir, dir);
        assert_non_null(strstr(err, expect));
        free(out), free(err);
}

static void test_config_load_checks_agents_before_sending(void **state) {
        char args[1024], expect[1024], *out, *err;

        write_file("load.xml", config_with("<primitive id=\"need-ip\" agent=\"ocf:t:req\"/>\n"),
                   0644);
        /* No daemon at this socket: reaching it would be exit 3.  Exit 2 proves nothing was sent.
         */
        snprintf(args, sizeof(args),
                 "--socket %s/no.sock config load %s/load.xml --ocf-root %s/ocf", dir, dir, dir);
        assert_int_equal(run(args, &out, &err), 2);
        snprintf(expect, sizeof(expect),
                 "%s/load.xml:4: resource 'need-ip': agent ocf:t:req requires parameter 'ip'", dir);
        assert_non_null(strstr(err, expect));
        free(out), free(err);

        snprintf(args, sizeof(args), "--socket %s/no.sock config load %s/load.xml --no-agents", dir,
                 dir);
        assert_int_equal(run(args, &out, &err), 3);
        free(out), free(err);

        snprintf(args, sizeof(args), "--socket %s/no.sock config load %s/load.xml --bogus", dir,
                 dir);
        assert_int_equal(run(args, &out, &err), 2);
        assert_non_null(strstr(err, "Usage: bladectl config load FILE"));
        free(out), free(err);
}

static void test_project_agents_validate_the_example(void **state) {
        char *out, *err;

        if (access(BUILDDIR "/ocf/resource.d/bladed/vip", X_OK) != 0 ||
            access(BUILDDIR "/ocf/resource.d/bladed/vm", X_OK) != 0) {
                print_message("agents not built in " BUILDDIR "/ocf: build agent-vip first\n");
                skip();
        }
        assert_int_equal(run("config validate " SRCDIR
                             "/xml/examples/mail-cluster.xml --ocf-root " BUILDDIR "/ocf",
                             &out, &err),
                         0);
        assert_string_equal(err, "");
        assert_non_null(strstr(out, ", 2 agents checked\n"));
        free(out), free(err);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_agents_validate),
                cmocka_unit_test(test_bad_agents_are_errors_at_resource_lines),
                cmocka_unit_test(test_config_load_checks_agents_before_sending),
                cmocka_unit_test(test_project_agents_validate_the_example),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
