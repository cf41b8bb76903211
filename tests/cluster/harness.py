# SPDX-License-Identifier: GPL-2.0-or-later
"""Cluster test harness: real corosync and real bladed in network namespaces.

A ``Cluster`` is N blades on one private bridge (see the project's
netns-cluster notes, summarised in doc/testing.rst):

* a switch namespace ``<prefix>sw`` holding bridge ``br0``;
* one namespace per blade ``<prefix>b<N>`` with ``eth0`` at
  ``198.18.<k>.<10+N>/24``, its switch-side veth being ``v<N>``;
* a client namespace ``<prefix>c`` at ``.100`` (switch side ``vc``);
* one work directory per blade: corosync.conf, lib/ (bind-mounted on
  /var/lib/corosync), log/corosync.log, the node file (OCFS2 form), the
  resource configuration, bladed's state dir and control socket, and the
  stdout/stderr of every process started there.

corosync and bladed run under ``ip netns exec`` with a private tmpfs on /run
(and corosync with its own /var/lib/corosync), so nothing leaks into the
host.  Every process the harness starts is recorded by PID and is the only
thing it ever signals.  Teardown (context exit, exception, SIGINT, SIGTERM,
SIGHUP, and an atexit safety net) stops those processes (SIGTERM, then
SIGKILL), deletes the namespaces and, unless KEEP=1, the work directory.

Synchronisation is by polling with ``wait_until`` and a timeout, never by
bare sleeps.  Python 3 standard library only.
"""

import atexit
import ctypes
import errno
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import xml.etree.ElementTree as ET

SKIP = 77

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.environ.get("BLADED_SOURCE_DIR")
                             or os.path.join(HERE, "..", ".."))
BUILD_DIR = os.path.abspath(os.environ.get("BLADED_BUILD_DIR")
                            or os.path.join(SOURCE_DIR, "build", "test"))

# Where concurrent runs claim their subnet (one lock directory per /24).
NET_LOCK_DIR = "/tmp/bladed-cluster-nets"

# Text that means a sanitizer (ASan/UBSan/LSan) caught something in a daemon.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "ERROR: UndefinedBehaviorSanitizer")

_verbose = os.environ.get("VERBOSE", "") not in ("", "0")


class Skip(Exception):
        """The test cannot run here (not root, a tool is missing...)."""


class TestFailure(AssertionError):
        """A checked condition did not hold."""


def log(msg):
        """Narration: one line with the time since the harness was loaded."""
        print("[%7.3f] %s" % (time.monotonic() - _T0, msg), flush=True)


def debug(msg):
        if _verbose:
                log(msg)


_T0 = time.monotonic()


# --------------------------------------------------------------------------
# Paths, prerequisites

def bladed_path():
        return os.path.join(BUILD_DIR, "bladed")


def bladectl_path():
        return os.path.join(BUILD_DIR, "bladectl")


def require(bladed=True):
        """Raises Skip with the reason when the cluster tests cannot run."""
        if os.geteuid() != 0:
                raise Skip("needs root (network namespaces, mounts)")
        for tool in ("ip", "corosync", "corosync-quorumtool", "mount"):
                if shutil.which(tool) is None:
                        raise Skip("%s is not installed (tests/setup-deps.sh)" % tool)
        if not os.path.isdir("/var/lib/corosync"):
                raise Skip("/var/lib/corosync missing (corosync package incomplete)")
        if bladed:
                for p in (bladed_path(), bladectl_path()):
                        if not os.access(p, os.X_OK):
                                raise Skip("%s not built (set BLADED_BUILD_DIR)" % p)
        r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
        if r.returncode != 0:
                raise Skip("ip netns does not work here: %s" % r.stderr.strip())


# --------------------------------------------------------------------------
# Waiting

def wait_until(observe, cond=bool, timeout=10.0, what="condition", interval=0.05):
        """Polls observe() until cond(value) is true; returns that value.

        On timeout raises TestFailure naming `what` and showing the last value
        observed (or the last exception observe() raised), so a failure says
        what the cluster looked like, not just "timed out".
        """
        deadline = time.monotonic() + timeout
        last = "<never observed>"
        while True:
                try:
                        value = observe()
                        if cond(value):
                                return value
                        last = value
                except TestFailure:
                        raise
                except Exception as e:  # a transient error is an observation too
                        last = "error: %s: %s" % (type(e).__name__, e)
                if time.monotonic() >= deadline:
                        raise TestFailure("timed out after %.1fs waiting for %s; last observed: %s"
                                          % (timeout, what, _short(last)))
                time.sleep(interval)


def check(cond, msg):
        if not cond:
                raise TestFailure(msg)


def check_equal(got, want, what):
        if got != want:
                raise TestFailure("%s: expected %r, got %r" % (what, want, got))


def hold(observe, cond, duration, what, interval=0.1):
        """Checks that cond(observe()) stays true for `duration` seconds (a
        stability check, e.g. "no membership churn"), failing at the first
        observation where it does not."""
        end = time.monotonic() + duration
        while True:
                value = observe()
                if not cond(value):
                        raise TestFailure("%s stopped holding; observed: %s" % (what, _short(value)))
                if time.monotonic() >= end:
                        return value
                time.sleep(interval)


def _short(v, limit=2000):
        s = v if isinstance(v, str) else repr(v)
        return s if len(s) <= limit else s[:limit] + "..."


# --------------------------------------------------------------------------
# Processes

def _pdeathsig():
        # If the harness itself is killed with SIGKILL, its children die too
        # instead of holding namespaces alive.  Runs in the child, after fork.
        try:
                libc = ctypes.CDLL(None, use_errno=True)
                libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except Exception:
                pass


_spawn_lock = threading.Lock()


class Proc:
        """A process the harness started; its output goes to files."""

        def __init__(self, label, argv, out_dir, basename, env=None):
                self.label = label
                self.argv = list(argv)
                self.out_path = os.path.join(out_dir, basename + ".out")
                self.err_path = os.path.join(out_dir, basename + ".err")
                self.expected_exit = False   # set when the harness stops/kills it
                self.stopped = False         # SIGSTOP'ed
                banner = "=== %s started %s: %s\n" % (label, time.strftime("%H:%M:%S"),
                                                       " ".join(self.argv))
                with open(self.out_path, "a") as f:
                        f.write(banner)
                with open(self.err_path, "a") as f:
                        f.write(banner)
                out = open(self.out_path, "ab")
                err = open(self.err_path, "ab")
                try:
                        with _spawn_lock:
                                self.popen = subprocess.Popen(
                                        self.argv, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=err, env=env, start_new_session=True,
                                        preexec_fn=_pdeathsig)
                finally:
                        out.close()
                        err.close()
                self.pid = self.popen.pid
                self.started = time.monotonic()
                debug("started %s pid %d" % (label, self.pid))

        def alive(self):
                return self.popen.poll() is None

        @property
        def returncode(self):
                return self.popen.poll()

        def signal(self, sig):
                if self.alive():
                        try:
                                os.kill(self.pid, sig)
                        except ProcessLookupError:
                                pass

        def wait(self, timeout):
                try:
                        return self.popen.wait(timeout)
                except subprocess.TimeoutExpired:
                        return None

        def stop(self, timeout=10.0):
                """SIGTERM, then SIGKILL after timeout. Returns the exit status."""
                self.expected_exit = True
                if not self.alive():
                        return self.returncode
                self.signal(signal.SIGTERM)
                if self.stopped:
                        self.signal(signal.SIGCONT)
                        self.stopped = False
                rc = self.wait(timeout)
                if rc is None:
                        log("%s (pid %d) ignored SIGTERM for %.0fs: SIGKILL"
                            % (self.label, self.pid, timeout))
                        self.signal(signal.SIGKILL)
                        rc = self.wait(10)
                return rc

        def kill9(self):
                self.expected_exit = True
                self.signal(signal.SIGKILL)
                return self.wait(10)

        def tail(self, n=40):
                """The last n lines of its stderr and stdout (those with more than
                the harness's own "=== started" lines)."""
                parts = []
                for p in (self.err_path, self.out_path):
                        try:
                                with open(p, "rb") as f:
                                        text = f.read().decode("utf-8", "replace")
                        except OSError:
                                continue
                        if any(l and not l.startswith("=== ") for l in text.splitlines()):
                                parts.append(_tail(p, n))
                return "\n".join(parts) or "--- %s: no output" % self.label


