/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ocf:bladed:vip - an IPv4 service address with gratuitous ARP.
 *
 * Everything goes through rtnetlink and one AF_PACKET socket: no ip(8),
 * no arping, no shell.  A monitor costs one exec, one address dump and one
 * link query, which is what makes a 1 s monitor cheap (doc/agents.rst has
 * the measured figures).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "garp.h"
#include "nl.h"
#include "ocf.h"

#define ARP_COUNT_MAX 100
#define ARP_INTERVAL_MAX_MS 10000

typedef struct {
        uint32_t ip;     /* network order */
        int prefixlen;   /* -1: derive from the subnet that holds ip */
        const char *nic; /* NULL: derive */
        unsigned arp_count;
        unsigned arp_interval_ms;
        bool arp_bg;
} VipConfig;

/* What one address dump says about ip. */
typedef struct {
        int want_ifindex; /* the configured nic, 0 when derived */
        uint32_t ip;
        int on_nic_ifindex;    /* ip found on the wanted nic (or anywhere if derived) */
        int elsewhere_ifindex; /* ip found on another interface */
        int subnet_ifindex;    /* longest other address whose subnet holds ip */
        int subnet_prefixlen;
} AddrScan;

static const OcfParam vip_params[] = {
        {.name = "ip",
         .required = true,
         .unique = true,
         .type = "string",
         .shortdesc = "IPv4 address",
         .longdesc = "The IPv4 service address to manage, as a dotted quad."},
        {.name = "cidr_netmask",
         .type = "integer",
         .shortdesc = "Prefix length",
         .longdesc = "Prefix length (0-32) the address is added with. When unset: the "
                     "prefix length of the interface address whose subnet holds ip, or 32 "
                     "when nic is given and no subnet on it holds ip."},
        {.name = "nic",
         .type = "string",
         .shortdesc = "Network interface",
         .longdesc = "Interface that carries the address. When unset: the interface that "
                     "already holds ip, else the one with the longest-prefix subnet "
                     "containing ip; no such interface makes start and validate-all "
                     "(OCF_CHECK_LEVEL=10) fail with 2 (invalid on this blade)."},
        {.name = "arp_count",
         .type = "integer",
         .def = "5",
         .shortdesc = "Gratuitous ARP rounds",
         .longdesc = "Rounds of gratuitous ARP (one request and one reply each) sent after "
                     "the address is added; 0 sends none. At most 100."},
        {.name = "arp_interval",
         .type = "integer",
         .def = "200",
         .shortdesc = "Milliseconds between ARP rounds",
         .longdesc = "Milliseconds between two gratuitous ARP rounds (1-10000). The first "
                     "round is always sent at once, before start returns."},
        {.name = "arp_bg",
         .type = "boolean",
         .def = "true",
         .shortdesc = "Send later ARP rounds in the background",
         .longdesc = "true: start returns after the first round and a detached child sends "
                     "the rest, stopping early if the address disappears. false: start "
                     "waits for every round."},
};

static const OcfAction vip_actions[] = {
        {"start", "20s", NULL, NULL},      {"stop", "20s", NULL, NULL},
        {"migrate_to", "20s", NULL, NULL}, {"migrate_from", "20s", NULL, NULL},
        {"monitor", "20s", "10s", "0"},    {"validate-all", "20s", NULL, NULL},
        {"meta-data", "5s", NULL, NULL},
};

