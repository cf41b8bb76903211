/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the fencer (daemon/shell/fencer.c) and the pure fence
 * helpers (daemon/core/fence.c): small shell fence agents written into a
 * temporary directory, a real sd-event loop.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../daemon/shell/fencer.h"
#include "bladed/fence.h"
#include "bladed/util.h"

#define WALL_LIMIT_MS 20000u

typedef struct Fixture {
        sd_event *e;
        char dir[64];
        char path[128]; /* "/nonexistent:" dir, a search path */
} Fixture;

typedef struct Outcome {
        int calls;
        FenceResult res;
        char *reason, *out, *err;
        Fencer *fencer;
} Outcome;

static uint64_t mono_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void on_done(Fencer *f, const FenceResult *res, void *userdata) {
        Outcome *o = userdata;

        assert_ptr_equal(f, o->fencer);
        o->calls++;
        o->res = *res;
        o->reason = strdup(res->reason);
        o->out = strdup(res->out);
        o->err = strdup(res->err);
        o->res.reason = o->res.out = o->res.err = NULL;
        /* As the daemon will: free from inside the callback. */
        o->fencer = fencer_free(f);
}

static void outcome_clear(Outcome *o) {
        o->fencer = fencer_free(o->fencer);
        free(o->reason);
        free(o->out);
        free(o->err);
        *o = (Outcome){0};
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        assert_int_equal(sd_event_new(&f->e), 0);
        strcpy(f->dir, "/tmp/bladed-fencer-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "/nonexistent-bladed:relative:%s", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        DIR *d = opendir(f->dir);
        struct dirent *de;
        char p[512];

        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
                unlink(p);
        }
        if (d)
                closedir(d);
        rmdir(f->dir);
        sd_event_unref(f->e);
        free(f);
        return 0;
}

static void write_agent(Fixture *f, const char *name, mode_t mode, const char *body) {
        char p[256];
        FILE *fp;

        snprintf(p, sizeof(p), "%s/%s", f->dir, name);
        fp = fopen(p, "we");
        assert_non_null(fp);
        fprintf(fp, "#!/bin/sh\n%s", body);
        assert_int_equal(fclose(fp), 0);
        assert_int_equal(chmod(p, mode), 0);
}

/* Reads every option line into shell variables opt_<name> ('-' as '_'),
 * as fence-agents do, and checks what the fencer must always send. */
static const char read_options[] =
        "[ $# -eq 0 ] || { echo \"called with arguments: $*\" >&2; exit 9; }\n"
        "while IFS= read -r line; do\n"
        "  name=${line%%=*}; value=${line#*=}\n"
        "  name=$(echo \"$name\" | tr - _)\n"
        "  eval \"opt_$name=\\$value\"\n"
        "done\n";

static void wait_done(Fixture *f, Outcome *o) {
        uint64_t deadline = mono_ms() + WALL_LIMIT_MS;

        while (o->calls == 0) {
                assert_true(sd_event_run(f->e, 100000) >= 0);
                if (mono_ms() > deadline)
                        fail_msg("fencer did not complete within %u ms", WALL_LIMIT_MS);
        }
        assert_int_equal(o->calls, 1);
}

static FenceDevice device(const char *agent, NvPair *params, size_t n) {
        return (FenceDevice){.id = "fd-blade2",
                             .agent = (char *)agent,
                             .node = "blade2",
                             .params = params,
                             .n_params = n};
}

/* fencer_start; fencer_check must agree with it, message included. */
static int start(Fixture *f, const FenceDevice *dev, const char *action, uint64_t timeout_ms,
                 Outcome *o, char **error) {
        char *checked = NULL;
        int k = fencer_start(f->e, dev, action, "blade2", f->path, timeout_ms, on_done, o,
                             &o->fencer, error);

        assert_int_equal(fencer_check(dev, action, "blade2", f->path, &checked), k);
        if (k < 0) {
                assert_null(o->fencer);
                assert_non_null(checked);
                if (error) {
                        assert_non_null(*error);
                        assert_string_equal(*error, checked);
                }
        } else {
                assert_null(checked);
                if (error)
                        assert_null(*error);
        }
        free(checked);
        return k;
}

