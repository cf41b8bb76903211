#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# README command two: install dependencies, build (warnings are errors,
# AddressSanitizer + UBSan), run every test with CTest.
#   tests/run-all.sh [ctest arguments...]     e.g.  -L unit   or  -R cluster
# Cluster tests need root; without it they report themselves as skipped.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BLADED_TEST_BUILD:-$src/build/test}

"$src/tests/setup-deps.sh"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DBLADED_WERROR=ON -DBLADED_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
exec ctest --output-on-failure -j"$(nproc)" "$@"
