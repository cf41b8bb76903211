/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the node file parser.  Any input must parse or be rejected with
 * at least one error, never crash; what parses must survive the round
 * trip format -> parse unchanged, and its corosync nodelist must build.
 * A mismatch aborts: that is the finding.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/diag.h"
#include "bladed/nodes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
        if (!ok) {
                fprintf(stderr, "fuzz_nodes: %s\n", what);
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DiagList diag = {0};
        NodeFile *f = NULL, *g = NULL;
        char *text = NULL, *nodelist = NULL;
        int r;

        r = nodes_parse((const char *)data, size, &f, &diag);
        if (r == -ENOMEM)
                goto out;
        check(r == 0 || r == -EINVAL, "unexpected return value");
        check((r == 0) == (f != NULL), "result and return value disagree");
        check((r == 0) == (diag.n_errors == 0),
              "rejected without an error, or errors but accepted");
        for (size_t i = 0; i < diag.n; i++)
                check(diag.items[i].msg && diag.items[i].line >= 0, "malformed diagnostic");
        if (r < 0)
                goto out;

        /* What the file said beyond the table (unknown keys, repeated
         * keys) is gone after the rewrite; meaning warnings stay. */
        size_t n_warnings = diag.n;
        diag_clear(&diag);
        r = nodes_format(f, &text);
        check(r == 0, "a parsed table cannot be written");
        r = nodes_parse(text, strlen(text), &g, &diag);
        if (r != 0)
                diag_print(&diag, "formatted", stderr);
        check(r == 0, "the written text does not parse");
        check(diag.n <= n_warnings, "the written text gives more warnings than the input");
        check(nodes_equal(f, g), "round trip changed the table");

        for (size_t i = 0; i < f->n_clusters; i++) {
                r = nodes_corosync_nodelist(f, f->clusters[i].name, &nodelist);
                check(r == 0, "no nodelist for a parsed cluster");
                free(nodelist);
                nodelist = NULL;
        }
out:
        free(text);
        nodes_free(f);
        nodes_free(g);
        diag_clear(&diag);
        return 0;
}
