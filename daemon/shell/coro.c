/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "coro.h"

int coro_errno(cs_error_t e) {
        switch (e) {
        case CS_OK:
                return 0;
        case CS_ERR_LIBRARY:
                /* What the libraries answer when corosync is not running. */
                return -ENOTCONN;
        case CS_ERR_VERSION:
                return -EPROTO;
        case CS_ERR_INIT:
                return -ENODATA;
        case CS_ERR_TIMEOUT:
                return -ETIMEDOUT;
        case CS_ERR_TRY_AGAIN:
                return -EAGAIN;
        case CS_ERR_INVALID_PARAM:
                return -EINVAL;
        case CS_ERR_NO_MEMORY:
                return -ENOMEM;
        case CS_ERR_BAD_HANDLE:
                return -EBADF;
        case CS_ERR_BUSY:
                return -EBUSY;
        case CS_ERR_ACCESS:
                return -EACCES;
        case CS_ERR_NOT_EXIST:
                return -ENOENT;
        case CS_ERR_NAME_TOO_LONG:
                return -ENAMETOOLONG;
        case CS_ERR_EXIST:
                return -EEXIST;
        case CS_ERR_NO_SPACE:
                return -ENOSPC;
        case CS_ERR_INTERRUPT:
                return -EINTR;
        case CS_ERR_NAME_NOT_FOUND:
                return -ENOENT;
        case CS_ERR_NO_RESOURCES:
                return -ENOBUFS;
        case CS_ERR_NOT_SUPPORTED:
                return -EOPNOTSUPP;
        case CS_ERR_BAD_OPERATION:
        case CS_ERR_FAILED_OPERATION:
                return -EIO;
        case CS_ERR_MESSAGE_ERROR:
                return -EBADMSG;
        case CS_ERR_QUEUE_FULL:
                return -ENOBUFS;
        case CS_ERR_QUEUE_NOT_AVAILABLE:
                return -ENOSR;
        case CS_ERR_BAD_FLAGS:
                return -EINVAL;
        case CS_ERR_TOO_BIG:
                return -E2BIG;
        case CS_ERR_NO_SECTIONS:
        case CS_ERR_CONTEXT_NOT_FOUND:
                return -ENOENT;
        case CS_ERR_TOO_MANY_GROUPS:
                return -EMFILE;
        case CS_ERR_SECURITY:
                return -EPERM;
        default:
                return -EIO;
        }
}
