/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading the admin's input files for the offline commands: one place that
 * turns a read or parse failure into the message and exit status CLI.md
 * promises (FILE:LINE: message for every problem, exit 2 for bad input).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bladed/config.h"
#include "bladed/diag.h"
#include "bladed/nodes.h"
#include "bladed/util.h"
#include "ctl.h"

int ctl_usage_error(const char *usage) {
        fprintf(stderr, "Usage: bladectl %s\n", usage);
        return CTL_EXIT_USAGE;
}

void ctl_config_freep(Config **c) {
        config_free(*c);
}

void ctl_nodes_freep(NodeFile **f) {
        nodes_free(*f);
}

int ctl_read_input(const char *path, size_t max, char **buf, size_t *size) {
        int r = ctl_read_file(path, max, buf, size);

        if (r == -EFBIG) {
                fprintf(stderr, "%s: cannot read: larger than %zu MiB\n", path, max >> 20);
                return CTL_EXIT_USAGE;
        }
        if (r < 0) {
                fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-r));
                return CTL_EXIT_USAGE;
        }
        return 0;
}

int ctl_parse_outcome(const char *path, int r, DiagList *diag, const char *what) {
        diag_sort(diag);
        diag_print(diag, path, stderr);
        if (r == -ENOMEM) {
                fprintf(stderr, "%s: out of memory\n", path);
                return CTL_EXIT_FAILED;
        }
        if (r < 0) {
                if (diag->n_errors == 0)
                        fprintf(stderr, "%s: invalid %s\n", path, what);
                return CTL_EXIT_USAGE;
        }
        return 0;
}

int ctl_load_nodes(const char *path, NodeFile **ret) {
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(diag_clear) DiagList diag = {0};
        size_t size;
        int r;

        r = ctl_read_input(path, NODES_MAX_INPUT, &buf, &size);
        if (r != 0)
                return r;
        r = nodes_parse(buf, size, ret, &diag);
        return ctl_parse_outcome(path, r, &diag, "node file");
}

int ctl_parse_config(const char *path, const char *buf, size_t size, Config **ret) {
        _cleanup_(diag_clear) DiagList diag = {0};
        int r = config_parse(buf, size, ret, &diag);

        return ctl_parse_outcome(path, r, &diag, "configuration");
}

int ctl_load_config(const char *path, Config **ret) {
        _cleanup_(freep) char *buf = NULL;
        size_t size;
        int r = ctl_read_input(path, CONFIG_MAX_SIZE, &buf, &size);

        return r != 0 ? r : ctl_parse_config(path, buf, size, ret);
}
