# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for the failover scenarios (tests/cluster/test_failover_*.py) and
the failover benchmark (bench_failover.py): issue 6.

What harness.py and fencing.py do not have, kept here:

* fence devices that log every call: a small wrapper agent per run
  (``fence-log-wrapper``) appends ``B|E <unix time> <action> <victim> [rc]``
  to a log and runs tests/cluster/agents/fence_bladens with the same stdin,
  so a test can say "the fence agent was never called" or "the power-off
  began at t";
* a holder sampler that knows about power: a blade that fence_bladens
  powered off holds nothing, even though its addresses stay configured on
  its downed eth0 and its statefile state files stay on the shared disk
  (``PoweredSampler``);
* ``reboot_clean``: what a reboot does to a powered-off blade before it
  comes back (its VIPs and state files are gone), then fencing.power_on;
* configurations with fencing on, a VIP, statefile resources and
  preferences (``failover_config``);
* reading bladed's log lines about fencing and quorum.

Python 3 standard library only.
"""

import os
import re
import subprocess
import threading
import time

import fencing
import harness
from harness import (Sampler, bladed_log_lines, check, config_xml, log,  # noqa: F401
                     primitive_xml, wait_until)

WRAPPER = """#!/bin/sh
# Logs each call of the fence agent, then runs it with the same stdin.
log=%(log)s
input=$(cat)
action=$(printf '%%s\\n' "$input" | sed -n 's/^action=//p' | tail -n 1)
victim=$(printf '%%s\\n' "$input" | sed -n 's/^\\(plug\\|port\\)=//p' | tail -n 1)
echo "B $(date +%%s.%%N) ${action:-none} ${victim:-none}" >>"$log"
printf '%%s\\n' "$input" | %(agent)s
rc=$?
echo "E $(date +%%s.%%N) ${action:-none} ${victim:-none} $rc" >>"$log"
exit $rc
"""


def fence_wrapper(cluster):
        """Path of this run's logging wrapper around fence_bladens (created on
        first use); its log is fence_log_path(cluster)."""
        path = os.path.join(cluster.workdir, "fence-log-wrapper")
        if not os.path.exists(path):
                with open(path + ".tmp", "w") as f:
                        f.write(WRAPPER % {"log": fence_log_path(cluster),
                                           "agent": fencing.agent_path()})
                os.chmod(path + ".tmp", 0o755)
                os.rename(path + ".tmp", path)
        return path


def fence_log_path(cluster):
        return os.path.join(cluster.workdir, "fence-calls.log")


def fence_calls(cluster, action=None, victim=None, kind="B"):
        """[(kind, wall time, action, victim, rc or None)] from the wrapper's log."""
        out = []
        try:
                with open(fence_log_path(cluster)) as f:
                        for line in f:
                                w = line.split()
                                if len(w) < 4 or w[0] not in ("B", "E"):
                                        continue
                                if kind and w[0] != kind:
                                        continue
                                if action and w[2] != action:
                                        continue
                                if victim and w[3] != victim:
                                        continue
                                out.append((w[0], float(w[1]), w[2], w[3],
                                            int(w[4]) if len(w) > 4 else None))
        except FileNotFoundError:
                pass
        return out


def fencing_section(cluster, fail=(), delay_ms=None, blades=None):
        """<fencing> with one logged fence_bladens device per blade (per blade
        of `blades` when given: the others have none).  fail: blades whose
        device always fails; delay_ms: {blade: ms} before acting."""
        delay_ms = delay_ms or {}
        out = []
        for b in cluster.blades if blades is None else blades:
                params = fencing.device_params(cluster, fail=b in fail,
                                               delay_ms=delay_ms.get(b, 0))
                out.append('    <fence-device id="fence-%s" agent="%s" node="%s">\n%s'
                           '    </fence-device>\n'
                           % (b.name, harness.xml_attr(fence_wrapper(cluster)), b.name,
                              "".join('      <param name="%s" value="%s"/>\n'
                                      % (k, harness.xml_attr(v)) for k, v in params)))
        return "  <fencing>\n%s  </fencing>\n" % "".join(out)


