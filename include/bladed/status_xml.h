/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Status XML (CLI.md "bladectl status --xml"): written by the daemon for
 * `bladectl status --xml`, read back by `bladectl simulate --state FILE`.
 * Pure (core library).
 *
 * The document carries, beyond CLI.md's minimum, what the scheduler needs
 * to replay a situation: per resource and blade the known role, fail count,
 * last failure time and ban; the snapshot time.
 *
 *   <status epoch="7" quorate="true" coordinator="blade1" local="blade2" now="5000">
 *     <node name="blade1" id="1" state="online" probed="true"/>
 *     <resource id="vm-ldap" agent="ocf:bladed:vm" role="started" node="blade1" failcount="1">
 *       <on node="blade1" role="started" failcount="1" last-failure="4000"/>
 *       <on node="blade2" role="stopped" banned="true" rc="5" reason="xl not found"/>
 *     </resource>
 *     <preference rsc="vip-mx1" node="blade2" score="INFINITY" id="cli-prefer-vip-mx1"/>
 *     <ban rsc="vm-ldap" node="blade1" score="-INFINITY" id="cli-ban-vm-ldap-on-blade1"/>
 *   </status>
 *
 * Root: epoch (of the configuration), quorate, coordinator and local (blade
 * names, absent when none), now (snapshot time in ms, default 0).
 * <node>: state is online|standby|offline|lost|fenced; probed defaults to
 * true.  <resource>: role, node and failcount are derived (status_rsc_role)
 * and ignored when read.  <on>: one per blade where something is known;
 * role is unknown|stopped|started|failed|stop-failed|migrating; failcount,
 * last-failure (ms, snapshot time), banned, rc (last OCF exit code) and
 * reason (the agent's exit reason) default to 0, 0, false, none, none.  A
 * blade without <on> for a resource means: stopped there if the blade is
 * probed, unknown if not.  The writer leaves such defaults out.
 * <preference>/<ban>: the locations `bladectl migrate` left in the
 * configuration (config_admin.h), after the resources; the reader skips
 * them (the configuration is the source).
 */
#pragma once

#include <stddef.h>

#include "bladed/diag.h"
#include "bladed/scheduler.h"
#include "bladed/state.h"

/* Largest status document read (the daemon's are far smaller). */
#define STATUS_XML_MAX_SIZE (64u << 20)

/* Writes the status document of s (s->config must be set: its epoch is
 * written).  0 or -ENOMEM. */
int status_xml_write(const Snapshot *s, char **ret, size_t *ret_len);

/* The same, with the cluster-level roles derived with the current plan
 * (so "blocked", "starting" and "stopping" can show); plan may be NULL. */
int status_xml_write_plan(const Snapshot *s, const Plan *plan, char **ret, size_t *ret_len);

/* The same plus what the admin must know that the snapshot does not hold
 * (a failed fence, ...): one <alert> element per line, after the plan's
 * <note>s.  A blocked or waiting resource gets reason="..." from the plan;
 * the root gets fencing="false" when the configuration disables fencing. */
int status_xml_write_full(const Snapshot *s, const Plan *plan, const char *const *alerts,
                          size_t n_alerts, char **ret, size_t *ret_len);

/* Reads a status document into s, for the given configuration (resources
 * and blades are matched by name; unknown names are errors in diag).
 * 0, -EINVAL (diag says why), -ENOMEM. On success s is initialised
 * (snapshot_done frees it); blades are sorted by nodeid. */
int status_xml_read(const char *buf, size_t len, const Config *config, Snapshot *s, DiagList *diag);

/* CLI.md's cluster-level role of a resource: started, stopped, starting,
 * stopping, migrating, failed, unmanaged or blocked.  "blocked",
 * "starting" and "stopping" need the plan (NULL: never shown).  *ret_blade
 * (if not NULL) gets the blade to show with it, IDX_NONE for none. */
const char *status_rsc_role(const Snapshot *s, const Plan *plan, size_t rsc, size_t *ret_blade);