def _tail(path, n):
        try:
                with open(path, "rb") as f:
                        lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError as e:
                return "--- %s: %s" % (path, e)
        body = "\n".join("    " + l for l in lines[-n:])
        return "--- %s (last %d of %d lines)\n%s" % (path, min(n, len(lines)), len(lines), body)


def run(argv, timeout=30, check=True, input=None):
        """Runs a short command, returns CompletedProcess (text)."""
        debug("run: " + " ".join(argv))
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)
        if check and r.returncode != 0:
                raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), r.returncode,
                                                        (r.stderr or r.stdout).strip()))
        return r


# --------------------------------------------------------------------------
# Naming and subnets: unique per run

def _existing_netns():
        r = run(["ip", "netns", "list"], check=False)
        return {line.split()[0] for line in r.stdout.splitlines() if line.strip()}


def _pid_alive(pid):
        try:
                os.kill(pid, 0)
                return True
        except ProcessLookupError:
                return False
        except PermissionError:
                return True


def _claim_subnet(prefix):
        """Claims a /24 inside 198.18.0.0/15 for this run; returns (k, lockdir).

        Two runs on one machine never share a subnet: each /24 is claimed by
        an atomic mkdir holding the owner's PID.  A lock whose owner is dead
        is reclaimed, after deleting the namespaces it lists (they were made
        by a harness that was killed before it could clean up).
        """
        os.makedirs(NET_LOCK_DIR, exist_ok=True)
        # Sweep first: a harness killed with SIGKILL leaves its namespaces.
        for entry in os.listdir(NET_LOCK_DIR):
                _reclaim_stale(os.path.join(NET_LOCK_DIR, entry))
        start = (os.getpid() * 7 + random.randrange(512)) % 512
        for i in range(512):
                k = (start + i) % 512
                lock = os.path.join(NET_LOCK_DIR, str(k))
                try:
                        os.mkdir(lock)
                except FileExistsError:
                        if not _reclaim_stale(lock):
                                continue
                        try:
                                os.mkdir(lock)
                        except FileExistsError:
                                continue
                with open(os.path.join(lock, "owner"), "w") as f:
                        f.write("%d %s\n" % (os.getpid(), prefix))
                return k, lock
        raise Skip("no free /24 in 198.18.0.0/15 (stale locks in %s?)" % NET_LOCK_DIR)


def _reclaim_stale(lock):
        try:
                with open(os.path.join(lock, "owner")) as f:
                        fields = f.read().split()
                pid, prefix = int(fields[0]), fields[1]
        except (OSError, ValueError, IndexError):
                # Being written right now, or garbage: only reclaim old ones.
                try:
                        if time.time() - os.stat(lock).st_mtime < 60:
                                return False
                except OSError:
                        return False
                prefix = None
                pid = None
        if pid is not None and _pid_alive(pid):
                return False
        if prefix and re.fullmatch(r"bl[0-9]{4}[a-z]{2}", prefix):
                if len(fields) > 2 and os.path.basename(fields[2]).startswith(
                                "bladed-%s-" % prefix) and not os.environ.get("KEEP"):
                        shutil.rmtree(fields[2], ignore_errors=True)
                for ns in sorted(_existing_netns()):
                        if ns.startswith(prefix):
                                log("removing stale namespace %s of dead run %s" % (ns, pid))
                                run(["ip", "netns", "del", ns], check=False)
        shutil.rmtree(lock, ignore_errors=True)
        return True


def _new_prefix():
        existing = _existing_netns()
        for _ in range(100):
                p = "bl%04d%s" % (os.getpid() % 10000,
                                  "".join(random.choice("abcdefghijklmnopqrstuvwxyz")
                                          for _ in range(2)))
                if not any(ns.startswith(p) for ns in existing):
                        return p
        raise RuntimeError("could not find a free namespace prefix")


# --------------------------------------------------------------------------
# Files: node file, corosync.conf, configuration

def node_file_text(cluster_name, nodes):
        """OCFS2 cluster.conf (o2cb form: TAB-indented attributes).

        nodes: list of dicts with name, number, ip_address, ip_port.
        """
        out = ["cluster:", "\tnode_count = %d" % len(nodes), "\theartbeat_mode = local",
               "\tname = %s" % cluster_name, ""]
        for n in nodes:
                out += ["node:",
                        "\tip_port = %d" % n.get("ip_port", 7777),
                        "\tip_address = %s" % n["ip_address"],
                        "\tnumber = %d" % n["number"],
                        "\tname = %s" % n["name"],
                        "\tcluster = %s" % cluster_name, ""]
        return "\n".join(out)


def corosync_nodelist_text(nodes):
        """The nodelist corosync needs, from the node table (nodeid = number + 1)."""
        out = ["nodelist {"]
        for n in nodes:
                out += ["\tnode {",
                        "\t\tname: %s" % n["name"],
                        "\t\tnodeid: %d" % (n["number"] + 1),
                        "\t\tring0_addr: %s" % n["ip_address"],
                        "\t}"]
        out.append("}")
        return "\n".join(out) + "\n"


def _nodelist_entries(text):
        """{(name, nodeid, ring0_addr)} of a corosync nodelist."""
        out = set()
        for block in re.findall(r"node\s*\{([^{}]*)\}", text):
                kv = dict(re.findall(r"^\s*(\w+)\s*:\s*(\S+)\s*$", block, re.M))
                out.add((kv.get("name"), int(kv.get("nodeid", -1)), kv.get("ring0_addr")))
        return out


def corosync_conf_text(cluster_name, nodelist, log_path, token_ms, token_coefficient,
                       knet_ping):
        totem = ["\tversion: 2",
                 "\tcluster_name: %s" % cluster_name,
                 "\ttransport: knet",
                 "\ttoken: %d" % token_ms,
                 "\ttoken_coefficient: %d" % token_coefficient,
                 "\tcrypto_cipher: none",
                 "\tcrypto_hash: none"]
        if knet_ping:
                # corosync derives knet's ping timeout from the token (token/2);
                # at short tokens that flaps links, explicit values keep it stable.
                totem += ["\tinterface {",
                          "\t\tlinknumber: 0",
                          "\t\tknet_ping_interval: %d" % knet_ping[0],
                          "\t\tknet_ping_timeout: %d" % knet_ping[1],
                          "\t}"]
        return "\n".join(
                ["totem {"] + totem + ["}", "",
                 nodelist.rstrip("\n"), "",
                 "quorum {", "\tprovider: corosync_votequorum", "}", "",
                 "logging {",
                 "\tto_logfile: yes",
                 "\tlogfile: %s" % log_path,
                 "\tto_stderr: no",
                 "\tto_syslog: no",
                 "\ttimestamp: hires",
                 "}", ""])


def minimal_config_text(blade_names=()):
        """A valid resource configuration without resources: what the scenarios
        about membership and replication start from (nothing to run, so nothing
        but the configuration itself can differ between blades)."""
        nodes = "".join('    <node name="%s"/>\n' % n for n in blade_names)
        return ('<?xml version="1.0"?>\n'
                '<bladed-config epoch="1">\n'
                '  <properties no-quorum-policy="stop" fencing="false"'
                ' default-stickiness="100"/>\n'
                + ('  <nodes>\n%s  </nodes>\n' % nodes if nodes else "")
                + '</bladed-config>\n')


def config_variant_text(base, n):
        """A configuration that differs from `base` by a real change: the
        cluster property default-stickiness set to 100 + n.  Returns (text,
        marker), marker being the attribute as `config show` prints it."""
        value = 100 + n
        marker = 'default-stickiness="%d"' % value
        if re.search(r'default-stickiness="[^"]*"', base):
                return re.sub(r'default-stickiness="[^"]*"', marker, base, count=1), marker
        if re.search(r"<properties\b", base):
                return re.sub(r"<properties\b", "<properties " + marker, base, count=1), marker
        m = re.search(r"<bladed-config\b[^>]*?>", base)
        if not m or m.group(0).endswith("/>"):
                raise ValueError("base configuration has no open <bladed-config> root")
        return base[:m.end()] + "<properties %s/>" % marker + base[m.end():], marker


def example_path(name):
        return os.path.join(SOURCE_DIR, "xml", "examples", name)


# --------------------------------------------------------------------------
# OCF root: what the daemons run agents from

SYSTEM_OCF_ROOT = "/usr/lib/ocf"
TEST_AGENT_DIR = os.path.join(HERE, "agents")


def build_agent_dir():
        """The project's agents as the build places them (agents/CMakeLists.txt)."""
        return os.path.join(BUILD_DIR, "ocf", "resource.d", "bladed")


