#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The bladed demo (README, command one; normally run by tests/run-demo.sh).

Checks the example files with the offline tools, starts a cluster of
blades (corosync + bladed each) in network namespaces on a private
bridge, shows what every blade sees, cuts the coordinating blade off the
network and shows the others taking over (with the measured time),
replicates a configuration change, and removes everything it created,
whatever happens (Ctrl-C included).

    sudo BLADED_BUILD_DIR=build/demo python3 tests/demo.py [--blades N] [--step]

--step waits for Enter between steps; KEEP=1 keeps the work directory.
Exit status: 0 the demo ran through; 1 a step did not do what it should;
2 it cannot run here (not root, missing tools or binaries).
"""
import argparse
import os
import sys
import textwrap
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "cluster"))
import harness  # noqa: E402
from harness import Cluster, Skip, TestFailure, wait_until  # noqa: E402

STEP = False


def say(text):
        """Narration: plain sentences for the person watching."""
        print()
        for para in text.strip().split("\n\n"):
                print(textwrap.fill(" ".join(para.split()), width=78))
        sys.stdout.flush()


def step(title):
        print()
        print("=" * 78)
        print(title)
        print("=" * 78, flush=True)
        if STEP and sys.stdin.isatty():
                input("(press Enter) ")


def show(cmd_display, text):
        print("\n  $ " + cmd_display)
        for line in text.rstrip("\n").splitlines():
                print("  " + line)
        sys.stdout.flush()


def ctl_offline(*args):
        """Runs an offline bladectl command; returns CompletedProcess."""
        return harness.run([harness.bladectl_path()] + list(args), check=False)


def must(r, what):
        if r.returncode != 0:
                raise TestFailure("%s failed (exit %d): %s" % (what, r.returncode,
                                                             (r.stderr or r.stdout).strip()))
        return r


def check_examples():
        step("1. The two files that describe a cluster")
        nodes = harness.example_path("cluster.conf")
        config = harness.example_path("mail-cluster.xml")
        say("""The blades are listed in an OCFS2-style node file, the same
        /etc/ocfs2/cluster.conf the shared filesystem reads.  bladectl checks it
        offline and generates corosync's nodelist from it, so the two can never
        disagree.""")
        r = must(ctl_offline("nodes", "validate", nodes), "bladectl nodes validate")
        show("bladectl nodes validate xml/examples/cluster.conf",
             r.stdout + r.stderr or "(no problems found)")
        r = must(ctl_offline("nodes", "corosync", nodes), "bladectl nodes corosync")
        show("bladectl nodes corosync xml/examples/cluster.conf", r.stdout)
        say("""What runs where is in resources.xml: virtual IPs for the mail
        services and virtual machines for LDAP, antispam and webmail.  It is
        checked against the schema and for meaning (references, scores,
        timeouts), the blade names against the node file, and each resource's
        parameters against its agent's meta-data (the build's agents here).""")
        r = must(ctl_offline("config", "validate", config, "--nodes", nodes,
                             "--ocf-root", os.path.join(harness.BUILD_DIR, "ocf")),
                 "bladectl config validate")
        show("bladectl config validate xml/examples/mail-cluster.xml --nodes"
             " xml/examples/cluster.conf --ocf-root BUILD/ocf",
             r.stdout + r.stderr or "(no problems found)")


def start_cluster(c):
        step("2. Starting %d blades" % c.n)
        say("""Each blade is a network namespace with one network card on a
        private bridge (subnet %s.0/24, inside 198.18.0.0/15, the range reserved
        for network tests).  On each blade run corosync, which does membership,
        heartbeats and ordered messages, and bladed on top of it.  Nothing
        touches this machine's own network.""" % c.net)
        for b in c.blades:
                print("  %-7s %-15s corosync node id %d" % (b.name, b.ip, b.nodeid))
        t = time.monotonic()
        c.start()
        say("""All %d blades are up and agree on who is there after %.1f s.""" % (
                c.n, time.monotonic() - t))


def show_status(c, blades, note=""):
        for b in blades:
                r = c.ctl(b, "status")
                show("bladectl status      # on %s%s" % (b.name, note),
                     r.stdout + (r.stderr if r.returncode else ""))


def show_everyone(c):
        step("3. What every blade sees")
        say("""bladectl status asks the local daemon.  Every blade reports the same
        blades online, that the cluster has quorum, the same coordinator (the
        blade with the lowest corosync node id) and the same configuration
        epoch.""")
        show_status(c, c.blades)


