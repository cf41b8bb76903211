/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Minimal rtnetlink client for the vip agent: one socket, synchronous
 * requests, IPv4 addresses and link attributes.  No fork of ip(8): a
 * monitor is one address dump and one link query.
 * Returns 0 or a negative errno; kernel errors are passed through
 * (-EEXIST address already there, -EADDRNOTAVAIL not there, -ENODEV no
 * such interface, -EPERM not allowed).
 */
#pragma once

#include <net/if.h>
#include <stdint.h>

typedef struct {
        int fd;
        uint32_t seq;
} NlSocket;

typedef struct {
        int ifindex;
        unsigned flags; /* IFF_UP, IFF_RUNNING, IFF_NOARP, ... */
        unsigned char mac[8];
        unsigned mac_len;
        char name[IF_NAMESIZE];
} NlLink;

typedef struct {
        int ifindex;
        uint32_t local; /* network byte order */
        uint8_t prefixlen;
} NlAddr;

/* Called per IPv4 address; a non-zero return stops the walk and is
 * returned by nl_addr_dump. */
typedef int (*NlAddrFunc)(const NlAddr *addr, void *userdata);

int nl_open(NlSocket *s);

/* A socket that receives the kernel's IPv4 address notifications. */
int nl_open_watch(NlSocket *s);

/* Waits up to timeout_ms on a watch socket.  Returns 1 as soon as local
 * is deleted from ifindex, 0 when the time is up, -ENOBUFS when
 * notifications were lost (the caller cannot know: treat as deleted). */
int nl_watch_deleted(NlSocket *s, int timeout_ms, int ifindex, uint32_t local);
void nl_close(NlSocket *s);

int nl_link_by_name(NlSocket *s, const char *name, NlLink *ret);
int nl_link_by_index(NlSocket *s, int ifindex, NlLink *ret);

int nl_addr_dump(NlSocket *s, NlAddrFunc func, void *userdata);

/* Adds local/prefixlen on ifindex with the subnet broadcast (prefix < 31). */
int nl_addr_add(NlSocket *s, int ifindex, uint32_t local, uint8_t prefixlen);

/* Removes local from ifindex whatever its prefix length. */
int nl_addr_del(NlSocket *s, int ifindex, uint32_t local, uint8_t prefixlen);
