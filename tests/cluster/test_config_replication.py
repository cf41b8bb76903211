#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A configuration change reaches every blade, and only a quorate side makes one.

DESIGN.md invariant 5 (nothing is lost: an acknowledged change is the same
on every blade once they are together) and "Configuration" (changes travel
through CPG, the epoch grows by one per change, a blade that (re)joins gets
the newest copy); invariant 2 in its configuration form (a minority
partition refuses changes with a clear error).

Checked, on 3 blades:
  * `config load` on a non-coordinator blade: exit 0, and by the time the
    admin has "ok" every blade shows epoch + 1 and the same `config show`
    (the acknowledgement time is printed);
  * a blade whose bladed is stopped during a load gets it when it comes back;
  * a cut-off blade refuses a load (exit 1, a reason on stderr) and its
    epoch does not move, while the majority still accepts changes;
  * a file that does not validate is refused (exit 2) and changes nothing.
And on 5 blades: the acknowledgement time of a load.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, check, check_equal, figure, log, main, wait_until  # noqa: E402


def shows_everywhere(c, blades, marker, epoch):
        texts = {}
        for b in blades:
                st = c.status(b)
                check_equal(st["epoch"], epoch, "epoch on %s" % b.name)
                texts[b.name] = c.config_show(b)
                check(marker in texts[b.name], "config show on %s lacks the change (%s):\n%s"
                      % (b.name, marker, texts[b.name][:2000]))
        first = texts[blades[0].name]
        for n, t in texts.items():
                check(t == first, "config show differs between %s and %s" % (blades[0].name, n))


def load_and_measure(c, via, tag, label):
        t = time.monotonic()
        e0 = c.status(via)["epoch"]
        roundtrip = time.monotonic() - t
        path, marker = c.config_variant(tag)
        rc, secs, err = c.config_load(via, path)
        check_equal(rc, 0, "config load on %s (stderr: %s)" % (via.name, err))
        # bladectl's own start-up is part of both; the status round trip
        # just before says how much of the load time it is.
        figure("%s_config_load_ack_ms" % label, "%.0f" % (secs * 1000),
               "ms (bladectl status round trip: %.0f ms)" % (roundtrip * 1000))
        # "written everywhere before the admin gets ok": no waiting here.
        shows_everywhere(c, c.blades, marker, e0 + 1)
        log("load via %s acknowledged in %.0f ms; all %d blades at epoch %d"
            % (via.name, secs * 1000, len(c.blades), e0 + 1))
        return e0 + 1


def test_load_replicates_to_all():
        """load on one blade, seen on all three with the same epoch at once"""
        with Cluster(3, name="config-3") as c:
                c.start()
                b1, b2, b3 = c.blades
                epoch = load_and_measure(c, b2, "a", "3blades")
                epoch = load_and_measure(c, b3, "b", "3blades_second")

                # A file that does not even parse: exit 2, nothing changes.
                bad = c.write_file("broken.xml", "<bladed-config><oops></bladed-config>\n")
                rc, _, err = c.config_load(b1, bad)
                check_equal(rc, 2, "config load of a malformed file (stderr: %s)" % err)
                check(err, "no reason printed for a malformed file")
                for b in c.blades:
                        check_equal(c.status(b)["epoch"], epoch, "epoch on %s after a bad load"
                                    % b.name)

                # A blade whose daemon is down during a load gets it on return.
                c.stop_bladed(b3)
                c.wait_converged([b1, b2], what="b1, b2 to see b3's daemon gone")
                path, marker = c.config_variant("c")
                rc, secs, err = c.config_load(b1, path)
                check_equal(rc, 0, "config load with b3's daemon down (stderr: %s)" % err)
                shows_everywhere(c, [b1, b2], marker, epoch + 1)
                c.start_bladed(b3)
                c.wait_converged(epoch=epoch + 1, what="b3 to come back and catch up")
                shows_everywhere(c, c.blades, marker, epoch + 1)
                log("blade3 was down during the load and caught up on return")
                c.check_daemons_alive()


def test_minority_refuses():
        """a cut-off blade refuses config load (exit 1) and keeps its epoch"""
        with Cluster(3, name="config-minority") as c:
                c.start()
                b1, b2, b3 = c.blades
                epoch = c.status(b1)["epoch"]
                c.cut(b3)
                wait_until(lambda: c.status(b3), lambda st: not st["quorate"], 15,
                           "blade3 to lose quorum")
                c.wait_converged([b1, b2], what="blade1, blade2 without blade3")
                path, marker = c.config_variant("minority")
                rc, secs, err = c.config_load(b3, path)
                check_equal(rc, 1, "config load on the minority blade (stderr: %s)" % err)
                reasons = [l for l in err.splitlines() if "warning:" not in l]
                check(reasons, "the refusal gives no reason on stderr")
                check("quorum" in err.lower(), "the refusal does not say it is about quorum: %s"
                      % err)
                log("minority refused in %.0f ms: %s" % (secs * 1000, reasons[-1]))
                check_equal(c.status(b3)["epoch"], epoch, "minority's epoch after the refusal")
                check(marker not in c.config_show(b3), "the refused change shows on blade3")
                # The majority still takes changes.
                path2, marker2 = c.config_variant("majority")
                rc, _, err = c.config_load(b1, path2)
                check_equal(rc, 0, "config load on the majority (stderr: %s)" % err)
                shows_everywhere(c, [b1, b2], marker2, epoch + 1)
                check_equal(c.status(b3)["epoch"], epoch, "minority's epoch while cut off")
                c.restore(b3)
                c.wait_converged(epoch=epoch + 1, what="blade3 back on the majority's epoch")
                shows_everywhere(c, c.blades, marker2, epoch + 1)
                c.check_daemons_alive()


def test_ack_time_5_blades():
        """load on 5 blades: acknowledgement time"""
        with Cluster(5, name="config-5") as c:
                c.start()
                load_and_measure(c, c.blades[3], "five", "5blades")
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_load_replicates_to_all, test_minority_refuses, test_ack_time_5_blades])
