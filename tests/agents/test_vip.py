#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ocf:bladed:vip in a network namespace: the OCF conformance test, then
what is particular to a virtual IP - the derived nic and prefix, the
gratuitous ARPs seen on the wire (count, content, spacing, and none after
stop), monitor answers for a hand-removed address, a downed link and a
missing carrier, and the permission error.  Needs root (77 otherwise)."""

import os
import select
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agenttest as at  # noqa: E402

NET = 70
BASE = f"198.18.{NET}.1"
VIP = f"198.18.{NET}.10"
ETH_P_ARP = 0x0806
RTMGRP_IPV4_IFADDR = 0x10
RTM_NEWADDR = 20
SO_TIMESTAMPNS = 35


class Wire:
    """Listens on peer0 (the far end of eth0) for ARP (kernel time stamps)
    and on rtnetlink for new IPv4 addresses (stamped on wake-up); all times
    are time.time() seconds."""

    def __init__(self):
        self.arp = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
        self.arp.bind(("peer0", ETH_P_ARP))
        # Kernel receive stamps (CLOCK_REALTIME), so a busy test process
        # does not blur the figures.
        self.arp.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        self.nl.bind((0, RTMGRP_IPV4_IFADDR))
        self.packets = []   # (t, op, sender_mac, sender_ip, target_ip)
        self.addr_added = []

    def drain(self, secs):
        end = time.monotonic() + secs
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.arp, self.nl], [], [], left)
            now = time.time()
            if self.arp in r:
                frame, anc, _, _ = self.arp.recvmsg(2048, 64)
                stamp = now
                for level, ctype, data in anc:
                    if level == socket.SOL_SOCKET and ctype == SO_TIMESTAMPNS:
                        sec, nsec = struct.unpack("=qq", data[:16])
                        stamp = sec + nsec / 1e9
                arp = frame[14:42]
                if len(arp) == 28:
                    op = struct.unpack("!H", arp[6:8])[0]
                    self.packets.append((stamp, op, arp[8:14], socket.inet_ntoa(arp[14:18]),
                                         socket.inet_ntoa(arp[24:28])))
            if self.nl in r:
                data = self.nl.recv(65536)
                off = 0
                while off + 16 <= len(data):
                    length, mtype = struct.unpack_from("=IH", data, off)
                    if length < 16:
                        break
                    if mtype == RTM_NEWADDR:
                        self.addr_added.append(now)
                    off += (length + 3) & ~3

    def clear(self):
        self.drain(0.05)
        self.packets.clear()
        self.addr_added.clear()

    def close(self):
        self.arp.close()
        self.nl.close()


def addr_on(dev):
    p = at.sh("ip", "-4", "-o", "addr", "show", "dev", dev)
    return [line.split()[3] for line in p.stdout.splitlines()]


def mac_of(dev):
    with open(f"/sys/class/net/{dev}/address") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def inner():
    vip = at.agent_path("vip")
    ok = at.Checker()

    def run(action, interval_ms=0, **params):
        params.setdefault("ip", VIP)
        return at.run_agent(vip, action, params, interval_ms)

    # 1. Conformance, with the nic derived and with everything explicit.
    for extra in ([], ["--param", "nic=eth0", "--param", "cidr_netmask=32",
                       "--param", "arp_bg=false", "--param", "arp_count=2",
                       "--param", "arp_interval=50"]):
        rc = subprocess.run([sys.executable, at.CONFORMANCE, vip, "--param", f"ip={VIP}",
                             "--invalid-param", "ip=198.18.70.300",
                             "--invalid-param", "ip=198.18.70",
                             "--invalid-param", "cidr_netmask=33",
                             "--invalid-param", "arp_count=-1",
                             "--invalid-param", "arp_interval=0",
                             "--invalid-param", "arp_bg=maybe",
                             "--invalid-param", "nic=a/b"] + extra).returncode
        ok(rc == 0, f"conformance test {' '.join(extra) or '(derived nic)'}")

    # 2. Derived prefix and nic; explicit nic outside any subnet gets /32.
    rc = run("start")[0]
    ok(rc == 0 and f"{VIP}/24" in addr_on("eth0"), "start derives eth0 and /24",
       f"rc={rc} {addr_on('eth0')}")
    run("stop")
    ok(f"{VIP}/24" not in addr_on("eth0"), "stop removes it")
    rc = run("start", ip="198.18.71.5", nic="eth0")[0]
    ok(rc == 0 and "198.18.71.5/32" in addr_on("eth0"), "explicit nic outside subnets: /32",
       f"rc={rc} {addr_on('eth0')}")
    run("stop", ip="198.18.71.5", nic="eth0")
    rc, _, err, _ = run("start", ip="198.18.72.5")
    ok(rc == 2 and "ocf-exit-reason:" in err, "no subnet holds ip and no nic: start 2", err)
    rc, _, err, _ = run("validate-all", ip="198.18.72.5")
    ok(rc == 0, "... while validate-all level 0 still accepts it (OCF 1.1)", err)
    rc, _, err, _ = at.run_agent(vip, "validate-all", {"ip": "198.18.72.5"},
                                 extra={"OCF_CHECK_LEVEL": "10"})
    ok(rc == 2, "... and level 10 says 2", err)
    rc = run("monitor", nic="nosuch0")[0]
    ok(rc == 7, "monitor with a missing nic: 7", f"rc={rc}")
    rc = run("stop", nic="nosuch0")[0]
    ok(rc == 0, "stop with a missing nic: 0", f"rc={rc}")

    # 3. Gratuitous ARP on the wire.
    wire = Wire()
    mac = mac_of("eth0")
    try:
        wire.clear()
        env = {"OCF_RESKEY_ip": VIP, "OCF_RESKEY_arp_count": "5",
               "OCF_RESKEY_arp_interval": "200", "OCF_RESKEY_CRM_meta_timeout": "20000"}
        t0 = time.time()
        # Listen while start runs, so every stamp is taken as it happens.
        p = subprocess.Popen([vip, "start"], env=env, stderr=subprocess.PIPE, text=True)
        wire.drain(1.3)
        rc, err = p.wait(), p.stderr.read()
        ok(rc == 0, "start with arp_count=5", err)
        garps = [p for p in wire.packets if p[3] == VIP and p[4] == VIP]
        reqs = [p for p in garps if p[1] == 1]
        reps = [p for p in garps if p[1] == 2]
        ok(len(reqs) == 5 and len(reps) == 5, "5 ARP requests and 5 ARP replies, sender=target=ip",
           f"{len(reqs)} requests, {len(reps)} replies, {len(wire.packets)} ARP in all")
        ok(all(p[2] == mac for p in garps), "sender MAC is eth0's")
        if garps and wire.addr_added:
            first = garps[0][0]
            print(f"# start spawn -> first GARP: {(first - t0) * 1000:.2f} ms; "
                  f"address added -> first GARP: {(first - wire.addr_added[0]) * 1000:.2f} ms")
            ok(first - wire.addr_added[0] < 0.1, "first GARP within 100 ms of the address",
               f"{(first - wire.addr_added[0]) * 1000:.1f} ms")
        if len(reqs) == 5:
            gaps = [(b[0] - a[0]) * 1000 for a, b in zip(reqs, reqs[1:])]
            print("# gaps between rounds (ms): " + ", ".join(f"{g:.0f}" for g in gaps))
            ok(all(150 <= g <= 1000 for g in gaps), "rounds arp_interval apart (or a "
               "little more on a loaded machine)")
        run("stop")
        rc, _, err, secs = run("start", arp_count=5, arp_interval=400)
        ok(rc == 0 and secs < 1.0, f"start returns before the later rounds ({secs * 1000:.1f} ms"
           " for rounds spread over 1.6 s)")
        wire.drain(1.8)
        run("stop")

        # The foreground variant waits for every round.
        wire.clear()
        rc, _, err, secs = run("start", arp_count=3, arp_interval=100, arp_bg="false")
        wire.drain(0.2)
        n = len([p for p in wire.packets if p[3] == VIP])
        ok(rc == 0 and secs >= 0.19 and n == 6, f"arp_bg=false: start waits ({secs * 1000:.0f} ms)"
           f" and sends all rounds", f"rc={rc} {n} ARP")
        run("stop")

        # After stop, the background sender must not announce any more.
        wire.clear()
        run("start", arp_count=30, arp_interval=100)
        wire.drain(0.25)
        rc = run("stop")[0]
        t_stop = time.time()
        wire.drain(0.5)
        late = [p for p in wire.packets if p[0] > t_stop + 0.005]
        ok(rc == 0 and not late, "no gratuitous ARP after stop", f"{len(late)} late")

        # Stop then start again at once: the first start's sender must end
        # at the deletion, not carry on for the new incarnation.
        # (The first start's rounds are 1 s apart so that even on a loaded
        # machine the stop comes before its second round would.)
        wire.clear()
        run("start", arp_count=5, arp_interval=1000)
        run("stop")
        run("start", arp_count=5, arp_interval=200)
        wire.drain(1.6)
        run("stop")
        n = len([p for p in wire.packets if p[3] == VIP and p[1] == 1])
        ok(n == 6, "stop + start at once: 1 + 5 rounds, the old sender ended", f"{n} requests")

        # arp_count=0 sends nothing.
        wire.clear()
        run("start", arp_count=0)
        wire.drain(0.2)
        ok(not [p for p in wire.packets if p[3] == VIP], "arp_count=0 sends no ARP")
        run("stop")
    finally:
        wire.close()

    # 4. Monitor: removed behind its back, link down, no carrier, elsewhere.
    run("start")
    at.sh("ip", "addr", "del", f"{VIP}/24", "dev", "eth0")
    ok(run("monitor", 1000)[0] == 7, "address removed by hand: monitor 7")
    run("start")
    at.sh("ip", "link", "set", "eth0", "down")
    rc, _, err, _ = run("monitor", 1000)
    ok(rc == 1 and "down" in err, "eth0 down: monitor 1 with a reason", f"rc={rc} {err}")
    at.sh("ip", "link", "set", "eth0", "up")
    at.sh("ip", "link", "set", "peer0", "down")
    rc, _, err, _ = at.poll(lambda: run("monitor", 1000),
                            lambda v: v[0] == 1 and "carrier" in v[2])
    ok(rc == 1 and "carrier" in err, "no carrier: monitor 1 with a reason", f"rc={rc} {err}")
    at.sh("ip", "link", "set", "peer0", "up")
    rc = at.poll(lambda: run("monitor", 1000), lambda v: v[0] == 0)[0]
    ok(rc == 0, "carrier back: monitor 0", f"rc={rc}")
    run("stop")
    at.sh("ip", "link", "add", "eth1", "type", "veth", "peer", "name", "peer1")
    at.sh("ip", "addr", "add", f"{VIP}/32", "dev", "eth1")
    rc, _, err, _ = run("monitor", nic="eth0")
    ok(rc == 1, "ip on another interface than nic: monitor 1", f"rc={rc} {err}")
    rc, _, err, _ = run("start", nic="eth0")
    ok(rc == 1 and f"{VIP}/32" not in addr_on("eth0"), "... and start refuses to duplicate it",
       f"rc={rc} {err}")
    at.sh("ip", "link", "del", "eth1")

    # 5. Without CAP_NET_ADMIN: 4 (OCF_ERR_PERM).
    setpriv = subprocess.run(["which", "setpriv"], capture_output=True).returncode == 0
    if setpriv:
        env = {"OCF_RESKEY_ip": VIP, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "--inh-caps=-all", vip, "start"], env=env, capture_output=True,
                           text=True)
        ok(p.returncode == 4 and "ocf-exit-reason:" in p.stderr,
           "start without CAP_NET_ADMIN: 4", f"rc={p.returncode} {p.stderr}")
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "--inh-caps=-all", vip, "meta-data"], env={}, capture_output=True)
        ok(p.returncode == 0 and b"<resource-agent" in p.stdout, "meta-data works as nobody")
    return ok.done()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        sys.exit(inner())
    sys.exit(at.outer_main("vip", [sys.executable, os.path.abspath(__file__), "--inner"], NET))
