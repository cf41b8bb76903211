/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the agent runner (daemon/shell/runner.c) with a real
 * sd-event loop and real child processes: the misbehaving agents in
 * tests/agents/misbehaving/ must not hurt the daemon.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../daemon/shell/runner.h"
#include "bladed/ocf.h"
#include "bladed/util.h"

#define AGENTS SRCDIR "/tests/agents/misbehaving/"
#define WALL_LIMIT_MS 30000u

typedef struct Outcome {
        int calls;
        RunnerResult res;
        char *out, *err, *reason;
        Runner *runner;
        bool free_in_callback;
} Outcome;

typedef struct Fixture {
        sd_event *e;
        char dir[64];
} Fixture;

static uint64_t mono_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static char *memdup0(const char *p, size_t n) {
        char *s = malloc(n + 1);
        assert_non_null(s);
        if (n)
                memcpy(s, p, n);
        s[n] = '\0';
        return s;
}

static void on_done(Runner *r, const RunnerResult *res, void *userdata) {
        Outcome *o = userdata;

        o->calls++;
        o->res = *res;
        o->out = memdup0(res->out, res->out_len);
        o->err = memdup0(res->err, res->err_len);
        o->reason = res->exit_reason ? strdup(res->exit_reason) : NULL;
        o->res.out = o->res.err = o->res.exit_reason = NULL;
        if (o->free_in_callback) {
                assert_ptr_equal(r, o->runner);
                o->runner = runner_free(r);
        }
}

static void outcome_clear(Outcome *o) {
        o->runner = runner_free(o->runner);
        free(o->out);
        free(o->err);
        free(o->reason);
        *o = (Outcome){0};
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        assert_int_equal(sd_event_new(&f->e), 0);
        strcpy(f->dir, "/tmp/bladed-runner-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
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
                if (rmdir(p) < 0)
                        unlink(p);
        }
        if (d)
                closedir(d);
        rmdir(f->dir);
        sd_event_unref(f->e);
        free(f);
        return 0;
}

/* The environment the executor would build for resource "t1" of type
 * agent, with the given parameters. */
static char **make_env(const char *agent, const char *rc, const char *mb) {
        NvPair params[2];
        size_t n = 0;
        char **env = NULL;

        if (rc)
                params[n++] = (NvPair){.name = "rc", .value = (char *)rc};
        if (mb)
                params[n++] = (NvPair){.name = "mb", .value = (char *)mb};
        Resource r = {.id = "t1",
                      .agent_class = "ocf",
                      .agent_provider = "misbehaving",
                      .agent_type = (char *)agent,
                      .params = params,
                      .n_params = n};
        Op op = {.name = "monitor", .interval_ms = 0, .timeout_ms = 400};
        OcfCall c = {.action = OCF_ACTION_START,
                     .rsc = &r,
                     .op = &op,
                     .ocf_root = SRCDIR "/tests/agents",
                     .node = "blade1"};
        assert_int_equal(ocf_env_build(&c, &env, NULL), 0);
        return env;
}

static void wait_done(Fixture *f, Outcome *o) {
        uint64_t deadline = mono_ms() + WALL_LIMIT_MS;

        while (o->calls == 0) {
                assert_true(sd_event_run(f->e, 100000) >= 0);
                if (mono_ms() > deadline)
                        fail_msg("runner did not complete within %u ms", WALL_LIMIT_MS);
        }
}

static void spin(Fixture *f, uint64_t ms) {
        uint64_t end = mono_ms() + ms;
        while (mono_ms() < end)
                assert_true(sd_event_run(f->e, 10000) >= 0);
}

static int start(Fixture *f, const char *path, const char *action, char **env,
                 const RunnerRequest *extra, Outcome *o) {
        RunnerRequest q = extra ? *extra : (RunnerRequest){0};
        q.path = path;
        q.action = action;
        q.env = env;
        if (!q.timeout_ms)
                q.timeout_ms = 5000;
        return runner_start(f->e, &q, on_done, o, &o->runner);
}

static void run_agent(Fixture *f, const char *agent, const char *rc, const RunnerRequest *extra,
                      Outcome *o) {
        char **env = make_env(agent, rc, NULL);
        char path[512];

        snprintf(path, sizeof(path), AGENTS "%s", agent);
        assert_int_equal(start(f, path, "start", env, extra, o), 0);
        ocf_env_free(env); /* the runner needs it only during runner_start */
        wait_done(f, o);
        assert_int_equal(o->calls, 1);
}

