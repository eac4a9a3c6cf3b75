#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# meson test wrapper for scripts/lab.sh: exit 77 (skipped) when the lab cannot run
# here (not root, or no working 'ip netns'), else lab.sh's own verdict.
#   run_lab.sh /path/to/scripts/lab.sh [lab.sh options]
set -u
lab=${1:?usage: run_lab.sh LAB_SH [options]}
shift
# shellcheck source=SCRIPTDIR/../../scripts/netns-lib.sh
. "$(dirname "$lab")/netns-lib.sh"
nl_tag=lab
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"
nl_netns_works sc || skip "'ip netns add' does not work here"
exec "$lab" "$@"
