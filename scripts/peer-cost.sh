#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# CPU cost per cancelled call: the same "cancel" scenario of scripts/proxylab.sh
# (INVITE, 180, CANCEL, 200 + 487, ACK; RFC 3261 9.1, 16.10) at the same rate through
# Kamailio (the reference proxy) and through sipcancel in the proxy role.
#   Kamailio:  utime + stime of all its processes (/proc/PID/stat) over the run,
#              in seconds and in cycles at the TSC frequency, per completed call.
#   sipcancel: the busy_cycles counter of its --stats-file (polling loops that found
#              work; idle polling is not counted), per completed call.
# The last line: cost_per_call_us kamailio X sipcancel Y ratio Z (or sipcancel n/a).
# Needs root (network namespaces); exits 77 when proxylab cannot run here.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

rate=200
calls=2000
sipcancel=$root/build/app/sipcancel/sipcancel
keep_logs=0

usage() {
	cat <<USAGE
Usage: $0 [--rate R] [--calls N] [--sipcancel PATH] [--keep-logs] [--help]

Runs N (--calls, default $calls) cancelled calls at R/s (--rate, default $rate)
through Kamailio and through sipcancel's proxy role (skipped with a line saying so
when the binary has none), then prints each proxy's CPU cost per cancelled call.
Each run takes about N/R seconds plus start-up; keep the rate modest on a shared
machine. --keep-logs keeps the proxylab work directories.
USAGE
}

while [ $# -gt 0 ]; do
	case "$1" in
	--rate) rate=${2:?}; shift 2 ;;
	--calls) calls=${2:?}; shift 2 ;;
	--sipcancel) sipcancel=${2:?}; shift 2 ;;
	--keep-logs) keep_logs=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "peer-cost: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
for v in calls rate; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || [ "${!v}" -eq 0 ]; then
		echo "peer-cost: --$v wants a positive integer" >&2
		exit 2
	fi
done

# TSC (nominal) frequency in Hz: the kernel's calibration when readable, else the
# first "cpu MHz" of /proc/cpuinfo (the TSC rate on constant_tsc machines and VMs).
tsc_hz() {
	local mhz
	mhz=$(dmesg 2>/dev/null | grep -o 'tsc: Refined TSC clocksource calibration: [0-9.]*' |
		tail -1 | awk '{ print $NF }' || true)
	[ -n "$mhz" ] || mhz=$(dmesg 2>/dev/null | grep -o 'tsc: Detected [0-9.]* MHz' |
		tail -1 | awk '{ print $3 }' || true)
	[ -n "$mhz" ] || mhz=$(awk -F: '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo)
	awk -v m="$mhz" 'BEGIN { printf "%.0f\n", m * 1e6 }'
}
hz=$(tsc_hz)

work=$(mktemp -d /tmp/sipcancel-peer-cost.XXXXXX)
finish() {
	if [ "$keep_logs" = 1 ]; then
		echo "peer-cost: logs in $work" >&2
	else
		rm -rf "$work"
	fi
}
trap finish EXIT

# get KEY FILE: the value of KEY=... in a proxylab --cost file.
get() { tr ' ' '\n' <"$2" | sed -n "s/^$1=//p"; }

echo "peer-cost: $calls cancelled calls at $rate/s per proxy, TSC $((hz / 1000000)) MHz"

# --- Kamailio ---------------------------------------------------------------------
rc=0
out=$("$here/proxylab.sh" --proxy kamailio --scenario cancel --calls "$calls" \
	--rate "$rate" --quiet --cost "$work/kamailio.cost" --workdir "$work/kamailio" 2>&1) ||
	rc=$?
if [ "$rc" = 77 ]; then
	echo "peer-cost: skipped: $(tail -1 <<<"$out" | sed 's/^proxylab: //')"
	exit 77
fi
if [ "$rc" != 0 ]; then
	tail -20 <<<"$out" >&2
	echo "peer-cost: kamailio run failed (status $rc); only completed calls count" >&2
fi
kam_us=n/a
ok=$(get ok_calls "$work/kamailio.cost" 2>/dev/null || echo 0)
if [ "${ok:-0}" -gt 0 ]; then
	ticks=$(get ticks "$work/kamailio.cost")
	tck=$(get clk_tck "$work/kamailio.cost")
	sns=$(get sched_ns "$work/kamailio.cost")
	read -r kam_s kam_cyc kam_us sched_us < <(awk -v t="$ticks" -v c="$tck" -v n="$ok" \
		-v hz="$hz" -v ns="$sns" 'BEGIN { s = t / c;
		printf "%.3f %.0f %.2f %.2f\n", s, s * hz, s / n * 1e6, ns / 1e3 / n }')
	echo "kamailio: $ok calls, cpu $kam_s s (utime+stime, $ticks ticks of 1/$tck s)" \
		"= $kam_cyc cycles; per call $kam_us us = $((kam_cyc / ok)) cycles" \
		"(schedstat cross-check: $sched_us us)"
else
	echo "kamailio: no completed call"
fi

# --- sipcancel ---------------------------------------------------------------------
sc_us=n/a
if [ ! -x "$sipcancel" ]; then
	echo "sipcancel: skipped: no binary at $sipcancel"
else
	rc=0
	out=$("$here/proxylab.sh" --proxy sipcancel --scenario cancel --calls "$calls" \
		--rate "$rate" --quiet --sipcancel "$sipcancel" --cost "$work/sipcancel.cost" \
		--workdir "$work/sipcancel" 2>&1) || rc=$?
	if [ "$rc" = 77 ]; then
		echo "sipcancel: skipped: $(tail -1 <<<"$out" | sed 's/^proxylab: //')"
	else
		if [ "$rc" != 0 ]; then
			tail -20 <<<"$out" >&2
			echo "peer-cost: sipcancel run failed (status $rc)" >&2
		fi
		stats=$(get stats_file "$work/sipcancel.cost" 2>/dev/null || true)
		ok=$(get ok_calls "$work/sipcancel.cost" 2>/dev/null || echo 0)
		# busy_cycles (app counter, lcore TSC cycles); a tsc_hz key if the app has one.
		vals=$(python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))
print(t["totals"].get("busy_cycles", ""), t.get("tsc_hz", t["totals"].get("tsc_hz", "")))' \
			"$stats" 2>/dev/null || true)
		read -r busy_cyc sc_hz <<<"$vals" || true
		[ -n "${sc_hz:-}" ] || sc_hz=$hz
		if [ -n "${busy_cyc:-}" ] && [ "${ok:-0}" -gt 0 ]; then
			sc_us=$(awk -v b="$busy_cyc" -v h="$sc_hz" -v n="$ok" \
				'BEGIN { printf "%.2f\n", b / h / n * 1e6 }')
			echo "sipcancel: $ok calls, busy $busy_cyc cycles; per call $sc_us us" \
				"= $((busy_cyc / ok)) cycles"
		else
			echo "sipcancel: no busy_cycles or no completed call (stats: ${stats:-none})"
		fi
	fi
fi

if [ "$sc_us" = n/a ]; then
	echo "cost_per_call_us kamailio $kam_us sipcancel n/a"
else
	ratio=n/a
	if [ "$kam_us" != n/a ]; then
		ratio=$(awk -v k="$kam_us" -v s="$sc_us" \
			'BEGIN { if (s > 0) printf "%.1f\n", k / s; else print "n/a" }')
	fi
	echo "cost_per_call_us kamailio $kam_us sipcancel $sc_us ratio $ratio"
fi
