#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install every Debian package sipcancel needs to build, test, benchmark and run
# its lab test bed. Idempotent and non-interactive; run as root on Debian 12.
set -euo pipefail

PACKAGES=(
	# build
	build-essential meson ninja-build pkg-config python3
	dpdk dpdk-dev libdpdk-dev libxxhash-dev libpcap-dev
	# tests, sanitizers, fuzzing
	libcriterion-dev clang libclang-rt-14-dev
	# benchmark peers (linked only into bench/)
	libosip2-dev libsofia-sip-ua-dev libre-dev
	# lab test bed
	iproute2 sip-tester tshark kamailio procps ethtool
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#PACKAGES[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages: ${missing[*]}; run as root" >&2
	exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, no prompt.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
