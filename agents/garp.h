/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Gratuitous ARP over an AF_PACKET socket: tells the switch and every
 * neighbour that an IPv4 address now lives behind this interface's MAC.
 * Returns 0 or a negative errno.
 */
#pragma once

#include <stdint.h>

#include "nl.h"

/* Opens a packet socket for ARP on link->ifindex. */
int garp_open(const NlLink *link);

/* One round: an ARP request and an ARP reply, both with sender and target
 * protocol address = ip (network order), broadcast.  Some switches and
 * older stacks only learn from one of the two kinds, so both are sent
 * (as arping -U and -A would). */
int garp_send(int fd, const NlLink *link, uint32_t ip);
