#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Set up, build and pass every test: the README's test command, and what CI runs.
#   1. release build: unit, app (EAL on virtual devices) and lab (namespaces) suites
#   2. address+undefined sanitizer build: unit and app suites
#   3. libFuzzer harnesses for a bounded time each (FUZZ_SECONDS, default 45)
#   4. every benchmark once in its quick mode, so none of them rots
#   5. the profile-guided build (scripts/pgo-build.sh): its sipcancel through a set
#      of the app suite's pcap cases, its pipeline benchmark once in quick mode
# Ends with one line "N passed, N failed" over all stages.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
FUZZ_SECONDS=${FUZZ_SECONDS:-45}
jobs=$(nproc)

# Each stage's wall time, so that the whole stays within CI's budget.
stage_name="set-up (scripts/setup.sh)"
stage_t=$SECONDS
stage() { # $1: the next stage's name ("" at the end): the last one's time, then $1
	echo "== $stage_name: $((SECONDS - stage_t)) s"
	stage_name=$1
	stage_t=$SECONDS
	[ -z "$1" ] || echo "== $1"
}

scripts/setup.sh

passed=0
failed=0
tally() { # $1: meson build dir, $2: log base; adds the results of that meson test run
	local log="$1/meson-logs/${2:-testlog}.json"
	[ -f "$log" ] || return 0
	local p f
	p=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(sum(1 for x in r if x["result"] in ("OK","EXPECTEDFAIL")))' "$log")
	f=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(sum(1 for x in r if x["result"] not in ("OK","EXPECTEDFAIL","SKIP")))' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
}

check() { # $1: label, $2: log file, rest: the command; counts it as one test
	local label=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		return 0
	fi
	echo "$label: FAILED"
	tail -40 "$log"
	failed=$((failed + 1))
	status=1
	return 1
}

configure() { # $1: dir, rest: options
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

status=0

stage "release build and tests"
configure build
ninja -C build -j "$jobs"
meson test -C build --no-rebuild --print-errorlogs --num-processes "$jobs" || status=1
tally build

stage "sanitizer build (address, undefined) and tests"
configure build-asan -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
	-Db_lundef=false -Dbenchmarks=false
ninja -C build-asan -j "$jobs"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	LSAN_OPTIONS=suppressions="$root/tests/lsan.supp":print_suppressions=0 \
	meson test -C build-asan --no-rebuild --print-errorlogs --num-processes "$jobs" \
	--suite unit --suite app || status=1
tally build-asan

stage "fuzzing, ${FUZZ_SECONDS}s per harness"
CC=clang configure build-fuzz -Dbuildtype=debugoptimized -Dfuzz=true -Dtests=false \
	-Dbenchmarks=false -Db_lundef=false
ninja -C build-fuzz -j "$jobs"
for harness in build-fuzz/fuzz/fuzz_*; do
	[ -f "$harness" ] && [ -x "$harness" ] || continue
	name=$(basename "$harness")
	corpus="build-fuzz/fuzz/corpus-$name"
	mkdir -p "$corpus"
	# Per-harness fuzz/<name>.dict and fuzz/seeds-<name>/ when present, else SIP's.
	dict="$root/fuzz/$name.dict"
	[ -f "$dict" ] || dict="$root/fuzz/sip.dict"
	seeds="$root/fuzz/seeds-$name"
	[ -d "$seeds" ] || seeds="$root/fuzz/seeds"
	if check "fuzz $name" "build-fuzz/fuzz/$name.log" "$harness" \
		-max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -dict="$dict" \
		"$corpus" "$seeds"; then
		echo "fuzz $name: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' \
			"build-fuzz/fuzz/$name.log" | grep -o '[0-9]*$') runs)"
	fi
done

stage "benchmarks, quick mode"
SC_BENCH_QUICK=1 meson test -C build --no-rebuild --benchmark --print-errorlogs \
	--num-processes 1 --logbase benchlog || status=1
tally build benchlog

stage "profile-guided build and checks"
pgo_case() { # $1: name; rest: the command
	local name=$1
	shift
	if check "pgo $name" "build/pgo-$name.log" "$@"; then
		echo "pgo $name: ok"
	fi
}
pgo_case build scripts/pgo-build.sh build-pgo
if [ -f build-pgo/.pgo-ok ]; then
	for c in full-v4-novlan-w1 full-v6-vlan-w1 malformed-w1 gen-retrans-v4-w1 \
		proxy-v4 proxy-gen-cancel-v6; do
		pgo_case "app-$c" env SC_TEST_DATA="$root/tests/data" PYTHONDONTWRITEBYTECODE=1 \
			python3 tests/app/run.py build-pgo/app/sipcancel/sipcancel "$c" \
			build-pgo/app/tools/sipcancel-gen
	done
	pgo_case bench_pipeline env SC_BENCH_QUICK=1 build-pgo/bench/pipeline/bench_pipeline \
		--gen build-pgo/app/tools/sipcancel-gen
fi

# The EAL test binaries fork one process per Criterion test, each with its own
# --file-prefix; EAL leaves their runtime directories behind. Remove ours.
find /var/run/dpdk -maxdepth 1 -name 'sc_*' -exec rm -rf {} + 2>/dev/null || true

stage ""
echo "== all stages: $SECONDS s"
echo "tests: $passed passed, $failed failed"
exit $status
