/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
        [LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

/* systemd's rule: we write to the journal when stderr is the stream
 * journald gave us ($JOURNAL_STREAM = "DEV:INODE" of that stream). */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(Log *l, int max_level) {
        *l = (Log){.max_level = max_level, .journal = stderr_is_journal()};
}

int log_level_from_string(const char *s) {
        if (strcmp(s, "error") == 0)
                return LOG_ERR;
        for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
                if (strcmp(s, level_names[i]) == 0)
                        return i;
        return -EINVAL;
}

static void emit_journal(const Log *l, int level, int error, const LogFields *f, const char *msg) {
        char prio[32], epoch[48], err[32];
        char *node = NULL, *rsc = NULL, *op = NULL, *m = NULL;
        struct iovec iov[8];
        int n = 0;

        snprintf(prio, sizeof(prio), "PRIORITY=%d", level);
        iov[n++] = (struct iovec){prio, strlen(prio)};
        if (asprintf(&m, "MESSAGE=%s", msg) < 0)
                return;
        iov[n++] = (struct iovec){m, strlen(m)};
        iov[n++] = (struct iovec){(char *)"SYSLOG_IDENTIFIER=bladed", 24};
        const char *nd = f && f->node ? f->node : l->node;
        if (nd && asprintf(&node, "NODE=%s", nd) >= 0)
                iov[n++] = (struct iovec){node, strlen(node)};
        if (f && f->has_epoch) {
                snprintf(epoch, sizeof(epoch), "EPOCH=%" PRIu64, f->epoch);
                iov[n++] = (struct iovec){epoch, strlen(epoch)};
        }
        if (f && f->resource && asprintf(&rsc, "RESOURCE=%s", f->resource) >= 0)
                iov[n++] = (struct iovec){rsc, strlen(rsc)};
        if (f && f->op && asprintf(&op, "OP=%s", f->op) >= 0)
                iov[n++] = (struct iovec){op, strlen(op)};
        if (error < 0) {
                snprintf(err, sizeof(err), "ERRNO=%d", -error);
                iov[n++] = (struct iovec){err, strlen(err)};
        }
        sd_journal_sendv(iov, n);
        free(m);
        free(node);
        free(rsc);
        free(op);
}

static void emit_stderr(const Log *l, int level, const LogFields *f, const char *msg) {
        struct timespec ts;
        struct tm tm;
        char when[32], extra[256] = "";
        size_t k = 0;

        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        if (f && f->node)
                k += (size_t)snprintf(extra + k, sizeof(extra) - k, " node=%s", f->node);
        if (f && f->has_epoch && k < sizeof(extra))
                k += (size_t)snprintf(extra + k, sizeof(extra) - k, " epoch=%" PRIu64, f->epoch);
        if (f && f->resource && k < sizeof(extra))
                k += (size_t)snprintf(extra + k, sizeof(extra) - k, " resource=%s", f->resource);
        if (f && f->op && k < sizeof(extra))
                snprintf(extra + k, sizeof(extra) - k, " op=%s", f->op);
        /* One write per line, so concurrent daemons' lines never interleave. */
        fprintf(stderr, "%s.%03ld bladed[%d]: %s: %s%s%s%s\n", when, ts.tv_nsec / 1000000,
                (int)getpid(), level_names[level & 7], msg, extra[0] ? " (" : "",
                extra[0] ? extra + 1 : "", extra[0] ? ")" : "");
}

int log_emit(const Log *l, int level, int error, const LogFields *f, const char *fmt, ...) {
        char *msg = NULL, *full = NULL;
        va_list ap;

        if (level > l->max_level)
                return error;
        va_start(ap, fmt);
        int k = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (k < 0)
                return error;
        if (error < 0 && asprintf(&full, "%s: %s", msg, strerror(-error)) >= 0) {
                free(msg);
                msg = full;
        }
        if (l->journal)
                emit_journal(l, level, error, f, msg);
        else
                emit_stderr(l, level, f, msg);
        free(msg);
        return error;
}

bool ratelimit_below(RateLimit *rl, uint64_t now_us, unsigned *suppressed) {
        *suppressed = 0;
        if (rl->begin_us == 0 || now_us - rl->begin_us >= rl->interval_us) {
                *suppressed = rl->suppressed;
                rl->begin_us = now_us;
                rl->n = 0;
                rl->suppressed = 0;
        }
        if (rl->n < rl->burst) {
                rl->n++;
                return true;
        }
        rl->suppressed++;
        return false;
}
