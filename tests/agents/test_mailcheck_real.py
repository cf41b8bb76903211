#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ocf:bladed:mailcheck against the real Postfix and Dovecot from Debian,
started by this test in a network namespace it creates, with private
configuration, spool and run directories (nothing of the system's own
mail setup is read or touched):

  running   the OCF conformance test for every protocol (smtp, smtps,
            smtp-starttls, imap, imaps, imap-starttls, pop3, pop3s,
            pop3-stls), certificate verification against the test's CA,
            the expect parameter against the real banners
  hung      every process of the service SIGSTOPped: monitor 1 within the
            timeout; SIGCONT: 0 again
  stopped   the service shut down: monitor 1 (connection refused)

Skipped (77) without root or when postfix / dovecot (Debian: postfix,
dovecot-imapd, dovecot-pop3d) are not installed; if only one is, the other
half is skipped and the test says so."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agenttest as at  # noqa: E402
from fakemail import make_cert  # noqa: E402

NET = 78
ADDR = f"198.18.{NET}.1"
TIMEOUT_MS = 1500
SMTP = ("smtp", "smtps", "smtp-starttls")
MAIL = ("imap", "imaps", "imap-starttls", "pop3", "pop3s", "pop3-stls")


def have_postfix():
    return shutil.which("postfix") and os.path.exists("/usr/lib/postfix/sbin/master") \
        and subprocess.run(["id", "postfix"], capture_output=True).returncode == 0


def have_dovecot():
    return shutil.which("dovecot") and os.path.exists("/usr/lib/dovecot/imap-login") \
        and os.path.exists("/usr/lib/dovecot/pop3-login")


