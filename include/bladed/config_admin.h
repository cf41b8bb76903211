/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The admin commands that are configuration changes (CLI.md): migrate,
 * unmigrate, standby, online, maintenance.  Pure (core library): each takes
 * the current resources.xml text and returns the new text, or says why not.
 * The daemon submits the result like a `config load`; it replicates with a
 * new epoch.  Everything else in the document stays as it was, comments
 * and layout included (libxml2 writes an XML declaration and may normalise
 * quoting; the meaning never changes).
 *
 * What the edits write (doc/procedures-migrate.rst):
 *   migrate RES NODE  <location id="cli-prefer-RES" rsc="RES" node="NODE" score="INFINITY"/>
 *   migrate RES       <location id="cli-ban-RES-on-CUR" rsc="RES" node="CUR" score="-INFINITY"/>
 *                     (CUR: the blade RES runs on now, which the caller knows)
 *   unmigrate RES     removes every cli-prefer-* / cli-ban-* location of RES
 *   standby NODE      <node name="NODE" standby="true"/> in <nodes>
 *   online NODE       removes the standby attribute (and a <node> left empty)
 *   maintenance on    <properties maintenance="true"/>; off: "false"
 * Each migrate replaces the cli-* location an earlier migrate of RES left:
 * a resource has at most one, so `unmigrate` undoes exactly one thing.
 * A group member cannot be migrated on its own (the group moves as one):
 * the error names the group to migrate instead.
 *
 * Returns 0 with ret->doc set, or:
 *   -EALREADY     nothing to do (ret->message says what is already so)
 *   -ENOENT       unknown resource, group or blade
 *   -ENODATA      unmigrate: no preference left by migrate
 *   -EINVAL       the request is wrong (a group member, bad blade name, no
 *                 blade to move away from)
 *   -EBUSY        migrate to a blade on standby
 *   -ENAMETOOLONG the location id would exceed the schema's 128 characters
 *   -EBADMSG      the current document does not parse, or the edited one
 *                 would not (message: the first problem)
 *   -ENOMEM
 * ret->message is set in every case (on success: what changed).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bladed/model.h"

#define CONFIG_ADMIN_MESSAGE_MAX 512
#define CONFIG_ADMIN_PREFER_PREFIX "cli-prefer-"
#define CONFIG_ADMIN_BAN_PREFIX "cli-ban-"

typedef struct ConfigAdminResult {
        char *doc; /* the new document, NUL-terminated; NULL unless 0 was returned */
        size_t doc_len;
        char message[CONFIG_ADMIN_MESSAGE_MAX];
} ConfigAdminResult;

/* Frees ret->doc; accepts a zeroed result. */
void config_admin_result_done(ConfigAdminResult *ret);

/* blades/n_blades: the node file's blade names, to refuse unknown ones
 * (NULL: names are only checked for syntax).  node NULL = move away from
 * current (NULL too: -EINVAL, the resource runs nowhere). */
int config_admin_migrate(const char *doc, size_t len, const char *rsc, const char *node,
                         const char *current, const char *const *blades, size_t n_blades,
                         ConfigAdminResult *ret);
int config_admin_unmigrate(const char *doc, size_t len, const char *rsc, ConfigAdminResult *ret);
/* standby = true: `standby NODE`; false: `online NODE`. */
int config_admin_standby(const char *doc, size_t len, const char *node, bool standby,
                         const char *const *blades, size_t n_blades, ConfigAdminResult *ret);
int config_admin_maintenance(const char *doc, size_t len, bool on, ConfigAdminResult *ret);

/* Was this location left by migrate?  0 no, 1 a preference (cli-prefer-*),
 * 2 a ban (cli-ban-*). */
int config_admin_location_kind(const Location *l);