static void run(Fixture *f, const FenceDevice *dev, const char *action, uint64_t timeout_ms,
                Outcome *o) {
        char *error = NULL;
        int k = start(f, dev, action, timeout_ms, o, &error);
        if (k < 0)
                fail_msg("fencer_start: %s: %s", strerror(-k), error ? error : "(no message)");
        assert_null(error);
        assert_int_equal(o->calls, 0); /* never from fencer_start */
        wait_done(f, o);
}

static void test_fencer_sends_every_line_on_stdin_without_arguments(void **state) {
        Fixture *f = *state;
        NvPair params[] = {{"ip", "198.18.10.21"},
                           {"user-name", "fence"},
                           {"password", "se cret=\"x\""},
                           {"lanplus", "1"}};
        FenceDevice dev = device("fence_check", params, ELEMENTSOF(params));
        Outcome o = {0};
        char body[2048];

        /* The agent checks each line itself and says what was wrong. */
        snprintf(body, sizeof(body),
                 "%s"
                 "[ \"$opt_action\" = off ] || { echo \"action=$opt_action\" >&2; exit 1; }\n"
                 "[ \"$opt_nodename\" = blade2 ] || { echo bad nodename >&2; exit 1; }\n"
                 "[ \"$opt_plug\" = blade2 ] || { echo bad plug >&2; exit 1; }\n"
                 "[ \"$opt_ip\" = 198.18.10.21 ] || { echo bad ip >&2; exit 1; }\n"
                 "[ \"$opt_user_name\" = fence ] || { echo bad user >&2; exit 1; }\n"
                 "[ \"$opt_password\" = 'se cret=\"x\"' ] || { echo bad pw >&2; exit 1; }\n"
                 "[ \"$opt_lanplus\" = 1 ] || { echo bad lanplus >&2; exit 1; }\n"
                 "[ \"$PATH\" != \"\" ] && [ \"$LC_ALL\" = C ] || { echo bad env >&2; exit 1; }\n"
                 "echo fenced\n",
                 read_options);
        write_agent(f, "fence_check", 0755, body);
        run(f, &dev, "off", 5000, &o);
        if (!o.res.ok)
                fail_msg("agent said: %s", o.reason);
        assert_int_equal(o.res.rc, 0);
        assert_int_equal(o.res.power, FENCE_POWER_OFF);
        assert_string_equal(o.out, "fenced\n");
        assert_non_null(strstr(o.reason, "fence_check off: done in "));
        outcome_clear(&o);

        /* Byte for byte, in order; plug is added last. */
        write_agent(f, "fence_echo", 0755, "exec cat\n");
        dev.agent = "fence_echo";
        run(f, &dev, "reboot", 5000, &o);
        assert_true(o.res.ok);
        assert_int_equal(o.res.power, FENCE_POWER_ON);
        assert_string_equal(o.out, "action=reboot\nnodename=blade2\nip=198.18.10.21\n"
                                   "user-name=fence\npassword=se cret=\"x\"\nlanplus=1\n"
                                   "plug=blade2\n");
        outcome_clear(&o);

        /* A device that names its plug itself (a chassis slot) gets no plug=. */
        NvPair slot[] = {{"port", "3"}};
        FenceDevice chassis = device("fence_echo", slot, 1);
        run(f, &chassis, "on", 5000, &o);
        assert_string_equal(o.out, "action=on\nnodename=blade2\nport=3\n");
        outcome_clear(&o);
}

