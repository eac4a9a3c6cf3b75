#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The three-party proxy lab: SIPp UAC -> proxy -> SIPp UAS, in network namespaces on
# one Linux bridge, running the CANCEL scenarios of scripts/sipp-proxy/ through
# Kamailio (the reference proxy), through sipcancel in the proxy role, through a
# chain of both (sipcancel+kamailio, kamailio+sipcancel: first hop named first), or
# straight from UAC to UAS (direct: proves the scenarios themselves). Exits 0 only if
# every call of every scenario succeeded on both SIPp ends and, with sipcancel, its
# counters for each scenario equal the calls SIPp counted.
#
#   [ns scp-uac]  SIPp UAC     198.19.0.1/24 scp-uac0  --+
#   [ns scp-mid]  proxy        198.19.0.2/24 scp-mid0  --+-- bridge scp-br0 in [ns scp-sw]
#   [ns scp-mid2] second proxy 198.19.0.4/24 scp-mid20 --+   (chains only)
#   [ns scp-uas]  SIPp UAS     198.19.0.3/24 scp-uas0  --+
#
# With --routed the UAS is off-link, behind a Linux router:
#   [ns scp-rtr]  router       198.19.0.254/24 scp-rtr0 (bridge), 198.19.1.254/24 scp-rtr1
#   [ns scp-uas]  SIPp UAS     198.19.1.3/24 scp-uas0, default route via 198.19.1.254
# sipcancel reaches it with --local-ip 198.19.0.x/24 --gateway 198.19.0.254; the
# kernel-stack namespaces on the bridge get a route to 198.19.1.0/24 via the router.
#
# For sipcancel, its veth has no kernel address: sipcancel owns its address through
# net_af_packet, answers ARP itself and resolves the next hop with ARP.
# Only addresses of 198.19.0.0/23 (inside 198.18.0.0/15, RFC 2544 benchmarking), only
# inside the namespaces this script creates; a trap stops every process it started
# (by pid) and removes the namespaces on success, failure or Ctrl-C (unless --keep).
# Separate names, addresses, lock and EAL file prefix from scripts/lab.sh, so both
# labs can run on one machine one after the other.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/netns-lib.sh
. "$here/netns-lib.sh"
nl_tag=proxylab
scen_dir=$here/sipp-proxy

all_scenarios="cancel slow busy answer_race"

usage() {
	cat <<EOF
Usage: $0 [options]

Runs SIPp UAC -> proxy -> SIPp UAS CANCEL scenarios in network namespaces and
prints per scenario: calls, successful, failed (UAC and UAS) and the proxy's
counters. Needs root, iproute2 with 'ip netns', sipp, python3; kamailio for
--proxy kamailio.

Options:
  --proxy P          kamailio (default), sipcancel (its proxy role; exits 77 when
                     the binary has none yet), sipcancel+kamailio (UAC -> sipcancel
                     198.19.0.2 -> Kamailio 198.19.0.4 -> UAS), kamailio+sipcancel
                     (UAC -> Kamailio 198.19.0.2 -> sipcancel 198.19.0.4 -> UAS) or
                     direct (UAC straight to UAS)
  --scenario NAME    a comma list of: $all_scenarios; or all (default)
                       cancel       UAS rings, UAC cancels: 200 (CANCEL) + 487, ACK
                       slow         UAS silent ${slow_ms} ms before 180; the UAC cancels
                                    on the proxy's 100, the proxy holds its CANCEL
                                    until the 180 (9.1)
                       busy         UAS answers 486; ACK hop by hop (17.1.1.3)
                       answer_race  UAS answers 200 as the CANCEL arrives: 200 for
                                    both, no 487, then ACK and BYE
  --calls N          calls per scenario (default $calls)
  --rate R           calls per second (default $rate)
  --sipcancel PATH   sipcancel binary (default build/app/sipcancel/sipcancel)
  --routed           the UAS behind a Linux router on 198.19.1.0/24: sipcancel
                     gets --gateway 198.19.0.254 (and its /24), the others a
                     route; with sipcancel the run also passes only if it sent
                     through the gateway and no resolution failed
  --neigh-reachable MS  sipcancel's --neigh-reachable; the run then also passes
                     only if sipcancel probed its neighbours with unicast ARP
                     and every probe was answered (none forgotten, none failed)
  --kamailio-fault F a deliberate fault in the Kamailio config (the lab must then
                     fail): cancel-at-once or no-downstream-cancel
  --cost FILE        write the proxy's CPU use over the run to FILE (for
                     scripts/peer-cost.sh)
  --workdir DIR      logs and SIPp traces (default: a new /tmp directory, removed
                     after a passing run unless --keep)
  --keep             leave namespaces, processes and logs; later: $0 --cleanup
  --cleanup          remove namespaces left by --keep (stops their processes), exit
  --quiet            print only the summary and errors
  --help             this text

