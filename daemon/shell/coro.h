/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * corosync's cs_error_t (where CS_OK is 1) turned into -errno: the only
 * place that knows about cs_error_t values (STYLE.md).
 */
#pragma once

#include <unistd.h>

#include <corosync/corotypes.h>

int coro_errno(cs_error_t e);

/* For start-up calls only (they may block): runs expr while it answers
 * CS_ERR_TRY_AGAIN, 100 ms apart, at most CORO_TRY_AGAIN_MAX times;
 * yields -errno or 0. */
#define CORO_TRY_AGAIN_MAX 50
#define CORO_RETRY(expr)                                                                           \
        ({                                                                                         \
                cs_error_t _e;                                                                     \
                unsigned _n = 0;                                                                   \
                while ((_e = (expr)) == CS_ERR_TRY_AGAIN && _n++ < CORO_TRY_AGAIN_MAX)             \
                        usleep(100000);                                                            \
                coro_errno(_e);                                                                    \
        })
