#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The bladed demo (README, command one; normally run by tests/run-demo.sh).

Checks the example files with the offline tools, then runs the university's
mail cluster (xml/examples/mail-cluster.xml) on three blades in network
namespaces: corosync, bladed and a libvirtd each, plus a "SAN" namespace
serving the VMs' disks over NBD (tests/cluster/vmcluster.py).  It shows
status, powers off the blade holding mx1's address and the LDAP VM through
the fence agent and shows the failover with its measured times, powers the
blade back on, live-migrates a VM (its counter goes on), puts a blade on
standby and back online, and removes everything it created, whatever
happens (Ctrl-C included).

The example as run here (mail_config): the VIPs move into this run's
subnet; vm-ldap and vm-webmail are real libvirt + QEMU guests (a tiny guest
that prints a counter on its serial port: tests/vm/guest.S) with their
monitor every 10 s and a 1 s clean-shutdown wait (the guest ignores ACPI);
vm-antispam and its location are dropped (a third emulated guest costs CPU
and shows nothing new); the IPMI fence devices become fence_bladens devices
(tests/cluster/agents/fence_bladens).  Everything else is the example's.

    sudo BLADED_BUILD_DIR=build/demo python3 tests/demo.py [--step] [--as-test]

--step waits for Enter between steps; KEEP=1 keeps the work directory;
--as-test (ctest cluster-demo) exits 77 when it cannot run here.
Exit status: 0 the demo ran through; 1 a step did not do what it should
(no failover, a VM or an address on two blades, a migration that rebooted
the guest...); 2 it cannot run here (not root, missing tools or binaries).
"""
import argparse
import os
import sys
import textwrap
import threading
import time
import traceback
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "cluster"))
import fencing  # noqa: E402
import harness  # noqa: E402
import vmcluster  # noqa: E402
from harness import Skip, TestFailure, check, wait_until  # noqa: E402

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


VMS = {"vm-ldap": "ldap", "vm-webmail": "webmail"}


def mail_config(c):
        """The example rewritten for this run (module doc). Returns (text, {vip id: ip})."""
        root = ET.parse(harness.example_path("mail-cluster.xml")).getroot()
        resources = root.find("resources")
        for prim in list(resources):
                if prim.get("id") == "vm-antispam":
                        resources.remove(prim)
        cons = root.find("constraints")
        for e in list(cons):
                if e.get("rsc") == "vm-antispam":
                        cons.remove(e)
        vips, n = {}, 101
        for prim in root.iter("primitive"):
                rid = prim.get("id")
                if prim.get("agent") == "ocf:bladed:vip":
                        vips[rid] = "%s.%d" % (c.net, n)
                        n += 1
                        for p in prim.findall("param"):
                                if p.get("name") == "ip":
                                        p.set("value", vips[rid])
                elif rid in VMS:
                        for p in prim.findall("param"):
                                prim.remove(p)
                        params = [("backend", "libvirt"), ("domain", VMS[rid]),
                                  ("config", c.domain_xml[VMS[rid]]), ("uri", vmcluster.URI),
                                  ("shutdown_timeout", "1"), ("hypervisor_timeout", "10")]
                        for i, (k, v) in enumerate(params):
                                prim.insert(i, ET.Element("param", {"name": k, "value": v}))
                        for op in prim.findall("op"):
                                if op.get("name") == "monitor":
                                        op.set("interval", "10s")
        root.remove(root.find("fencing"))
        root.append(ET.fromstring(fencing.fencing_xml(c)))
        check(len(vips) == 5 and all(r in vips for r in ("vip-mx1", "vip-mx2", "vip-imap")),
              "the example's VIPs changed: %s" % sorted(vips))
        return '<?xml version="1.0"?>\n' + ET.tostring(root, encoding="unicode") + "\n", vips


def placement(c, b):
        """{resource: blade or None} as b's daemon sees it."""
        st = c.status(b)
        return {r: (v.get("node") if v.get("role") == "started" else None)
                for r, v in st["resources"].items()}


