#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The README's main job: install what is missing (scripts/setup.sh), build sipcancel
# with meson into build/ if needed, then run the lab test bed (scripts/lab.sh) with a
# larger call count: SIPp in a network namespace places calls and cancels them
# against sipcancel on net_af_packet over a veth pair. Prints the summary: calls,
# failures, response times, sipcancel's counters. Exit 0 only if every scenario
# passed. Needs root (namespaces).
#
#   scripts/demo.sh                      1000 calls per scenario at 200 calls/s
#   scripts/demo.sh --calls 5000 --rate 500 --lcores 0,1   (any scripts/lab.sh option;
#                                        the last --calls/--rate given wins)
# Environment: SC_BUILD_DIR (default build) is the meson build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

calls=1000
rate=200
builddir=${SC_BUILD_DIR:-build}

scripts/setup.sh

if [ ! -f "$builddir/build.ninja" ]; then
	echo "demo: meson setup $builddir"
	meson setup "$builddir" >/dev/null
fi
echo "demo: building sipcancel in $builddir"
ninja -C "$builddir" app/sipcancel/sipcancel >/dev/null ||
	{ echo "demo: build failed; run: ninja -C $builddir" >&2; exit 1; }

# Report what lab.sh will use: an option given here overrides the default above.
shown_calls=$calls
shown_rate=$rate
prev=""
for a in "$@"; do
	case "$prev" in --calls) shown_calls=$a ;; --rate) shown_rate=$a ;; esac
	prev=$a
done
echo "demo: lab test bed, $shown_calls calls per scenario at $shown_rate calls/s" \
	"(override with --calls/--rate; scripts/lab.sh --help)"
exec scripts/lab.sh --calls "$calls" --rate "$rate" \
	--sipcancel "$builddir/app/sipcancel/sipcancel" "$@"