def heartbeat_agent(name):
        """Path of a ClusterLabs agent (Debian resource-agents) or None."""
        p = os.path.join(SYSTEM_OCF_ROOT, "resource.d", "heartbeat", name)
        return p if os.access(p, os.X_OK) else None


def assemble_ocf_root(root):
        """Fills `root` so that --ocf-root root finds every agent a test may name:

        * resource.d/bladed -> BUILD/ocf/resource.d/bladed (vip, vm, mailcheck);
        * resource.d/heartbeat -> /usr/lib/ocf/resource.d/heartbeat and
          lib -> /usr/lib/ocf/lib when resource-agents is installed (its
          agents source ${OCF_ROOT}/lib/heartbeat/ocf-shellfuncs);
        * resource.d/test/: copies of tests/cluster/agents/* (copies, not
          symlinks: a test may install its own version of one over it).
        """
        rd = os.path.join(root, "resource.d")
        os.makedirs(os.path.join(rd, "test"), exist_ok=True)
        links = {os.path.join(rd, "bladed"): build_agent_dir(),
                 os.path.join(rd, "heartbeat"): os.path.join(SYSTEM_OCF_ROOT, "resource.d",
                                                              "heartbeat"),
                 os.path.join(root, "lib"): os.path.join(SYSTEM_OCF_ROOT, "lib")}
        for link, target in links.items():
                if os.path.isdir(target) and not os.path.lexists(link):
                        os.symlink(target, link)
        if os.path.isdir(TEST_AGENT_DIR):
                for name in sorted(os.listdir(TEST_AGENT_DIR)):
                        src = os.path.join(TEST_AGENT_DIR, name)
                        if os.path.isfile(src) and os.access(src, os.X_OK):
                                shutil.copy(src, os.path.join(rd, "test", name))
        return root


# --------------------------------------------------------------------------
# Status parsing

def parse_status_xml(text):
        """`bladectl status --xml` -> dict.

        {"epoch": int, "quorate": bool, "coordinator": name or None,
         "local": name, "nodes": {name: {"id": int, "state": str}},
         "resources": {id: {attr: value}},
         "probed": {name: bool}, "on": {id: {blade: {attr: value}}}}
        """
        root = ET.fromstring(text)
        if root.tag != "status":
                raise ValueError("root element is <%s>, not <status>" % root.tag)
        q = root.get("quorate")
        if q not in ("true", "false"):
                raise ValueError("quorate=%r" % q)
        st = {"epoch": int(root.get("epoch")),
              "quorate": q == "true",
              "coordinator": root.get("coordinator") or None,
              "local": root.get("local"),
              "nodes": {}, "resources": {}}
        for n in root.findall("node"):
                st["nodes"][n.get("name")] = {"id": int(n.get("id")), "state": n.get("state")}
        st["probed"] = {n.get("name"): n.get("probed") == "true" for n in root.findall("node")}
        st["on"] = {}
        for r in root.findall("resource"):
                st["resources"][r.get("id")] = dict(r.attrib)
                # Per-blade detail (<on node= role= failcount= rc= reason=>);
                # blades without an <on> are in their default state.
                st["on"][r.get("id")] = {o.get("node"): dict(o.attrib) for o in r.findall("on")}
        return st


def online_names(st):
        return sorted(n for n, v in st["nodes"].items() if v["state"] == "online")


# corosync's log with "timestamp: hires": "Jan 02 03:04:05.678 ..."
_COROSYNC_TS = re.compile(r"^([A-Z][a-z]{2}) +(\d+) (\d\d):(\d\d):(\d\d)\.(\d+) ")
_MONTHS = {m: i + 1 for i, m in enumerate(
        "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def corosync_log_time(line, now=None):
        """Wall-clock time (seconds since the epoch) of a corosync log line, or None."""
        m = _COROSYNC_TS.match(line)
        if not m:
                return None
        lt = time.localtime(now if now is not None else time.time())
        mon = _MONTHS.get(m.group(1))
        if mon is None:
                return None
        year = lt.tm_year - (1 if mon > lt.tm_mon else 0)  # a log from last December
        frac = float("0." + m.group(6))
        t = time.mktime((year, mon, int(m.group(2)), int(m.group(3)), int(m.group(4)),
                         int(m.group(5)), 0, 0, -1))
        return t + frac


# bladed's stderr log: "2026-01-02 03:04:05.678 bladed[PID]: level: message"
_BLADED_LOG = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d+)? bladed\[\d+\]: "
                         r"(\w+): (.*)$")


def bladed_log_lines(path, since_wall=0.0):
        """[(wall time, level, message)] of a bladed stderr log, from since_wall on."""
        out = []
        try:
                with open(path, errors="replace") as f:
                        for line in f:
                                m = _BLADED_LOG.match(line.rstrip("\n"))
                                if not m:
                                        continue
                                t = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"))
                                t += float(m.group(2) or 0)
                                if t >= since_wall:
                                        out.append((t, m.group(3), m.group(4)))
        except FileNotFoundError:
                pass
        return out


# --------------------------------------------------------------------------
# The cluster

class Blade:
        def __init__(self, cluster, index, number):
                self.cluster = cluster
                self.index = index             # 1-based position in the cluster
                self.number = number           # node file number
                self.nodeid = number + 1       # corosync node id
                self.name = "blade%d" % index
                self.ns = "%sb%d" % (cluster.prefix, index)
                self.veth = "v%d" % index      # switch side, in the switch namespace
                self.ip = "%s.%d" % (cluster.net, 10 + index)
                self.dir = os.path.join(cluster.workdir, self.name)
                self.lib = os.path.join(self.dir, "lib")
                self.logdir = os.path.join(self.dir, "log")
                self.state_dir = os.path.join(self.dir, "state")
                self.corosync_conf = os.path.join(self.dir, "corosync.conf")
                self.corosync_log = os.path.join(self.logdir, "corosync.log")
                self.nodes_file = os.path.join(self.dir, "cluster.conf")
                self.config_file = os.path.join(self.dir, "resources.xml")
                self.socket = os.path.join(self.dir, "bladed.sock")
                self.ocf_root = os.path.join(self.dir, "ocf")
                self.corosync = None
                self.bladed = None
                self.link_up = True
                for d in (self.dir, self.lib, self.logdir, self.state_dir, self.ocf_root):
                        os.makedirs(d, exist_ok=True)

        def __repr__(self):
                return self.name

        def procs(self):
                return [p for p in (self.bladed, self.corosync) if p is not None]


