#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`bladectl simulate` without --config asks the running cluster.

DESIGN.md, "Architecture": the scheduler is a pure function of a state
snapshot, and is what `bladectl simulate` runs; invariant 2 (only a
quorate partition starts resources).  Checked on a real 3-blade cluster
with the mail-cluster example loaded: live `simulate` reads the
configuration and status from the local daemon and plans the probes or
starts that state calls for; `--fail BLADE` adds a fence of that blade;
`--fail-each` gives one verdict per blade; on a blade cut off from the
others (no quorum) the plan says so and starts nothing (probes are
allowed: they only look); with no daemon behind the socket simulate
exits 3.
"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, check, check_equal, example_path, log, main, wait_until  # noqa: E402


def load_mail_cluster(c):
        with open(example_path("mail-cluster.xml")) as f:
                text = f.read().replace("198.18.0.", c.net + ".")
        path = c.write_file("mail-cluster.xml", text)
        rc, secs, err = c.config_load(c.blades[0], path)
        check_equal(rc, 0, "config load exit status (%s)" % err)
        log("mail-cluster loaded in %.0f ms" % (secs * 1000))


def test_live_simulate_reads_the_running_cluster():
        """live simulate: probes or starts, --fail fences, --fail-each, minority starts nothing"""
        with Cluster(3, name="simulate-live") as c:
                # The agents are missing here on purpose: every probe says rc 5
                # (not running), every start rc 5 (banned on that blade), so
                # the executor runs nothing and the plan stays about
                # placement.  The executor's own tests use real agents.
                for bl in c.blades:
                        d = os.path.join(bl.ocf_root, "resource.d", "bladed")
                        if os.path.islink(d):
                                os.unlink(d)
                        else:
                                shutil.rmtree(d)
                        check(not os.path.exists(d), "%s still exists" % d)
                c.start()
                load_mail_cluster(c)
                b = c.blades[1]

                r = c.ctl(b, "simulate")
                check_equal(r.returncode, 0, "live simulate exit status (stderr: %s)" % r.stderr)
                # bladed probes at start-up and after the load (the agents are
                # missing here: rc 5, stopped); the executor's starts fail with
                # rc 5 and ban blade after blade, so the live plan holds probes,
                # starts, or resources blocked by those bans.
                check(re.search(r"^\s*\d+\s+(probe|start)\b", r.stdout, re.M) or
                      re.search(r"^blocked:", r.stdout, re.M),
                      "live simulate plans neither probes nor starts nor blocks:\n" + r.stdout)
                for rsc in ("vip-mx1", "vm-ldap"):
                        check(rsc in r.stdout, "%s missing from the plan:\n%s" % (rsc, r.stdout))
                log("live simulate plans probes or starts")

                r = c.ctl(b, "simulate", "--fail", "blade3")
                check_equal(r.returncode, 0, "simulate --fail exit status (%s)" % r.stderr)
                check(re.search(r"^\s*\d+\s+fence\b.*blade3", r.stdout, re.M),
                      "simulate --fail blade3 does not fence blade3:\n" + r.stdout)

                r = c.ctl(b, "simulate", "--fail-each")
                check(r.returncode in (0, 1), "simulate --fail-each exit %d: %s"
                      % (r.returncode, r.stderr))
                verdicts = [l for l in r.stdout.splitlines() if re.match(r"blade\d+:", l)]
                check_equal(len(verdicts), 3, "verdict lines of --fail-each:\n" + r.stdout)

                r = c.ctl(b, "simulate", "--state", "/nonexistent")
                check_equal(r.returncode, 2, "simulate --state without --config")

                # A blade without quorum: its own view must start nothing.
                cut = c.blades[2]
                c.cut(cut)
                wait_until(lambda: c.status(cut)["quorate"], lambda q: q is False, 20,
                           "%s loses quorum" % cut.name)
                r = c.ctl(cut, "simulate")
                check_equal(r.returncode, 0, "simulate on the minority (%s)" % r.stderr)
                check(re.search(r"^quorum: no", r.stdout, re.M) and "no quorum" in r.stdout,
                      "the minority's plan does not say it has no quorum:\n" + r.stdout)
                starts = [l for l in r.stdout.splitlines()
                          if re.match(r"\s*\d+\s+(start|migrate_from)\b", l)]
                check(not starts, "the minority's plan starts resources:\n" + "\n".join(starts))
                r = c.ctl(b, "simulate")
                check(re.search(r"^quorum: yes", r.stdout, re.M),
                      "the majority's plan does not say it has quorum:\n" + r.stdout)
                c.restore(cut)

                # No daemon: exit 3.
                c.stop_bladed(b)
                r = c.ctl(b, "simulate")
                check_equal(r.returncode, 3, "simulate with no daemon behind the socket")


if __name__ == "__main__":
        main([test_live_simulate_reads_the_running_cluster])
