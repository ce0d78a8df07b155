#!/usr/bin/env bash
# Fuzz smoke run of the scenario loader (and, for a third of the time, the sweep spec loader):
# builds the `fuzz` preset (clang, libFuzzer, ASan, UBSan)
# and runs tests/fuzz/fuzz_loader for SECONDS (default 60) on a copy of the seed corpus
# (tests/fuzz/corpus plus the bundled scenarios/**/*.yaml as they are now).
#
# Exits non-zero on any finding (crash, sanitizer report, leak, timeout over 10 s, memory over
# 2 GiB or a single allocation over 512 MiB, or an exception other than ScenarioError escaping
# the loader), and copies the reproducer to build/fuzz/findings/ (outside the tree; to keep one,
# move it to tests/fuzz/findings/). -malloc_limit_mb=512 makes runaway allocation fail fast:
# past the RSS limit libFuzzer first prints an ASan heap profile, which can take minutes.
#
# Usage: tests/fuzz/run_smoke.sh [SECONDS [LIBFUZZER_ARGS...]]
#   e.g. POWERSHIFT_FUZZ_SKIP_KNOWN=1 tests/fuzz/run_smoke.sh 600 -fork=1 -ignore_timeouts=1 \
#          -ignore_ooms=1 -ignore_crashes=1      (explore past known findings; see fuzz_loader.cpp)
set -euo pipefail
seconds="${1:-60}"
shift || true
case "$seconds" in
  ''|*[!0-9]*) echo "run_smoke.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."
root="$PWD"

if ! command -v /usr/bin/clang++ >/dev/null 2>&1; then
  echo "run_smoke.sh: /usr/bin/clang++ not found; the fuzzer needs clang with libFuzzer" \
       "(Debian: apt-get install clang)" >&2
  exit 2
fi

echo "=== fuzz: configure and build"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
fuzzer="$root/build/fuzz/tests/fuzz/fuzz_loader"

work="$(mktemp -d "${TMPDIR:-/tmp}/powershift-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp "$root"/tests/fuzz/corpus/* "$work/corpus/"
find "$root/scenarios" -name '*.yaml' -type f | while read -r f; do
  rel="${f#"$root"/scenarios/}"
  cp "$f" "$work/corpus/scenario-${rel//\//-}"
done

echo "=== fuzz: ${seconds}s on $(ls "$work/corpus" | wc -l) seed inputs"
status=0
(
  cd "$work"
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$fuzzer" "$work/corpus" \
      -dict="$root/tests/fuzz/scenario.dict" \
      -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb=512 \
      -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@"
) || status=$?

if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  mkdir -p "$root/build/fuzz/findings"
  cp "$work"/artifacts/* "$root/build/fuzz/findings/" 2>/dev/null || true
  echo "=== fuzz: FINDING (libFuzzer exit $status); reproducers in build/fuzz/findings/:" >&2
  ls -l "$root/build/fuzz/findings/" >&2 || true
  echo "    reproduce with: $fuzzer build/fuzz/findings/<file>" >&2
  [ "$status" -ne 0 ] || status=1
  exit "$status"
fi
echo "=== fuzz: no findings in ${seconds}s"

# The sweep spec loader and design expansion, for a third of the time, seeded with the bundled
# sweep specs (same limits; any finding fails the same way).
sweep_seconds=$(( (seconds + 2) / 3 ))
mkdir -p "$work/sweep-corpus"
cp "$root"/scenarios/sweeps/*.yaml "$work/sweep-corpus/"
echo "=== fuzz: ${sweep_seconds}s of the sweep spec loader on $(ls "$work/sweep-corpus" | wc -l) seed inputs"
status=0
(
  cd "$work"
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$root/build/fuzz/tests/fuzz/fuzz_sweep_spec" "$work/sweep-corpus" \
      -dict="$root/tests/fuzz/scenario.dict" \
      -max_total_time="$sweep_seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb=512 -artifact_prefix="$work/artifacts/" -print_final_stats=1
) || status=$?
if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  mkdir -p "$root/build/fuzz/findings"
  cp "$work"/artifacts/* "$root/build/fuzz/findings/" 2>/dev/null || true
  echo "=== fuzz: FINDING in the sweep spec loader (libFuzzer exit $status); reproducers in build/fuzz/findings/" >&2
  echo "    reproduce with: $root/build/fuzz/tests/fuzz/fuzz_sweep_spec build/fuzz/findings/<file>" >&2
  [ "$status" -ne 0 ] || status=1
  exit "$status"
fi
echo "=== fuzz: no findings in the sweep spec loader in ${sweep_seconds}s"