class Cluster:
        """N blades with corosync (and bladed) in network namespaces.

            with Cluster(3) as c:
                c.start()                      # corosync + bladed on every blade
                c.wait_converged()             # every status agrees
                c.cut(c.blades[0])             # fault
                ...

        Parameters: n_blades; token_ms (500) and token_coefficient (0), stable
        per the measurements; knet_ping=(interval_ms, timeout_ms) for shorter
        tokens (token 300 wants (250, 1000)); bladed=False for corosync only;
        config: path of the initial resource configuration (default: a
        minimal one with no resources, see minimal_config_text); numbers: node file numbers
        (default 1..N, so corosync node ids 2..N+1); name: used in messages.
        """

        def __init__(self, n_blades=3, token_ms=500, token_coefficient=0, knet_ping=None,
                     bladed=True, config=None, numbers=None, log_level="debug",
                     bladed_args=(), name=None):
                self.n = n_blades
                self.token_ms = token_ms
                self.token_coefficient = token_coefficient
                self.knet_ping = knet_ping
                self.use_bladed = bladed
                self.config_src = config
                self.numbers = list(numbers) if numbers else list(range(1, n_blades + 1))
                self.log_level = log_level
                self.bladed_args = list(bladed_args)
                self.name = name or "cluster"
                self.blades = []
                self.extra_procs = []
                self.created_ns = []
                self.problems = []
                self.workdir = None
                self.lock = None
                self.torn_down = False
                self.nodelist_source = None
                self.variants = 0
                self.samplers = []
                self._addr_readers = None
                self._addr_lock = threading.Lock()

        # ---- set-up ----------------------------------------------------

        def __enter__(self):
                _install_signal_handlers()
                _live_clusters.append(self)
                try:
                        self._setup()
                except BaseException:
                        self.teardown(failed=True)
                        raise
                return self

        def __exit__(self, exc_type, exc, tb):
                failed = exc_type is not None
                if failed and not issubclass(exc_type, (KeyboardInterrupt, SystemExit, Skip)):
                        self.dump_logs()
                self.teardown(failed=failed)
                if not failed and self.problems:
                        raise TestFailure("after the test: " + "; ".join(self.problems))
                return False

        def _setup(self):
                self.prefix = _new_prefix()
                self.k, self.lock = _claim_subnet(self.prefix)
                self.net = "198.%d.%d" % (18 + self.k // 256, self.k % 256)
                self.workdir = tempfile.mkdtemp(prefix="bladed-%s-" % self.prefix)
                os.chmod(self.workdir, 0o755)
                with open(os.path.join(self.lock, "owner"), "w") as f:
                        f.write("%d %s %s\n" % (os.getpid(), self.prefix, self.workdir))
                self.cluster_name = self.prefix
                self.sw = self.prefix + "sw"
                self.client_ns = self.prefix + "c"
                self.client_ip = self.net + ".100"
                log("%s: %d blades, prefix %s, subnet %s.0/24, work dir %s"
                    % (self.name, self.n, self.prefix, self.net, self.workdir))
                self._netns_add(self.sw)
                self._ip("-n", self.sw, "link", "set", "lo", "up")
                self._ip("-n", self.sw, "link", "add", "br0", "type", "bridge")
                self._ip("-n", self.sw, "link", "set", "br0", "up")
                for i in range(1, self.n + 1):
                        b = Blade(self, i, self.numbers[i - 1])
                        self.blades.append(b)
                        self._plug(b.ns, b.veth, b.ip)
                self._plug(self.client_ns, "vc", self.client_ip)
                self._write_files()
                # One assembled OCF root for bladectl's agent checks, and one per
                # blade for its daemon (a test may install a blade-specific agent).
                self.ocf_root = assemble_ocf_root(os.path.join(self.workdir, "ocf"))
                for b in self.blades:
                        assemble_ocf_root(b.ocf_root)

        def _ip(self, *args):
                run(["ip"] + list(args))

        def _netns_add(self, ns):
                self._ip("netns", "add", ns)
                self.created_ns.append(ns)  # the prefix in the lock's owner file covers it

        def _plug(self, ns, veth, ip):
                self._netns_add(ns)
                self._ip("-n", ns, "link", "set", "lo", "up")
                # Created directly in both namespaces: never in the host's.
                self._ip("-n", self.sw, "link", "add", veth, "type", "veth",
                         "peer", "name", "eth0", "netns", ns)
                self._ip("-n", self.sw, "link", "set", veth, "master", "br0")
                self._ip("-n", self.sw, "link", "set", veth, "up")
                self._ip("-n", ns, "addr", "add", ip + "/24", "dev", "eth0")
                self._ip("-n", ns, "link", "set", "eth0", "up")

        def node_table(self):
                return [{"name": b.name, "number": b.number, "ip_address": b.ip,
                         "ip_port": 7777} for b in self.blades]

        def _write_files(self):
                nodes = self.node_table()
                text = node_file_text(self.cluster_name, nodes)
                for b in self.blades:
                        _write(b.nodes_file, text)
                nodelist = self._nodelist(self.blades[0].nodes_file, nodes)
                if self.config_src:
                        with open(self.config_src) as f:
                                config = f.read()
                else:
                        config = minimal_config_text([b.name for b in self.blades])
                for b in self.blades:
                        _write(b.corosync_conf, corosync_conf_text(
                                self.cluster_name, nodelist, b.corosync_log, self.token_ms,
                                self.token_coefficient, self.knet_ping))
                        _write(b.config_file, config)

        def _nodelist(self, nodes_file, nodes):
                """Prefers `bladectl nodes corosync`, the admins' own tool."""
                ctl = bladectl_path()
                if os.access(ctl, os.X_OK):
                        r = run([ctl, "nodes", "corosync", nodes_file], check=False)
                        if r.returncode == 0 and "nodelist" in r.stdout:
                                got = _nodelist_entries(r.stdout)
                                want = _nodelist_entries(corosync_nodelist_text(nodes))
                                if got != want:
                                        raise TestFailure(
                                                "bladectl nodes corosync disagrees with the node"
                                                " table: %s, expected %s" % (got, want))
                                self.nodelist_source = "bladectl nodes corosync"
                                return r.stdout
                        debug("bladectl nodes corosync unavailable (exit %d): generating"
                              % r.returncode)
                self.nodelist_source = "harness"
                return corosync_nodelist_text(nodes)

        # ---- teardown --------------------------------------------------

        def teardown(self, failed=False):
                if self.torn_down:
                        return
                self.torn_down = True
                old = _ignore_signals()
                try:
                        for smp in self.samplers:
                                smp.stop()
                        for rd in (self._addr_readers or {}).values():
                                rd.close()
                        self._addr_readers = {}
                        self._stop_everything()
                        self._scan_daemon_logs()
                        for ns in reversed(self.created_ns):
                                r = run(["ip", "netns", "del", ns], check=False)
                                if r.returncode != 0:
                                        log("could not delete namespace %s: %s"
                                            % (ns, r.stderr.strip()))
                        self.created_ns = []
                        if self.lock:
                                shutil.rmtree(self.lock, ignore_errors=True)
                                self.lock = None
                        if self.workdir:
                                if os.environ.get("KEEP", "") not in ("", "0"):
                                        log("KEEP=1: work dir kept: %s" % self.workdir)
                                else:
                                        shutil.rmtree(self.workdir, ignore_errors=True)
                finally:
                        if self in _live_clusters:
                                _live_clusters.remove(self)
                        _restore_signals(old)

        def _stop_everything(self):
                if os.environ.get("HOLD", "") not in ("", "0") and sys.stdin.isatty():
                        log("HOLD=1: cluster still running (namespaces %s*); press Enter"
                            " to tear down" % self.prefix)
                        try:
                                sys.stdin.readline()
                        except Exception:
                                pass
                # bladed first (so it leaves CPG while corosync still runs), then
                # corosync; each group in parallel.
                groups = [self.extra_procs, [b.bladed for b in self.blades if b.bladed],
                          [b.corosync for b in self.blades if b.corosync]]
                for group in groups:
                        for p in group:
                                if p.alive():
                                        if not p.expected_exit:
                                                p.expected_exit = "teardown"
                                        p.signal(signal.SIGTERM)
                                        if p.stopped:
                                                p.signal(signal.SIGCONT)
                                                p.stopped = False
                        deadline = time.monotonic() + 10
                        for p in group:
                                if p.wait(max(0.1, deadline - time.monotonic())) is None:
                                        log("%s (pid %d) still alive 10s after SIGTERM: SIGKILL"
                                            % (p.label, p.pid))
                                        p.signal(signal.SIGKILL)
                                        p.wait(10)
                                        if p.label.startswith("bladed"):
                                                self.problems.append(
                                                        "%s did not exit on SIGTERM" % p.label)
                                self._note_exit(p)

        def _note_exit(self, p):
                rc = p.returncode
                if not p.label.startswith("bladed") or p.expected_exit is True:
                        return
                if p.expected_exit == "teardown":
                        if rc not in (0, None):
                                self.problems.append("%s exited %s on SIGTERM" % (p.label, rc))
                else:
                        self.problems.append("%s died unexpectedly (exit %s)" % (p.label, rc))

        def _scan_daemon_logs(self):
                for b in self.blades:
                        for path in (os.path.join(b.dir, "bladed.err"),
                                     os.path.join(b.dir, "bladed.out")):
                                if not os.path.exists(path):
                                        continue
                                with open(path, "rb") as f:
                                        text = f.read().decode("utf-8", "replace")
                                for mark in SANITIZER_MARKS:
                                        if mark in text:
                                                self.problems.append(
                                                        "%s: sanitizer report (%s) in %s"
                                                        % (b.name, mark, path))
                                                break
                if self.problems:
                        self.dump_logs()

        def dump_logs(self, n=40):
                """Prints the tails of every log (called when a test fails)."""
                print("==== logs of %s (%s) ====" % (self.name, self.workdir), flush=True)
                for b in self.blades:
                        for p in b.procs():
                                print(p.tail(n))
                        if os.path.exists(b.corosync_log):
                                print(_tail(b.corosync_log, 15))
                for p in self.extra_procs:
                        print(p.tail(n))
                print("==== end of logs ====", flush=True)

        # ---- corosync --------------------------------------------------

        def start_corosync(self, b):
                if b.corosync and b.corosync.alive():
                        raise RuntimeError("corosync already running on %s" % b.name)
                script = ("mount -t tmpfs tmpfs /run && mount --bind \"$1\" /var/lib/corosync"
                          " && exec corosync -f -c \"$2\"")
                b.corosync = Proc("corosync@" + b.name,
                                  ["ip", "netns", "exec", b.ns, "sh", "-c", script, "sh",
                                   b.lib, b.corosync_conf], b.dir, "corosync")
                return b.corosync

        def stop_corosync(self, b):
                return b.corosync.stop() if b.corosync else None

        def kill_corosync(self, b, sig=signal.SIGKILL):
                b.corosync.expected_exit = True
                b.corosync.signal(sig)
                return b.corosync.wait(10)

        def quorum(self, b):
                """`corosync-quorumtool -s` on a blade: {"quorate", "members" (node ids)}."""
                r = run(["ip", "netns", "exec", b.ns, "corosync-quorumtool", "-s"],
                        check=False, timeout=10)
                if "Quorate:" not in r.stdout:
                        raise RuntimeError("corosync-quorumtool on %s: exit %d %s"
                                           % (b.name, r.returncode, r.stderr.strip()))
                quorate = bool(re.search(r"^Quorate:\s+Yes", r.stdout, re.M))
                members = []
                in_members = False
                for line in r.stdout.splitlines():
                        if line.strip().startswith("Nodeid"):
                                in_members = True
                                continue
                        if in_members:
                                f = line.split()
                                if f and f[0].isdigit():
                                        members.append(int(f[0]))
                return {"quorate": quorate, "members": sorted(members)}

        def wait_corosync(self, blades=None, timeout=20):
                """Waits until every given blade's corosync sees exactly those blades, quorate."""
                blades = blades or self.blades
                want = sorted(b.nodeid for b in blades)
                for b in blades:
                        wait_until(lambda: self.quorum(b),
                                   lambda q: q["quorate"] and q["members"] == want,
                                   timeout, "corosync on %s quorate with members %s"
                                   % (b.name, want))

        def membership_events(self, b, since_wall=0.0):
                """corosync's membership changes on a blade: [(wall time, line)].

                "A new membership (...) was formed" lines of the TOTEM layer,
                with corosync's own hires timestamps (same clock as time.time()).
                """
                out = []
                try:
                        with open(b.corosync_log, errors="replace") as f:
                                for line in f:
                                        if "A new membership" not in line:
                                                continue
                                        t = corosync_log_time(line)
                                        if t is not None and t >= since_wall:
                                                out.append((t, line.rstrip()))
                except FileNotFoundError:
                        pass
                return out

        def wait_membership_event(self, b, since_wall, timeout=20):
                """Time of the first membership change on b after since_wall."""
                ev = wait_until(lambda: self.membership_events(b, since_wall), bool, timeout,
                                "a corosync membership change on %s" % b.name)
                return ev[0][0]

        # ---- bladed ----------------------------------------------------

        def bladed_argv(self, b, nodes=None, config=None, state_dir=None, socket=None,
                        extra=()):
                return [bladed_path(), "--foreground",
                        "--nodes", nodes or b.nodes_file,
                        "--config", config or b.config_file,
                        "--state-dir", state_dir or b.state_dir,
                        "--socket", socket or b.socket,
                        "--ocf-root", b.ocf_root,
                        "--log-level", self.log_level] + self.bladed_args + list(extra)

        def _bladed_env(self):
                env = dict(os.environ)
                # A sanitizer finding must end the daemon loudly, not scroll by.
                env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
                env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
                env.pop("NOTIFY_SOCKET", None)
                env.pop("BLADED_SOCKET", None)
                return env

        def _in_blade(self, b, argv):
                # A private /run: whatever the daemon writes there stays in the blade.
                # /run/resource-agents is what systemd-tmpfiles creates at boot for
                # resource-agents (its tmpfiles.d); ClusterLabs' agents keep state there.
                return ["ip", "netns", "exec", b.ns, "sh", "-c",
                        "mount -t tmpfs tmpfs /run && mkdir -m 1755 /run/resource-agents"
                        " && exec \"$0\" \"$@\""] + argv

        def start_bladed(self, b, **kw):
                if b.bladed and b.bladed.alive():
                        raise RuntimeError("bladed already running on %s" % b.name)
                b.bladed = Proc("bladed@" + b.name, self._in_blade(b, self.bladed_argv(b, **kw)),
                                b.dir, "bladed", env=self._bladed_env())
                return b.bladed

        def run_bladed_once(self, b, timeout=20, label="bladed-check", **kw):
                """Runs a second bladed on b that is expected to exit (bad start-up input).

                Returns (exit status, stderr text). Uses its own socket and state
                dir unless given, so the blade's running daemon is untouched.
                """
                tag = "%s-%d" % (label, len(self.extra_procs))
                kw.setdefault("socket", os.path.join(b.dir, tag + ".sock"))
                if "state_dir" not in kw:
                        kw["state_dir"] = os.path.join(b.dir, tag + "-state")
                        os.makedirs(kw["state_dir"], exist_ok=True)
                p = Proc("%s@%s" % (tag, b.name), self._in_blade(b, self.bladed_argv(b, **kw)),
                         b.dir, tag, env=self._bladed_env())
                self.extra_procs.append(p)
                rc = p.wait(timeout)
                if rc is None:
                        p.stop()
                        raise TestFailure("%s did not exit within %ds (expected an exit at"
                                          " start-up)\n%s" % (p.label, timeout, p.tail()))
                p.expected_exit = True
                with open(p.err_path, errors="replace") as f:
                        err = "".join(l for l in f if not l.startswith("=== "))
                return rc, err

        def stop_bladed(self, b):
                """Clean stop (SIGTERM): the daemon must leave the group and exit 0."""
                rc = b.bladed.stop()
                if rc != 0:
                        raise TestFailure("bladed on %s exited %s on SIGTERM\n%s"
                                          % (b.name, rc, b.bladed.tail()))
                return rc

        def kill_bladed(self, b):
                return b.bladed.kill9()

        # ---- faults ----------------------------------------------------

        def cut(self, *blades):
                """Unplugs blades at the switch (their links go down)."""
                for b in blades:
                        self._ip("-n", self.sw, "link", "set", b.veth, "down")
                        b.link_up = False
                log("cut off: %s" % ", ".join(b.name for b in blades))

        def restore(self, *blades):
                for b in blades:
                        self._ip("-n", self.sw, "link", "set", b.veth, "up")
                        b.link_up = True
                log("plugged back: %s" % ", ".join(b.name for b in blades))

        def partition(self, *groups):
                """partition([b1, b2], [b3]): every group but the largest is cut.

                One switch cannot keep two cut-off groups talking among themselves,
                so only "one group stays on the switch" partitions are possible;
                each other blade ends up alone.
                """
                keep = max(groups, key=len)
                self.cut(*[b for g in groups if g is not keep for b in g])

        def heal(self):
                self.restore(*[b for b in self.blades if not b.link_up])

        def pause(self, b):
                """SIGSTOP every process of a blade (a hung blade)."""
                for p in b.procs():
                        p.signal(signal.SIGSTOP)
                        p.stopped = True
                log("paused %s" % b.name)

        def resume(self, b):
                for p in b.procs():
                        p.signal(signal.SIGCONT)
                        p.stopped = False
                log("resumed %s" % b.name)

        # ---- resources -----------------------------------------------------

        def placement(self, rsc, blades=None, role="started"):
                """The blade every given blade's status places `rsc` on with `role`
                (all agreeing), else None."""
                nodes = set()
                for b in (blades or self.blades):
                        st = self.try_status(b)
                        r = st and st["resources"].get(rsc)
                        if not r or r.get("role") != role:
                                return None
                        nodes.add(r.get("node"))
                return nodes.pop() if len(nodes) == 1 else None

        def wait_placement(self, rsc, timeout=60, blades=None, role="started", what=None):
                """Waits until every blade's status shows `rsc` with `role` on one and
                the same blade; returns that blade's name."""
                return wait_until(lambda: self.placement(rsc, blades, role), bool, timeout,
                                  what or "%s %s on one blade as every blade sees it"
                                  % (rsc, role))

        def blade(self, name):
                return next(b for b in self.blades if b.name == name)

        # ---- the statefile test agent (tests/cluster/agents/statefile) --------

        @property
        def agent_state_dir(self):
                """state_dir for ocf:test:statefile resources (created on first use);
                its "fail" subdirectory is the agent's fail_dir."""
                d = os.path.join(self.workdir, "agent-state")
                os.makedirs(os.path.join(d, "fail"), exist_ok=True)
                os.chmod(d, 0o755)
                return d

        @property
        def agent_fail_dir(self):
                return os.path.join(self.agent_state_dir, "fail")

        def statefile_paths(self, rsc):
                """{blade: state file} of a statefile resource: it runs on a blade
                exactly when that file exists."""
                return {b.name: os.path.join(self.agent_state_dir, "%s.%s" % (rsc, b.name))
                        for b in self.blades}

        def agent_log_path(self, rsc, blade):
                name = blade if isinstance(blade, str) else blade.name
                return os.path.join(self.agent_state_dir, "%s.%s.log" % (rsc, name))

        def agent_count(self, rsc, action, blade=None, since=0.0):
                """How many times the statefile agent began `action` for rsc on a
                blade (or on all blades)."""
                blades = [blade] if blade is not None else self.blades
                return sum(len(agent_calls(self.agent_log_path(rsc, b), action, "B", since))
                           for b in blades)

        def arm_failure(self, rsc, blade, action, rc=None, delay=None, count=None):
                """Makes the statefile agent fail on purpose: on `blade` (name, Blade
                or "any"), `action` in start|stop|monitor|probe exits rc (after
                sleeping delay s), `count` times (None: until disarmed)."""
                name = blade if isinstance(blade, str) else blade.name
                words = ["%s=%s" % (k, v) for k, v in (("rc", rc), ("delay", delay),
                                                       ("count", count)) if v is not None]
                path = os.path.join(self.agent_fail_dir, "%s.%s.%s" % (rsc, name, action))
                _write(path, " ".join(words) + "\n")
                return path

        def disarm_failures(self):
                for f in os.listdir(self.agent_fail_dir):
                        os.unlink(os.path.join(self.agent_fail_dir, f))

        # ---- the client namespace and addresses ----------------------------

        def client_run(self, argv, timeout=30, check=False):
                """Runs a command in the client namespace (a machine on the blades'
                network that is no blade)."""
                return run(["ip", "netns", "exec", self.client_ns] + list(argv),
                           timeout=timeout, check=check)

        def client_ping(self, ip, timeout=1.0):
                """True as soon as `ip` answers an ICMP echo from the client namespace
                (one request every 20 ms until the first reply), False if none
                answered within `timeout` seconds."""
                secs = max(1, int(timeout + 0.999))
                r = self.client_run(["ping", "-n", "-q", "-c", "1", "-i", "0.02",
                                     "-w", str(secs), ip], timeout=secs + 10)
                return r.returncode == 0

        def client_tcp(self, ip, port, timeout=2.0, send=None, read=True):
                """Connects from the client namespace to ip:port. Returns the bytes
                read (up to 4 KiB, after sending `send` if given; b"" if the peer
                said nothing within the timeout) or None if the connection failed."""
                code = ("import socket,sys\n"
                        "s=socket.create_connection((sys.argv[1],int(sys.argv[2])),"
                        "timeout=float(sys.argv[3]))\n"
                        "d=bytes.fromhex(sys.argv[4])\n"
                        "d and s.sendall(d)\n"
                        "out=b''\n"
                        "try:\n"
                        "  out=s.recv(4096) if sys.argv[5]=='1' else b''\n"
                        "except socket.timeout:\n"
                        "  pass\n"
                        "sys.stdout.write(out.hex())\n")
                r = self.client_run([sys.executable, "-c", code, ip, str(port), str(timeout),
                                     (send or b"").hex(), "1" if read else "0"],
                                    timeout=timeout + 10)
                if r.returncode != 0:
                        return None
                return bytes.fromhex(r.stdout.strip())

        def addresses(self, b):
                """IPv4 addresses configured in a blade's namespace (without /len)."""
                if self._addr_readers:
                        with self._addr_lock:
                                return self._addr_readers[b.name].read()
                r = run(["ip", "-n", b.ns, "-o", "-4", "addr", "show"], check=False, timeout=10)
                return {m.group(1) for m in re.finditer(r"\binet (\S+?)/\d+", r.stdout)}

        def all_addresses(self):
                """{blade name: its IPv4 addresses}, read over netlink sockets kept
                open in the blades' namespaces (NetnsAddrReader), or by `ip`
                processes run in parallel when those cannot be made."""
                if self._addr_readers is None:
                        try:
                                self._addr_readers = {b.name: NetnsAddrReader(b.ns)
                                                      for b in self.blades}
                        except Exception as e:
                                log("netlink address reader unavailable (%s): using ip" % e)
                                self._addr_readers = {}
                if self._addr_readers:
                        with self._addr_lock:
                                return {n: r.read() for n, r in self._addr_readers.items()}
                procs = {b.name: subprocess.Popen(["ip", "-n", b.ns, "-o", "-4", "addr", "show"],
                                                  stdout=subprocess.PIPE,
                                                  stderr=subprocess.DEVNULL, text=True)
                         for b in self.blades}
                out = {}
                for name, p in procs.items():
                        text, _ = p.communicate(timeout=10)
                        out[name] = {m.group(1) for m in
                                     re.finditer(r"\binet (\S+?)/\d+", text)}
                return out

        def vip_holders(self, ip):
                """Names of the blades whose namespace has `ip` configured."""
                return sorted(b.name for b in self.blades if ip in self.addresses(b))

        def file_holders(self, paths):
                """paths: {blade name: path}; names of the blades whose path exists
                (the test agents' state files)."""
                return sorted(n for n, p in paths.items() if os.path.exists(p))

        def start_sampler(self, vips=(), files=None, interval=0.02):
                """Starts a thread that records, every `interval` seconds, which
                blades hold each VIP (`ip -o addr` per blade) and each test agent
                resource (files: {resource: {blade: state file}}). Returns a
                Sampler; call .stop() and then .check_exclusive()."""
                s = Sampler(self, list(vips), dict(files or {}), interval)
                s.start()
                self.samplers.append(s)
                return s

        # ---- bladectl ----------------------------------------------------

        def ctl(self, b, *args, timeout=20, socket=None):
                """bladectl --socket <blade's> ARGS in the blade's namespace."""
                return run(["ip", "netns", "exec", b.ns, bladectl_path(),
                            "--socket", socket or b.socket] + list(args),
                           check=False, timeout=timeout)

        def status(self, b):
                r = self.ctl(b, "status", "--xml", timeout=10)
                if r.returncode != 0:
                        raise RuntimeError("bladectl status on %s: exit %d: %s"
                                           % (b.name, r.returncode, r.stderr.strip()))
                try:
                        return parse_status_xml(r.stdout)
                except (ET.ParseError, ValueError, TypeError) as e:
                        raise TestFailure("bladectl status --xml on %s is not valid status XML"
                                          " (%s):\n%s" % (b.name, e, r.stdout))

        def try_status(self, b):
                try:
                        return self.status(b)
                except (RuntimeError, subprocess.TimeoutExpired):
                        return None

        def statuses(self, blades=None):
                return {b.name: self.try_status(b) for b in (blades or self.blades)}

        def config_show(self, b):
                r = self.ctl(b, "config", "show")
                if r.returncode != 0:
                        raise RuntimeError("config show on %s: exit %d: %s"
                                           % (b.name, r.returncode, r.stderr.strip()))
                return r.stdout

        def config_load(self, b, path, ocf_root=None):
                """Returns (exit status, seconds until bladectl returned, stderr).
                Agents are checked only under ocf_root when given: these tests'
                configs name agents a test machine need not have installed."""
                t = time.monotonic()
                agents = ["--ocf-root", ocf_root] if ocf_root else ["--no-agents"]
                r = self.ctl(b, "config", "load", path, *agents, timeout=60)
                return r.returncode, time.monotonic() - t, r.stderr.strip()

        # ---- composite conditions ------------------------------------------

        def expected_coordinator(self, blades):
                return min(blades, key=lambda b: b.nodeid).name

        def agreement(self, blades, coordinator=None, epoch=None):
                """None if every blade's status agrees on a healthy view of `blades`,
                else a string saying what differs (for wait_until's message)."""
                want_online = sorted(b.name for b in blades)
                coord = coordinator or self.expected_coordinator(blades)
                seen = {}
                problems = []
                for b in blades:
                        st = self.try_status(b)
                        seen[b.name] = st
                        if st is None:
                                problems.append("%s: no status" % b.name)
                                continue
                        if st["local"] != b.name:
                                problems.append("%s: local=%s" % (b.name, st["local"]))
                        if not st["quorate"]:
                                problems.append("%s: not quorate" % b.name)
                        if online_names(st) != want_online:
                                problems.append("%s: online=%s" % (b.name, online_names(st)))
                        if st["coordinator"] != coord:
                                problems.append("%s: coordinator=%s" % (b.name, st["coordinator"]))
                        if epoch is not None and st["epoch"] != epoch:
                                problems.append("%s: epoch=%s" % (b.name, st["epoch"]))
                epochs = {st["epoch"] for st in seen.values() if st}
                if len(epochs) > 1:
                        problems.append("epochs differ: %s" % {n: s["epoch"] for n, s in
                                                                seen.items() if s})
                return "; ".join(problems) or None

        def wait_converged(self, blades=None, timeout=30, coordinator=None, epoch=None,
                           what=None):
                """Waits until `blades` all report each other online, quorate, the same
                coordinator (lowest node id unless given) and epoch. Returns the
                status of the first blade."""
                blades = blades or self.blades
                wait_until(lambda: self.agreement(blades, coordinator, epoch) or "ok",
                           lambda v: v == "ok", timeout,
                           what or "%s to agree" % ", ".join(b.name for b in blades))
                return self.status(blades[0])

        def first_seen(self, blades, cond, timeout, what, interval=0.01):
                """Polls every blade's status (one thread per blade) until
                cond(blade, status) holds on all of them.

                Returns {blade name: (lower, upper)} in wall-clock seconds: the
                blade's daemon changed its view after `lower` (when the last
                poll that did not show it was sent) and before `upper` (when
                the first poll that did show it returned).  upper - lower is
                the resolution, mostly bladectl's own run time."""
                deadline = time.monotonic() + timeout
                found, last, errors = {}, {}, []

                def poll(b):
                        lower = time.time()
                        try:
                                while time.monotonic() < deadline:
                                        t0 = time.time()
                                        st = self.try_status(b)
                                        if st is not None and cond(b, st):
                                                found[b.name] = (lower, time.time())
                                                return
                                        lower, last[b.name] = t0, st
                                        time.sleep(interval)
                        except Exception as e:
                                errors.append(e)

                threads = [threading.Thread(target=poll, args=(b,), daemon=True)
                           for b in blades]
                for t in threads:
                        t.start()
                for t in threads:
                        t.join()
                if errors:
                        raise errors[0]
                if len(found) < len(blades):
                        raise TestFailure("timed out after %.1fs waiting for %s; last observed: %s"
                                          % (timeout, what, _short(
                                                  {n: v for n, v in last.items()
                                                   if n not in found})))
                return found

        def wait_takeover(self, survivors, t_fault, timeout=20):
                """After a fault at wall time t_fault: waits until every survivor
                shows the survivors online, quorate, with the lowest remaining
                node id as coordinator, and measures how long that took.

                Returns {"coordinator", "membership": {name: wall time of its
                corosync's "A new membership" line}, "seen": {name: wall time
                its status first showed the takeover}, "detection" (fault ->
                last membership line), "delay" (max over survivors of seen -
                membership: the daemons' reaction), "total" (fault -> last
                seen), "resolution" (one polling round)} in seconds.
                """
                new = self.expected_coordinator(survivors)
                want_online = sorted(b.name for b in survivors)
                found = self.first_seen(
                        survivors,
                        lambda b, st: (st["coordinator"] == new and st["quorate"]
                                       and online_names(st) == want_online),
                        timeout, "%s to agree on coordinator %s"
                        % (", ".join(want_online), new))
                memb = {b.name: self.wait_membership_event(b, t_fault, timeout=10)
                        for b in survivors}
                seen = {n: hi for n, (lo, hi) in found.items()}
                # The daemons log the change with millisecond timestamps: when
                # every survivor did, that is the exact figure ("logged").
                logged = {}
                for b in survivors:
                        for t, _, msg in bladed_log_lines(os.path.join(b.dir, "bladed.err"),
                                                          t_fault):
                                if msg.startswith("coordinator is now %s" % new):
                                        logged[b.name] = t
                                        break
                return {"coordinator": new, "membership": memb, "seen": seen,
                        "logged": logged,
                        "logged_delay": (max(logged[n] - memb[n] for n in logged)
                                         if len(logged) == len(survivors) else None),
                        "detection": max(memb.values()) - t_fault,
                        "delay": max(seen[n] - memb[n] for n in seen),
                        "delay_lower": max(0.0, max(found[n][0] - memb[n] for n in seen)),
                        "total": max(seen.values()) - t_fault,
                        "resolution": max(hi - lo for lo, hi in found.values())}

        def start(self, bladed=None, timeout=30):
                """Starts corosync everywhere, waits for quorum, then bladed everywhere
                and waits until every daemon agrees."""
                for b in self.blades:
                        self.start_corosync(b)
                self.wait_corosync(timeout=timeout)
                log("corosync: %d members, quorate (nodelist from %s)"
                    % (self.n, self.nodelist_source))
                if bladed if bladed is not None else self.use_bladed:
                        for b in self.blades:
                                self.start_bladed(b)
                        st = self.wait_converged(timeout=timeout)
                        log("bladed: every blade agrees (coordinator %s, epoch %d)"
                            % (st["coordinator"], st["epoch"]))

        def check_daemons_alive(self):
                for b in self.blades:
                        if b.bladed and not b.bladed.expected_exit and not b.bladed.alive():
                                raise TestFailure("bladed on %s died (exit %s)\n%s"
                                                  % (b.name, b.bladed.returncode,
                                                     b.bladed.tail()))

        def config_variant(self, tag):
                """Writes a new variant of the initial configuration (each call a
                different one); returns (path, marker), marker being text that
                `config show` must contain once the variant is current."""
                self.variants += 1
                with open(self.blades[0].config_file) as f:
                        text, marker = config_variant_text(f.read(), self.variants)
                return self.write_file("config-%s.xml" % tag, text), marker

        def set_initial_config(self, text):
                """The configuration every blade's daemon starts from (before bladed
                first starts; later changes go through config_load)."""
                for b in self.blades:
                        _write(b.config_file, text)
                return self.write_file("initial-config.xml", text)

        def write_file(self, name, text):
                path = os.path.join(self.workdir, name)
                _write(path, text)
                return path


class NetnsAddrReader:
        """Reads a namespace's IPv4 addresses over a netlink socket opened inside
        it (RTM_GETADDR dump): well under a millisecond a reading, where
        spawning `ip` costs 5-30 ms, too slow for a 20 ms sampler.

        The socket is made in a short-lived thread that setns()es into the
        namespace (a network namespace switch affects only the calling
        thread); a socket stays in the namespace it was created in."""

        RTM_GETADDR = 22
        NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300
        NLMSG_DONE, NLMSG_ERROR = 3, 2
        IFA_ADDRESS, IFA_LOCAL = 1, 2

        def __init__(self, ns):
                import socket
                self.seq = 0
                box = {}

                def make():
                        try:
                                libc = ctypes.CDLL(None, use_errno=True)
                                fd = os.open("/run/netns/" + ns, os.O_RDONLY)
                                try:
                                        if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
                                                raise OSError(ctypes.get_errno(), "setns " + ns)
                                finally:
                                        os.close(fd)
                                box["sock"] = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                                            0)  # NETLINK_ROUTE
                        except Exception as e:
                                box["error"] = e
                t = threading.Thread(target=make)
                t.start()
                t.join()
                if "error" in box:
                        raise box["error"]
                self.sock = box["sock"]
                self.sock.bind((0, 0))
                self.sock.settimeout(5)

        def read(self):
                import struct
                self.seq += 1
                req = struct.pack("=IHHII", 16 + 8, self.RTM_GETADDR,
                                  self.NLM_F_REQUEST | self.NLM_F_DUMP, self.seq, 0)
                req += struct.pack("=BBBBI", 2, 0, 0, 0, 0)  # AF_INET
                self.sock.send(req)
                out = set()
                while True:
                        data = self.sock.recv(65536)
                        off = 0
                        while off + 16 <= len(data):
                                ln, typ, _, seq, _ = struct.unpack_from("=IHHII", data, off)
                                if ln < 16:
                                        return out
                                if seq == self.seq:
                                        if typ == self.NLMSG_DONE:
                                                return out
                                        if typ == self.NLMSG_ERROR:
                                                raise OSError("netlink error reading addresses")
                                        if typ == 20:  # RTM_NEWADDR
                                                out.update(self._addr(data[off + 16:off + ln]))
                                off += (ln + 3) & ~3

        def _addr(self, body):
                import struct
                found = {}
                off = 8  # struct ifaddrmsg
                while off + 4 <= len(body):
                        ln, typ = struct.unpack_from("=HH", body, off)
                        if ln < 4:
                                break
                        if typ in (self.IFA_ADDRESS, self.IFA_LOCAL) and ln == 8:
                                found[typ] = ".".join(str(b) for b in body[off + 4:off + 8])
                        off += (ln + 3) & ~3
                a = found.get(self.IFA_LOCAL) or found.get(self.IFA_ADDRESS)
                return {a} if a else set()

        def close(self):
                self.sock.close()


