#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`bladectl fence` against a live cluster (issue 5, CLI.md), 3 blades.

Fencing on; blade1 and blade3 have a fence_bladens device (through the
logging wrapper of tests/cluster/failover.py, so "nothing happened" means
"the fence agent was never asked to power anything off"); blade2 has none.
svc is a statefile resource (tests/cluster/agents/statefile) with a
preference for blade3.

Asked on blade1, in this order:
- `fence blade3 --status`: exit 0, "fence device answers, power is on";
  the agent was called with status only, blade3 keeps running;
- `fence blade3` without --yes, "yes" piped on stdin (not a terminal):
  refused, exit 2, and nothing happens (no "off" call, blade3 and svc
  untouched); on a terminal (a pty) answering "no": exit 1, not fenced;
- `fence blade1 --yes` (the blade asked) is refused with a message saying
  it will not fence its own blade; blade1 runs on;
- `fence blade2 --status` (no device): exit 1 naming the missing device;
- `fence blade9 ...` (no such blade): exit 2; a malformed name: exit 2;
- `fence blade3 --yes`: exit 0, "blade3 fenced (N ms)"; blade3 is powered
  off (no process left in its namespace, links down); both survivors'
  status show it "fenced"; svc recovers on a survivor, and a power-aware
  sampler never sees it on two powered blades; `--status` then says the
  power is off.
