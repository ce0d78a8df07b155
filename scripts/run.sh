#!/usr/bin/env bash
# Quick start, command 1: install what is needed, build (release), and run the bundled Syria
# drawdown scenario: prints the closing table and writes out/syria-2024-12.h5.
# Extra arguments go to `powershift run` (e.g. --replicates 20 --counterfactual).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --no-cluster
cmake --preset release >/dev/null
cmake --build --preset release
mkdir -p out
exec build/release/sim/powershift run --force -o out/syria-2024-12.h5 "$@"
