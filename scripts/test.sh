#!/usr/bin/env bash
# Quick start, command 2: install what is needed, build, and run the whole test suite — the
# development build (warnings as errors) and the ASan+UBSan build, then a 60 s fuzz smoke run of
# the scenario loader (tests/fuzz/run_smoke.sh, clang).
# Usage: scripts/test.sh [--fast]   (--fast: the development build only)
set -euo pipefail
cd "$(dirname "$0")/.."
fast=0
[ "${1:-}" = "--fast" ] && fast=1
scripts/install-deps.sh
jobs=$(nproc)
for preset in dev asan; do
  if [ "$preset" = asan ] && [ "$fast" = 1 ]; then continue; fi
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "=== $preset: tests"
  ctest --preset "$preset" -j "$jobs"
done
# Fuzz smoke of the scenario loader (clang, libFuzzer, ASan + UBSan): 60 s, fails on any finding.
if [ "$fast" = 0 ]; then
  echo "=== fuzz: 60 s smoke run of the scenario loader"
  tests/fuzz/run_smoke.sh 60
fi
