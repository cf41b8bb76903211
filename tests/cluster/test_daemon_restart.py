#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kill -9 of bladed on one blade, then a restart: it rejoins and resyncs.

DESIGN.md invariant 5 (nothing acknowledged is lost by a single failure;
a blade that rejoins gets the newest configuration) and invariant 6 in
its crash form (a daemon killed mid-flight restarts from its state dir and
its stale control socket); "Architecture": a new coordinator takes over
at once when the old one's daemon disappears, even with corosync still up.

Checked: after a config change (epoch > start), kill -9 bladed on a
non-coordinator: the others keep their coordinator and epoch and do not
show it online, their daemons are the same processes; a change made while
it is gone reaches it after the restart (same epoch, same `config show`).
Then the same with the coordinator's daemon: the next lowest id takes
over, and the restarted daemon takes its place back.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, check, check_equal, log, main  # noqa: E402


def kill_and_restart(c, victim, tag):
        others = [b for b in c.blades if b is not victim]
        pids = {b.name: b.bladed.pid for b in others}
        epoch = c.status(others[0])["epoch"]
        c.kill_bladed(victim)
        log("kill -9 bladed on %s" % victim.name)
        c.wait_converged(others, epoch=epoch,
                         what="%s to agree without %s's daemon" % (
                                 [b.name for b in others], victim.name))
        for b in others:
                st = c.status(b)
                check(st["nodes"][victim.name]["state"] != "online",
                      "%s shows the killed daemon's blade online" % b.name)

        path, marker = c.config_variant(tag)
        rc, _, err = c.config_load(others[-1], path)
        check_equal(rc, 0, "config load while %s's daemon is dead (stderr: %s)"
                    % (victim.name, err))

        c.start_bladed(victim)
        c.wait_converged(epoch=epoch + 1, timeout=30,
                         what="%s to rejoin and resync to epoch %d" % (victim.name, epoch + 1))
        shown = c.config_show(victim)
        check(marker in shown, "restarted %s lacks the change made while it was down" % victim.name)
        check(shown == c.config_show(others[0]), "config show differs after the resync")
        for b in others:
                check_equal(b.bladed.pid, pids[b.name], "bladed pid on %s" % b.name)
                check(b.bladed.alive(), "bladed on %s died" % b.name)
        log("%s rejoined at epoch %d; the others' daemons untouched" % (victim.name, epoch + 1))


def test_kill9_and_restart():
        """kill -9 bladed (a member, then the coordinator), restart, resync"""
        with Cluster(3, name="restart") as c:
                c.start()
                path, _ = c.config_variant("start")
                rc, _, err = c.config_load(c.blades[0], path)
                check_equal(rc, 0, "initial config load (stderr: %s)" % err)
                kill_and_restart(c, c.blades[1], "r1")
                kill_and_restart(c, c.blades[0], "r2")
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_kill9_and_restart])