class Sampler(threading.Thread):
        """Who holds what, over time: [(wall time, {name: (blade, ...)})].

        One sample reads every blade's addresses once (one `ip` call per
        blade) and stats the state files, so a sample takes a few ms; the
        interval is between samples.  A sample is one instant only as far as
        those few ms go: an address moving between blades within them could
        be seen on both (a false alarm) but never on neither and back.
        """

        def __init__(self, cluster, vips, files, interval):
                super().__init__(daemon=True)
                self.cluster = cluster
                self.vips = vips
                self.files = files
                self.interval = interval
                self.samples = []
                self.errors = []
                self._stop_event = threading.Event()

        def sample(self):
                t = time.time()
                held = {}
                if self.vips:
                        addrs = self.cluster.all_addresses()
                        for ip in self.vips:
                                held[ip] = tuple(sorted(n for n, a in addrs.items() if ip in a))
                for name, paths in self.files.items():
                        held[name] = tuple(self.cluster.file_holders(paths))
                return t, held

        def run(self):
                next_t = time.monotonic()
                while not self._stop_event.is_set():
                        try:
                                self.samples.append(self.sample())
                        except Exception as e:  # the namespaces are going away
                                self.errors.append(e)
                        next_t = max(next_t + self.interval, time.monotonic())
                        self._stop_event.wait(max(0.0, next_t - time.monotonic()))

        def stop(self):
                self._stop_event.set()
                if self.is_alive() and self is not threading.current_thread():
                        self.join(10)
                return self.samples

        def overlaps(self):
                """[(wall time, name, holders)] of every sample where something was
                held by more than one blade."""
                return [(t, n, h) for t, held in self.samples for n, h in held.items()
                        if len(h) > 1]

        def check_exclusive(self, min_samples=10):
                """Fails if anything was ever seen on two blades at once, or if too
                few samples were taken to say so."""
                check(len(self.samples) >= min_samples,
                      "sampler took only %d samples (errors: %s)"
                      % (len(self.samples), self.errors[:3]))
                bad = self.overlaps()
                if bad:
                        t, n, h = bad[0]
                        raise TestFailure("%s held by %s at once (%d of %d samples with a"
                                          " double holder; first at %s)"
                                          % (n, ", ".join(h), len(bad), len(self.samples),
                                             time.strftime("%H:%M:%S", time.localtime(t))))
                return len(self.samples)

        def period(self):
                """Mean time between samples (s)."""
                if len(self.samples) < 2:
                        return None
                return (self.samples[-1][0] - self.samples[0][0]) / (len(self.samples) - 1)


