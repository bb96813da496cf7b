#!/usr/bin/env bash
# Every conformance case of tests/conformance/EXPECTED.md must give its exact figures
# (results, rejected, checksum) with every strategy given, for every worker count and chunk
# size in WORKERS and CHUNKS (default 1 2 4 and 1 7 256), with workers started as START says
# (fork, the default, or exec).
# per_task_serialize ships the whole model with every chunk, so on the larger case it runs
# with chunk 256 only (still once per worker count).
# usage: conformance.sh SHAREBENCH CONFORMANCE_DIR WORK STRATEGY...
set -eu
SHAREBENCH=$1 DIR=$2 WORK=$3
shift 3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
WORKERS=${WORKERS:-1 2 4}
CHUNKS=${CHUNKS:-1 7 256}
START=${START:-fork}

cases=$(grep -E '^\| spec-' "$DIR/EXPECTED.md" | tr -d ' ')
[ -n "$cases" ] || { echo "no cases found in $DIR/EXPECTED.md" >&2; exit 1; }
runs=0
for strategy in "$@"; do
  while IFS='|' read -r _ spec records rows rejected checksum _; do
    for workers in $WORKERS; do
      for chunk in $CHUNKS; do
        if [ "$strategy" = per_task_serialize ] && [ "$records" != records-tiny.csv ] &&
           [ "$chunk" != 256 ]; then
          continue
        fi
        run_sb run --spec "$DIR/$spec" --input "$DIR/$records" --strategy "$strategy" \
          --workers "$workers" --chunk "$chunk" --start "$START" --scratch-dir "$WORK"
        what="$strategy $records workers=$workers chunk=$chunk start=$START"
        expect_eq "$what exit" 0 "$rc"
        expect_eq "$what rows" "$rows" "$(summary_value rows)"
        expect_eq "$what rejected" "$rejected" "$(summary_value rejected)"
        expect_eq "$what checksum" "$checksum" "$(summary_value checksum)"
        case "$strategy" in
          serial | threads) ;;
          *) expect_eq "$what started by" "$START" "$(summary_value start)" ;;
        esac
        runs=$((runs + 1))
      done
      [ "$strategy" = serial ] && break # no workers: one run is the run
    done
  done <<<"$cases"
done
echo "$runs runs"
finish
