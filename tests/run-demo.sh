#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# README command one: install dependencies, build a Release bladed in
# build/demo, then run the demo (tests/demo.py) as root: the mail-cluster
# example on three blades in network namespaces with real VMs (libvirt +
# QEMU), a blade powered off and its resources failing over (measured), a
# live migration, standby and online.  Everything the demo creates is
# removed when it ends.
#   tests/run-demo.sh [--step]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BLADED_DEMO_BUILD:-$src/build/demo}

"$src/tests/setup-deps.sh"
echo "run-demo: building bladed (Release) in $build" >&2
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target bladed bladectl agent-vip agent-mailcheck >/dev/null

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "run-demo: the demo needs root (network namespaces)" >&2; exit 1; }
  sudo=(sudo)
fi
exec "${sudo[@]}" env BLADED_BUILD_DIR="$build" BLADED_SOURCE_DIR="$src" \
  python3 "$src/tests/demo.py" "$@"
