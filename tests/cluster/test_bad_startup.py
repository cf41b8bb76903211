#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad input at start-up: exit 2 with a specific reason, cluster undisturbed.

DESIGN.md invariant 6 (bad input never takes a daemon down; each gets a
clear, specific error and changes nothing) and "Files an admin sees": the
node file is checked against corosync's nodelist at start-up, "a mismatch
is a clear error, not a guess"; CLI.md: exit status 2 with a one-line
reason on a bad option or file at start-up.

On a running 3-blade cluster, a second bladed is started on blade1 (own
socket and state dir) with, in turn:
  * a node file where blade2's ip_address differs from corosync's
    -> the reason names blade2 and ip_address;
  * a node file where blade3's number differs (so its node id does)
    -> the reason names blade3 and number (or nodeid);
  * a node file that does not parse -> names the file and line;
  * a node file that does not exist -> names the file;
  * a resource configuration that does not exist, is not XML, or is not a
    bladed configuration (with an empty state dir, so it is read) -> names
    the file;
  * an unknown option.
Each must exit 2 (not crash, not hang, not 0) with the reason on stderr.
Afterwards the cluster is exactly as before: same daemons (PIDs), every
status unchanged, corosync membership unchanged.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, TestFailure, check, check_equal, log, main,  # noqa: E402
                     node_file_text)


def expect_exit2(c, failures, what, must_contain, **kw):
        """Runs a second bladed with bad input; records a failure (and goes on
        with the next case) unless it exits 2 with a stderr line that matches
        every pattern in must_contain."""
        rc, err = c.run_bladed_once(c.blades[0], **kw)
        lines = [l for l in err.splitlines() if l.strip()]
        if rc != 2:
                failures.append("%s: exit status %s, expected 2; stderr:\n%s"
                                % (what, rc, err.strip()[-1500:]))
        elif not lines:
                failures.append("%s: exit 2 but no reason on stderr" % what)
        else:
                for line in lines:
                        if all(re.search(p, line, re.I) for p in must_contain):
                                log("%s -> exit 2: %s" % (what, line.strip()))
                                return
                failures.append("%s: no stderr line matches all of %s:\n%s"
                                % (what, must_contain, err.strip()))
        log("%s -> WRONG: %s" % (what, failures[-1].splitlines()[0]))


def test_bad_startup_input():
        """mismatching node file, malformed files, bad option: exit 2, cluster untouched"""
        with Cluster(3, name="bad-startup") as c:
                c.start()
                before = {b.name: c.status(b) for b in c.blades}
                pids = {b.name: b.bladed.pid for b in c.blades}
                members = {b.name: c.quorum(b)["members"] for b in c.blades}
                failures = []

                table = c.node_table()
                wrong_ip = [dict(n) for n in table]
                wrong_ip[1]["ip_address"] = c.net + ".99"
                expect_exit2(c, failures, "blade2 with another ip_address", [r"\bblade2\b", r"ip"],
                             nodes=c.write_file("wrong-ip.conf",
                                                node_file_text(c.cluster_name, wrong_ip)))

                wrong_nr = [dict(n) for n in table]
                wrong_nr[2]["number"] = 42
                expect_exit2(c, failures, "blade3 with another number", [r"\bblade3\b", r"number|nodeid"],
                             nodes=c.write_file("wrong-number.conf",
                                                node_file_text(c.cluster_name, wrong_nr)))

                garbled = node_file_text(c.cluster_name, table).replace(
                        "\tnumber = 2", "number 2")
                path = c.write_file("garbled.conf", garbled)
                line_no = garbled.splitlines().index("number 2") + 1
                expect_exit2(c, failures, "a node file that does not parse",
                             [re.escape(os.path.basename(path)), r"\b%d\b" % line_no],
                             nodes=path)

                missing = os.path.join(c.workdir, "no-such-cluster.conf")
                expect_exit2(c, failures, "a missing node file", [re.escape(os.path.basename(missing))],
                             nodes=missing)

                missing = os.path.join(c.workdir, "no-such-resources.xml")
                expect_exit2(c, failures, "a missing configuration", [re.escape(os.path.basename(missing))],
                             config=missing)
                path = c.write_file("not-xml.xml", "this is <not xml\n")
                expect_exit2(c, failures, "a configuration that is not XML",
                             [re.escape(os.path.basename(path))], config=path)
                path = c.write_file("wrong-root.xml", '<?xml version="1.0"?>\n<cib/>\n')
                expect_exit2(c, failures, "a configuration that is not bladed's",
                             [re.escape(os.path.basename(path))], config=path)

                expect_exit2(c, failures, "an unknown option", [r"--no-such-option|option"],
                             extra=["--no-such-option"])

                # Nothing moved.
                for b in c.blades:
                        check_equal(b.bladed.pid, pids[b.name], "bladed pid on %s" % b.name)
                        check(b.bladed.alive(), "bladed on %s died" % b.name)
                        check_equal(c.quorum(b)["members"], members[b.name],
                                    "corosync members on %s" % b.name)
                        now = c.status(b)
                        for k in ("epoch", "quorate", "coordinator", "local", "nodes"):
                                check_equal(now[k], before[b.name][k],
                                            "%s in %s's status after the bad starts" % (k, b.name))
                c.check_daemons_alive()
                if failures:
                        raise TestFailure("%d of 8 bad start-ups not handled as specified:\n  "
                                          % len(failures) + "\n  ".join(failures))


if __name__ == "__main__":
        main([test_bad_startup_input])
