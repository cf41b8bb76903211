/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"

/* Big enough for a full dump batch (the kernel fills up to ~32 KiB). */
#define NL_RECV_BUF 32768

typedef struct {
        struct nlmsghdr h;
        union {
                struct ifaddrmsg ifa;
                struct ifinfomsg ifi;
        };
        char attrs[128];
} NlRequest;

typedef struct {
        NlAddrFunc func;
        void *userdata;
} DumpCtx;

static int parse_addr(const struct nlmsghdr *h, void *userdata);

static int open_groups(NlSocket *s, uint32_t groups) {
        struct sockaddr_nl local = {.nl_family = AF_NETLINK, .nl_groups = groups};

        s->seq = 1;
        s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (s->fd < 0)
                return -errno;
        if (bind(s->fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
                int r = -errno;
                close(s->fd);
                s->fd = -1;
                return r;
        }
        return 0;
}

int nl_open(NlSocket *s) {
        return open_groups(s, 0);
}

int nl_open_watch(NlSocket *s) {
        return open_groups(s, RTMGRP_IPV4_IFADDR);
}

typedef struct {
        int ifindex;
        uint32_t local;
        bool deleted;
} WatchCtx;

static int watch_one(const NlAddr *addr, void *userdata) {
        WatchCtx *w = userdata;

        if (addr->ifindex == w->ifindex && addr->local == w->local)
                w->deleted = true;
        return 0;
}

int nl_watch_deleted(NlSocket *s, int timeout_ms, int ifindex, uint32_t local) {
        char buf[NL_RECV_BUF] __attribute__((aligned(4)));
        WatchCtx w = {.ifindex = ifindex, .local = local};
        DumpCtx ctx = {watch_one, &w};
        uint64_t now, end;
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
        end = now + (uint64_t)timeout_ms;
        while (now < end) {
                struct pollfd p = {.fd = s->fd, .events = POLLIN};
                int r = poll(&p, 1, (int)(end - now));
                if (r < 0 && errno != EINTR)
                        return -errno;
                if (r > 0) {
                        ssize_t got = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
                        int n = (int)got;
                        if (got < 0 && errno == ENOBUFS)
                                return -ENOBUFS;
                        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; got > 0 && NLMSG_OK(h, n);
                             h = NLMSG_NEXT(h, n))
                                if (h->nlmsg_type == RTM_DELADDR)
                                        parse_addr(h, &ctx);
                        if (w.deleted)
                                return 1;
                }
                clock_gettime(CLOCK_MONOTONIC, &ts);
                now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
        }
        return 0;
}

void nl_close(NlSocket *s) {
        if (s->fd >= 0)
                close(s->fd);
        s->fd = -1;
}

static void add_attr(NlRequest *req, unsigned short type, const void *data, size_t len) {
        struct rtattr *rta = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->h.nlmsg_len));

        rta->rta_type = type;
        rta->rta_len = (unsigned short)RTA_LENGTH(len);
        memcpy(RTA_DATA(rta), data, len);
        req->h.nlmsg_len = NLMSG_ALIGN(req->h.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Sends req and reads every answer to it; calls func per data message.
 * Returns the kernel's error (0 for an ACK or the end of a dump), or the
 * first non-zero value func returned. */
typedef int (*NlMsgFunc)(const struct nlmsghdr *h, void *userdata);

static int transact(NlSocket *s, NlRequest *req, NlMsgFunc func, void *userdata) {
        struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
        char buf[NL_RECV_BUF] __attribute__((aligned(4)));
        uint32_t seq = s->seq++;
        int stop = 0;

        req->h.nlmsg_seq = seq;
        if (sendto(s->fd, req, req->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
                return -errno;
        for (;;) {
                ssize_t got = recv(s->fd, buf, sizeof(buf), 0);
                int n = (int)got;
                if (got < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq != seq)
                                continue; /* a late answer to an earlier request */
                        if (h->nlmsg_type == NLMSG_DONE)
                                return stop;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                                        return -EBADMSG;
                                return e->error ? e->error : stop;
                        }
                        if (!stop && func)
                                stop = func(h, userdata);
                        if (!(h->nlmsg_flags & NLM_F_MULTI))
                                return stop;
                }
        }
}

static int parse_link(const struct nlmsghdr *h, void *userdata) {
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        NlLink *link = userdata;
        int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));

        if (h->nlmsg_type != RTM_NEWLINK || len < 0)
                return 0;
        memset(link, 0, sizeof(*link));
        link->ifindex = ifi->ifi_index;
        link->flags = ifi->ifi_flags;
        for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
                size_t alen = RTA_PAYLOAD(a);
                if (a->rta_type == IFLA_IFNAME && alen > 0) {
                        size_t n = alen < sizeof(link->name) ? alen : sizeof(link->name) - 1;
                        memcpy(link->name, RTA_DATA(a), n);
                        link->name[n] = 0;
                } else if (a->rta_type == IFLA_ADDRESS && alen <= sizeof(link->mac)) {
                        memcpy(link->mac, RTA_DATA(a), alen);
                        link->mac_len = (unsigned)alen;
                }
        }
        return 1;
}

