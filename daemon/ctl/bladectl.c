/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bladectl: the admins' command line (see CLI.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define DEFAULT_SOCKET "/run/bladed/bladed.sock"
#define MAX_INPUT_FILE (64u << 20)

static const struct {
        const char *words; /* one or two command words */
        CtlFunc func;
        const char *usage;
} commands[] = {
        {"status", ctl_status, "status [--xml]"},
        {"config validate", ctl_config_validate, "config validate FILE [--nodes NODEFILE]"},
        {"config show", ctl_config_show, "config show"},
        {"config load", ctl_config_load, "config load FILE"},
        {"nodes validate", ctl_nodes_validate, "nodes validate FILE"},
        {"nodes corosync", ctl_nodes_corosync, "nodes corosync FILE [--cluster NAME]"},
        {"migrate", ctl_migrate, "migrate RES [NODE]"},
        {"unmigrate", ctl_unmigrate, "unmigrate RES"},
        {"standby", ctl_standby, "standby NODE"},
        {"online", ctl_online, "online NODE"},
        {"maintenance", ctl_maintenance, "maintenance on|off"},
        {"cleanup", ctl_cleanup, "cleanup RES [NODE]"},
        {"node add", ctl_node_add, "node add NAME IP [--number N]"},
        {"node remove", ctl_node_remove, "node remove NAME"},
        {"simulate", ctl_simulate,
         "simulate [--config F] [--state F] [--nodes F] [--fail NODE]... [--offline NODE]...\n"
         "           [--standby NODE]... [--now MS] [--fail-each]"},
        {"fence", ctl_fence, "fence NODE [--yes]"},
        {"check", ctl_check, "check"},
};

static void usage(FILE *out) {
        fprintf(out, "Usage: bladectl [--socket PATH] COMMAND [ARGS]\n\nCommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(out, "  %s\n", commands[i].usage);
        fprintf(out, "\nExit status: 0 done, 1 refused or failed, 2 bad usage or input, "
                     "3 no daemon.\n");
}

/* Does argv start with the words of cmd?  Returns how many it used, 0 if not. */
static int match_words(const char *words, int argc, char **argv) {
        char buf[64];
        int used = 0;

        snprintf(buf, sizeof(buf), "%s", words);
        for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                if (used >= argc || strcmp(argv[used], w) != 0)
                        return 0;
                used++;
        }
        return used;
}

int ctl_read_file(const char *path, size_t max, char **ret, size_t *ret_size) {
        FILE *f = fopen(path, "rb");
        char *buf = NULL;
        size_t size = 0, cap = 0, n;

        if (!f)
                return -errno;
        do {
                if (cap - size < 65536) {
                        cap = cap ? cap * 2 : 65536;
                        char *nb = realloc(buf, cap + 1);
                        if (!nb) {
                                free(buf);
                                fclose(f);
                                return -ENOMEM;
                        }
                        buf = nb;
                }
                n = fread(buf + size, 1, cap - size, f);
                size += n;
                if (size > max) {
                        free(buf);
                        fclose(f);
                        return -EFBIG;
                }
        } while (n > 0);
        if (ferror(f)) {
                int r = -EIO;
                free(buf);
                fclose(f);
                return r;
        }
        fclose(f);
        buf[size] = 0;
        *ret = buf;
        if (ret_size)
                *ret_size = size;
        return 0;
}

int main(int argc, char **argv) {
        CtlOptions o = {.socket_path = getenv("BLADED_SOCKET")};
        int i = 1;

        if (!o.socket_path || !*o.socket_path)
                o.socket_path = DEFAULT_SOCKET;
        (void)MAX_INPUT_FILE;

        /* Global options come before the command. */
        for (; i < argc && argv[i][0] == '-'; i++) {
                if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
                        o.socket_path = argv[++i];
                else if (strncmp(argv[i], "--socket=", 9) == 0)
                        o.socket_path = argv[i] + 9;
                else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        usage(stdout);
                        return CTL_EXIT_OK;
                } else if (strcmp(argv[i], "--version") == 0) {
                        printf("bladectl %s\n", BLADED_VERSION);
                        return CTL_EXIT_OK;
                } else {
                        fprintf(stderr, "bladectl: unknown option '%s'\n", argv[i]);
                        usage(stderr);
                        return CTL_EXIT_USAGE;
                }
        }
        if (i >= argc) {
                usage(stderr);
                return CTL_EXIT_USAGE;
        }
        for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
                int used = match_words(commands[c].words, argc - i, argv + i);
                if (used > 0)
                        /* argv[0] of the command is its last word, as getopt expects */
                        return commands[c].func(argc - i - used + 1, argv + i + used - 1, &o);
        }
        fprintf(stderr, "bladectl: unknown command '%s'\n", argv[i]);
        usage(stderr);
        return CTL_EXIT_USAGE;
}

int ctl_not_implemented(const char *command) {
        fprintf(stderr, "bladectl: '%s' is not implemented yet in this version\n", command);
        return CTL_EXIT_FAILED;
}
