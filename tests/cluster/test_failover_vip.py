#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Failover of a VIP with fencing (issue 6, "Cluster tests that must pass"), 3 blades.

Fencing is on, every blade has a fence_bladens device (through a wrapper
that logs each call, tests/cluster/failover.py); vip-mx1 is an
ocf:bladed:vip in this run's subnet.

- stickiness: the blade holding vip-mx1 is cut off at the switch.  bladed
  must fence it (fence_bladens really powers it off: its processes killed,
  its links down) and only then start the VIP on a survivor: the VIP
  answers ping from the client namespace, from the blade status names; a
  power-aware sampler (a powered-off blade holds nothing) sees it on at
  most one blade at every sample, and on no survivor before the fence
  agent's power-off call returned; status on both survivors shows the cut
  blade "fenced".  The blade then returns (reboot-cleaned, plugged in,
  powered on: corosync + bladed restarted) and must NOT take the VIP back
  (default-stickiness 100, no preference): it stays on the survivor.
- preference: the same with a location preference (score 5000, above the
  stickiness) for blade2: the VIP starts there, fails over when blade2 is
  cut and fenced, and moves back to blade2 once it returns.
Figures: cut -> VIP answering again, and the fence step (bladed's "fenced X
in N ms").
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import failover  # noqa: E402
import fencing  # noqa: E402
from harness import (Cluster, check, check_equal, figure, hold, log, main,  # noqa: E402
                     wait_until)

RSC = "vip-mx1"


def fail_over(c, ip, sampler):
        """Cuts the VIP's holder and checks the fenced failover; returns
        (victim, new holder)."""
        holder = c.wait_placement(RSC, timeout=60)
        check(c.client_ping(ip, timeout=5), "%s does not answer before the cut" % ip)
        check_equal(failover.powered_holders(c, ip), [holder], "blades holding %s" % ip)
        victim = c.blade(holder)
        survivors = [b for b in c.blades if b is not victim]
        check_equal(failover.fence_calls(c), [], "fence agent calls before the cut")

        fencing.expect_power_off(c, victim)
        t_cut = time.time()
        c.cut(victim)
        answered = c.client_ping(ip, timeout=60)
        t_answer = time.time()
        check(answered, "%s did not answer from a survivor within 60 s of cutting %s"
              % (ip, victim.name))
        new = c.wait_placement(RSC, blades=survivors, timeout=20)
        check(new != victim.name, "status still places %s on the cut blade" % RSC)
        check_equal(failover.powered_holders(c, ip), [new], "powered blades holding %s" % ip)
        check(failover.is_off(c, victim), "%s answers from %s but %s was never powered"
              " off" % (ip, new, victim.name))

        # Invariant 1: the fence agent's power-off returned before the VIP came up.
        offs = failover.fence_calls(c, "off", victim.name, kind="E")
        check(offs and offs[0][4] == 0, "no successful fence 'off' call for %s: %s"
              % (victim.name, failover.fence_calls(c, kind=None)))
        t_fenced = offs[0][1]
        up = [t for t, h in sampler.holders_at(ip) if t > t_cut and new in h]
        check(up, "the sampler never saw %s on %s" % (ip, new))
        check(up[0] >= t_fenced - 0.05, "%s was up on %s %.3f s before the fence of %s"
              " returned" % (ip, new, t_fenced - up[0], victim.name))
        for b in survivors:
                wait_until(lambda: c.status(b)["nodes"][victim.name]["state"],
                           lambda s: s == "fenced", 20,
                           "%s's status to show %s fenced" % (b.name, victim.name))
        text = c.ctl(survivors[0], "status").stdout
        check(any(victim.name in l and "fenced" in l for l in text.splitlines()),
              "bladectl status does not show %s fenced:\n%s" % (victim.name, text))
        fenced = failover.fenced_in_ms(c, victim, t_cut)
        check(fenced is not None, "no 'fenced %s in N ms' line in the survivors' logs"
              % victim.name)
        figure("failover_cut_to_vip_answering_ms", "%.0f" % (1000 * (t_answer - t_cut)), "ms")
        figure("failover_fence_step_ms", fenced[1], "ms")
        log("%s: cut %s, fenced (%d ms), answering from %s %.2f s after the cut"
            % (RSC, victim.name, fenced[1], new, t_answer - t_cut))
        return victim, new


def test_stickiness():
        """holder cut: fenced, VIP on a survivor; it returns and does not take it back"""
        with Cluster(3, name="failover-vip") as c:
                ip = c.net + ".101"
                path = c.set_initial_config(failover.failover_config(
                        c, [failover.vip_primitive(RSC, ip)]))
                failover.validate(c, path)
                c.start()
                sampler = failover.start_powered_sampler(c, vips=[ip])
                victim, new = fail_over(c, ip, sampler)

                failover.bring_back(c, victim, vips=[ip])
                log("%s is back; %s must stay on %s" % (victim.name, RSC, new))
                hold(lambda: c.placement(RSC), lambda n: n == new, 5,
                     "%s staying on %s after %s returned" % (RSC, new, victim.name))
                check(c.client_ping(ip, timeout=5), "%s does not answer after the return" % ip)
                check_equal(failover.powered_holders(c, ip), [new],
                            "blades holding %s after the return" % ip)
                st = c.status(c.blades[0])
                check_equal(st["nodes"][victim.name]["state"], "online",
                            "%s's state after its return" % victim.name)
                sampler.stop()
                n = sampler.check_exclusive()
                log("%d samples (one every %.1f ms): %s never on two powered blades"
                    % (n, 1000 * sampler.period(), ip))
                c.check_daemons_alive()


def test_preference_moves_back():
        """strong preference for blade2: fails over when blade2 is cut, moves back on return"""
        with Cluster(3, name="failover-vip-pref") as c:
                ip = c.net + ".101"
                pref = c.blades[1]
                path = c.set_initial_config(failover.failover_config(
                        c, [failover.vip_primitive(RSC, ip)], prefer={RSC: (pref, 5000)}))
                failover.validate(c, path)
                c.start()
                sampler = failover.start_powered_sampler(c, vips=[ip])
                check_equal(c.wait_placement(RSC, timeout=60), pref.name,
                            "%s's blade with a preference for %s" % (RSC, pref.name))
                victim, new = fail_over(c, ip, sampler)
                check(victim is pref, "the cut blade is not the preferred one")

                failover.bring_back(c, victim, vips=[ip])
                t_back = time.time()
                wait_until(lambda: c.placement(RSC), lambda n: n == pref.name, 30,
                           "%s to move back to %s" % (RSC, pref.name))
                check(c.client_ping(ip, timeout=10), "%s does not answer after moving back" % ip)
                check_equal(failover.powered_holders(c, ip), [pref.name],
                            "blades holding %s after moving back" % ip)
                log("%s back on %s %.2f s after it rejoined" % (RSC, pref.name,
                                                              time.time() - t_back))
                sampler.stop()
                sampler.check_exclusive()
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_stickiness, test_preference_moves_back])