static int parse_config(const OcfAgent *agent, VipConfig *cfg) {
        const char *ip = ocf_param("ip");
        const char *v;
        uint64_t n;
        struct in_addr a;

        *cfg = (VipConfig){.prefixlen = -1};
        /* OCF 1.1: a value that is wrong everywhere is 6 (ERR_CONFIGURED). */
        if (!ip) {
                ocf_exit_reason("parameter ip is required");
                return OCF_ERR_CONFIGURED;
        }
        if (inet_pton(AF_INET, ip, &a) != 1) {
                ocf_exit_reason("ip '%.64s' is not a dotted-quad IPv4 address", ip);
                return OCF_ERR_CONFIGURED;
        }
        cfg->ip = a.s_addr;
        if ((v = ocf_param("cidr_netmask"))) {
                if (ocf_parse_uint(v, 0, 32, &n) < 0) {
                        ocf_exit_reason("cidr_netmask '%.64s' is not a prefix length 0-32", v);
                        return OCF_ERR_CONFIGURED;
                }
                cfg->prefixlen = (int)n;
        }
        cfg->nic = ocf_param("nic");
        if (cfg->nic &&
            (strlen(cfg->nic) >= IF_NAMESIZE || strchr(cfg->nic, '/') || strchr(cfg->nic, ':'))) {
                ocf_exit_reason("nic '%.64s' is not an interface name", cfg->nic);
                return OCF_ERR_CONFIGURED;
        }
        v = ocf_param_or_default(agent, "arp_count");
        if (ocf_parse_uint(v, 0, ARP_COUNT_MAX, &n) < 0) {
                ocf_exit_reason("arp_count '%.64s' is not a number 0-%d", v, ARP_COUNT_MAX);
                return OCF_ERR_CONFIGURED;
        }
        cfg->arp_count = (unsigned)n;
        v = ocf_param_or_default(agent, "arp_interval");
        if (ocf_parse_uint(v, 1, ARP_INTERVAL_MAX_MS, &n) < 0) {
                ocf_exit_reason("arp_interval '%.64s' is not a number of ms 1-%d", v,
                                ARP_INTERVAL_MAX_MS);
                return OCF_ERR_CONFIGURED;
        }
        cfg->arp_interval_ms = (unsigned)n;
        v = ocf_param_or_default(agent, "arp_bg");
        if (ocf_parse_bool(v, &cfg->arp_bg) < 0) {
                ocf_exit_reason("arp_bg '%.64s' is not a boolean", v);
                return OCF_ERR_CONFIGURED;
        }
        return OCF_SUCCESS;
}

static uint32_t prefix_mask(int prefixlen) {
        return prefixlen <= 0 ? 0 : htonl(0xffffffffu << (32 - prefixlen));
}

static int scan_one(const NlAddr *addr, void *userdata) {
        AddrScan *scan = userdata;

        if (addr->local == scan->ip) {
                if (!scan->want_ifindex || addr->ifindex == scan->want_ifindex) {
                        if (!scan->on_nic_ifindex)
                                scan->on_nic_ifindex = addr->ifindex;
                } else {
                        scan->elsewhere_ifindex = addr->ifindex;
                }
                return 0;
        }
        if (scan->want_ifindex && addr->ifindex != scan->want_ifindex)
                return 0;
        if (addr->prefixlen < 32 &&
            (addr->local & prefix_mask(addr->prefixlen)) ==
                    (scan->ip & prefix_mask(addr->prefixlen)) &&
            (int)addr->prefixlen > scan->subnet_prefixlen) {
                scan->subnet_ifindex = addr->ifindex;
                scan->subnet_prefixlen = addr->prefixlen;
        }
        return 0;
}

/* Finds the nic and what the kernel holds.  Returns 0, -ENODEV when the
 * configured nic does not exist, or another negative errno. */