def vip_primitive(rsc, ip, monitor="1s"):
        return primitive_xml(rsc, "ocf:bladed:vip",
                             [("ip", ip), ("cidr_netmask", "24"), ("nic", "eth0")],
                             monitor=monitor, monitor_timeout="5s")


def statefile_primitive(cluster, rsc, monitor="1s"):
        return primitive_xml(rsc, "ocf:test:statefile",
                             [("state_dir", cluster.agent_state_dir),
                              ("fail_dir", cluster.agent_fail_dir)],
                             monitor=monitor, monitor_timeout="5s")


def failover_config(cluster, primitives, prefer=None, fail=(), delay_ms=None,
                    epoch=1, stop_timeout_s=None, fence_blades=None):
        """Fencing on, a logged fence_bladens device per blade (only for
        fence_blades when given).  prefer: {rsc: (blade, score)} location
        constraints."""
        cons = ""
        if prefer:
                cons = "  <constraints>\n%s  </constraints>\n" % "".join(
                        '    <location id="pref-%s" rsc="%s" node="%s" score="%s"/>\n'
                        % (rsc, rsc, b.name, score) for rsc, (b, score) in sorted(prefer.items()))
        text = config_xml(primitives, fencing=True,
                          extra=cons + fencing_section(cluster, fail, delay_ms, fence_blades),
                          epoch=epoch)
        if stop_timeout_s:
                text = text.replace('no-quorum-policy="stop"', 'no-quorum-policy="stop"'
                                    ' no-quorum-stop-timeout="%ds"' % stop_timeout_s, 1)
        return text


def validate(cluster, path):
        """bladectl config validate with this run's OCF root; fails on an error."""
        r = cluster.ctl(cluster.blades[0], "config", "validate", path, "--nodes",
                        cluster.blades[0].nodes_file, "--ocf-root", cluster.ocf_root)
        check(r.returncode == 0, "config validate %s: exit %d: %s"
              % (path, r.returncode, (r.stderr or r.stdout).strip()))
        return r


# --------------------------------------------------------------------------
# Power-aware holders

def _addr_up(cluster, blades):
        """{blade name: (powered?, {addresses on interfaces that are up})}, the
        blades read in parallel.  A blade is powered while its lo is up:
        fence_bladens downs every link of a blade it powers off."""
        procs = {b.name: subprocess.Popen(["ip", "-n", b.ns, "-o", "-4", "addr", "show", "up"],
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                          text=True)
                 for b in blades}
        out = {}
        for name, p in procs.items():
                text, _ = p.communicate(timeout=10)
                addrs = {m.group(1) for m in re.finditer(r"\binet (\S+?)/\d+", text)}
                out[name] = ("127.0.0.1" in addrs, addrs)
        return out


class PoweredSampler(Sampler):
        """harness.Sampler that counts only powered blades as holders: a VIP is
        held where it is configured on an interface that is up, a statefile
        resource where its state file exists and the blade is powered."""

        def sample(self):
                t = time.time()
                held = {}
                seen = _addr_up(self.cluster, self.cluster.blades)
                for ip in self.vips:
                        held[ip] = tuple(sorted(n for n, (_, a) in seen.items() if ip in a))
                for name, paths in self.files.items():
                        held[name] = tuple(n for n in self.cluster.file_holders(paths)
                                           if seen.get(n, (False,))[0])
                held["_powered"] = tuple(sorted(n for n, (p, _) in seen.items() if p))
                return t, held

        def overlaps(self):
                return [(t, n, h) for t, held in self.samples for n, h in held.items()
                        if len(h) > 1 and n != "_powered"]

        def holders_at(self, key):
                """[(t, holders)] of one VIP or resource."""
                return [(t, held.get(key, ())) for t, held in self.samples]


def start_powered_sampler(cluster, vips=(), files=None, interval=0.02):
        s = PoweredSampler(cluster, list(vips), dict(files or {}), interval)
        s.start()
        cluster.samplers.append(s)
        return s


def powered_holders(cluster, ip):
        return sorted(n for n, (_, a) in _addr_up(cluster, cluster.blades).items() if ip in a)


# --------------------------------------------------------------------------
# Power