def xml_attr(v):
        return (str(v).replace("&", "&amp;").replace('"', "&quot;")
                .replace("<", "&lt;").replace(">", "&gt;"))


def primitive_xml(rsc, agent, params=(), meta=None, monitor="1s", monitor_timeout="10s",
                  indent="    "):
        """One <primitive> element: params [(name, value)], meta {attr: value},
        a recurring monitor every `monitor` (None: no recurring monitor)."""
        out = ['%s<primitive id="%s" agent="%s">' % (indent, xml_attr(rsc), xml_attr(agent))]
        for k, v in params:
                out.append('%s  <param name="%s" value="%s"/>' % (indent, k, xml_attr(v)))
        if meta:
                out.append("%s  <meta %s/>" % (indent, " ".join(
                        '%s="%s"' % (k, xml_attr(v)) for k, v in meta.items())))
        if monitor:
                out.append('%s  <op name="monitor" interval="%s" timeout="%s"/>'
                           % (indent, monitor, monitor_timeout))
        out.append("%s</primitive>" % indent)
        return "\n".join(out) + "\n"


def config_xml(primitives, fencing=False, extra="", epoch=1):
        """A whole configuration around primitive_xml() texts."""
        return ('<?xml version="1.0"?>\n'
                '<bladed-config epoch="%d">\n'
                '  <properties no-quorum-policy="stop" fencing="%s"'
                ' default-stickiness="100"/>\n'
                '  <resources>\n%s  </resources>\n%s'
                '</bladed-config>\n') % (epoch, "true" if fencing else "false",
                                          "".join(primitives), extra)


