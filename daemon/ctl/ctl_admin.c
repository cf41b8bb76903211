/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bladectl's admin commands (CLI.md): migrate, unmigrate, standby, online,
 * maintenance, cleanup, fence, node add, node remove.  Each is one request
 * to bladed; migrate and standby then watch `status --xml` (every 50 ms,
 * up to --wait seconds) until the outcome the admin asked for is there,
 * and say what happened (doc/procedure-migrate.rst).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bladed/config.h"
#include "bladed/config_admin.h"
#include "bladed/status_watch.h"
#include "bladed/util.h"
#include "ctl.h"

#define POLL_MS 50
#define DEFAULT_WAIT_SEC 120
#define MAX_WAIT_SEC 86400

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int usage(const char *u) {
        fprintf(stderr, "Usage: bladectl %s\n", u);
        return CTL_EXIT_USAGE;
}

/* The node file's rule for blade names (nodes.c), checked here so a typo
 * is exit 2 before anything is sent. */
static const char *check_blade_name(const char *s) {
        size_t n = strlen(s);

        if (n == 0)
                return "is empty";
        if (n > 63)
                return "is longer than 63 characters";
        for (size_t i = 0; i < n; i++) {
                char ch = s[i];
                bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                             (ch >= '0' && ch <= '9');
                if (i == 0 && !alnum)
                        return "must start with a letter or a digit";
                if (!alnum && ch != '-' && ch != '_')
                        return "may hold only letters, digits, '-' and '_'";
        }
        return NULL;
}

static int bad_blade(const char *what, const char *s) {
        const char *why = check_blade_name(s);
        _cleanup_(freep) char *q = NULL;

        if (!why)
                return 0;
        q = str_printable(s, 64);
        fprintf(stderr, "bladectl: %s '%s' %s\n", what, q ? q : "?", why);
        return CTL_EXIT_USAGE;
}

/* --wait SECONDS and --no-wait; returns -1 after a usage error. */
static int parse_wait(const char *s) {
        uint64_t v;

        if (parse_uint64(s, MAX_WAIT_SEC, &v) < 0) {
                fprintf(stderr, "bladectl: --wait takes whole seconds from 0 to %d\n",
                        MAX_WAIT_SEC);
                return -1;
        }
        return (int)v;
}

/* Sends a request with 1-3 arguments; 0 with the answer, else the exit
 * status (reason printed).  A refusal's reason goes to stderr here. */
static int send_change(const CtlOptions *o, int cmd, const char *a0, const char *a1, const char *a2,
                       CtlAnswer *ans) {
        CtlRequest q = {.command = (uint16_t)cmd};
        const char *args[] = {a0, a1, a2};
        int r;

        for (size_t i = 0; i < 3 && args[i]; i++)
                q.args[q.n_args++] = (CtlArg){args[i], strlen(args[i])};
        r = ctl_ask(o, &q, CTL_CHANGE_TIMEOUT_MS, ans);
        if (r != 0)
                return r;
        if (ans->status != CTL_EXIT_OK) {
                fprintf(stderr, "bladectl: %s\n", *ans->error ? ans->error : "refused");
                r = ans->status;
                ctl_answer_done(ans);
                return r;
        }
        return 0;
}

/* "ok epoch N" (a change replicated) or "unchanged epoch N: why". */
static bool answer_unchanged(const CtlAnswer *a, uint64_t *epoch) {
        unsigned long long e = 0;
        bool unchanged = strncmp(a->body, "unchanged", 9) == 0;

        if (sscanf(a->body, unchanged ? "unchanged epoch %llu" : "ok epoch %llu", &e) == 1)
                *epoch = e;
        return unchanged;
}

/* What `status --xml` says now; 0 or an exit status. */
static int fetch_status(const CtlOptions *o, StatusView *v) {
        _cleanup_(freep) char *xml = NULL;
        const char *why;
        size_t len;
        int r;

        r = ctl_query(o, CTL_CMD_STATUS, "xml", &xml, &len);
        if (r != 0)
                return r;
        r = status_view_read(xml, len, v, &why);
        if (r < 0) {
                fprintf(stderr, "bladectl: cannot read the status: %s\n", why ? why : "no memory");
                return CTL_EXIT_FAILED;
        }
        return 0;
}

