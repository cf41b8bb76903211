/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bladed: the cluster daemon, one per blade (CLI.md).  Parses the options,
 * hands over to the Manager (daemon/shell/manager.h).
 *
 * Without --foreground it forks after the options are read; the parent
 * waits until the child has finished start-up (files, corosync checks,
 * socket, group join) and exits with the child's start-up status, so a bad
 * file still gives exit 2 and its reason on the terminal.  Under systemd use
 * --foreground with Type=notify.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shell/manager.h"

static void usage(FILE *out) {
        fprintf(out,
                "Usage: bladed [--foreground] [--nodes FILE] [--config FILE] [--state-dir DIR]\n"
                "              [--socket PATH] [--ocf-root DIR]\n"
                "              [--log-level debug|info|notice|warning|err]\n"
                "              [--admin-group GROUP] [--socket-group GROUP] [--cluster NAME]\n"
                "              [--corosync-conf FILE]\n"
                "\n"
                "  --nodes FILE         OCFS2-style node file (/etc/ocfs2/cluster.conf)\n"
                "  --config FILE        configuration used when the state dir has none\n"
                "                       (/etc/bladed/resources.xml)\n"
                "  --state-dir DIR      replicated configuration and local state "
                "(/var/lib/bladed)\n"
                "  --socket PATH        control socket for bladectl (/run/bladed/bladed.sock)\n"
                "  --ocf-root DIR       OCF agents (%s)\n"
                "  --admin-group GROUP  who may change the cluster besides root (haclient)\n"
                "  --socket-group GROUP group of the control socket (the admin group)\n"
                "  --cluster NAME       the node file's cluster stanza, when it has several\n"
                "  --corosync-conf FILE corosync.conf whose nodelist node add/remove rewrites\n"
                "                       (/etc/corosync/corosync.conf)\n",
                BLADED_OCF_ROOT_DEFAULT);
}

static int bad_option(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad_option(const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "bladed: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, " (see bladed --help)\n");
        return MANAGER_EXIT_BAD_INPUT;
}

static int parse_options(int argc, char **argv, ManagerOptions *o) {
        enum {
                OPT_NODES = 0x100,
                OPT_CONFIG,
                OPT_STATE,
                OPT_SOCKET,
                OPT_OCF,
                OPT_LOGLEVEL,
                OPT_ADMIN,
                OPT_SOCKGROUP,
                OPT_CLUSTER,
                OPT_COROSYNC_CONF,
                OPT_VERSION
        };
        static const struct option options[] = {
                {"foreground", no_argument, NULL, 'f'},
                {"nodes", required_argument, NULL, OPT_NODES},
                {"config", required_argument, NULL, OPT_CONFIG},
                {"state-dir", required_argument, NULL, OPT_STATE},
                {"socket", required_argument, NULL, OPT_SOCKET},
                {"ocf-root", required_argument, NULL, OPT_OCF},
                {"log-level", required_argument, NULL, OPT_LOGLEVEL},
                {"admin-group", required_argument, NULL, OPT_ADMIN},
                {"socket-group", required_argument, NULL, OPT_SOCKGROUP},
                {"cluster", required_argument, NULL, OPT_CLUSTER},
                {"corosync-conf", required_argument, NULL, OPT_COROSYNC_CONF},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, OPT_VERSION},
                {},
        };
        int c, level;

        *o = (ManagerOptions){
                .nodes_path = "/etc/ocfs2/cluster.conf",
                .config_path = "/etc/bladed/resources.xml",
                .state_dir = "/var/lib/bladed",
                .socket_path = "/run/bladed/bladed.sock",
                .ocf_root = BLADED_OCF_ROOT_DEFAULT,
                .admin_group = "haclient",
                .corosync_conf_path = "/etc/corosync/corosync.conf",
                .log_level = LOG_INFO,
        };
        opterr = 0;
        while ((c = getopt_long(argc, argv, "fh", options, NULL)) >= 0) {
                switch (c) {
                case 'f':
                        o->foreground = true;
                        break;
                case OPT_NODES:
                        o->nodes_path = optarg;
                        break;
                case OPT_CONFIG:
                        o->config_path = optarg;
                        o->config_explicit = true;
                        break;
                case OPT_STATE:
                        o->state_dir = optarg;
                        break;
                case OPT_SOCKET:
                        o->socket_path = optarg;
                        break;
                case OPT_OCF:
                        o->ocf_root = optarg;
                        break;
                case OPT_LOGLEVEL:
                        level = log_level_from_string(optarg);
                        if (level < 0)
                                return bad_option("--log-level '%s': use debug, info, notice, "
                                                  "warning or err",
                                                  optarg);
                        o->log_level = level;
                        break;
                case OPT_ADMIN:
                        o->admin_group = optarg;
                        break;
                case OPT_SOCKGROUP:
                        o->socket_group = optarg;
                        break;
                case OPT_CLUSTER:
                        o->cluster_name = optarg;
                        break;
                case OPT_COROSYNC_CONF:
                        o->corosync_conf_path = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return -1;
                case OPT_VERSION:
                        printf("bladed %s\n", BLADED_VERSION);
                        return -1;
                case ':':
                        return bad_option("option '%s' needs a value", argv[optind - 1]);
                default:
                        return bad_option("unknown option '%s'", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return bad_option("unexpected argument '%s'", argv[optind]);
        for (const char *const *p = (const char *const[]){o->nodes_path, o->config_path,
                                                          o->state_dir, o->socket_path, o->ocf_root,
                                                          o->corosync_conf_path, NULL};
             *p; p++)
                if (!**p)
                        return bad_option("an empty path is not a path");
        if (o->state_dir[0] != '/' || o->socket_path[0] != '/')
                /* The daemon may chdir; relative paths would move with it. */
                return bad_option("--state-dir and --socket need absolute paths (got '%s')",
                                  o->state_dir[0] != '/' ? o->state_dir : o->socket_path);
        return 0;
}

/* Forks; the parent waits for the child's start-up status on a pipe and
 * exits with it.  Returns the write end in the child. */
static int background(void) {
        int p[2];
        pid_t pid;
        unsigned char status;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid > 0) {
                close(p[1]);
                ssize_t n = read(p[0], &status, 1);
                if (n == 1)
                        _exit(status);
                /* The child died before it could say: report how. */
                int ws = 0;
                waitpid(pid, &ws, 0);
                _exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : MANAGER_EXIT_FAILURE);
        }
        close(p[0]);
        setsid();
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                close(null);
        }
        return p[1];
}

static void tell_parent(int fd, int status) {
        unsigned char b = (unsigned char)status;
        if (fd >= 0) {
                (void)!write(fd, &b, 1);
                close(fd);
        }
}

int main(int argc, char **argv) {
        ManagerOptions opt;
        Manager m;
        int r, fd = -1;

        r = parse_options(argc, argv, &opt);
        if (r != 0)
                return r < 0 ? MANAGER_EXIT_OK : r;
        if (!opt.foreground) {
                fd = background();
                if (fd < 0) {
                        fprintf(stderr, "bladed: cannot fork: %s\n", strerror(-fd));
                        return MANAGER_EXIT_FAILURE;
                }
        }
        r = manager_start(&m, &opt);
        tell_parent(fd, r);
        if (r == 0)
                r = manager_run(&m);
        manager_free(&m);
        return r;
}
