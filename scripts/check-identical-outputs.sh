#!/usr/bin/env bash
# check-identical-outputs.sh: show that two powershift builds write the same outputs, e.g. the
# builds before and after a refactor.
#
# Usage: scripts/check-identical-outputs.sh OLD_BIN NEW_BIN [WORKDIR]
#
#   OLD_BIN, NEW_BIN  the two `powershift` executables (they may be the same file)
#   WORKDIR           where the runs go (default: a new directory under ${TMPDIR:-/tmp}, kept
#                     afterwards); its subfolders old/ and new/ are deleted and made again
#
# Both binaries run the same commands:
#   - every scenario under scenarios/ (any *.yaml, subfolders too, that `powershift validate`
#     accepts; sweep specs under scenarios/sweeps/ and files validate rejects are skipped, with a
#     message), plus the bundled default scenario (`powershift run` with no scenario), with these
#     option sets:
#       1. the defaults;
#       2. --replicates 3 --seed 7 --counterfactual (only where the scenario has a drawdown);
#       3. --fields control,support,power,forces --threads 2;
#       4. --summary-only --interval 5 --deflate 0 --replicates 2;
#       5. --fields control,forces --interval 7 --deflate 4 --seed 3 --threads 1;
#     big scenarios (more than $BIG_UNITS units, as `validate` reports) also get --steps $STEPS;
#   - every sweep spec under scenarios/sweeps/: `sweep expand`, then `sweep run` (all members
#     when there are at most 8, else --members $SWEEP_MEMBERS) and `sweep merge`.
# The two runs of each command have identical argv and output paths (the files record
# `command_line`): each binary is linked as WORKDIR/SIDE/bin/powershift, that directory goes
# first on PATH, and the command runs in WORKDIR/SIDE/out. POWERSHIFT_SCENARIO_DIR is set to this
# checkout's scenarios/ so that the bundled scenario is the same file for both.
#
# Compared: every HDF5 file with scripts/compare_outputs.py (the root attributes `created` and
# `powershift_build` are ignored there); exit codes, standard output (the closing table) and
# standard error of every command; the sweep directories' file lists, design.csv and .done
# markers (less their `bytes:` line: the file size is not content).
#
# Environment: STEPS (default 120), BIG_UNITS (default 100), SWEEP_MEMBERS (default 0-3),
# SWEEP_THREADS (default 2).
#
# Prints one line per command, the differences under it, then `N files identical, M differ`.
# Exit status: 0 when everything is identical, 1 when anything differs or a command failed with
# both binaries, 2 for bad usage.
set -euo pipefail

