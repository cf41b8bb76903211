#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The vm agent with real libvirt + QEMU (TCG) on two blades in namespaces.

Blades A and B each run their own libvirtd; a third namespace serves the
guest's disk over NBD (the SAN).  The guest is tests/vm/guest.S: a boot
sector printing an incrementing counter on its serial port once a second.

Checks: probe 7, start (idempotent), monitor 0; live migration A -> B where
the counter goes on on B (memory and CPU state moved, no reboot); stop on
the source after migration; a hung libvirtd (SIGSTOP) makes monitor return 1
within hypervisor_timeout and stop fail, never 7 or 0; a dead libvirtd gives
1 too; migration to a blade whose libvirtd is down, and to one whose libvirtd
hangs, fails and the agent says the domain is still on the source; stop
escalates to destroy when the guest ignores the ACPI shutdown; the project's
generic OCF conformance test.  Prints the action times.

Root only (namespaces, mounts, libvirtd); otherwise, or when libvirt/QEMU
is missing, exits 77 (skipped).  tests/setup-deps.sh installs the packages.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmlib  # noqa: E402
import vmlab  # noqa: E402

HV_TIMEOUT = 3
SHUTDOWN_TIMEOUT = 3


def main():
    if os.geteuid() != 0:
        vmlib.skip("needs root (network namespaces, mounts, libvirtd)")
    missing = vmlab.missing_tools()
    if missing:
        vmlib.skip("missing " + " ".join(missing) + " (run tests/setup-deps.sh)")
    accel = subprocess.run(["qemu-system-x86_64", "-accel", "help"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if "tcg" not in accel.stdout:
        vmlib.skip("this QEMU has no TCG (software emulation)")
    try:
        made = vmlab.ensure_libvirt_qemu_user()
    except subprocess.CalledProcessError as e:
        vmlib.skip(f"cannot create the libvirt-qemu user/group libvirtd needs: {e.stderr}")
    if made:
        print(f"# created system {' and '.join(made)} libvirt-qemu (libvirtd needs it)")

    c = vmlib.Checker("vm-libvirt (libvirt + QEMU TCG)")
    lab = vmlab.Lab()
    t_start = time.monotonic()
    try:
        try:
            lab.setup_network()
        except subprocess.CalledProcessError as e:
            if "Operation not permitted" in (e.stderr or ""):
                vmlib.skip("cannot create network namespaces here")
            raise
        image = vmlab.build_guest(os.path.join(vmlib.HERE, "guest.S"), lab.dir)
        lab.start_san(image)
        for k in ("a", "b"):
            lab.prepare_blade(k)
            lab.start_blade(k)
        print(f"# lab {lab.prefix} up in {time.monotonic() - t_start:.1f}s: blades "
              f"{lab.blades['a']['name']} {lab.blades['b']['name']}, SAN {lab.san_addr}",
              flush=True)
        run(c, lab)
    except Exception:
        lab.dump_logs()
        raise
    finally:
        if c.failed:
            lab.dump_logs()
        lab.teardown()
        print(f"# whole test {time.monotonic() - t_start:.1f}s")
    return c.finish()


def wait_for(pred, secs, step=0.2):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def run(c, lab):
    A, B = lab.blades["a"]["name"], lab.blades["b"]["name"]
    xml = lab.domain_xml()

    def env(**kw):
        e = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "OCF_ROOT": "/usr/lib/ocf",
            "OCF_RESOURCE_INSTANCE": "vm-guest",
            "OCF_RESOURCE_TYPE": "vm",
            "OCF_RESOURCE_PROVIDER": "bladed",
            "OCF_RESKEY_domain": lab.dom,
            "OCF_RESKEY_config": xml,
            "OCF_RESKEY_hypervisor_timeout": str(HV_TIMEOUT),
            "OCF_RESKEY_shutdown_timeout": str(SHUTDOWN_TIMEOUT),
            "OCF_RESKEY_CRM_meta_interval": "0",
            "OCF_RESKEY_CRM_meta_timeout": "60000",
        }
        for k, v in kw.items():
            k = k if k.startswith("OCF_") else "OCF_RESKEY_" + k
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        return e

    def agent(key, action, label=None, **kw):
        res = vmlib.run_agent(action, env(**kw), prefix=lab.enter(key), timeout=90)
        if label:
            c.time(label, res.secs)
        return res

    def migrate_env(src, tgt, **kw):
        return dict(CRM_meta_migrate_source=lab.blades[src]["name"],
                    CRM_meta_migrate_target=lab.blades[tgt]["name"], **kw)

    def signal_libvirtd(key, sig):
        pid = lab.libvirtd_pid(key)
        if pid:
            os.kill(pid, sig)
        return pid

    vmlib.check_metadata(c, env())

    # --- start, monitor ---------------------------------------------------
    c.expect(agent("a", "monitor", "probe (stopped)"), 7, "probe on A before start")
    c.expect(agent("b", "monitor"), 7, "probe on B before start")
    c.expect(agent("a", "start", "start"), 0, "start on A")
    c.expect(agent("a", "start", "start (already running)"), 0, "start on A again (idempotent)")
    for _ in range(3):
        c.expect(agent("a", "monitor", "monitor (running)", CRM_meta_interval="10000"), 0,
                 "monitor on A")
    c.expect(agent("b", "monitor"), 7, "probe on B while A runs it")
    ticks_a = wait_for(lambda: (lambda t: t if len(t[0]) >= 3 else None)(lab.ticks("a")), 15)
    c.check(ticks_a and ticks_a[1] and ticks_a[0][:3] == [1, 2, 3],
            "guest on A booted and counts 1, 2, 3 on its serial port", repr(lab.ticks("a")))

    # --- live migration A -> B ----------------------------------------------
    before = lab.ticks("a")[0]
    # Over the "migration network" name: B-mig (migration_network_suffix).
    r = agent("a", "migrate_to", "migrate_to",
              **migrate_env("a", "b", migration_network_suffix="-mig"))
    c.expect(r, 0, "migrate_to A -> B (live, --p2p, via B-mig)")
    for line in r.err.splitlines():
        print("#   agent: " + line)
    c.check(f"qemu+tcp://{B}-mig/system" in r.err, "target URI built from uri and the suffix")
    r = agent("b", "migrate_from", "migrate_from", **migrate_env("a", "b"))
    c.expect(r, 0, "migrate_from on B")
    c.expect(agent("a", "monitor"), 7, "monitor on A after migration")
    c.expect(agent("b", "monitor"), 0, "monitor on B after migration")
    c.expect(agent("a", "stop", "stop (nothing left)"), 0,
             "stop on A after migration (already gone)")
    last_a = lab.ticks("a")[0]
    got = wait_for(lambda: (lambda t: t if len(t[0]) >= 2 else None)(lab.ticks("b")), 10)
    ticks_b, booted_b = got if got else lab.ticks("b")
    c.check(ticks_b and not booted_b, "no reboot on B (no boot banner in B's serial log)",
            repr(ticks_b[:5]))
    # B's first complete line is A's last + 1, or + 2 when the migration cut
    # a line in two.  A restarted guest would print its banner and 1.
    c.check(ticks_b and before and last_a and ticks_b[0] > before[-1]
            and 1 <= ticks_b[0] - last_a[-1] <= 2,
            "counter continues on B where A stopped (memory state moved)",
            f"A before {before[-3:]}, A at end {last_a[-2:]}, B starts {ticks_b[:3]}")
    print(f"# counter: A printed up to {last_a[-1] if last_a else None}, "
          f"B went on with {ticks_b[:4]}", flush=True)

    # --- hung libvirtd on B: error, never "not running" ---------------------
    pid = signal_libvirtd("b", signal.SIGSTOP)
    c.check(pid is not None, "found B's libvirtd to SIGSTOP")
    try:
        r = agent("b", "monitor", "monitor (libvirtd hung)", CRM_meta_interval="10000")
        c.expect(r, 1, "monitor with hung libvirtd", max_secs=HV_TIMEOUT + 1.5,
                 reason_has="timed out")
        print(f"#   exit reason: {r.reason}")
        c.expect(agent("b", "monitor"), 1, "probe with hung libvirtd", max_secs=HV_TIMEOUT + 1.5)
        c.expect(agent("b", "stop"), 1, "stop with hung libvirtd cannot verify: fails",
                 max_secs=HV_TIMEOUT + 1.5)
        c.expect(agent("b", "start"), 1, "start with hung libvirtd fails",
                 max_secs=HV_TIMEOUT + 1.5)
    finally:
        signal_libvirtd("b", signal.SIGCONT)
    c.expect(agent("b", "monitor"), 0, "monitor on B after SIGCONT")

    # --- migration to a blade whose libvirtd is down ------------------------
    lab.stop_blade("a")
    # A's namespace has no process left to enter: ask A's dead libvirtd from
    # B, the way one blade sees a dead peer.
    c.expect(agent("b", "monitor", uri=f"qemu+tcp://{A}/system"), 1,
             "monitor against a dead libvirtd -> 1, never 7", reason_has="failed to connect")
    r = agent("b", "migrate_to", "migrate_to (target down)", **migrate_env("b", "a"))
    c.expect(r, 1, "migrate_to a blade whose libvirtd is down",
             reason_has=["still on the source " + B, "could not be asked"])
    print(f"#   exit reason: {r.reason}")
    c.expect(agent("b", "monitor"), 0, "domain still runs on B")
    lab.start_blade("a")

    # --- migration to a blade whose libvirtd hangs --------------------------
    signal_libvirtd("a", signal.SIGSTOP)
    try:
        r = agent("b", "migrate_to", "migrate_to (target hung)",
                  **migrate_env("b", "a", CRM_meta_timeout="15000"))
        c.expect(r, 1, "migrate_to a blade whose libvirtd hangs, within its 15 s timeout",
                 max_secs=15, reason_has=["timed out", "still on the source " + B])
        print(f"#   exit reason: {r.reason}")
    finally:
        signal_libvirtd("a", signal.SIGCONT)
    # Killing virsh does not cancel a p2p migration; the agent aborted the
    # job.  Where is the domain a moment after the target wakes up?
    time.sleep(2)
    ra, rb = agent("a", "monitor"), agent("b", "monitor")
    print(f"# 2 s after the hung target woke: monitor A rc={ra.rc}, B rc={rb.rc}", flush=True)
    c.check((ra.rc, rb.rc) == (7, 0), "aborted migration left the domain on B only",
            f"A {ra!r}, B {rb!r}")

    # --- stop escalation: the guest ignores ACPI shutdown -----------------------
    r = agent("b", "stop", "stop (escalated to destroy)")
    c.expect(r, 0, "stop on B: guest ignores shutdown, destroyed after shutdown_timeout",
             max_secs=SHUTDOWN_TIMEOUT + 4)
    c.check(r.secs >= SHUTDOWN_TIMEOUT, f"stop waited shutdown_timeout ({SHUTDOWN_TIMEOUT} s) first",
            f"{r.secs:.2f}s")
    c.check(f"did not shut down within {SHUTDOWN_TIMEOUT} s" in r.err,
            "stop says it escalated to destroy", r.err[-500:])
    c.expect(agent("b", "monitor"), 7, "monitor on B after stop")
    c.expect(agent("b", "stop", "stop (already stopped)"), 0, "stop again (idempotent)")
    c.check(not lab.qemu_pids("a") and not lab.qemu_pids("b"), "no QEMU left on either blade")

    # --- the project's generic OCF conformance test -----------------------------
    if os.path.exists(vmlib.CONFORMANCE):
        cmd = lab.enter("a") + [sys.executable, vmlib.CONFORMANCE, vmlib.AGENT,
                                "--instance", "vm-guest"]
        for k, v in env(shutdown_timeout="1").items():
            if k.startswith("OCF_RESKEY_") and not k.startswith("OCF_RESKEY_CRM_"):
                cmd += ["--param", f"{k[len('OCF_RESKEY_'):]}={v}"]
        cmd += ["--invalid-param", "backend=vmware", "--monitor-interval", "10"]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        print(f"# ocf-conformance.py (libvirt backend, real QEMU guest on A), "
              f"{time.monotonic() - t0:.1f}s:")
        print("".join("#   " + l + "\n" for l in p.stdout.splitlines()), end="")
        c.check(p.returncode == 0, "ocf-conformance.py passes", p.stderr[-2000:])
        c.check(not lab.qemu_pids("a"), "no QEMU left on A after the conformance test")
    else:
        print("# tests/agents/ocf-conformance.py not present: skipped that part")


if __name__ == "__main__":
    sys.exit(main())