def failcount(st, rsc, node=None):
        """A resource's fail count in a parsed status: on one blade, or the
        resource's total when node is None."""
        if node is None:
                return int(st["resources"][rsc].get("failcount", "0"))
        return int(st["on"].get(rsc, {}).get(node, {}).get("failcount", "0"))


def agent_log(path):
        """The call log of tests/cluster/agents/statefile:
        [(kind "B"|"E", wall time, action, interval ms, rc or None)]."""
        out = []
        try:
                with open(path) as f:
                        for line in f:
                                w = line.split()
                                if len(w) < 4 or w[0] not in ("B", "E"):
                                        continue
                                out.append((w[0], float(w[1]), w[2], int(w[3]),
                                            int(w[4]) if len(w) > 4 else None))
        except FileNotFoundError:
                pass
        return out


def agent_calls(path, action, kind="B", since=0.0):
        """Wall times of one action's begin (B) or end (E) lines in a statefile log."""
        return [t for k, t, a, _, _ in agent_log(path) if k == kind and a == action and t >= since]


def _write(path, text):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
                f.write(text)
        os.rename(tmp, path)


# --------------------------------------------------------------------------
# Cleanup on signals and at exit

_live_clusters = []
_handlers_installed = False


def _on_signal(sig, frame):
        # Unwinds through every `with Cluster` so teardown runs.
        raise SystemExit(128 + sig)