static void test_fencer_failure_reason_is_last_stderr_line(void **state) {
        Fixture *f = *state;
        FenceDevice dev = device("fence_fail", NULL, 0);
        Outcome o = {0};

        write_agent(f, "fence_fail", 0755,
                    "cat >/dev/null\n"
                    "echo 'Parse error: Ignoring unknown option plug=blade2' >&2\n"
                    "printf 'Failed: Unable to obtain correct plug status\\n\\n  \\n' >&2\n"
                    "exit 1\n");
        run(f, &dev, "off", 5000, &o);
        assert_false(o.res.ok);
        assert_int_equal(o.res.rc, 1);
        assert_false(o.res.timed_out);
        assert_int_equal(o.res.power, FENCE_POWER_UNKNOWN);
        assert_string_equal(o.reason,
                            "fence_fail off exit 1: Failed: Unable to obtain correct plug status");
        outcome_clear(&o);

        write_agent(f, "fence_silent", 0755, "exit 5\n");
        dev.agent = "fence_silent";
        run(f, &dev, "on", 5000, &o);
        assert_false(o.res.ok);
        assert_string_equal(o.reason, "fence_silent on exit 5: (no message on stderr)");
        outcome_clear(&o);
}

static void test_fencer_hang_times_out_and_counts_as_failure(void **state) {
        Fixture *f = *state;
        FenceDevice dev = device("fence_hang", NULL, 0);
        Outcome o = {0};

        write_agent(f, "fence_hang", 0755, "echo 'connecting' >&2\nexec sleep 30\n");
        run(f, &dev, "off", 300, &o);
        assert_false(o.res.ok);
        assert_true(o.res.timed_out);
        assert_int_equal(o.res.rc, -1);
        assert_int_equal(o.res.signal, SIGTERM);
        assert_true(o.res.duration_ms >= 300 && o.res.duration_ms < 3000);
        assert_non_null(strstr(o.reason, "fence_hang off timed out after "));
        assert_non_null(strstr(o.reason, ": connecting"));
        outcome_clear(&o);

        /* Exit 0 after the SIGTERM is still a timeout, not a success. */
        write_agent(f, "fence_late", 0755, "trap 'exit 0' TERM\nsleep 30 &\nwait\n");
        dev.agent = "fence_late";
        run(f, &dev, "off", 300, &o);
        assert_true(o.res.timed_out);
        assert_false(o.res.ok);
        outcome_clear(&o);
}

static void test_fencer_status_reports_power(void **state) {
        Fixture *f = *state;
        static const struct {
                const char *state, *action;
                bool ok;
                int rc;
                FencePower power;
                const char *reason;
        } cases[] = {
                {"on", "status", true, 0, FENCE_POWER_ON, "fence_power status: powered on"},
                {"off", "status", true, 2, FENCE_POWER_OFF, "fence_power status: powered off"},
                {"broken", "status", false, 1, FENCE_POWER_UNKNOWN,
                 "fence_power status exit 1: Failed: no answer from 198.18.0.1"},
                {"on", "monitor", true, 0, FENCE_POWER_UNKNOWN,
                 "fence_power monitor: device usable"},
                {"off", "monitor", true, 2, FENCE_POWER_OFF,
                 "fence_power monitor: device usable, plug off"},
                {"broken", "monitor", false, 1, FENCE_POWER_UNKNOWN, NULL},
                /* 2 means "off" for status only: after "off" it is a failure. */
                {"off", "off", false, 2, FENCE_POWER_UNKNOWN, NULL},
        };
        char body[1024];

        snprintf(body, sizeof(body),
                 "%s"
                 "case \"$opt_action:$opt_state\" in\n"
                 "  status:on|monitor:on) exit 0;;\n"
                 "  status:off|monitor:off|off:off) exit 2;;\n"
                 "  *) echo 'Failed: no answer from 198.18.0.1' >&2; exit 1;;\n"
                 "esac\n",
                 read_options);
        write_agent(f, "fence_power", 0755, body);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                NvPair p[] = {{"state", (char *)cases[i].state}};
                FenceDevice dev = device("fence_power", p, 1);
                Outcome o = {0};

                run(f, &dev, cases[i].action, 5000, &o);
                assert_int_equal(o.res.ok, cases[i].ok);
                assert_int_equal(o.res.rc, cases[i].rc);
                assert_int_equal(o.res.power, cases[i].power);
                if (cases[i].reason)
                        assert_string_equal(o.reason, cases[i].reason);
                outcome_clear(&o);
        }
}

