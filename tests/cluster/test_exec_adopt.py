#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A restarted bladed adopts what runs on its blade (issue 5, invariant 4).

3 blades; two ocf:test:statefile resources (tests/cluster/agents/statefile:
a state file per blade and a per-blade log of every start/stop/monitor
call) and one VIP with it.  The blade running "svc" (once blade1, the
coordinator; once blade3, a member) loses its daemon with kill -9
while its corosync keeps running (harness kill_bladed: SIGKILL of bladed
only), so the others see a daemon that disappeared without leaving
("lost").  Fencing is on and there is no fence device: per DESIGN.md
invariant 1 the lost blade's resources must not be started elsewhere until
it is fenced or back, and no fence can succeed here.  bladed restarts on
that blade: it probes, finds svc (and the VIP) running and adopts them.

Checks: across the whole run svc's agent began "start" exactly once on all
blades together (so it was neither restarted in place nor started twice);
after the restart a new probe of svc ran on that blade, status shows svc
started there with fail count 0; the VIP's address stayed on that blade
only; a sampler never sees anything on two blades.
Figure: bladed restart to every blade agreeing again with svc adopted.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, agent_calls, check, check_equal, config_xml,  # noqa: E402
                     failcount, figure, hold, log, main, primitive_xml, wait_until)


def test_adopt_coordinator():
        """kill -9 of the coordinator's bladed (svc runs there): adopted, started once"""
        adopt_after_kill9("blade1")


def test_adopt_member():
        """kill -9 of another blade's bladed (svc runs there): adopted, started once"""
        adopt_after_kill9("blade3")


def adopt_after_kill9(where):
        with Cluster(3, name="exec-adopt-" + where) as c:
                ip = c.net + ".101"
                sd = [("state_dir", c.agent_state_dir), ("fail_dir", c.agent_fail_dir)]
                c.set_initial_config(config_xml([
                        primitive_xml("svc", "ocf:test:statefile", sd, monitor="2s"),
                        primitive_xml("other", "ocf:test:statefile", sd, monitor="2s"),
                        primitive_xml("vip", "ocf:bladed:vip",
                                      [("ip", ip), ("cidr_netmask", "24"), ("nic", "eth0")],
                                      monitor="2s")],
                        fencing=True,
                        extra='  <constraints>\n'
                              '    <location id="svc-pref" rsc="svc" node="%s" score="500"/>\n'
                              '    <colocation id="vip-with-svc" rsc="vip" with-rsc="svc"'
                              ' score="INFINITY"/>\n'
                              '  </constraints>\n' % where))
                files = {"svc": c.statefile_paths("svc"), "other": c.statefile_paths("other")}
                c.start()
                sampler = c.start_sampler(vips=[ip], files=files)
                node = c.wait_placement("svc", timeout=60)
                check_equal(node, where, "svc's blade (its location preference)")
                other = c.wait_placement("other", timeout=60)
                check_equal(c.wait_placement("vip", timeout=60), node, "vip's blade (with svc)")
                check_equal(c.agent_count("svc", "start"), 1, "starts of svc before the kill")
                b = c.blade(node)
                log("svc and vip on %s, other on %s: killing bladed on %s" % (node, other, node))

                c.kill_bladed(b)
                t_kill = time.time()
                rest = [x for x in c.blades if x is not b]
                wait_until(lambda: [c.status(x)["nodes"][node]["state"] for x in rest],
                           lambda v: all(s not in ("online", "standby") for s in v), 20,
                           "the others to see %s's daemon gone" % node)
                check(b.corosync.alive(), "corosync on %s died with bladed" % node)
                # While it is away nothing of its may start elsewhere (fencing on,
                # no device): hold that for a few monitor intervals.
                hold(lambda: (c.file_holders(files["svc"]), c.vip_holders(ip)),
                     lambda v: v == ([node], [node]), 5,
                     "svc and vip only on %s while its daemon is away" % node)

                t_restart = time.time()
                c.start_bladed(b)
                c.wait_converged(timeout=30)
                wait_until(lambda: agent_calls(c.agent_log_path("svc", b), "probe", "E",
                                               t_restart), bool, 30,
                           "svc probed on %s after the restart" % node)
                check_equal(c.wait_placement("svc", timeout=30), node, "svc's blade after"
                            " the restart")
                t_adopted = time.time()
                figure("adopt_restart_to_agreed_s_" + where, "%.2f" % (t_adopted - t_restart), "s")
                check_equal(c.wait_placement("vip", timeout=30), node, "vip's blade")
                # Several monitor rounds later: still one start, nothing moved.
                wait_until(lambda: c.agent_count("svc", "monitor", b, since=t_adopted),
                           lambda n: n >= 2, 20, "svc monitored again on %s" % node)
                for rsc in ("svc", "vip", "other"):
                        st = c.status(b)
                        check_equal(failcount(st, rsc), 0, "%s's fail count" % rsc)
                check_equal(c.agent_count("svc", "start"), 1,
                            "starts of svc over the whole run (all blades)")
                check_equal(c.agent_count("svc", "stop"), 0, "stops of svc")
                check_equal(c.agent_count("other", "start"), 1, "starts of other")
                check_equal(c.placement("other"), other, "other's blade")
                check_equal(c.vip_holders(ip), [node], "blades holding the VIP")
                check(c.client_ping(ip, timeout=5), "the VIP does not answer after adoption")
                sampler.stop()
                sampler.check_exclusive()
                log("killed at %.2f, restarted %.2f s later, adopted %.2f s after that"
                    % (t_kill, t_restart - t_kill, t_adopted - t_restart))
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_adopt_coordinator, test_adopt_member])
