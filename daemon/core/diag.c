/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/diag.h"

int diag_add(DiagList *d, DiagLevel level, int line, const char *fmt, ...) {
        va_list ap;
        char *msg;
        Diag *items;

        va_start(ap, fmt);
        int r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        items = realloc(d->items, (d->n + 1) * sizeof(*items));
        if (!items) {
                free(msg);
                return -ENOMEM;
        }
        d->items = items;
        d->items[d->n++] = (Diag){.level = level, .line = line, .msg = msg};
        if (level == DIAG_ERROR)
                d->n_errors++;
        return 0;
}

void diag_sort(DiagList *d) {
        /* Insertion sort: stable, and lists are short. */
        for (size_t i = 1; i < d->n; i++) {
                Diag t = d->items[i];
                size_t j = i;
                while (j > 0 && d->items[j - 1].line > t.line) {
                        d->items[j] = d->items[j - 1];
                        j--;
                }
                d->items[j] = t;
        }
}

void diag_print(const DiagList *d, const char *file, FILE *out) {
        for (size_t i = 0; i < d->n; i++) {
                const Diag *e = &d->items[i];
                const char *w = e->level == DIAG_WARNING ? "warning: " : "";
                if (e->line > 0)
                        fprintf(out, "%s:%d: %s%s\n", file, e->line, w, e->msg);
                else
                        fprintf(out, "%s: %s%s\n", file, w, e->msg);
        }
}

void diag_clear(DiagList *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++)
                free(d->items[i].msg);
        free(d->items);
        *d = (DiagList){0};
}