static void test_fencer_metadata_output(void **state) {
        Fixture *f = *state;
        FenceDevice dev = device("fence_meta", NULL, 0);
        Outcome o = {0};

        write_agent(f, "fence_meta", 0755,
                    "cat >/dev/null\n"
                    "echo '<?xml version=\"1.0\" ?>'\n"
                    "echo '<resource-agent name=\"fence_meta\" shortdesc=\"test\"/>'\n");
        run(f, &dev, "metadata", 5000, &o);
        assert_true(o.res.ok);
        assert_non_null(strstr(o.out, "<resource-agent name=\"fence_meta\""));
        outcome_clear(&o);
}

static void test_fencer_refuses_before_running(void **state) {
        Fixture *f = *state;
        Outcome o = {0};
        char *error = NULL;

        write_agent(f, "fence_ok", 0755, "exit 0\n");
        write_agent(f, "fence_noexec", 0644, "exit 0\n");

        /* Unknown agent: -ENOENT and a message saying where we looked. */
        FenceDevice dev = device("fence_missing", NULL, 0);
        assert_int_equal(start(f, &dev, "off", 1000, &o, &error), -ENOENT);
        assert_non_null(error);
        assert_non_null(
                strstr(error, "fence-device 'fd-blade2': agent fence_missing not found in"));
        assert_non_null(strstr(error, f->dir));
        free(error);
        dev.agent = "/nonexistent-bladed/fence_x";
        assert_int_equal(start(f, &dev, "off", 1000, &o, &error), -ENOENT);
        assert_non_null(strstr(error, "does not exist"));
        free(error);
        dev.agent = "fence_noexec";
        assert_int_equal(start(f, &dev, "off", 1000, &o, &error), -EACCES);
        assert_non_null(strstr(error, "not an executable file"));
        free(error);
        dev.agent = "fence_../x";
        assert_int_equal(start(f, &dev, "off", 1000, &o, &error), -EINVAL);
        free(error);
        dev.agent = "/usr/sbin/../bin/fence_x";
        assert_int_equal(start(f, &dev, "off", 1000, &o, &error), -EINVAL);
        free(error);

        /* Bad values, names, action, victim: -EINVAL naming the problem. */
        static const struct {
                const char *name, *value, *want;
        } bad[] = {
                {"password", "a\nb", "parameter 'password': the value holds a line break"},
                {"password", "a\rb", "line break"},
                {"password", " lead", "blank"},
                {"nodename", "blade9", "parameter 'nodename': bladed sets this"},
                {"option", "on", "bladed sets this"},
                {"ac tion", "x", "name must be"},
                {"-ip", "x", "name must be"},
                {"9ip", "x", "name must be"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                NvPair p[] = {{"ip", "198.18.0.1"}, {(char *)bad[i].name, (char *)bad[i].value}};
                dev = device("fence_ok", p, 2);
                assert_int_equal(start(f, &dev, "off", 1000, &o, &error), -EINVAL);
                assert_non_null(error);
                if (!strstr(error, bad[i].want))
                        fail_msg("case %zu: '%s' does not say '%s'", i, error, bad[i].want);
                free(error);
        }
        dev = device("fence_ok", NULL, 0);
        assert_int_equal(start(f, &dev, "destroy", 1000, &o, &error), -EINVAL);
        assert_non_null(strstr(error, "unknown action"));
        free(error);
        assert_int_equal(fencer_start(f->e, &dev, "off", "bad name", f->path, 1000, on_done, &o,
                                      &o.fencer, &error),
                         -EINVAL);
        assert_non_null(strstr(error, "not a valid blade name"));
        free(error);
        assert_int_equal(fencer_start(f->e, &dev, "off", "blade2\nip=1.2.3.4", f->path, 1000,
                                      on_done, &o, &o.fencer, NULL),
                         -EINVAL);
        /* 64 KiB cap on the whole text. */
        char *huge = malloc(70000);
        assert_non_null(huge);
        memset(huge, 'x', 69999);
        huge[69999] = '\0';
        NvPair hp[] = {{"password", huge}};
        dev = device("fence_ok", hp, 1);
        assert_int_equal(start(f, &dev, "off", 1000, &o, &error), -E2BIG);
        free(error);
        free(huge);
        assert_null(o.fencer);
        assert_int_equal(sd_event_run(f->e, 10000) >= 0, 1);
        assert_int_equal(o.calls, 0);
}

static bool pid_gone(pid_t pid) {
        char p[64], buf[512];
        FILE *fp;
        char *rp;
        bool gone = true;

        snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
        fp = fopen(p, "re");
        if (!fp)
                return true;
        if (fgets(buf, sizeof(buf), fp) && (rp = strrchr(buf, ')')))
                gone = rp[1] == ' ' && rp[2] == 'Z';
        fclose(fp);
        return gone;
}

static void test_fencer_free_while_running_kills_agent_without_callback(void **state) {
        Fixture *f = *state;
        FenceDevice dev = device("fence_hang", NULL, 0);
        Outcome o = {0};
        pid_t pid;

        write_agent(f, "fence_hang", 0755, "exec sleep 30\n");
        assert_int_equal(start(f, &dev, "off", 10000, &o, NULL), 0);
        pid = fencer_get_pid(o.fencer);
        assert_true(pid > 0);
        o.fencer = fencer_free(o.fencer);
        for (uint64_t end = mono_ms() + 2000; !pid_gone(pid) && mono_ms() < end;)
                assert_true(sd_event_run(f->e, 10000) >= 0);
        assert_true(pid_gone(pid));
        assert_int_equal(o.calls, 0);
}

static void test_fence_core_helpers(void **state) {
        char *s = NULL;
        FencePower p;

        (void)state;
        assert_true(fence_agent_is_valid("fence_ipmilan"));
        assert_true(fence_agent_is_valid("/usr/local/sbin/fence_my-chassis.py"));
        assert_false(fence_agent_is_valid("fence_"));
        assert_false(fence_agent_is_valid("ipmilan"));
        assert_false(fence_agent_is_valid("fence_a b"));
        assert_false(fence_agent_is_valid("/opt/../fence_x"));
        assert_false(fence_agent_is_valid("/opt/x/.."));
        assert_true(fence_agent_is_valid("/opt/x/..fence"));
        assert_true(fence_victim_is_valid("blade-3.rack1"));
        assert_false(fence_victim_is_valid("-blade"));
        assert_false(fence_victim_is_valid(""));

        assert_true(fence_exit_is_success("off", 0, &p));
        assert_int_equal(p, FENCE_POWER_OFF);
        assert_false(fence_exit_is_success("off", 1, &p));
        assert_int_equal(p, FENCE_POWER_UNKNOWN);
        assert_false(fence_exit_is_success("reboot", 2, &p));
        assert_true(fence_exit_is_success("status", 2, &p));
        assert_int_equal(p, FENCE_POWER_OFF);
        assert_false(fence_exit_is_success("status", 3, &p));
        assert_false(fence_exit_is_success(NULL, 0, &p));

        assert_int_equal(fence_message_parse("a\nlast line  \n\n", 15, &s), 0);
        assert_string_equal(s, "last line");
        free(s);
        assert_int_equal(fence_message_parse("tab\there\x1b[0m\r\n", 15, &s), 0);
        assert_string_equal(s, "tab?here?[0m");
        free(s);
        assert_int_equal(fence_message_parse(" \n\n", 3, &s), -ENOENT);
        assert_int_equal(fence_message_parse("", 0, &s), -ENOENT);
        char longline[400];
        memset(longline, 'y', sizeof(longline));
        assert_int_equal(fence_message_parse(longline, sizeof(longline), &s), 0);
        assert_int_equal(strlen(s), FENCE_MESSAGE_MAX);
        free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fence_core_helpers),
                cmocka_unit_test_setup_teardown(
                        test_fencer_sends_every_line_on_stdin_without_arguments, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fencer_failure_reason_is_last_stderr_line,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_fencer_hang_times_out_and_counts_as_failure,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_fencer_status_reports_power, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fencer_metadata_output, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fencer_refuses_before_running, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(
                        test_fencer_free_while_running_kills_agent_without_callback, setup,
                        teardown),
        };
        sigset_t ss;

        /* As in bladed: sd_event_add_child needs SIGCHLD blocked. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
