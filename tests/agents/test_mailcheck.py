#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ocf:bladed:mailcheck against the fake mail server (fakemail.py) in a
network namespace: the OCF conformance test for all nine protocols, then
the failures a monitor must catch - service stopped, hung before the
greeting, hung in the TLS handshake, wrong greeting, refusal, STARTTLS not
offered, data injected before the handshake, certificate not trusted -
each answered with 1 within the timeout.  The real Postfix and Dovecot are
in test_mailcheck_real.py.  Needs root (77 otherwise)."""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agenttest as at  # noqa: E402
from fakemail import FakeServer, make_cert  # noqa: E402

NET = 70
ADDR = f"198.18.{NET}.1"
PROTOCOLS = {   # protocol -> (family, tls)
    "smtp": ("smtp", None), "smtps": ("smtp", "implicit"), "smtp-starttls": ("smtp", "starttls"),
    "imap": ("imap", None), "imaps": ("imap", "implicit"), "imap-starttls": ("imap", "starttls"),
    "pop3": ("pop3", None), "pop3s": ("pop3", "implicit"), "pop3-stls": ("pop3", "starttls"),
}


def inner():
    agent = at.agent_path("mailcheck")
    ok = at.Checker()
    tmp = tempfile.mkdtemp(prefix="mailcheck-test-")
    atexit.register(shutil.rmtree, tmp, True)
    state = os.path.join(tmp, "state")
    cert, key = make_cert(tmp, ip=ADDR)
    servers = []

    def serve(proto, **behaviour):
        family, tls = PROTOCOLS[proto]
        s = FakeServer(family, ADDR, 0, tls=tls, cert=cert, key=key, **behaviour)
        servers.append(s)
        return s

    def params(proto, port, **kw):
        p = {"host": ADDR, "protocol": proto, "port": str(port), "timeout": "1500",
             "state_dir": state}
        p.update({k: str(v) for k, v in kw.items()})
        return p

    def monitor(proto, port, **kw):
        """Marks the instance started, then runs one recurring monitor."""
        p = params(proto, port, **kw)
        os.makedirs(state, exist_ok=True)
        open(os.path.join(state, "mailcheck-test"), "w").close()
        rc, _, err, secs = at.run_agent(agent, "monitor", p, interval_ms=10000)
        return rc, err.strip(), secs

    # 1. Conformance for every protocol against a healthy server.
    for proto in PROTOCOLS:
        s = serve(proto)
        argv = [sys.executable, at.CONFORMANCE, agent, "--instance", f"conf-{proto}"]
        for k, v in params(proto, s.port).items():
            argv += ["--param", f"{k}={v}"]
        argv += ["--invalid-param", "protocol=smtpx", "--invalid-param", "port=70000",
                 "--invalid-param", "timeout=0", "--invalid-param", "tls_verify=perhaps",
                 "--invalid-param", "helo_name=two words"]
        p = subprocess.run(argv, capture_output=True, text=True)
        ok(p.returncode == 0, f"conformance: {proto}", p.stdout[-1500:])
        if proto == "smtp":
            print("\n".join(l for l in p.stdout.splitlines() if l.startswith("# time")))

    # 2. Healthy answers and what expect and tls_verify do.
    good = {proto: serve(proto) for proto in PROTOCOLS}
    for proto, s in good.items():
        rc, err, secs = monitor(proto, s.port)
        ok(rc == 0, f"{proto}: healthy server, monitor 0 ({secs * 1000:.1f} ms)", err)
    s = good["smtp"]
    ok(monitor("smtp", s.port, expect="ESMTP fake")[0] == 0, "expect found in the greeting")
    rc, err, _ = monitor("smtp", s.port, expect="mx1.example")
    ok(rc == 1 and "lacks" in err, "expect missing from the greeting: 1", err)
    s = good["imaps"]
    rc, err, _ = monitor("imaps", s.port, tls_verify="true")
    ok(rc == 1 and "certificate" in err, "tls_verify with a self-signed cert: 1", err)
    rc, err, _ = monitor("imaps", s.port, tls_verify="true", tls_ca_file=cert)
    ok(rc == 0, "tls_verify with tls_ca_file: 0 (name = the address in the SAN)", err)
    rc, err, _ = monitor("imaps", s.port, tls_verify="true", tls_ca_file=cert,
                         tls_server_name="mail.test")
    ok(rc == 0, "tls_verify with tls_server_name=mail.test: 0", err)
    rc, err, _ = monitor("imaps", s.port, tls_verify="true", tls_ca_file=cert,
                         tls_server_name="other.test")
    ok(rc == 1, "tls_verify with a wrong name: 1", err)
    rc, err, _ = monitor("smtp", good["smtps"].port)
    ok(rc == 1, "plain smtp against an implicit-TLS port: 1", err)

    # 3. Failures, each answered with 1 within the timeout (1500 ms).
    cases = [
        ("hung before the greeting (smtp)", "smtp", {"hang": True}),
        ("hung before the greeting (imap)", "imap", {"hang": True}),
        ("hung before the greeting (pop3)", "pop3", {"hang": True}),
        ("hung in the TLS handshake (pop3s)", "pop3s", {"hang_tls": True}),
        ("hung after STARTTLS (smtp-starttls)", "smtp-starttls", {"hang_tls": True}),
        ("554 greeting (smtp)", "smtp", {"greeting": "554 5.3.2 go away"}),
        ("* BYE greeting (imap)", "imap", {"greeting": "* BYE overloaded"}),
        ("-ERR greeting (pop3)", "pop3", {"greeting": "-ERR not now"}),
        ("an HTTP server (smtp)", "smtp", {"greeting": "HTTP/1.1 400 Bad Request"}),
        ("STARTTLS not offered (smtp)", "smtp-starttls", {"no_starttls": True}),
        ("STARTTLS refused (imap)", "imap-starttls", {"no_starttls": True}),
        ("STLS refused (pop3)", "pop3-stls", {"no_starttls": True}),
        ("data injected before the handshake (smtp)", "smtp-starttls", {"inject": True}),
        ("data injected before the handshake (pop3)", "pop3-stls", {"inject": True}),
    ]
    for what, proto, behaviour in cases:
        s = serve(proto, **behaviour)
        rc, err, secs = monitor(proto, s.port)
        ok(rc == 1 and err.startswith("ocf-exit-reason:") and secs < 3.0,
           f"{what}: monitor 1 in {secs * 1000:.0f} ms", f"rc={rc} {err}")
    s = serve("smtp")
    s.stop()
    rc, err, secs = monitor("smtp", s.port)
    ok(rc == 1 and "refused" in err, f"service stopped (connection refused): 1 "
       f"({secs * 1000:.1f} ms)", err)
    rc, err, secs = monitor("smtp", s.port, host="198.18.70.99", timeout=800)
    ok(rc == 1 and secs < 2.0, f"unreachable host: 1 within the timeout ({secs * 1000:.0f} ms)",
       err)

    # 4. Stopped means 7 whatever the service does; start waits for it.
    rc, _, _, _ = at.run_agent(agent, "stop", params("smtp", good["smtp"].port))
    rc, _, _, _ = at.run_agent(agent, "monitor", params("smtp", good["smtp"].port))
    ok(rc == 7, "after stop: probe 7 although the service answers")
    s = serve("smtp")
    port = s.port
    s.stop()
    rc, _, err, secs = at.run_agent(agent, "start", params("smtp", port), timeout=3)
    ok(rc == 1 and 2.0 < secs < 3.8, f"start with the service down: 1 after retrying "
       f"within 90% of the op timeout ({secs:.2f} s)", err)
    rc, _, _, _ = at.run_agent(agent, "monitor", params("smtp", port))
    ok(rc == 7, "... and it stays stopped (monitor 7)")
    late = {}

    def start_late():
        time.sleep(1.0)
        late["s"] = FakeServer("smtp", ADDR, port)
    t = threading.Thread(target=start_late)
    t.start()
    rc, _, err, secs = at.run_agent(agent, "start", params("smtp", port), timeout=10)
    t.join()
    ok(rc == 0 and 0.9 < secs < 3, f"start waits for a service that comes up later "
       f"({secs:.2f} s)", err)
    ok(at.run_agent(agent, "monitor", params("smtp", port), 10000)[0] == 0,
       "... then monitor 0")
    late["s"].stop()
    rc, _, err, _ = at.run_agent(agent, "monitor", params("smtp", port), 10000)
    ok(rc == 1, "service gone behind its back: monitor 1", err)
    ok(at.run_agent(agent, "stop", params("smtp", port))[0] == 0, "stop 0")

    for s in servers:
        s.stop()
    return ok.done()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        sys.exit(inner())
    sys.exit(at.outer_main("mc", [sys.executable, os.path.abspath(__file__), "--inner"], NET))
