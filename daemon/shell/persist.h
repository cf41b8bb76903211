/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state directory: the replicated configuration, written atomically so
 * that a crash at any instant leaves either the old or the new copy, never
 * a torn one (DESIGN.md "Configuration"): temp file in the same directory,
 * write, fsync, rename over the old name, fsync the directory.
 *
 * Errors: -errno of the failing call; -EFBIG when a file is larger than
 * asked; -ENOENT when it does not exist.
 */
#pragma once

#include <stddef.h>

#define PERSIST_CONFIG_NAME "resources.xml"

/* Creates dir (mode 0700) if missing; its parent must exist. */
int persist_prepare(const char *dir);

int persist_write(const char *dir, const char *name, const char *buf, size_t len);

/* Replaces a file an admin owns (the node file, corosync.conf) the same
 * atomic way, keeping its mode; a symlink is followed so it stays a link.
 * The file must exist.  0 or -errno. */
int persist_replace_file(const char *path, const char *buf, size_t len);

/* Reads a whole file (<= max bytes), NUL-terminated. */
int persist_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