/* The cluster's configuration, parsed (NULL when it cannot be had). */
static Config *fetch_config(const CtlOptions *o) {
        _cleanup_(freep) char *doc = NULL;
        _cleanup_(diag_clear) DiagList diag = {0};
        Config *c = NULL;
        size_t len;

        if (ctl_query(o, CTL_CMD_CONFIG_SHOW, NULL, &doc, &len) != 0)
                return NULL;
        if (config_parse(doc, len, &c, &diag) < 0)
                return NULL;
        return c;
}

/* ---- migrate / unmigrate ---- */

/* migrate's and standby's options: --wait SECONDS | --no-wait (-> 0).
 * 0, or the exit status of a usage error. */
static int parse_wait_options(int argc, char **argv, const char *u, int *wait_sec) {
        static const struct option options[] = {
                {"wait", required_argument, NULL, 'w'},
                {"no-wait", no_argument, NULL, 'n'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int opt;

        optind = 0;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                if (opt == 'w' && (*wait_sec = parse_wait(optarg)) < 0)
                        return CTL_EXIT_USAGE;
                else if (opt == 'n')
                        *wait_sec = 0;
                else if (opt != 'w')
                        return usage(u);
        }
        return 0;
}

int ctl_migrate(int argc, char **argv, const CtlOptions *o) {
        static const char u[] = "migrate RES [NODE] [--wait SECONDS | --no-wait]";
        _cleanup_(status_view_done) StatusView v = {0};
        _cleanup_(ctl_answer_done) CtlAnswer ans = {0};
        const char *rsc, *node, **watch = NULL, *where = NULL;
        char from[128] = "", why[512] = "", id[256];
        int wait_sec = DEFAULT_WAIT_SEC, r;
        Config *c = NULL;
        size_t n_watch = 1;
        uint64_t epoch = 0;
        int64_t t0, deadline;

        if ((r = parse_wait_options(argc, argv, u, &wait_sec)) != 0)
                return r;
        if (argc - optind < 1 || argc - optind > 2)
                return usage(u);
        rsc = argv[optind];
        node = argc - optind == 2 ? argv[optind + 1] : NULL;
        if (node && (r = bad_blade("blade name", node)) != 0)
                return r;

        /* Where it runs now, and what to watch (a group's members). */
        r = fetch_status(o, &v);
        if (r == CTL_EXIT_NO_DAEMON)
                return r;
        c = fetch_config(o);
        size_t g = c ? config_find_group(c, rsc) : IDX_NONE;
        if (g != IDX_NONE && c->groups[g].n_members > 0) {
                n_watch = c->groups[g].n_members;
                watch = calloc(n_watch, sizeof(char *));
                for (size_t k = 0; watch && k < n_watch; k++)
                        watch[k] = c->resources[c->groups[g].members[k]].id;
        } else {
                watch = calloc(1, sizeof(char *));
                if (watch)
                        watch[0] = rsc;
        }
        if (!watch) {
                config_free(c);
                fprintf(stderr, "bladectl: out of memory\n");
                return CTL_EXIT_FAILED;
        }
        if (r == 0) {
                const StatusRsc *sr = status_view_rsc(&v, watch[0]);
                if (sr && sr->node && strcmp(sr->role, "started") == 0)
                        snprintf(from, sizeof(from), "%s", sr->node);
        }

        t0 = now_ms();
        r = send_change(o, CTL_CMD_MIGRATE, rsc, node, NULL, &ans);
        if (r != 0)
                goto out;
        if (answer_unchanged(&ans, &epoch))
                fprintf(stderr, "bladectl: nothing to change: %s\n",
                        strchr(ans.body, ':') ? strchr(ans.body, ':') + 2 : ans.body);
        if (node)
                snprintf(id, sizeof(id), "preference cli-prefer-%s", rsc);
        else
                snprintf(id, sizeof(id), "ban cli-ban-%s-on-%s", rsc, *from ? from : "?");
        if (wait_sec == 0) {
                printf("%s: %s set (epoch %" PRIu64 "); not waiting for the move\n", rsc, id,
                       epoch);
                goto out;
        }

        deadline = t0 + (int64_t)wait_sec * 1000;
        for (;;) {
                WatchVerdict w;

                status_view_done(&v);
                r = fetch_status(o, &v);
                if (r != 0)
                        goto out;
                w = status_watch_moved(&v, watch, n_watch, node, node ? NULL : from, &where, why,
                                       sizeof(why));
                if (w == WATCH_DONE) {
                        double s = (double)(now_ms() - t0) / 1000.0;
                        if (*from && strcmp(from, where) != 0)
                                printf("%s: moved from %s to %s in %.2f s; %s stays until "
                                       "'bladectl unmigrate %s'\n",
                                       rsc, from, where, s, id, rsc);
                        else
                                printf("%s: runs on %s (%.2f s); %s stays until "
                                       "'bladectl unmigrate %s'\n",
                                       rsc, where, s, id, rsc);
                        r = CTL_EXIT_OK;
                        goto out;
                }
                if (w == WATCH_FAILED || now_ms() >= deadline) {
                        if (w == WATCH_FAILED)
                                fprintf(stderr, "bladectl: %s did not move: %s\n", rsc, why);
                        else
                                fprintf(stderr,
                                        "bladectl: %s has not moved after %d s (%s); the %s "
                                        "stays: 'bladectl unmigrate %s' drops it\n",
                                        rsc, wait_sec, why, id, rsc);
                        r = CTL_EXIT_FAILED;
                        goto out;
                }
                sleep_ms(POLL_MS);
        }
out:
        free(watch);
        config_free(c);
        return r;
}

int ctl_unmigrate(int argc, char **argv, const CtlOptions *o) {
        _cleanup_(ctl_answer_done) CtlAnswer ans = {0};
        uint64_t epoch = 0;
        int r;

        if (argc != 2 || argv[1][0] == '-')
                return usage("unmigrate RES");
        r = send_change(o, CTL_CMD_UNMIGRATE, argv[1], NULL, NULL, &ans);
        if (r != 0)
                return r;
        answer_unchanged(&ans, &epoch);
        printf("%s: preferences left by migrate removed (epoch %" PRIu64
               "); its own preferences and stickiness decide where it runs\n",
               argv[1], epoch);
        return CTL_EXIT_OK;
}

/* ---- standby / online ---- */

/* The resources node holds now: ids (pointers into v). */
static size_t held_on(const StatusView *v, const char *node, const char **ids, size_t max) {
        size_t n = 0;

        for (size_t i = 0; i < v->n_rscs && n < max; i++) {
                const StatusRsc *r = &v->rscs[i];
                for (size_t k = 0; k < r->n_on; k++)
                        if (r->on[k].node && strcmp(r->on[k].node, node) == 0 &&
                            (strcmp(r->on[k].role, "started") == 0 ||
                             strcmp(r->on[k].role, "migrating") == 0)) {
                                ids[n++] = r->id;
                                break;
                        }
        }
        return n;
}

int ctl_standby(int argc, char **argv, const CtlOptions *o) {
        static const char u[] = "standby NODE [--wait SECONDS | --no-wait]";
        _cleanup_(status_view_done) StatusView before = {0}, v = {0};
        _cleanup_(ctl_answer_done) CtlAnswer ans = {0};
        const char *node, *held[256];
        char why[512] = "";
        int wait_sec = DEFAULT_WAIT_SEC, r;
        size_t n_held = 0;
        uint64_t epoch = 0;
        int64_t t0, deadline;

        if ((r = parse_wait_options(argc, argv, u, &wait_sec)) != 0)
                return r;
        if (argc - optind != 1)
                return usage(u);
        node = argv[optind];
        if ((r = bad_blade("blade name", node)) != 0)
                return r;
        if (fetch_status(o, &before) == 0)
                n_held = held_on(&before, node, held, ELEMENTSOF(held));

        t0 = now_ms();
        r = send_change(o, CTL_CMD_STANDBY, node, NULL, NULL, &ans);
        if (r != 0)
                return r;
        if (answer_unchanged(&ans, &epoch))
                fprintf(stderr, "bladectl: nothing to change: %s is already on standby\n", node);
        if (wait_sec == 0) {
                printf("%s: standby set (epoch %" PRIu64 "); not waiting for it to drain\n", node,
                       epoch);
                return CTL_EXIT_OK;
        }
        deadline = t0 + (int64_t)wait_sec * 1000;
        for (;;) {
                status_view_done(&v);
                r = fetch_status(o, &v);
                if (r != 0)
                        return r;
                WatchVerdict w = status_watch_drained(&v, node, why, sizeof(why));
                if (w == WATCH_DONE)
                        break;
                if (w == WATCH_FAILED || now_ms() >= deadline) {
                        fprintf(stderr, "bladectl: %s is on standby but not drained%s: %s\n", node,
                                w == WATCH_FAILED ? "" : " in time", why);
                        return CTL_EXIT_FAILED;
                }
                sleep_ms(POLL_MS);
        }
        double drained = (double)(now_ms() - t0) / 1000.0;
        /* What left may still be starting elsewhere: give it a while (the
         * drain is done; this only makes the list below say where). */
        int64_t settle = now_ms() + 30000 < deadline ? now_ms() + 30000 : deadline;
        for (;;) {
                size_t pending = 0;
                for (size_t i = 0; i < n_held; i++) {
                        const StatusRsc *r2 = status_view_rsc(&v, held[i]);
                        /* Still on its way (the status carries the plan):
                         * starting, migrating, a failed start being retried. */
                        pending += r2 && r2->role && strcmp(r2->role, "started") != 0 &&
                                   strcmp(r2->role, "stopped") != 0 &&
                                   strcmp(r2->role, "blocked") != 0 &&
                                   strcmp(r2->role, "unmanaged") != 0;
                }
                if (pending == 0 || now_ms() >= settle)
                        break;
                sleep_ms(POLL_MS);
                status_view_done(&v);
                if (fetch_status(o, &v) != 0)
                        break;
        }
        printf("%s: on standby, holds nothing (drained in %.2f s)%s\n", node, drained,
               n_held ? "; moved:" : "");
        for (size_t i = 0; i < n_held; i++) {
                const StatusRsc *r2 = status_view_rsc(&v, held[i]);
                if (r2 && r2->node && strcmp(r2->role, "started") == 0)
                        printf("  %s -> %s\n", held[i], r2->node);
                else if (r2 && r2->role && strcmp(r2->role, "blocked") == 0)
                        printf("  %s: blocked, no blade can take it (bladectl status says "
                               "why)\n",
                               held[i]);
                else
                        printf("  %s: %s\n", held[i], r2 && r2->role ? r2->role : "gone");
        }
        return CTL_EXIT_OK;
}

int ctl_online(int argc, char **argv, const CtlOptions *o) {
        _cleanup_(ctl_answer_done) CtlAnswer ans = {0};
        uint64_t epoch = 0;
        int r;

        if (argc != 2 || argv[1][0] == '-')
                return usage("online NODE");
        if ((r = bad_blade("blade name", argv[1])) != 0)
                return r;
        r = send_change(o, CTL_CMD_ONLINE, argv[1], NULL, NULL, &ans);
        if (r != 0)
                return r;
        if (answer_unchanged(&ans, &epoch))
                printf("%s: was not on standby; nothing changed\n", argv[1]);
        else
                printf("%s: online again (epoch %" PRIu64
                       "): it takes resources; they move back only where preferences outweigh "
                       "stickiness\n",
                       argv[1], epoch);
        return CTL_EXIT_OK;
}

/* ---- maintenance ---- */

int ctl_maintenance(int argc, char **argv, const CtlOptions *o) {
        _cleanup_(ctl_answer_done) CtlAnswer ans = {0};
        uint64_t epoch = 0;
        bool on;
        int r;

        if (argc != 2 || (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0))
                return usage("maintenance on|off");
        on = strcmp(argv[1], "on") == 0;
        r = send_change(o, CTL_CMD_MAINTENANCE, argv[1], NULL, NULL, &ans);
        if (r != 0)
                return r;
        if (answer_unchanged(&ans, &epoch))
                printf("maintenance mode was %s already; nothing changed\n", argv[1]);
        else if (on)
                printf("maintenance mode on (epoch %" PRIu64
                       "): bladed no longer starts, stops or moves resources; they stay where "
                       "they are until 'bladectl maintenance off'\n",
                       epoch);
        else
                printf("maintenance mode off (epoch %" PRIu64 "): bladed manages resources again\n",
                       epoch);
        return CTL_EXIT_OK;
}

/* ---- cleanup, fence, node add/remove: the daemon's answer is the output ---- */

static int print_answer(const CtlOptions *o, int cmd, const char *a0, const char *a1,
                        const char *a2) {
        _cleanup_(ctl_answer_done) CtlAnswer ans = {0};
        int r = send_change(o, cmd, a0, a1, a2, &ans);

        if (r != 0)
                return r;
        fputs(ans.body, stdout);
        if (ans.body_len && ans.body[ans.body_len - 1] != '\n')
                putchar('\n');
        return CTL_EXIT_OK;
}

int ctl_cleanup(int argc, char **argv, const CtlOptions *o) {
        int r;

        if (argc < 2 || argc > 3 || argv[1][0] == '-')
                return usage("cleanup RES [NODE]");
        if (argc == 3 && (r = bad_blade("blade name", argv[2])) != 0)
                return r;
        return print_answer(o, CTL_CMD_CLEANUP, argv[1], argc == 3 ? argv[2] : NULL, NULL);
}

int ctl_fence(int argc, char **argv, const CtlOptions *o) {
        static const char u[] = "fence NODE [--yes] [--status | --confirm-off]";
        static const struct option options[] = {
                {"yes", no_argument, NULL, 'y'},
                {"status", no_argument, NULL, 's'},
                {"confirm-off", no_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        bool yes = false, status_only = false, confirm = false;
        const char *node;
        char line[80];
        int opt, r;

        optind = 0;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "yh", options, NULL)) >= 0) {
                if (opt == 'y')
                        yes = true;
                else if (opt == 's')
                        status_only = true;
                else if (opt == 'c')
                        confirm = true;
                else
                        return usage(u);
        }
        if (argc - optind != 1 || (status_only && confirm))
                return usage(u);
        node = argv[optind];
        if ((r = bad_blade("blade name", node)) != 0)
                return r;
        if (confirm && !yes) {
                /* The cluster will restart that blade's VMs elsewhere on the
                 * admin's word alone: make the admin type the blade's name. */
                if (!isatty(STDIN_FILENO)) {
                        fprintf(stderr,
                                "bladectl: --confirm-off declares %s powered off; not on a "
                                "terminal, so say --yes\n",
                                node);
                        return CTL_EXIT_USAGE;
                }
                fprintf(stderr,
                        "Only if %s is REALLY off (powered down, pulled out): its resources are "
                        "restarted\non the other blades at once, and a VM running twice on shared "
                        "storage corrupts it.\nType the blade's name to confirm: ",
                        node);
                if (!fgets(line, sizeof(line), stdin) || strncmp(line, node, strlen(node)) != 0 ||
                    strcmp(line + strlen(node), "\n") != 0) {
                        fprintf(stderr, "bladectl: nothing confirmed\n");
                        return CTL_EXIT_FAILED;
                }
        } else if (!status_only && !confirm && !yes) {
                if (!isatty(STDIN_FILENO)) {
                        fprintf(stderr,
                                "bladectl: fence powers %s off now; not on a terminal, "
                                "so say --yes\n",
                                node);
                        return CTL_EXIT_USAGE;
                }
                fprintf(stderr,
                        "This powers %s off NOW through its fence device; whatever runs there "
                        "stops hard\nand restarts on the other blades.  Type yes to go on: ",
                        node);
                if (!fgets(line, sizeof(line), stdin) || strcmp(line, "yes\n") != 0) {
                        fprintf(stderr, "bladectl: not fenced\n");
                        return CTL_EXIT_FAILED;
                }
        }
        return print_answer(o, CTL_CMD_FENCE, node,
                            status_only ? "status"
                            : confirm   ? "confirm"
                                        : "off",
                            NULL);
}

