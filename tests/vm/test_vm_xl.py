#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The vm agent's xl backend against a STAND-IN xl (Xen cannot run here).

Xen needs its hypervisor; the test machines have none, and the real `xl`
fails there before doing anything.  So this test puts tests/vm/xl-standin/xl
(and a stand-in ssh, which xl migrate and the agent's remote `xl list` use)
first on PATH.  The stand-in reproduces what the agent relies on from the
real xl (xen tools/xl: exit statuses, the `xl list` layout and state letters,
"NAME is an invalid domain identifier (rc=-6)", the NAME--migratedaway /
NAME--incoming renames of a migration) and can hang or fail on demand.
It says nothing about how the agent behaves against real Xen timing.

Two "hosts" xa and xb are directories of stand-in state; BLADED_VM_SYSROOT
points the agent's Xen detection at a fake /sys/hypervisor/type.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmlib  # noqa: E402
from vmlib import run_agent  # noqa: E402

STANDIN = os.path.join(vmlib.HERE, "xl-standin")
DOM = "guest0"


def main():
    print("NOTE: Xen cannot run on this machine. The xl backend is tested against a\n"
          "NOTE: STAND-IN xl (tests/vm/xl-standin/xl) that mimics xl's exit codes,\n"
          "NOTE: `xl list` output and migration renames. This is not real Xen.",
          flush=True)
    for tool in ("timeout", "sh", "awk", "sed"):
        if not shutil.which(tool):
            vmlib.skip(f"{tool} not found")
    c = vmlib.Checker("vm-xl (stand-in xl)")
    tmp = tempfile.mkdtemp(prefix="bladed-vm-xl-")
    try:
        run(c, tmp)
    finally:
        # Stand-in hangs are `exec sleep`: the agent's timeout killed them.
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


def run(c, tmp):
    root = os.path.join(tmp, "hosts")
    for h in ("xa", "xb"):
        os.makedirs(os.path.join(root, h, "dom"))
        os.makedirs(os.path.join(root, h, "fault"))
    sysroot = os.path.join(tmp, "sysroot")
    os.makedirs(os.path.join(sysroot, "sys", "hypervisor"))
    with open(os.path.join(sysroot, "sys", "hypervisor", "type"), "w") as f:
        f.write("xen\n")
    cfg = os.path.join(tmp, "guest0.cfg")
    with open(cfg, "w") as f:
        f.write('name = "other-name"\nmemory = 64\nvcpus = 1\n'
                'disk = [ "format=raw, vdev=xvda, target=/dev/san/guest0" ]\n')

    def fault(h, name, on=True):
        p = os.path.join(root, h, "fault", name)
        if on:
            open(p, "w").close()
        elif os.path.exists(p):
            os.unlink(p)

    def domfile(h, name=DOM):
        return os.path.join(root, h, "dom", name)

    def env(host, **kw):
        e = {
            "PATH": STANDIN + ":/usr/sbin:/usr/bin:/sbin:/bin",
            "XL_STANDIN_ROOT": root,
            "XL_STANDIN_HOST": host,
            "BLADED_VM_SYSROOT": sysroot,
            "OCF_ROOT": "/usr/lib/ocf",
            "OCF_RESOURCE_INSTANCE": "vm-guest0",
            "OCF_RESOURCE_TYPE": "vm",
            "OCF_RESOURCE_PROVIDER": "bladed",
            "OCF_RESKEY_backend": "xl",
            "OCF_RESKEY_domain": DOM,
            "OCF_RESKEY_config": cfg,
            "OCF_RESKEY_hypervisor_timeout": "2",
            "OCF_RESKEY_shutdown_timeout": "2",
            "OCF_RESKEY_CRM_meta_interval": "0",
            "OCF_RESKEY_CRM_meta_timeout": "20000",
        }
        for k, v in kw.items():
            if not (k.startswith("OCF_") or k.startswith("BLADED_")):
                k = "OCF_RESKEY_" + k
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        return e

    def mig(src, tgt, on=None, **kw):
        """Environment of a migrate_to on src (or of a migrate_from: on=tgt)."""
        return env(on or src, CRM_meta_migrate_source=src, CRM_meta_migrate_target=tgt, **kw)

    def timed(label, res):
        c.time(label, res.secs)
        return res

    vmlib.check_metadata(c, env("xa"))

    # --- parameters -------------------------------------------------------
    c.expect(run_agent("validate-all", env("xa")), 0, "validate-all, good parameters")
    c.expect(run_agent("validate-all", env("xa", OCF_CHECK_LEVEL="10")), 0,
             "validate-all level 10 on a (fake) Xen host")
    c.expect(run_agent("validate-all", env("xa", backend="vmware")), 6,
             "validate-all, unknown backend", reason_has="backend")
    c.expect(run_agent("validate-all", env("xa", domain=None)), 6,
             "validate-all, no domain", reason_has="domain")
    c.expect(run_agent("validate-all", env("xa", domain="a;reboot")), 6,
             "validate-all, shell characters in domain")
    c.expect(run_agent("validate-all", env("xa", hypervisor_timeout="soon")), 6,
             "validate-all, hypervisor_timeout not a number")
    c.expect(run_agent("validate-all", env("xa", migrate_uri_template="blade-mig")), 6,
             "validate-all, migrate_uri_template without %n")
    c.expect(run_agent("validate-all", env("xa", config="-q")), 6,
             "validate-all, config not an absolute path", reason_has="absolute")
    c.expect(run_agent("validate-all", env("xa", config=None)), 6,
             "validate-all, no config", reason_has="config")
    c.expect(run_agent("validate-all", env("xa", config=cfg + ".missing",
                                           OCF_CHECK_LEVEL="10")), 5,
             "validate-all level 10, config not on this blade")
    c.expect(run_agent("frobnicate", env("xa")), 3, "unknown action")

    # --- Xen detection: the stand-in on PATH is not enough ----------------
    noxen = env("xa", BLADED_VM_SYSROOT=None)
    c.expect(run_agent("monitor", noxen), 5, "probe on a host without Xen",
             reason_has="not a Xen host")
    c.expect(run_agent("start", noxen), 5, "start on a host without Xen")
    c.expect(run_agent("stop", noxen), 0, "stop on a host without Xen (cannot run there)")

    # --- start / monitor ----------------------------------------------------
    c.expect(timed("probe (absent)", run_agent("monitor", env("xa"))), 7, "probe before start")
    c.expect(timed("start", run_agent("start", env("xa"))), 0, "start")
    c.check(os.path.exists(domfile("xa")), "xl create used domain= over the cfg's name")
    c.expect(run_agent("start", env("xa")), 0, "start again (idempotent)")
    c.check(len(os.listdir(os.path.join(root, "xa", "dom"))) == 1, "still one domain")
    c.expect(timed("monitor", run_agent("monitor", env("xa"))), 0, "monitor running")
    c.expect(run_agent("monitor", env("xb")), 7, "probe on the other host")

    subprocess.run([os.path.join(STANDIN, "xl"), "pause", DOM], env=env("xa"), check=True)
    c.expect(run_agent("monitor", env("xa")), 0, "monitor paused domain (counts as here)")
    with open(domfile("xa")) as f:
        line = f.read().split()
    for flags, word in (("---sc-", "crashed"), ("-----d", "dying"), ("---s--", "shut down")):
        with open(domfile("xa"), "w") as f:
            f.write(f"{line[0]} {line[1]} {line[2]} {flags}\n")
        c.expect(run_agent("monitor", env("xa")), 1, f"monitor {word} domain ({flags})",
                 reason_has=word)
    with open(domfile("xa"), "w") as f:
        f.write(f"{line[0]} {line[1]} {line[2]} -b----\n")
    c.expect(run_agent("start", env("xa")), 0, "start on a running domain after repair")

    # --- hung toolstack: error, never "not running" -------------------------
    fault("xa", "hang")
    r = timed("monitor (xl hung)", run_agent("monitor", env("xa")))
    c.expect(r, 1, "monitor with hung xl", max_secs=4.5, reason_has="timed out")
    c.expect(run_agent("stop", env("xa")), 1, "stop with hung xl cannot verify", max_secs=20)
    r = run_agent("monitor", env("xa", CRM_meta_interval="10000"))
    c.expect(r, 1, "recurring monitor with hung xl", max_secs=4.5)
    fault("xa", "hang", False)
    c.expect(run_agent("monitor", env("xa")), 0, "monitor after xl recovers")

    # --- live migration xa -> xb ----------------------------------------------
    r = timed("migrate_to", run_agent("migrate_to", mig("xa", "xb")))
    c.expect(r, 0, "migrate_to xa -> xb")
    c.expect(timed("migrate_from", run_agent("migrate_from", mig("xa", "xb", on="xb"))), 0, "migrate_from on xb")
    c.expect(run_agent("monitor", env("xa")), 7, "monitor on source after migration")
    c.expect(run_agent("monitor", env("xb")), 0, "monitor on target after migration")
    c.expect(run_agent("stop", env("xa")), 0, "stop on source after migration (nothing left)")
    c.expect(run_agent("migrate_to", mig("xa", "xb")), 0,
             "migrate_to repeated after success (already there)")

    # A dedicated migration network: xb-mig and xa-mig name the same hosts.
    os.symlink("xb", os.path.join(root, "xb-mig"))
    os.symlink("xa", os.path.join(root, "xa-mig"))
    r = run_agent("migrate_to", mig("xb", "xa", migration_network_suffix="-mig"))
    c.expect(r, 0, "migrate_to xb -> xa over xa-mig (migration_network_suffix)")
    c.check("(xa-mig)" in r.err, "xl migrate was given xa-mig", r.err)
    r = run_agent("migrate_to", mig("xa", "xb", migrate_uri_template="%n-mig"))
    c.expect(r, 0, "migrate_to xa -> xb over xb-mig (migrate_uri_template %n-mig)")
    c.check("(xb-mig)" in r.err, "xl migrate was given xb-mig", r.err)
    c.expect(run_agent("monitor", env("xb")), 0, "domain back on xb")

    # --- failed migrations: where is the domain? ---------------------------
    fault("xa", "receive_fail")
    r = run_agent("migrate_to", mig("xb", "xa"))
    c.expect(r, 1, "migrate_to, target fails to start the domain",
             reason_has=["failed", "still on the source xb"])
    c.check("Migration failed due to problems at target" in r.reason,
            "exit reason quotes xl's failure", r.reason)
    fault("xa", "receive_fail", False)
    c.expect(run_agent("monitor", env("xb")), 0, "domain still runs on xb")

    r = run_agent("migrate_to", mig("xb", "nosuchblade"))
    c.expect(r, 1, "migrate_to an unreachable blade",
             reason_has=["still on the source xb", "cannot reach nosuchblade"])

    fault("xa", "down")
    r = run_agent("migrate_to", mig("xb", "xa"))
    c.expect(r, 1, "migrate_to a blade that refuses ssh",
             reason_has=["still on the source xb", "Connection refused"])
    fault("xa", "down", False)

    fault("xa", "receive_hang")
    r = timed("migrate_to (hangs)", run_agent("migrate_to", mig("xb", "xa",
              OCF_RESKEY_CRM_meta_timeout="12000")))
    c.expect(r, 1, "migrate_to that hangs is cut off within its timeout",
             max_secs=12, reason_has=["timed out", "still on the source xb",
                                      f"{DOM}--incoming on xa"])
    fault("xa", "receive_hang", False)
    c.expect(run_agent("monitor", env("xa")), 1,
             "monitor on target sees the half-received domain", reason_has="--incoming")
    c.expect(run_agent("stop", env("xa")), 0, "stop on target clears the leftover")
    c.check(not os.listdir(os.path.join(root, "xa", "dom")), "nothing left on xa")

    fault("xa", "receive_badly")
    r = run_agent("migrate_to", mig("xb", "xa"))
    c.expect(r, 1, "migrate_to failing in the final handshake",
             reason_has=[f"{DOM}--migratedaway", f"{DOM}--incoming on xa"])
    fault("xa", "receive_badly", False)
    c.expect(run_agent("monitor", env("xb")), 1, "monitor on source: leftover, not 7",
             reason_has="--migratedaway")
    c.expect(run_agent("stop", env("xb")), 0, "stop on source")
    c.expect(run_agent("stop", env("xa")), 0, "stop on target")
    c.expect(run_agent("monitor", env("xa")), 7, "nothing on xa")
    c.expect(run_agent("monitor", env("xb")), 7, "nothing on xb")

    # --- stop: clean, escalated, repeated ------------------------------------
    c.expect(run_agent("start", env("xa")), 0, "start again")
    r = timed("stop (clean)", run_agent("stop", env("xa")))
    c.expect(r, 0, "stop, guest shuts down", max_secs=2)
    c.expect(run_agent("start", env("xa")), 0, "start again")
    fault("xa", "ignore_shutdown")
    r = timed("stop (escalated)", run_agent("stop", env("xa")))
    c.expect(r, 0, "stop, guest ignores shutdown -> destroyed", max_secs=6)
    c.check(r.secs >= 2, "escalation waited shutdown_timeout (2 s)", f"{r.secs:.2f}s")
    c.check("did not shut down within 2 s" in r.err, "stop says why it destroyed")
    fault("xa", "ignore_shutdown", False)
    c.expect(run_agent("stop", env("xa")), 0, "stop when stopped (idempotent)")
    c.expect(run_agent("monitor", env("xa", CRM_meta_interval="10000")), 7,
             "recurring monitor after stop")

    # --- start failures ----------------------------------------------------------
    fault("xa", "create_fail")
    c.expect(run_agent("start", env("xa")), 1, "start when xl create fails",
             reason_has="device model did not start")
    fault("xa", "create_fail", False)
    c.expect(run_agent("start", env("xa", config=cfg + ".missing")), 5,
             "start with the config missing on this blade")

    # --- the project's generic OCF conformance test ----------------------------
    if os.path.exists(vmlib.CONFORMANCE):
        e = env("xa")
        cmd = [sys.executable, vmlib.CONFORMANCE, vmlib.AGENT, "--instance", "vm-guest0"]
        for k, v in e.items():
            if k.startswith("OCF_RESKEY_") and not k.startswith("OCF_RESKEY_CRM_"):
                cmd += ["--param", f"{k[len('OCF_RESKEY_'):]}={v}"]
        for k in ("XL_STANDIN_ROOT", "XL_STANDIN_HOST", "BLADED_VM_SYSROOT"):
            cmd += ["--env", f"{k}={e[k]}"]
        cmd += ["--invalid-param", "backend=vmware", "--monitor-interval", "1"]
        p = subprocess.run(cmd, env={**os.environ, "PATH": e["PATH"]},
                           capture_output=True, text=True, timeout=300)
        print("# ocf-conformance.py (xl backend, stand-in xl):")
        print("".join("#   " + l + "\n" for l in p.stdout.splitlines()), end="")
        c.check(p.returncode == 0, "ocf-conformance.py passes", p.stderr[-2000:])
    else:
        print("# tests/agents/ocf-conformance.py not present: skipped that part")


if __name__ == "__main__":
    sys.exit(main())
