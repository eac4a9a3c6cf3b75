# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# What the namespace labs share (scripts/lab.sh, scripts/proxylab.sh; the option
# parser and checks also for scripts/peer-cost.sh, the skip checks for
# tests/lab/run_lab.sh): messages, options, the run lock, network namespaces and veth
# pairs, processes started and stopped by pid, readiness by ARP, the work directory
# and the exit trap that undoes it all. Sourced, not run (shellcheck -x follows it):
#
#   . "$here/netns-lib.sh"
#   nl_tag=lab                                 # prefix of every message
#   nl_own "sc-uac, sc-sut" sc-uac sc-sut      # what --cleanup and the trap remove
#   nl_stop_hook() { nl_stop "$my_pid"; }      # the trap stops the caller's processes
#   nl_trap_exit
#
# The labs use only addresses of 198.18.0.0/15 (RFC 2544 benchmarking), only inside the
# namespaces they create. The exit trap also reads the caller's keep (1: --keep),
# status (0: the run passed), workdir and made_workdir (both set by nl_workdir).

nl_tag=${nl_tag:-lab}
nl_ns=()
nl_ns_desc=""
nl_keep_workdir=0
nl_pid=""
# The source tree (for the default sipcancel binary).
nl_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# say MSG...: a progress line, unless quiet=1 (--quiet).
say() { [ "${quiet:-0}" = 1 ] || echo "$nl_tag: $*"; }

# die MSG...: an error line on stderr, then exit 1 (the exit trap cleans up).
die() {
	echo "$nl_tag: $*" >&2
	exit 1
}

# skip MSG...: the lab cannot run here: say why, exit 77 (meson's "skipped").
skip() {
	echo "$nl_tag: skipped: $*"
	exit 77
}

