#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The conformance tester must be able to fail: it passes the correct mode
of broken-agent and fails every mode that breaks an OCF rule.  No root."""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agenttest as at  # noqa: E402

MODES = ["bad-xml", "no-stop-action", "monitor-0-when-stopped", "start-not-idempotent",
         "stop-not-idempotent", "unknown-returns-0", "slow-monitor", "no-exit-reason"]


def main():
    agent = os.path.join(at.HERE, "broken-agent")
    ok = at.Checker()
    with tempfile.TemporaryDirectory() as tmp:
        def conform(mode):
            return subprocess.run(
                [sys.executable, at.CONFORMANCE, agent, "--param", "value=x",
                 "--invalid-param", "value=bad", "--env", f"BROKEN_MODE={mode}",
                 "--env", f"BROKEN_STATE_DIR={tmp}", "--instance", mode],
                capture_output=True, text=True)
        p = conform("none")
        ok(p.returncode == 0, "a correct agent passes", p.stdout[-2000:])
        for mode in MODES:
            p = conform(mode)
            failed = [l for l in p.stdout.splitlines() if l.startswith("not ok")]
            ok(p.returncode == 1 and failed, f"{mode}: caught",
               p.stdout[-1500:])
            if failed:
                print(f"#   {failed[0]}")
    return ok.done()


if __name__ == "__main__":
    sys.exit(main())
