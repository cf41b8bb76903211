#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A 2|1 partition with fencing (issue 6, invariant 2), 3 blades.

Fencing on; vip-mx1 (ocf:bladed:vip) and svc (ocf:test:statefile) prefer
blade3 (score 5000) and run there; a third resource, web (statefile), runs
on blade1 or blade2.  blade3's fence device waits 4 s before acting
(fence_bladens delay_ms=4000), so the minority has time to act alone.

harness partition([blade1, blade2], [blade3]):
- blade3 (minority, no quorum) stops its resources by itself: its VIP
  leaves its interface and svc's state file is removed (the statefile
  agent's stop, rc 0) BEFORE the majority's fence powers it off (the
  fence call's start + its 4 s delay, from the logged wrapper); blade3's
  bladed never fences anybody (no fence call for blade1/blade2);
- the majority fences blade3 and runs everything: vip-mx1 answers the
  client from blade1/blade2, svc and web run there, once each.
Figures: FIGURE no_quorum_stop_ms (bladed's own "every resource of this
blade stopped N ms after quorum was lost"), and the partition -> last stop
on blade3 as the test saw it.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import failover  # noqa: E402
import fencing  # noqa: E402
from harness import (Cluster, agent_calls, agent_log, check, check_equal, figure,  # noqa: E402
                     log, main, wait_until)

DELAY_MS = 4000


def test_minority_stops_majority_runs():
        """2|1: the minority stops alone before its delayed fence; the majority runs all"""
        with Cluster(3, name="failover-partition") as c:
                ip = c.net + ".101"
                b1, b2, b3 = c.blades
                prims = [failover.vip_primitive("vip-mx1", ip),
                         failover.statefile_primitive(c, "svc"),
                         failover.statefile_primitive(c, "web")]
                prefer = {"vip-mx1": (b3, 5000), "svc": (b3, 5000), "web": (b1, 5000)}
                path = c.set_initial_config(failover.failover_config(
                        c, prims, prefer, delay_ms={b3: DELAY_MS}))
                failover.validate(c, path)
                files = {r: c.statefile_paths(r) for r in ("svc", "web")}
                c.start()
                sampler = failover.start_powered_sampler(c, vips=[ip], files=files)
                for rsc, b in (("vip-mx1", b3), ("svc", b3), ("web", b1)):
                        check_equal(c.wait_placement(rsc, timeout=60), b.name, "%s's blade" % rsc)
                check(c.client_ping(ip, timeout=5), "%s does not answer before the partition" % ip)

                fencing.expect_power_off(c, b3)
                t_part = time.time()
                c.partition([b1, b2], [b3])
                wait_until(lambda: failover.is_off(c, b3), bool, 60,
                           "the majority to fence blade3")
                offs = failover.fence_calls(c, "off", b3.name, kind="B")
                check(offs, "no fence 'off' call for blade3 in the wrapper's log")
                t_power_off = offs[0][1] + DELAY_MS / 1000.0   # the agent sleeps first
                others = [x for x in failover.fence_calls(c, kind="B") if x[3] != b3.name]
                check_equal(others, [], "fence calls for other blades than blade3")

                # The minority stopped by itself, before the power-off.
                stops = agent_calls(c.agent_log_path("svc", b3), "stop", "E", t_part)
                check(stops, "svc was never stopped on blade3 after the partition")
                last = [x for x in agent_log(c.agent_log_path("svc", b3))
                        if x[0] == "E" and x[2] == "stop" and x[1] >= t_part]
                check(last[0][4] == 0, "svc's stop on blade3 failed: rc %s" % last[0][4])
                vip_gone = [t for t, h in sampler.holders_at(ip)
                            if t > t_part and "blade3" in h]
                t_vip_gone = vip_gone[-1] if vip_gone else t_part
                t_last_stop = max(stops[0], t_vip_gone)
                check(t_last_stop < t_power_off, "blade3 still held its resources %.3f s after"
                      " the fence powered it off" % (t_last_stop - t_power_off))
                check(not os.path.exists(files["svc"]["blade3"]),
                      "svc's state file on blade3 is still there: not stopped by blade3")
                own = failover.no_quorum_stop_ms(b3, t_part)
                check(own is not None, "blade3's bladed did not log 'every resource of this blade"
                      " stopped N ms after quorum was lost'")
                log("blade3: quorum-loss stop done %.3f s after the partition (own figure %d ms),"
                    " %.3f s before the power-off" % (t_last_stop - t_part, own[1],
                                                    t_power_off - t_last_stop))
                figure("no_quorum_stop_ms", own[1], "ms")
                figure("partition_to_minority_stopped_ms", "%.0f" % (1000 * (t_last_stop - t_part)),
                       "ms")

                # The majority runs everything after the fence.
                placed = {r: c.wait_placement(r, blades=[b1, b2], timeout=30)
                          for r in ("vip-mx1", "svc", "web")}
                check(c.client_ping(ip, timeout=10), "%s does not answer from the majority" % ip)
                check_equal(failover.powered_holders(c, ip), [placed["vip-mx1"]],
                            "blades holding %s" % ip)
                for r in ("svc", "web"):
                        check_equal([n for n in c.file_holders(files[r]) if n != "blade3"],
                                    [placed[r]], "blades where %s runs" % r)
                check_equal(placed["web"], "blade1", "web's blade (it never had to move)")
                t_first = min(agent_calls(c.agent_log_path("svc", placed["svc"]), "start", "B",
                                          t_part))
                check(t_first > offs[0][1] + DELAY_MS / 1000.0,
                      "svc started on %s before blade3's fence could have powered it off"
                      % placed["svc"])
                figure("partition_to_majority_recovered_s", "%.2f" % (time.time() - t_part), "s")
                log("majority: %s" % ", ".join("%s@%s" % kv for kv in sorted(placed.items())))
                sampler.stop()
                sampler.check_exclusive()
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_minority_stops_majority_runs])