Figures: the fence (bladectl's "N ms"), fence command -> svc started on a
survivor.

Second case, `fence NODE --confirm-off` (the admin vouches that a lost
blade is off when its device cannot): refused while the blade's bladed is a
member, refused on a pipe without --yes, confirms nothing when another name
is typed; blade3 powered off with a device that always fails: svc stays
down (fence failing), then the typed confirmation makes blade3 "fenced" on
both survivors and svc recovers.

Root only, with corosync; otherwise skipped (77).
"""
import os
import pty
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import failover  # noqa: E402
import fencing  # noqa: E402
import harness  # noqa: E402
from harness import Cluster, check, check_equal, figure, hold, log, main, wait_until  # noqa: E402

RSC = "svc"


def ctl_stdin(c, b, args, stdin_text="yes\n", timeout=20):
        """bladectl on blade b with stdin a pipe (never the test's terminal)."""
        return harness.run(["ip", "netns", "exec", b.ns, harness.bladectl_path(),
                            "--socket", b.socket] + list(args),
                           check=False, timeout=timeout, input=stdin_text)


def ctl_tty(c, b, args, answer, timeout=20):
        """bladectl on blade b with stdin a pseudo-terminal that gets `answer`
        typed; returns (exit status, stderr)."""
        master, slave = pty.openpty()
        try:
                p = subprocess.Popen(["ip", "netns", "exec", b.ns, harness.bladectl_path(),
                                      "--socket", b.socket] + list(args),
                                     stdin=slave, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
                os.write(master, answer.encode())
                out, err = p.communicate(timeout=timeout)
                return p.returncode, err
        finally:
                os.close(master)
                os.close(slave)


def off_calls(c):
        return failover.fence_calls(c, "off", kind=None)


def expect_nothing_happened(c, victim, holder, what):
        check_equal(off_calls(c), [], "fence 'off' calls after %s" % what)
        check(not failover.is_off(c, victim), "%s is powered off after %s" % (victim.name, what))
        check(all(p.alive() for p in victim.procs()),
              "%s's daemons died after %s" % (victim.name, what))
        check_equal(c.placement(RSC), holder, "%s's blade after %s" % (RSC, what))


def check_refused(r, code, pattern, what):
        check(r.returncode == code, "%s: exit %d, want %d (stdout %r, stderr %r)"
              % (what, r.returncode, code, r.stdout.strip(), r.stderr.strip()))
        check(re.search(pattern, r.stderr), "%s: stderr %r does not match %r"
              % (what, r.stderr.strip(), pattern))


def test_fence_command():
        """fence --status, refusals (no --yes, own blade, no device, unknown), then a real fence"""
        with Cluster(3, name="fence-cmd") as c:
                b1, b2, b3 = c.blades
                path = c.set_initial_config(failover.failover_config(
                        c, [failover.statefile_primitive(c, RSC)], prefer={RSC: (b3, 5000)},
                        fence_blades=[b1, b3]))
                failover.validate(c, path)
                c.start()
                check_equal(c.wait_placement(RSC, timeout=60), b3.name, "%s's blade" % RSC)
                check(os.path.exists(c.statefile_paths(RSC)[b3.name]),
                      "%s's state file on %s is missing" % (RSC, b3.name))

                # --status: the device answers, power on; nothing powered off.
                r = c.ctl(b1, "fence", b3.name, "--status")
                check(r.returncode == 0, "fence %s --status: exit %d: %s"
                      % (b3.name, r.returncode, r.stderr.strip()))
                check(re.search(r"%s: fence device answers, power is on" % b3.name, r.stdout),
                      "fence %s --status says %r" % (b3.name, r.stdout.strip()))
                check([a for _, _, a, v, _ in failover.fence_calls(c, victim=b3.name)]
                      == ["status"], "fence agent calls for --status: %s"
                      % failover.fence_calls(c, kind=None))
                expect_nothing_happened(c, b3, b3.name, "fence --status")

                # No --yes, "yes" on a pipe: not a terminal, so refused.
                r = ctl_stdin(c, b1, ["fence", b3.name], "yes\n")
                check_refused(r, 2, r"--yes", "fence %s without --yes, stdin a pipe" % b3.name)
                # On a terminal, answering anything but "yes".
                rc, err = ctl_tty(c, b1, ["fence", b3.name], "no\n")
                check(rc == 1 and "not fenced" in err, "fence %s on a terminal answered 'no':"
                      " exit %d, stderr %r" % (b3.name, rc, err.strip()))
                check("Type yes" in err, "no confirmation prompt on a terminal: %r" % err)

                # Its own blade.
                r = c.ctl(b1, "fence", b1.name, "--yes")
                check_refused(r, 1, r"refusing to fence the blade this bladed runs on",
                              "fence %s --yes asked on %s" % (b1.name, b1.name))
                # No device: --status fails and names what is missing.
                r = c.ctl(b1, "fence", b2.name, "--status")
                check_refused(r, 1, r"no fence device for %s" % b2.name,
                              "fence %s --status (no device)" % b2.name)
                r = c.ctl(b1, "fence", b2.name, "--yes")
                check_refused(r, 1, r"no fence device for %s" % b2.name,
                              "fence %s --yes (no device)" % b2.name)
                # Unknown and malformed names.
                for args in (["blade9", "--status"], ["blade9", "--yes"]):
                        r = c.ctl(b1, "fence", *args)
                        check_refused(r, 2, r"no blade named 'blade9'", "fence " + " ".join(args))
                r = c.ctl(b1, "fence", "bad/name", "--yes")
                check_refused(r, 2, r"bad/name", "fence bad/name --yes")
                hold(lambda: c.placement(RSC), lambda n: n == b3.name, 2,
                     "%s staying on %s after the refused requests" % (RSC, b3.name))
                expect_nothing_happened(c, b3, b3.name, "the refused requests")
                check(not failover.is_off(c, b2) and not failover.is_off(c, b1),
                      "a blade was powered off by a refused request")
                log("refusals: no --yes (pipe) exit 2, terminal 'no' exit 1, own blade, no"
                    " device, unknown blade: nothing powered off")

                # The real thing.
                survivors = [b1, b2]
                sampler = failover.start_powered_sampler(
                        c, files={RSC: c.statefile_paths(RSC)})
                wait_until(lambda: len(sampler.samples), lambda n: n >= 5, 10, "first samples")
                fencing.expect_power_off(c, b3)
                t0 = time.time()
                r = ctl_stdin(c, b1, ["fence", b3.name, "--yes"], "", timeout=90)
                t_ctl = time.time()
                check(r.returncode == 0, "fence %s --yes: exit %d: %s"
                      % (b3.name, r.returncode, r.stderr.strip()))
                m = re.search(r"%s fenced \((\d+) ms\)" % b3.name, r.stdout)
                check(m, "fence %s --yes said %r" % (b3.name, r.stdout.strip()))
                check(failover.is_off(c, b3), "bladectl says %s is fenced but it is not powered"
                      " off" % b3.name)
                wait_until(lambda: fencing.is_powered_off(c, b3), bool, 10,
                           "no process left in %s's namespace" % b3.name, interval=0.2)
                offs = off_calls(c)
                check(len([x for x in offs if x[0] == "E"]) == 1 and offs[-1][3] == b3.name
                      and offs[-1][4] == 0, "fence 'off' calls: %s" % offs)
                for b in survivors:
                        wait_until(lambda: c.status(b)["nodes"][b3.name]["state"],
                                   lambda s: s == "fenced", 20,
                                   "%s's status to show %s fenced" % (b.name, b3.name))
                text = c.ctl(b2, "status").stdout
                check(any(b3.name in l and "fenced" in l for l in text.splitlines()),
                      "bladectl status on %s does not show %s fenced:\n%s" % (b2.name, b3.name,
                                                                              text))
                new = c.wait_placement(RSC, timeout=60, blades=survivors,
                                       what="%s started on a survivor" % RSC)
                check(new in (b1.name, b2.name), "%s placed on %s" % (RSC, new))
                wait_until(lambda: [t for t, h in sampler.holders_at(RSC) if t > t0 and new in h],
                           bool, 10, "the sampler to see %s on %s" % (RSC, new))
                up = [t for t, h in sampler.holders_at(RSC) if t > t0 and new in h]
                sampler.stop()
                n = sampler.check_exclusive()
                # After the sampler: its `ip -n` readings are processes in
                # blade3's namespace, which fence_bladens counts as power on.
                r = c.ctl(b1, "fence", b3.name, "--status")
                check(r.returncode == 0 and "power is off" in r.stdout,
                      "fence %s --status after the fence: exit %d: %r %r"
                      % (b3.name, r.returncode, r.stdout.strip(), r.stderr.strip()))
                figure("fence_cmd_fence_ms", m.group(1), "ms")
                figure("fence_cmd_to_rsc_started_s", "%.2f" % (up[0] - t0), "s")
                log("fence %s --yes returned after %.2f s; %s on %s %.2f s after the command;"
                    " %d samples, never on two powered blades"
                    % (b3.name, t_ctl - t0, RSC, new, up[0] - t0, n))
                c.check_daemons_alive()


def test_confirm_off():
        """fence --confirm-off: refused for a member; a lost blade is recovered on the admin's word"""
        with Cluster(3, name="fence-confirm") as c:
                b1, b2, b3 = c.blades
                path = c.set_initial_config(failover.failover_config(
                        c, [failover.statefile_primitive(c, RSC)], prefer={RSC: (b3, 5000)},
                        fail=(b3,)))
                failover.validate(c, path)
                c.start()
                check_equal(c.wait_placement(RSC, timeout=60), b3.name, "%s's blade" % RSC)

                # A member is not off: refused, whatever the admin says.
                r = c.ctl(b1, "fence", b3.name, "--confirm-off", "--yes")
                check_refused(r, 1, r"is in the cluster right now: it is not off",
                              "fence %s --confirm-off while it is a member" % b3.name)
                # Not on a terminal and no --yes: refused before asking the daemon.
                r = ctl_stdin(c, b1, ["fence", b3.name, "--confirm-off"], b3.name + "\n")
                check_refused(r, 2, r"--yes", "--confirm-off without --yes on a pipe")
                # On a terminal, typing another name confirms nothing.
                rc, err = ctl_tty(c, b1, ["fence", b3.name, "--confirm-off"], "blade2\n")
                check(rc == 1 and "nothing confirmed" in err,
                      "--confirm-off answered with another name: exit %d, %r" % (rc, err))

                # blade3 dies; its device always fails: svc stays blocked.
                t0 = time.time()
                fencing.power_off(c, b3)
                wait_until(lambda: failover.cluster_log_lines(c, since=t0, match="FAILED",
                                                              blades=[b1, b2]),
                           bool, 30, "a failed fence of %s in the survivors' logs" % b3.name)
                hold(lambda: c.placement(RSC, blades=[b1, b2]), lambda n: n is None, 3,
                     "%s staying down while %s's fence fails" % (RSC, b3.name))
                # The admin has checked the blade is off, and says so.
                rc, err = ctl_tty(c, b1, ["fence", b3.name, "--confirm-off"], b3.name + "\n")
                check(rc == 0, "--confirm-off typed on a terminal: exit %d, %r" % (rc, err))
                for b in (b1, b2):
                        wait_until(lambda: c.status(b)["nodes"][b3.name]["state"],
                                   lambda st: st == "fenced", 20,
                                   "%s's status to show %s fenced" % (b.name, b3.name))
                new = c.wait_placement(RSC, timeout=60, blades=[b1, b2],
                                       what="%s recovered after --confirm-off" % RSC)
                log("%s recovered on %s %.2f s after the power-off, on the admin's word"
                    % (RSC, new, time.time() - t0))
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_fence_command, test_confirm_off])