static int link_get(NlSocket *s, int ifindex, const char *name, NlLink *ret) {
        NlRequest req = {
                .h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
                .h.nlmsg_type = RTM_GETLINK,
                .h.nlmsg_flags = NLM_F_REQUEST,
                .ifi.ifi_family = AF_UNSPEC,
                .ifi.ifi_index = ifindex,
        };
        int r;

        if (name) {
                size_t n = strlen(name);
                if (n == 0 || n >= IF_NAMESIZE)
                        return -ENODEV;
                add_attr(&req, IFLA_IFNAME, name, n + 1);
        }
        r = transact(s, &req, parse_link, ret);
        if (r < 0)
                return r;
        return r == 1 ? 0 : -ENODEV;
}

int nl_link_by_name(NlSocket *s, const char *name, NlLink *ret) {
        return link_get(s, 0, name, ret);
}

int nl_link_by_index(NlSocket *s, int ifindex, NlLink *ret) {
        return link_get(s, ifindex, NULL, ret);
}

static int parse_addr(const struct nlmsghdr *h, void *userdata) {
        const struct ifaddrmsg *ifa = NLMSG_DATA(h);
        const DumpCtx *ctx = userdata;
        int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifa));
        NlAddr addr = {.ifindex = (int)ifa->ifa_index, .prefixlen = ifa->ifa_prefixlen};
        bool have_local = false;

        /* RTM_DELADDR notifications have the same layout. */
        if ((h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR) ||
            ifa->ifa_family != AF_INET || len < 0)
                return 0;
        for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
                if (RTA_PAYLOAD(a) != 4)
                        continue;
                /* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the
                 * peer on point-to-point links, so LOCAL wins when present. */
                if (a->rta_type == IFA_LOCAL) {
                        memcpy(&addr.local, RTA_DATA(a), 4);
                        have_local = true;
                } else if (a->rta_type == IFA_ADDRESS && !have_local) {
                        memcpy(&addr.local, RTA_DATA(a), 4);
                }
        }
        return ctx->func(&addr, ctx->userdata);
}

int nl_addr_dump(NlSocket *s, NlAddrFunc func, void *userdata) {
        NlRequest req = {
                .h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
                .h.nlmsg_type = RTM_GETADDR,
                .h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                .ifa.ifa_family = AF_INET,
        };
        DumpCtx ctx = {func, userdata};

        return transact(s, &req, parse_addr, &ctx);
}

static int addr_change(NlSocket *s, int type, unsigned flags, int ifindex, uint32_t local,
                       uint8_t prefixlen) {
        NlRequest req = {
                .h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
                .h.nlmsg_type = (unsigned short)type,
                .h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags),
                .ifa.ifa_family = AF_INET,
                .ifa.ifa_prefixlen = prefixlen,
                .ifa.ifa_scope = RT_SCOPE_UNIVERSE,
                .ifa.ifa_index = (unsigned)ifindex,
        };

        add_attr(&req, IFA_LOCAL, &local, 4);
        if (type == RTM_NEWADDR) {
                add_attr(&req, IFA_ADDRESS, &local, 4);
                if (prefixlen < 31) {
                        uint32_t host = prefixlen ? 0xffffffffu >> prefixlen : 0xffffffffu;
                        uint32_t brd = local | htonl(host);
                        add_attr(&req, IFA_BROADCAST, &brd, 4);
                }
        }
        return transact(s, &req, NULL, NULL);
}

int nl_addr_add(NlSocket *s, int ifindex, uint32_t local, uint8_t prefixlen) {
        return addr_change(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, local, prefixlen);
}

int nl_addr_del(NlSocket *s, int ifindex, uint32_t local, uint8_t prefixlen) {
        return addr_change(s, RTM_DELADDR, 0, ifindex, local, prefixlen);
}
