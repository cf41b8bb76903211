# SPDX-License-Identifier: GPL-2.0-or-later
"""Real VMs (libvirt + QEMU, software emulation) under bladed: a harness
Cluster whose blades each run their own libvirtd, and a SAN.

    import vmcluster
    with vmcluster.VMCluster(3, guests=("ldap",)) as c:
        c.set_initial_config(vmcluster.config_xml(c, [c.vm_primitive("vm-ldap", "ldap")]))
        c.start()                          # libvirtd, then corosync + bladed
        c.wait_vm("ldap")                  # -> the one blade running it
        s = c.start_vm_sampler(["ldap"])   # "never on two blades"
        ...
        s.stop(); s.check_exclusive()

On top of harness.Cluster (tests/cluster/harness.py), per run:

* a SAN namespace ``<prefix>san`` at ``.200`` on the same bridge, where
  ``qemu-storage-daemon`` serves one disk per guest over NBD (export name =
  domain name), so a live migration needs no storage copy, as on a SAN;
* per blade a libvirtd (``tini -s -- libvirtd --listen``) started with
  ``ip netns exec`` + ``unshare --uts``: hostname = blade name (libvirt
  refuses to migrate to a host with its own name), private /run (tmpfs:
  a power cycle clears it like a reboot) and private copies of
  /etc/libvirt, /var/lib/libvirt, /var/log/libvirt, /var/cache/libvirt
  under ``WORKDIR/bladeN/libvirt``; it listens on TCP 0.0.0.0:16509
  without authentication, inside the blade's namespace only;
* ``/etc/netns/<blade namespace>/hosts`` naming every blade: ``ip netns
  exec`` binds it on /etc/hosts for everything started in that blade —
  libvirtd (whose --p2p migration connects to qemu+tcp://bladeN/system)
  and bladed with its agents (the vm agent asks the target blade where the
  domain is after a failed migration).  Removed at teardown; stale ones of
  killed runs are swept at set-up.

The vm resources' ``uri`` is ``qemu+tcp://127.0.0.1/system`` (URI): the
same string on every blade, and in each blade's namespace it reaches that
blade's own libvirtd, from bladed's process as from libvirtd's.  The agent
derives the migration target from it: qemu+tcp://<target blade>/system.

The guest is tests/vm/guest.S (a boot sector printing "bladed-guest boot"
once, then "tick N" every second on its serial port).  Its serial output
goes to ``/var/log/libvirt/qemu/<dom>-serial.log`` with append='on', that
is ``WORKDIR/bladeN/libvirt/log/qemu/`` per blade: ``guest_counter(dom)``
reads every blade's log and gives the last tick and the number of boots
seen, so a live migration shows as "counter goes on, boots unchanged" and
a restart as one more boot.

Which blades run a domain (``vm_running_on``): blades whose namespace has
a QEMU process for that domain (a /proc scan: cheap, and it cannot be
fooled by a libvirtd that is down or cut off), confirmed with ``virsh
domstate`` against that blade's libvirtd when more than one has one (during
a live migration the target's QEMU exists, paused, before the switch-over).
virsh is run from the client namespace over the blades' network, never
inside a blade, so nothing is ever spawned into a blade that is being
powered off (fence_bladens must find no process left there).  A blade
whose libvirtd does not answer counts as running the domain when its QEMU
exists: unknown is never "not running".

Root only; python3 standard library.  Packages: tests/setup-deps.sh.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "vm"))
import fencing  # noqa: E402
import harness  # noqa: E402
import hotplug  # noqa: E402
import vmlab  # noqa: E402
from harness import Skip, TestFailure, check, log, wait_until  # noqa: E402

URI = "qemu+tcp://127.0.0.1/system"
GUEST_SRC = os.path.join(os.path.dirname(HERE), "vm", "guest.S")
ETC_NETNS = "/etc/netns"

LIBVIRTD_SH = r'''
set -e
hostname "$1"
dir=$2
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/libvirt /etc/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
mount --bind "$dir/etc" /etc/libvirt
mount --bind "$dir/lib" /var/lib/libvirt
mount --bind "$dir/log" /var/log/libvirt
mount --bind "$dir/cache" /var/cache/libvirt
exec tini -s -- libvirtd --listen
'''


def require_vm():
        """Raises Skip unless real VMs can run here (on top of harness.require)."""
        harness.require(bladed=True)
        missing = vmlab.missing_tools()
        if missing:
                raise Skip("missing %s (tests/setup-deps.sh)" % " ".join(missing))
        r = subprocess.run(["qemu-system-x86_64", "-accel", "help"], capture_output=True,
                           text=True)
        if "tcg" not in r.stdout:
                raise Skip("this QEMU has no TCG (software emulation)")
        if not os.access(os.path.join(harness.build_agent_dir(), "vm"), os.X_OK):
                raise Skip("the vm agent is not in %s (configure the build)"
                           % harness.build_agent_dir())
        try:
                vmlab.ensure_libvirt_qemu_user()
        except subprocess.CalledProcessError as e:
                raise Skip("cannot create the libvirt-qemu user/group libvirtd needs: %s"
                           % e.stderr)


def _sweep_stale_etc_netns():
        """/etc/netns/<ns> of harness runs whose namespace is gone (killed runs)."""
        if not os.path.isdir(ETC_NETNS):
                return
        live = harness._existing_netns()
        for d in os.listdir(ETC_NETNS):
                if re.fullmatch(r"bl[0-9]{4}[a-z]{2}b[0-9]+", d) and d not in live:
                        shutil.rmtree(os.path.join(ETC_NETNS, d), ignore_errors=True)


def _netns_inode(ns):
        try:
                return os.stat("/run/netns/" + ns).st_ino
        except OSError:
                return None


def qemu_processes():
        """[(pid, netns inode, domain name)] of every QEMU on this machine."""
        out = []
        for d in os.listdir("/proc"):
                if not d.isdigit():
                        continue
                try:
                        with open("/proc/%s/stat" % d) as f:
                                stat = f.read()
                        # "pid (comm) state ...": a zombie has no guest left.
                        comm, state = stat[stat.find("(") + 1:stat.rfind(")")], \
                                stat[stat.rfind(")") + 2:stat.rfind(")") + 3]
                        if not comm.startswith("qemu-system") or state in ("Z", "X"):
                                continue
                        with open("/proc/%s/cmdline" % d, "rb") as f:
                                argv = f.read().split(b"\0")
                        ino = os.stat("/proc/%s/ns/net" % d).st_ino
                except OSError:
                        continue
                name = None
                for i, a in enumerate(argv[:-1]):
                        if a == b"-name":
                                m = re.match(rb"(?:guest=)?([^,]*)", argv[i + 1])
                                name = m.group(1).decode("utf-8", "replace")
                out.append((int(d), ino, name))
        return out


class VMCluster(harness.Cluster):
        """harness.Cluster with a libvirtd per blade and a SAN (module doc)."""

        def __init__(self, n_blades=3, guests=("ldap",), **kw):
                super().__init__(n_blades, **kw)
                self.guests = list(guests)
                self.libvirtd = {}          # blade name -> Proc (tini)
                self.san = None
                self.domain_xml = {}        # domain -> path
                self.etc_netns = []
                self.vm_samplers = []

        # ---- set-up ------------------------------------------------------

        def _setup(self):
                _sweep_stale_etc_netns()
                super()._setup()
                self.san_ns = self.prefix + "san"
                self.san_ip = self.net + ".200"
                self._plug(self.san_ns, "vs", self.san_ip)
                hosts = "127.0.0.1 localhost\n" + "".join(
                        "%s %s\n" % (b.ip, b.name) for b in self.blades) + \
                        "%s san\n" % self.san_ip
                for b in self.blades:
                        d = os.path.join(ETC_NETNS, b.ns)
                        os.makedirs(d, exist_ok=True)
                        self.etc_netns.append(d)
                        harness._write(os.path.join(d, "hosts"), hosts)
                        self._prepare_libvirt(b)
                vmdir = os.path.join(self.workdir, "vm")
                os.makedirs(vmdir, exist_ok=True)
                image = vmlab.build_guest(GUEST_SRC, vmdir)
                for dom in self.guests:
                        shutil.copy(image, os.path.join(vmdir, dom + ".img"))
                        self.domain_xml[dom] = self._write_domain_xml(vmdir, dom)
                self._start_san(vmdir)

        def libvirt_dir(self, b):
                return os.path.join(b.dir, "libvirt")

        def _prepare_libvirt(self, b):
                d = self.libvirt_dir(b)
                for sub in ("etc", "lib", "log/qemu", "cache"):
                        os.makedirs(os.path.join(d, sub), exist_ok=True)
                for f in ("libvirt.conf", "libvirt-admin.conf"):
                        if os.path.exists(os.path.join("/etc/libvirt", f)):
                                shutil.copy(os.path.join("/etc/libvirt", f),
                                            os.path.join(d, "etc", f))
                # vm-testing.md: what libvirtd needs without systemd, and the
                # migration stream on the blade's own address.
                harness._write(os.path.join(d, "etc", "qemu.conf"), (
                        'user = "root"\ngroup = "root"\ndynamic_ownership = 0\n'
                        'remember_owner = 0\nsecurity_driver = "none"\n'
                        'cgroup_controllers = [ ]\nnamespaces = [ ]\n'
                        'stdio_handler = "file"\nmigration_address = "%s"\n'
                        'migration_host = "%s"\n') % (b.ip, b.ip))
                harness._write(os.path.join(d, "etc", "libvirtd.conf"), (
                        'listen_tls = 0\nlisten_tcp = 1\nlisten_addr = "0.0.0.0"\n'
                        'auth_tcp = "none"\nauth_unix_rw = "none"\nhost_uuid = "%s"\n'
                        'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"\n')
                        % uuid.uuid4())

        def _write_domain_xml(self, vmdir, dom):
                path = os.path.join(vmdir, dom + ".xml")
                duuid = uuid.uuid5(uuid.NAMESPACE_URL, "bladed-vmcluster/%s/%s"
                                   % (self.prefix, dom))
                harness._write(path, """<domain type='qemu'>
  <name>%(dom)s</name>
  <uuid>%(uuid)s</uuid>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source protocol='nbd' name='%(dom)s'>
        <host name='%(san)s' port='10809'/>
      </source>
      <target dev='hda' bus='ide'/>
    </disk>
    <serial type='file'>
      <source path='/var/log/libvirt/qemu/%(dom)s-serial.log' append='on'/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