# nl_options SPECS ARG...: sets the script's variables from its options ARG... as
# SPECS (whitespace separated) say: "--name=var" takes a value (var=VALUE),
# "--name=var=VALUE" is a flag. -h and --help run usage and exit 0; an unknown option
# exits 2, a missing or empty value 1.
nl_options() {
	local specs spec name var flag found
	read -r -d '' -a specs <<<"$1" || true
	shift
	while [ $# -gt 0 ]; do
		case "$1" in -h | --help) usage; exit 0 ;; esac
		found=0
		for spec in "${specs[@]}"; do
			name=${spec%%=*}
			[ "$1" = "$name" ] || continue
			var=${spec#*=}
			if [ "${var#*=}" != "$var" ]; then
				flag=${var#*=}
				printf -v "${var%%=*}" '%s' "$flag"
				shift
			else
				if [ -z "${2:-}" ]; then
					echo "$nl_tag: $1 wants a value" >&2
					exit 2
				fi
				printf -v "$var" '%s' "$2"
				shift 2
			fi
			found=1
			break
		done
		if [ "$found" = 0 ]; then
			echo "$nl_tag: unknown option '$1' (see --help)" >&2
			exit 2
		fi
	done
}

# nl_posint VAR...: each named variable holds a positive decimal integer, or exit 2
# naming its option (ring_delay is --ring-delay).
nl_posint() {
	local v
	for v in "$@"; do
		if ! [[ ${!v} =~ ^[0-9]+$ ]] || [ "${!v}" -eq 0 ]; then
			echo "$nl_tag: --${v//_/-} wants a positive integer" >&2
			exit 2
		fi
	done
}

# nl_lock NAME SECONDS: one run per NAME at a time on this machine (same namespace
# names, same EAL file prefix): waits up to SECONDS for NAME.lock in /run/lock (else
# /tmp), held on fd 9 until this shell exits; dies when another run keeps it.
nl_lock() {
	local dir=/run/lock
	[ -d "$dir" ] && [ -w "$dir" ] || dir=/tmp
	exec 9>"$dir/$1.lock"
	flock -w "$2" 9 || die "another $nl_tag run holds the lock for $(($2 / 60)) minutes"
}

# nl_netns_works PREFIX: 'ip netns add' works here (tried with PREFIX-probe-PID).
nl_netns_works() {
	local probe=$1-probe-$$
	ip netns add "$probe" 2>/dev/null || return 1
	ip netns del "$probe" 2>/dev/null || true
}

# nl_own DESC NS...: the namespaces of this lab, which --cleanup and the exit trap
# remove; DESC names them in messages.
nl_own() {
	nl_ns_desc=$1
	shift
	nl_ns=("$@")
}

# nl_ns_add NS...: new namespaces with lo up and IPv6 off: no DAD, router or MLD
# chatter reaching the app (the labs are IPv4).
nl_ns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 || true
		ip -n "$ns" link set lo up
	done
}

# nl_ns_del [NS...]: remove the namespaces (default: the lab's own) that exist; their
# veths and bridges go with them.
nl_ns_del() {
	local ns
	[ $# -gt 0 ] || set -- "${nl_ns[@]}"
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# nl_ns_kill SIGNAL: SIGNAL to every process in the lab's namespaces. They are ours:
# this run created them under its lock.
nl_ns_kill() {
	local ns pid
	for ns in "${nl_ns[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "-$1" "$pid" 2>/dev/null || true
		done
	done
}

# nl_remove_left: --cleanup: stop what a --keep run left in the lab's namespaces
# (SIGTERM, 1 s), then remove them.
nl_remove_left() {
	nl_ns_kill TERM
	sleep 1
	nl_ns_del
}

# nl_veth NS_A IF_A NS_B IF_B: a veth pair IF_A in NS_A <-> IF_B in NS_B (links down)
# with TX checksumming off at both ends. veth leaves UDP checksums for the NIC to fill
# (CHECKSUM_PARTIAL); a packet socket on the peer (sipcancel's net_af_packet) would
# read them unfinished and drop them as bad_udp_checksum. With TX checksumming off
# the kernel writes full checksums; sipcancel computes its own (af_packet has no
# checksum offload). Only a failure at IF_A, the end a host stack sends from, is told.
nl_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	if ! command -v ethtool >/dev/null; then
		say "warning: no ethtool; UDP checksums from $2 may be left unfinished"
		return 0
	fi
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null 2>&1 ||
		say "warning: ethtool -K $2 tx off failed"
	ip netns exec "$3" ethtool -K "$4" tx off >/dev/null 2>&1 || true
}

# nl_workdir NAME SCENARIOS [GLOB...]: $workdir (--workdir; else a new
# /tmp/sipcancel-NAME.XXXXXX and made_workdir=1) made absolute. A reused one loses the
# previous run's results, so none is read as ours: SCENARIO.* for each of the
# SCENARIOS (a list) and what matches the GLOBs.
nl_workdir() {
	local g s
	made_workdir=0
	if [ -z "${workdir:-}" ]; then
		workdir=$(mktemp -d "/tmp/sipcancel-$1.XXXXXX")
		made_workdir=1
	fi
	mkdir -p "$workdir"
	workdir=$(cd "$workdir" && pwd)
	for s in $2; do
		rm -f "$workdir/$s".*
	done
	shift 2
	for g in "$@"; do
		# shellcheck disable=SC2086 # a pattern
		rm -f "$workdir"/$g
	done
}

# nl_sipcancel_bin: $sipcancel (--sipcancel; else the tree's build/ binary) made an
# absolute path, or die.
nl_sipcancel_bin() {
	[ -n "${sipcancel:-}" ] || sipcancel=$nl_root/build/app/sipcancel/sipcancel
	[ -x "$sipcancel" ] || die "no sipcancel binary at $sipcancel (build it, or --sipcancel)"
	sipcancel=$(cd "$(dirname "$sipcancel")" && pwd)/$(basename "$sipcancel")
}

# nl_bg SECONDS NS LOG CMD...: CMD in NS in the background, in $workdir, for at most
# SECONDS (then SIGTERM, SIGKILL 5 s later: every process of a lab is bounded), its
# output to LOG. Sets nl_pid (timeout's pid: signals to it reach CMD).
nl_bg() {
	local t=$1 ns=$2 log=$3
	shift 3
	(cd "$workdir" && exec timeout -k 5 "$t" ip netns exec "$ns" "$@" >"$log" 2>&1) &
	# shellcheck disable=SC2034 # the caller's
	nl_pid=$!
}

# nl_telemetry PREFIX: the DPDK telemetry socket of a sipcancel run with EAL file
# prefix PREFIX (the EAL runtime directory of root).
nl_telemetry() { echo "/var/run/dpdk/$1/dpdk_telemetry.v2"; }

# nl_sipcancel_bg SECONDS NS LCORES DEVARGS PREFIX LOG APP_ARG...: $sipcancel under
# nl_bg on net_af_packet0 with DEVARGS (iface=...[,qpairs=N]), EAL --lcores LCORES, no
# hugepages or PCI, 512 MB, file prefix PREFIX; APP_ARGs after the '--'.
nl_sipcancel_bg() {
	local t=$1 ns=$2 lcores=$3 devargs=$4 prefix=$5 log=$6
	shift 6
	nl_bg "$t" "$ns" "$log" "$sipcancel" \
		--lcores "$lcores" --no-huge --no-pci -m 512 --file-prefix "$prefix" \
		--vdev "net_af_packet0,$devargs" --log-level=lib.eal:error -- "$@"
}

# nl_arp_poke NS IP: one UDP datagram from NS to IP's discard port, so the kernel
# resolves IP by ARP. sipcancel answers ARP itself and counts the datagram as a drop
# (net_drop_not_sip_port).
nl_arp_poke() {
	ip netns exec "$1" bash -c "echo -n probe >/dev/udp/$2/9" 2>/dev/null || true
}

# nl_arp_resolved NS IF IP [MAC]: NS has a live neighbour entry for IP on IF (with
# lladdr MAC, when given).
nl_arp_resolved() {
	ip -n "$1" neigh show "$3" dev "$2" |
		grep -q "lladdr ${4:+$4 }.*\(REACHABLE\|STALE\|DELAY\|PROBE\)"
}

# nl_udp_listening NS PORT [PATTERN]: a UDP socket listens on PORT in NS (its line
# matching PATTERN, e.g. the address).
nl_udp_listening() {
	ip netns exec "$1" ss -Hlun "sport = :$2" | grep -q "${3:-.}"
}

# nl_wait_ready PID LOG CHECK...: runs CHECK every 0.5 s, up to 60 times, while PID
# lives. Returns 0 once CHECK succeeds, 1 after 30 s without, 2 when PID has exited
# (its LOG's last 30 lines shown on stderr).
nl_wait_ready() {
	local pid=$1 log=$2 _
	shift 2
	for _ in $(seq 60); do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -30 "$log" >&2 || true
			return 2
		fi
		"$@" && return 0
		sleep 0.5
	done
	return 1
}

# nl_term_wait PID: SIGTERM to PID if it still runs; returns its exit status (for a
# clean stop that is part of passing: sipcancel writes its counters at exit).
nl_term_wait() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1"
}

# nl_stop_judged PID NAME LOG: nl_term_wait for a process whose clean stop is part of
# passing; when its status is not 0, says so with LOG's last 20 lines and returns 1.
nl_stop_judged() {
	local rc=0
	nl_term_wait "$1" || rc=$?
	[ "$rc" = 0 ] && return 0
	echo "$nl_tag: $2 exited with status $rc" >&2
	tail -20 "$3" >&2 || true
	return 1
}

# nl_stop PID...: for the exit trap: SIGTERM to each live PID (empty ones skipped), up
# to 5 s for it to end, then SIGKILL.
nl_stop() {
	local pid _
	for pid in "$@"; do
		if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
			continue
		fi
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
}

# nl_verdict DETAIL FAIL_TAG [FAILURE...]: the run's last line and exit: with no
# FAILURE, "PASS (DETAIL)", status=0 (so the trap drops the work directory) and exit
# 0; else "FAIL (FAIL_TAG): FAILURE..." (no parentheses for an empty FAIL_TAG) on
# stderr and exit 1.
nl_verdict() {
	local detail=$1 tag=$2
	shift 2
	if [ $# -eq 0 ]; then
		status=0
		echo "$nl_tag: PASS ($detail)"
		exit 0
	fi
	echo "$nl_tag: FAIL${tag:+ ($tag)}: $*" >&2
	exit 1
}

# nl_cleanup: the exit trap (nl_trap_exit). Stops the caller's processes by pid
# (nl_stop_hook), then, unless --keep, whatever is still in the lab's namespaces
# (SIGKILL: Kamailio's children, a child whose timeout was killed) and the namespaces;
# removes the work directory when this run made it and passed. Exits with the status
# the script was exiting with.
# shellcheck disable=SC2317 # run by the trap
nl_cleanup() {
	local rc=$?
	# Nothing here may stop the cleanup half way (a kill of a process that is gone).
	set +e
	trap - EXIT INT TERM HUP
	nl_stop_hook
	wait 2>/dev/null
	if [ "${keep:-0}" = 1 ]; then
		echo "$nl_tag: --keep: namespaces $nl_ns_desc left; logs in $workdir;" \
			"remove with: $0 --cleanup" >&2
	else
		nl_ns_kill KILL
		nl_ns_del
		if [ "${status:-1}" = 0 ] && [ "${made_workdir:-0}" = 1 ] &&
			[ "$nl_keep_workdir" = 0 ]; then
			rm -rf "$workdir"
		else
			echo "$nl_tag: logs kept in $workdir" >&2
		fi
	fi
	exit "$rc"
}

# nl_trap_exit: nl_cleanup on every exit: success, failure, SIGINT (exit 130, saying
# so), SIGTERM and SIGHUP (exit 143).
nl_trap_exit() {
	trap nl_cleanup EXIT
	trap 'echo "$nl_tag: interrupted" >&2; exit 130' INT
	trap 'exit 143' TERM HUP
}
