#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Where the worker's cycles go in one pipeline workload, and only there: runs
# bench_pipeline under `perf record -k mono` with SC_PIPE_WINDOWS=1 and cuts the
# profile to the measured runs of that workload (perf report --time). A whole-run
# profile also holds the 1M-transaction prefill (cold record writes, page faults),
# the baselines and the latency runs, which skew the shares.
#
# Shares are of the worker's samples without its idle poll (loop_main). The machine
# has no PMU, so this is cpu-clock sampling: an instruction that waits for memory
# carries the samples, not the load that missed.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 [--build DIR] [--workload NAME] [--top N] [--keep FILE] [--freq HZ]
  --build DIR      meson build directory (default: build)
  --workload NAME  uas-v4 (default), uas-v6, retrans-storm-v4, unmatched-cancel-v4
                   or proxy-v4; one worker, software checksums
  --top N          symbols to print (default 30)
  --keep FILE      keep perf.data as FILE (default: a temporary file, removed)
  --freq HZ        cpu-clock sampling rate (default 20000: the window is short)
Needs perf (Debian: linux-perf) and permission to sample (root, or
kernel.perf_event_paranoid <= 1).
EOF
}

build=build
workload=uas-v4
top=30
keep=
freq=20000
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--workload) workload=$2; shift 2 ;;
	--top) top=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--freq) freq=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
case "$workload" in
uas-v4|uas-v6|retrans-storm-v4|unmatched-cancel-v4) role=uas ;;
proxy-v4) role=proxy ;;
*) echo "$0: unknown workload '$workload'" >&2; usage >&2; exit 2 ;;
esac
command -v perf >/dev/null || {
	echo "$0: perf not found (apt-get install linux-perf)" >&2; exit 1; }
bench=$build/bench/pipeline/bench_pipeline
gen=$build/app/tools/sipcancel-gen
[ -x "$bench" ] && [ -x "$gen" ] || {
	echo "$0: build $bench and $gen first (ninja -C $build)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=${keep:-$tmp/perf.data}

SC_PIPE_ONLY=$role SC_PIPE_WINDOWS=1 perf record -q -k mono -e cpu-clock -F "$freq" \
	-o "$data" "$bench" --gen "$gen" >"$tmp/bench.log" 2>&1 || {
	tail -20 "$tmp/bench.log" >&2; exit 1; }

window=$(grep -E "^window mode=pipe workload=$workload cores=1 checksums=sw " "$tmp/bench.log" |
	head -1) || true
[ -n "$window" ] || { echo "$0: no measured window for $workload in the run" >&2; exit 1; }
start=${window##*start=}; start=${start%% *}
end=${window##*end=}
grep -E "^pipeline workload=$workload cores=1 mpps" "$tmp/bench.log" |
	grep -oE "workload=[^ ]+|cycles_per_pkt=[0-9.]+" | tr '\n' ' '
echo "window=${start},${end}"

# perf report --time (perf 6.1) was seen to drop the largest symbol of a window, so
# the samples are cut here from perf script's timestamps.
perf script -i "$data" --comm rte-worker-1 -F time,ip,sym,dso 2>/dev/null >"$tmp/samples" || true
python3 - "$tmp/samples" "$top" "$start" "$end" <<'PY'
import os, re, sys
t0, t1 = float(sys.argv[3]), float(sys.argv[4])
line_re = re.compile(r'^\s*([0-9.]+):\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$')
count = {}
for line in open(sys.argv[1]):
    mt = line_re.match(line)
    if mt is None or not t0 <= float(mt.group(1)) <= t1:
        continue
    sym, dso = mt.group(2), os.path.basename(mt.group(3))
    count[(dso, sym)] = count.get((dso, sym), 0) + 1
busy = [(n, dso, sym) for (dso, sym), n in count.items()
        if sym not in ('loop_main', 'stall_main')]
tot = sum(r[0] for r in busy)
if tot == 0:
    sys.exit("no worker samples in the window")
# Library symbols without a symbol table (librte_hash) are summed per library.
agg = {}
for pct, dso, sym in busy:
    key = dso + ' (all)' if sym == '[unknown]' or sym.startswith('0x') else sym
    agg[key] = agg.get(key, 0) + pct
print("%-40s %6s" % ("symbol (worker, idle poll excluded)", "share"))
for key, pct in sorted(agg.items(), key=lambda kv: -kv[1])[:int(sys.argv[2])]:
    print("%-40s %5.1f%%" % (key, 100 * pct / tot))
# The README's areas; the first pattern that matches a symbol (or library) wins.
areas = [
    ('sc_sip_parse (parser)',
     r'^(parse_|sip_|skip_lws|sc_sip_parse|sc_sip_branch_is)'),
    ('RX: loop, first touch, classify, ring driver',
     r'^(sc_worker_iterate|sc_net_classify|decap_udp|add_sip|sc_net_hdr_len|sc_net_is_local|'
     r'sc_worker_clock|sc_worker_tsc|sc_net_frag_drain|rte_ip_frag|sc_txn_quiescent)|'
     r'net_ring|ethdev|mempool'),
    ('table: key build, XXH3, rte_hash, records',
     r'^(sc_txn_|xxh3|server_key|kb_|rte_hash)|librte_hash'),
    ('TX: sink, encap, spares',
     r'^(sc_worker_sink_send|encap_frame|sc_net_encap|top_up_spares|run_batch|'
     r'sc_net_response_path|sc_worker_path_source|stamp_tx|sc_cancel_emit|sc_cancel_count_tx)'),
    ('message building (responses, forwards)',
     r'^(sc_sip_build|put_|sc_sip_fmt|sc_net_ip_fmt|sc_cancel_new_tag|sc_cancel_stateless_tag|'
     r'build_forward|build_strip|make_via|memcpy|__mem|reason_of)|libc'),
    ('checksums', r'^(sum_avx2|copy_avx2|sc_net_cksum|phdr6_sum|l4_cksum_ok)'),
    ('lib/cancel RFC logic (UAS, proxy)',
     r'^(uas_|sc_cancel_|respond_rec|invite_retrans|reconcile|px_|sc_px|sc_proxy_|fwd_|'
     r'sent_invite|send_|relay_|path_to|block_field|nb_slot|sc_net_path_init)'),
    ('timer wheel', r'^sc_timer'),
]
import re
share = {a: 0.0 for a, _ in areas}
share['other'] = 0.0
for key, pct in agg.items():
    for a, rx in areas:
        if re.search(rx, key):
            share[a] += pct
            break
    else:
        share['other'] += pct
print()
print("%-46s %6s" % ("area", "share"))
for a in [a for a, _ in areas] + ['other']:
    print("%-46s %5.1f%%" % (a, 100 * share[a] / tot))
print("worker samples in the window: %d" % tot)
PY