""" % {"dom": dom, "uuid": duuid, "san": self.san_ip})
                return path

        def _start_san(self, vmdir):
                argv = ["ip", "netns", "exec", self.san_ns, "qemu-storage-daemon"]
                for i, dom in enumerate(self.guests):
                        argv += ["--blockdev", "driver=file,node-name=disk%d,filename=%s"
                                 % (i, os.path.join(vmdir, dom + ".img"))]
                argv += ["--nbd-server", "addr.type=inet,addr.host=%s,addr.port=10809"
                         % self.san_ip]
                for i, dom in enumerate(self.guests):
                        argv += ["--export", "type=nbd,id=exp%d,node-name=disk%d,name=%s,"
                                 "writable=on" % (i, i, dom)]
                self.san = harness.Proc("san", argv, self.workdir, "san")
                wait_until(lambda: harness.run(["ip", "netns", "exec", self.san_ns, "ss",
                                                "-ltn"], check=False).stdout,
                           lambda out: "%s:10809" % self.san_ip in out or not self.san.alive(),
                           10, "qemu-storage-daemon to listen")
                check(self.san.alive(), "qemu-storage-daemon exited:\n" + self.san.tail())

        # ---- libvirtd ------------------------------------------------------

        def start_libvirtd(self, b, wait=True):
                p = self.libvirtd.get(b.name)
                if p and p.alive():
                        raise RuntimeError("libvirtd already running on %s" % b.name)
                self.libvirtd[b.name] = harness.Proc(
                        "libvirtd@" + b.name,
                        ["ip", "netns", "exec", b.ns, "unshare", "--uts", "sh", "-c",
                         LIBVIRTD_SH, "sh", b.name, self.libvirt_dir(b)],
                        b.dir, "libvirtd")
                if wait:
                        self.wait_libvirtd(b)
                return self.libvirtd[b.name]

        def wait_libvirtd(self, b, timeout=60):
                p = self.libvirtd[b.name]

                def answers():
                        if not p.alive():
                                raise TestFailure("libvirtd on %s exited:\n%s"
                                                  % (b.name, p.tail()))
                        return self.virsh(b, "uri", timeout=10).returncode == 0
                wait_until(answers, bool, timeout, "libvirtd on %s to answer" % b.name,
                           interval=0.2)

        def virsh(self, b, *args, timeout=10):
                """virsh against blade b's libvirtd, from the client namespace (over
                the blades' network: nothing is started inside b)."""
                try:
                        return harness.run(["ip", "netns", "exec", self.client_ns, "virsh",
                                            "-c", "qemu+tcp://%s/system" % b.ip] + list(args),
                                           check=False, timeout=timeout)
                except subprocess.TimeoutExpired:
                        return subprocess.CompletedProcess(args, 124, "", "timed out")

        def start(self, bladed=None, timeout=30):
                """libvirtd on every blade (in parallel), then corosync and bladed."""
                t = time.monotonic()
                for b in self.blades:
                        self.start_libvirtd(b, wait=False)
                for b in self.blades:
                        self.wait_libvirtd(b)
                log("libvirtd answers on every blade (%.1f s)" % (time.monotonic() - t))
                super().start(bladed=bladed, timeout=timeout)

        # ---- where domains run -------------------------------------------

        def qemu_on(self, dom):
                """{blade name: QEMU pid} of the blades whose namespace has a QEMU
                for domain `dom`."""
                inos = {}
                for b in self.blades:
                        ino = _netns_inode(b.ns)
                        if ino is not None:
                                inos[ino] = b.name
                return {inos[ino]: pid for pid, ino, name in qemu_processes()
                        if name == dom and ino in inos}

        def domstate(self, b, dom, timeout=3):
                """'running', 'paused ...', 'absent', or 'unknown: ...' (libvirtd did
                not answer)."""
                r = self.virsh(b, "domstate", dom, timeout=timeout)
                if r.returncode == 0:
                        return r.stdout.strip().splitlines()[0] if r.stdout.strip() else "?"
                if "failed to get domain" in r.stderr or "Domain not found" in r.stderr:
                        return "absent"
                return "unknown: " + (r.stderr.strip().splitlines() or ["?"])[-1]

        def vm_running_on(self, dom):
                """Sorted names of the blades running `dom` (module doc: a QEMU in
                the blade's namespace, and libvirtd saying running or not
                answering).  With QEMUs on several blades their libvirtds are
                asked one after the other in both orders, and a blade counts only
                if both rounds say running: a live migration's switch-over
                between two reads cannot make one domain look like two."""
                q = self.qemu_on(dom)
                if len(q) <= 1:
                        return sorted(q)
                names = sorted(q)

                def one_round(order):
                        out = set()
                        for n in order:
                                st = self.domstate(self.blade(n), dom)
                                if st.startswith("running") or st.startswith("unknown"):
                                        out.add(n)
                        return out
                first = one_round(names)
                if len(first) <= 1:
                        return sorted(first)
                return sorted(first & one_round(list(reversed(names))))

        def wait_vm(self, dom, timeout=60, on=None, what=None):
                """Waits until exactly one blade runs `dom` (that blade, if on is
                given) and bladectl status agrees; returns the blade's name."""
                def observe():
                        where = self.vm_running_on(dom)
                        return where if len(where) == 1 and (on is None or where[0] == on) \
                                else None
                where = wait_until(observe, bool, timeout,
                                   what or "domain %s running on %s" % (dom, on or "one blade"),
                                   interval=0.2)
                return where[0]

        def start_vm_sampler(self, domains, interval=0.05):
                s = VMSampler(self, domains, interval)
                s.start()
                self.vm_samplers.append(s)
                return s

        # ---- the guest's counter -----------------------------------------

        def serial_log(self, b, dom):
                return os.path.join(self.libvirt_dir(b), "log", "qemu", dom + "-serial.log")

        def guest_counter(self, dom):
                """{"last": the highest tick any blade's serial log shows (None
                before the first), "boots": boot banners over all blades, "by":
                {blade: last tick there}}."""
                last, boots, by = None, 0, {}
                for b in self.blades:
                        try:
                                with open(self.serial_log(b, dom), errors="replace") as f:
                                        text = f.read()
                        except OSError:
                                continue
                        boots += text.count("bladed-guest boot")
                        # Complete lines only: a migration can cut one in two.
                        for line in text.split("\n")[:-1]:
                                m = re.match(r"\s*tick (\d+)\s*$", line)
                                if m:
                                        v = int(m.group(1))
                                        by[b.name] = v
                                        last = v if last is None else max(last, v)
                return {"last": last, "boots": boots, "by": by}

        def wait_ticks(self, dom, after, timeout=15):
                """Waits until the guest printed a tick above `after`; returns it."""
                return wait_until(lambda: self.guest_counter(dom)["last"],
                                  lambda v: v is not None and v > after, timeout,
                                  "guest %s to count past %s" % (dom, after),
                                  interval=0.2)

        def wait_ticks_on(self, dom, blade, after, timeout=30):
                """Waits until blade's own serial log shows a tick above `after`
                (the source may have printed later ticks than `after` while a
                migration was under way: they do not count); returns it."""
                return wait_until(lambda: self.guest_counter(dom)["by"].get(blade),
                                  lambda v: v is not None and v > after, timeout,
                                  "guest %s to count past %s on %s" % (dom, after, blade),
                                  interval=0.2)

        def check_live_moved(self, dom, before, target, what):
                """The guest of `dom` goes on counting on `target` without a boot
                (a live migration, not a restart); before = guest_counter() taken
                before the move.  Returns the first tick seen on target."""
                self.wait_vm(dom, timeout=30, on=target)
                after = self.wait_ticks_on(dom, target, before["last"])
                count = self.guest_counter(dom)
                if count["boots"] != before["boots"]:
                        raise TestFailure("boot banners after %s: %d, want %d (a restarted guest"
                                          " prints one more)" % (what, count["boots"],
                                                                 before["boots"]))
                check(count["by"].get(target) is not None and count["by"][target] > before["last"],
                      "counter on %s does not continue past %s: %s"
                      % (target, before["last"], count))
                log("%s: counter %s before, %s after, on %s; boots %d"
                    % (what, before["last"], after, target, count["boots"]))
                return after

        # ---- power ---------------------------------------------------------

        def power_off(self, b):
                """fence_bladens off, from the test (its libvirtd and QEMUs die too)."""
                p = self.libvirtd.get(b.name)
                if p:
                        p.expected_exit = True
                fencing.power_off(self, b)

        def expect_power_off(self, b):
                p = self.libvirtd.get(b.name)
                if p:
                        p.expected_exit = True
                fencing.expect_power_off(self, b)

        def power_on(self, b, timeout=30):
                """fence_bladens on, then libvirtd, corosync and bladed, as a blade
                booting (its virtual IPs gone, its /run empty)."""
                self.expect_power_off(b)
                # A booting blade has only its own address: drop what its
                # resources had configured (virtual IPs) while its links
                # are still down, as a reboot would.
                out = harness.run(["ip", "-n", b.ns, "-o", "-4", "addr", "show", "dev",
                                   "eth0"], check=False).stdout
                for m in re.finditer(r"\binet (\S+)", out):
                        if m.group(1).split("/")[0] != b.ip:
                                harness.run(["ip", "-n", b.ns, "addr", "del", m.group(1),
                                             "dev", "eth0"], check=False)
                r = fencing.run_agent(self, b, "on")
                if r.returncode != 0:
                        raise RuntimeError("fence_bladens on %s: exit %d: %s"
                                           % (b.name, r.returncode, r.stderr.strip()))
                self.libvirtd.pop(b.name, None)
                self.start_libvirtd(b)
                self.start_corosync(b)
                live = [x for x in self.blades
                        if x is b or (x.corosync and x.corosync.alive() and x.link_up)]
                self.wait_corosync(live, timeout=timeout)
                self.start_bladed(b)

        # ---- teardown ------------------------------------------------------

        def teardown(self, failed=False):
                if self.torn_down:
                        return
                for s in self.vm_samplers:
                        s.stop()
                # bladed first, while libvirtd still answers: a daemon drains
                # its blade on SIGTERM (stop or migrate its VMs), which needs
                # libvirtd.  The harness then notes how each one exited.
                live = [b.bladed for b in self.blades if b.bladed and b.bladed.alive()]
                for p in live:
                        if not p.expected_exit:
                                p.expected_exit = "teardown"
                        p.signal(signal.SIGTERM)
                deadline = time.monotonic() + 30
                for p in live:
                        p.wait(max(0.1, deadline - time.monotonic()))
                # What libvirtd started, by PID: QEMUs in this run's blade
                # namespaces (libvirtd leaves running guests behind on exit).
                inos = {_netns_inode(b.ns) for b in self.blades} - {None}
                for pid, ino, _ in qemu_processes():
                        if ino in inos:
                                try:
                                        os.kill(pid, signal.SIGKILL)
                                except ProcessLookupError:
                                        pass
                for p in list(self.libvirtd.values()) + ([self.san] if self.san else []):
                        p.expected_exit = True
                        if p.alive():
                                p.stop(timeout=10)
                for d in self.etc_netns:
                        shutil.rmtree(d, ignore_errors=True)
                self.etc_netns = []
                super().teardown(failed=failed)

        def dump_logs(self, n=40):
                super().dump_logs(n)
                for b in self.blades:
                        p = self.libvirtd.get(b.name)
                        if p:
                                print(p.tail(10))
                        lp = os.path.join(self.libvirt_dir(b), "log", "libvirtd.log")
                        if os.path.exists(lp):
                                print(harness._tail(lp, 15))
                        for dom in self.guests:
                                qp = os.path.join(self.libvirt_dir(b), "log", "qemu",
                                                  dom + ".log")
                                if os.path.exists(qp):
                                        print(harness._tail(qp, 8))
                sys.stdout.flush()


