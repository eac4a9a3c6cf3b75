#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A profile-guided build (gcc -fprofile-generate, a training run, -fprofile-use) of
# sipcancel, its tools and the pipeline and parser benchmarks.
#
# usage: scripts/pgo-build.sh [BUILD_DIR]        (default: build-pgo)
#
# The training runs the real worker loop through bench_pipeline in its quick mode
# (both roles, IPv4 and IPv6, retransmissions, unmatched CANCELs; 200k pending
# instead of 1M) and the parser through bench_parse's quick mode. Traffic unlike these
# workloads gains less than bench_pipeline shows (README, "Performance").
# gcc only (clang's -fprofile-use needs a merged .profdata). DIR/.pgo-ok is written
# last, so its presence means the profile-guided binaries are complete.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${1:-build-pgo}
targets=(
	app/sipcancel/sipcancel
	app/tools/sipcancel-gen
	app/tools/sipcancel-parse
	bench/pipeline/bench_pipeline
	bench/parse/bench_parse
)

rm -rf "$dir"
echo "pgo-build: instrumented build in $dir"
CC=gcc meson setup "$dir" -Dtests=false -Db_pgo=generate >/dev/null
ninja -C "$dir" "${targets[@]}" >/dev/null

echo "pgo-build: training (bench_pipeline and bench_parse, quick mode)"
SC_BENCH_QUICK=1 "$dir/bench/pipeline/bench_pipeline" \
	--gen "$dir/app/tools/sipcancel-gen" >"$dir/pgo-train-pipeline.txt" 2>&1
SC_BENCH_QUICK=1 "$dir/bench/parse/bench_parse" >"$dir/pgo-train-parse.txt" 2>&1

echo "pgo-build: optimised build"
# Code the training never ran has no profile: expected, not an error.
meson configure "$dir" -Db_pgo=use -Dc_args=-Wno-missing-profile >/dev/null
ninja -C "$dir" "${targets[@]}" >/dev/null
touch "$dir/.pgo-ok"
echo "pgo-build: done: $dir/app/sipcancel/sipcancel"
