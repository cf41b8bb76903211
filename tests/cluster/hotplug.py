"""Hot-add / hot-remove helpers on top of the harness (harness.py).

HotplugCluster(n_running, spares) builds n_running + spares blade
namespaces, but the node file and corosync's nodelist list only the first
n_running: the spares are blades waiting in the chassis, what
`bladectl node add` brings in.  Every bladed gets --corosync-conf pointing
at its own blade's corosync.conf, so node add/remove rewrite the harness's
files and never /etc/corosync.
"""
import os
import re
import socket
import struct

import harness as h


class HotplugCluster(h.Cluster):
        def __init__(self, n_running=3, spares=1, **kw):
                self.n_running = n_running
                kw.setdefault("name", "hotplug")
                super().__init__(n_blades=n_running + spares, **kw)

        def node_table(self):
                return [{"name": b.name, "number": b.number, "ip_address": b.ip,
                         "ip_port": 7777} for b in self.blades[:self.n_running]]

        def running(self):
                return self.blades[:self.n_running]

        def start_bladed(self, b, **kw):
                kw.setdefault("extra", ["--corosync-conf", b.corosync_conf])
                return super().start_bladed(b, **kw)

        def start(self, bladed=None, timeout=30):
                for b in self.running():
                        self.start_corosync(b)
                self.wait_corosync(self.running(), timeout=timeout)
                for b in self.running():
                        self.start_bladed(b)
                st = self.wait_converged(self.running(), timeout=timeout)
                h.log("bladed: %s agree (coordinator %s, epoch %d)"
                      % (", ".join(b.name for b in self.running()), st["coordinator"],
                         st["epoch"]))

        def prepare_spare(self, b, source):
                """What the procedure tells the admin: copy the node file and
                corosync.conf from a running blade.  Only the log file path, which
                the harness keeps per blade, is this blade's own."""
                with open(source.nodes_file) as f:
                        h._write(b.nodes_file, f.read())
                with open(source.corosync_conf) as f:
                        conf = f.read()
                h._write(b.corosync_conf, conf.replace(source.corosync_log, b.corosync_log))


def read(path):
        with open(path) as f:
                return f.read()


def nodelist_section(conf):
        """The top-level nodelist { ... } text of a corosync.conf."""
        m = re.search(r"^\s*nodelist\s*\{.*?^\}\s*$", conf, re.S | re.M)
        return m.group(0) if m else None


def nodelist_entries(conf):
        return h._nodelist_entries(nodelist_section(conf) or "")


def node_names(node_file_text):
        return sorted(re.findall(r"^\s*name\s*=\s*(\S+)\s*$",
                                 node_file_text.split("node:", 1)[1] if "node:" in
                                 node_file_text else "", re.M))


# --------------------------------------------------------------------------
# The control protocol (include/bladed/ctlproto.h), for checking what bladectl
# does and for a daemon whose bladectl predates `node add`.

CTL_MAGIC = 0x424C4354
CTL_CMD_NODE_ADD = 11
CTL_CMD_NODE_REMOVE = 12


def raw_request(sock_path, command, args, timeout=30):
        """Returns (status, body, error) of one request on a control socket."""
        payload = struct.pack(">HH", command, len(args))
        for a in args:
                a = a.encode()
                payload += struct.pack(">I", len(a)) + a
        frame = struct.pack(">IBBHI", CTL_MAGIC, 1, 1, 0, len(payload)) + payload
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
                s.connect(sock_path)
                s.sendall(frame)
                data = b""
                while True:
                        chunk = s.recv(65536)
                        if not chunk:
                                break
                        data += chunk
        finally:
                s.close()
        if len(data) < 12:
                raise h.TestFailure("control reply too short (%d bytes)" % len(data))
        p = data[12:]
        status, blen = struct.unpack(">iI", p[:8])
        body = p[8:8 + blen].decode()
        (elen,) = struct.unpack(">I", p[8 + blen:12 + blen])
        err = p[12 + blen:12 + blen + elen].decode()
        return status, body, err


class Result:
        def __init__(self, returncode, stdout, stderr):
                self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def node_cmd(c, b, *args):
        """`bladectl node add|remove ...` on blade b: (exit status, stdout, stderr).

        Falls back to the raw protocol, saying so, only while bladectl itself
        answers that the command is not implemented."""
        r = c.ctl(b, "node", *args, timeout=60)
        if "not implemented" not in r.stderr:
                return r
        h.log("bladectl says node %s is not implemented: using the control protocol" % args[0])
        if args[0] == "add":
                rest = list(args[1:])
                extra = []
                if "--number" in rest:
                        i = rest.index("--number")
                        extra = [rest[i + 1]]
                        del rest[i:i + 2]
                st, body, err = raw_request(b.socket, CTL_CMD_NODE_ADD, rest + extra)
        else:
                st, body, err = raw_request(b.socket, CTL_CMD_NODE_REMOVE, list(args[1:]))
        return Result(st, body, err)
