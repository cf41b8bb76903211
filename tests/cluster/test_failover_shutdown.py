#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A clean shutdown needs no fence (issue 6), 3 blades.

Fencing on, a working fence_bladens device for every blade (logged);
vip-mx1 (ocf:bladed:vip) and svc (ocf:test:statefile) prefer blade3 (score
5000) and run there.  bladed on blade3 gets SIGTERM (`systemctl stop`,
harness stop_bladed; its corosync keeps running):
- its resources move to blade1/blade2 BEFORE its bladed exits: svc's start
  there ended and the VIP was seen there before the process was gone;
- bladed exits 0, and no fence happens: the fence wrapper's log is empty,
  and a watcher polling the survivors' status every 50 ms never saw
  blade3 "lost" or "fenced";
- svc is never on two blades and the VIP never on two interfaces (sampler),
  and the VIP answers the client from its new blade.
Figure: SIGTERM -> bladed's exit (drain time).
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import failover  # noqa: E402
from harness import (Cluster, agent_calls, check, check_equal, figure, log,  # noqa: E402
                     main, wait_until)


def test_sigterm_drains_without_fence():
        """SIGTERM: resources move before bladed leaves; no fence, never lost"""
        with Cluster(3, name="failover-shutdown") as c:
                ip = c.net + ".101"
                b1, b2, b3 = c.blades
                prims = [failover.vip_primitive("vip-mx1", ip),
                         failover.statefile_primitive(c, "svc")]
                prefer = {"vip-mx1": (b3, 5000), "svc": (b3, 5000)}
                path = c.set_initial_config(failover.failover_config(c, prims, prefer))
                failover.validate(c, path)
                files = c.statefile_paths("svc")
                c.start()
                sampler = failover.start_powered_sampler(c, vips=[ip], files={"svc": files})
                for rsc in ("vip-mx1", "svc"):
                        check_equal(c.wait_placement(rsc, timeout=60), "blade3", "%s's blade" % rsc)
                watch = failover.StateWatch(c, [b1, b2])
                watch.start()
                wait_until(lambda: watch.polls, lambda n: n >= 2, 10, "the status watcher")

                result = {}

                def stop():
                        try:
                                result["rc"] = c.stop_bladed(b3)
                        except Exception as e:
                                result["error"] = e
                        result["t"] = time.time()

                t_term = time.time()
                th = threading.Thread(target=stop, daemon=True)
                th.start()
                th.join(60)
                check(not th.is_alive(), "bladed on blade3 did not exit within 60 s of SIGTERM")
                check("error" not in result, "stopping bladed on blade3: %s" % result.get("error"))
                t_exit = result["t"]
                log("bladed on blade3 exited %.2f s after SIGTERM" % (t_exit - t_term))
                figure("sigterm_to_exit_ms", "%.0f" % (1000 * (t_exit - t_term)), "ms")

                # Moved before it left.
                new = {}
                for rsc in ("vip-mx1", "svc"):
                        new[rsc] = c.wait_placement(rsc, blades=[b1, b2], timeout=30)
                svc_up = agent_calls(c.agent_log_path("svc", new["svc"]), "start", "E", t_term)
                check(svc_up, "svc was not started on %s" % new["svc"])
                check(svc_up[0] < t_exit, "svc started on %s %.3f s after blade3's bladed exited"
                      % (new["svc"], svc_up[0] - t_exit))
                vip_up = [t for t, h in sampler.holders_at(ip) if t > t_term and new["vip-mx1"] in h]
                check(vip_up and vip_up[0] < t_exit, "the sampler did not see %s on %s before"
                      " blade3's bladed exited" % (ip, new["vip-mx1"]))
                check(not os.path.exists(files["blade3"]), "svc's state file on blade3 remains")
                check(c.client_ping(ip, timeout=5), "%s does not answer after the drain" % ip)
                check_equal(failover.powered_holders(c, ip), [new["vip-mx1"]],
                            "blades holding %s" % ip)

                # No fence, never lost.
                wait_until(lambda: c.status(b1)["nodes"]["blade3"]["state"],
                           lambda s: s == "offline", 10, "blade3 offline in blade1's status")
                watch.stop()
                after = [t for t in watch.times if t > t_exit]
                check(len(after) >= 2, "the status watcher polled %d times after blade3's bladed"
                      " exited (%d in all)" % (len(after), watch.polls))
                seen = watch.states_of("blade3")
                log("blade3's states seen by the survivors: %s (%d polls)"
                    % (sorted(seen), watch.polls))
                check(not seen & {"lost", "fenced"}, "a survivor showed blade3 %s"
                      % sorted(seen & {"lost", "fenced"}))
                check_equal(failover.fence_calls(c, kind=None), [], "fence agent calls")
                check(not failover.cluster_log_lines(c, t_term, r"fenc", blades=[b1, b2]),
                      "a survivor's log mentions fencing: %s"
                      % failover.cluster_log_lines(c, t_term, r"fenc", blades=[b1, b2]))
                check_equal(c.agent_count("svc", "start", since=t_term), 1,
                            "starts of svc after the SIGTERM")
                sampler.stop()
                sampler.check_exclusive()
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_sigterm_drains_without_fence])
