#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Configuration changes under running resources (the executor), 3 blades.

- A VIP whose address is changed in the configuration (`config load`):
  the old address is removed (stopped with its OLD definition) and the new
  one answers from the client; the old one never lingers on any blade.
- A VIP removed from the configuration: its address disappears from every
  blade (an orphan is stopped, not forgotten while it keeps running).
- The same removal in maintenance mode: the address stays (unmanaged) and
  the daemon says so in its log.
A sampler checks throughout that no address is ever on two blades.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, bladed_log_lines, check, check_equal, config_xml, hold,  # noqa: E402
                     log, main, primitive_xml, wait_until)


def vip(rsc, ip):
        return primitive_xml(rsc, "ocf:bladed:vip",
                             [("ip", ip), ("cidr_netmask", "24"), ("nic", "eth0")],
                             monitor="1s", monitor_timeout="5s")


def load(c, text, name):
        path = c.write_file(name, text)
        rc, secs, err = c.config_load(c.blades[0], path)
        check_equal(rc, 0, "config load %s (%s)" % (name, err))
        return secs


def test_reconfigure_running_vips():
        """a changed VIP moves to its new address, a removed one disappears, maintenance keeps it"""
        with Cluster(3, name="exec-reconfig") as c:
                a_old, a_new, b_ip = c.net + ".111", c.net + ".112", c.net + ".113"
                c.set_initial_config(config_xml([vip("vip-a", a_old), vip("vip-b", b_ip)]))
                c.start()
                sampler = c.start_sampler(vips=[a_old, a_new, b_ip])
                c.wait_placement("vip-a", timeout=60)
                c.wait_placement("vip-b", timeout=60)
                check(c.client_ping(a_old, timeout=5), "%s does not answer" % a_old)

                # New address for vip-a: the old one goes, the new one answers.
                load(c, config_xml([vip("vip-a", a_new), vip("vip-b", b_ip)], epoch=2),
                     "new-address.xml")
                wait_until(lambda: c.vip_holders(a_old), lambda h: h == [], 20,
                           "the old address %s to be removed everywhere" % a_old)
                check(c.client_ping(a_new, timeout=20), "the new address %s does not answer"
                      % a_new)
                check_equal(len(c.vip_holders(a_new)), 1, "blades holding %s" % a_new)
                hold(lambda: c.vip_holders(a_old), lambda h: h == [], 2,
                     "the old address %s staying gone" % a_old)
                log("vip-a moved from %s to %s" % (a_old, a_new))

                # vip-b leaves the configuration: its address disappears.
                load(c, config_xml([vip("vip-a", a_new)], epoch=3), "without-b.xml")
                wait_until(lambda: c.vip_holders(b_ip), lambda h: h == [], 20,
                           "the removed resource's address %s to disappear" % b_ip)
                check(c.client_ping(a_new, timeout=5), "%s stopped answering" % a_new)
                log("vip-b removed: its address is gone from every blade")

                # In maintenance mode a removed resource is left running.
                text = config_xml([vip("vip-a", a_new)], epoch=4).replace(
                        'default-stickiness="100"', 'default-stickiness="100" maintenance="true"')
                load(c, text, "maintenance.xml")
                holder = c.vip_holders(a_new)
                check_equal(len(holder), 1, "blades holding %s in maintenance" % a_new)
                text = config_xml([], epoch=5).replace(
                        'default-stickiness="100"', 'default-stickiness="100" maintenance="true"')
                load(c, text, "maintenance-empty.xml")
                hold(lambda: c.vip_holders(a_new), lambda h: h == holder, 3,
                     "%s left running in maintenance mode" % a_new)
                b = c.blade(holder[0])
                check(any("maintenance mode leaves it running" in msg for _, _, msg in
                          bladed_log_lines(os.path.join(b.dir, "bladed.err"))),
                      "%s's log does not say maintenance mode leaves vip-a running" % b.name)
                sampler.stop()
                n = sampler.check_exclusive()
                log("%d samples, no address ever on two blades" % n)
                c.check_daemons_alive()


if __name__ == "__main__":
        main([test_reconfigure_running_vips])
