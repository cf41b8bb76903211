#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The harness itself, on corosync alone (no bladed needed).

Checks no DESIGN.md invariant directly: it checks the ground the other
scenarios stand on, namely that every fault the harness injects is the
fault corosync sees.  Three blades reach quorum; cutting a blade at the
switch leaves the other two quorate with two members and the cut one
inquorate; restoring the link brings all three back; SIGSTOP of a blade's
corosync looks like a dead blade to the others, SIGCONT brings it back;
and corosync's membership change is found in its log with a usable
timestamp (the reference point for the takeover figures).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, check, check_equal, figure, log, main, wait_until  # noqa: E402


def test_corosync_faults():
        """cut / restore / pause / resume as corosync sees them"""
        with Cluster(3, bladed=False, name="harness") as c:
                c.start()
                b1, b2, b3 = c.blades
                ids = [b.nodeid for b in c.blades]
                for b in c.blades:
                        check_equal(c.quorum(b), {"quorate": True, "members": ids},
                                    "quorum on %s after start" % b.name)

                t_cut = time.time()
                c.cut(b3)
                c.wait_corosync([b1, b2], timeout=15)
                wait_until(lambda: c.quorum(b3), lambda q: not q["quorate"], 15,
                           "the cut blade to lose quorum")
                t_ev = c.wait_membership_event(b1, t_cut)
                check(0 <= t_ev - t_cut < 10,
                      "membership change logged %.3fs after the cut" % (t_ev - t_cut))
                figure("corosync_detection_token%d_s" % c.token_ms, "%.2f" % (t_ev - t_cut), "s")

                c.restore(b3)
                c.wait_corosync(timeout=20)

                c.pause(b2)
                c.wait_corosync([b1, b3], timeout=15)
                c.resume(b2)
                c.wait_corosync(timeout=20)
                check(all(b.corosync.alive() for b in c.blades), "every corosync still runs")


def test_teardown_removes_everything():
        """namespaces and work dir are gone after the context ends"""
        with Cluster(2, bladed=False, name="teardown") as c:
                c.start_corosync(c.blades[0])
                prefix, workdir = c.prefix, c.workdir
                pid = c.blades[0].corosync.pid
        import subprocess
        ns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        check(prefix not in ns, "namespaces of %s left behind: %s" % (prefix, ns))
        check(os.environ.get("KEEP") or not os.path.exists(workdir),
              "work dir %s left behind" % workdir)
        check(not os.path.exists("/proc/%d" % pid), "corosync pid %d still alive" % pid)


if __name__ == "__main__":
        main([test_corosync_faults, test_teardown_removes_everything], bladed=False)
