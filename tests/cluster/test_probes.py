#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Start-up probes (DESIGN.md invariant 4) on a real 3-blade cluster.

Every daemon probes every configured resource on its own blade with the
agent's monitor (interval 0) and multicasts what it found (RESOURCE_STATE);
every blade's status must then show the same per-blade roles:

- "dummy" (ocf:test:dummy, tests/cluster/agents/dummy) whose state file the
  test creates for blade2 before bladed starts: started on blade2, stopped
  on blade1 and blade3;
- "hang" whose monitor never returns (2 s probe timeout): failed on every
  blade, with the timeout as its reason, and the daemons survive it;
- "missing" (added later by a configuration change) whose agent is not
  installed: probe rc 5, stopped everywhere (Pacemaker's rule);
- a blade whose daemon stops goes back to unprobed in the others' status,
  and probes again when it returns.
Measured: bladed start to every blade probed (3 blades, 2 resources).
The configuration is in maintenance mode: probes run in every mode, and the
executor leaves what they found as it is (it would stop the failed "hang"
and recover it; that is test_exec_*'s subject).
"""
import os
import shutil
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, check, check_equal, figure, log, main,  # noqa: E402
                     wait_until)

AGENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "agents", "dummy")


def config_text(state_dir, missing=False):
        extra = ""
        if missing:
                extra = ('    <primitive id="missing" agent="ocf:test:nonexistent">\n'
                         '      <op name="monitor" interval="10s" timeout="5s"/>\n'
                         '    </primitive>\n')
        return ('<?xml version="1.0"?>\n'
                '<bladed-config epoch="1">\n'
                '  <properties no-quorum-policy="stop" fencing="false"'
                ' default-stickiness="100" maintenance="true"/>\n'
                '  <resources>\n'
                '    <primitive id="dummy" agent="ocf:test:dummy">\n'
                '      <param name="state_dir" value="%s"/>\n'
                '      <op name="monitor" interval="10s" timeout="5s"/>\n'
                '    </primitive>\n'
                '    <primitive id="hang" agent="ocf:test:dummy">\n'
                '      <param name="state_dir" value="%s"/>\n'
                '      <param name="hang" value="monitor"/>\n'
                '      <op name="monitor" interval="10s" timeout="2s"/>\n'
                '    </primitive>\n'
                '%s'
                '  </resources>\n'
                '</bladed-config>\n') % (state_dir, state_dir, extra)


def raw_status(c, b):
        """{"probed": {blade: bool}, "rsc": {id: (role, node, {blade: (role, rc, reason)})}}"""
        r = c.ctl(b, "status", "--xml", timeout=10)
        if r.returncode != 0:
                return None
        root = ET.fromstring(r.stdout)
        out = {"probed": {n.get("name"): n.get("probed") == "true" for n in root.findall("node")},
               "rsc": {}}
        for res in root.findall("resource"):
                on = {o.get("node"): (o.get("role"), o.get("rc"), o.get("reason"))
                      for o in res.findall("on")}
                out["rsc"][res.get("id")] = (res.get("role"), res.get("node"), on)
        return out


def all_probed(c, blades=None):
        sts = {b.name: raw_status(c, b) for b in (blades or c.blades)}
        for st in sts.values():
                if not st or not all(st["probed"].get(x.name) for x in (blades or c.blades)):
                        return None
        return sts


def install_agent(c):
        for b in c.blades:
                d = os.path.join(b.ocf_root, "resource.d", "test")
                os.makedirs(d, exist_ok=True)
                shutil.copy(AGENT, os.path.join(d, "dummy"))


def check_views(sts, want, what):
        """want: {rsc: {blade: role}}; every blade's view must say exactly that."""
        for viewer, st in sts.items():
                for rsc, roles in want.items():
                        check(rsc in st["rsc"], "%s: %s's status lacks %s" % (what, viewer, rsc))
                        got = {n: v[0] for n, v in st["rsc"][rsc][2].items()}
                        for blade, role in roles.items():
                                check_equal(got.get(blade, "stopped"), role,
                                            "%s: %s on %s as %s sees it" % (what, rsc, blade,
                                                                            viewer))


def test_probes():
        """probes: found running on blade2, hung agent failed, missing agent stopped"""
        with Cluster(3, name="probes") as c:
                state_dir = os.path.join(c.workdir, "dummy-state")
                os.makedirs(state_dir)
                # Every blade starts from the same two-resource configuration.
                text = config_text(state_dir)
                for b in c.blades:
                        with open(b.config_file, "w") as f:
                                f.write(text)
                install_agent(c)
                open(os.path.join(state_dir, "dummy.blade2"), "w").close()

                c.start(bladed=False)
                t0 = time.monotonic()
                for b in c.blades:
                        c.start_bladed(b)
                sts = wait_until(lambda: all_probed(c), bool, 30, "every blade probed")
                secs = time.monotonic() - t0
                figure("probes_start_to_all_probed", "%.2f" % secs, "s")
                log("all 3 blades probed %.2f s after bladed started (2 resources, one"
                    " of them a 2 s probe timeout)" % secs)

                everywhere_failed = {b.name: "failed" for b in c.blades}
                check_views(sts, {"dummy": {"blade1": "stopped", "blade2": "started",
                                            "blade3": "stopped"},
                                  "hang": everywhere_failed}, "start-up")
                for viewer, st in sts.items():
                        role, node, on = st["rsc"]["dummy"]
                        # maintenance mode: the cluster-level role is "unmanaged"
                        check_equal((role, node), ("unmanaged", "blade2"),
                                    "dummy's overall role as %s sees it" % viewer)
                        check_equal(on["blade2"][1], "0", "dummy's probe rc on blade2")
                        reason = st["rsc"]["hang"][2]["blade1"][2] or ""
                        check("timed out" in reason,
                              "hang's reason on blade1 as %s sees it: %r" % (viewer, reason))
                c.check_daemons_alive()

                # A change that adds a resource whose agent does not exist.
                path = c.write_file("with-missing.xml", config_text(state_dir, missing=True))
                rc, secs, err = c.config_load(c.blades[0], path)
                check_equal(rc, 0, "config load with a missing agent (%s)" % err)

                def missing_probed():
                        sts = all_probed(c)
                        if not sts:
                                return None
                        for st in sts.values():
                                on = st["rsc"].get("missing", (None, None, {}))[2]
                                if sorted(on) != ["blade1", "blade2", "blade3"]:
                                        return None
                        return sts
                sts = wait_until(missing_probed, bool, 20, "the new resource probed everywhere")
                check_views(sts, {"missing": {b.name: "stopped" for b in c.blades},
                                  "dummy": {"blade2": "started"},
                                  "hang": everywhere_failed}, "after the change")
                for st in sts.values():
                        check_equal(st["rsc"]["missing"][2]["blade3"][1], "5",
                                    "probe rc of a missing agent")
                c.check_daemons_alive()

                # A blade that leaves is unknown again; back, it probes again.
                c.stop_bladed(c.blades[1])
                others = [c.blades[0], c.blades[2]]

                def blade2_forgotten():
                        sts = {b.name: raw_status(c, b) for b in others}
                        for st in sts.values():
                                if not st or st["probed"]["blade2"]:
                                        return None
                                if "blade2" in st["rsc"]["dummy"][2]:
                                        return None
                        return sts
                sts = wait_until(blade2_forgotten, bool, 20, "blade2's states forgotten")
                for st in sts.values():
                        check(st["rsc"]["dummy"][0] != "started",
                              "dummy still shown started with blade2 gone")
                c.start_bladed(c.blades[1])
                sts = wait_until(lambda: all_probed(c), bool, 30, "blade2 probed again")
                check_views(sts, {"dummy": {"blade2": "started", "blade1": "stopped"}},
                            "after blade2 came back")
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_probes])