def cut_coordinator(c):
        step("4. The coordinator's blade drops off the network")
        st = c.status(c.blades[0])
        coord = [b for b in c.blades if b.name == st["coordinator"]][0]
        survivors = [b for b in c.blades if b is not coord]
        say("""%s coordinates.  Now its cable is pulled, at the switch.  corosync
        on the other blades notices the silence within about a second (token
        timeout %d ms); their daemons then pick the next coordinator without any
        election: it is simply the lowest node id left.""" % (coord.name, c.token_ms))
        t = time.time()
        c.cut(coord)
        tk = c.wait_takeover(survivors, t)
        if tk["logged_delay"] is not None:
                reaction = ("every remaining daemon had switched to %s %.0f ms after that"
                            " (their own log lines against corosync's), and bladectl status"
                            " showed it within %.0f ms" % (tk["coordinator"],
                                                          tk["logged_delay"] * 1000,
                                                          tk["delay"] * 1000))
        else:
                reaction = ("every remaining daemon showed %s as coordinator at most %.0f ms"
                            " after that (polling every blade, resolution %.0f ms)"
                            % (tk["coordinator"], tk["delay"] * 1000, tk["resolution"] * 1000))
        say("""%s took over.  corosync announced the new membership %.2f s after the
        cut; %s.""" % (tk["coordinator"], tk["detection"], reaction))
        show_status(c, survivors[:1])
        wait_until(lambda: c.status(coord), lambda s: not s["quorate"], 15,
                   "%s to notice it lost quorum" % coord.name)
        say("""And the blade that was cut off knows it is alone: no quorum, so it
        coordinates nothing and will start nothing.""")
        show_status(c, [coord], " (cut off)")
        say("Plugging it back in: it rejoins and the lowest node id coordinates again.")
        c.restore(coord)
        c.wait_converged(timeout=30)
        show_status(c, [coord])
        return coord


def replicate_config(c):
        step("5. A configuration change reaches every blade")
        src = harness.example_path("mail-cluster.xml")
        with open(src) as f:
                text = f.read()
        # The example's addresses are the university's (198.18.0.x); this
        # demo's blades live in their own /24.
        text = text.replace("198.18.0.", c.net + ".")
        path = c.write_file("mail-cluster.xml", text)
        via = c.blades[-1]
        before = c.status(via)["epoch"]
        say("""The admins load the university's mail configuration on %s.  bladed
        validates it, sends it to every blade through corosync in one agreed
        order, and each blade writes it to disk before the admin gets "ok".
        Its epoch goes from %d to %d.""" % (via.name, before, before + 1))
        rc, secs, err = c.config_load(via, path)
        if rc != 0:
                raise TestFailure("config load failed (exit %d): %s" % (rc, err))
        show("bladectl config load mail-cluster.xml      # on %s" % via.name,
             "(acknowledged after %.0f ms)" % (secs * 1000))
        for b in c.blades:
                st = c.status(b)
                print("  %s: epoch %d" % (b.name, st["epoch"]))
                if st["epoch"] != before + 1:
                        raise TestFailure("%s is at epoch %d, not %d" % (b.name, st["epoch"],
                                                                      before + 1))
        shown = {b.name: c.config_show(b) for b in c.blades}
        if len(set(shown.values())) != 1:
                raise TestFailure("config show differs between blades")
        lines = shown[c.blades[0].name].splitlines()
        start = next((i for i, l in enumerate(lines) if "<bladed-config" in l), 0)
        show("bladectl config show      # on %s, from the root element" % c.blades[0].name,
             "\n".join(lines[start:start + 10]) + ("\n  ..." if len(lines) > start + 10 else ""))
        say("""Every blade holds the same copy with the same epoch.  A blade that is
        down or cut off during a change gets the newest copy when it comes back;
        a blade without quorum refuses changes.  Status now lists the configured
        resources; they stay stopped in this version of the demo (starting them
        is the executor's job).""")
        show_status(c, c.blades[:1])


def main():
        global STEP
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--blades", type=int, default=3)
        ap.add_argument("--step", action="store_true", help="wait for Enter between steps")
        ap.add_argument("--as-test", action="store_true",
                        help="CTest mode: exit 77 (skipped) when it cannot run here")
        args = ap.parse_args()
        STEP = args.step
        if args.blades < 3 or args.blades > 9:
                ap.error("--blades must be 3..9")
        try:
                harness.require(bladed=True)
        except Skip as e:
                print("demo: cannot run here: %s" % e, file=sys.stderr)
                print("demo: tests/run-demo.sh builds everything and runs it as root",
                      file=sys.stderr)
                return 77 if args.as_test else 2
        say("""This demo builds a small blade cluster inside this machine, shows it
        at work and removes it again.  Everything it creates (namespaces,
        processes, files) is removed at the end, also when it fails or you press
        Ctrl-C.""")
        t0 = time.monotonic()
        try:
                check_examples()
                with Cluster(args.blades, name="demo", log_level="info") as c:
                        start_cluster(c)
                        show_everyone(c)
                        cut_coordinator(c)
                        replicate_config(c)
                        step("6. Cleaning up")
                        say("Stopping every daemon and removing the namespaces.")
        except TestFailure as e:
                print("\ndemo: FAILED: %s" % e, file=sys.stderr)
                return 1
        except KeyboardInterrupt:
                print("\ndemo: interrupted; everything was removed.", file=sys.stderr)
                return 130
        except Exception:
                traceback.print_exc()
                print("\ndemo: FAILED with an unexpected error (above); everything was"
                      " removed.", file=sys.stderr)
                return 1
        say("Done in %.0f s; nothing is left behind." % (time.monotonic() - t0))
        return 0


if __name__ == "__main__":
        sys.exit(main())
