#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hot-add a 4th blade, live-migrate a real VM onto it, hot-remove it again.

Issue 6's "Hot-add a 4th blade and migrate a VM onto it; hot-remove it
again", following doc/procedure-hot-add.rst and doc/procedure-hot-remove.rst
on a cluster of three running blades and a spare fourth namespace
(vmcluster.HotplugVMCluster: hotplug.HotplugCluster with a libvirtd per
blade and a SAN).  vm-ldap is an ocf:bladed:vm resource (libvirt, live
migration allowed), fencing on with a fence_bladens device per running
blade.  A VM sampler runs throughout (never on two blades).

1. Before the add, `migrate vm-ldap blade4` is refused (no such blade).
2. `bladectl node add blade4 IP --number N`: every running blade's node
   file and corosync nodelist list it, identically; corosync reloaded;
   status shows blade4 offline; a migrate onto it is refused at once
   (exit 1, "not online"), leaving no preference.
3. blade4 gets copies of the files, then libvirtd, corosync and bladed:
   every blade shows 4 online and probed.  Its fence device is added
   (config load), as the procedure's step 6 says.
4. `bladectl migrate vm-ldap blade4`: the VM live-migrates onto the new
   blade (counter goes on, no boot), `bladectl status` says so;
   `unmigrate` drops the preference, the VM stays.
5. `bladectl standby blade4` drains it: the VM live-migrates away.
6. Hot-remove: a configuration without blade4 (no fence device, no node
   attributes) is loaded; `node remove` is refused while blade4's bladed
   runs, then while its corosync runs; with both stopped it goes through:
   no blade's node file or corosync nodelist (file and runtime) lists
   blade4, status does not either.
At the end: never on two blades, one boot in all, the VM still counting.

