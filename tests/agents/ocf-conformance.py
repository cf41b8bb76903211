#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""OCF resource agent conformance test (the project's own, generic).

    ocf-conformance.py AGENT [--param NAME=VALUE]... [--no-start]
                       [--invalid-param NAME=VALUE]... [--env NAME=VALUE]...
                       [--ocf-root DIR] [--provider P] [--instance NAME]

Runs AGENT the way an OCF resource manager does (one argument, the action;
everything else in a fresh environment: OCF_ROOT, OCF_RESOURCE_INSTANCE,
OCF_RESOURCE_TYPE, OCF_RESOURCE_PROVIDER, OCF_RESKEY_*,
OCF_RESKEY_CRM_meta_timeout/interval/name) and checks, per the OCF RA API
1.1 (shared/ref/ocf-fence-ocfs2.md section a):

  meta-data   exit 0 with no parameters set, well-formed XML of the ra-api
              shape (checked here, and with xmllint against ra-api-1.1.rng
              when xmllint is installed), name = file name, mandatory
              actions advertised with timeouts
  validate-all 0 with the given parameters (levels 0 and 10); 2 or 6 with an
              exit reason when a required parameter is missing or an
              --invalid-param is given
  lifecycle   probe 7 before start; start 0; start 0 again (idempotent);
              monitor 0; probe 0; stop 0; stop 0 again; monitor 7; probe 7
              (--no-start: only the stopped half)
  other       unknown action 3; every action within the timeout its
              meta-data advertises (or --timeout); a failing action writes
              its reason with the ocf-exit-reason: prefix

Prints one "ok"/"not ok" line per check and the time of each action, and
exits 0 when every check passed, 1 otherwise, 2 on bad usage.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = os.path.join(HERE, "ra-api-1.1.rng")
MANDATORY_ACTIONS = ("start", "stop", "monitor", "meta-data")
CONTENT_TYPES = ("boolean", "string", "integer", "select")
TIME_RE = re.compile(r"^(\d+)(ms|s|m|h|d)?$")
REASON_PREFIX = "ocf-exit-reason:"