def settled(c, blades, want=None):
        """Waits until every resource is started and the blades agree; returns
        the placement.  want: {resource: blade} that must hold too."""
        def observe():
                views = [placement(c, b) for b in blades]
                if any(v != views[0] for v in views):
                        return None
                p = views[0]
                if any(v is None for v in p.values()):
                        return None
                if want and any(p.get(r) != n for r, n in want.items()):
                        return None
                return p
        return wait_until(observe, bool, 90, "every resource started, the blades agreeing"
                          + (" (%s)" % want if want else ""), interval=0.2)


def vm_line(c):
        parts = []
        for rid, dom in VMS.items():
                where = c.vm_running_on(dom)
                cnt = c.guest_counter(dom)
                parts.append("%s on %s (guest counter at %s, %d boot%s)"
                             % (dom, ", ".join(where) or "nowhere", cnt["last"],
                                cnt["boots"], "" if cnt["boots"] == 1 else "s"))
        return "; ".join(parts)


def start_cluster(c):
        step("2. Three blades with the mail cluster")
        text, vips = mail_config(c)
        path = c.set_initial_config(text)
        say("""Each blade is a network namespace on a private bridge (subnet %s.0/24,
        inside 198.18.0.0/15, the range reserved for network tests); nothing
        touches this machine's own network.  Each runs corosync, bladed and
        a libvirtd; a fourth namespace plays the SAN that holds the VMs'
        disks, so a VM can run on, and move live between, any blade.  The
        configuration is the mail-cluster example with this run's addresses,
        ldap and webmail as real QEMU guests (antispam left out) and a test
        fence agent instead of IPMI.""" % c.net)
        r = must(c.ctl(c.blades[0], "config", "validate", path, "--ocf-root", c.ocf_root),
                 "bladectl config validate")
        show("bladectl config validate mail-cluster-demo.xml", (r.stdout + r.stderr).strip())
        t = time.monotonic()
        c.start()
        say("Blades up and agreeing after %.1f s; now the resources start." % (
                time.monotonic() - t))
        p = settled(c, c.blades)
        for dom in VMS.values():
                c.wait_vm(dom, timeout=60)
                c.wait_ticks(dom, 1)
        for rid, ip in vips.items():
                check(c.client_ping(ip, timeout=5), "%s (%s) does not answer" % (rid, ip))
        say("""Everything runs %.1f s after start; every virtual IP answers ping
        from a client namespace.""" % (time.monotonic() - t))
        return p, vips


def show_status(c, b, note=""):
        r = c.ctl(b, "status")
        show("bladectl status      # on %s%s" % (b.name, note),
             r.stdout + (r.stderr if r.returncode else ""))