Exit: 0 every call passed, 1 a failure, 2 bad option, 77 cannot run here (not
root, no 'ip netns', no kamailio, or no sipcancel proxy role).
EOF
}

proxy=kamailio
scenarios=all
calls=20
rate=20
sipcancel=""
cost_file=""
kam_fault=""
workdir=""
keep=0
cleanup_only=0
quiet=0
slow_ms=400
neigh_reachable=""
routed=0

nl_options "--proxy=proxy --scenario=scenarios --calls=calls --rate=rate
	--sipcancel=sipcancel --neigh-reachable=neigh_reachable --routed=routed=1 --cost=cost_file
	--kamailio-fault=kam_fault --workdir=workdir
	--keep=keep=1 --cleanup=cleanup_only=1 --quiet=quiet=1" "$@"

case "$proxy" in
kamailio | sipcancel | direct | sipcancel+kamailio | kamailio+sipcancel) ;;
*)
	echo "proxylab: --proxy kamailio|sipcancel|sipcancel+kamailio|kamailio+sipcancel|direct" >&2
	exit 2
	;;
esac
kam_defs=()
case "$kam_fault" in
"") ;;
cancel-at-once) kam_defs=(-A FAULT_CANCEL_AT_ONCE) ;;
no-downstream-cancel) kam_defs=(-A FAULT_NO_DOWNSTREAM_CANCEL) ;;
*) echo "proxylab: --kamailio-fault cancel-at-once|no-downstream-cancel" >&2; exit 2 ;;
esac

# Names and addresses (198.19.0.0/23 only).
ns_sw=scp-sw
ns_rtr=scp-rtr
ns_uac=scp-uac
ns_mid=scp-mid
ns_uas=scp-uas
ns_mid2=scp-mid2
bridge=scp-br0
uac_ip=198.19.0.1
mid_ip=198.19.0.2
uas_ip=198.19.0.3
mid2_ip=198.19.0.4
net_len=24
rtr_ip=198.19.0.254
routed_net=198.19.1.0/24
rtr_ip1=198.19.1.254
[ "$routed" = 0 ] || uas_ip=198.19.1.3
sip_port=5060
uac_port=5062
file_prefix=proxylab

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null || skip "no ip (iproute2)"

nl_own "scp-*" "$ns_uac" "$ns_mid" "$ns_mid2" "$ns_uas" "$ns_sw" "$ns_rtr"
# One proxy lab at a time on this machine: same names, same file prefix.
nl_lock sipcancel-proxylab 600

if [ "$cleanup_only" = 1 ]; then
	nl_remove_left
	echo "proxylab: removed namespaces scp-* (if they existed)"
	exit 0
fi

[ "$scenarios" = all ] && scenarios=$all_scenarios
scenarios=${scenarios//,/ }
# The UAS side of scenario "cancel" is uas_ring.xml; the others share the name.
uas_xml() {
	if [ "$1" = cancel ]; then
		echo "$scen_dir/uas_ring.xml"
	else
		echo "$scen_dir/uas_$1.xml"
	fi
}
for s in $scenarios; do
	if ! [ -f "$scen_dir/uac_$s.xml" ] || ! [ -f "$(uas_xml "$s")" ]; then
		echo "proxylab: no scenario '$s'" >&2
		exit 2
	fi
done
nl_posint calls rate
command -v sipp >/dev/null || skip "sipp not found (Debian sip-tester; scripts/setup.sh)"
command -v python3 >/dev/null || skip "python3 not found"
nl_netns_works scp || skip "'ip netns add' does not work here"

# Where each proxy runs: its namespace, veth, address and next hop. The first hop of
# a chain is in scp-mid (the UAC's target), the second in scp-mid2 (the UAS's peer).
kam_ns="" sc_ns=""
case "$proxy" in
kamailio) kam_ns=$ns_mid kam_ip=$mid_ip kam_next=$uas_ip ;;
sipcancel) sc_ns=$ns_mid sc_ip=$mid_ip sc_next=$uas_ip ;;
sipcancel+kamailio)
	sc_ns=$ns_mid sc_ip=$mid_ip sc_next=$mid2_ip
	kam_ns=$ns_mid2 kam_ip=$mid2_ip kam_next=$uas_ip
	;;
