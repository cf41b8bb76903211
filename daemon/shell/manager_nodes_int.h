/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the two halves of hot-add / hot-remove: manager_nodes.c (the
 * admin's request on its origin blade) and manager_nodes_apply.c (files,
 * announcements, and the change every member applies in CPG order).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manager.h"

/* manager_nodes_apply.c */
/* Our node file from disk and its wire_digest. */
int manager_nodes_read(Manager *m, char **text, size_t *len, uint64_t *digest);
/* corosync.conf (--corosync-conf) with nf's nodelist; why for the admin. */
int manager_nodes_conf_for(Manager *m, const NodeFile *nf, char **ret, size_t *ret_len, char *why,
                           size_t why_size);
bool manager_nodes_is_member(const Manager *m, uint32_t nodeid, uint32_t pid);
const char *manager_nodes_name(Manager *m, uint32_t nodeid, char *buf, size_t size);
void manager_nodes_send(Manager *m, const WireNodes *n);
/* The digest (nodeid, pid) announced in the current view; false if none. */
bool manager_nodes_seen(Manager *m, uint32_t nodeid, uint32_t pid, uint64_t *digest);
void manager_nodes_announce(Manager *m);
/* nodes_change_check on our tables and the group's membership. */
int manager_nodes_verdict(Manager *m, const char *text, size_t len, NodeFile **nf, char **summary,
                          char **why);

/* manager_nodes.c */
/* Answers the admin's request (fmt NULL: success with body) and ends it. */
void manager_nodes_finish(Manager *m, CtlStatus status, const char *body, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* An ANNOUNCE arrived: multicast our CHANGE once every member's is in. */
void manager_nodes_send_change(Manager *m);
/* An ACK arrived: for our own change, one waiter fewer. */
void manager_nodes_ack(Manager *m, uint32_t nodeid, uint32_t pid, const WireNodes *n);