/* A process (or group) has gone when it is absent or a zombie nobody
 * reaped yet (its reaper is not us). */
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

static bool wait_gone(pid_t pid, uint64_t ms) {
        uint64_t end = mono_ms() + ms;
        while (!pid_gone(pid)) {
                if (mono_ms() > end)
                        return false;
                usleep(10000);
        }
        return true;
}

/* True when no live (non-zombie) process is left in process group pgid. */
static bool group_gone(pid_t pgid) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        bool gone = true;

        assert_non_null(d);
        while (gone && (de = readdir(d))) {
                char p[300], buf[512], state;
                int ppid, pgrp;
                FILE *fp;
                char *rp;

                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                snprintf(p, sizeof(p), "/proc/%s/stat", de->d_name);
                fp = fopen(p, "re");
                if (!fp)
                        continue;
                if (fgets(buf, sizeof(buf), fp) && (rp = strrchr(buf, ')')) &&
                    sscanf(rp + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
                    state != 'Z')
                        gone = false;
                fclose(fp);
        }
        closedir(d);
        return gone;
}

static bool wait_group_gone(pid_t pgid, uint64_t ms) {
        uint64_t end = mono_ms() + ms;
        while (!group_gone(pgid)) {
                if (mono_ms() > end)
                        return false;
                usleep(10000);
        }
        return true;
}

static void test_runner_reports_exit_codes_and_argv(void **state) {
        Fixture *f = *state;
        static const struct {
                const char *rc;
                int code;
                OcfOutcome start_outcome;
        } cases[] = {
                {"0", 0, OCF_OUTCOME_DONE},           {"7", 7, OCF_OUTCOME_SOFT_FAILURE},
                {"1", 1, OCF_OUTCOME_SOFT_FAILURE},   {"5", 5, OCF_OUTCOME_HARD_FAILURE},
                {"42", 42, OCF_OUTCOME_SOFT_FAILURE}, {"255", 255, OCF_OUTCOME_SOFT_FAILURE},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Outcome o = {0};
                run_agent(f, "exitcode", cases[i].rc, NULL, &o);
                assert_true(o.res.exited);
                assert_int_equal(o.res.exit_code, cases[i].code);
                assert_int_equal(o.res.signal, 0);
                assert_false(o.res.timed_out);
                assert_false(o.res.orphans_killed);
                assert_int_equal(o.res.exec_errno, 0);
                assert_string_equal(o.out, "argc=1 action=start\n");
                assert_false(o.res.out_truncated);
                assert_int_equal(runner_result_ocf_rc(&o.res), cases[i].code);
                assert_int_equal(ocf_classify(OCF_ACTION_START, runner_result_ocf_rc(&o.res)),
                                 cases[i].start_outcome);
                assert_int_equal(runner_get_pid(o.runner), 0);
                outcome_clear(&o);
        }
}

static void test_runner_hang_times_out_with_sigterm(void **state) {
        Fixture *f = *state;
        RunnerRequest q = {.timeout_ms = 300, .kill_grace_ms = 2000};
        Outcome o = {0};

        run_agent(f, "hang", NULL, &q, &o);
        assert_true(o.res.timed_out);
        assert_false(o.res.killed); /* the shell dies on SIGTERM */
        assert_false(o.res.exited);
        assert_int_equal(o.res.signal, SIGTERM);
        assert_true(o.res.duration_ms >= 300);
        assert_true(o.res.duration_ms < 1500);
        assert_int_equal(runner_result_ocf_rc(&o.res), OCF_RC_NO_RESULT);
        assert_int_equal(ocf_classify(OCF_ACTION_STOP, runner_result_ocf_rc(&o.res)),
                         OCF_OUTCOME_STOP_FAILED);
        outcome_clear(&o);
}