kamailio+sipcancel)
	kam_ns=$ns_mid kam_ip=$mid_ip kam_next=$mid2_ip
	sc_ns=$ns_mid2 sc_ip=$mid2_ip sc_next=$uas_ip
	;;
esac
roles="uac mid uas"
case "$proxy" in *+*) roles="uac mid mid2 uas" ;; esac
# On the bridge: every role, but with --routed the UAS, whose place the router takes.
bridged=$roles
[ "$routed" = 0 ] || bridged="${roles% uas} rtr"

if [ -n "$kam_ns" ]; then
	command -v kamailio >/dev/null || skip "kamailio not found (scripts/setup.sh)"
fi
if [ -n "$sc_ns" ]; then
	nl_sipcancel_bin
	# The proxy role is there when --help offers it with a next hop and does not call
	# it unimplemented (issue 5).
	help=$("$sipcancel" -- --help 2>&1 || true)
	if ! grep -q -- '--next-hop' <<<"$help" || grep -qi 'not implemented' <<<"$help"; then
		echo "proxylab: sipcancel proxy role not available"
		exit 77
	fi
fi

nl_workdir proxylab "$all_scenarios" 'proxy.*' 'kamailio.*' 'sipcancel.*'

kam_pid=""
sc_pid=""
uas_pid=""
uac_pid=""
status=1

# Stop what we started (by pid); nl_cleanup then stops Kamailio's children and
# anything else left in our namespaces and removes them, on every exit.
# shellcheck disable=SC2317 # run by nl_cleanup
nl_stop_hook() { nl_stop "$uac_pid" "$uas_pid" "$kam_pid" "$sc_pid"; }
nl_trap_exit

# --- topology ---------------------------------------------------------------------
# Stale namespaces of a killed run (we hold the lock, so nobody else uses them).
nl_ns_del
say "bridge $bridge in $ns_sw; $ns_uac $uac_ip, $ns_mid $mid_ip ($proxy), $ns_uas $uas_ip"
[ "$roles" = "uac mid uas" ] || say "second proxy in $ns_mid2 $mid2_ip"
[ "$routed" = 0 ] || say "router $ns_rtr $rtr_ip to $routed_net"
# shellcheck disable=SC2046 # one name per role
nl_ns_add "$ns_sw" $(for role in $roles; do echo "scp-$role"; done) \
	$([ "$routed" = 0 ] || echo "$ns_rtr")
ip -n "$ns_sw" link add "$bridge" type bridge
# No STP listening delay: ports forward at once.
ip -n "$ns_sw" link set "$bridge" type bridge stp_state 0 forward_delay 0 2>/dev/null || true
ip -n "$ns_sw" link set "$bridge" up
for role in $bridged; do
	nl_veth "scp-$role" "scp-${role}0" "$ns_sw" "scp-$role-br"
	ip -n "$ns_sw" link set "scp-$role-br" master "$bridge"
	ip -n "$ns_sw" link set "scp-$role-br" up
done
ip -n "$ns_uac" addr add "$uac_ip/$net_len" dev scp-uac0
# Kamailio uses the kernel's UDP; sipcancel's veth stays without an address.
if [ -n "$kam_ns" ]; then
	ip -n "$kam_ns" addr add "$kam_ip/$net_len" dev "${kam_ns}0"
fi
for role in $bridged; do
	ip -n "scp-$role" link set "scp-$role"0 up
done
if [ "$routed" = 0 ]; then
	ip -n "$ns_uas" addr add "$uas_ip/$net_len" dev scp-uas0
