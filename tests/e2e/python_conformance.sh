#!/usr/bin/env bash
# Every Python idiom given, run through the harness (`sharebench run --strategy py:NAME`),
# gives the C figures: on both conformance cases of tests/conformance/EXPECTED.md with 1, 2
# and 4 workers, and on a generated 100,000-record file with 2 (1, 2 and 4 with
# SHAREBENCH_LONG=1, as CI runs it), the same rows, rejected and checksum as the C serial run
# and the very rejection lines it prints, and every key of a C summary.
# On the conformance cases an idiom that can starts its workers by fork with 1 worker, by
# spawn with 2 and by forkserver with 4 (the 100,000 records: by fork, or none and thread);
# one that needs the forkserver always by forkserver. IDIOM:MODEL runs that representation.
# Exit 77 (skipped) without python3-numpy.
# usage: python_conformance.sh SHAREBENCH CONFORMANCE_DIR WORK IDIOM[:MODEL]...
set -eu
SHAREBENCH=$1 DIR=$2 WORK=$3
shift 3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  echo "python3-numpy is not installed: skipped (scripts/install-deps installs it)"
  exit 77
fi

cases=$(grep -E '^\| spec-' "$DIR/EXPECTED.md" | tr -d ' ')
[ -n "$cases" ] || { echo "no cases found in $DIR/EXPECTED.md" >&2; exit 1; }
generated="$WORK/gen-100000.csv"
[ -s "$generated" ] || "$SHAREBENCH" gen --spec "$DIR/spec-small.csv" --rows 100000 --seed 5 \
  --output "$generated" --quiet
cases="$cases
|spec-small.csv|$generated|"

rejections() { grep -E ': rejected: |more rejected' "$WORK/err" || true; }
# The keys of a C run's summary, in order, then model and python.
c_keys() { tail -n 1 "$WORK/out" | tr ' ' '\n' | sed 's/=.*//'; }

# The start methods the idiom takes, from `sharebench list` ("[fork only]", "[forkserver
# only]" or neither).
listing=$("$SHAREBENCH" list)
start_for() { # idiom[:model] workers records
  local line
  line=$(grep "^py:${1%%:*} " <<<"$listing")
  case "$line" in *"[fork only]"*) echo fork; return ;; *"[forkserver only]"*) echo forkserver; return ;; esac
  [ "$3" != "$generated" ] || { echo fork; return; }
  case "$2" in 1) echo fork ;; 2) echo spawn ;; *) echo forkserver ;; esac
}

runs=0
while IFS='|' read -r _ spec records rows rejected checksum _; do
  case "$records" in /*) ;; *) records="$DIR/$records" ;; esac
  run_sb run --spec "$DIR/$spec" --input "$records" --strategy serial --no-baseline
  expect_eq "C serial $records exit" 0 "$rc"
  [ -z "$rows" ] || expect_eq "C serial $records checksum" "$checksum" "$(summary_value checksum)"
  rows=$(summary_value rows) rejected=$(summary_value rejected) checksum=$(summary_value checksum)
  want_rejections=$(rejections)
  want_keys="$(c_keys)
model
python"
  # The 100,000 records with 2 workers only, unless SHAREBENCH_LONG=1 (CI): 1, 2 and 4 workers
  # and their start methods are run on the conformance cases either way.
  counts=(1 2 4)
  [ "$records" != "$generated" ] || [ -n "${SHAREBENCH_LONG:-}" ] || counts=(2)
  for idiom in "$@"; do
    for workers in "${counts[@]}"; do
      start=$(start_for "$idiom" "$workers" "$records")
      extra=()
      # The large file: no memory sampling (not what is checked here), and per_task_pickle
      # ships the whole model with every task: few, large ones.
      [ "$records" != "$generated" ] || extra=(--sample-ms 0)
      [ "$idiom" = per_task_pickle ] && [ "$records" = "$generated" ] && extra+=(--chunk 5000)
      run_sb run --spec "$DIR/$spec" --input "$records" --strategy "py:$idiom" --workers "$workers" \
        --start "$start" --no-baseline --scratch-dir "$WORK" "${extra[@]}"
      what="py:$idiom $(basename "$records") workers=$workers start=$start"
      expect_eq "$what exit" 0 "$rc"
      expect_eq "$what rows" "$rows" "$(summary_value rows)"
      expect_eq "$what rejected" "$rejected" "$(summary_value rejected)"
      expect_eq "$what checksum" "$checksum" "$(summary_value checksum)"
      expect_eq "$what rejection lines" "$want_rejections" "$(rejections)"
      expect_eq "$what summary keys" "$want_keys" "$(c_keys)"
      expect_eq "$what strategy" "py:$idiom" "$(summary_value strategy)"
      runs=$((runs + 1))
      [ "$idiom" = serial ] && break # no workers: one run is the run
    done
  done
done <<<"$cases"
# Under forkserver, global_fork's workers find no model: through the harness the run stops
# with the program's reason (exit 1), not as a run whose worker was lost.
case " $* " in *" global_fork "*)
  for i in 1 2 3; do
    run_sb run --spec "$DIR/spec-small.csv" --input "$DIR/records-small.csv" --no-baseline \
      --strategy py:global_fork --start forkserver --workers 2
    expect_eq "py:global_fork forkserver exit ($i)" 1 "$rc"
    expect_contains "py:global_fork forkserver reason ($i)" "$err" "MODEL is None in this worker"
    expect_eq "py:global_fork forkserver no worker lost ($i)" "" "$(grep "ended before the run was done" <<<"$err" || true)"
  done ;;
esac
echo "$runs runs"
finish
