#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bladed's idle footprint: RSS and CPU over a quiet minute (a figure, not a test).

    sudo BLADED_BUILD_DIR=build/demo python3 tests/cluster/measure_idle.py [--seconds 60] [--blades 3]

Starts a cluster with the harness, waits until every blade agrees, then
reads /proc/PID/status (VmRSS, VmHWM) and /proc/PID/stat (utime + stime)
of every bladed and corosync at the start and the end of the window.
Use a Release build for figures: the sanitizer build's RSS is mostly
ASan's shadow memory. Not registered with CTest (it takes a minute).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Cluster, Skip, figure, log  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def sample(pid):
        with open("/proc/%d/stat" % pid) as f:
                # comm may contain spaces: fields after the last ')'.
                fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        kv = {}
        with open("/proc/%d/status" % pid) as f:
                for line in f:
                        k, _, v = line.partition(":")
                        kv[k] = v.strip()
        return cpu, int(kv["VmRSS"].split()[0]), int(kv["VmHWM"].split()[0])


def main():
        ap = argparse.ArgumentParser()
        ap.add_argument("--seconds", type=float, default=60)
        ap.add_argument("--blades", type=int, default=3)
        args = ap.parse_args()
        try:
                harness.require(bladed=True)
        except Skip as e:
                print("measure_idle: cannot run: %s" % e)
                return harness.SKIP
        with Cluster(args.blades, name="idle", log_level="info") as c:
                c.start()
                procs = [(b.name, "bladed", b.bladed.pid) for b in c.blades]
                procs += [(b.name, "corosync", b.corosync.pid) for b in c.blades]
                before = {p: sample(p[2]) for p in procs}
                t = time.monotonic()
                log("sampling %d processes for %.0f s" % (len(procs), args.seconds))
                end = t + args.seconds
                while time.monotonic() < end:  # a measurement window, not synchronisation
                        time.sleep(min(1.0, end - time.monotonic()))
                        c.check_daemons_alive()
                secs = time.monotonic() - t
                for p in procs:
                        cpu0, _, _ = before[p]
                        cpu1, rss, hwm = sample(p[2])
                        log("%s %-8s rss %6d KiB (peak %6d KiB), cpu %.2f s in %.0f s = %.3f%%"
                            % (p[0], p[1], rss, hwm, cpu1 - cpu0, secs,
                               100 * (cpu1 - cpu0) / secs))
                for kind in ("bladed", "corosync"):
                        rss = [sample(p[2])[1] for p in procs if p[1] == kind]
                        cpu = [sample(p[2])[0] - before[p][0] for p in procs if p[1] == kind]
                        figure("idle_%s_rss_kib_max" % kind, max(rss), "KiB")
                        figure("idle_%s_cpu_percent_max" % kind,
                               "%.3f" % (100 * max(cpu) / secs), "% of one core")
                st = c.status(c.blades[0])
                log("still agreed at the end: coordinator %s, epoch %d"
                    % (st["coordinator"], st["epoch"]))
        return 0


if __name__ == "__main__":
        sys.exit(main())
