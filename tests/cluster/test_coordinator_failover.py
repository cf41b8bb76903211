#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The coordinator's blade goes away: the others take over at once.

DESIGN.md, "Architecture" (coordination): "a new coordinator takes over at
once when the old one leaves" and it is the lowest node id of the quorate
partition; invariant 2 (only a quorate partition acts): a blade without
quorum never coordinates and says so.

Faults, each on the coordinator's blade of a running 3-blade cluster:
  * its link is cut at the switch;
  * it hangs (SIGSTOP of its corosync and bladed), then resumes;
  * its corosync is killed (kill -9).
After each, the two others must agree on the new coordinator (the lowest
remaining node id) with both online and quorate, the faulty blade (when it
can answer) must report no quorum and no coordinator, and after the
repair all three agree again with the original coordinator.

The takeover figure: corosync logs "A new membership ... was formed" with
hires timestamps (wall clock, the same clock as the harness's time.time()),
and bladed logs "coordinator is now X" with millisecond timestamps; per
survivor the delay is the daemon's line minus its corosync's line, and the
figure is the larger of the two survivors'.  Independently, every
survivor's `bladectl status` is polled (a thread per blade): the first poll
that shows the new coordinator bounds the delay from above (printed with
its resolution, mostly bladectl's own start-up time under the sanitizers).
Detection (fault -> membership) and the total are printed too.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, check, check_equal, figure, log, main,  # noqa: E402
                     wait_until)


def takeover(c, gone, survivors, t_fault, label):
        tk = c.wait_takeover(survivors, t_fault)
        for b in survivors:
                logged = tk["logged"].get(b.name)
                log("%s: corosync membership change %.3fs after the fault; the daemon logged"
                    " coordinator %s %s after that, its status showed it within %.3fs" % (
                            b.name, tk["membership"][b.name] - t_fault, tk["coordinator"],
                            "%.3fs" % (logged - tk["membership"][b.name]) if logged else "(no log)",
                            tk["seen"][b.name] - tk["membership"][b.name]))
        if tk["logged_delay"] is not None:
                figure("%s_membership_to_new_coordinator_ms" % label,
                       "%.0f" % (tk["logged_delay"] * 1000), "ms (daemon logs vs corosync log)")
        figure("%s_membership_to_status_shows_it_ms" % label, "%.0f" % (tk["delay"] * 1000),
               "ms (upper bound; lower bound %.0f ms, poll resolution %.0f ms)"
               % (tk["delay_lower"] * 1000, tk["resolution"] * 1000))
        figure("%s_fault_to_new_coordinator_ms" % label, "%.0f" % (tk["total"] * 1000), "ms")
        check(tk["delay"] < 5.0, "daemons took %.1fs after corosync's membership change"
              % tk["delay"])
        # The old coordinator is not shown online by anyone left.
        for b in survivors:
                st = c.status(b)
                check(st["nodes"][gone.name]["state"] != "online",
                      "%s still shows %s online" % (b.name, gone.name))
        return tk["coordinator"]


def inquorate_no_coordinator(c, b):
        st = wait_until(lambda: c.status(b),
                        lambda st: not st["quorate"] and st["coordinator"] is None,
                        15, "%s to report no quorum and no coordinator" % b.name)
        check_equal(st["local"], b.name, "local blade of the cut-off blade")
        log("%s alone: quorate=false, no coordinator" % b.name)


def test_coordinator_cut_off():
        """cut the coordinator's link: the two others agree, the cut one has no quorum"""
        with Cluster(3, name="failover-cut") as c:
                c.start()
                coord = [b for b in c.blades if b.name == c.expected_coordinator(c.blades)][0]
                survivors = [b for b in c.blades if b is not coord]
                t = time.time()
                c.cut(coord)
                new = takeover(c, coord, survivors, t, "cut")
                inquorate_no_coordinator(c, coord)
                c.check_daemons_alive()
                c.restore(coord)
                c.wait_converged(timeout=30, what="all three together again after the link"
                                 " is back")
                log("healed: coordinator back to %s (was %s while cut)"
                    % (c.expected_coordinator(c.blades), new))


def test_coordinator_hangs():
        """SIGSTOP the coordinator's blade: the two others take over; SIGCONT: it rejoins"""
        with Cluster(3, name="failover-stop") as c:
                c.start()
                coord = c.blades[0]
                survivors = c.blades[1:]
                t = time.time()
                c.pause(coord)
                takeover(c, coord, survivors, t, "sigstop")
                c.resume(coord)
                c.wait_converged(timeout=30, what="all three together again after SIGCONT")
                c.check_daemons_alive()


def test_coordinator_corosync_killed():
        """kill -9 corosync on the coordinator's blade: the others take over"""
        with Cluster(3, name="failover-corosync") as c:
                c.start()
                coord = c.blades[0]
                survivors = c.blades[1:]
                t = time.time()
                c.kill_corosync(coord)
                takeover(c, coord, survivors, t, "corosync_kill")
                # Without corosync the blade's daemon may exit (a supervisor
                # restarts it) or stay and report no quorum; it must never go on
                # coordinating.
                wait_until(lambda: (not coord.bladed.alive()) or c.status(coord),
                           lambda v: v is True or (not v["quorate"] and v["coordinator"] is None),
                           15, "bladed on %s to exit or report no quorum/coordinator"
                           % coord.name)
                coord.bladed.expected_exit = True  # either is acceptable here
                if coord.bladed.alive():
                        log("%s's bladed stays up without corosync, reports no quorum" % coord.name)
                else:
                        log("%s's bladed exited (%s) without corosync" % (coord.name,
                                                                         coord.bladed.returncode))
                c.start_corosync(coord)
                c.wait_corosync(timeout=20)
                if not coord.bladed.alive():
                        c.start_bladed(coord)
                else:
                        coord.bladed.expected_exit = False
                c.wait_converged(timeout=30, what="all three together again with corosync back")
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_coordinator_cut_off, test_coordinator_hangs, test_coordinator_corosync_killed])