def wait_port(port, secs=30):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            socket.create_connection((ADDR, port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def descendants(pid):
    """pid and every process below it (from /proc)."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def signal_all(pids, sig):
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


class Postfix:
    def __init__(self, tmp, cert, key):
        self.etc = f"{tmp}/postfix"
        spool, data = f"{tmp}/spool", f"{tmp}/data"
        for d in (self.etc, spool, data, f"{spool}/pid", f"{spool}/private", f"{spool}/public"):
            os.makedirs(d)
        shutil.chown(data, "postfix")
        shutil.chown(f"{spool}/private", "postfix")
        shutil.chown(f"{spool}/public", "postfix", "postdrop")
        os.chmod(f"{spool}/private", 0o700)
        os.chmod(f"{spool}/public", 0o710)
        with open(f"{self.etc}/main.cf", "w") as f:
            f.write(f"""compatibility_level = 3.6
queue_directory = {spool}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = {ADDR}
inet_protocols = ipv4
myhostname = mx.test
mydestination =
local_recipient_maps =
maillog_file = /dev/stdout
smtpd_banner = $myhostname ESMTP bladed-test
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_security_level = may
""")
        # Only what smtpd needs to greet and do TLS; no chroot (private dirs).
        with open(f"{self.etc}/master.cf", "w") as f:
            f.write("""smtp      inet  n  -  n  -  -  smtpd
smtps     inet  n  -  n  -  -  smtpd -o smtpd_tls_wrappermode=yes
anvil     unix  -  -  n  -  1  anvil
tlsmgr    unix  -  -  n  1000? 1 tlsmgr
scache    unix  -  -  n  -  1  scache
proxymap  unix  -  -  n  -  -  proxymap
postlog   unix-dgram n - n - 1 postlogd
""")
        self.log = open(f"{tmp}/postfix.log", "w")
        self.proc = subprocess.Popen(["postfix", "-c", self.etc, "start-fg"], stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def pids(self):
        return descendants(self.proc.pid)

    def stop(self):
        subprocess.run(["postfix", "-c", self.etc, "stop"], capture_output=True)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            signal_all(self.pids(), signal.SIGKILL)
            self.proc.wait()


class Dovecot:
    def __init__(self, tmp, cert, key):
        d = f"{tmp}/dovecot"
        os.makedirs(f"{d}/state")
        os.makedirs(f"{d}/mail")
        self.conf = f"{d}/dovecot.conf"
        with open(self.conf, "w") as f:
            f.write(f"""base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/log
protocols = imap pop3
listen = {ADDR}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
passdb {{
  driver = static
  args = nopassword=y
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail
}}
service imap-login {{
  inet_listener imap {{
    port = 143
  }}
  inet_listener imaps {{
    port = 993
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 110
  }}
  inet_listener pop3s {{
    port = 995
    ssl = yes
  }}
}}
""")
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", self.conf], start_new_session=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def pids(self):
        return descendants(self.proc.pid)

    def stop(self):
        self.proc.terminate()   # SIGTERM to the master, by its PID
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            signal_all(self.pids(), signal.SIGKILL)
            self.proc.wait()


def inner():
    agent = at.agent_path("mailcheck")
    ok = at.Checker()
    tmp = tempfile.mkdtemp(prefix="mailcheck-real-")
    os.chmod(tmp, 0o755)   # postfix and dovecot drop privileges
    cert, key = make_cert(tmp, cn="mx.test", ip=ADDR)
    os.chmod(key, 0o600)
    state = f"{tmp}/state"
    services = []

    def params(proto, **kw):
        p = {"host": ADDR, "protocol": proto, "timeout": str(TIMEOUT_MS), "state_dir": state}
        p.update(kw)
        return p

    def monitor(proto, **kw):
        os.makedirs(state, exist_ok=True)
        open(f"{state}/mailcheck-test", "w").close()
        rc, _, err, secs = at.run_agent(agent, "monitor", params(proto, **kw), 10000)
        return rc, err.strip(), secs

    def conformance(proto):
        argv = [sys.executable, at.CONFORMANCE, agent, "--instance", f"real-{proto}"]
        for k, v in params(proto).items():
            argv += ["--param", f"{k}={v}"]
        p = subprocess.run(argv, capture_output=True, text=True)
        ok(p.returncode == 0, f"conformance against the real server: {proto}", p.stdout[-1500:])

    def faults(svc, name, protos):
        for proto in protos:
            rc, err, secs = monitor(proto)
            ok(rc == 0, f"{name} running: {proto} monitor 0 ({secs * 1000:.1f} ms)", err)
        pids = svc.pids()
        signal_all(pids, signal.SIGSTOP)
        try:
            for proto in (protos[0], protos[1]):
                rc, err, secs = monitor(proto)
                ok(rc == 1 and secs < TIMEOUT_MS / 1000 + 1.5,
                   f"{name} hung (SIGSTOP, {len(pids)} processes): {proto} monitor 1 in "
                   f"{secs * 1000:.0f} ms", f"rc={rc} {err}")
        finally:
            signal_all(pids, signal.SIGCONT)
        rc, err, _ = at.poll(lambda: monitor(protos[0]), lambda v: v[0] == 0)
        ok(rc == 0, f"{name} continued: {protos[0]} monitor 0 again", err)
        svc.stop()
        for proto in protos:
            rc, err, secs = monitor(proto)
            ok(rc == 1 and "refused" in err,
               f"{name} stopped: {proto} monitor 1 ({secs * 1000:.1f} ms)", f"rc={rc} {err}")

    try:
        if have_postfix():
            t0 = time.monotonic()
            pf = Postfix(tmp, cert, key)
            services.append(pf)
            if ok(wait_port(25) and wait_port(465), "postfix listens on 25 and 465 "
                  f"({time.monotonic() - t0:.1f} s)"):
                for proto in SMTP:
                    conformance(proto)
                rc, err, _ = monitor("smtp", expect="ESMTP bladed-test")
                ok(rc == 0, "postfix banner contains the expected text", err)
                rc, err, _ = monitor("smtps", tls_verify="true", tls_ca_file=cert,
                                     tls_server_name="mx.test")
                ok(rc == 0, "smtps with tls_verify against the test CA: 0", err)
                rc, err, _ = monitor("smtp-starttls", tls_verify="true")
                ok(rc == 1, "smtp-starttls with tls_verify and the system CAs: 1", err)
                faults(pf, "postfix", SMTP)
        else:
            print("# SKIP postfix half: postfix not installed (apt-get install postfix)")
        if have_dovecot():
            t0 = time.monotonic()
            dv = Dovecot(tmp, cert, key)
            services.append(dv)
            if ok(all(wait_port(p) for p in (143, 993, 110, 995)),
                  f"dovecot listens on 143, 993, 110, 995 ({time.monotonic() - t0:.1f} s)"):
                for proto in MAIL:
                    conformance(proto)
                rc, err, _ = monitor("imap", expect="Dovecot")
                ok(rc == 0, "dovecot greeting contains 'Dovecot'", err)
                rc, err, _ = monitor("imaps", tls_verify="true", tls_ca_file=cert)
                ok(rc == 0, "imaps with tls_verify against the test CA (address in SAN): 0", err)
                faults(dv, "dovecot", MAIL)
        else:
            print("# SKIP dovecot half: dovecot not installed "
                  "(apt-get install dovecot-imapd dovecot-pop3d)")
    finally:
        for svc in services:
            if svc.proc.poll() is None:
                svc.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if ok.n == 0:
        return at.SKIP
    return ok.done()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        sys.exit(inner())
    at.require_root()
    if not have_postfix() and not have_dovecot():
        at.skip("neither postfix nor dovecot is installed "
                "(apt-get install postfix dovecot-imapd dovecot-pop3d)")
    sys.exit(at.outer_main("mr", [sys.executable, os.path.abspath(__file__), "--inner"], NET))