static void test_runner_sigkills_an_agent_ignoring_sigterm(void **state) {
        Fixture *f = *state;
        RunnerRequest q = {.timeout_ms = 250, .kill_grace_ms = 200, .eof_grace_ms = 300};
        Outcome o = {0};
        char path[] = AGENTS "ignore-term";
        char **env = make_env("ignore-term", NULL, NULL);
        pid_t pid;

        assert_int_equal(start(f, path, "start", env, &q, &o), 0);
        ocf_env_free(env);
        pid = runner_get_pid(o.runner);
        assert_true(pid > 0);
        wait_done(f, &o);
        assert_true(o.res.timed_out);
        assert_true(o.res.killed);
        assert_int_equal(o.res.signal, SIGKILL);
        assert_string_equal(o.out, "ready\n");
        assert_true(o.res.duration_ms >= 450);
        assert_true(o.res.duration_ms < 2000);
        /* Its sleeping children were in the group: gone too. */
        assert_true(wait_gone(pid, 1000));
        assert_true(wait_group_gone(pid, 1000));
        outcome_clear(&o);
}

static long maxrss_kib(void) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return ru.ru_maxrss;
}

static void test_runner_flood_keeps_memory_bounded(void **state) {
        Fixture *f = *state;
        RunnerRequest q = {.timeout_ms = 20000};
        Outcome o = {0};
        long before = maxrss_kib();
        uint64_t t0 = mono_ms();

        run_agent(f, "flood", NULL, &q, &o);
        assert_true(o.res.exited);
        assert_int_equal(o.res.exit_code, 1);
        assert_false(o.res.timed_out);
        assert_true(o.res.out_total == 100ull * 1048576);
        assert_int_equal(o.res.out_len, RUNNER_STDOUT_MAX_DEFAULT);
        assert_true(o.res.out_truncated);
        assert_true(o.res.err_total == 10ull * 1048576 + strlen("ocf-exit-reason:flooded\n"));
        assert_int_equal(o.res.err_len, RUNNER_STDERR_MAX_DEFAULT);
        assert_true(o.res.err_truncated);
        /* The tail of stderr is kept: the reason survives 10 MiB of noise. */
        assert_string_equal(o.reason, "flooded");
        /* 110 MiB went through; our peak grew by less than 16 MiB. */
        assert_true(maxrss_kib() - before < 16 * 1024);
        print_message("flood: 110 MiB drained in %llu ms, maxrss +%ld KiB\n",
                      (unsigned long long)(mono_ms() - t0), maxrss_kib() - before);
        outcome_clear(&o);
}

static void test_runner_orphan_holding_pipes_is_killed_within_bound(void **state) {
        Fixture *f = *state;
        RunnerRequest q = {.timeout_ms = 5000, .eof_grace_ms = 300};
        Outcome o = {0};
        int orphan = 0;

        run_agent(f, "orphan", NULL, &q, &o);
        assert_true(o.res.exited);
        assert_int_equal(o.res.exit_code, 0);
        assert_false(o.res.timed_out);
        assert_true(o.res.orphans_killed);
        assert_true(o.res.duration_ms >= 300);
        assert_true(o.res.duration_ms < 1500);
        assert_int_equal(sscanf(o.out, "orphan=%d", &orphan), 1);
        assert_true(orphan > 1);
        assert_true(wait_gone(orphan, 1000));
        outcome_clear(&o);
}