def _install_signal_handlers():
        global _handlers_installed
        if _handlers_installed or threading.current_thread() is not threading.main_thread():
                return
        for sig in (signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, _on_signal)
        # Also when started in the background by a shell that ignores SIGINT.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _handlers_installed = True


def _ignore_signals():
        if threading.current_thread() is not threading.main_thread():
                return None
        old = {}
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                old[sig] = signal.signal(sig, signal.SIG_IGN)
        return old


def _restore_signals(old):
        if old:
                for sig, h in old.items():
                        signal.signal(sig, h)


@atexit.register
def _atexit_teardown():
        for c in list(_live_clusters):
                try:
                        c.teardown(failed=True)
                except Exception:
                        traceback.print_exc()


# --------------------------------------------------------------------------
# Running a scenario file

def figure(name, value, unit=""):
        """A measured figure, in a form that is easy to grep: FIGURE name = value unit."""
        print("FIGURE %s = %s %s" % (name, value, unit), flush=True)


def main(tests, bladed=True, suite=None):
        """Runs test functions; prints `cluster-NAME: P passed, F failed`; exits
        0 (all ran and passed), 1 (a failure), 77 (nothing could run)."""
        suite = suite or "cluster-" + re.sub(r"^test_", "", os.path.splitext(
                os.path.basename(sys.argv[0]))[0])
        try:
                require(bladed)
        except Skip as e:
                print("%s: SKIP: %s" % (suite, e))
                print("%s: 0 passed, 0 failed, %d skipped" % (suite, len(tests)))
                sys.exit(SKIP)
        passed = failed = skipped = 0
        for fn in tests:
                name = fn.__name__
                doc = (fn.__doc__ or "").strip().splitlines()
                log("=== %s%s" % (name, (": " + doc[0]) if doc else ""))
                t = time.monotonic()
                try:
                        fn()
                        passed += 1
                        log("PASS %s (%.1fs)" % (name, time.monotonic() - t))
                except Skip as e:
                        skipped += 1
                        log("SKIP %s: %s" % (name, e))
                except TestFailure as e:
                        failed += 1
                        log("FAIL %s (%.1fs): %s" % (name, time.monotonic() - t, e))
                except Exception:
                        failed += 1
                        log("FAIL %s (%.1fs): unexpected error" % (name, time.monotonic() - t))
                        traceback.print_exc()
        line = "%s: %d passed, %d failed" % (suite, passed, failed)
        if skipped:
                line += ", %d skipped" % skipped
        print(line, flush=True)
        if failed:
                sys.exit(1)
        sys.exit(0 if passed else SKIP)
