# SPDX-License-Identifier: GPL-2.0-or-later
"""Small helpers shared by the vm agent tests (python3 stdlib only)."""

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("BLADED_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
AGENT = os.path.join(SRC, "agents", "vm")
CONFORMANCE = os.path.join(SRC, "tests", "agents", "ocf-conformance.py")
SKIP = 77
REASON_PREFIX = "ocf-exit-reason:"


class Result:
    def __init__(self, action, rc, out, err, secs):
        self.action, self.rc, self.out, self.err, self.secs = action, rc, out, err, secs

    @property
    def reason(self):
        lines = [l[len(REASON_PREFIX):] for l in self.err.splitlines()
                 if l.startswith(REASON_PREFIX)]
        return lines[-1] if lines else ""

    def __repr__(self):
        return f"rc={self.rc} {self.secs:.2f}s reason={self.reason!r}"


class Checker:
    """Counts checks; a failed check is printed and remembered, not fatal."""

    def __init__(self, name):
        self.name = name
        self.failed = []
        self.count = 0
        self.times = {}

    def check(self, cond, what, detail=""):
        self.count += 1
        if cond:
            print(f"ok {self.count} - {what}", flush=True)
        else:
            print(f"not ok {self.count} - {what}" + (f": {detail}" if detail else ""),
                  flush=True)
            self.failed.append(what)
        return cond

    def expect(self, res, rc, what, max_secs=None, reason_has=None):
        ok = res.rc == rc
        detail = repr(res)
        if ok and max_secs is not None and res.secs > max_secs:
            ok = False
            detail += f" (slower than {max_secs}s)"
        if ok and reason_has is not None:
            for word in ([reason_has] if isinstance(reason_has, str) else reason_has):
                if word not in res.reason:
                    ok = False
                    detail += f" (reason lacks {word!r})"
        if not ok and res.err.strip():
            detail += "\n    stderr: " + res.err.strip().replace("\n", "\n    stderr: ")
        return self.check(ok, f"{what} -> {rc}", detail)

    def time(self, label, secs):
        self.times.setdefault(label, []).append(secs)

    def finish(self):
        if self.times:
            print("# action times (s):")
            for k, v in self.times.items():
                print(f"#   {k:<28} " + " ".join(f"{x:.2f}" for x in v))
        if self.failed:
            print(f"# {self.name}: {len(self.failed)} of {self.count} checks FAILED:")
            for f in self.failed:
                print(f"#   {f}")
            return 1
        print(f"# {self.name}: all {self.count} checks passed")
        return 0


def run_agent(action, env, prefix=(), timeout=120):
    """Runs the agent like an OCF manager: one argument, environment only."""
    t0 = time.monotonic()
    p = subprocess.Popen(list(prefix) + [AGENT, action], env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        out, err = p.communicate()
        err += f"\n(test harness: killed after {timeout}s)"
        return Result(action, -1, out, err, time.monotonic() - t0)
    return Result(action, p.returncode, out, err, time.monotonic() - t0)


def check_metadata(c, env):
    res = run_agent("meta-data", env)
    c.expect(res, 0, "meta-data")
    try:
        root = ET.fromstring(res.out)
    except ET.ParseError as e:
        c.check(False, "meta-data is well-formed XML", str(e))
        return
    actions = {a.get("name") for a in root.iter("action")}
    params = {p.get("name") for p in root.iter("parameter")}
    c.check(root.tag == "resource-agent" and root.get("name") == "vm",
            "meta-data root is resource-agent name=vm")
    want = {"start", "stop", "monitor", "migrate_to", "migrate_from",
            "meta-data", "validate-all"}
    c.check(want <= actions, "meta-data lists start/stop/monitor/migrate_to/"
            "migrate_from/meta-data/validate-all", f"missing {want - actions}")
    wantp = {"backend", "domain", "config", "uri", "migrate_uri_template",
             "migration_network_suffix", "shutdown_timeout", "hypervisor_timeout",
             "migrate_options"}
    c.check(wantp <= params, "meta-data lists every parameter", f"missing {wantp - params}")


def skip(msg):
    print(f"SKIP: {msg}", flush=True)
    sys.exit(SKIP)
