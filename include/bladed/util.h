/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small pure helpers shared by the parsers: numbers, durations, scores,
 * names.  All return 0 on success or a negative errno:
 *   -EINVAL  not the expected syntax
 *   -ERANGE  syntax fine, value out of range
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* Hands ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _taken_ = (p);                                                       \
                (p) = NULL;                                                                        \
                _taken_;                                                                           \
        })

static inline void freep(void *p) {
        free(*(void **)p);
}

/* Decimal digits only (no sign, no blanks, no 0x); value <= max. */
int parse_uint64(const char *s, uint64_t max, uint64_t *ret);

/* "30", "30s", "500ms", "2m", "1h", "1d" -> milliseconds.  A bare number
 * means seconds (Pacemaker's rule).  Overflow -> -ERANGE. */
int parse_duration_ms(const char *s, uint64_t *ret);

/* "100", "-50", "+20", "INFINITY", "+INFINITY", "-INFINITY" (also "inf").
 * Finite values must lie strictly within +/-SCORE_INFINITY (-ERANGE). */
int parse_score(const char *s, int *ret);

/* "true/false/yes/no/on/off/1/0" (case-insensitive). */
int parse_bool(const char *s, bool *ret);

/* Dotted-quad IPv4, exactly four decimal octets without leading zeros
 * beyond "0" itself; stores network-order-independent host value. */
int parse_ipv4(const char *s, uint32_t *ret);

/* Writes a score as "INFINITY" / "-INFINITY" / decimal. buf >= 16. */
const char *score_to_string(int score, char *buf, size_t size);

/* Writes milliseconds as the shortest exact "Nms"/"Ns"/"Nm"/"Nh". buf >= 32 */
const char *duration_to_string(uint64_t ms, char *buf, size_t size);

/* strdup that accepts NULL. */
char *strdup_null(const char *s);

/* Frees a NULL-terminated array of malloc'd strings; accepts NULL; returns NULL. */
char **strv_free(char **v);

/* Bytes -> "FILE" safe printing: replace control characters with '?'
 * when echoing input in a message; returns a malloc'd string or NULL. */
char *str_printable(const char *s, size_t max_len);