def is_off(cluster, blade):
        """True when the blade is powered off as fence_bladens leaves it: every
        link of its namespace administratively down and its corosync and
        bladed dead.  Not fencing.is_powered_off(): that counts every process
        in the namespace, and this module's own `ip -n` readings (the
        sampler's, every 20 ms) are such processes for a few ms."""
        r = harness.run(["ip", "-n", blade.ns, "-o", "link", "show", "up"], check=False)
        if r.returncode != 0 or r.stdout.strip():
                return False
        return not any(p.alive() for p in blade.procs())


def reboot_clean(cluster, blade, vips=(), resources=()):
        """What a reboot does to a powered-off blade before it comes back: the
        VIPs it had configured are gone, and so are its statefile 'services'
        (their state files).  The blade must be powered off."""
        check(is_off(cluster, blade), "%s is not powered off" % blade.name)
        for ip in vips:
                harness.run(["ip", "-n", blade.ns, "addr", "del", ip + "/24", "dev", "eth0"],
                            check=False)
        for rsc in resources:
                p = cluster.statefile_paths(rsc)[blade.name]
                if os.path.exists(p):
                        os.unlink(p)


def bring_back(cluster, blade, vips=(), resources=(), timeout=30):
        """A fenced (and maybe cut) blade returns: reboot-cleaned, plugged back
        in, powered on (corosync and bladed restarted), and every daemon
        agreeing again."""
        reboot_clean(cluster, blade, vips, resources)
        if not blade.link_up:
                cluster.restore(blade)
        fencing.power_on(cluster, blade, timeout=timeout)
        cluster.wait_converged(timeout=timeout)
        wait_until(lambda: cluster.status(cluster.blades[0])["probed"].get(blade.name),
                   bool, timeout, "%s to have probed after its return" % blade.name)


# --------------------------------------------------------------------------
# bladed's log

def log_lines(blade, since=0.0, match=None):
        """[(wall time, level, message)] of a blade's bladed log, since a wall
        time, whose message matches the regular expression `match`."""
        out = bladed_log_lines(os.path.join(blade.dir, "bladed.err"), since)
        if match:
                rx = re.compile(match)
                out = [x for x in out if rx.search(x[2])]
        return out


def cluster_log_lines(cluster, since=0.0, match=None, blades=None):
        out = []
        for b in blades or cluster.blades:
                out += [(t, b.name, lvl, msg) for t, lvl, msg in log_lines(b, since, match)]
        return sorted(out)


def fenced_in_ms(cluster, victim, since=0.0):
        """N of the coordinator's "fenced VICTIM in N ms" lines (first one)."""
        for t, _, _, msg in cluster_log_lines(cluster, since, r"^fenced %s in \d+ ms"
                                              % victim.name):
                return t, int(re.search(r"in (\d+) ms", msg).group(1))
        return None


def no_quorum_stop_ms(blade, since=0.0):
        for t, _, msg in log_lines(blade, since, r"every resource of this blade stopped \d+ ms"
                                   r" after quorum was lost"):
                return t, int(re.search(r"stopped (\d+) ms", msg).group(1))
        return None


# --------------------------------------------------------------------------
# Status watching

class StateWatch(threading.Thread):
        """Polls the status of `blades` every `interval` s and records every
        state any of them showed for each blade: {(observer, blade): {state}}."""

        def __init__(self, cluster, blades, interval=0.05):
                super().__init__(daemon=True)
                self.cluster = cluster
                self.blades = list(blades)
                self.interval = interval
                self.seen = {}
                self.polls = 0
                self.times = []   # wall time each successful poll began
                self._stop_event = threading.Event()

        def run(self):
                while not self._stop_event.is_set():
                        for b in self.blades:
                                t = time.time()
                                st = self.cluster.try_status(b)
                                if st is None:
                                        continue
                                self.polls += 1
                                self.times.append(t)
                                for n, v in st["nodes"].items():
                                        self.seen.setdefault((b.name, n), set()).add(v["state"])
                        self._stop_event.wait(self.interval)

        def stop(self):
                self._stop_event.set()
                self.join(20)
                return self.seen

        def states_of(self, name):
                out = set()
                for (_, n), s in self.seen.items():
                        if n == name:
                                out |= s
                return out