int ctl_node_add(int argc, char **argv, const CtlOptions *o) {
        static const char u[] = "node add NAME IP [--number N]";
        static const struct option options[] = {
                {"number", required_argument, NULL, 'n'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *number = NULL;
        uint64_t v;
        uint32_t ip;
        int opt, r;

        optind = 0;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                if (opt == 'n')
                        number = optarg;
                else
                        return usage(u);
        }
        if (argc - optind != 2)
                return usage(u);
        if ((r = bad_blade("blade name", argv[optind])) != 0)
                return r;
        if (parse_ipv4(argv[optind + 1], &ip) < 0) {
                _cleanup_(freep) char *q = str_printable(argv[optind + 1], 64);
                fprintf(stderr, "bladectl: '%s' is not an IPv4 address (a.b.c.d)\n", q ? q : "?");
                return CTL_EXIT_USAGE;
        }
        if (number && parse_uint64(number, NODES_MAX_NUMBER, &v) < 0) {
                fprintf(stderr, "bladectl: --number takes a whole number from 0 to %d\n",
                        NODES_MAX_NUMBER);
                return CTL_EXIT_USAGE;
        }
        return print_answer(o, CTL_CMD_NODE_ADD, argv[optind], argv[optind + 1], number);
}

int ctl_node_remove(int argc, char **argv, const CtlOptions *o) {
        int r;

        if (argc != 2 || argv[1][0] == '-')
                return usage("node remove NAME");
        if ((r = bad_blade("blade name", argv[1])) != 0)
                return r;
        return print_answer(o, CTL_CMD_NODE_REMOVE, argv[1], NULL, NULL);
}