def parse_time(s):
    """OCF meta-data time ("20s", "500ms", "2m", bare = s) -> seconds."""
    m = TIME_RE.match(s or "")
    if not m:
        return None
    n = int(m.group(1))
    return n * {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def kv(s):
    if "=" not in s:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {s!r}")
    k, v = s.split("=", 1)
    if not k:
        raise argparse.ArgumentTypeError(f"empty name in {s!r}")
    return k, v


class Result:
    def __init__(self, rc, out, err, secs, timed_out):
        self.rc, self.out, self.err, self.secs, self.timed_out = rc, out, err, secs, timed_out


class Tester:
    def __init__(self, args):
        self.args = args
        self.agent = os.path.abspath(args.agent)
        self.type = os.path.basename(self.agent)
        self.params = dict(args.param)
        self.failures = 0
        self.checks = 0
        self.timeouts = {}      # action -> seconds, from meta-data
        self.times = {}         # label -> seconds
        self.required = []

    # -- output -----------------------------------------------------------
    def check(self, cond, what, detail=""):
        self.checks += 1
        if cond:
            print(f"ok {self.checks} - {what}")
        else:
            self.failures += 1
            print(f"not ok {self.checks} - {what}" + (f": {detail}" if detail else ""))
        sys.stdout.flush()
        return cond

    # -- running the agent ------------------------------------------------
    def env(self, action, params, interval_ms=0, extra=None):
        env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "OCF_ROOT": self.args.ocf_root,
            "OCF_RA_VERSION_MAJOR": "1",
            "OCF_RA_VERSION_MINOR": "1",
            "OCF_RESOURCE_INSTANCE": self.args.instance,
            "OCF_RESOURCE_TYPE": self.type,
            "OCF_RESOURCE_PROVIDER": self.args.provider,
            "OCF_RESKEY_CRM_meta_name": action,
            "OCF_RESKEY_CRM_meta_interval": str(interval_ms),
            "OCF_RESKEY_CRM_meta_timeout": str(int(self.timeout_for(action) * 1000)),
        }
        for k, v in params.items():
            env["OCF_RESKEY_" + k] = v
        for k, v in self.args.env:
            env[k] = v
        if extra:
            env.update(extra)
        return env

    def timeout_for(self, action):
        if self.args.timeout:
            return self.args.timeout
        return self.timeouts.get(action, 20.0)

    def run(self, action, params=None, interval_ms=0, extra=None, label=None):
        params = self.params if params is None else params
        timeout = self.timeout_for(action)
        env = self.env(action, params, interval_ms, extra)
        t0 = time.monotonic()
        # A new session, so a timeout can kill whatever the agent started.
        p = subprocess.Popen([self.agent, action], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 15)
            try:
                out, err = p.communicate(timeout=2)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                out, err = p.communicate()
            timed_out = True
        secs = time.monotonic() - t0
        if label:
            self.times[label] = secs
        res = Result(p.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
                     secs, timed_out)
        if self.args.verbose:
            print(f"# {action} rc={res.rc} {secs * 1000:.1f} ms stderr={res.err.strip()!r}")
        return res

    def expect(self, action, want, what, **kw):
        res = self.run(action, **kw)
        wants = want if isinstance(want, tuple) else (want,)
        detail = f"rc={res.rc}" + (" (timed out)" if res.timed_out else "")
        if res.err.strip():
            detail += f", stderr: {res.err.strip()[:300]}"
        self.check(not res.timed_out and res.rc in wants,
                   f"{what} returns {'/'.join(map(str, wants))} "
                   f"({res.secs * 1000:.1f} ms)", detail)
        if res.rc not in (0, 7) and not res.timed_out:
            self.check_reason(res, what)
        return res

    def check_reason(self, res, what):
        """A failing action should say why on stderr, with the prefix."""
        lines = [l for l in res.err.splitlines() if "exit-reason" in l]
        self.check(any(l.startswith(REASON_PREFIX) and len(l) > len(REASON_PREFIX)
                       for l in res.err.splitlines()),
                   f"{what} gives an '{REASON_PREFIX}' line",
                   repr(lines or res.err.strip()[:200]))

    # -- meta-data --------------------------------------------------------
    def meta_data(self):
        res = self.run("meta-data", params={}, label="meta-data")
        if not self.check(res.rc == 0 and not res.timed_out,
                          "meta-data exits 0 without parameters", f"rc={res.rc}"):
            return False
        try:
            root = ET.fromstring(res.out)
        except ET.ParseError as e:
            self.check(False, "meta-data is well-formed XML", str(e))
            return False
        self.check(True, "meta-data is well-formed XML")
        self.check(root.tag == "resource-agent", "root element is resource-agent", root.tag)
        self.check(root.get("name") == self.type, "resource-agent name is the file name",
                   f"{root.get('name')!r} != {self.type!r}")
        ver = root.find("version")
        self.check(ver is not None and (ver.text or "").strip() in ("1.0", "1.1"),
                   "<version> names OCF 1.0 or 1.1",
                   None if ver is None else ver.text)
        for tag in ("longdesc", "shortdesc"):
            els = root.findall(tag)
            self.check(els and all(e.get("lang") for e in els),
                       f"agent has <{tag} lang=...>")
        params = root.find("parameters")
        problems = []
        names = []
        for p in (params.findall("parameter") if params is not None else []):
            name = p.get("name")
            names.append(name)
            if not name:
                problems.append("parameter without name")
                continue
            for attr in ("required", "unique", "reloadable"):
                if p.get(attr) not in (None, "0", "1"):
                    problems.append(f"{name}: {attr}={p.get(attr)!r} is not 0/1")
            if p.get("required") == "1":
                self.required.append(name)
            for tag in ("longdesc", "shortdesc"):
                if not p.findall(tag):
                    problems.append(f"{name}: no <{tag}>")
            c = p.find("content")
            if c is None or c.get("type") not in CONTENT_TYPES:
                problems.append(f"{name}: <content type> missing or not one of {CONTENT_TYPES}")
            elif c.get("type") == "select" and not c.findall("option"):
                problems.append(f"{name}: select without <option>")
            elif c.get("type") == "boolean" and c.get("default") not in (
                    None, "0", "1", "true", "false", "yes", "no", "on", "off"):
                problems.append(f"{name}: boolean default {c.get('default')!r}")
            elif c.get("type") == "integer" and c.get("default") is not None and \
                    not re.match(r"^-?\d+$", c.get("default")):
                problems.append(f"{name}: integer default {c.get('default')!r}")
        if len(set(names)) != len(names):
            problems.append("duplicate parameter names")
        self.check(params is not None and names and not problems,
                   "parameters are described (name, descs, content)", "; ".join(problems))
        actions = root.find("actions")
        seen = {}
        bad = []
        for a in (actions.findall("action") if actions is not None else []):
            t = parse_time(a.get("timeout"))
            if not a.get("name") or t is None:
                bad.append(f"{a.get('name')}: timeout {a.get('timeout')!r}")
                continue
            if a.get("interval") is not None and parse_time(a.get("interval")) is None:
                bad.append(f"{a.get('name')}: interval {a.get('interval')!r}")
            seen.setdefault(a.get("name"), t)
        missing = [a for a in MANDATORY_ACTIONS if a not in seen]
        self.check(not missing and not bad, "mandatory actions advertised with timeouts",
                   f"missing {missing}, bad {bad}")
        self.timeouts = seen
        self.advertised = set(seen)
        xmllint = shutil.which("xmllint")
        if xmllint and os.path.exists(RNG):
            p = subprocess.run([xmllint, "--noout", "--relaxng", RNG, "-"], input=res.out.encode(),
                               capture_output=True)
            self.check(p.returncode == 0, "meta-data validates against ra-api-1.1.rng (xmllint)",
                       p.stderr.decode(errors="replace").strip()[:400])
        else:
            print("# xmllint not found: RelaxNG validation skipped")
        missing_req = [r for r in self.required if r not in self.params]
        self.check(not missing_req, "every required parameter is given (--param)",
                   f"missing {missing_req}")
        return True

    # -- the sequence -----------------------------------------------------
    def validate(self):
        if "validate-all" not in getattr(self, "advertised", ()):
            print("# validate-all not advertised: skipped")
            return
        self.expect("validate-all", 0, "validate-all (level 0)", label="validate-all")
        self.expect("validate-all", 0, "validate-all (OCF_CHECK_LEVEL=10)",
                    extra={"OCF_CHECK_LEVEL": "10"})
        for name in self.required:
            params = {k: v for k, v in self.params.items() if k != name}
            self.expect("validate-all", (2, 6), f"validate-all without required '{name}'",
                        params=params)
        for k, v in self.args.invalid_param:
            params = dict(self.params)
            params[k] = v
            self.expect("validate-all", (2, 6), f"validate-all with {k}={v!r}", params=params)

    def lifecycle(self):
        interval = int(self.args.monitor_interval * 1000)
        self.expect("monitor", 7, "probe before start", label="probe (stopped)")
        if not self.args.no_start:
            res = self.expect("start", 0, "start", label="start")
            if res.rc != 0:
                self.run("stop")   # leave nothing behind
                return
            self.expect("start", 0, "start again (idempotent)", label="start (again)")
            self.expect("monitor", 0, "monitor after start", interval_ms=interval,
                        label="monitor (running)")
            self.expect("monitor", 0, "probe after start", label="probe (running)")
            self.expect("stop", 0, "stop", label="stop")
        self.expect("stop", 0, "stop when stopped (idempotent)", label="stop (again)")
        self.expect("monitor", 7, "monitor after stop", interval_ms=interval,
                    label="monitor (stopped)")
        self.expect("monitor", 7, "probe after stop")

    def other(self):
        self.expect("no-such-action", 3, "unknown action")
        res = self.run("meta-data", params={}, extra={"OCF_RESKEY_CRM_meta_timeout": ""})
        self.check(res.rc == 0, "meta-data works without a meta timeout", f"rc={res.rc}")

    def main(self):
        print(f"# {self.agent} as ocf:{self.args.provider}:{self.type} "
              f"instance {self.args.instance}")
        if not os.access(self.agent, os.X_OK):
            self.check(False, "agent is executable", self.agent)
            return 1
        if self.meta_data():
            self.validate()
            self.lifecycle()
            self.other()
        for label, secs in self.times.items():
            print(f"# time {label}: {secs * 1000:.1f} ms")
        print(f"1..{self.checks}")
        print(f"# {self.checks - self.failures} passed, {self.failures} failed")
        return 1 if self.failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("agent")
    ap.add_argument("--param", type=kv, action="append", default=[],
                    help="instance parameter NAME=VALUE (OCF_RESKEY_NAME)")
    ap.add_argument("--invalid-param", type=kv, action="append", default=[],
                    help="a value validate-all must reject with 2 or 6")
    ap.add_argument("--env", type=kv, action="append", default=[],
                    help="extra environment variable for every action")
    ap.add_argument("--no-start", action="store_true",
                    help="skip start (agents that cannot start here); check the stopped half")
    ap.add_argument("--ocf-root", default=os.environ.get("OCF_ROOT", "/usr/lib/ocf"))
    ap.add_argument("--provider", default="bladed")
    ap.add_argument("--instance", default="conformance-test")
    ap.add_argument("--timeout", type=float, default=0,
                    help="seconds per action (default: the meta-data's timeouts)")
    ap.add_argument("--monitor-interval", type=float, default=10,
                    help="seconds passed as the recurring monitor's interval")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    return Tester(args).main()


if __name__ == "__main__":
    sys.exit(main())
