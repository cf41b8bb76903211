#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A real VM (libvirt + QEMU) fails over after its blade is lost and fenced.

Three blades with a libvirtd each and a SAN serving the guest's disk over
NBD (tests/cluster/vmcluster.py); vm-ldap is an ocf:bladed:vm resource
(allow-migrate, monitor 5 s); fencing on, one fence_bladens device per
blade.

test_cut_blade_is_fenced_then_vm_restarts: the blade running the ldap VM is
cut off at the switch.  Its QEMU keeps running there (a cut blade is not a
dead one), so the survivors must not start the VM before the coordinator
has powered that blade off through fence_bladens.  Checks: the blade is
powered off (no process left, links down) by bladed; the VM runs on a
survivor; its first sample there is after bladed logged the fence as
confirmed; a sampler (a /proc scan every 50 ms, libvirtd asked whenever
QEMUs exist on two blades) never sees it on two blades; the guest booted
a second time (a restart, not a migration: its memory died with the
blade).  Figures: detection (cut -> corosync membership), fence
(membership -> "is fenced"), VM running (fence -> first sample on the
survivor), total.  Then the blade is powered on again: it rejoins, and the
VM stays where it is (stickiness, no preference for the old blade).

test_powered_off_blade: the same blade loss by the fence agent's "off"
from outside (a power cut): the cluster still confirms the fence through
the device (status off) before the VM is restarted on a survivor.

Root only, with corosync, libvirt and QEMU; otherwise skipped (77).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fencing  # noqa: E402
import harness  # noqa: E402
import vmcluster  # noqa: E402
from harness import (Skip, TestFailure, check, check_equal, figure, hold, log,  # noqa: E402
                     wait_until)

DOM = "ldap"
RSC = "vm-ldap"


def fenced_at(c, victim, survivors, since):
        """Wall time of the first survivor log line saying the victim is fenced."""
        for b in survivors:
                for t, _, msg in harness.bladed_log_lines(os.path.join(b.dir, "bladed.err"),
                                                          since):
                        if msg.startswith("%s is fenced" % victim.name):
                                return t
        return None


def up(c):
        c.set_initial_config(vmcluster.config_xml(c, [vmcluster.vm_primitive(c, RSC, DOM)]))
        c.start()
        where = c.wait_vm(DOM, timeout=60)
        c.wait_placement(RSC, timeout=30)
        c.wait_ticks(DOM, 1)
        return c.blade(where)


def lose_blade(c, how):
        victim = up(c)
        survivors = [b for b in c.blades if b is not victim]
        log("%s runs on %s; counter at %s" % (DOM, victim.name, c.guest_counter(DOM)["last"]))
        s = c.start_vm_sampler([DOM])
        wait_until(lambda: len(s.samples), lambda n: n >= 5, 10, "first VM samples")
        c.expect_power_off(victim)
        t0 = time.time()
        if how == "cut":
                c.cut(victim)
        else:
                c.power_off(victim)
                log("%s powered off through fence_bladens" % victim.name)
        memb = c.wait_membership_event(survivors[0], t0, timeout=20)
        wait_until(lambda: fencing.is_powered_off(c, victim), bool, 30,
                   "%s powered off" % victim.name, interval=0.2)
        t_fence = wait_until(lambda: fenced_at(c, victim, survivors, t0), bool, 30,
                             "a survivor to log that %s is fenced" % victim.name)
        where = c.wait_vm(DOM, timeout=60, what="%s running on a survivor" % DOM)
        check(where != victim.name, "%s runs on the lost blade %s" % (DOM, where))
        c.wait_placement(RSC, timeout=30, blades=survivors)
        # The sampler runs on its own clock: give it time to see the VM too.
        t_vm = wait_until(lambda: s.first_on(DOM, where, since=t0), lambda t: t is not None, 30,
                          "the sampler to see %s on %s" % (DOM, where), interval=0.1)
        check(t_vm >= t_fence, "%s seen running on %s at %.3f, before the fence of %s was"
              " confirmed at %.3f" % (DOM, where, t_vm, victim.name, t_fence))
        count = c.guest_counter(DOM)
        c.wait_ticks(DOM, 0)
        check(count["boots"] >= 2, "the guest did not boot again on %s: %s" % (where, count))
        figure("vm_failover_%s_detection_s" % how, "%.2f" % (memb - t0), "s")
        figure("vm_failover_%s_fence_s" % how, "%.2f" % (t_fence - memb), "s")
        figure("vm_failover_%s_vm_running_s" % how, "%.2f" % (t_vm - t_fence), "s")
        figure("vm_failover_%s_total_s" % how, "%.2f" % (t_vm - t0), "s")
        return s, victim, where


def test_cut_blade_is_fenced_then_vm_restarts():
        """cut off: fenced by the cluster, then the VM restarts on a survivor, never twice"""
        with vmcluster.VMCluster(3, guests=(DOM,), name="vm-failover") as c:
                s, victim, where = lose_blade(c, "cut")
                c.restore(victim)       # cabling back; power comes next
                c.power_on(victim)
                c.wait_converged(timeout=40)
                hold(lambda: c.vm_running_on(DOM), lambda w: w == [where], 5,
                     "%s staying on %s after %s returned" % (DOM, where, victim.name))
                s.stop()
                n = s.check_exclusive()
                log("VM sampler: %d samples, never on two blades" % n)


def test_powered_off_blade():
        """powered off by the fence agent: the cluster confirms, the VM restarts elsewhere"""
        with vmcluster.VMCluster(3, guests=(DOM,), name="vm-poweroff") as c:
                s, victim, where = lose_blade(c, "off")
                s.stop()
                s.check_exclusive()


def main():
        try:
                vmcluster.require_vm()
        except Skip as e:
                print("cluster-vm_failover: SKIP: %s" % e)
                sys.exit(harness.SKIP)
        harness.main([test_cut_blade_is_fenced_then_vm_restarts, test_powered_off_blade])


if __name__ == "__main__":
        main()
