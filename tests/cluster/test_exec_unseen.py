#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Invariant 4 at a cold start: a blade whose corosync runs but whose bladed
has not started yet may hold anything, so nothing starts anywhere before it
has probed.

3 blades, corosync on all of them, bladed started on blade1 and blade2
only; svc (ocf:test:statefile) is already running on blade3 (its state
file exists, as after a reboot of the other two blades).  Checks:
- for 4 s nothing starts svc anywhere (the agent's call logs), and status
  says under Attention that blade3's bladed is awaited, with svc not
  started;
- once blade3's bladed starts, it probes, finds svc running and adopts
  it: svc runs on blade3 only, and no start was ever called anywhere.
Without the rule, blade1 would start svc while blade3 still runs it: the
test fails exactly then.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, check, check_equal, config_xml, hold, log, main,  # noqa: E402
                     primitive_xml)


def test_nothing_starts_before_an_unseen_blade_probes():
        """corosync up everywhere, bladed on 2 of 3: nothing starts until the third has probed"""
        with Cluster(3, name="exec-unseen") as c:
                b1, b2, b3 = c.blades
                c.set_initial_config(config_xml([primitive_xml(
                        "svc", "ocf:test:statefile", [("state_dir", c.agent_state_dir)],
                        monitor="2s", monitor_timeout="5s")]))
                # svc already runs on blade3 (the statefile agent's meaning of
                # "running": its state file exists).
                open(c.statefile_paths("svc")[b3.name], "w").close()
                c.start(bladed=False)
                c.start_bladed(b1)
                c.start_bladed(b2)
                hold(lambda: c.agent_count("svc", "start"), lambda n: n == 0, 4,
                     "no start of svc while blade3's bladed has not probed")
                text = c.ctl(b1, "status").stdout
                check("blade3: corosync runs there but bladed does not" in text,
                      "status does not say blade3's bladed is awaited:\n" + text)
                check(not any(line.strip().startswith("svc") and "started" in line
                              for line in text.splitlines()),
                      "status shows svc started before blade3 probed:\n" + text)
                log("4 s with blade3's bladed missing: no start anywhere, status says why")

                c.start_bladed(b3)
                check_equal(c.wait_placement("svc", timeout=60), b3.name,
                            "where svc runs once blade3 probed")
                hold(lambda: c.agent_count("svc", "start"), lambda n: n == 0, 3,
                     "svc adopted on blade3, never started")
                check_equal(c.file_holders(c.statefile_paths("svc")), [b3.name],
                            "blades holding svc")
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_nothing_starts_before_an_unseen_blade_probes])
