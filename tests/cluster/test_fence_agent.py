#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""fence_bladens, the harness's fence agent, on real namespaces with corosync.

Checks the ground of invariant 4's tests (a blade that left uncleanly is
fenced before its resources start elsewhere): that "off" really powers a
blade off (no process left in its namespace, its links down, the others'
corosync sees it leave), that "status" tells the truth before and after,
that "on" brings the links back and the harness can boot the blade again
(fencing.power_on), that fail=always fails loudly without touching the
blade, that the agent never touches another blade or an unknown prefix,
and that it works from inside a blade with a private /run, as bladed runs
it.  Needs root (namespaces); skipped (77) otherwise.
"""
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fencing  # noqa: E402
from harness import Cluster, check, check_equal, figure, log, main, wait_until  # noqa: E402


def ns_pids(ns):
        r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
        if r.returncode != 0:
                raise RuntimeError("ip netns pids %s: %s" % (ns, r.stderr.strip()))
        return [int(p) for p in r.stdout.split()]


def links_up(ns):
        r = subprocess.run(["ip", "-n", ns, "-o", "link", "show"], capture_output=True,
                           text=True, check=True)
        up = []
        for line in r.stdout.splitlines():
                name = line.split(":")[1].strip().split("@")[0]
                flags = line[line.index("<") + 1:line.index(">")].split(",")
                if "UP" in flags:
                        up.append(name)
        return sorted(up)


def agent(stdin_lines, argv=(), timeout=30, wrap=()):
        return subprocess.run(list(wrap) + [fencing.agent_path()] + list(argv),
                              input="".join(l + "\n" for l in stdin_lines),
                              capture_output=True, text=True, timeout=timeout)


def test_metadata_and_refusals():
        """metadata is fence-agents XML; bad prefix/victim/action fail with a message"""
        r = agent(["action=metadata"])
        check_equal(r.returncode, 0, "metadata exit code")
        root = ET.fromstring(r.stdout)
        check_equal(root.tag, "resource-agent", "metadata root")
        check_equal(root.get("name"), "fence_bladens", "metadata name")
        names = {p.get("name") for p in root.iter("parameter")}
        check({"action", "netns_prefix", "plug", "fail", "delay_ms"} <= names,
              "metadata parameters: %s" % sorted(names))
        actions = {a.get("name") for a in root.iter("action")}
        check({"on", "off", "reboot", "status", "monitor", "metadata"} <= actions,
              "metadata actions: %s" % sorted(actions))
        # -o metadata on the command line, as `fence_x -o metadata`.
        check_equal(agent([], argv=["-o", "metadata"]).stdout, r.stdout, "command-line metadata")

        for lines, want in [
                (["action=status", "nodename=blade1"], "netns_prefix"),
                (["action=status", "netns_prefix=bl0000zz", "nodename=blade1"], "not found"),
                (["action=status", "netns_prefix=../x", "nodename=blade1"], "netns_prefix"),
                (["action=off", "netns_prefix=bl0000zz", "nodename=../sw"], "not a harness blade"),
                (["action=off", "netns_prefix=bl0000zz", "nodename=client"], "not a harness blade"),
                (["action=destroy", "netns_prefix=bl0000zz", "nodename=blade1"], "unknown action"),
        ]:
                r = agent(lines)
                check(r.returncode == 1, "%s: exit %d, want 1" % (lines, r.returncode))
                check(want in r.stderr, "%s: stderr %r lacks %r" % (lines, r.stderr, want))


def test_off_status_on():
        """off kills every process of the blade and downs its links; status tells; on"""
        with Cluster(2, bladed=False, name="fence-agent") as c:
                c.start()
                b1, b2 = c.blades
                check_equal(fencing.status(c, b1), fencing.STATUS_ON, "status of a running blade")
                r = fencing.run_agent(c, b1, "monitor")
                check_equal(r.returncode, 0, "monitor exit (%s)" % r.stderr.strip())
                others_before = ns_pids(b2.ns)
                check(b2.corosync.pid in others_before, "b2's corosync is in its namespace")
                victim_pid = b1.corosync.pid
                check(victim_pid in ns_pids(b1.ns), "b1's corosync is in its namespace")

                # A broken device: fails loudly, the blade keeps running.
                r = fencing.run_agent(c, b1, "off", fail=True)
                check_equal(r.returncode, 1, "off with fail=always")
                check("Failed: fail=always" in r.stderr, "failure message: %r" % r.stderr)
                check_equal(fencing.status(c, b1), fencing.STATUS_ON, "status after failed off")
                check(b1.corosync.alive(), "a failed fence leaves the blade running")

                fencing.expect_power_off(c, b1)
                t = time.monotonic()
                r = fencing.run_agent(c, b1, "off")
                took = time.monotonic() - t
                check_equal(r.returncode, 0, "off exit (%s)" % r.stderr.strip())
                figure("fence_bladens_off_s", "%.2f" % took, "s")
                check_equal(ns_pids(b1.ns), [], "processes left in the fenced blade")
                check_equal(links_up(b1.ns), [], "links up in the fenced blade")
                check_equal(b1.corosync.wait(5), -9, "b1's corosync died of SIGKILL")
                check_equal(fencing.status(c, b1), fencing.STATUS_OFF, "status after off")
                check(fencing.is_powered_off(c, b1), "is_powered_off after off")
                # Only the victim was touched.
                check(b2.corosync.alive(), "b2's corosync survived")
                check_equal(links_up(b2.ns), ["eth0", "lo"], "b2's links")
                check(set(others_before) <= set(ns_pids(b2.ns)), "b2's processes untouched")
                # b2 alone now: one of two votes, so inquorate, as after a real power cut.
                wait_until(lambda: c.quorum(b2), lambda q: q["members"] == [b2.nodeid], 15,
                           "b2's corosync to see b1 leave")

                # off again is idempotent; status with a delay takes the delay.
                check_equal(fencing.run_agent(c, b1, "off").returncode, 0, "second off")
                t = time.monotonic()
                r = fencing.run_agent(c, b1, "status", delay_ms=300)
                check_equal(r.returncode, 2, "status with delay_ms")
                check(time.monotonic() - t >= 0.3, "delay_ms was honoured")

                # on: links up (status on), and the harness boots it again.
                fencing.power_on(c, b1)
                check_equal(links_up(b1.ns), ["eth0", "lo"], "links after on")
                check_equal(fencing.status(c, b1), fencing.STATUS_ON, "status after on")
                c.wait_corosync(timeout=20)
                log("b1 back: corosync pid %d" % b1.corosync.pid)


def test_from_inside_a_blade_with_private_run():
        """as bladed runs it: inside a blade's namespace with a tmpfs on /run"""
        with Cluster(2, bladed=False, name="fence-inside") as c:
                c.start()
                b1, b2 = c.blades
                wrap = ["ip", "netns", "exec", b1.ns, "sh", "-c",
                        "mount -t tmpfs tmpfs /run && exec \"$0\" \"$@\""]
                base = ["netns_prefix=" + c.prefix, "nodename=" + b2.name, "plug=" + b2.name]
                r = agent(["action=status"] + base, wrap=wrap)
                check_equal(r.returncode, 0, "status of b2 from b1 (%s)" % r.stderr.strip())
                fencing.expect_power_off(c, b2)
                r = agent(["action=off"] + base, wrap=wrap)
                check_equal(r.returncode, 0, "off of b2 from b1 (%s)" % r.stderr.strip())
                check_equal(ns_pids(b2.ns), [], "processes left in b2")
                check(b1.corosync.alive(), "the fencing blade's corosync survived")
                r = agent(["action=status"] + base, wrap=wrap)
                check_equal(r.returncode, 2, "status of b2 from b1 after off")
                r = agent(["action=reboot"] + base, wrap=wrap)
                check_equal(r.returncode, 0, "reboot of b2 from b1 (%s)" % r.stderr.strip())
                check_equal(links_up(b2.ns), ["eth0", "lo"], "links after reboot")
                # A prefix that is not this run's touches nothing.
                r = agent(["action=off", "netns_prefix=" + c.prefix + "x", "nodename=blade1"],
                          wrap=wrap)
                check_equal(r.returncode, 1, "off under another prefix")
                check(b1.corosync.alive(), "b1 untouched by a foreign prefix")


if __name__ == "__main__":
        main([test_metadata_and_refusals, test_off_status_on,
              test_from_inside_a_blade_with_private_run], bladed=False)
