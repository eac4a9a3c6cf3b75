#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# CPU cost per cancelled call: the same "cancel" scenario of scripts/proxylab.sh
# (INVITE, 180, CANCEL, 200 + 487, ACK; RFC 3261 9.1, 16.10) at the same rate through
# Kamailio (the reference proxy) and through sipcancel in the proxy role.
#   Kamailio:  utime + stime of all its processes (/proc/PID/stat) over the run,
#              in seconds and in cycles at the TSC frequency, per completed call.
#   sipcancel: the busy_cycles counter of its --stats-file (TSC of the polling loops
#              that found work, each from its own start, the driver's RX/TX included;
#              idle polling is not counted) less busy_long_cycles (iterations over
#              500 us: the worker was preempted on the shared CPU, which Kamailio's
#              CPU time does not count either), per completed call.
# The last line: cost_per_call_us kamailio X sipcancel Y ratio Z (or sipcancel n/a).
# Needs root (network namespaces); exits 77 when proxylab cannot run here.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=SCRIPTDIR/netns-lib.sh
. "$here/netns-lib.sh"
nl_tag=peer-cost

rate=200
calls=2000
runs=3
sipcancel=$root/build/app/sipcancel/sipcancel
keep_logs=0

usage() {
	cat <<USAGE
Usage: $0 [--rate R] [--calls N] [--runs K] [--sipcancel PATH] [--keep-logs] [--help]

Runs N (--calls, default $calls) cancelled calls at R/s (--rate, default $rate)
through Kamailio and through sipcancel's proxy role (skipped with a line saying so
when the binary has none), K times each (--runs, default $runs, alternating), then
prints each proxy's CPU cost per cancelled call per run and the medians.
Each run takes about N/R seconds plus start-up; keep the rate modest on a shared
machine. --keep-logs keeps the proxylab work directories.
USAGE
}

nl_options "--rate=rate --calls=calls --runs=runs --sipcancel=sipcancel
	--keep-logs=keep_logs=1" "$@"
nl_posint calls rate runs

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

echo "peer-cost: $calls cancelled calls at $rate/s per proxy and run, $runs run(s)," \
	"TSC $((hz / 1000000)) MHz"

# proxylab_run PROXY I [OPTION...]: run I of proxylab's "cancel" scenario through
# PROXY, its --cost file $work/PROXY.I.cost; sets out (what it printed) and rc.
proxylab_run() {
	local proxy=$1 i=$2
	shift 2
	rc=0
	out=$("$here/proxylab.sh" --proxy "$proxy" --scenario cancel --calls "$calls" \
		--rate "$rate" --quiet --cost "$work/$proxy.$i.cost" \
		--workdir "$work/$proxy.$i" "$@" 2>&1) || rc=$?
}

# run_kamailio I: one run; prints its line and sets kam_us (per call, or empty).
run_kamailio() {
	local rc out ok ticks tck sns kam_s kam_cyc sched_us cost=$work/kamailio.$1.cost
	kam_us=""
	proxylab_run kamailio "$1"
	if [ "$rc" = 77 ]; then
		echo "peer-cost: skipped: $(tail -1 <<<"$out" | sed 's/^proxylab: //')"
		exit 77
	fi
	if [ "$rc" != 0 ]; then
		tail -20 <<<"$out" >&2
		echo "peer-cost: kamailio run $1 failed (status $rc);" \
			"only completed calls count" >&2
	fi
	ok=$(get ok_calls "$cost" 2>/dev/null || echo 0)
	if [ "${ok:-0}" -eq 0 ]; then
		echo "kamailio run $1: no completed call"
		return 0
	fi
	ticks=$(get ticks "$cost")
	tck=$(get clk_tck "$cost")
	sns=$(get sched_ns "$cost")
	read -r kam_s kam_cyc kam_us sched_us < <(awk -v t="$ticks" -v c="$tck" -v n="$ok" \
		-v hz="$hz" -v ns="$sns" 'BEGIN { s = t / c;
		printf "%.3f %.0f %.2f %.2f\n", s, s * hz, s / n * 1e6, ns / 1e3 / n }')
	echo "kamailio run $1: $ok calls, cpu $kam_s s (utime+stime, $ticks ticks of 1/$tck s)" \
		"= $kam_cyc cycles; per call $kam_us us = $((kam_cyc / ok)) cycles" \
		"(schedstat: $sched_us us)"
}

