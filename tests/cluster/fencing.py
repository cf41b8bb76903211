# SPDX-License-Identifier: GPL-2.0-or-later
"""Fencing helpers for cluster tests: the fence_bladens agent and a harness Cluster.

    import fencing
    with harness.Cluster(3, config=...) as c:
        devices = "".join(fencing.fence_device_xml(c, b) for b in c.blades)
        config = "<fencing>%s</fencing>" % devices     # into the resource config
        ...
        fencing.expect_power_off(c, b)   # before bladed fences b itself
        ...
        harness.wait_until(lambda: fencing.is_powered_off(c, b), what="b fenced")
        fencing.power_on(c, b)          # links up, corosync + bladed restarted

A "powered off" blade (tests/cluster/agents/fence_bladens) has no process left
in its namespace and all its links down, so to the others it is a blade
whose power was pulled.  Python 3 standard library only.
"""

import os
import subprocess
from xml.sax.saxutils import quoteattr

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(HERE, "agents", "fence_bladens")

STATUS_ON = 0
STATUS_OFF = 2


def agent_path():
        """Absolute path of fence_bladens (what a <fence-device agent=...> names)."""
        return AGENT


def device_params(cluster, fail=False, delay_ms=0):
        params = [("netns_prefix", cluster.prefix)]
        if fail:
                params.append(("fail", "always"))
        if delay_ms:
                params.append(("delay_ms", str(int(delay_ms))))
        return params


def fence_device_xml(cluster, blade, fail=False, delay_ms=0, device_id=None):
        """The <fence-device> element that fences `blade` with fence_bladens.

        fail=True: every call fails with a message (a broken fence device);
        delay_ms: the agent waits that long before acting.
        """
        did = device_id or "fence-%s" % blade.name
        params = "".join('    <param name=%s value=%s/>\n' % (quoteattr(n), quoteattr(v))
                         for n, v in device_params(cluster, fail, delay_ms))
        return ('  <fence-device id=%s agent=%s node=%s>\n%s  </fence-device>\n'
                % (quoteattr(did), quoteattr(AGENT), quoteattr(blade.name), params))


def fencing_xml(cluster, blades=None, fail=(), delay_ms=0):
        """A whole <fencing> section: one device per blade; blades in `fail` get
        a failing device."""
        blades = cluster.blades if blades is None else blades
        return ("<fencing>\n%s</fencing>\n"
                % "".join(fence_device_xml(cluster, b, fail=b in fail, delay_ms=delay_ms)
                          for b in blades))


def run_agent(cluster, blade, action, fail=False, delay_ms=0, extra=(), timeout=30):
        """Runs fence_bladens as a cluster manager would (options on stdin).

        Returns subprocess.CompletedProcess (text)."""
        lines = ["action=%s" % action, "nodename=%s" % blade.name]
        lines += ["%s=%s" % p for p in device_params(cluster, fail, delay_ms)]
        lines += ["%s=%s" % p for p in extra]
        lines.append("plug=%s" % blade.name)
        return subprocess.run([AGENT], input="\n".join(lines) + "\n", capture_output=True,
                              text=True, timeout=timeout)


def status(cluster, blade):
        """STATUS_ON (0) or STATUS_OFF (2); RuntimeError for anything else."""
        r = run_agent(cluster, blade, "status")
        if r.returncode not in (STATUS_ON, STATUS_OFF):
                raise RuntimeError("fence_bladens status %s: exit %d: %s"
                                   % (blade.name, r.returncode, r.stderr.strip()))
        return r.returncode


def is_powered_off(cluster, blade):
        return status(cluster, blade) == STATUS_OFF


def expect_power_off(cluster, blade):
        """Tells the harness that the blade's corosync and bladed will die (a
        fence) so that it does not report them as crashed.  Call it before
        fencing, whoever fences (bladed or the test)."""
        for p in blade.procs():
                p.expected_exit = True


def power_off(cluster, blade):
        """Fences the blade from the test itself (not through bladed)."""
        expect_power_off(cluster, blade)
        r = run_agent(cluster, blade, "off")
        if r.returncode != 0:
                raise RuntimeError("fence_bladens off %s: exit %d: %s"
                                   % (blade.name, r.returncode, r.stderr.strip()))


def power_on(cluster, blade, bladed=None, wait=True, timeout=20):
        """Powers a fenced blade back on: links up, then corosync and (if the
        cluster runs bladed, or bladed=True) bladed restarted through the
        harness.  wait: until its corosync is quorate with the others again."""
        expect_power_off(cluster, blade)   # the old processes are gone for good
        r = run_agent(cluster, blade, "on")
        if r.returncode != 0:
                raise RuntimeError("fence_bladens on %s: exit %d: %s"
                                   % (blade.name, r.returncode, r.stderr.strip()))
        # A blade cut at the switch stays cut: power is not cabling.
        cluster.start_corosync(blade)
        if wait:
                live = [b for b in cluster.blades
                        if b is blade or (b.corosync and b.corosync.alive() and b.link_up)]
                cluster.wait_corosync(live, timeout=timeout)
        if bladed if bladed is not None else cluster.use_bladed:
                cluster.start_bladed(blade)
