/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/socket.h>

#include "garp.h"

typedef struct {
        struct arphdr h;
        unsigned char sha[ETH_ALEN];
        unsigned char spa[4];
        unsigned char tha[ETH_ALEN];
        unsigned char tpa[4];
} __attribute__((packed)) ArpPacket;

int garp_open(const NlLink *link) {
        int fd;

        if (link->mac_len != ETH_ALEN)
                return -EAFNOSUPPORT; /* not Ethernet: no ARP to send */
        fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
        return fd < 0 ? -errno : fd;
}

static int send_one(int fd, const NlLink *link, uint32_t ip, unsigned short op) {
        struct sockaddr_ll to = {
                .sll_family = AF_PACKET,
                .sll_protocol = htons(ETH_P_ARP),
                .sll_ifindex = link->ifindex,
                .sll_halen = ETH_ALEN,
                .sll_addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
        };
        ArpPacket p = {
                .h.ar_hrd = htons(ARPHRD_ETHER),
                .h.ar_pro = htons(ETH_P_IP),
                .h.ar_hln = ETH_ALEN,
                .h.ar_pln = 4,
                .h.ar_op = htons(op),
        };

        memcpy(p.sha, link->mac, ETH_ALEN);
        memcpy(p.spa, &ip, 4);
        memcpy(p.tpa, &ip, 4);
        /* RFC 5227 announcement: target hardware address zero in a request;
         * a gratuitous reply names the sender as target. */
        if (op == ARPOP_REPLY)
                memcpy(p.tha, link->mac, ETH_ALEN);
        if (sendto(fd, &p, sizeof(p), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
                return -errno;
        return 0;
}

int garp_send(int fd, const NlLink *link, uint32_t ip) {
        int r = send_one(fd, link, ip, ARPOP_REQUEST);
        int r2 = send_one(fd, link, ip, ARPOP_REPLY);

        return r < 0 ? r : r2;
}