else
	nl_veth "$ns_rtr" scp-rtr1 "$ns_uas" scp-uas0
	ip -n "$ns_rtr" addr add "$rtr_ip/$net_len" dev scp-rtr0
	ip -n "$ns_rtr" addr add "$rtr_ip1/24" dev scp-rtr1
	ip -n "$ns_rtr" link set scp-rtr1 up
	ip netns exec "$ns_rtr" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$ns_uas" addr add "$uas_ip/24" dev scp-uas0
	ip -n "$ns_uas" link set scp-uas0 up
	ip -n "$ns_uas" route add default via "$rtr_ip1"
	# The kernel stacks on the bridge reach the UAS's net through the router.
	for ns in "$ns_uac" $kam_ns; do
		ip -n "$ns" route add "$routed_net" via "$rtr_ip"
	done
fi

# --- bounds ---------------------------------------------------------------------------
n_sc=$(wc -w <<<"$scenarios")
per_scenario_s=$((calls / rate + 20))
budget_s=$((n_sc * (per_scenario_s + 15) + 30))
limit=$((rate * 3 + 50))

# --- the proxies ----------------------------------------------------------------------
target_ip=$mid_ip
kam_ctl=$workdir/kamailio_ctl
stats_file=$workdir/sipcancel.stats.json
# DPDK's telemetry socket of the sipcancel run (EAL runtime dir of root).
sc_tel=$(nl_telemetry "$file_prefix")
if [ "$proxy" = direct ]; then
	target_ip=$uas_ip
	say "direct: UAC -> UAS, no proxy"
fi
if [ -n "$kam_ns" ]; then
	say "kamailio $(kamailio -v 2>/dev/null | head -1 | cut -d' ' -f3) on $kam_ip:$sip_port," \
		"next hop $kam_next:$sip_port"
	# -DD: stay in the foreground (still forking the worker children), -E: log to
	# stderr. Own pid file, working dir and control socket: no system service needed.
	nl_bg "$budget_s" "$kam_ns" "$workdir/kamailio.log" kamailio -DD -E \
		-f "$here/kamailio/proxy.cfg" -P "$workdir/kamailio.pid" -w "$workdir" \
		-Y "$workdir" -m 64 -M 8 \
		-A "LISTEN_ADDR=udp:$kam_ip:$sip_port" \
		-A "NEXT_HOP=\"sip:$kam_next:$sip_port\"" \
		-A "CTL_SOCK=\"unix:$kam_ctl\"" "${kam_defs[@]}"
	kam_pid=$nl_pid
fi
if [ -n "$sc_ns" ]; then
	say "sipcancel proxy: $sipcancel on $sc_ip:$sip_port, next hop $sc_next:$sip_port"
	rm -f "$sc_tel"
	sc_extra=()
	[ -z "$neigh_reachable" ] || sc_extra=(--neigh-reachable "$neigh_reachable")
	sc_local=$sc_ip
	if [ "$routed" = 1 ]; then
		sc_local=$sc_ip/$net_len
		sc_extra+=(--gateway "$rtr_ip")
	fi
	nl_sipcancel_bg "$budget_s" "$sc_ns" 0,1 "iface=${sc_ns}0" "$file_prefix" \
		"$workdir/sipcancel.log" \
		--role proxy --local-ip "$sc_local" --sip-port "$sip_port" \
		--next-hop "$sc_next:$sip_port" --stats-file "$stats_file" "${sc_extra[@]}"
	sc_pid=$nl_pid
fi

# Ready when the proxy answers: Kamailio's UDP socket (an OPTIONS gets a reply from
# sl), sipcancel's ARP for its address (it answers ARP itself) and its telemetry.
# shellcheck disable=SC2317 # run by nl_wait_ready
proxy_ready() {
	case "$1" in
	kamailio)
		[ -S "$kam_ctl" ] && nl_udp_listening "$kam_ns" "$sip_port" "$kam_ip"
		;;
	sipcancel)
		nl_arp_poke "$ns_uac" "$sc_ip"
		nl_arp_resolved "$ns_uac" scp-uac0 "$sc_ip" && [ -S "$sc_tel" ]
		;;
	esac
}
for p in kamailio sipcancel; do
	if [ "$p" = kamailio ]; then pid=$kam_pid; else pid=$sc_pid; fi
	[ -n "$pid" ] || continue
	rc=0
	nl_wait_ready "$pid" "$workdir/$p.log" proxy_ready "$p" || rc=$?
	if [ "$rc" = 2 ]; then
		if [ "$p" = sipcancel ] && grep -qi 'not implemented' "$workdir/sipcancel.log"; then
			echo "proxylab: sipcancel proxy role not available"
			status=0
			exit 77
		fi
		die "$p exited during start-up (log: $workdir/$p.log)"
	fi
	[ "$rc" = 0 ] || die "$p not ready within 30 s (log: $workdir/$p.log)"
	say "$p is up"
