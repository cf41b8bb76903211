#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The admin commands that change the configuration, on 3 real blades.

DESIGN.md "Configuration" (a change travels through CPG, the epoch grows by
one, every blade holds the same copy) for the edits CLI.md lists: standby /
online, maintenance on|off, migrate / unmigrate; and bad input changes
nothing (invariant 5's other half).

Checked:
  * standby blade2: exit 0 once blade2 holds nothing; every blade's
    `config show` has standby="true" on blade2 and status says standby;
    `bladectl check` says WARNING; online clears it everywhere;
  * maintenance on/off: the property on every blade, resources unmanaged;
  * migrate svc-a blade3: exit 0 once svc-a runs on blade3 (time printed
    and measured), cli-prefer-svc-a on every blade and as <preference> in
    status; unmigrate removes it everywhere; unmigrate again: exit 1;
  * migrate a group member: exit 2 naming the group; the group itself moves;
  * unknown resource or blade, bad maintenance word: exit 2 with a message,
    epoch unchanged on every blade.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, check, check_equal, config_xml, figure, log, main,  # noqa: E402
                     primitive_xml, wait_until)


def epochs(c):
        return {b.name: c.status(b)["epoch"] for b in c.blades}


def same_everywhere(c, what, cond):
        """cond(config show text) holds on every blade, and the texts agree."""
        texts = {b.name: c.config_show(b) for b in c.blades}
        for name, t in texts.items():
                check(cond(t), "%s: not so on %s:\n%s" % (what, name, t[:3000]))
        first = texts[c.blades[0].name]
        for name, t in texts.items():
                check(t == first, "config show differs between %s and %s" % (c.blades[0].name,
                                                                              name))


def refused(c, b, args, want_rc, want_text):
        """bladectl ARGS on b: exit want_rc, want_text on stderr, no epoch moved
        (want_rc 0: a request with nothing to do)."""
        before = epochs(c)
        r = c.ctl(b, *args, timeout=60)
        check_equal(r.returncode, want_rc, "bladectl %s (stderr: %s)" % (" ".join(args),
                                                                         r.stderr.strip()))
        check(want_text in r.stderr, "bladectl %s: stderr lacks %r: %s"
              % (" ".join(args), want_text, r.stderr.strip()))
        check_equal(epochs(c), before, "epochs after the refused 'bladectl %s'" % " ".join(args))
        said = (r.stderr.strip() or r.stdout.strip() or "-").splitlines()[-1]
        log("as expected: bladectl %s -> %d: %s" % (" ".join(args), r.returncode, said))


def config_text(c):
        state = [("state_dir", c.agent_state_dir)]
        group = ('    <group id="g-web">\n%s%s    </group>\n'
                 % (primitive_xml("web-ip", "ocf:test:statefile", state, monitor="5s",
                                  indent="      "),
                    primitive_xml("web-app", "ocf:test:statefile", state, monitor="5s",
                                  indent="      ")))
        return config_xml([primitive_xml("svc-a", "ocf:test:statefile", state, monitor="5s"),
                           primitive_xml("svc-b", "ocf:test:statefile", state, monitor="5s"),
                           group])