def power_off(c, placement_now, vips):
        step("3. A blade loses power")
        victim = c.blade(placement_now["vm-ldap"])
        survivors = [b for b in c.blades if b is not victim]
        held = sorted(r for r, n in placement_now.items() if n == victim.name)
        say("""%s runs %s.  Its power is now cut through its fence device (the test
        fence agent's "off": every process in the blade dies, its links go
        down), as if the blade had failed.  The others must notice, fence it
        themselves (confirm through the device that it is off: the LDAP VM's
        disk is shared, it must never run twice) and restart its resources.""" % (
                victim.name, ", ".join(held)))
        vs = c.start_sampler(vips=list(vips.values()))
        ms = c.start_vm_sampler(list(VMS.values()))
        wait_until(lambda: len(ms.samples), lambda n: n >= 3, 10, "first samples")
        mx1 = vips["vip-mx1"] if placement_now.get("vip-mx1") == victim.name else None
        ping = {}

        def pinger():
                while mx1 and "t" not in ping and time.time() - t0 < 60:
                        if c.client_ping(mx1, timeout=0.5):
                                ping["t"] = time.time()
        t0 = time.time()
        c.power_off(victim)
        th = threading.Thread(target=pinger, daemon=True)
        if mx1:
                time.sleep(0.05)   # the address is gone with the blade
                th.start()
        memb = c.wait_membership_event(survivors[0], t0, timeout=20)
        t_fence = wait_until(lambda: fenced_at(c, victim, survivors, t0), bool, 30,
                             "a survivor to fence %s" % victim.name)
        where = c.wait_vm("ldap", timeout=60, what="ldap running on a survivor")
        check(where != victim.name, "ldap still on %s" % where)
        # The sampler runs on its own clock: wait until it has seen the VM
        # there too, then compare its first sighting with the fence.
        t_vm = wait_until(lambda: ms.first_on("ldap", where, since=t0),
                          lambda t: t is not None, 30, "the VM sampler to see ldap on %s" % where,
                          interval=0.1)
        check(t_vm >= t_fence,
              "ldap ran on %s at %s, before the fence was confirmed at %.3f (samples: %s)"
              % (where, t_vm, t_fence, [(round(t, 3), h) for t, h in ms.samples
                                        if t_fence - 3 < t < t_fence + 1]))
        after = settled(c, survivors)
        if mx1:
                th.join(60)
                check("t" in ping, "mx1's address %s does not answer after the failover" % mx1)
        print()
        print("  Measured (seconds after the power cut):")
        rows = [("corosync on the survivors sees %s gone" % victim.name, memb - t0, ""),
                ("bladed confirms the fence (device: off)", t_fence - t0,
                 "+%.2f" % (t_fence - memb))]
        if mx1:
                rows.append(("mx1's address answers ping again", ping["t"] - t0,
                             "on %s" % after["vip-mx1"]))
        rows.append(("the LDAP VM runs again", t_vm - t0,
                     "on %s, +%.2f after the fence" % (where, t_vm - t_fence)))
        for label, secs, note in rows:
                print("    %-42s %6.2f  %s" % (label, secs, note))
        sys.stdout.flush()
        say("""The LDAP VM booted again on %s: a VM whose blade lost power loses
        its memory; what a live migration keeps comes next.  Every 50 ms a
        sampler checked every blade's addresses and QEMU processes: nothing
        was ever on two blades.""" % where)
        show_status(c, survivors[0])
        ms.stop()
        vs.stop()
        ms.check_exclusive(min_samples=5)
        # A powered-off blade keeps its addresses on a dead link: from the
        # power cut on it holds nothing anyone can reach.
        bad = [(t, ip, h) for t, held in vs.samples for ip, h in held.items()
               if len([n for n in h if t < t0 or n != victim.name]) > 1]
        check(len(vs.samples) >= 5 and not bad, "an address on two live blades: %s (%d"
              " samples)" % (bad[:1], len(vs.samples)))
        return victim


def fenced_at(c, victim, survivors, since):
        for b in survivors:
                for t, _, msg in harness.bladed_log_lines(os.path.join(b.dir, "bladed.err"),
                                                          since):
                        if msg.startswith("%s is fenced" % victim.name):
                                return t
        return None


def power_on(c, victim):
        step("4. The blade comes back")
        say("""%s is powered on again: its corosync, libvirtd and bladed start, it
        rejoins, and its preferred resources (mx1, and the LDAP VM, whose
        preference of 500 beats the stickiness of 100) move back to it; the
        VM by live migration.""" % victim.name)
        t = time.monotonic()
        c.power_on(victim)
        c.wait_converged(timeout=40)
        before = c.guest_counter("ldap")
        settled(c, c.blades, {"vm-ldap": victim.name, "vip-mx1": victim.name})
        c.wait_vm("ldap", timeout=30, on=victim.name)
        c.wait_ticks("ldap", before["last"] + 1)
        say("Back to the start-up placement after %.1f s.  %s." % (time.monotonic() - t,
                                                                  vm_line(c)))