done

kam_stats() {
	# Not while measuring CPU (--cost): each RPC costs the proxy's ctl process time.
	[ -n "$kam_ns" ] && [ -z "$cost_file" ] || return 0
	# Core counters ("group:name = value") and tm's own ("name: value", as tm:name).
	{
		ip netns exec "$kam_ns" timeout 5 kamcmd -s "unix:$kam_ctl" \
			stats.get_statistics all &&
			ip netns exec "$kam_ns" timeout 5 kamcmd -s "unix:$kam_ctl" tm.stats |
			sed -n 's/^[[:space:]]*\([0-9a-z_]*\): \([0-9]*\)$/tm:\1 = \2/p'
	} >"$1" 2>/dev/null || echo "proxylab: no kamcmd statistics" >&2
}

# sipcancel's counters now (DPDK telemetry), for the per-scenario agreement check.
sc_stats() {
	[ -n "$sc_ns" ] || return 0
	python3 "$scen_dir/proxylab_summary.py" telemetry "$sc_tel" "$1" || true
}

# CPU time of every process in the proxies' namespaces (Kamailio's main process and
# all its children; sipcancel): "TICKS NS", utime + stime in clock ticks from
# /proc/PID/stat, and the scheduler's on-CPU nanoseconds from /proc/PID/schedstat
# (finer than a tick, 0 when the kernel has no schedstat).
proxy_cpu() {
	local pid ticks=0 ns=0 t n
	for pid in $(ip netns pids "$ns_mid" 2>/dev/null) \
		$(ip netns pids "$ns_mid2" 2>/dev/null); do
		# Fields 14 and 15 of /proc/PID/stat, counted after the ')' of the name.
		t=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		n=$(awk '{ print $1 }' "/proc/$pid/schedstat" 2>/dev/null)
		ticks=$((ticks + ${t:-0}))
		ns=$((ns + ${n:-0}))
	done
	echo "$ticks $ns"
}

# --- scenarios ------------------------------------------------------------------------
# Full message traces only for debugging (--keep): they cost SIPp time and disk.
trace=()
[ "$keep" = 1 ] && trace=(-trace_msg)

