#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A real VM (libvirt + QEMU) killed behind bladed's back is restarted.

Three blades with a libvirtd each and a SAN serving the guest's disk over
NBD (tests/cluster/vmcluster.py); vm-ldap is an ocf:bladed:vm resource
(libvirt backend, monitor every 2 s); fencing on.

The kill is the most brutal one the harness can do short of pulling the
blade's power: SIGKILL to the guest's QEMU process, by PID, from outside
(libvirtd is not asked; it only sees its monitor socket close).

test_kill_restarts_in_place: bladed's monitor finds the domain gone
(rc 7) and restarts it on the same blade (stickiness; no
migration-threshold).  Checks: the old QEMU is gone; a new QEMU runs on
the same blade; the guest booted once more (boot count +1 exactly) and
counts again; every blade's status shows fail count 1 for that blade
(and 1 in total); a sampler (a /proc scan every 50 ms) never sees the VM
on two blades.

test_kill_moves_with_threshold_1: the same with migration-threshold=1:
the restart is on ANOTHER blade; the killed blade's fail count is 1 and
it runs no QEMU for the domain.

Figures: kill -> monitor failure logged (vm_kill_detected_s), kill -> the
VM's QEMU running again as the sampler sees it (vm_kill_to_running_s,
and vm_kill_to_running_other_blade_s for the second case).

Root only, with corosync, libvirt and QEMU; otherwise skipped (77).
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import failover  # noqa: E402
import harness  # noqa: E402
import vmcluster  # noqa: E402
from harness import Skip, check, check_equal, failcount, figure, log, wait_until  # noqa: E402

DOM = "ldap"
RSC = "vm-ldap"


def ticks_since_boot(c, b, dom):
        """Ticks printed in blade b's serial log after its last boot banner."""
        try:
                with open(c.serial_log(b, dom), errors="replace") as f:
                        text = f.read()
        except OSError:
                return 0
        i = text.rfind("bladed-guest boot")
        if i < 0:
                return 0
        return len(re.findall(r"^\s*tick \d+\s*$", text[i:], re.M))


def up(c, meta=None):
        c.set_initial_config(vmcluster.config_xml(
                c, [vmcluster.vm_primitive(c, RSC, DOM, monitor="2s", meta=meta)]))
        c.start()
        where = c.wait_vm(DOM, timeout=90)
        check_equal(c.wait_placement(RSC, timeout=30), where, "%s's blade in status" % RSC)
        c.wait_ticks(DOM, 1)
        return c.blade(where)


def kill_and_recover(c, victim, same_blade, tag):
        """SIGKILLs the domain's QEMU on `victim`; returns the blade it runs
        on afterwards, with the checks common to both cases."""
        check_equal(c.guest_counter(DOM)["boots"], 1, "boots before the kill")
        for b in c.blades:
                check_equal(failcount(c.status(b), RSC), 0,
                            "%s's fail count before the kill (%s's status)" % (RSC, b.name))
        s = c.start_vm_sampler([DOM])
        wait_until(lambda: len(s.samples), lambda n: n >= 5, 10, "first VM samples")
        pids = c.qemu_on(DOM)
        check_equal(sorted(pids), [victim.name], "blades with a QEMU for %s" % DOM)
        pid = pids[victim.name]
        log("%s runs on %s (QEMU pid %d); SIGKILL to it" % (DOM, victim.name, pid))
        t0 = time.time()
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: pid in c.qemu_on(DOM).values(), lambda x: not x, 10,
                   "the killed QEMU %d to be gone" % pid, interval=0.05)

        t_det = wait_until(
                lambda: next((t for t, _, _, _ in failover.cluster_log_lines(
                        c, t0, r"^monitor of %s failed" % RSC, blades=[victim])), None),
                bool, 30, "%s's monitor failure in %s's log" % (RSC, victim.name))
        wait_until(lambda: c.qemu_on(DOM), lambda q: q and pid not in q.values(), 90,
                   "a new QEMU for %s" % DOM, interval=0.2)
        where = c.wait_vm(DOM, timeout=60, on=victim.name if same_blade else None,
                          what="%s running again%s" % (DOM, " on " + victim.name
                                                       if same_blade else ""))
        new = c.blade(where)
        if not same_blade:
                check(where != victim.name, "%s restarted on the blade it was killed on (%s)"
                      " despite migration-threshold=1" % (DOM, where))
        check_equal(c.wait_placement(RSC, timeout=30), where, "%s's blade in status" % RSC)
        wait_until(lambda: ticks_since_boot(c, new, DOM), lambda n: n >= 2, 30,
                   "the guest to count again on %s" % where, interval=0.2)
        check_equal(c.guest_counter(DOM)["boots"], 2, "boots after one kill")
        for b in c.blades:
                wait_until(lambda: c.status(b), lambda st: failcount(st, RSC, victim.name) == 1,
                           20, "%s's status: %s fail count 1 on %s" % (b.name, RSC, victim.name))
                st = c.status(b)
                check_equal(failcount(st, RSC), 1, "%s's total fail count (%s's status)"
                            % (RSC, b.name))
        text = c.ctl(c.blades[0], "status").stdout
        log("bladectl status after the restart:\n" + text.rstrip())
        if not same_blade:
                check(victim.name not in c.qemu_on(DOM), "%s still has a QEMU for %s"
                      % (victim.name, DOM))
        s.stop()
        n = s.check_exclusive()
        gone = next((t for t, held in s.samples if t >= t0 and not held[DOM]), None)
        check(gone is not None, "the sampler never saw %s stopped after the kill" % DOM)
        t_run = s.first_on(DOM, where, since=gone)
        check(t_run is not None, "the sampler never saw %s on %s after the kill" % (DOM, where))
        figure("vm_kill_detected%s_s" % tag, "%.2f" % (t_det - t0), "s")
        figure("vm_kill_to_running%s_s" % tag, "%.2f" % (t_run - t0), "s")
        log("%s killed on %s, monitor failure after %.2f s, running on %s after %.2f s; %d"
            " samples, never on two blades" % (DOM, victim.name, t_det - t0, where,
                                               t_run - t0, n))
        c.check_daemons_alive()
        return new


def test_kill_restarts_in_place():
        """QEMU SIGKILLed: bladed's monitor restarts the VM on the same blade, fail count 1"""
        with vmcluster.VMCluster(3, guests=(DOM,), name="vm-restart") as c:
                victim = up(c)
                kill_and_recover(c, victim, True, "")


def test_kill_moves_with_threshold_1():
        """migration-threshold=1: after the kill the VM restarts on another blade"""
        with vmcluster.VMCluster(3, guests=(DOM,), name="vm-restart-mt1") as c:
                victim = up(c, meta={"migration-threshold": "1"})
                kill_and_recover(c, victim, False, "_other_blade")


def main():
        try:
                vmcluster.require_vm()
        except Skip as e:
                print("cluster-vm_restart: SKIP: %s" % e)
                sys.exit(harness.SKIP)
        harness.main([test_kill_restarts_in_place, test_kill_moves_with_threshold_1])


if __name__ == "__main__":
        main()