def live_migrate(c):
        step("5. Moving a VM by hand: live migration")
        now = placement(c, c.blades[0])
        src = now["vm-ldap"]
        tgt = next(b.name for b in c.blades if b.name not in (src, now["vip-mx2"]))
        before = c.guest_counter("ldap")
        say("""The admins move the LDAP VM from %s to %s, e.g. to work on %s.
        Its guest prints a counter every second; a restarted guest would print
        its boot banner and start again at 1.  Counter now: %s.""" % (
                src, tgt, src, before["last"]))
        ms = c.start_vm_sampler(list(VMS.values()))
        r = must(c.ctl(c.blades[0], "migrate", "vm-ldap", tgt, timeout=120), "bladectl migrate")
        show("bladectl migrate vm-ldap %s" % tgt, r.stdout + r.stderr)
        c.wait_vm("ldap", timeout=30, on=tgt)
        after = c.wait_ticks_on("ldap", tgt, before["last"])
        cnt = c.guest_counter("ldap")
        check(cnt["boots"] == before["boots"], "the guest rebooted during the migration")
        check(cnt["by"].get(tgt, 0) > before["last"], "the counter did not go on on %s" % tgt)
        ms.stop()
        ms.check_exclusive(min_samples=5)
        say("""On %s the counter went on (%s -> %s) with no new boot: memory and
        CPU state moved.  migrate leaves a preference, shown by status, until
        'bladectl unmigrate vm-ldap'.  Dropping it now: the configured
        preference for %s (500) beats stickiness (100), so the VM goes back
        there, live again.""" % (tgt, before["last"], after, src))
        must(c.ctl(c.blades[0], "unmigrate", "vm-ldap", timeout=30), "bladectl unmigrate")
        settled(c, c.blades, {"vm-ldap": src})


def standby_online(c):
        step("6. A blade on standby for maintenance, then back")
        now = placement(c, c.blades[0])
        blade = now["vm-ldap"]
        held = sorted(r for r, n in now.items() if n == blade)
        say("""%s holds %s.  standby empties it: its addresses move and the LDAP VM
        migrates live; nothing new is placed there until it is online again.
        (The webmail group moves live as well: its address "migrates" by
        being removed here and added there, then the VM follows.)""" % (
                blade, ", ".join(held)))
        before = c.guest_counter("ldap")
        ms = c.start_vm_sampler(list(VMS.values()))
        r = must(c.ctl(c.blades[0], "standby", blade, timeout=120), "bladectl standby")
        show("bladectl standby %s" % blade, r.stdout + r.stderr)
        p = settled(c, c.blades)
        check(blade not in p.values(), "%s still holds something on standby: %s" % (blade, p))
        c.wait_ticks_on("ldap", p["vm-ldap"], before["last"])
        cnt = c.guest_counter("ldap")
        check(cnt["boots"] == before["boots"], "the LDAP guest rebooted on standby")
        check(cnt["by"].get(p["vm-ldap"], 0) > before["last"],
              "the LDAP guest's counter did not go on on %s" % p["vm-ldap"])
        show_status(c, c.blades[-1])
        r = must(c.ctl(c.blades[0], "online", blade, timeout=30), "bladectl online")
        show("bladectl online %s" % blade, r.stdout + r.stderr)
        settled(c, c.blades, {"vm-ldap": blade})
        c.wait_vm("ldap", timeout=30, on=blade)
        ms.stop()
        ms.check_exclusive(min_samples=5)
        say("""Online again, %s gets back what prefers it (the example's
        preferences beat stickiness); without a preference things would stay
        where they are.  %s.""" % (blade, vm_line(c)))


def main():
        global STEP
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--step", action="store_true", help="wait for Enter between steps")
        ap.add_argument("--as-test", action="store_true",
                        help="CTest mode: exit 77 (skipped) when it cannot run here")
        args = ap.parse_args()
        STEP = args.step
        try:
                vmcluster.require_vm()
        except Skip as e:
                print("demo: cannot run here: %s" % e, file=sys.stderr)
                print("demo: tests/run-demo.sh installs, builds everything and runs it as root",
                      file=sys.stderr)
                return 77 if args.as_test else 2
        say("""This demo builds a small blade cluster inside this machine, with real
        virtual machines, shows it at work and removes it again.  Everything
        it creates (namespaces, processes, files) is removed at the end, also
        when it fails or you press Ctrl-C.""")
        t0 = time.monotonic()
        try:
                check_examples()
                with vmcluster.VMCluster(3, guests=tuple(VMS.values()), name="demo",
                                         log_level="info") as c:
                        p, vips = start_cluster(c)
                        show_status(c, c.blades[0])
                        say("VMs: %s." % vm_line(c))
                        victim = power_off(c, p, vips)
                        power_on(c, victim)
                        live_migrate(c)
                        standby_online(c)
                        step("7. Cleaning up")
                        say("Stopping every daemon and guest, removing the namespaces.")
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
