#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Three blades start and agree on who is there.

DESIGN.md, "Architecture" (coordination): the coordinator is the lowest
node id among the members of the quorate partition, derived from CPG
membership, and every daemon holds the same view; "Configuration": every
blade holds the same epoch.  Checked: after start-up every blade's
`bladectl status --xml` lists the same three blades online with the node
ids corosync uses (number + 1), says quorate, names itself as local,
names the same coordinator (the lowest node id, also when the node file
numbers are not in name order) and the same epoch; corosync agrees on the
membership; and the view holds still for a while (no churn).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, check, check_equal, hold, log, main,  # noqa: E402
                     online_names)


def check_views(c):
        names = sorted(b.name for b in c.blades)
        coord = c.expected_coordinator(c.blades)
        sts = {b.name: c.status(b) for b in c.blades}
        epochs = {st["epoch"] for st in sts.values()}
        check(len(epochs) == 1, "blades report different epochs: %s"
              % {n: st["epoch"] for n, st in sts.items()})
        for b in c.blades:
                st = sts[b.name]
                check_equal(st["local"], b.name, "local blade in %s's status" % b.name)
                check_equal(st["quorate"], True, "quorate in %s's status" % b.name)
                check_equal(sorted(st["nodes"]), names, "blades listed by %s" % b.name)
                check_equal(online_names(st), names, "blades online per %s" % b.name)
                check_equal(st["coordinator"], coord, "coordinator per %s" % b.name)
                for o in c.blades:
                        check_equal(st["nodes"][o.name]["id"], o.nodeid,
                                    "id of %s in %s's status (corosync node id = number + 1)"
                                    % (o.name, b.name))
                q = c.quorum(b)
                check_equal(q["members"], sorted(o.nodeid for o in c.blades),
                            "corosync members on %s" % b.name)
        log("every blade: %s online, coordinator %s, epoch %d"
            % (", ".join(names), coord, epochs.pop()))
        # Text status is for people: it must at least work and name every blade.
        r = c.ctl(c.blades[-1], "status")
        check(r.returncode == 0, "bladectl status (text) exit %d: %s" % (r.returncode, r.stderr))
        for n in names:
                check(n in r.stdout, "text status does not mention %s:\n%s" % (n, r.stdout))
        hold(lambda: c.agreement(c.blades), lambda v: v is None, 3,
             "agreement of all blades (no membership churn while idle)")
        c.check_daemons_alive()


def test_three_blades_agree():
        """3 blades: same blades online, quorum, coordinator (lowest id), epoch"""
        with Cluster(3, name="membership") as c:
                c.start()
                check_views(c)


def test_coordinator_is_lowest_node_id_not_first_name():
        """node numbers 7, 3, 10: blade2 (node id 4) coordinates"""
        with Cluster(3, numbers=(7, 3, 10), name="membership-numbers") as c:
                check_equal(c.expected_coordinator(c.blades), "blade2", "harness's expectation")
                c.start()
                check_views(c)


if __name__ == "__main__":
        main([test_three_blades_agree, test_coordinator_is_lowest_node_id_not_first_name])
