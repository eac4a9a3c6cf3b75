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
usage: $0 [--build DIR] [--workload NAME] [--top N] [--keep FILE]
  --build DIR      meson build directory (default: build)
  --workload NAME  uas-v4 (default), uas-v6, retrans-storm-v4, unmatched-cancel-v4
                   or proxy-v4; one worker, software checksums
  --top N          symbols to print (default 30)
  --keep FILE      keep perf.data as FILE (default: a temporary file, removed)
Needs perf (Debian: linux-perf) and permission to sample (root, or
kernel.perf_event_paranoid <= 1).
EOF
}

build=build
workload=uas-v4
top=30
keep=
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--workload) workload=$2; shift 2 ;;
	--top) top=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
case "$workload" in
uas-v4|uas-v6|retrans-storm-v4|unmatched-cancel-v4) role=uas ;;
proxy-v4) role=proxy ;;
*) echo "$0: unknown workload '$workload'" >&2; usage >&2; exit 2 ;;
esac
command -v perf >/dev/null || { echo "$0: perf not found (apt-get install linux-perf)" >&2; exit 1; }
bench=$build/bench/pipeline/bench_pipeline
gen=$build/app/tools/sipcancel-gen
[ -x "$bench" ] && [ -x "$gen" ] || {
	echo "$0: build $bench and $gen first (ninja -C $build)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=${keep:-$tmp/perf.data}

SC_PIPE_ONLY=$role SC_PIPE_WINDOWS=1 perf record -q -k mono -e cpu-clock -F 4000 \
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

perf report -i "$data" --time "$start,$end" --no-children --comm rte-worker-1 \
	--sort dso,symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' >"$tmp/rows" || true
python3 - "$tmp/rows" "$top" <<'PY'
import sys
rows = []
for line in open(sys.argv[1]):
    f = line.split()
    pct, dso, sym = float(f[0].rstrip('%')), f[1], f[3] if len(f) > 3 else '?'
    rows.append((pct, dso, sym))
busy = [r for r in rows if r[2] not in ('loop_main', 'stall_main')]
tot = sum(r[0] for r in busy)
if tot == 0:
    sys.exit("no worker samples in the window")
# Library symbols without a symbol table (librte_hash) are summed per library.
agg = {}
for pct, dso, sym in busy:
    key = dso + ' (all)' if sym.startswith('0x') else sym
    agg[key] = agg.get(key, 0) + pct
print("%-40s %6s" % ("symbol (worker, idle poll excluded)", "share"))
for key, pct in sorted(agg.items(), key=lambda kv: -kv[1])[:int(sys.argv[2])]:
    print("%-40s %5.1f%%" % (key, 100 * pct / tot))
PY
