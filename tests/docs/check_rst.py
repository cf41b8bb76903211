#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every reStructuredText page (README.rst, doc/*.rst) parses without a
warning: a malformed table or an unclosed literal shows up as garbage for
the admin reading it, so it fails here.  Also checks that every doc/ page
is reachable from doc/index.rst.  Exit 77 (skipped) without docutils."""
import glob
import io
import os
import re
import sys

try:
        import docutils.core
except ImportError:
        print("docs-rst: SKIP: python3-docutils is not installed")
        sys.exit(77)

src = os.environ.get("BLADED_SOURCE_DIR") or os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))
pages = [os.path.join(src, "README.rst")] + sorted(glob.glob(os.path.join(src, "doc", "*.rst")))
bad = 0
for page in pages:
        err = io.StringIO()
        with open(page, encoding="utf-8") as f:
                text = f.read()
        docutils.core.publish_doctree(text, source_path=page, settings_overrides={
                "warning_stream": err, "report_level": 2, "halt_level": 5})
        if err.getvalue().strip():
                bad += 1
                print(err.getvalue().strip())

with open(os.path.join(src, "doc", "index.rst"), encoding="utf-8") as f:
        index = f.read()
for page in glob.glob(os.path.join(src, "doc", "*.rst")):
        name = os.path.basename(page)[:-4]
        if name != "index" and not re.search(r"\b%s(\.rst)?\b" % re.escape(name), index):
                bad += 1
                print("%s: not linked from doc/index.rst" % os.path.relpath(page, src))

print("docs-rst: %d page(s) checked, %d problem(s)" % (len(pages), bad))
sys.exit(1 if bad else 0)
