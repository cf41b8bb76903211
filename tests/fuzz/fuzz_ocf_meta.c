/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the OCF meta-data parser: any input parses or is rejected with
 * an error, never a crash.  What parses is checked against a resource
 * (every required parameter missing must be an error), and its actions
 * must be findable by name.  A mismatch aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/diag.h"
#include "bladed/ocf_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
        if (!ok) {
                fprintf(stderr, "fuzz_ocf_meta: %s\n", what);
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DiagList diag = {0};
        OcfMeta *m = NULL;
        NvPair params[] = {{.name = "bogus_param", .value = "1"}};
        Resource r = {.id = "r",
                      .agent_class = "ocf",
                      .agent_provider = "fuzz",
                      .agent_type = "t",
                      .params = params,
                      .n_params = 1,
                      .line = 7};
        size_t required = 0;
        int k;

        k = ocf_meta_parse((const char *)data, size, &m, &diag);
        if (k == -ENOMEM)
                goto out;
        check(k == 0 || k == -EINVAL, "unexpected return value");
        check((k == 0) == (diag.n_errors == 0),
              "rejected without an error, or errors but accepted");
        check((k == 0) == (m != NULL), "result and return value disagree");
        if (k < 0)
                goto out;
        check(m->name && *m->name, "accepted without a name");
        for (size_t i = 0; i < m->n_actions; i++)
                check(ocf_meta_has_action(m, m->actions[i].name), "an action is not found by name");
        for (size_t i = 0; i < m->n_params; i++) {
                check(m->params[i].name && m->params[i].type, "a parameter without name or type");
                check(ocf_meta_find_param(m, m->params[i].name) == &m->params[i],
                      "a parameter is not found by name");
                required += m->params[i].required;
        }
        diag_clear(&diag);
        k = ocf_meta_check_resource(m, &r, &diag);
        if (k == -ENOMEM)
                goto out;
        check(diag.n_errors == required, "not one error per missing required parameter");
        check((k == -EINVAL) == (required > 0), "check result disagrees with its errors");
        for (size_t i = 0; i < diag.n; i++)
                check(diag.items[i].line == 7, "a message without the resource's line");
out:
        ocf_meta_free(m);
        diag_clear(&diag);
        return 0;
}
