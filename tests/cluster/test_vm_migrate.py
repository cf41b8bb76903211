#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Live migration of a real VM (libvirt + QEMU) by the admin commands.

Three blades with a libvirtd each and a SAN (tests/cluster/vmcluster.py);
vm-ldap is an ocf:bladed:vm resource with allow-migrate, no location
preference, default-stickiness 100, fencing on (fence_bladens devices).
One cluster, in order, with a VM sampler running throughout (a /proc scan
every 50 ms, libvirtd asked whenever QEMUs exist on two blades):

1. `bladectl migrate vm-ldap BLADE` moves it by live migration: it runs on
   that blade, the guest's counter goes on (its newest tick is past the
   last one before the move) and it did not boot again (one boot banner
   over every blade's serial log, none on the target).  bladectl's own
   time is printed as a figure.
2. A bad request changes nothing: migrate to a blade that does not exist
   is refused, the VM stays.
3. `bladectl unmigrate vm-ldap` drops the preference; stickiness keeps
   the VM where it is (held 4 s).
4. `bladectl standby BLADE` (the VM's blade) drains it: the VM live-migrates
   to another blade, still without a reboot, and bladectl says the blade
   holds nothing.
5. `bladectl online BLADE`: the blade is back, and the VM stays where it
   is (stickiness; held 4 s).
At the end: never on two blades, one boot in all.

Root only, with corosync, libvirt and QEMU; otherwise skipped (77).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import vmcluster  # noqa: E402
from harness import Skip, check, check_equal, figure, hold, log, wait_until  # noqa: E402

DOM = "ldap"
RSC = "vm-ldap"


def test_migrate_standby_online():
        """migrate (live, counter goes on), unmigrate, standby drains, online, stickiness"""
        with vmcluster.VMCluster(3, guests=(DOM,), name="vm-migrate") as c:
                c.set_initial_config(vmcluster.config_xml(
                        c, [vmcluster.vm_primitive(c, RSC, DOM)]))
                c.start()
                src = c.wait_vm(DOM, timeout=60)
                c.wait_placement(RSC, timeout=30)
                c.wait_ticks(DOM, 1)
                s = c.start_vm_sampler([DOM])
                ctl = c.blades[0]

                # 1. migrate
                tgt = next(b.name for b in c.blades if b.name != src)
                before = c.guest_counter(DOM)
                t = time.monotonic()
                r = c.ctl(ctl, "migrate", RSC, tgt, timeout=120)
                secs = time.monotonic() - t
                check_equal(r.returncode, 0, "bladectl migrate %s %s (%s)"
                            % (RSC, tgt, (r.stderr or r.stdout).strip()))
                log("bladectl migrate: " + r.stdout.strip())
                c.check_live_moved(DOM, before, tgt, "migrate %s -> %s" % (src, tgt))
                figure("vm_migrate_command_s", "%.2f" % secs, "s")

                # 2. a bad request changes nothing
                r = c.ctl(ctl, "migrate", RSC, "blade9", timeout=30)
                check(r.returncode != 0, "migrate to an unknown blade was accepted: %s"
                      % r.stdout)
                check_equal(c.vm_running_on(DOM), [tgt], "where the VM runs after a refused"
                            " migrate")

                # 3. unmigrate: the preference goes, stickiness keeps it
                r = c.ctl(ctl, "unmigrate", RSC, timeout=30)
                check_equal(r.returncode, 0, "bladectl unmigrate (%s)" % r.stderr.strip())
                hold(lambda: c.vm_running_on(DOM), lambda w: w == [tgt], 4,
                     "%s staying on %s after unmigrate" % (DOM, tgt))

                # 4. standby drains the blade by live migration
                before = c.guest_counter(DOM)
                t = time.monotonic()
                r = c.ctl(ctl, "standby", tgt, timeout=120)
                secs = time.monotonic() - t
                check_equal(r.returncode, 0, "bladectl standby %s (%s)"
                            % (tgt, (r.stderr or r.stdout).strip()))
                log("bladectl standby: " + r.stdout.strip())
                where = c.wait_vm(DOM, timeout=30)
                check(where != tgt, "%s still on %s after standby" % (DOM, where))
                c.check_live_moved(DOM, before, where, "standby %s" % tgt)
                figure("vm_standby_drain_s", "%.2f" % secs, "s")

                # 5. online: back, and the VM stays
                r = c.ctl(ctl, "online", tgt, timeout=30)
                check_equal(r.returncode, 0, "bladectl online %s (%s)" % (tgt, r.stderr.strip()))
                wait_until(lambda: c.status(ctl)["nodes"][tgt]["state"],
                           lambda st: st == "online", 10, "%s online in status" % tgt)
                hold(lambda: c.vm_running_on(DOM), lambda w: w == [where], 4,
                     "%s staying on %s after %s came back online" % (DOM, where, tgt))

                s.stop()
                n = s.check_exclusive()
                check_equal(c.guest_counter(DOM)["boots"], 1, "boots over the whole test")
                log("VM sampler: %d samples, never on two blades; one boot" % n)


def main():
        try:
                vmcluster.require_vm()
        except Skip as e:
                print("cluster-vm_migrate: SKIP: %s" % e)
                sys.exit(harness.SKIP)
        harness.main([test_migrate_standby_online])


if __name__ == "__main__":
        main()
