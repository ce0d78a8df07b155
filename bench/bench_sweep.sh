#!/usr/bin/env bash
# Sweep benchmark (docs/performance.md): the grid half of the worked study (60 Syria members of
# 4 replicates, 365 steps, control recorded every 5 days) as a sweep, against one ensemble of
# the same 240 replicates, at 1 and all threads. The difference is what a member costs beyond
# its replicates: loading and composing the scenario, building the World, creating and
# committing its file and marker. Medians of 3.
# Usage: bench/bench_sweep.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
bin=$build/sim/powershift
spec=scenarios/sweeps/drawdown-pace-scope-grid.yaml
dir=$(mktemp -d "${TMPDIR:-/tmp}/ps-bench-sweep.XXXXXX")
trap 'rm -rf "$dir"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
members=$("$bin" sweep expand "$spec" 2>/dev/null | tail -n +2 | wc -l)
for threads in 1 "$(nproc)"; do
  sweep=$(for i in 1 2 3; do rm -rf "$dir/s"; seconds "$bin" sweep run "$spec" --dir "$dir/s" --threads "$threads" -q; done | median)
  ensemble=$(for i in 1 2 3; do
    seconds "$bin" run scenarios/syria-us-withdrawal.yaml --set 'events[2].scope=0' --replicates 240 --interval 5 \
      --fields control --threads "$threads" -q --force -o "$dir/e.h5"; done | median)
  printf '%d thread(s): sweep of %d members %.2f s, one ensemble of the same 240 replicates %.2f s; ratio %.2f, %.1f ms per member beyond its replicates\n' \
    "$threads" "$members" "$sweep" "$ensemble" "$(echo "$sweep / $ensemble" | bc -l)" \
    "$(echo "($sweep - $ensemble) * 1000 / $members * $threads" | bc -l)"
done
rm -rf "$dir/s"
merge=$(for i in 1 2 3; do
  [ -d "$dir/m" ] || "$bin" sweep run "$spec" --dir "$dir/m" -q >/dev/null 2>&1
  seconds "$bin" sweep merge "$spec" --dir "$dir/m" --force; done | median)
printf 'merge of %d members: %.2f s (file %.1f MB)\n' "$members" "$merge" \
  "$(echo "$(stat -c %s "$dir/m/drawdown-pace-scope-grid.h5") / 1000000" | bc -l)"