def test_admin_edits():
        """standby/online, maintenance, migrate/unmigrate on 3 blades; refusals"""
        with Cluster(3, name="admin") as c:
                c.set_initial_config(config_text(c))
                c.start()
                b1, b2, b3 = c.blades
                for rsc in ("svc-a", "svc-b", "web-ip", "web-app"):
                        c.wait_placement(rsc, timeout=60)
                e = c.status(b1)["epoch"]

                # ---- refusals first: nothing may change ----
                refused(c, b1, ["migrate", "nosuch", "blade2"], 2, "unknown resource 'nosuch'")
                refused(c, b2, ["migrate", "svc-a", "blade9"], 2, "unknown blade 'blade9'")
                refused(c, b3, ["standby", "blade9"], 2, "unknown blade 'blade9'")
                refused(c, b1, ["standby", "bad name"], 2, "blade name")
                refused(c, b1, ["maintenance", "maybe"], 2, "maintenance on|off")
                refused(c, b1, ["unmigrate", "svc-a"], 1,
                        "svc-a has no preference left by migrate")
                refused(c, b1, ["migrate", "web-app", "blade3"], 2, "g-web")
                refused(c, b1, ["online", "blade2"], 0, "")  # not on standby: nothing to do

                # ---- standby / online ----
                r = c.ctl(b1, "standby", "blade2", "--wait", "60", timeout=90)
                check_equal(r.returncode, 0, "standby blade2 (stderr: %s)" % r.stderr.strip())
                log("standby blade2: %s" % r.stdout.strip().replace("\n", " | "))
                check("blade2: on standby, holds nothing" in r.stdout, "standby's output: %r"
                      % r.stdout)
                moved = r.stdout.splitlines()[1:]
                check(all(" -> blade1" in l or " -> blade3" in l for l in moved),
                      "standby's list of what moved: %r" % r.stdout)
                e += 1
                same_everywhere(c, "blade2 on standby",
                                lambda t: re.search(r'<node name="blade2" standby="true"/>', t))
                for b in c.blades:
                        st = c.status(b)
                        check_equal(st["epoch"], e, "epoch on %s after standby" % b.name)
                        check_equal(st["nodes"]["blade2"]["state"], "standby",
                                    "blade2's state seen from %s" % b.name)
                        for rsc, v in st["resources"].items():
                                check(v.get("node") != "blade2", "%s still on blade2 (seen from %s)"
                                      % (rsc, b.name))
                r = c.ctl(b3, "check")
                check_equal(r.returncode, 1, "check with a blade on standby: %s" % r.stdout)
                check(r.stdout.startswith("BLADED WARNING - ") and "blade2 on standby" in r.stdout,
                      "check line: %s" % r.stdout)
                r = c.ctl(b3, "online", "blade2")
                check_equal(r.returncode, 0, "online blade2 (stderr: %s)" % r.stderr.strip())
                e += 1
                same_everywhere(c, "blade2 online again", lambda t: "standby" not in t)
                wait_until(lambda: c.status(b1), lambda st: st["nodes"]["blade2"]["state"] ==
                           "online", 10, "blade2 online in status")
                r = c.ctl(b2, "check")
                log("check: %s" % r.stdout.strip())
                check(r.stdout.startswith("BLADED "), "check prints no status line: %r" % r.stdout)

                # ---- maintenance ----
                r = c.ctl(b2, "maintenance", "on")
                check_equal(r.returncode, 0, "maintenance on (stderr: %s)" % r.stderr.strip())
                e += 1
                same_everywhere(c, "maintenance on", lambda t: 'maintenance="true"' in t)
                st = c.status(b3)
                check(all(v["role"] == "unmanaged" for v in st["resources"].values()),
                      "roles in maintenance: %s" % {k: v["role"] for k, v in
                                                    st["resources"].items()})
                r = c.ctl(b2, "maintenance", "off")
                check_equal(r.returncode, 0, "maintenance off (stderr: %s)" % r.stderr.strip())
                e += 1
                same_everywhere(c, "maintenance off", lambda t: 'maintenance="true"' not in t)

                # ---- migrate / unmigrate ----
                start = c.status(b1)["resources"]["svc-a"].get("node")
                target = "blade3" if start != "blade3" else "blade1"
                t0 = time.monotonic()
                r = c.ctl(b1, "migrate", "svc-a", target, "--wait", "60", timeout=90)
                secs = time.monotonic() - t0
                check_equal(r.returncode, 0, "migrate svc-a %s (stderr: %s)"
                            % (target, r.stderr.strip()))
                check(("svc-a: moved from %s to %s" % (start, target)) in r.stdout and
                      "cli-prefer-svc-a stays until 'bladectl unmigrate svc-a'" in r.stdout,
                      "migrate's output: %r" % r.stdout)
                figure("migrate_statefile_s", "%.2f" % secs, "s (bladectl migrate, wall)")
                log(r.stdout.strip())
                e += 1
                marker = ('<location id="cli-prefer-svc-a" rsc="svc-a" node="%s" '
                          'score="INFINITY"/>' % target)
                same_everywhere(c, "cli-prefer-svc-a", lambda t: marker in t)
                for b in c.blades:
                        st = c.status(b)
                        check_equal(st["resources"]["svc-a"].get("node"), target,
                                    "svc-a's blade seen from %s" % b.name)
                        raw = c.ctl(b, "status", "--xml").stdout
                        check('<preference rsc="svc-a" node="%s" score="INFINITY" '
                              'id="cli-prefer-svc-a"/>' % target in raw,
                              "status --xml on %s shows no preference:\n%s" % (b.name, raw))
                text = c.ctl(b2, "status").stdout
                check("Preferences left by migrate" in text and "cli-prefer-svc-a" in text,
                      "text status lacks the preference:\n%s" % text)
                r = c.ctl(b2, "unmigrate", "svc-a")
                check_equal(r.returncode, 0, "unmigrate svc-a (stderr: %s)" % r.stderr.strip())
                e += 1
                same_everywhere(c, "no cli-* left", lambda t: "cli-" not in t)
                refused(c, b3, ["unmigrate", "svc-a"], 1,
                        "svc-a has no preference left by migrate")

                # the group moves as one
                gstart = c.status(b1)["resources"]["web-app"].get("node")
                gtarget = "blade1" if gstart != "blade1" else "blade2"
                r = c.ctl(b3, "migrate", "g-web", gtarget, "--wait", "60", timeout=90)
                check_equal(r.returncode, 0, "migrate g-web %s (stderr: %s)"
                            % (gtarget, r.stderr.strip()))
                e += 1
                st = c.status(b1)
                for rsc in ("web-ip", "web-app"):
                        check_equal(st["resources"][rsc].get("node"), gtarget,
                                    "%s after migrating its group" % rsc)
                r = c.ctl(b3, "unmigrate", "g-web")
                check_equal(r.returncode, 0, "unmigrate g-web (stderr: %s)" % r.stderr.strip())
                e += 1

                for b in c.blades:
                        check_equal(c.status(b)["epoch"], e, "final epoch on %s" % b.name)
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_admin_edits])
