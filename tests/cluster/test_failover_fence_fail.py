#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fence that fails blocks the lost blade's resources (issue 6), 3 blades.

Fencing on; vip-mx1 (ocf:bladed:vip) and svc (ocf:test:statefile) prefer
blade3 (score 5000), whose fence device has fail=always (fence_bladens
fails every call with a message); blade1 and blade2 have working devices.

blade3 is cut off at the switch.  Then:
- the coordinator tries to fence it, fails, and retries: its log shows
  "fencing blade3 FAILED (attempt 1)" and "(attempt 2)" with the next
  attempt's delay, and the logged fence wrapper shows at least two 'off'
  calls for blade3, all failed;
- while the fence keeps failing, nothing of blade3 starts elsewhere: the
  statefile agent's call logs on blade1/blade2 have no start of svc, no
  survivor ever holds the VIP (sampler), the VIP does not answer the
  client; status on the survivors says plainly that fencing blade3 failed
  (the text of `bladectl status`), and blade3 is "lost", not "fenced";
- a configuration with a working device for blade3 is loaded (`bladectl
  config load` on a survivor): the next attempt powers blade3 off, status
  says "fenced", and svc and the VIP start on a survivor, once each.
A power-aware sampler checks throughout that nothing is on two powered
blades.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import failover  # noqa: E402
import fencing  # noqa: E402
from harness import (Cluster, check, check_equal, figure, hold, log, main,  # noqa: E402
                     wait_until)