# run_sipcancel I: one run; prints its line and sets sc_us (per call, or empty);
# sc_skip is set when the binary has no proxy role.
run_sipcancel() {
	local rc out ok stats vals busy_cyc proc_cyc sc_hz cost=$work/sipcancel.$1.cost
	sc_us=""
	proxylab_run sipcancel "$1" --sipcancel "$sipcancel"
	if [ "$rc" = 77 ]; then
		sc_skip="$(tail -1 <<<"$out" | sed 's/^proxylab: //')"
		echo "sipcancel: skipped: $sc_skip"
		return 0
	fi
	if [ "$rc" != 0 ]; then
		tail -20 <<<"$out" >&2
		echo "peer-cost: sipcancel run $1 failed (status $rc)" >&2
	fi
	stats=$(get stats_file "$cost" 2>/dev/null || true)
	ok=$(get ok_calls "$cost" 2>/dev/null || echo 0)
	# busy_cycles less busy_long_cycles, proc_cycles (app counters, TSC cycles); tsc_hz
	# if the app has one.
	vals=$(python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))
c = t["totals"]
b = c.get("busy_cycles")
print("" if b is None else b - c.get("busy_long_cycles", 0), c.get("busy_long_cycles", 0),
      c.get("proc_cycles", 0), t.get("tsc_hz", c.get("tsc_hz", "")))' \
		"$stats" 2>/dev/null || true)
	read -r busy_cyc long_cyc proc_cyc sc_hz <<<"$vals" || true
	[ -n "${sc_hz:-}" ] || sc_hz=$hz
	if [ -z "${busy_cyc:-}" ] || [ "${ok:-0}" -eq 0 ]; then
		echo "sipcancel run $1: no busy_cycles or no completed call (stats: ${stats:-none})"
		return 0
	fi
	sc_us=$(awk -v b="$busy_cyc" -v h="$sc_hz" -v n="$ok" \
		'BEGIN { printf "%.2f\n", b / h / n * 1e6 }')
	# proc_cycles: the part of busy_cycles outside the driver's RX and TX (af_packet's
	# syscalls), shown for reference.
	echo "sipcancel run $1: $ok calls, busy $busy_cyc cycles (preempted iterations" \
		"left out: $long_cyc); per call $sc_us us = $((busy_cyc / ok)) cycles" \
		"(classify/parse/RFC logic alone: $((proc_cyc / ok)))"
}

median() { tr ' ' '\n' | awk 'NF { v[++n] = $1 } END {
	if (n == 0) { print "n/a"; exit }
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	if (n % 2) print v[(n + 1) / 2]; else printf "%.2f\n", (v[n / 2] + v[n / 2 + 1]) / 2 }'; }

# Runs alternate between the proxies so drift in the machine's load hits both alike.
kam_all=""
sc_all=""
sc_skip=""
for i in $(seq "$runs"); do
	run_kamailio "$i"
	kam_all="$kam_all ${kam_us}"
	if [ -z "$sc_skip" ]; then
		if [ ! -x "$sipcancel" ]; then
			sc_skip="no binary at $sipcancel"
			echo "sipcancel: skipped: $sc_skip"
		else
			run_sipcancel "$i"
			sc_all="$sc_all ${sc_us}"
		fi
	fi
done
kam_med=$(median <<<"$kam_all")
sc_med=$(median <<<"$sc_all")
echo "medians over $runs run(s): kamailio $kam_med us, sipcancel $sc_med us per cancelled call"
if [ "$sc_med" = n/a ]; then
	echo "cost_per_call_us kamailio $kam_med sipcancel n/a"
else
	ratio=n/a
	if [ "$kam_med" != n/a ]; then
		ratio=$(awk -v k="$kam_med" -v s="$sc_med" \
			'BEGIN { if (s > 0) printf "%.1f\n", k / s; else print "n/a" }')
	fi
	echo "cost_per_call_us kamailio $kam_med sipcancel $sc_med ratio $ratio"
fi
