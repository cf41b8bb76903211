# SPDX-License-Identifier: GPL-2.0-or-later
"""Two blades with libvirt + QEMU and a "SAN" on one machine, for vm tests.

Layout (vm-testing.md):
  PREFIXsw   a bridge, the "switch"
  PREFIXa    blade A: 198.18.S.1, hostname PREFIX-a, libvirtd --listen
  PREFIXb    blade B: 198.18.S.2, hostname PREFIX-b, libvirtd --listen
  PREFIXsan  the SAN: 198.18.S.3, qemu-storage-daemon serving the guest disk
             over NBD, so live migration needs no --copy-storage
Each blade has private /etc/libvirt, /run (tmpfs, with /run/libvirt from the
lab directory), /var/lib/libvirt, /var/log/libvirt, /var/cache/libvirt and
/etc/hosts, its own UTS namespace and host_uuid.  libvirtd runs under
`tini -s` (a child subreaper: QEMU daemonizes and is reaped without waiting
for PID 1).  Everything started is remembered by PID and killed by PID.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

TOOLS = ("ip", "unshare", "nsenter", "mount", "virsh", "libvirtd",
         "qemu-system-x86_64", "qemu-storage-daemon", "tini", "as", "ld", "timeout")

BLADE_DIRS = {          # lab subdirectory -> where the blade sees it
    "etc": "/etc/libvirt",
    "run": "/run/libvirt",
    "lib": "/var/lib/libvirt",
    "log": "/var/log/libvirt",
    "cache": "/var/cache/libvirt",
}

# Mounts its private directories, sets its hostname, becomes tini.  Paths
# arrive as arguments, never pasted into the script.
BLADE_SH = r'''
set -e
hostname "$1"
dir=$2
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/libvirt
# Mount points: Debian's libvirt-daemon does not ship all of them.
mkdir -p /etc/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
mount --bind "$dir/etc" /etc/libvirt
mount --bind "$dir/run" /run/libvirt
mount --bind "$dir/lib" /var/lib/libvirt
mount --bind "$dir/log" /var/log/libvirt
mount --bind "$dir/cache" /var/cache/libvirt
mount --bind "$dir/hosts" /etc/hosts
exec tini -s -- libvirtd --listen
'''


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **kw)


def missing_tools():
    return [t for t in TOOLS if not shutil.which(t)]


def ensure_libvirt_qemu_user():
    """libvirtd's QEMU driver refuses to start without a libvirt-qemu user
    and group, even when qemu.conf says root (vm-testing.md); Debian's
    libvirt-daemon-system would create them, we do not install it."""
    made = []
    if sh("getent", "group", "libvirt-qemu", check=False).returncode != 0:
        sh("groupadd", "--system", "libvirt-qemu")
        made.append("group")
    if sh("getent", "passwd", "libvirt-qemu", check=False).returncode != 0:
        sh("useradd", "--system", "--gid", "libvirt-qemu", "--no-create-home",
           "--home-dir", "/var/lib/libvirt", "--shell", "/usr/sbin/nologin",
           "libvirt-qemu")
        made.append("user")
    return made


def build_guest(src, outdir):
    """Assembles tests/vm/guest.S into a 1 MiB raw disk image."""
    obj = os.path.join(outdir, "guest.o")
    binf = os.path.join(outdir, "guest.bin")
    img = os.path.join(outdir, "guest.img")
    sh("as", "--32", "-o", obj, src)
    sh("ld", "-m", "elf_i386", "-Ttext", "0x7c00", "-e", "start",
       "--oformat", "binary", "-o", binf, obj)
    with open(binf, "rb") as f:
        code = f.read()
    if len(code) != 512 or code[510:] != b"\x55\xaa":
        raise RuntimeError(f"guest boot sector is {len(code)} bytes, bad signature")
    with open(img, "wb") as f:
        f.write(code)
        f.truncate(1 << 20)
    return img


class Lab:
    def __init__(self, log=print):
        self.log = log
        self.prefix = f"bvm{os.getpid() % 100000}"
        self.subnet = f"198.18.{100 + os.getpid() % 100}"
        self.dir = tempfile.mkdtemp(prefix=f"bladed-{self.prefix}-")
        os.chmod(self.dir, 0o755)
        self.netns = []
        self.procs = {}         # name -> Popen (tini of a blade, SAN daemon)
        self.blades = {
            "a": {"ns": self.prefix + "a", "name": self.prefix + "-a",
                  "addr": self.subnet + ".1"},
            "b": {"ns": self.prefix + "b", "name": self.prefix + "-b",
                  "addr": self.subnet + ".2"},
        }
        self.san_addr = self.subnet + ".3"
        self.dom = self.prefix + "vm"
        self.dom_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, "bladed-test/" + self.dom))

    # --- network ------------------------------------------------------------
    def setup_network(self):
        sw = self.prefix + "sw"
        sh("ip", "netns", "add", sw)
        self.netns.append(sw)
        sh("ip", "-n", sw, "link", "set", "lo", "up")
        sh("ip", "-n", sw, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", sw, "link", "set", "br0", "up")
        hosts = [(b["ns"], b["addr"], "v" + k) for k, b in self.blades.items()]
        hosts.append((self.prefix + "san", self.san_addr, "vsan"))
        for ns, addr, veth in hosts:
            sh("ip", "netns", "add", ns)
            self.netns.append(ns)
            sh("ip", "-n", sw, "link", "add", veth, "type", "veth",
               "peer", "name", "eth0", "netns", ns)
            sh("ip", "-n", sw, "link", "set", veth, "master", "br0", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")

    # --- SAN ----------------------------------------------------------------
    def start_san(self, image):
        out = open(os.path.join(self.dir, "san.log"), "w")
        p = subprocess.Popen(
            ["ip", "netns", "exec", self.prefix + "san", "qemu-storage-daemon",
             "--blockdev", f"driver=file,node-name=disk0,filename={image}",
             "--nbd-server", f"addr.type=inet,addr.host={self.san_addr},addr.port=10809",
             "--export", "type=nbd,id=exp0,node-name=disk0,name=guest,writable=on"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        self.procs["san"] = p
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = sh("ip", "netns", "exec", self.prefix + "san", "ss", "-ltn", check=False)
            if f"{self.san_addr}:10809" in r.stdout:
                return
            if p.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("qemu-storage-daemon did not listen: " + self.file("san.log"))

    # --- blades ---------------------------------------------------------------
    def prepare_blade(self, key):
        b = self.blades[key]
        d = os.path.join(self.dir, key)
        b["dir"] = d
        for sub in BLADE_DIRS:
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        os.makedirs(os.path.join(d, "log", "qemu"), exist_ok=True)
        for f in ("libvirt.conf", "libvirt-admin.conf"):
            if os.path.exists(os.path.join("/etc/libvirt", f)):
                shutil.copy(os.path.join("/etc/libvirt", f), os.path.join(d, "etc", f))
        with open(os.path.join(d, "etc", "qemu.conf"), "w") as f:
            f.write(f'''# bladed vm test, blade {b["name"]}
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
migration_address = "{b["addr"]}"
migration_host = "{b["addr"]}"
''')
        with open(os.path.join(d, "etc", "libvirtd.conf"), "w") as f:
            f.write(f'''# bladed vm test, blade {b["name"]}
listen_tls = 0
listen_tcp = 1
listen_addr = "{b["addr"]}"
auth_tcp = "none"
auth_unix_rw = "none"
host_uuid = "{uuid.uuid4()}"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
''')
        with open(os.path.join(d, "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n")
            for o in self.blades.values():
                # NAME-mig: the "migration network" name of a blade
                f.write(f'{o["addr"]} {o["name"]} {o["name"]}-mig\n')
            f.write(f"{self.san_addr} {self.prefix}-san\n")

    def start_blade(self, key, wait=30):
        b = self.blades[key]
        out = open(os.path.join(b["dir"], "libvirtd.out"), "a")
        p = subprocess.Popen(
            ["ip", "netns", "exec", b["ns"], "unshare", "--uts",
             "sh", "-c", BLADE_SH, "sh", b["name"], b["dir"]],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        self.procs[key] = p
        b["pid"] = p.pid        # ip netns exec, unshare and sh exec: this is tini
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise RuntimeError(f"blade {key} libvirtd exited: "
                                   + self.file(os.path.join(key, "libvirtd.out")))
            r = subprocess.run(self.enter(key) + ["virsh", "-c", "qemu:///system", "uri"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=10)
            if r.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"blade {key}: libvirtd not answering after {wait}s")

    def enter(self, key):
        """Command prefix that runs a program inside blade KEY."""
        return ["nsenter", "-t", str(self.blades[key]["pid"]), "-m", "-n", "-u", "--"]

    def children(self, pid):
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    @staticmethod
    def comm(pid):
        try:
            with open(f"/proc/{pid}/comm") as f:
                return f.read().strip()
        except OSError:
            return ""

    def libvirtd_pid(self, key):
        for c in self.children(self.blades[key]["pid"]):
            if self.comm(c) == "libvirtd":
                return c
        return None

    def qemu_pids(self, key):
        pid = self.blades[key].get("pid")
        if not pid:
            return []
        return [c for c in self.children(pid) if self.comm(c).startswith("qemu-system")]

    def stop_blade(self, key):
        """Ends blade KEY's QEMUs and libvirtd (by PID), like a crashed host."""
        p = self.procs.get(key)
        if not p:
            return
        lv = self.libvirtd_pid(key)
        if lv:
            try:
                os.kill(lv, signal.SIGCONT)
            except ProcessLookupError:
                pass
        for q in self.qemu_pids(key):
            try:
                os.kill(q, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if p.poll() is None:
            p.terminate()       # tini passes SIGTERM on to libvirtd
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        # tini may be gone before the QEMUs it reaped: look again.
        del self.procs[key]

    def serial_log(self, key):
        return os.path.join(self.blades[key]["dir"], "log", "qemu",
                            self.dom + "-serial.log")

    def ticks(self, key):
        """The counter values printed by the guest on blade KEY, and whether
        it printed its boot banner there."""
        try:
            with open(self.serial_log(key), errors="replace") as f:
                text = f.read()
        except OSError:
            return [], False
        ticks = []
        # Complete lines only: a migration can cut a line in two, its start
        # in the source's log and its end in the target's.
        for line in text.split("\n")[:-1]:
            line = line.strip()
            if line.startswith("tick "):
                try:
                    ticks.append(int(line[5:]))
                except ValueError:
                    pass
        return ticks, "bladed-guest boot" in text

    def domain_xml(self, image_unused=None):
        path = os.path.join(self.dir, self.dom + ".xml")
        with open(path, "w") as f:
            f.write(f'''<domain type='qemu'>
  <name>{self.dom}</name>
  <uuid>{self.dom_uuid}</uuid>
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
      <source protocol='nbd' name='guest'>
        <host name='{self.san_addr}' port='10809'/>
      </source>
      <target dev='hda' bus='ide'/>
    </disk>
    <serial type='file'>
      <source path='/var/log/libvirt/qemu/{self.dom}-serial.log'/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
''')
        return path

    def file(self, rel):
        try:
            with open(os.path.join(self.dir, rel), errors="replace") as f:
                return f.read()[-3000:]
        except OSError as e:
            return str(e)

    def dump_logs(self):
        for key in self.blades:
            for rel in (f"{key}/libvirtd.out", f"{key}/log/libvirtd.log",
                        f"{key}/log/qemu/{self.dom}.log"):
                if os.path.exists(os.path.join(self.dir, rel)):
                    self.log(f"# --- {rel} (tail) ---")
                    for line in self.file(rel).splitlines()[-25:]:
                        self.log("#   " + line)

    def teardown(self):
        for key in list(self.blades):
            try:
                self.stop_blade(key)
            except Exception as e:  # keep tearing down
                self.log(f"# teardown blade {key}: {e}")
        p = self.procs.pop("san", None)
        if p and p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for ns in reversed(self.netns):
            sh("ip", "netns", "del", ns, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