usage() {
    sed -n '5,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
[[ $# -eq 2 || $# -eq 3 ]] || usage

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMPARE="$REPO/scripts/compare_outputs.py"
STEPS=${STEPS:-120}
BIG_UNITS=${BIG_UNITS:-100}
SWEEP_MEMBERS=${SWEEP_MEMBERS:-0-3}
SWEEP_THREADS=${SWEEP_THREADS:-2}

for bin in "$1" "$2"; do
    if [[ ! -f $bin || ! -x $bin ]]; then
        echo "check-identical-outputs: error: $bin is not an executable file" >&2
        exit 2
    fi
done
OLD_BIN=$(readlink -f "$1")
NEW_BIN=$(readlink -f "$2")
python3 -c 'import h5py, numpy' 2>/dev/null || {
    echo "check-identical-outputs: error: python3 with h5py and numpy is needed" >&2
    exit 2
}

WORK=${3:-$(mktemp -d "${TMPDIR:-/tmp}/check-identical.XXXXXX")}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
for side in old new; do
    rm -rf "${WORK:?}/$side"
    mkdir -p "$WORK/$side/bin" "$WORK/$side/out"
done
ln -s "$OLD_BIN" "$WORK/old/bin/powershift"
ln -s "$NEW_BIN" "$WORK/new/bin/powershift"
export POWERSHIFT_SCENARIO_DIR="$REPO/scenarios"

start=$SECONDS
identical=0
differ=0
failed=0
n_commands=0

echo "old: $OLD_BIN ($("$OLD_BIN" --version))"
echo "new: $NEW_BIN ($("$NEW_BIN" --version))"
echo "work: $WORK"

# run_in SIDE ARGS...: `powershift ARGS...` with SIDE's binary, in SIDE's output directory.
run_in() {
    local side=$1
    shift
    (cd "$WORK/$side/out" && PATH="$WORK/$side/bin:$PATH" powershift "$@")
}

# The compare_* functions count each pair of files as identical or differing; what differs goes
# to $REPORT (indented), printed under the command's line.
REPORT="$WORK/report.txt"
compare_text() { # LABEL OLD_FILE NEW_FILE
    if cmp -s "$2" "$3"; then
        identical=$((identical + 1))
        return
    fi
    differ=$((differ + 1))
    {
        echo "    $1 differs:"
        diff -u "$2" "$3" | head -n 20 | sed 's/^/      /'
    } >>"$REPORT" || true
}

compare_h5() { # LABEL OLD_FILE NEW_FILE
    local out rc=0
    out=$(python3 "$COMPARE" "$2" "$3" 2>&1) || rc=$?
    if [[ $rc -eq 0 ]]; then
        identical=$((identical + 1))
        return
    fi
    differ=$((differ + 1))
    {
        echo "    $1 differs (compare_outputs.py exit $rc):"
        head -n 30 <<<"$out" | sed 's/^/      /'
    } >>"$REPORT"
}

# check LABEL NAME ARGS...: run `powershift ARGS...` with both binaries, keeping standard
# output, standard error and exit code as NAME.{stdout,stderr} in each output directory; then
# compare those, the exit codes and NAME.h5 where the command wrote one. Prints one line: ok,
# DIFFER or FAILED (the same non-zero exit with both binaries), and what differs under it.
check() {
    local label=$1 name=$2
    shift 2
    local rc_old=0 rc_new=0
    n_commands=$((n_commands + 1))
    run_in old "$@" >"$WORK/old/out/$name.stdout" 2>"$WORK/old/out/$name.stderr" || rc_old=$?
    run_in new "$@" >"$WORK/new/out/$name.stdout" 2>"$WORK/new/out/$name.stderr" || rc_new=$?
    : >"$REPORT"
    if [[ $rc_old -ne $rc_new ]]; then
        differ=$((differ + 1))
        echo "    exit codes differ: $rc_old vs $rc_new" >>"$REPORT"
    fi
    compare_text stdout "$WORK/old/out/$name.stdout" "$WORK/new/out/$name.stdout"
    compare_text stderr "$WORK/old/out/$name.stderr" "$WORK/new/out/$name.stderr"
    if [[ -e $WORK/old/out/$name.h5 || -e $WORK/new/out/$name.h5 ]]; then
        compare_h5 "$name.h5" "$WORK/old/out/$name.h5" "$WORK/new/out/$name.h5"
    fi
    if [[ $rc_old -ne 0 && $rc_old -eq $rc_new ]]; then
        failed=$((failed + 1))
        echo "FAILED  $label: exit $rc_old with both binaries"
        head -n 5 "$WORK/old/out/$name.stderr" | sed 's/^/    /'
    elif [[ -s $REPORT ]]; then
        echo "DIFFER  $label"
    else
        echo "ok      $label"
    fi
    cat "$REPORT"
}

has_drawdown() { # FILE: does this run's output name a withdrawing actor?
    python3 - "$1" <<'EOF'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    actor = f.attrs.get("withdrawing_actor", b"")
sys.exit(0 if (actor.decode() if isinstance(actor, bytes) else str(actor)) else 1)
EOF
}

# --- scenarios -------------------------------------------------------------------------------

echo
echo "== scenarios"
n=0
scenarios=()
while IFS= read -r f; do scenarios+=("$f"); done < <(find "$REPO/scenarios" -name '*.yaml' | LC_ALL=C sort)
# The option sets every scenario runs with, one string each (split at spaces); the set with
# --counterfactual runs only where the scenario has a drawdown.
OPTION_SETS=(
    ""
    "--replicates 3 --seed 7 --counterfactual"
    "--fields control,support,power,forces --threads 2"
    "--summary-only --interval 5 --deflate 0 --replicates 2"
    "--fields control,forces --interval 7 --deflate 4 --seed 3 --threads 1"
)

run_scenario() { # LABEL [SCENARIO] (no scenario: the bundled one); uses $n for file names
    local label=$1 i name units
    local scenario=("${@:2}") steps=() opts=()
    if [[ ${#scenario[@]} -eq 0 ]]; then
        steps=(--steps "$STEPS") # the bundled scenario is the Syria one: big
    else
        units=$(sed -n 's/.* \([0-9][0-9]*\) units).*/\1/p' "$WORK/old/out/validate-$n.stdout" | head -n 1)
        if [[ -n $units && $units -gt $BIG_UNITS ]]; then steps=(--steps "$STEPS"); fi
    fi
    local default_run="$WORK/old/out/out-$((n * 10 + 1)).h5"
    for i in "${!OPTION_SETS[@]}"; do
        read -r -a opts <<<"${OPTION_SETS[$i]}"
        opts+=(${steps[@]+"${steps[@]}"})
        name="out-$((n * 10 + i + 1))"
        if [[ " ${opts[*]} " == *" --counterfactual "* ]] &&
            ! { [[ -f $default_run ]] && has_drawdown "$default_run"; }; then
            echo "skip    run $label --counterfactual: no drawdown"
            continue
        fi
        check "run $label${opts[*]:+ ${opts[*]}}" "$name" \
            run ${scenario[@]+"${scenario[@]}"} ${opts[@]+"${opts[@]}"} -o "$name.h5"
    done
}

n_scenarios=0
run_scenario "(bundled scenario)"
for f in "${scenarios[@]}"; do
    rel=${f#"$REPO"/}
    case $rel in
    scenarios/sweeps/*)
        echo "skip    $rel: a sweep spec (run as a sweep below)"
        continue
        ;;
    esac
    n=$((n + 1))
    rc=0
    run_in old validate "$f" >"$WORK/old/out/validate-$n.stdout" 2>"$WORK/old/out/validate-$n.stderr" || rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "skip    $rel: powershift validate rejects it (exit $rc): $(grep -m 1 . "$WORK/old/out/validate-$n.stderr" || true)"
        continue
    fi
    check "validate $rel" "validate-$n" validate "$f"
    n_scenarios=$((n_scenarios + 1))
    run_scenario "$rel" "$f"
done

# --- sweeps ----------------------------------------------------------------------------------

echo
echo "== sweeps"
n_sweeps=0
for spec in "$REPO"/scenarios/sweeps/*.yaml; do
    [[ -e $spec ]] || continue
    rel=${spec#"$REPO"/}
    name=$(basename "$spec" .yaml)
    check "sweep expand $rel" "expand-$name" sweep expand "$spec"
    if [[ ! -s $WORK/old/out/expand-$name.stdout ]]; then
        echo "skip    sweep $rel: sweep expand failed"
        continue
    fi
    members=$(($(wc -l <"$WORK/old/out/expand-$name.stdout") - 1))
    select=()
    merge_opts=()
    if [[ $members -gt 8 ]]; then
        select=(--members "$SWEEP_MEMBERS")
        merge_opts=(--allow-missing)
    fi
    dir="sweep-$name"
    check "sweep run $rel${select[*]:+ ${select[*]}} ($members members in the design)" "sweep-run-$name" \
        sweep run "$spec" --dir "$dir" --threads "$SWEEP_THREADS" ${select[@]+"${select[@]}"}
    check "sweep merge $rel${merge_opts[*]:+ ${merge_opts[*]}}" "sweep-merge-$name" \
        sweep merge "$spec" --dir "$dir" ${merge_opts[@]+"${merge_opts[@]}"}
    n_sweeps=$((n_sweeps + 1))

    # The sweep directories: the same files, each identical.
    : >"$REPORT"
    for side in old new; do
        (cd "$WORK/$side/out/$dir" && find . -type f | LC_ALL=C sort) >"$WORK/$side/out/$dir.files"
    done
    compare_text "file list of $dir" "$WORK/old/out/$dir.files" "$WORK/new/out/$dir.files"
    n_files=0
    while IFS= read -r f; do
        [[ -e $WORK/new/out/$dir/$f ]] || continue
        n_files=$((n_files + 1))
        case $f in
        *.h5) compare_h5 "$dir/${f#./}" "$WORK/old/out/$dir/$f" "$WORK/new/out/$dir/$f" ;;
        *.done) # the marker's bytes: line is the file's size, not its content
            for side in old new; do
                grep -v '^bytes:' "$WORK/$side/out/$dir/$f" >"$WORK/$side/out/marker.tmp" || true
            done
            compare_text "$dir/${f#./} (less bytes:)" "$WORK/old/out/marker.tmp" "$WORK/new/out/marker.tmp"
            ;;
        *) compare_text "$dir/${f#./}" "$WORK/old/out/$dir/$f" "$WORK/new/out/$dir/$f" ;;
        esac
    done <"$WORK/old/out/$dir.files"
    if [[ -s $REPORT ]]; then
        echo "DIFFER  sweep directory $dir ($n_files files in both)"
        cat "$REPORT"
    else
        echo "ok      sweep directory $dir: $n_files files"
    fi
done

# --- summary ---------------------------------------------------------------------------------

echo
echo "$n_commands commands with each binary ($n_scenarios scenarios + the bundled one, $n_sweeps sweep specs) in $((SECONDS - start)) s; outputs in $WORK"
if [[ $failed -gt 0 ]]; then
    echo "$failed commands failed with both binaries (see FAILED above)"
fi
echo "$identical files identical, $differ differ"
if [[ $differ -gt 0 || $failed -gt 0 ]]; then
    exit 1
fi