class VMSampler(threading.Thread):
        """Which blades run each domain, over time: [(wall time, {dom: (blades)})].

        A sample is a /proc scan (a few ms); libvirtd is asked only when a
        domain has QEMUs on two blades (VMCluster.vm_running_on)."""

        def __init__(self, cluster, domains, interval):
                super().__init__(daemon=True)
                self.cluster = cluster
                self.domains = list(domains)
                self.interval = interval
                self.samples = []
                self.errors = []
                self._stop_event = threading.Event()

        def run(self):
                while not self._stop_event.is_set():
                        try:
                                held = {d: tuple(self.cluster.vm_running_on(d))
                                        for d in self.domains}
                                # Stamped when the reading is complete: asking
                                # libvirtd can take a while, and "first seen
                                # running at" must not be early.
                                self.samples.append((time.time(), held))
                        except Exception as e:
                                self.errors.append(e)
                        self._stop_event.wait(self.interval)

        def stop(self):
                self._stop_event.set()
                if self.is_alive() and self is not threading.current_thread():
                        self.join(30)
                return self.samples

        def overlaps(self):
                return [(t, d, h) for t, held in self.samples for d, h in held.items()
                        if len(h) > 1]

        def first_on(self, dom, blade, since=0.0):
                """Wall time of the first sample at or after `since` where `dom`
                ran on `blade`, or None."""
                for t, held in self.samples:
                        if t >= since and blade in held.get(dom, ()):
                                return t
                return None

        def check_exclusive(self, min_samples=10):
                check(len(self.samples) >= min_samples,
                      "VM sampler took only %d samples (errors: %s)"
                      % (len(self.samples), self.errors[:3]))
                bad = self.overlaps()
                if bad:
                        t, d, h = bad[0]
                        raise TestFailure("domain %s ran on %s at once (%d of %d samples; first"
                                          " at %s)" % (d, ", ".join(h), len(bad),
                                                       len(self.samples),
                                                       time.strftime("%H:%M:%S",
                                                                     time.localtime(t))))
                return len(self.samples)


