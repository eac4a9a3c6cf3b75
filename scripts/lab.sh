#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The sipcancel lab test bed: two network namespaces joined by a veth pair, sipcancel
# on one end through net_af_packet, SIPp as the UAC on the other end, running the
# CANCEL scenarios of scripts/sipp/. Exits 0 only if every scenario passed: SIPp's
# exit status 0, every call successful, no failed call, no stray late message.
#
#   [ns sc-uac]  SIPp UAC  198.18.0.1/24 on sc-uac0
#                      | veth
#   [ns sc-sut]  sc-sut0 (no IP) <- net_af_packet <- sipcancel, answers for 198.18.0.2
#
# Only addresses of 198.18.0.0/15 (RFC 2544 benchmarking), only inside the namespaces
# this script creates; a trap removes them and stops every process it started, on
# success, failure or Ctrl-C (unless --keep). Runs are serialised with a lock file.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=SCRIPTDIR/netns-lib.sh
. "$here/netns-lib.sh"
nl_tag=lab

usage() {
	cat <<EOF
Usage: $0 [options]

Runs the SIPp CANCEL scenarios against sipcancel (uas role) in network namespaces
and prints a summary. Needs root, iproute2 with 'ip netns', sipp, python3.

Options:
  --calls N          calls per scenario (default $calls)
  --rate R           calls per second SIPp starts (default $rate)
  --scenario NAME    after180, retrans, unmatched, before180, afterfinal, a comma
                     list, or all (default all)
  --lcores MAP       EAL --lcores for sipcancel, main lcore first (default $lcores);
                     one af_packet queue pair per worker lcore; more lcores than
                     CPUs: e.g. '0@0,1@1,2@1'
  --transport T      SIPp's UDP mode: u1 one socket for all calls (default), un one
                     socket (source port) per call, which spreads calls over queues
  --ring-delay MS    sipcancel's delay from 100 to 180 (default $ring_delay) for all
                     but afterfinal; it must stay well above a round trip for
                     before180 to hold
  --sipcancel PATH   the sipcancel binary (default: build/app/sipcancel/sipcancel)
  --sut KIND         sipcancel (default) or mock: a kernel-socket stand-in
                     (tests/lab/mock_uas.py) that proves the plumbing and scenarios
  --mock-fault F     with --sut mock: no487, ring-now, wrong481, changed-repeat,
                     487-after-final or no-rport breaks one rule on purpose (the lab
                     must then fail)
  --workdir DIR      where logs and SIPp traces go (default: a new /tmp directory,
                     removed after a passing run unless --keep)
  --capture          record every frame on the UAC veth end into WORKDIR/lab.pcapng
                     (dumpcap; implies keeping the work directory)
  --keep             leave the namespaces and the work directory for debugging (the
                     processes are stopped all the same); remove them later with:
                     $0 --cleanup
  --cleanup          remove the lab namespaces left by --keep, then exit
  --strict           the SHOULD-level header check (9.2: the CANCEL's 200 has the
                     INVITE's To tag) fails the run instead of printing a warning
  --quiet            print only the summary and errors
  --help             this text

Environment: SC_LAB_PREFIX (default "sc") prefixes namespace and interface names;
SC_STRICT_3581=0 reports responses without Via rport/received (RFC 3581 section 4)
as a warning instead of a failure.
EOF
}

calls=20
rate=50
scenarios=all
lcores=0,1
transport=u1
ring_delay=1000
sipcancel=""
sut=sipcancel
mock_fault=none
workdir=""
keep=0
capture=0
quiet=0
strict=0
cleanup_only=0

nl_options "--calls=calls --rate=rate --scenario=scenarios --lcores=lcores
	--transport=transport --ring-delay=ring_delay --sipcancel=sipcancel --sut=sut
	--workdir=workdir --mock-fault=mock_fault --keep=keep=1 --capture=capture=1
	--cleanup=cleanup_only=1 --quiet=quiet=1 --strict=strict=1" "$@"

all_scenarios="after180 retrans unmatched before180 afterfinal"
[ "$scenarios" = all ] && scenarios=$all_scenarios
scenarios=${scenarios//,/ }
for s in $scenarios; do
	[ -f "$here/sipp/uac_$s.xml" ] || { echo "lab: no scenario '$s'" >&2; exit 2; }
done
nl_posint calls rate ring_delay
case "$transport" in u1 | un) ;; *) echo "lab: --transport u1|un" >&2; exit 2 ;; esac
case "$sut" in sipcancel | mock) ;; *) echo "lab: --sut sipcancel|mock" >&2; exit 2 ;; esac