def test_fence_failure_blocks():
        """failing fence device: blade3's resources stay blocked; fixed device: recovered"""
        with Cluster(3, name="failover-fence-fail") as c:
                ip = c.net + ".101"
                b1, b2, b3 = c.blades
                prims = [failover.vip_primitive("vip-mx1", ip),
                         failover.statefile_primitive(c, "svc")]
                prefer = {"vip-mx1": (b3, 5000), "svc": (b3, 5000)}
                path = c.set_initial_config(failover.failover_config(c, prims, prefer,
                                                                     fail=(b3,)))
                failover.validate(c, path)
                files = c.statefile_paths("svc")
                c.start()
                sampler = failover.start_powered_sampler(c, vips=[ip], files={"svc": files})
                for rsc in ("vip-mx1", "svc"):
                        check_equal(c.wait_placement(rsc, timeout=60), b3.name,
                                    "%s's blade" % rsc)
                check(c.client_ping(ip, timeout=5), "%s does not answer before the cut" % ip)

                t_cut = time.time()
                c.cut(b3)
                coord = b1
                attempt2 = wait_until(
                        lambda: failover.log_lines(coord, t_cut,
                                                   r"fencing blade3 FAILED \(attempt 2\)"),
                        bool, 60, "the coordinator's second failed attempt to fence blade3")
                lines = failover.log_lines(coord, t_cut, r"fencing blade3 FAILED")
                log("coordinator's log: %s" % " | ".join(m for _, _, m in lines))
                check(any("attempt 1" in m for _, _, m in lines), "no first failed attempt logged")
                check(all("next attempt in" in m and "blocked" in m for _, _, m in lines),
                      "a failed attempt's log line does not say the resources stay blocked and"
                      " when the next attempt is: %s" % [m for _, _, m in lines])
                check(all("fail=always" in m for _, _, m in lines),
                      "the log line does not carry the agent's reason: %s"
                      % [m for _, _, m in lines])
                calls = failover.fence_calls(c, "off", b3.name, kind="E")
                check(len(calls) >= 2 and all(x[4] != 0 for x in calls),
                      "fence wrapper: expected >= 2 failed 'off' calls for blade3, got %s" % calls)
                check(not failover.is_off(c, b3), "blade3 is powered off although its"
                      " device always fails")
                # Meanwhile, plainly said, and nothing recovered.
                for b in (b1, b2):
                        st = c.status(b)
                        check_equal(st["nodes"]["blade3"]["state"], "lost",
                                    "blade3's state as %s sees it" % b.name)
                # Checked at the end (the recovery is worth checking even when
                # this fails), but the test fails if status does not say it.
                text = c.ctl(b2, "status").stdout
                log("bladectl status on blade2 while fencing fails:\n%s" % text)
                said = [l for l in text.splitlines()
                        if "blade3" in l and "fenc" in l.lower() and "fail" in l.lower()]
                missing = []
                if not said:
                        missing.append("bladectl status does not say that fencing blade3"
                                       " failed:\n%s" % text)
                elif "fail=always" not in " ".join(said):
                        missing.append("bladectl status does not give the fence agent's"
                                       " reason: %s" % said)
                # Not failed on (the Attention line is what the issue asks for),
                # but shown: a start waiting for a failed fence reads "starting".
                roles = {r: c.status(b2)["resources"][r].get("role") for r in ("vip-mx1", "svc")}
                log("resource roles in status --xml while the fence fails: %s" % roles)
                hold(lambda: (c.agent_count("svc", "start", b1, t_cut)
                              + c.agent_count("svc", "start", b2, t_cut),
                              failover.powered_holders(c, ip)),
                     lambda v: v[0] == 0 and "blade1" not in v[1] and "blade2" not in v[1], 3,
                     "no start of svc and no VIP on blade1/blade2 while blade3 is unfenced")
                check(not c.client_ping(ip, timeout=1), "%s answers although blade3 (cut,"
                      " unfenced) is its only allowed holder" % ip)

                # Repair the device: the next attempt succeeds, then recovery.
                fencing.expect_power_off(c, b3)
                fixed = c.write_file("fixed.xml", failover.failover_config(c, prims, prefer,
                                                                           epoch=2))
                t_fix = time.time()
                rc, secs, err = c.config_load(b2, fixed)
                check_equal(rc, 0, "config load of a working device for blade3 (%s)" % err)
                wait_until(lambda: failover.is_off(c, b3), bool, 90,
                           "blade3 powered off by the repaired device")
                for b in (b1, b2):
                        wait_until(lambda: c.status(b)["nodes"]["blade3"]["state"],
                                   lambda s: s == "fenced", 20,
                                   "%s's status to show blade3 fenced" % b.name)
                placed = {rsc: c.wait_placement(rsc, blades=[b1, b2], timeout=30)
                          for rsc in ("vip-mx1", "svc")}
                t_rec = time.time()
                check(c.client_ping(ip, timeout=10), "%s does not answer after the fence" % ip)
                check_equal(failover.powered_holders(c, ip), [placed["vip-mx1"]],
                            "blades holding %s after recovery" % ip)
                check_equal([n for n in c.file_holders(files) if n != "blade3"],
                            [placed["svc"]], "blades where svc runs after recovery")
                check_equal(c.agent_count("svc", "start", b1, t_cut)
                            + c.agent_count("svc", "start", b2, t_cut),
                            1, "starts of svc on the survivors after the cut")
                ok = failover.fence_calls(c, "off", b3.name, kind="E")
                check(ok[-1][4] == 0 and ok[-1][1] >= t_fix, "the last 'off' call is not a"
                      " success after the repair: %s" % ok)
                figure("fence_fail_repair_to_recovered_s", "%.2f" % (t_rec - t_fix), "s")
                log("after the repair: blade3 fenced, vip-mx1 on %s, svc on %s (%.2f s)"
                    % (placed["vip-mx1"], placed["svc"], t_rec - t_fix))
                text = c.ctl(b2, "status").stdout
                if any("FAIL" in l.upper() and "fenc" in l.lower() for l in text.splitlines()):
                        missing.append("bladectl status still reports a failed fence after"
                                       " blade3 was fenced:\n%s" % text)
                sampler.stop()
                sampler.check_exclusive()
                c.check_daemons_alive()
                check(not missing, "; ".join(missing))


if __name__ == "__main__":
        main([test_fence_failure_blocks])
