/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for resources.xml: config_parse, config_check_nodes and
 * the epoch helpers on arbitrary bytes.  Besides "no crash, no leak", it
 * checks what must hold for any input:
 *   - success means a Config, no error, and every index in range;
 *   - failure means at least one error message;
 *   - a document refused by the RelaxNG schema alone means our own walk
 *     missed a structural rule (its messages are the precise ones), so it
 *     traps; see merge_schema_diags() in config_xml.c;
 *   - config_set_epoch gives a document whose epoch reads back, and which
 *     parses to the same model when the input did.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/config.h"

static void check_indices(const Config *c) {
        for (size_t i = 0; i < c->n_resources; i++)
                if (c->resources[i].group != IDX_NONE && c->resources[i].group >= c->n_groups)
                        __builtin_trap();
        for (size_t i = 0; i < c->n_groups; i++)
                for (size_t j = 0; j < c->groups[i].n_members; j++)
                        if (c->groups[i].members[j] >= c->n_resources ||
                            c->resources[c->groups[i].members[j]].group != i)
                                __builtin_trap();
        for (size_t i = 0; i < c->n_locations; i++) {
                const Location *l = &c->locations[i];
                if ((l->rsc_idx == IDX_NONE) == (l->group_idx == IDX_NONE) ||
                    (l->rsc_idx != IDX_NONE && l->rsc_idx >= c->n_resources) ||
                    (l->group_idx != IDX_NONE && l->group_idx >= c->n_groups) ||
                    l->score < -SCORE_INFINITY || l->score > SCORE_INFINITY)
                        __builtin_trap();
        }
        for (size_t i = 0; i < c->n_colocations; i++) {
                const Colocation *co = &c->colocations[i];
                if ((co->rsc_idx == IDX_NONE) == (co->rsc_group_idx == IDX_NONE) ||
                    (co->with_idx == IDX_NONE) == (co->with_group_idx == IDX_NONE))
                        __builtin_trap();
        }
        for (size_t i = 0; i < c->n_orders; i++) {
                const Order *o = &c->orders[i];
                if ((o->first_idx == IDX_NONE) == (o->first_group_idx == IDX_NONE) ||
                    (o->then_idx == IDX_NONE) == (o->then_group_idx == IDX_NONE))
                        __builtin_trap();
        }
        for (size_t i = 0; i < c->n_resources; i++)
                for (size_t j = 0; j < c->resources[i].n_ops; j++)
                        if (c->resources[i].ops[j].timeout_ms == 0)
                                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const names[] = {"blade1", "blade2", "blade3"};
        const char *buf = (const char *)data;
        DiagList d = {0};
        Config *c = NULL;
        int r;

        if (size > CONFIG_MAX_SIZE)
                return 0;
        r = config_parse(buf, size, &c, &d);
        if (r == 0) {
                if (!c || d.n_errors > 0)
                        __builtin_trap();
                check_indices(c);
                config_check_nodes(c, names, 3, &d);
        } else if (r == -EINVAL) {
                size_t schema_only = 0;
                if (c || d.n_errors == 0)
                        __builtin_trap();
                for (size_t i = 0; i < d.n; i++)
                        if (d.items[i].level == DIAG_ERROR &&
                            strncmp(d.items[i].msg, "schema: ", 8) == 0)
                                schema_only++;
                if (schema_only > 0 && schema_only == d.n_errors)
                        __builtin_trap();
        }
        diag_clear(&d);

        uint64_t epoch;
        char *out = NULL;
        size_t out_len = 0;
        if (config_set_epoch(buf, size, 4242, &out, &out_len) == 0) {
                if (config_get_epoch(out, out_len, &epoch) != 0 || epoch != 4242)
                        __builtin_trap();
                if (c) {
                        Config *c2 = NULL;
                        if (config_parse(out, out_len, &c2, &d) != 0 || c2->epoch != 4242 ||
                            c2->n_resources != c->n_resources ||
                            c2->n_locations != c->n_locations || c2->n_orders != c->n_orders)
                                __builtin_trap();
                        config_free(c2);
                        diag_clear(&d);
                }
                free(out);
        }
        config_get_epoch(buf, size, &epoch);
        config_free(c);
        return 0;
}