# Names and addresses (198.18.0.0/15 only).
prefix=${SC_LAB_PREFIX:-sc}
ns_uac=$prefix-uac
ns_sut=$prefix-sut
if_uac=$prefix-uac0
if_sut=$prefix-sut0
uac_ip=198.18.0.1
sut_ip=198.18.0.2
net_len=24
sip_port=5060
uac_port=5062
file_prefix=lab

export LAB_QUIET=$quiet LAB_STRICT=$strict LAB_UAC_IP=$uac_ip
# With one SIPp socket the source port of every request is known; with one per call
# only "a port" can be checked.
if [ "$transport" = u1 ]; then export LAB_UAC_PORT=$uac_port; else export LAB_UAC_PORT=; fi

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
command -v ip >/dev/null || die "ip (iproute2) not found"

nl_own "$ns_uac, $ns_sut" "$ns_uac" "$ns_sut"
# One lab at a time on this machine: same names, same file prefix.
nl_lock sipcancel-lab 900

if [ "$cleanup_only" = 1 ]; then
	nl_remove_left
	echo "lab: removed namespaces $ns_uac and $ns_sut (if they existed)"
	exit 0
fi

command -v sipp >/dev/null || die "sipp not found (Debian package sip-tester; scripts/setup.sh)"
command -v python3 >/dev/null || die "python3 not found"
nl_netns_works "$prefix" || die "'ip netns' does not work here"

if [ "$sut" = sipcancel ]; then
	nl_sipcancel_bin
fi

nl_workdir lab "$all_scenarios" 'sipcancel-*.log' 'sipcancel-*.json' 'mock-*.log'

sut_pid=""
sipp_pid=""
cap_pid=""
status=1

# Stop what we started (by pid); nl_cleanup then removes the namespaces, on every exit.
# shellcheck disable=SC2317 # run by nl_cleanup
nl_stop_hook() { nl_stop "$sipp_pid" "$cap_pid" "$sut_pid"; }
# A capture is what the run was for: its work directory stays.
nl_keep_workdir=$capture
nl_trap_exit

# --- topology ---------------------------------------------------------------------
# Stale namespaces of a killed run (we hold the lock, so nobody else uses them).
nl_ns_del
say "namespaces $ns_uac ($uac_ip) and $ns_sut ($sut_ip), veth $if_uac <-> $if_sut"
nl_ns_add "$ns_uac" "$ns_sut"
nl_veth "$ns_uac" "$if_uac" "$ns_sut" "$if_sut"
ip -n "$ns_uac" addr add "$uac_ip/$net_len" dev "$if_uac"
if [ "$sut" = mock ]; then
	ip -n "$ns_sut" addr add "$sut_ip/$net_len" dev "$if_sut"
fi
ip -n "$ns_uac" link set "$if_uac" up
ip -n "$ns_sut" link set "$if_sut" up
sut_mac=$(ip -n "$ns_sut" -o link show "$if_sut" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)

if [ "$capture" = 1 ]; then
	command -v dumpcap >/dev/null || die "--capture needs dumpcap (wireshark-common)"
	nl_bg 3600 "$ns_uac" "$workdir/dumpcap.log" dumpcap -q -i "$if_uac" \
		-w "$workdir/lab.pcapng"
	cap_pid=$nl_pid
	say "capturing $if_uac into $workdir/lab.pcapng"
