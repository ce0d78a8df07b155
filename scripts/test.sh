#!/usr/bin/env bash
# Quick start, command 2: install what is needed, build, and run the whole test suite — the
# formatting check (clang-format), the development build (warnings as errors), the ASan+UBSan
# build, clang-tidy on every C++ source (the tidy preset), then a fuzz smoke run of the
# scenario loader (60 s) and the sweep spec loader (20 s) (tests/fuzz/run_smoke.sh, clang). The development run includes the test that
# installs the Python package with `pip install .` into a fresh virtual environment.
# Usage: scripts/test.sh [--fast]   (--fast: the development build only, no pip install test)
set -euo pipefail
cd "$(dirname "$0")/.."
fast=0
[ "${1:-}" = "--fast" ] && fast=1
scripts/install-deps.sh
jobs=$(nproc)
echo "=== format: clang-format"
scripts/check-format.sh
for preset in dev asan; do
  if [ "$preset" = asan ] && [ "$fast" = 1 ]; then continue; fi
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "=== $preset: tests"
  if [ "$preset" = dev ] && [ "$fast" = 0 ]; then
    POWERSHIFT_TEST_PIP=1 ctest --preset "$preset" -j "$jobs"
  else
    ctest --preset "$preset" -j "$jobs"
  fi
done
# clang-tidy (.clang-tidy; every finding is an error) as the tidy preset compiles each source.
if [ "$fast" = 0 ]; then
  echo "=== tidy: clang-tidy on every C++ source"
  cmake --preset tidy >/dev/null
  cmake --build --preset tidy -j "$jobs"
fi
# Fuzz smoke of the scenario loader (clang, libFuzzer, ASan + UBSan): 60 s, fails on any finding.
if [ "$fast" = 0 ]; then
  echo "=== fuzz: smoke run of the scenario loader (60 s) and the sweep spec loader (20 s)"
  tests/fuzz/run_smoke.sh 60
fi
