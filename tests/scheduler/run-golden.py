#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Golden scenarios of the scheduler (tests/scheduler/README.rst).

Each directory under scenarios/ holds a file `cmd` (the arguments of
`bladectl simulate`, one shell-quoted line; lines starting with # describe
the scenario) and `expected.txt`, the exact output.  The command runs in the
scenario's directory, so paths in `cmd` are relative to it.  The output
compared is stdout, then "--- stderr" and stderr if there is any, then
"--- exit N" if the exit status is not 0.

  run-golden.py --bladectl PATH [--update] [NAME...]

Without names, every scenario runs.  --update rewrites expected.txt from
the current output: review every changed file by hand, they are the
specification.
"""
import argparse
import difflib
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "scenarios")


def read_cmd(path):
        args = []
        with open(path, encoding="utf-8") as f:
                for line in f:
                        line = line.strip()
                        if line and not line.startswith("#"):
                                args += shlex.split(line)
        return args


def run(bladectl, name):
        d = os.path.join(SCENARIOS, name)
        args = read_cmd(os.path.join(d, "cmd"))
        env = dict(os.environ)
        # No daemon is ever asked: the socket points nowhere (a fixed path,
        # so that messages naming it do not depend on the checkout).
        env["BLADED_SOCKET"] = "/nonexistent/bladed.sock"
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        p = subprocess.run([bladectl, "simulate"] + args, cwd=d, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        out = p.stdout.decode("utf-8", "replace")
        if p.stderr:
                out += "--- stderr\n" + p.stderr.decode("utf-8", "replace")
        if p.returncode != 0:
                out += "--- exit %d\n" % p.returncode
        return out


def main():
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--bladectl", required=True)
        ap.add_argument("--update", action="store_true")
        ap.add_argument("names", nargs="*")
        a = ap.parse_args()
        a.bladectl = os.path.abspath(a.bladectl)

        names = a.names or sorted(n for n in os.listdir(SCENARIOS)
                                  if os.path.isdir(os.path.join(SCENARIOS, n)))
        failed = []
        for name in names:
                exp_path = os.path.join(SCENARIOS, name, "expected.txt")
                got = run(a.bladectl, name)
                if a.update:
                        old = open(exp_path, encoding="utf-8").read() if os.path.exists(exp_path) else None
                        if old != got:
                                with open(exp_path, "w", encoding="utf-8") as f:
                                        f.write(got)
                                print("updated %s" % name)
                        continue
                try:
                        want = open(exp_path, encoding="utf-8").read()
                except FileNotFoundError:
                        print("%s: no expected.txt (run with --update, then review it)" % name)
                        failed.append(name)
                        continue
                if got != want:
                        failed.append(name)
                        print("%s: output differs from expected.txt:" % name)
                        sys.stdout.writelines(difflib.unified_diff(
                                want.splitlines(True), got.splitlines(True),
                                "%s/expected.txt" % name, "%s/actual" % name))
                else:
                        print("%s: ok" % name)
        if failed:
                print("FAILED: %s" % " ".join(failed))
                return 1
        return 0


if __name__ == "__main__":
        sys.exit(main())
