/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics: a list of "LINE: message" problems found in an input file.
 *
 * Parsers never print; they append here and the caller prints each entry
 * as "FILE:LINE: message" (diag_print).  Line 0 means "the file as a whole".
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

typedef enum DiagLevel {
        DIAG_ERROR = 0,
        DIAG_WARNING,
} DiagLevel;

typedef struct Diag {
        DiagLevel level;
        int line;
        char *msg;
} Diag;

typedef struct DiagList {
        Diag *items;
        size_t n;
        size_t n_errors;
} DiagList;

/* Appends one entry; returns 0, or -ENOMEM (the entry is then lost but the
 * list stays valid). */
int diag_add(DiagList *d, DiagLevel level, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
#define diag_error(d, line, ...) diag_add((d), DIAG_ERROR, (line), __VA_ARGS__)
#define diag_warning(d, line, ...) diag_add((d), DIAG_WARNING, (line), __VA_ARGS__)

/* Stable sort by line (insertion order kept within one line). */
void diag_sort(DiagList *d);

/* "FILE:LINE: message" per entry ("FILE:LINE: warning: message" for
 * warnings); FILE:0 is printed as "FILE: message". */
void diag_print(const DiagList *d, const char *file, FILE *out);

void diag_clear(DiagList *d);
