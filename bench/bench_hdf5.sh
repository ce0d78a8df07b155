#!/usr/bin/env bash
# HDF5 write benchmark (docs/performance.md): the output's write throughput against the raw
# sequential write speed of the same disk, for several deflate levels.
# Usage: bench/bench_hdf5.sh [BUILD_DIR] [REPLICATES]   (default build/release, 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
reps=${2:-1000}
bin=$build/sim/powershift
dir=$(mktemp -d "${TMPDIR:-/tmp}/ps-bench-hdf5.XXXXXX")
trap 'rm -rf "$dir"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); disk: $(df -h "$dir" | tail -1 | awk '{print $1, $2}')"
# Raw sequential write of 512 MiB with fdatasync, three times.
raw=$(for i in 1 2 3; do
  dd if=/dev/zero of="$dir/raw" bs=1M count=512 conv=fdatasync 2>&1 | awk '/copied/ {print $(NF-1) * ($NF == "GB/s" ? 1000 : 1)}'
done | median)
echo "raw sequential write: ${raw} MB/s (dd, 512 MiB, fdatasync, median of 3)"

common=(run --replicates "$reps" --threads "$(nproc)" -q)
engine=$(for i in 1 2 3; do seconds "$bin" "${common[@]}" --no-output; done | median)
echo "engine only (--no-output): ${engine} s for $reps replicates"
for level in 0 1 4 6 9; do
  t=$(for i in 1 2 3; do seconds "$bin" "${common[@]}" --deflate "$level" --force -o "$dir/out.h5" && sync; done | median)
  size=$(stat -c %s "$dir/out.h5")
  raw_bytes=$(python3 -c "
import h5py
with h5py.File('$dir/out.h5') as f:
    print(sum(f[k].size * f[k].dtype.itemsize for k in f if hasattr(f[k], 'dtype')))")
  write=$(echo "$t - $engine" | bc -l)
  rate=$(echo "$raw_bytes / 1000000 / ($write > 0.001 ? $write : 0.001)" | bc -l 2>/dev/null || echo 0)
  printf 'deflate %d: %.2f s total, %.2f s over the engine, file %.1f MB (data %.1f MB), %.0f MB/s of data written = %.0f%% of raw\n' \
    "$level" "$t" "$write" "$(echo "$size/1000000" | bc -l)" "$(echo "$raw_bytes/1000000" | bc -l)" \
    "$(python3 -c "print($raw_bytes/1e6/max($write,1e-3))")" "$(python3 -c "print(100*$raw_bytes/1e6/max($write,1e-3)/$raw)")"
done
