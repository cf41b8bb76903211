/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bladed/util.h"
#include "persist.h"

static void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

int persist_prepare(const char *dir) {
        struct stat st;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        if (stat(dir, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (access(dir, W_OK | X_OK) < 0)
                return -errno;
        return 0;
}

static int write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Temp file beside the target, write, mode, fsync, rename, fsync the
 * directory: a reader sees the old file or the new one, never half, and a
 * power cut after the return keeps the new one. */
static int write_into(const char *dir, const char *path, const char *buf, size_t len, mode_t mode) {
        _cleanup_(freep) char *tmp = NULL;
        _cleanup_(closep) int fd = -1, dfd = -1;
        int r;

        if (asprintf(&tmp, "%s/.bladed.XXXXXX", dir) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = write_all(fd, buf, len);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        /* The data must be on disk before the name points at it. */
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        /* And the rename itself must survive a power cut. */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (fsync(dfd) < 0)
                return -errno;
        return 0;
}

int persist_write(const char *dir, const char *name, const char *buf, size_t len) {
        _cleanup_(freep) char *path = NULL;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        return write_into(dir, path, buf, len, 0600);
}

int persist_replace_file(const char *path, const char *buf, size_t len) {
        _cleanup_(freep) char *real = NULL, *dir = NULL;
        struct stat st;
        mode_t mode = 0644;

        real = realpath(path, NULL);
        if (!real)
                return -errno;
        if (stat(real, &st) == 0)
                mode = st.st_mode & 07777;
        dir = strdup(real);
        if (!dir)
                return -ENOMEM;
        return write_into(dirname(dir), real, buf, len, mode);
}

int persist_read_file(const char *path, size_t max, char **ret, size_t *ret_len) {
        _cleanup_(closep) int fd = -1;
        _cleanup_(freep) char *buf = NULL;
        struct stat st;
        size_t size = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        if ((uint64_t)st.st_size > max)
                return -EFBIG;
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (size <= (size_t)st.st_size) {
                ssize_t n = read(fd, buf + size, (size_t)st.st_size + 1 - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t)n;
        }
        if (size > (size_t)st.st_size)
                return -EFBIG; /* grew while we read it */
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = size;
        return 0;
}