fi

# --- the system under test ----------------------------------------------------------
# Bounds: every process runs under timeout(1); SIPp has -m, -r, -timeout too.
# EAL --lcores syntax: elements "lcores[@cpus]" split by commas outside parentheses;
# lcores is N, N-M or a parenthesised list of those. Workers = lcores - the main one.
n_lc=$(python3 - "$lcores" <<'PY'
import re, sys
ids = set()
for elem in re.split(r",(?![^()]*\))", sys.argv[1]):
    for part in elem.split("@")[0].strip("()").split(","):
        a, _, b = part.partition("-")
        if a.strip().isdigit():
            ids.update(range(int(a), int(b or a) + 1))
print(len(ids))
PY
)
workers=$((n_lc > 1 ? n_lc - 1 : 1))
n_sc=$(wc -w <<<"$scenarios")
per_scenario_s=$((calls / rate + ring_delay / 1000 + 30))
budget_s=$((n_sc * (per_scenario_s + 15) + 60))

# Scenarios need one of two UAS behaviours, so the SUT runs once per profile:
#   ring   100, 180 after --ring-delay, no final: ringing until CANCEL
#   final  100, 180 after 50 ms, 486 Busy Here 200 ms after the INVITE
profile_of() { [ "$1" = afterfinal ] && echo final || echo ring; }
profile_args() {
	case "$1" in
	ring) echo "--ring-delay $ring_delay" ;;
	final) echo "--ring-delay 50 --final-code 486 --final-delay 200" ;;
	esac
}
# Ring scenarios first, then the final one: one restart at most.
ordered=""
for p in ring final; do
	for s in $scenarios; do
		[ "$(profile_of "$s")" = "$p" ] && ordered="$ordered $s"
	done