static void test_runner_keeps_last_exit_reason(void **state) {
        Fixture *f = *state;
        Outcome o = {0};

        run_agent(f, "exit-reason", NULL, NULL, &o);
        assert_true(o.res.exited);
        assert_int_equal(o.res.exit_code, 1);
        assert_string_equal(o.reason, "address 198.18.7.10 already in use");
        assert_non_null(strstr(o.err, "some log line\n"));
        assert_string_equal(o.out, "");
        outcome_clear(&o);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_runner_child_gets_only_the_built_environment(void **state) {
        Fixture *f = *state;
        RunnerRequest q = {.timeout_ms = 5000};
        Outcome o = {0};
        char **env = make_env("env-dump", "0", NULL);
        size_t n_env = ocf_env_count(env), n_got = 0;
        char *got[64], *line, *save = NULL, *rest;
        int planted;

        /* Things of ours the agent must not inherit: a variable, an fd
         * without CLOEXEC, an ignored signal (SIGCHLD is blocked by main). */
        setenv("BLADED_SECRET", "do-not-leak", 1);
        planted = dup2(STDERR_FILENO, 50);
        assert_int_equal(planted, 50);
        signal(SIGUSR1, SIG_IGN);

        assert_int_equal(start(f, AGENTS "env-dump", "monitor", env, &q, &o), 0);
        wait_done(f, &o);
        close(planted);
        signal(SIGUSR1, SIG_DFL);
        unsetenv("BLADED_SECRET");
        assert_true(o.res.exited);
        assert_int_equal(o.res.exit_code, 0);

        rest = strstr(o.out, "\n---\n");
        assert_non_null(rest);
        *rest = '\0';
        rest += 5;
        for (line = strtok_r(o.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                assert_true(n_got < ELEMENTSOF(got));
                got[n_got++] = line;
        }
        assert_int_equal(n_got, n_env);
        qsort(got, n_got, sizeof(*got), cmp_str);
        qsort(env, n_env, sizeof(*env), cmp_str);
        for (size_t i = 0; i < n_env; i++)
                assert_string_equal(got[i], env[i]);
        ocf_env_free(env);

        assert_non_null(strstr(rest, "argc=1 arg1=monitor\n"));
        assert_non_null(strstr(rest, "SigBlk:\t0000000000000000\n"));
        assert_non_null(strstr(rest, "SigIgn:\t0000000000000000\n"));
        assert_non_null(strstr(rest, "cwd=/\n"));
        assert_non_null(strstr(rest, "stdin=eof\n"));
        int pgid = 0, pid = -1;
        char *pl = strstr(rest, "pgid=");
        assert_non_null(pl);
        assert_int_equal(sscanf(pl, "pgid=%d pid=%d", &pgid, &pid), 2);
        assert_int_equal(pgid, pid); /* its own process group */
        /* fds: 0 1 2 and at most the shell's own script fd (>= 10). */
        char *fds = strstr(rest, "fds:\n");
        char *fds_end = strstr(rest, "end-fds\n");
        assert_non_null(fds);
        assert_non_null(fds_end);
        *fds_end = '\0';
        int n_fds = 0, n_high = 0;
        bool seen[3] = {false, false, false};
        save = NULL;
        for (line = strtok_r(fds + 5, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                int fd = atoi(line);
                n_fds++;
                if (fd >= 0 && fd < 3)
                        seen[fd] = true;
                else if (fd >= 10 && fd != 50)
                        n_high++;
                else
                        fail_msg("agent inherited fd %d", fd);
        }
        assert_true(seen[0] && seen[1] && seen[2]);
        assert_true(n_high <= 1);
        assert_int_equal(n_fds, 3 + n_high);
        outcome_clear(&o);
}

static void test_runner_rejects_missing_and_unexecutable_agents(void **state) {
        Fixture *f = *state;
        Outcome o = {0};
        char *env[] = {"PATH=/bin", NULL};
        char path[128];
        int fd;

        snprintf(path, sizeof(path), "%s/missing", f->dir);
        assert_int_equal(start(f, path, "start", env, NULL, &o), -ENOENT);
        snprintf(path, sizeof(path), "%s/noexec", f->dir);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
        close(fd);
        assert_int_equal(start(f, path, "start", env, NULL, &o), -EACCES);
        snprintf(path, sizeof(path), "%s/adir", f->dir);
        assert_int_equal(mkdir(path, 0755), 0);
        assert_int_equal(start(f, path, "start", env, NULL, &o), -EACCES);
        assert_int_equal(start(f, "relative/agent", "start", env, NULL, &o), -EINVAL);
        assert_int_equal(start(f, AGENTS "exitcode", "", env, NULL, &o), -EINVAL);
        assert_int_equal(start(f, AGENTS "exitcode", "start", NULL, NULL, &o), -EINVAL);
        RunnerRequest big = {.timeout_ms = RUNNER_TIME_MAX_MS + 1};
        assert_int_equal(start(f, AGENTS "exitcode", "start", env, &big, &o), -EINVAL);
        big = (RunnerRequest){.stdout_max = SIZE_MAX};
        assert_int_equal(start(f, AGENTS "exitcode", "start", env, &big, &o), -EINVAL);
        assert_null(o.runner);
        spin(f, 20);
        assert_int_equal(o.calls, 0);
}

static void test_runner_reports_exec_failure_in_child(void **state) {
        Fixture *f = *state;
        Outcome o = {0};

        run_agent(f, "bad-interpreter", NULL, NULL, &o);
        assert_int_equal(o.res.exec_errno, ENOENT);
        assert_true(o.res.exited);
        assert_int_equal(o.res.exit_code, 127);
        assert_int_equal(runner_result_ocf_rc(&o.res), OCF_RC_ERR_INSTALLED);
        assert_int_equal(ocf_classify(OCF_ACTION_PROBE, runner_result_ocf_rc(&o.res)),
                         OCF_OUTCOME_STOPPED);
        outcome_clear(&o);
}

static void test_runner_cancel_kills_group_without_callback(void **state) {
        Fixture *f = *state;
        Outcome o = {0};
        char **env = make_env("ignore-term", NULL, NULL);
        pid_t pid;

        assert_int_equal(start(f, AGENTS "ignore-term", "start", env, NULL, &o), 0);
        ocf_env_free(env);
        pid = runner_get_pid(o.runner);
        spin(f, 100);
        runner_cancel(o.runner);
        runner_cancel(o.runner); /* twice is fine */
        spin(f, 200);
        assert_int_equal(o.calls, 0);
        assert_int_equal(runner_get_pid(o.runner), 0); /* reaped by the loop */
        assert_true(wait_gone(pid, 1000));
        assert_true(wait_group_gone(pid, 1000));
        outcome_clear(&o);
        runner_cancel(NULL);
        assert_null(runner_free(NULL));
}

static void test_runner_free_while_running_kills_and_reaps(void **state) {
        Fixture *f = *state;
        Outcome o = {0};
        char **env = make_env("hang", NULL, NULL);
        pid_t pid;

        assert_int_equal(start(f, AGENTS "hang", "start", env, NULL, &o), 0);
        ocf_env_free(env);
        pid = runner_get_pid(o.runner);
        spin(f, 50);
        o.runner = runner_free(o.runner);
        /* Reaped synchronously by sd-event: no zombie of ours is left. */
        assert_true(pid_gone(pid));
        spin(f, 50);
        assert_int_equal(o.calls, 0);
}

static void test_runner_free_inside_callback_and_parallel_runs(void **state) {
        Fixture *f = *state;
        Outcome o[3] = {
                {.free_in_callback = true}, {.free_in_callback = true}, {.free_in_callback = true}};
        RunnerRequest slow = {.timeout_ms = 300};
        char **env = make_env("exitcode", "3", NULL);
        uint64_t deadline = mono_ms() + WALL_LIMIT_MS;

        assert_int_equal(start(f, AGENTS "hang", "start", env, &slow, &o[0]), 0);
        assert_int_equal(start(f, AGENTS "exitcode", "start", env, NULL, &o[1]), 0);
        assert_int_equal(start(f, AGENTS "exit-reason", "start", env, NULL, &o[2]), 0);
        ocf_env_free(env);
        while (o[0].calls + o[1].calls + o[2].calls < 3) {
                assert_true(sd_event_run(f->e, 100000) >= 0);
                assert_true(mono_ms() < deadline);
        }
        /* The quick ones did not wait for the hanging one. */
        assert_true(o[1].res.duration_ms < o[0].res.duration_ms);
        assert_true(o[0].res.timed_out);
        assert_int_equal(o[1].res.exit_code, 3);
        assert_string_equal(o[2].reason, "address 198.18.7.10 already in use");
        for (int i = 0; i < 3; i++) {
                assert_int_equal(o[i].calls, 1);
                assert_null(o[i].runner);
                outcome_clear(&o[i]);
        }
}

static void test_runner_needs_sigchld_blocked(void **state) {
        Fixture *f = *state;
        Outcome o = {0};
        char *env[] = {"PATH=/bin", NULL};
        sigset_t ss;

        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigprocmask(SIG_UNBLOCK, &ss, NULL);
        assert_int_equal(start(f, AGENTS "exitcode", "start", env, NULL, &o), -EBUSY);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        assert_null(o.runner);
}

/* ---- stdin (fence agents read their options there) ---- */

static void write_script(Fixture *f, const char *name, const char *body, char *path, size_t size) {
        FILE *fp;

        snprintf(path, size, "%s/%s", f->dir, name);
        fp = fopen(path, "we");
        assert_non_null(fp);
        fputs(body, fp);
        assert_int_equal(fclose(fp), 0);
        assert_int_equal(chmod(path, 0755), 0);
}

static bool sigpipe_blocked_or_pending(void) {
        sigset_t ss;

        sigprocmask(SIG_BLOCK, NULL, &ss);
        if (sigismember(&ss, SIGPIPE))
                return true;
        sigpending(&ss);
        return sigismember(&ss, SIGPIPE);
}

static void test_runner_feeds_stdin_without_arguments(void **state) {
        Fixture *f = *state;
        static const char text[] = "action=off\nnodename=blade2\nip=198.18.0.1\n";
        char *env[] = {"PATH=/usr/bin:/bin", NULL};
        char path[256];
        Outcome o = {0};
        RunnerRequest q = {.stdin_data = text, .stdin_len = strlen(text), .no_action_arg = true};

        write_script(f, "echo-stdin", "#!/bin/sh\necho \"argc=$#\"\nexec cat\n", path,
                     sizeof(path));
        assert_int_equal(start(f, path, NULL, env, &q, &o), 0);
        wait_done(f, &o);
        assert_true(o.res.exited);
        assert_int_equal(o.res.exit_code, 0);
        assert_string_equal(o.out, "argc=0\naction=off\nnodename=blade2\nip=198.18.0.1\n");
        assert_int_equal(o.res.in_written, strlen(text));
        outcome_clear(&o);

        /* The whole 64 KiB, byte for byte (NULs included: the pipe is binary). */
        char *big = malloc(RUNNER_STDIN_MAX);
        assert_non_null(big);
        for (size_t i = 0; i < RUNNER_STDIN_MAX; i++)
                big[i] = (char)(i * 7 + i / 256);
        q = (RunnerRequest){.stdin_data = big,
                            .stdin_len = RUNNER_STDIN_MAX,
                            .no_action_arg = true,
                            .stdout_max = 2 * RUNNER_STDIN_MAX};
        assert_int_equal(start(f, path, NULL, env, &q, &o), 0);
        big[0] ^= 1; /* the runner copied it: later changes do not reach the agent */
        big[0] ^= 1;
        wait_done(f, &o);
        assert_true(o.res.exited);
        assert_int_equal(o.res.exit_code, 0);
        assert_int_equal(o.res.out_len, 7 + RUNNER_STDIN_MAX);
        assert_memory_equal(o.out + 7, big, RUNNER_STDIN_MAX);
        assert_int_equal(o.res.in_written, RUNNER_STDIN_MAX);
        outcome_clear(&o);
        free(big);

        /* Empty stdin data: a pipe at EOF at once; with an action, argv is as usual. */
        write_script(f, "read-one", "#!/bin/sh\nread -r l && echo \"line=$l\" || echo \"eof $1\"\n",
                     path, sizeof(path));
        q = (RunnerRequest){.stdin_data = ""};
        assert_int_equal(start(f, path, "status", env, &q, &o), 0);
        wait_done(f, &o);
        assert_string_equal(o.out, "eof status\n");
        outcome_clear(&o);

        /* Bad requests. */
        q = (RunnerRequest){.stdin_data = text, .stdin_len = RUNNER_STDIN_MAX + 1};
        assert_int_equal(start(f, path, "status", env, &q, &o), -EINVAL);
        q = (RunnerRequest){.stdin_len = 3};
        assert_int_equal(start(f, path, "status", env, &q, &o), -EINVAL);
        q = (RunnerRequest){.stdin_data = text, .stdin_len = 3};
        assert_int_equal(start(f, path, NULL, env, &q, &o), -EINVAL); /* no action, no flag */
        assert_null(o.runner);
        assert_false(sigpipe_blocked_or_pending());
}

/* The agent closes its stdin before we write a byte: the write gets EPIPE,
 * and the SIGPIPE it raises must not kill us, although this test process
 * has SIGPIPE at its default disposition (terminate). */
static void test_runner_survives_agent_that_never_reads_stdin(void **state) {
        Fixture *f = *state;
        char *env[] = {"PATH=/usr/bin:/bin", NULL};
        char *data = calloc(1, RUNNER_STDIN_MAX);
        char path[256];
        struct sigaction sa;

        assert_non_null(data);
        assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
        assert_ptr_equal(sa.sa_handler, SIG_DFL);
        write_script(f, "no-read", "#!/bin/sh\nexec 0<&-\necho closed\nsleep 0.3\nexit 3\n", path,
                     sizeof(path));
        write_script(f, "exit-at-once", "#!/bin/sh\nexit 4\n", path, sizeof(path));
        static const struct {
                const char *name;
                int code;
                const char *out;
        } cases[] = {{"no-read", 3, "closed\n"}, {"exit-at-once", 4, ""}};
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                RunnerRequest q = {
                        .stdin_data = data, .stdin_len = RUNNER_STDIN_MAX, .no_action_arg = true};
                Outcome o = {0};

                snprintf(path, sizeof(path), "%s/%s", f->dir, cases[i].name);
                assert_int_equal(start(f, path, NULL, env, &q, &o), 0);
                /* The runner writes only from the loop: give the agent time to
                 * close its end first. */
                usleep(200 * 1000);
                wait_done(f, &o);
                assert_true(o.res.exited);
                assert_int_equal(o.res.exit_code, cases[i].code);
                assert_string_equal(o.out, cases[i].out);
                assert_int_equal(o.res.in_written, 0);
                assert_false(o.res.timed_out);
                outcome_clear(&o);
                assert_false(sigpipe_blocked_or_pending());
        }
        free(data);
}

/* The agent shrinks its stdin pipe to one page and then hangs without
 * reading: we are still writing when the timeout strikes, and the result
 * comes as for any hang. */
static void test_runner_times_out_while_still_writing_stdin(void **state) {
        Fixture *f = *state;
        char *env[] = {"PATH=/usr/bin:/bin", NULL};
        char *data = malloc(RUNNER_STDIN_MAX);
        char path[256];
        Outcome o = {0};

        assert_non_null(data);
        memset(data, 'x', RUNNER_STDIN_MAX);
        write_script(f, "shrink-and-hang",
                     "#!/usr/bin/python3\n"
                     "import fcntl, sys, time\n"
                     "fcntl.fcntl(0, fcntl.F_SETPIPE_SZ, 4096)\n"
                     "print('shrunk', flush=True)\n"
                     "time.sleep(30)\n",
                     path, sizeof(path));
        RunnerRequest q = {.stdin_data = data,
                           .stdin_len = RUNNER_STDIN_MAX,
                           .no_action_arg = true,
                           .timeout_ms = 1000,
                           .kill_grace_ms = 1000};
        if (access("/usr/bin/python3", X_OK) < 0)
                skip();
        assert_int_equal(start(f, path, NULL, env, &q, &o), 0);
        pid_t pid = runner_get_pid(o.runner);
        usleep(600 * 1000); /* python has set the pipe size before we write */
        wait_done(f, &o);
        assert_true(o.res.timed_out);
        assert_int_equal(o.res.signal, SIGTERM);
        assert_string_equal(o.out, "shrunk\n");
        assert_true(o.res.in_written > 0);
        assert_true(o.res.in_written < RUNNER_STDIN_MAX);
        assert_true(o.res.duration_ms >= 1000);
        assert_true(o.res.duration_ms < 2500);
        assert_true(wait_group_gone(pid, 1000));
        outcome_clear(&o);
        free(data);
        assert_false(sigpipe_blocked_or_pending());
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_runner_reports_exit_codes_and_argv, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_runner_hang_times_out_with_sigterm, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_runner_sigkills_an_agent_ignoring_sigterm,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_runner_flood_keeps_memory_bounded, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(
                        test_runner_orphan_holding_pipes_is_killed_within_bound, setup, teardown),
                cmocka_unit_test_setup_teardown(test_runner_keeps_last_exit_reason, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_runner_child_gets_only_the_built_environment,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_runner_rejects_missing_and_unexecutable_agents,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_runner_reports_exec_failure_in_child, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_runner_cancel_kills_group_without_callback,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_runner_free_while_running_kills_and_reaps,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_runner_free_inside_callback_and_parallel_runs,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_runner_needs_sigchld_blocked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_runner_feeds_stdin_without_arguments, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_runner_survives_agent_that_never_reads_stdin,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_runner_times_out_while_still_writing_stdin,
                                                setup, teardown),
        };
        sigset_t ss;

        /* As in bladed: sd_event_add_child needs SIGCHLD blocked. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
