#!/usr/bin/env python3
"""Hot-add and hot-remove of a blade on a real corosync cluster.

Checks what doc/procedure-hot-add.rst and doc/procedure-hot-remove.rst
promise: `node add` writes the node file and corosync's nodelist on every
blade, identically, and corosync reloads; the new blade started with copies
of those files joins and every status shows it online; `node remove` is
refused while the blade runs and removes it everywhere once it is stopped;
malformed requests change nothing anywhere.  Invariant 5 (the same files on
every blade) and invariant 6 (bad input changes nothing).
"""
import time

import harness as h
from hotplug import (CTL_CMD_NODE_ADD, HotplugCluster, node_cmd, nodelist_entries, node_names,
                     raw_request, read)


def files(blades):
        return {b.name: (read(b.nodes_file), read(b.corosync_conf)) for b in blades}


def check_same_files(blades, want_names):
        """Every blade's node file is the same text and lists want_names; every
        corosync.conf has the same nodelist, generated from it."""
        texts = {b.name: read(b.nodes_file) for b in blades}
        h.check(len(set(texts.values())) == 1,
                "node files differ between blades: %s" % h._short(texts))
        text = texts[blades[0].name]
        h.check_equal(node_names(text), sorted(want_names), "blades in the node file")
        want = None
        for b in blades:
                got = nodelist_entries(read(b.corosync_conf))
                if want is None:
                        want = got
                h.check_equal(got, want, "%s's corosync nodelist" % b.name)
        h.check_equal(sorted(n for n, _, _ in want), sorted(want_names),
                      "names in corosync's nodelist")
        return text


def test_hot_add_then_remove():
        """malformed requests change nothing; add, join, refused remove, remove"""
        with HotplugCluster(3, 1) as c:
                c.start()
                b1, b4 = c.blades[0], c.blades[3]
                run3 = c.running()
                before = files(run3)
                check_same_files(run3, ["blade1", "blade2", "blade3"])

                # Malformed: each refused with exit 2 (bad input), nothing written.
                for args, what in (
                        (("add", "blade2", c.net + ".50"), "a name in use"),
                        (("add", "BLADE2", c.net + ".50"), "a name in use (case)"),
                        (("add", "blade9", b1.ip), "an address in use"),
                        (("add", "blade9", c.net + ".60", "--number", "2"), "a number in use"),
                        (("add", "blade9", "300.1.2.3"), "a bad address"),
                        (("add", "_bad", c.net + ".61"), "a bad name"),
                        (("remove", "nosuch"), "an unknown blade"),
                ):
                        r = node_cmd(c, b1, *args)
                        h.check(r.returncode == 2, "node %s (%s): exit %s, want 2: %s"
                                % (" ".join(args), what, r.returncode, r.stderr.strip()))
                        h.log("refused as it should (%s): %s" % (what, r.stderr.strip()))
                # The daemon checks again what bladectl checked: it trusts nobody.
                for args in (["blade9", "300.1.2.3"], ["_bad", c.net + ".62"],
                             ["blade9", c.net + ".63", "255"]):
                        st, _, err = raw_request(b1.socket, CTL_CMD_NODE_ADD, args)
                        h.check(st == 2, "raw node add %s: status %s, want 2: %s"
                                % (" ".join(args), st, err))
                        h.log("daemon refused %s: %s" % (" ".join(args), err))
                # A running blade cannot be removed: exit 1.
                r = node_cmd(c, c.blades[1], "remove", "blade1")
                h.check(r.returncode == 1 and "online" in r.stderr,
                        "node remove blade1 while it runs: exit %s: %s"
                        % (r.returncode, r.stderr.strip()))
                h.check_equal(files(run3), before, "files after the refused requests")

                # Hot-add, asked on blade2 (any blade will do).
                t = time.monotonic()
                r = node_cmd(c, c.blades[1], "add", "blade4", b4.ip, "--number", str(b4.number))
                h.figure("node_add_seconds", "%.3f" % (time.monotonic() - t), "s")
                h.check(r.returncode == 0, "node add blade4: exit %s: %s"
                        % (r.returncode, r.stderr.strip()))
                h.log("node add: %s" % r.stdout.strip())
                check_same_files(run3, ["blade1", "blade2", "blade3", "blade4"])
                for b in run3:
                        st = c.status(b)
                        h.check_equal(st["nodes"].get("blade4", {}).get("state"), "offline",
                                      "blade4 in %s's status before it starts" % b.name)
                        h.check_equal(st["nodes"]["blade4"]["id"], b4.nodeid, "blade4's node id")
                # corosync reloaded: its runtime nodelist has the new blade.
                r = h.run(["ip", "netns", "exec", b1.ns, "corosync-cmapctl", "-g",
                           "nodelist.node.3.ring0_addr"], check=False)
                h.check(b4.ip in r.stdout, "corosync's nodelist after the reload: %s"
                        % (r.stdout.strip() or r.stderr.strip()))

                # The new blade, started with the same files, joins.
                c.prepare_spare(b4, b1)
                c.start_corosync(b4)
                c.wait_corosync(c.blades, timeout=30)
                c.start_bladed(b4)
                st = c.wait_converged(c.blades, timeout=30)
                h.check_equal(sorted(st["nodes"]), ["blade1", "blade2", "blade3", "blade4"],
                              "blades in status")
                check_same_files(c.blades, ["blade1", "blade2", "blade3", "blade4"])
                h.log("blade4 joined: every blade shows 4 online")

                # Hot-remove: refused while blade4 runs, nothing changes.
                before = files(c.blades)
                r = node_cmd(c, b1, "remove", "blade4")
                h.check(r.returncode == 1, "node remove blade4 while it runs: exit %s: %s"
                        % (r.returncode, r.stderr.strip()))
                h.log("refused while online: %s" % r.stderr.strip())
                h.check_equal(files(c.blades), before, "files after the refused remove")

                # Stopped (bladed, then corosync): the remove goes through.
                c.stop_bladed(b4)
                c.stop_corosync(b4)
                c.wait_corosync(run3, timeout=30)
                c.wait_converged(run3, timeout=30)
                # The configuration still names blade4 (the harness's initial one
                # has a <node> for every blade): refused, with the reference.
                r = node_cmd(c, c.blades[2], "remove", "blade4")
                h.check(r.returncode == 1 and "refers to blade4" in r.stderr,
                        "node remove blade4 with a configuration naming it: exit %s: %s"
                        % (r.returncode, r.stderr.strip()))
                h.check_equal(files(run3), {n: v for n, v in before.items() if n != "blade4"},
                              "files after the refused remove")
                path = c.write_file("config-without-blade4.xml",
                                    h.minimal_config_text([b.name for b in run3]))
                rc, _, err = c.config_load(b1, path)
                h.check(rc == 0, "config load without blade4: exit %s: %s" % (rc, err))
                t = time.monotonic()
                r = node_cmd(c, c.blades[2], "remove", "blade4")
                h.check(r.returncode == 0, "node remove blade4 once stopped: exit %s: %s"
                        % (r.returncode, r.stderr.strip()))
                h.figure("node_remove_seconds", "%.3f" % (time.monotonic() - t), "s")
                h.log("node remove: %s" % r.stdout.strip())
                check_same_files(run3, ["blade1", "blade2", "blade3"])
                for b in run3:
                        st = c.status(b)
                        h.check("blade4" not in st["nodes"],
                                "%s's status still lists blade4" % b.name)
                # corosync's expected votes are back to 3: losing one blade keeps quorum.
                c.wait_converged(run3, timeout=30)
                c.check_daemons_alive()


if __name__ == "__main__":
        h.main([test_hot_add_then_remove])
