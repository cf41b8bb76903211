#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A 2|1 partition, a change on the majority side, then the partition heals.

DESIGN.md invariant 5 (an acknowledged change is the same on every blade
once they are together again) and "Configuration": "when partitions
merge, the quorate side's highest epoch wins; the newer copy is sent to
whoever lags".

Done twice on one 3-blade cluster, because the two cases break different
shortcuts: first the coordinator (lowest node id) is the lone blade, so a
merge rule of "the lowest id's copy wins" would lose the change; then a
non-coordinator is alone.  Each time: the majority accepts a load, the
lone blade keeps its old epoch and refuses a load of its own, and after
the heal all three show the majority's epoch and byte-identical
`config show` output containing the change.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, check, check_equal, log, main, wait_until  # noqa: E402


def partition_change_heal(c, alone, tag):
        majority = [b for b in c.blades if b is not alone]
        epoch = c.status(majority[0])["epoch"]
        c.partition(majority, [alone])
        c.wait_converged(majority, what="the majority %s without %s"
                         % ([b.name for b in majority], alone.name))
        wait_until(lambda: c.status(alone), lambda st: not st["quorate"], 15,
                   "%s to lose quorum" % alone.name)

        path, marker = c.config_variant(tag)
        rc, secs, err = c.config_load(majority[-1], path)
        check_equal(rc, 0, "load on the majority (stderr: %s)" % err)
        for b in majority:
                check_equal(c.status(b)["epoch"], epoch + 1, "epoch on %s" % b.name)
        lone_path, lone_marker = c.config_variant(tag + "-lone")
        rc, _, err = c.config_load(alone, lone_path)
        check_equal(rc, 1, "load on the lone blade %s (stderr: %s)" % (alone.name, err))
        check_equal(c.status(alone)["epoch"], epoch, "epoch on the lone blade")

        c.heal()
        c.wait_converged(epoch=epoch + 1, timeout=30,
                         what="all three on the majority's epoch %d after the heal" % (epoch + 1))
        shown = {b.name: c.config_show(b) for b in c.blades}
        for b in c.blades:
                check(marker in shown[b.name], "%s lacks the majority's change after the heal"
                      % b.name)
                check(lone_marker not in shown[b.name], "%s shows the refused change" % b.name)
                check(shown[b.name] == shown[c.blades[0].name],
                      "config show differs between %s and %s after the heal"
                      % (c.blades[0].name, b.name))
        log("healed: all three at epoch %d with the majority's configuration" % (epoch + 1))


def test_partition_then_heal():
        """2|1 partition (coordinator alone, then another), change on the majority, heal"""
        with Cluster(3, name="partition") as c:
                c.start()
                partition_change_heal(c, c.blades[0], "p1")
                partition_change_heal(c, c.blades[2], "p2")
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_partition_then_heal])
