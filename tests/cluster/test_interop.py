#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ClusterLabs' agents, unchanged, under bladed (issue 5, interoperability).

ocf:heartbeat:IPaddr2 and ocf:heartbeat:Dummy from Debian's resource-agents
package (installed by tests/setup-deps.sh; skipped when missing) run next
to the project's ocf:bladed:vip on 3 blades.  The daemons' OCF root links
resource.d/heartbeat and lib/heartbeat to /usr/lib/ocf (the agents source
${OCF_ROOT}/lib/heartbeat/ocf-shellfuncs); each blade gets a private /run
with /run/resource-agents as systemd-tmpfiles would make it (Dummy keeps
its state there, so the state is per blade as on real machines).

Checks: `config load` reads the heartbeat agents' meta-data and accepts
their parameters; all three resources start; IPaddr2's and vip's addresses
answer ping from the client namespace and are each on exactly the blade
the status names; Dummy is started per status with rc 0 from its monitor;
then a configuration with target-role="stopped" on all three stops them:
status shows them stopped, the addresses are gone from every blade and no
longer answer.  A negative check: a heartbeat agent given a parameter its
meta-data requires but left out (IPaddr2 without ip) is refused by
`config load` with the parameter's name.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, Skip, bladed_log_lines, check, check_equal, config_xml,  # noqa: E402
                     figure, heartbeat_agent, hold, log, main, primitive_xml, wait_until)


def interop_config(c, ip2, ip_vip, stopped=False):
        meta = {"target-role": "stopped"} if stopped else None
        return config_xml([
                primitive_xml("ha-ip", "ocf:heartbeat:IPaddr2",
                              [("ip", ip2), ("cidr_netmask", "24"), ("nic", "eth0")],
                              meta=meta, monitor="5s", monitor_timeout="20s"),
                primitive_xml("ha-dummy", "ocf:heartbeat:Dummy", [], meta=meta,
                              monitor="5s", monitor_timeout="20s"),
                primitive_xml("bl-vip", "ocf:bladed:vip",
                              [("ip", ip_vip), ("cidr_netmask", "24"), ("nic", "eth0")],
                              meta=meta, monitor="5s", monitor_timeout="20s")])


def test_heartbeat_agents():
        """IPaddr2 and Dummy next to ocf:bladed:vip: start, answer, stop"""
        for name in ("IPaddr2", "Dummy"):
                if not heartbeat_agent(name):
                        raise Skip("ocf:heartbeat:%s not installed (resource-agents;"
                                   " tests/setup-deps.sh)" % name)
        with Cluster(3, name="interop") as c:
                ip2, ip_vip = c.net + ".110", c.net + ".111"
                c.start()
                path = c.write_file("interop.xml", interop_config(c, ip2, ip_vip))
                rc, secs, err = c.config_load(c.blades[0], path, ocf_root=c.ocf_root)
                check_equal(rc, 0, "config load with the heartbeat agents (%s)" % err)
                log("config load checked the agents' meta-data in %.2f s" % secs)
                sampler = c.start_sampler(vips=[ip2, ip_vip])
                t0 = time.monotonic()
                placed = {r: c.wait_placement(r, timeout=60)
                          for r in ("ha-ip", "ha-dummy", "bl-vip")}
                figure("interop_load_to_started", "%.2f" % (time.monotonic() - t0), "s")
                log("placement: %s" % placed)
                # The agents' start times as the daemons measured them.
                for rsc in placed:
                        for t, _, msg in bladed_log_lines(
                                        os.path.join(c.blade(placed[rsc]).dir, "bladed.err")):
                                m = re.match(r"start of %s: started \((\d+) ms\)" % rsc, msg)
                                if m:
                                        figure("interop_start_ms_%s" % rsc, m.group(1), "ms")
                for rsc, ip in (("ha-ip", ip2), ("bl-vip", ip_vip)):
                        check(c.client_ping(ip, timeout=5), "%s (%s) does not answer ping"
                              % (rsc, ip))
                        check_equal(c.vip_holders(ip), [placed[rsc]], "blades holding %s" % ip)
                st = c.status(c.blades[0])
                dummy_on = st["on"]["ha-dummy"].get(placed["ha-dummy"], {})
                check_equal(dummy_on.get("role"), "started", "Dummy's role on its blade")
                # Two monitor rounds (5 s): nothing fails, nothing moves.
                def view():
                        st = c.status(c.blades[1])
                        return {r: (st["resources"][r].get("role"), st["resources"][r].get("node"),
                                    st["resources"][r].get("failcount")) for r in placed}
                hold(view, lambda v: v == {r: ("started", n, "0") for r, n in placed.items()},
                     11, "every resource started, not failed, not moved")

                path = c.write_file("interop-stopped.xml",
                                    interop_config(c, ip2, ip_vip, stopped=True))
                rc, secs, err = c.config_load(c.blades[0], path, ocf_root=c.ocf_root)
                check_equal(rc, 0, "config load with target-role stopped (%s)" % err)
                for rsc in placed:
                        wait_until(lambda: [c.status(b)["resources"][rsc].get("role")
                                            for b in c.blades],
                                   lambda v: v == ["stopped"] * 3, 60,
                                   "%s stopped as every blade sees it" % rsc)
                for ip in (ip2, ip_vip):
                        check_equal(c.vip_holders(ip), [], "blades holding %s after the stop" % ip)
                        check(not c.client_ping(ip, timeout=1), "%s still answers after the"
                              " stop" % ip)
                sampler.stop()
                sampler.check_exclusive()

                # Negative: IPaddr2's required ip left out is refused by name.
                bad = c.write_file("interop-bad.xml", config_xml([primitive_xml(
                        "ha-addr", "ocf:heartbeat:IPaddr2", [("cidr_netmask", "24")])]))
                rc, secs, err = c.config_load(c.blades[0], bad, ocf_root=c.ocf_root)
                check(rc != 0, "config load accepted IPaddr2 without its required ip")
                check(re.search(r"\bip\b", err), "the refusal does not name the parameter: %r" % err)
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_heartbeat_agents])
