# SPDX-License-Identifier: GPL-2.0-or-later
"""A small fake mail server (SMTP, IMAP, POP3; plain, implicit TLS and
STARTTLS) for testing the mailcheck agent, with ways to misbehave:

    hang          accept and never send anything
    hang_tls      accept and never answer the TLS handshake
    greeting=...  send this line instead of the normal greeting
    no_starttls   do not offer STARTTLS (SMTP EHLO) / refuse it
    inject        send an extra line right after the STARTTLS reply

Standard library only.  Each server runs in its own thread; stop() closes
the listener so new connections are refused.
"""

import socket
import ssl
import subprocess
import threading

GREETINGS = {
    "smtp": "220 mail.test ESMTP fake",
    "imap": "* OK [CAPABILITY IMAP4rev1 STARTTLS] fake ready",
    "pop3": "+OK fake ready",
}


def make_cert(directory, cn="mail.test", ip="198.18.70.1"):
    """Self-signed certificate + key (openssl CLI); returns (cert, key)."""
    cert, key = f"{directory}/cert.pem", f"{directory}/key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={cn}",
                    "-addext", f"subjectAltName=DNS:{cn},IP:{ip}"],
                   check=True, capture_output=True)
    return cert, key


def hold(conn):
    """Reads and ignores everything until the client hangs up."""
    while conn.recv(4096):
        pass


def readline(conn):
    buf = b""
    while not buf.endswith(b"\n"):
        ch = conn.recv(1)
        if not ch:
            return None
        buf += ch
    return buf.decode(errors="replace").rstrip("\r\n")


class FakeServer:
    def __init__(self, family, addr, port, tls=None, cert=None, key=None, **behaviour):
        self.family, self.tls, self.behaviour = family, tls, behaviour
        self.ctx = None
        if cert:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(cert, key)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((addr, port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        b = self.behaviour
        try:
            if b.get("hang") or (b.get("hang_tls") and self.tls == "implicit"):
                hold(conn)   # never answer; returns when the client goes
                return
            if self.tls == "implicit":
                conn = self.ctx.wrap_socket(conn, server_side=True)
            self.send(conn, b.get("greeting", GREETINGS[self.family]))
            while True:
                line = readline(conn)
                if line is None:
                    return
                new = self.command(conn, line)
                if new is None:
                    return
                conn = new
        except (OSError, ssl.SSLError):
            return
        finally:
            try:
                if conn is not None:
                    conn.close()
            except OSError:
                pass

    @staticmethod
    def send(conn, text):
        conn.sendall((text.replace("\n", "\r\n") + "\r\n").encode())

    def starttls(self, conn, ok_line):
        b = self.behaviour
        if b.get("no_starttls") or not self.ctx:
            return False
        self.send(conn, ok_line + ("\nextra injected line" if b.get("inject") else ""))
        if b.get("hang_tls"):
            hold(conn)
            return None
        return self.ctx.wrap_socket(conn, server_side=True)

    def command(self, conn, line):
        """Answers one command; returns the (maybe upgraded) connection or
        None to hang up."""
        word = line.split(" ")
        f = self.family
        if f == "smtp":
            cmd = word[0].upper()
            if cmd == "EHLO":
                ext = "" if self.behaviour.get("no_starttls") else "\n250-STARTTLS"
                self.send(conn, "250-mail.test\n250-PIPELINING" + ext + "\n250 8BITMIME")
            elif cmd == "STARTTLS":
                new = self.starttls(conn, "220 2.0.0 Ready to start TLS")
                if new is False:
                    self.send(conn, "454 4.7.0 TLS not available")
                return new or (conn if new is False else None)
            elif cmd == "QUIT":
                self.send(conn, "221 2.0.0 Bye")
                return None
            else:
                self.send(conn, "250 2.0.0 Ok")
        elif f == "imap":
            tag = word[0]
            cmd = word[1].upper() if len(word) > 1 else ""
            if cmd == "STARTTLS":
                new = self.starttls(conn, f"{tag} OK Begin TLS negotiation now")
                if new is False:
                    self.send(conn, f"{tag} BAD STARTTLS not available")
                return new or (conn if new is False else None)
            if cmd == "LOGOUT":
                self.send(conn, f"* BYE logging out\n{tag} OK Logout completed")
                return None
            self.send(conn, f"{tag} OK {cmd} completed")
        else:
            cmd = word[0].upper()
            if cmd == "STLS":
                new = self.starttls(conn, "+OK Begin TLS negotiation")
                if new is False:
                    self.send(conn, "-ERR STLS not available")
                return new or (conn if new is False else None)
            if cmd == "QUIT":
                self.send(conn, "+OK Logging out")
                return None
            self.send(conn, "-ERR unknown command")
        return conn
