# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers for the agent tests (python3 standard library only).

Tests that need a network run inside a network namespace they create
(198.18.0.0/15 only, shared/netns-cluster.md): the outer process creates it,
re-runs itself inside with `ip netns exec`, and deletes it at the end.
Without root they exit 77 (skipped), never 0.
"""

import os
import subprocess
import sys
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("BLADED_BUILD_DIR", os.path.join(HERE, "..", "..", "build"))
AGENT_DIR = os.path.join(BUILD, "ocf", "resource.d", "bladed")
CONFORMANCE = os.path.join(HERE, "ocf-conformance.py")


class Failed(Exception):
    pass


def poll(observe, cond, timeout=5.0, interval=0.02):
    """Calls observe() until cond(value) holds or timeout passes; returns the
    last value (the caller checks it, so a timeout fails with that value)."""
    end = time.monotonic() + timeout
    while True:
        v = observe()
        if cond(v) or time.monotonic() >= end:
            return v
        time.sleep(interval)


def agent_path(name):
    path = os.path.join(AGENT_DIR, name)
    if not os.access(path, os.X_OK):
        print(f"agent {path} is not built", file=sys.stderr)
        sys.exit(1)
    return path


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def require_root():
    if os.geteuid() != 0:
        skip("needs root (network namespaces)")
    if subprocess.run(["ip", "-V"], capture_output=True).returncode != 0:
        skip("ip (iproute2) not installed")


def sh(*cmd, check=True, **kw):
    p = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise Failed(f"{' '.join(cmd)}: rc={p.returncode} {p.stderr.strip()}")
    return p


class Checker:
    """Counts checks; a failed check is reported and remembered, not fatal."""

    def __init__(self):
        self.failed = 0
        self.n = 0

    def __call__(self, cond, what, detail=""):
        self.n += 1
        print(("ok " if cond else "not ok ") + f"{self.n} - {what}"
              + ("" if cond or not detail else f": {detail}"))
        sys.stdout.flush()
        if not cond:
            self.failed += 1
        return cond

    def done(self):
        print(f"1..{self.n}\n# {self.n - self.failed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def run_agent(path, action, params, interval_ms=0, timeout=20.0, extra=None):
    """Runs an agent as an OCF resource manager would; returns
    (rc, stdout, stderr, seconds)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        "OCF_ROOT": os.path.join(BUILD, "ocf"),
        "OCF_RESOURCE_INSTANCE": "test",
        "OCF_RESOURCE_TYPE": os.path.basename(path),
        "OCF_RESOURCE_PROVIDER": "bladed",
        "OCF_RESKEY_CRM_meta_interval": str(interval_ms),
        "OCF_RESKEY_CRM_meta_timeout": str(int(timeout * 1000)),
    }
    env.update({"OCF_RESKEY_" + k: str(v) for k, v in params.items()})
    env.update(extra or {})
    t0 = time.monotonic()
    p = subprocess.run([path, action], env=env, capture_output=True, text=True,
                       timeout=timeout + 5)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


class Netns:
    """A namespace with eth0 (198.18.<net>.1/24) whose veth peer0 is in the
    same namespace, so the test can listen to what goes out of eth0."""

    def __init__(self, tag, net=70):
        self.name = f"bla{tag}{os.getpid()}"
        self.net = net

    def __enter__(self):
        sh("ip", "netns", "add", self.name)
        try:
            n = self.name
            sh("ip", "-n", n, "link", "set", "lo", "up")
            sh("ip", "-n", n, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0")
            sh("ip", "-n", n, "addr", "add", f"198.18.{self.net}.1/24", "dev", "eth0")
            sh("ip", "-n", n, "link", "set", "eth0", "up")
            sh("ip", "-n", n, "link", "set", "peer0", "up")
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)

    def run_inside(self, argv, timeout=600):
        """Runs argv in the namespace; returns its exit code."""
        p = subprocess.run(["ip", "netns", "exec", self.name] + argv, timeout=timeout)
        return p.returncode


def outer_main(tag, inner_argv, net=70):
    """The usual outer half: root check, namespace, run inner, clean up."""
    require_root()
    try:
        with Netns(tag, net) as ns:
            rc = ns.run_inside(inner_argv)
    except Failed as e:
        print(f"not ok - setting up the namespace: {e}")
        return 1
    return rc