class HotplugVMCluster(hotplug.HotplugCluster, VMCluster):
        """VMCluster with spare blades in the chassis (hotplug.HotplugCluster):
        every blade namespace gets its libvirt directories and /etc/netns
        hosts file at set-up, but start() runs libvirtd, corosync and bladed
        on the running blades only.  A spare, once `bladectl node add` took
        it in, is started by the test: prepare_spare(), start_libvirtd(),
        start_corosync(), start_bladed()."""

        def start(self, bladed=None, timeout=30):
                t = time.monotonic()
                for b in self.running():
                        self.start_libvirtd(b, wait=False)
                for b in self.running():
                        self.wait_libvirtd(b)
                log("libvirtd answers on %s (%.1f s)" % (", ".join(b.name for b in
                                                                     self.running()),
                                                          time.monotonic() - t))
                hotplug.HotplugCluster.start(self, bladed=bladed, timeout=timeout)


def vm_primitive(c, rid, dom, monitor="5s", meta=None, indent="    "):
        """An ocf:bladed:vm <primitive> for one of c's guests (live migration
        allowed unless meta says otherwise)."""
        m = {"allow-migrate": "true"}
        m.update(meta or {})
        params = [("backend", "libvirt"), ("domain", dom), ("config", c.domain_xml[dom]),
                  ("uri", URI), ("shutdown_timeout", "1"), ("hypervisor_timeout", "10")]
        out = ['%s<primitive id="%s" agent="ocf:bladed:vm">' % (indent, rid)]
        out += ['%s  <param name="%s" value="%s"/>' % (indent, k, harness.xml_attr(v))
                for k, v in params]
        out.append("%s  <meta %s/>" % (indent, " ".join('%s="%s"' % (k, harness.xml_attr(v))
                                                         for k, v in m.items())))
        for op, to in (("start", "60s"), ("stop", "30s"), ("migrate_to", "60s"),
                       ("migrate_from", "30s")):
                out.append('%s  <op name="%s" timeout="%s"/>' % (indent, op, to))
        out.append('%s  <op name="monitor" interval="%s" timeout="20s"/>' % (indent, monitor))
        out.append("%s</primitive>" % indent)
        return "\n".join(out) + "\n"


def config_xml(c, primitives, extra="", fencing_on=True, stickiness=100, fence_blades=None):
        """A whole configuration: the primitives, fence_bladens devices for
        every blade (when fencing_on; only for fence_blades when given) and
        `extra` (constraints...)."""
        fence = fencing.fencing_xml(c, blades=fence_blades) if fencing_on else ""
        return ('<?xml version="1.0"?>\n<bladed-config epoch="1">\n'
                '  <properties no-quorum-policy="stop" fencing="%s"'
                ' default-stickiness="%d"/>\n'
                '  <resources>\n%s  </resources>\n%s%s</bladed-config>\n'
                % ("true" if fencing_on else "false", stickiness, "".join(primitives),
                   extra, fence))