done
scenarios=${ordered# }
stats_files=""

# sipcancel's counters through its telemetry socket (EAL runtime dir of the prefix).
telemetry_sock=$(nl_telemetry "$file_prefix")
snap() {
	[ "$sut" = sipcancel ] || return 0
	python3 "$here/sipp/lab_summary.py" snapshot "$telemetry_sock" "$1" ||
		echo "lab: no counter snapshot $1" >&2
}

start_sut() { # $1: profile
	local profile=$1 args
	args=$(profile_args "$profile")
	# A fresh ARP resolution is the readiness signal, also after a restart.
	ip -n "$ns_uac" neigh flush dev "$if_uac" 2>/dev/null || true
	sut_log=$workdir/$sut-$profile.log
	if [ "$sut" = sipcancel ]; then
		stats_file=$workdir/sipcancel-$profile.json
		stats_files="$stats_files${stats_files:+,}$stats_file"
		say "sipcancel ($profile: $args): lcores $lcores, $workers queue pair(s)"
		# shellcheck disable=SC2086 # $args is a list of options
		nl_sipcancel_bg "$budget_s" "$ns_sut" "$lcores" "iface=$if_sut,qpairs=$workers" \
			"$file_prefix" "$sut_log" \
			--role uas --local-ip "$sut_ip" --sip-port "$sip_port" $args \
			--stats-file "$stats_file"
	else
		say "mock UAS (kernel socket) on $sut_ip:$sip_port ($profile: $args)"
		# shellcheck disable=SC2086
		nl_bg "$budget_s" "$ns_sut" "$sut_log" \
			python3 "$root/tests/lab/mock_uas.py" --ip "$sut_ip" --port "$sip_port" \
			$args --fault "$mock_fault" --exit-idle $((budget_s * 1000))
	fi
	sut_pid=$nl_pid

	# Ready when $sut_ip resolves from the UAC side: sipcancel answers ARP itself.
	local rc=0
	nl_wait_ready "$sut_pid" "$sut_log" sut_ready || rc=$?
	[ "$rc" != 2 ] || die "$sut exited during start-up (log: $sut_log)"
	if [ "$rc" != 0 ]; then
		tail -30 "$sut_log" >&2 || true
		die "$sut did not answer ARP for $sut_ip within 30 s"
	fi
	say "$sut_ip is at $sut_mac: $sut is up"
}

# One poll of start_sut: the mock says "ready" and $sut_ip resolves to $sut_mac. The
# poke is answered by the next poll, 0.5 s on.
# shellcheck disable=SC2317 # run by nl_wait_ready
sut_ready() {
	nl_arp_poke "$ns_uac" "$sut_ip"
	if [ "$sut" = mock ] && ! grep -q ready "$sut_log"; then
		return 1
	fi
	nl_arp_resolved "$ns_uac" "$if_uac" "$sut_ip" "$sut_mac"
}

# Stop the SUT so it writes its counters; a clean stop is part of passing.
stop_sut() {
	nl_stop_judged "$sut_pid" "$sut" "$sut_log" || failed+=("$sut-status")
	sut_pid=""
}

# --- scenarios ----------------------------------------------------------------------
failed=()
limit=$((rate * (ring_delay / 1000 + 2) + 100))
profile=""
for s in $scenarios; do
	if [ "$(profile_of "$s")" != "$profile" ]; then
		[ -n "$profile" ] && stop_sut
		profile=$(profile_of "$s")
		start_sut "$profile"
	fi
	say "scenario $s: $calls calls at $rate/s"
	snap "$workdir/$s.before.json"
	rc=0
	nl_bg $((per_scenario_s + 10)) "$ns_uac" "$s.sipp.out" \
		sipp -sf "$here/sipp/uac_$s.xml" -s service \
		-t "$transport" -max_socket 1000 -i "$uac_ip" -p "$uac_port" "$sut_ip:$sip_port" \
		-m "$calls" -r "$rate" -l "$limit" \
		-timeout "${per_scenario_s}s" -timeout_error \
		-recv_timeout $((ring_delay + 8000)) -default_behaviors all,-bye \
		-nostdin -trace_err -error_file "$s.errors.log" \
		-trace_stat -stf "$s.stat.csv" \
		-trace_shortmsg -shortmessage_file "$s.short.log" \
		-trace_msg -message_file "$s.messages.log" \
		-trace_screen -screen_file "$s.screen.log"
	sipp_pid=$nl_pid
	wait "$sipp_pid" || rc=$?
	sipp_pid=""
	echo "$rc" >"$workdir/$s.rc"
	if ! python3 "$here/sipp/lab_summary.py" check "$workdir" "$s" "$calls"; then
		failed+=("$s")
		if [ "$quiet" != 1 ] && [ -f "$workdir/$s.errors.log" ]; then
			tail -5 "$workdir/$s.errors.log"
			echo
		fi
	elif [ "$sut" = sipcancel ]; then
		# Let anything still due land first: for before180 a wrongly armed 180 fires
		# one ring delay after its INVITE.
		if [ "$s" = before180 ]; then
			sleep "$(awk "BEGIN { print $ring_delay / 1000 + 0.5 }")"
		else
			sleep 0.3
		fi
		snap "$workdir/$s.after.json"
		python3 "$here/sipp/lab_summary.py" appcheck "$workdir" "$s" "$calls" ||
			failed+=("$s-counters")
	fi
	kill -0 "$sut_pid" 2>/dev/null || { failed+=("$sut-exited"); break; }
done

stop_sut
if [ -n "$cap_pid" ]; then
	sleep 0.2
	nl_term_wait "$cap_pid" 2>/dev/null || true
	cap_pid=""
	echo "lab: capture: $workdir/lab.pcapng"
fi

# shellcheck disable=SC2086 # a list of names
python3 "$here/sipp/lab_summary.py" summary "$workdir" "$calls" "$rate" "$sut" \
	"${stats_files:-none}" $scenarios || failed+=("summary")

nl_verdict "$n_sc scenarios, $calls calls each" "" "${failed[@]}"