FIGUREs: node add time, migrate-onto-new-blade time (bladectl's own),
standby drain time, node remove time.

Root only, with corosync, libvirt and QEMU; otherwise skipped (77).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import vmcluster  # noqa: E402
from harness import Skip, check, check_equal, figure, hold, log, wait_until  # noqa: E402
from hotplug import node_cmd, nodelist_entries, node_names, read  # noqa: E402

DOM = "ldap"
RSC = "vm-ldap"


def files(blades):
        return {b.name: (read(b.nodes_file), read(b.corosync_conf)) for b in blades}


def check_same_files(blades, want_names):
        """Every blade's node file is the same text listing want_names, and every
        corosync.conf's nodelist lists the same blades."""
        texts = {b.name: read(b.nodes_file) for b in blades}
        check(len(set(texts.values())) == 1,
              "node files differ between blades: %s" % harness._short(texts))
        check_equal(node_names(texts[blades[0].name]), sorted(want_names),
                    "blades in the node file")
        want = nodelist_entries(read(blades[0].corosync_conf))
        for b in blades:
                check_equal(nodelist_entries(read(b.corosync_conf)), want,
                            "%s's corosync nodelist" % b.name)
        check_equal(sorted(n for n, _, _ in want), sorted(want_names),
                    "names in corosync's nodelist")


def runtime_nodelist(c, b):
        """corosync's runtime nodelist on blade b (corosync-cmapctl), as text."""
        return harness.run(["ip", "netns", "exec", b.ns, "corosync-cmapctl", "nodelist."],
                           check=False).stdout


def refused_migrate(c, ctl, node, where, what):
        """`migrate vm-ldap node` is refused and the VM stays where it is, with
        no preference left behind."""
        r = c.ctl(ctl, "migrate", RSC, node, "--wait", "10", timeout=60)
        check(r.returncode != 0, "migrate %s %s (%s) was accepted: %s"
              % (RSC, node, what, r.stdout.strip()))
        log("migrate onto %s refused as it should (%s): exit %d: %s"
            % (node, what, r.returncode, r.stderr.strip()))
        check_equal(c.vm_running_on(DOM), [where], "where the VM runs after the refused"
                    " migrate (%s)" % what)
        check("cli-prefer-%s" % RSC not in c.config_show(ctl),
              "a refused migrate (%s) left a preference in the configuration" % what)


def migrate_to_offline(c, ctl, node, where):
        """`migrate vm-ldap node` onto a blade that is known but offline is
        refused at once (exit 1, saying the blade is not online), leaves no
        preference behind, and the VM does not move."""
        t0 = time.monotonic()
        r = c.ctl(ctl, "migrate", RSC, node, "--wait", "30", timeout=60)
        secs = time.monotonic() - t0
        check(r.returncode == 1, "migrate %s %s (offline): exit %s, want 1: %s"
              % (RSC, node, r.returncode, (r.stderr or r.stdout).strip()))
        check("not online" in r.stderr, "bladectl does not say %s is not online: %s"
              % (node, r.stderr.strip()))
        check(secs < 20, "the refusal took %.1f s: it waited instead of refusing" % secs)
        log("migrate onto offline %s: exit %d in %.2f s: %s"
            % (node, r.returncode, secs, r.stderr.strip()))
        check("cli-prefer-%s" % RSC not in c.config_show(ctl),
              "a refused migrate onto an offline blade left a preference")
        check_equal(c.vm_running_on(DOM), [where], "where the VM runs after a migrate onto"
                    " an offline blade")


def all_probed(c, blades):
        """None when every blade's status shows every blade online and probed,
        else what is missing."""
        want = sorted(b.name for b in blades)
        for b in blades:
                st = c.try_status(b)
                if st is None:
                        return "%s: no status" % b.name
                if harness.online_names(st) != want:
                        return "%s: online %s" % (b.name, harness.online_names(st))
                missing = [n for n in want if not st["probed"].get(n)]
                if missing:
                        return "%s: not probed %s" % (b.name, missing)
        return None


def status_text_places(c, ctl, node):
        """`bladectl status` (the admin's view): the line naming vm-ldap names node."""
        r = c.ctl(ctl, "status")
        check_equal(r.returncode, 0, "bladectl status (%s)" % r.stderr.strip())
        lines = [l for l in r.stdout.splitlines() if RSC in l]
        check(any(node in l for l in lines), "bladectl status does not show %s on %s:\n%s"
              % (RSC, node, r.stdout))


def test_hot_add_migrate_remove():
        """hot-add blade4, live-migrate a VM onto it, standby drains it, hot-remove"""
        with vmcluster.HotplugVMCluster(3, 1, guests=(DOM,), name="hotplug-vm") as c:
                run3 = c.running()
                b1, b2, b3, b4 = c.blades
                prim = vmcluster.vm_primitive(c, RSC, DOM)
                c.set_initial_config(vmcluster.config_xml(c, [prim], fence_blades=run3))
                c.start()
                src = c.wait_vm(DOM, timeout=60)
                check(src != b4.name, "the VM started on the spare blade")
                c.wait_placement(RSC, timeout=30, blades=run3)
                c.wait_ticks(DOM, 1)
                s = c.start_vm_sampler([DOM])

                # 1. Not in the node file yet: a migrate onto it is refused.
                refused_migrate(c, b1, b4.name, src, "blade4 not added yet")

                # 2. Hot-add (asked on blade2: any blade will do).
                before = files(run3)
                t = time.monotonic()
                r = node_cmd(c, b2, "add", b4.name, b4.ip, "--number", str(b4.number))
                secs = time.monotonic() - t
                check(r.returncode == 0, "node add blade4: exit %s: %s"
                      % (r.returncode, r.stderr.strip()))
                figure("hotplug_vm_node_add_s", "%.3f" % secs, "s")
                log("node add: %s" % r.stdout.strip())
                check(files(run3) != before, "node add changed no file")
                check_same_files(run3, [b.name for b in c.blades])
                for b in run3:
                        st = c.status(b)
                        check_equal(st["nodes"].get(b4.name, {}).get("state"), "offline",
                                    "blade4 in %s's status before it starts" % b.name)
                        check(b4.ip in runtime_nodelist(c, b),
                              "%s's corosync did not reload the nodelist with blade4" % b.name)
                migrate_to_offline(c, b1, b4.name, src)

                # 3. The new blade, started with the same files, joins.
                c.prepare_spare(b4, b1)
                c.start_libvirtd(b4)
                c.start_corosync(b4)
                c.wait_corosync(c.blades, timeout=30)
                c.start_bladed(b4)
                c.wait_converged(c.blades, timeout=30)
                wait_until(lambda: all_probed(c, c.blades) or "ok", lambda v: v == "ok", 30,
                           "every blade online and probed on every blade")
                check_same_files(c.blades, [b.name for b in c.blades])
                check_equal(c.vm_running_on(DOM), [src], "where the VM runs after blade4"
                            " joined (stickiness)")
                log("blade4 joined: 4 online and probed everywhere; the VM stays on %s" % src)
                # Procedure step 6: blade4's fence device into the configuration.
                path = c.write_file("config-4.xml", vmcluster.config_xml(c, [prim]))
                rc, _, err = c.config_load(b1, path)
                check(rc == 0, "config load with blade4's fence device: exit %s: %s" % (rc, err))
                c.wait_converged(c.blades, timeout=30)

                # 4. Live migration onto the new blade.
                before = c.guest_counter(DOM)
                t = time.monotonic()
                r = c.ctl(b1, "migrate", RSC, b4.name, timeout=120)
                secs = time.monotonic() - t
                check_equal(r.returncode, 0, "bladectl migrate %s %s (%s)"
                            % (RSC, b4.name, (r.stderr or r.stdout).strip()))
                log("bladectl migrate: " + r.stdout.strip())
                c.check_live_moved(DOM, before, b4.name, "migrate %s -> blade4" % src)
                figure("hotplug_vm_migrate_onto_new_blade_s", "%.2f" % secs, "s")
                check_equal(c.wait_placement(RSC, timeout=10, blades=c.blades), b4.name,
                            "where every blade's status places %s" % RSC)
                status_text_places(c, b3, b4.name)
                r = c.ctl(b1, "unmigrate", RSC, timeout=30)
                check_equal(r.returncode, 0, "bladectl unmigrate (%s)" % r.stderr.strip())
                hold(lambda: c.vm_running_on(DOM), lambda w: w == [b4.name], 3,
                     "%s staying on blade4 after unmigrate" % DOM)

                # 5. Standby drains it by live migration.
                before = c.guest_counter(DOM)
                t = time.monotonic()
                r = c.ctl(b1, "standby", b4.name, timeout=120)
                secs = time.monotonic() - t
                check_equal(r.returncode, 0, "bladectl standby blade4 (%s)"
                            % (r.stderr or r.stdout).strip())
                log("bladectl standby: " + r.stdout.strip())
                where = c.wait_vm(DOM, timeout=30)
                check(where != b4.name, "%s still on blade4 after standby" % DOM)
                c.check_live_moved(DOM, before, where, "standby blade4")
                figure("hotplug_vm_standby_drain_s", "%.2f" % secs, "s")
                check_equal(c.wait_placement(RSC, timeout=10, blades=c.blades), where,
                            "where every blade's status places %s after the drain" % RSC)

                # 6. Hot-remove: the configuration first (procedure step 3) ...
                path = c.write_file("config-3.xml",
                                    vmcluster.config_xml(c, [prim], fence_blades=run3))
                rc, _, err = c.config_load(b1, path)
                check(rc == 0, "config load without blade4: exit %s: %s" % (rc, err))
                c.wait_converged(c.blades, timeout=30)
                before = files(c.blades)
                r = node_cmd(c, b1, "remove", b4.name)
                check(r.returncode == 1, "node remove blade4 while its bladed runs: exit %s: %s"
                      % (r.returncode, r.stderr.strip()))
                log("refused while blade4's bladed runs: %s" % r.stderr.strip())
                # ... then bladed (a clean leave) ...
                c.stop_bladed(b4)
                c.wait_converged(run3, timeout=30)
                st = c.status(b1)
                check_equal(st["nodes"].get(b4.name, {}).get("state"), "offline",
                            "blade4's state after its bladed left cleanly")
                r = node_cmd(c, b1, "remove", b4.name)
                check(r.returncode == 1 and "corosync" in r.stderr,
                      "node remove blade4 while its corosync runs: exit %s: %s"
                      % (r.returncode, r.stderr.strip()))
                log("refused while blade4's corosync runs: %s" % r.stderr.strip())
                check_equal(files(c.blades), before, "files after the refused removes")
                # ... then corosync, and the remove goes through.
                c.stop_corosync(b4)
                c.wait_corosync(run3, timeout=30)
                c.wait_converged(run3, timeout=30)
                t = time.monotonic()
                r = node_cmd(c, b3, "remove", b4.name)
                secs = time.monotonic() - t
                check(r.returncode == 0, "node remove blade4 once stopped: exit %s: %s"
                      % (r.returncode, r.stderr.strip()))
                figure("hotplug_vm_node_remove_s", "%.3f" % secs, "s")
                log("node remove: %s" % r.stdout.strip())
                check_same_files(run3, [b.name for b in run3])
                for b in run3:
                        check(b4.name not in read(b.nodes_file) and
                              b4.name not in read(b.corosync_conf),
                              "%s's files still name blade4" % b.name)
                        check(b4.ip not in runtime_nodelist(c, b),
                              "%s's corosync still has blade4 in its runtime nodelist"
                              % b.name)
                        check(b4.name not in c.status(b)["nodes"],
                              "%s's status still lists blade4" % b.name)
                c.libvirtd[b4.name].expected_exit = True
                c.libvirtd[b4.name].stop(timeout=10)

                # The VM never stopped: still counting, one boot, never on two.
                last = c.guest_counter(DOM)["last"]
                c.wait_ticks(DOM, last)
                check_equal(c.vm_running_on(DOM), [where], "where the VM runs at the end")
                c.wait_converged(run3, timeout=30)
                s.stop()
                n = s.check_exclusive()
                check_equal(c.guest_counter(DOM)["boots"], 1, "boots over the whole test")
                log("VM sampler: %d samples, never on two blades; one boot" % n)
                c.check_daemons_alive()


def main():
        try:
                vmcluster.require_vm()
        except Skip as e:
                print("cluster-hotplug_vm: SKIP: %s" % e)
                sys.exit(harness.SKIP)
        harness.main([test_hot_add_migrate_remove])


if __name__ == "__main__":
        main()
