#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Installs, from Debian 12's archive, what building and testing bladed needs.
# Idempotent: does nothing when everything is there already.  Needs root
# (or sudo) only when something is missing.
#
# Why each package is here is written in README.rst ("Dependencies").
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  # the libraries bladed is built on
  libcpg-dev libquorum-dev libcmap-dev libcfg-dev libcorosync-common-dev
  libxml2-dev libsystemd-dev libcmocka-dev
  # fuzz targets (libFuzzer) and xmllint for schema checks in tests
  clang libxml2-utils
  # cluster tests and the demo: real corosync in network namespaces
  corosync iproute2 iputils-arping iputils-ping procps python3
  # docs-rst: every page of doc/ and README.rst parses without a warning
  python3-docutils
  # vm agent tests (vm-libvirt): real libvirtd + QEMU (TCG) per blade namespace
  qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients tini
  # mailcheck agent: TLS through OpenSSL (libssl-dev to build, libssl3 at run
  # time, openssl makes the tests' certificates); its test runs the real
  # Postfix and Dovecot in a namespace with private config and run dirs
  libssl-dev libssl3 openssl postfix dovecot-imapd dovecot-pop3d
  # cluster-interop: ClusterLabs' ocf:heartbeat:IPaddr2 and ocf:heartbeat:Dummy
  # run unchanged under bladed next to the project's agents
  resource-agents
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup-deps: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup-deps: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts corosync after installing it, where systemd runs; the tests
# start their own corosync per blade namespace and need nothing else running.
