#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# meson test wrapper for scripts/lab.sh: exit 77 (skipped) when the lab cannot run
# here (not root, or no working 'ip netns'), else lab.sh's own verdict.
#   run_lab.sh /path/to/scripts/lab.sh [lab.sh options]
set -u
lab=${1:?usage: run_lab.sh LAB_SH [options]}
shift
if [ "$(id -u)" -ne 0 ]; then
	echo "lab: skipped: needs root for network namespaces"
	exit 77
fi
if ! command -v ip >/dev/null 2>&1; then
	echo "lab: skipped: no ip (iproute2)"
	exit 77
fi
probe=sc-probe-$$
if ! ip netns add "$probe" 2>/dev/null; then
	echo "lab: skipped: 'ip netns add' does not work here"
	exit 77
fi
ip netns del "$probe" 2>/dev/null
exec "$lab" "$@"
