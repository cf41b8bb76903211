/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging for the shell (the core never logs).  Under journald (stderr is
 * the journal stream: $JOURNAL_STREAM matches it) every line goes through
 * sd_journal_send with fields: PRIORITY, MESSAGE, SYSLOG_IDENTIFIER=bladed,
 * NODE= (the blade the line is about, else ours), EPOCH=, RESOURCE=, OP=,
 * ERRNO= when known.  Otherwise one line on stderr:
 *   "2024-05-01 10:00:00.123 bladed[PID]: info: MESSAGE (node=blade2 epoch=7)"
 *
 * Every log_* call taking an error returns it, so a failure is logged and
 * returned in one step: return log_error_errno(l, r, "cannot ...");
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

typedef struct Log {
        int max_level;    /* LOG_ERR .. LOG_DEBUG */
        bool journal;     /* send to journald, not stderr */
        const char *node; /* our blade's name once known (borrowed) */
} Log;

typedef struct LogFields {
        const char *node; /* NULL: our blade */
        const char *resource;
        const char *op;
        bool has_epoch;
        uint64_t epoch;
} LogFields;

/* A token bucket for lines that untrusted input can trigger (dropped
 * messages, bad control clients): at most burst lines per interval. */
typedef struct RateLimit {
        uint64_t interval_us;
        unsigned burst;
        uint64_t begin_us;
        unsigned n;
        unsigned suppressed;
} RateLimit;

void log_setup(Log *l, int max_level);

/* "debug", "info", "notice", "warning", "err" (also "error"); -EINVAL. */
int log_level_from_string(const char *s);

/* Logs when level <= max_level; appends ": strerror(-error)" when error < 0.
 * Returns error. */
int log_emit(const Log *l, int level, int error, const LogFields *f, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

#define log_debug(l, ...) log_emit((l), LOG_DEBUG, 0, NULL, __VA_ARGS__)
#define log_info(l, ...) log_emit((l), LOG_INFO, 0, NULL, __VA_ARGS__)
#define log_notice(l, ...) log_emit((l), LOG_NOTICE, 0, NULL, __VA_ARGS__)
#define log_warning(l, ...) log_emit((l), LOG_WARNING, 0, NULL, __VA_ARGS__)
#define log_error(l, ...) log_emit((l), LOG_ERR, 0, NULL, __VA_ARGS__)
#define log_error_errno(l, r, ...) log_emit((l), LOG_ERR, (r), NULL, __VA_ARGS__)
#define log_warning_errno(l, r, ...) log_emit((l), LOG_WARNING, (r), NULL, __VA_ARGS__)
#define log_epoch(l, level, e, ...)                                                                \
        log_emit((l), (level), 0, &(LogFields){.has_epoch = true, .epoch = (e)}, __VA_ARGS__)
#define log_node(l, level, n, ...) log_emit((l), (level), 0, &(LogFields){.node = (n)}, __VA_ARGS__)

/* True when another line may be logged now; *suppressed gets how many were
 * swallowed since the last allowed one (to say so). */
bool ratelimit_below(RateLimit *rl, uint64_t now_us, unsigned *suppressed);