static int scan_addresses(NlSocket *nl, const VipConfig *cfg, NlLink *link, AddrScan *scan) {
        int r;

        *scan = (AddrScan){.ip = cfg->ip, .subnet_prefixlen = -1};
        memset(link, 0, sizeof(*link));
        if (cfg->nic) {
                r = nl_link_by_name(nl, cfg->nic, link);
                if (r < 0)
                        return r;
                scan->want_ifindex = link->ifindex;
        }
        r = nl_addr_dump(nl, scan_one, scan);
        if (r < 0)
                return r;
        if (!cfg->nic) {
                int ifindex = scan->on_nic_ifindex ? scan->on_nic_ifindex : scan->subnet_ifindex;
                if (ifindex) {
                        r = nl_link_by_index(nl, ifindex, link);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static const char *ip_str(uint32_t ip, char buf[static INET_ADDRSTRLEN]) {
        struct in_addr a = {.s_addr = ip};
        return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int open_netlink(NlSocket *nl) {
        int r = nl_open(nl);

        if (r < 0)
                ocf_exit_reason("cannot open rtnetlink socket: %s", strerror(-r));
        return r;
}

/* Monitor and probe share one answer: OCF 7 only when the address is
 * cleanly absent; present on a dead link is a failure (1) so the cluster
 * moves the address to a blade whose link works. */
static int vip_monitor(const OcfAgent *agent, const char *action) {
        char buf[INET_ADDRSTRLEN];
        VipConfig cfg;
        NlSocket nl;
        NlLink link;
        AddrScan scan;
        int r;

        r = parse_config(agent, &cfg);
        if (r != OCF_SUCCESS)
                return r;
        if (open_netlink(&nl) < 0)
                return OCF_ERR_GENERIC;
        r = scan_addresses(&nl, &cfg, &link, &scan);
        nl_close(&nl);
        if (r == -ENODEV)
                return OCF_NOT_RUNNING; /* no such nic here: cannot hold the address */
        if (r < 0) {
                ocf_exit_reason("rtnetlink query failed: %s", strerror(-r));
                return OCF_ERR_GENERIC;
        }
        if (!scan.on_nic_ifindex) {
                if (scan.elsewhere_ifindex) {
                        char name[IF_NAMESIZE] = "?";
                        if_indextoname((unsigned)scan.elsewhere_ifindex, name);
                        ocf_exit_reason("%s is on %s, not on %s", ip_str(cfg.ip, buf), name,
                                        cfg.nic);
                        return OCF_ERR_GENERIC;
                }
                return OCF_NOT_RUNNING;
        }
        if (!(link.flags & IFF_UP)) {
                ocf_exit_reason("%s is on %s but %s is down", ip_str(cfg.ip, buf), link.name,
                                link.name);
                return OCF_ERR_GENERIC;
        }
        if (!(link.flags & IFF_RUNNING)) {
                ocf_exit_reason("%s is on %s but %s has no carrier", ip_str(cfg.ip, buf), link.name,
                                link.name);
                return OCF_ERR_GENERIC;
        }
        return OCF_SUCCESS;
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static bool still_ours(const VipConfig *cfg, int ifindex) {
        AddrScan scan = {.want_ifindex = ifindex, .ip = cfg->ip, .subnet_prefixlen = -1};
        NlSocket nl;
        int r;

        if (nl_open(&nl) < 0)
                return false;
        r = nl_addr_dump(&nl, scan_one, &scan);
        nl_close(&nl);
        return r >= 0 && scan.on_nic_ifindex == ifindex;
}

/* Rounds 2..n.  The address must still be on the link: announcing it
 * after stop would pull traffic away from the blade that took it over.
 * The watch socket (subscribed before the first round) ends the rounds the
 * moment the address is deleted, even when a new start adds it back before
 * the next round; the dump before each round covers a deletion that
 * happened before the subscription. */
static void send_later_rounds(const VipConfig *cfg, const NlLink *link, int fd, NlSocket *watch) {
        for (unsigned i = 1; i < cfg->arp_count; i++) {
                if (watch->fd >= 0) {
                        if (nl_watch_deleted(watch, (int)cfg->arp_interval_ms, link->ifindex,
                                             cfg->ip) != 0)
                                return;
                } else {
                        sleep_ms(cfg->arp_interval_ms);
                }
                if (!still_ours(cfg, link->ifindex))
                        return;
                (void)garp_send(fd, link, cfg->ip);
        }
}

/* The background sender leaves the agent's process group and closes the
 * agent's stdout/stderr, so the resource manager neither waits for it nor
 * kills it together with the finished agent. */
static void spawn_sender(const VipConfig *cfg, const NlLink *link, int fd, NlSocket *watch) {
        pid_t pid = fork();

        if (pid < 0) {
                send_later_rounds(cfg, link, fd, watch); /* no child: do it inline */
                return;
        }
        if (pid > 0) {
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                return;
        }
        if (fork() != 0)
                _exit(0); /* grandchild is reparented: nobody has to reap it */
        setsid();
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
        }
        send_later_rounds(cfg, link, fd, watch);
        _exit(0);
}

static void announce(const VipConfig *cfg, const NlLink *link) {
        char buf[INET_ADDRSTRLEN];
        int fd, r;

        if (cfg->arp_count == 0)
                return;
        if (link->flags & IFF_NOARP) {
                ocf_log("%s has NOARP set: no gratuitous ARP sent", link->name);
                return;
        }
        fd = garp_open(link);
        if (fd < 0) {
                /* The address works without it; neighbours learn it on their
                 * next ARP query, so this is logged, not a failure. */
                ocf_log("no gratuitous ARP for %s on %s: %s", ip_str(cfg->ip, buf), link->name,
                        strerror(-fd));
                return;
        }
        NlSocket watch = {.fd = -1};
        if (cfg->arp_count > 1 && nl_open_watch(&watch) < 0)
                watch.fd = -1; /* fall back to sleeping and checking */
        r = garp_send(fd, link, cfg->ip);
        if (r < 0)
                ocf_log("gratuitous ARP on %s failed: %s", link->name, strerror(-r));
        if (cfg->arp_count > 1) {
                if (cfg->arp_bg)
                        spawn_sender(cfg, link, fd, &watch); /* returns in the parent only */
                else
                        send_later_rounds(cfg, link, fd, &watch);
        }
        nl_close(&watch);
        close(fd);
}

/* Local checks shared by start and validate-all level 10: returns
 * OCF_SUCCESS with link set, or an OCF error with the reason written. */
static int resolve_local(NlSocket *nl, const VipConfig *cfg, NlLink *link, AddrScan *scan) {
        char buf[INET_ADDRSTRLEN];
        int r = scan_addresses(nl, cfg, link, scan);

        /* OCF 1.1: 2 = invalid on this host (another blade may have the nic). */
        if (r == -ENODEV) {
                ocf_exit_reason("nic %s does not exist on this blade", cfg->nic);
                return OCF_ERR_ARGS;
        }
        if (r < 0) {
                ocf_exit_reason("rtnetlink query failed: %s", strerror(-r));
                return OCF_ERR_GENERIC;
        }
        if (!link->ifindex) {
                ocf_exit_reason("no interface has a subnet containing %s: set nic",
                                ip_str(cfg->ip, buf));
                return OCF_ERR_ARGS;
        }
        return OCF_SUCCESS;
}

static int vip_start(const OcfAgent *agent, const char *action) {
        char buf[INET_ADDRSTRLEN];
        VipConfig cfg;
        NlSocket nl;
        NlLink link;
        AddrScan scan;
        int r, prefixlen;

        r = parse_config(agent, &cfg);
        if (r != OCF_SUCCESS)
                return r;
        if (open_netlink(&nl) < 0)
                return OCF_ERR_GENERIC;
        r = resolve_local(&nl, &cfg, &link, &scan);
        if (r != OCF_SUCCESS)
                goto out;
        if (scan.elsewhere_ifindex && !scan.on_nic_ifindex) {
                ocf_exit_reason("%s is already on another interface than %s", ip_str(cfg.ip, buf),
                                link.name);
                r = OCF_ERR_GENERIC;
                goto out;
        }
        if (!(link.flags & IFF_UP)) {
                ocf_exit_reason("%s is down", link.name);
                r = OCF_ERR_GENERIC;
                goto out;
        }
        if (!scan.on_nic_ifindex) {
                prefixlen = cfg.prefixlen >= 0           ? cfg.prefixlen
                            : scan.subnet_prefixlen >= 0 ? scan.subnet_prefixlen
                                                         : 32;
                r = nl_addr_add(&nl, link.ifindex, cfg.ip, (uint8_t)prefixlen);
                if (r == -EPERM || r == -EACCES) {
                        ocf_exit_reason("not allowed to add %s to %s (needs CAP_NET_ADMIN)",
                                        ip_str(cfg.ip, buf), link.name);
                        r = OCF_ERR_PERM;
                        goto out;
                }
                if (r < 0 && r != -EEXIST) {
                        ocf_exit_reason("adding %s/%d to %s failed: %s", ip_str(cfg.ip, buf),
                                        prefixlen, link.name, strerror(-r));
                        r = OCF_ERR_GENERIC;
                        goto out;
                }
        }
        /* Announce even when the address was already there: re-announcing
         * an address this blade holds is always correct and helps after an
         * adoption. */
        nl_close(&nl);
        announce(&cfg, &link);
        return OCF_SUCCESS;
out:
        nl_close(&nl);
        return r;
}

static int vip_stop(const OcfAgent *agent, const char *action) {
        char buf[INET_ADDRSTRLEN];
        VipConfig cfg;
        NlSocket nl;
        NlLink link;
        AddrScan scan;
        int r;

        r = parse_config(agent, &cfg);
        if (r != OCF_SUCCESS)
                return r;
        if (open_netlink(&nl) < 0)
                return OCF_ERR_GENERIC;
        r = scan_addresses(&nl, &cfg, &link, &scan);
        if (r == -ENODEV) {
                r = OCF_SUCCESS; /* no nic, no address: already stopped */
                goto out;
        }
        if (r < 0) {
                ocf_exit_reason("rtnetlink query failed: %s", strerror(-r));
                r = OCF_ERR_GENERIC;
                goto out;
        }
        if (!scan.on_nic_ifindex) {
                r = OCF_SUCCESS; /* OCF: stop of a stopped instance succeeds */
                goto out;
        }
        r = nl_addr_del(&nl, scan.on_nic_ifindex, cfg.ip, 32);
        if (r < 0 && r != -EADDRNOTAVAIL) {
                ocf_exit_reason("removing %s from %s failed: %s", ip_str(cfg.ip, buf), link.name,
                                strerror(-r));
                r = r == -EPERM ? OCF_ERR_PERM : OCF_ERR_GENERIC;
                goto out;
        }
        /* OCF: stop succeeds only when nothing remains; check, don't trust. */
        r = scan_addresses(&nl, &cfg, &link, &scan);
        if (r < 0 || scan.on_nic_ifindex) {
                ocf_exit_reason("%s is still on %s after removal", ip_str(cfg.ip, buf), link.name);
                r = OCF_ERR_GENERIC;
                goto out;
        }
        r = OCF_SUCCESS;
out:
        nl_close(&nl);
        return r;
}

/* OCF 1.1: level 0 (the default) checks the parameters alone, so it can
 * run on a blade that will never host the address; level 10 also checks
 * this blade (the nic exists, or a subnet holds ip). */
static int vip_validate(const OcfAgent *agent, const char *action) {
        const char *level = getenv("OCF_CHECK_LEVEL");
        uint64_t lvl = 0;
        VipConfig cfg;
        NlSocket nl;
        NlLink link;
        AddrScan scan;
        int r;

        r = parse_config(agent, &cfg);
        if (r != OCF_SUCCESS)
                return r;
        if (level && *level && ocf_parse_uint(level, 0, 100, &lvl) < 0) {
                ocf_exit_reason("OCF_CHECK_LEVEL '%.16s' is not a number", level);
                return OCF_ERR_ARGS;
        }
        if (lvl < 10)
                return OCF_SUCCESS;
        if (open_netlink(&nl) < 0)
                return OCF_ERR_GENERIC;
        r = resolve_local(&nl, &cfg, &link, &scan);
        nl_close(&nl);
        return r;
}

/* An address cannot be in two places: "migrating" it is removing it here
 * (migrate_to) and adding it there (migrate_from), with the same gap as a
 * stop and a start.  It exists so that a group whose VM migrates live (a
 * VIP, then its VM) can move as a whole without restarting the VM; the
 * cluster runs migrate_from on the target with the same parameters. */
static const OcfHandler vip_handlers[] = {
        {"start", vip_start},           {"stop", vip_stop},       {"migrate_to", vip_stop},
        {"migrate_from", vip_start},    {"monitor", vip_monitor}, {"status", vip_monitor},
        {"validate-all", vip_validate},
};

int main(int argc, char **argv) {
        static const OcfAgent agent = {
                .name = "vip",
                .version = BLADED_VERSION,
                .shortdesc = "Virtual IPv4 address with gratuitous ARP",
                .longdesc = "Adds an IPv4 service address to a blade's interface with "
                            "rtnetlink and announces it with gratuitous ARP at once; the "
                            "monitor is one address dump, cheap enough for a 1 s interval. "
                            "stop removes the address and succeeds when it is already gone. "
                            "migrate_to/migrate_from are stop here and start there, so a "
                            "group with a live-migrating VM moves without a VM restart.",
                .params = vip_params,
                .n_params = sizeof(vip_params) / sizeof(vip_params[0]),
                .actions = vip_actions,
                .n_actions = sizeof(vip_actions) / sizeof(vip_actions[0]),
                .handlers = vip_handlers,
                .n_handlers = sizeof(vip_handlers) / sizeof(vip_handlers[0]),
        };

        /* A resource manager that dies mid-action must not kill us with
         * SIGPIPE while we report. */
        signal(SIGPIPE, SIG_IGN);
        return ocf_run(&agent, argc, argv);
}