# sipp_bg SIDE NS IP PORT XML [ARG...]: SIPp as SIDE (uac, uas) of scenario $s on
# IP:PORT in NS, in the background, bounded by -m CALLS and timeouts; its output and
# traces (errors, statistics, short messages, with --keep full ones) in
# $workdir/$s.SIDE.*. Sets nl_pid.
sipp_bg() {
	local side=$1 ns=$2 ip=$3 port=$4 xml=$5
	shift 5
	nl_bg $((per_scenario_s + 10)) "$ns" "$s.$side.out" sipp -sf "$xml" \
		-i "$ip" -p "$port" -m "$calls" \
		-timeout "${per_scenario_s}s" -timeout_error -nostdin \
		-trace_err -error_file "$s.$side.errors.log" \
		-trace_stat -stf "$s.$side.stat.csv" -fd 1 \
		-trace_shortmsg -shortmessage_file "$s.$side.short.log" \
		"${trace[@]}" -message_file "$s.$side.msg.log" "$@"
}
failed=()
read -r ticks_before ns_before < <(proxy_cpu)
t_before=$(date +%s.%N)
for s in $scenarios; do
	say "scenario $s: $calls calls at $rate/s"
	kam_stats "$workdir/$s.kam-before.txt"
	sc_stats "$workdir/$s.sc-before.json"
	# UAS first (it must be listening before the first INVITE), bounded by -m and
	# timeout; it leaves after its CALLS calls.
	sipp_bg uas "$ns_uas" "$uas_ip" "$sip_port" "$(uas_xml "$s")"
	uas_pid=$nl_pid
	for _ in $(seq 50); do
		nl_udp_listening "$ns_uas" "$sip_port" && break
		sleep 0.1
	done
	rc_uac=0
	sipp_bg uac "$ns_uac" "$uac_ip" "$uac_port" "$scen_dir/uac_$s.xml" \
		-s service -r "$rate" -l "$limit" -recv_timeout 8000 "$target_ip:$sip_port"
	uac_pid=$nl_pid
	wait "$uac_pid" || rc_uac=$?
	uac_pid=""
	# A failed UAC leaves the UAS waiting for calls that never come: a short grace for
	# its last messages, then stop it (its statistics are written on SIGTERM).
	if [ "$rc_uac" != 0 ]; then
		sleep 1
		kill -TERM "$uas_pid" 2>/dev/null || true
	fi
	rc_uas=0
	wait "$uas_pid" || rc_uas=$?
	uas_pid=""
	echo "$rc_uac" >"$workdir/$s.uac.rc"
	echo "$rc_uas" >"$workdir/$s.uas.rc"
	# Absorbed retransmissions and the proxy's last ACKs land before the snapshot.
	sleep 0.3
	kam_stats "$workdir/$s.kam-after.txt"
	sc_stats "$workdir/$s.sc-after.json"
	sc_ok=0
	if [ -n "$sc_ns" ]; then
		python3 "$scen_dir/proxylab_summary.py" sccheck "$workdir" "$s" \
			"$([ "$sc_ns" = "$ns_mid" ] && echo 1 || echo 0)" || sc_ok=1
	fi
	if ! python3 "$scen_dir/proxylab_summary.py" check "$workdir" "$s" "$calls" ||
		[ "$sc_ok" != 0 ]; then
		failed+=("$s")
		if [ "$quiet" != 1 ]; then
			tail -5 "$workdir/$s".ua?.errors.log 2>/dev/null || true
		fi
	fi
	if [ -n "$kam_pid" ] && ! kill -0 "$kam_pid" 2>/dev/null; then
		failed+=("kamailio-exited")
		break
	fi
	if [ -n "$sc_pid" ] && ! kill -0 "$sc_pid" 2>/dev/null; then
		failed+=("sipcancel-exited")
		break
	fi
done
read -r ticks_after ns_after < <(proxy_cpu)
t_after=$(date +%s.%N)

# Stop the proxy (sipcancel writes its stats file at exit); a clean stop is part of
# passing for sipcancel. Kamailio ends on SIGTERM with its own status: not judged.
if [ -n "$kam_pid" ]; then
	nl_term_wait "$kam_pid" || true
	kam_pid=""
fi
if [ -n "$sc_pid" ]; then
	nl_stop_judged "$sc_pid" sipcancel "$workdir/sipcancel.log" || failed+=("sipcancel-status")
	sc_pid=""
fi

# shellcheck disable=SC2086 # a list of names
python3 "$scen_dir/proxylab_summary.py" summary "$workdir" "$calls" "$rate" "$proxy" \
	"$stats_file" $scenarios || failed+=("summary")
if [ -n "$sc_ns" ] && [ -n "$neigh_reachable" ]; then
	# Linux neighbours must answer the unicast probes (RFC 1122 2.3.2.1).
	python3 "$scen_dir/proxylab_summary.py" probes "$stats_file" || failed+=("probes")
fi
# (Only where sipcancel is the UAS's peer: in front of Kamailio it has no off-link hop.)
if [ -n "$sc_ns" ] && [ "$routed" = 1 ] && [ "$sc_next" = "$uas_ip" ]; then
	python3 "$scen_dir/proxylab_summary.py" routed "$stats_file" || failed+=("routed")
fi

if [ -n "$cost_file" ]; then
	# shellcheck disable=SC2086 # a list of names
	ok=$(python3 "$scen_dir/proxylab_summary.py" okcalls "$workdir" $scenarios)
	# CLK_TCK: the unit of utime/stime in /proc/PID/stat.
	echo "proxy=$proxy ok_calls=$ok ticks=$((ticks_after - ticks_before))" \
		"sched_ns=$((ns_after - ns_before))" \
		"clk_tck=$(getconf CLK_TCK) wall_s=$(awk "BEGIN { print $t_after - $t_before }")" \
		"stats_file=$stats_file" >"$cost_file"
fi

nl_verdict "$proxy, $n_sc scenario(s), $calls calls each" "$proxy" "${failed[@]}"
