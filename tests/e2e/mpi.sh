#!/usr/bin/env bash
# sharebench-mpi: both MPI strategies give the exact conformance figures with 1, 2 and 4
# ranks (one machine, oversubscribed), also on a file whose split points fall inside a quoted
# field holding line ends; malformed quoting anywhere gives the serial figures too (the plan
# follows the reader's own recovery); bad usage says so once; and memory per node is about one model copy for
# mpi_shared_window and one per rank for mpi_bcast_copy (4 ranks, default spec), node_pss_mb
# three images larger for the broadcast.
# usage: mpi.sh SHAREBENCH SHAREBENCH_MPI CONFORMANCE_DIR SPECS_DIR MALFORMED_DIR WORK
set -eu
SHAREBENCH=$1 MPI_BIN=$2 DIR=$3 SPECS=$4 MALFORMED=$5 WORK=$6
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 # CI runs as root
export OMPI_MCA_rmaps_base_oversubscribe=1
# Open MPI's plugins leak at exit in ways LeakSanitizer cannot attribute (unloaded modules);
# memory errors and undefined behaviour are still caught in these runs.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

run_mpi() { # NP ARGS...
  local np=$1
  shift
  set +e
  # mpirun forwards standard input to rank 0: keep it away from the loops reading theirs
  timeout 120 mpirun --oversubscribe -np "$np" "$MPI_BIN" "$@" </dev/null >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  out=$(cat "$WORK/out")
  err=$(cat "$WORK/err")
}

check_figures() { # WHAT SPEC RECORDS ROWS REJECTED CHECKSUM
  local what=$1 spec=$2 records=$3 rows=$4 rejected=$5 checksum=$6
  for np in 1 2 4; do
    for strategy in mpi_shared_window mpi_bcast_copy; do
      run_mpi "$np" --spec "$spec" --input "$records" --strategy "$strategy"
      expect_eq "$what $strategy np=$np exit" 0 "$rc"
      expect_eq "$what $strategy np=$np rows" "$rows" "$(summary_value rows)"
      expect_eq "$what $strategy np=$np rejected" "$rejected" "$(summary_value rejected)"
      expect_eq "$what $strategy np=$np checksum" "$checksum" "$(summary_value checksum)"
      expect_eq "$what $strategy np=$np ranks" "$np" "$(summary_value workers)"
      [ "$rc" = 0 ] || echo "$err" | tail -5 >&2
    done
  done
}

# 1. The conformance cases.
while IFS='|' read -r _ spec records rows rejected checksum _; do
  check_figures "$records" "$DIR/$spec" "$DIR/$records" "$rows" "$rejected" "$checksum"
done <<<"$(grep -E '^\| spec-' "$DIR/EXPECTED.md" | tr -d ' ')"
# The rejections keep their file lines across ranks.
run_mpi 4 --spec "$DIR/spec-small.csv" --input "$DIR/records-small.csv" --strategy mpi_bcast_copy
for line in 108 212 318; do
  expect_contains "rejection line $line" "$err" "records-small.csv:$line: rejected"
done

# 2. Split points inside a quoted field with line ends: one long record in the middle of the
# file whose text spans the raw split points of 2, 3 and 4 ranks.
quoted="$WORK/quoted.csv"
python3 - "$DIR/records-tiny.csv" "$quoted" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
lines = open(src, "rb").read().split(b"\n")
header, rows = lines[0], [l for l in lines[1:] if l]
text = b"\r\n".join(b"line %d of a long quoted text, with commas and \"\"quotes\"\"" % i
                    for i in range(3000))
middle = b'999999,userq,FR,1.5,"' + text + b'"'
body = b"\n".join([header] + rows[:20] + [middle] + rows[20:40]) + b"\n"
open(dst, "wb").write(body)
start = body.index(middle) + len(b'999999,userq,FR,1.5,"')
end = start + len(text)
for n in (2, 3, 4):
    for i in range(1, n):
        raw = len(body) * i // n
        assert start < raw < end, (n, i, raw, start, end)
        # and a line end sits right there inside the quotes, near the raw point
        assert b"\r\n" in body[raw - 200:raw + 200]
PY
run_sb run --spec "$DIR/spec-tiny.csv" --input "$quoted" --strategy serial --no-baseline
expect_eq "serial over the quoted file" 0 "$rc"
check_figures quoted "$DIR/spec-tiny.csv" "$quoted" "$(summary_value rows)" \
  "$(summary_value rejected)" "$(summary_value checksum)"

# 3. Malformed quoting before a rank's range: the serial figures with 1, 2 and 4 ranks.
bad="$WORK/bad-quoting.csv"
{ head -n 1 "$DIR/records-tiny.csv"; echo '1,a,FR,1.5,te"xt'; tail -n +2 "$DIR/records-tiny.csv"; } >"$bad"
run_sb run --spec "$DIR/spec-tiny.csv" --input "$bad" --strategy serial --no-baseline
want_rows=$(summary_value rows) want_sum=$(summary_value checksum)
run_mpi 1 --spec "$DIR/spec-tiny.csv" --input "$bad" --strategy mpi_shared_window
expect_eq "bad quoting, 1 rank: exit" 0 "$rc"
expect_eq "bad quoting, 1 rank: checksum" "$want_sum" "$(summary_value checksum)"
expect_eq "bad quoting, 1 rank: rows" "$want_rows" "$(summary_value rows)"
for np in 2 4; do
  run_mpi "$np" --spec "$DIR/spec-tiny.csv" --input "$bad" --strategy mpi_shared_window
  expect_eq "bad quoting, $np ranks: exit" 0 "$rc"
  expect_eq "bad quoting, $np ranks: checksum" "$want_sum" "$(summary_value checksum)"
  expect_eq "bad quoting, $np ranks: rows" "$want_rows" "$(summary_value rows)"
done

# Every malformed-input file: with 1, 2 and 4 ranks the serial figures, or serial's refusal.
# By default each file with one of them, in turn (4, 2, 1, 4, ...); all three with
# SHAREBENCH_LONG=1 (CI).
turn=0
for f in "$MALFORMED"/*.csv; do
  run_sb run --spec "$DIR/spec-tiny.csv" --input "$f" --strategy serial --no-baseline
  serial_rc=$rc want="$(summary_value rows) $(summary_value rejected) $(summary_value checksum)"
  ranks=(4 2 1)
  [ -n "${SHAREBENCH_LONG:-}" ] || ranks=("${ranks[turn++ % 3]}")
  for np in "${ranks[@]}"; do
    run_mpi "$np" --spec "$DIR/spec-tiny.csv" --input "$f" --strategy mpi_shared_window
    what="$(basename "$f") np=$np"
    if [ "$serial_rc" != 0 ]; then
      expect_eq "$what exit (serial exits $serial_rc)" "$serial_rc" "$rc"
    else
      expect_eq "$what exit" 0 "$rc"
      expect_eq "$what figures" "$want" "$(summary_value rows) $(summary_value rejected) $(summary_value checksum)"
    fi
  done
done

# 4. Bad usage and missing files: one message (not one per rank), the right status.
run_mpi 4 --spec "$DIR/spec-tiny.csv" --input "$DIR/records-tiny.csv"
expect_eq "no strategy: exit" 2 "$rc"
expect_eq "no strategy: one message" 1 "$(grep -c 'required' <<<"$err")"
run_mpi 2 --spec "$DIR/spec-tiny.csv" --input "$WORK/none.csv" --strategy mpi_bcast_copy
expect_eq "missing input: exit" 2 "$rc"
expect_contains "missing input: names it" "$err" "$WORK/none.csv: cannot open"
run_mpi 2 --spec "$DIR/spec-tiny.csv" --input "$MALFORMED/header-wrong-order.csv" --strategy mpi_bcast_copy
expect_eq "bad header: exit" 2 "$rc"
expect_contains "bad header: names it" "$err" "header-wrong-order.csv:1"
run_mpi 2 --spec "$DIR/spec-tiny.csv" --input - --strategy mpi_bcast_copy </dev/null
expect_eq "stdin input: exit" 2 "$rc"
expect_contains "stdin input: says why" "$err" "standard input cannot be split"
run_mpi 1 --help
expect_eq "--help exit" 0 "$rc"
expect_contains "--help" "$out" "mpi_shared_window"

# 5. Memory per node, 4 ranks, the default spec (a 34 MB image): measured, not assumed.
data="$WORK/default.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$SPECS/default.csv" --rows 20000 --seed 3 --quiet --output "$data"
# One node here: its PSS (node_pss_mb) is the whole job's and the only entry of the per-node
# list, holds what it held before the model plus the model's growth, and the broadcast's
# three extra copies show in it.
for strategy in mpi_shared_window mpi_bcast_copy; do
  run_mpi 4 --spec "$SPECS/default.csv" --input "$data" --strategy "$strategy"
  expect_eq "$strategy memory run exit" 0 "$rc"
  copies=$(summary_value model_copies_per_node)
  echo "$strategy, 4 ranks: $copies model copies per node"
  if [ "$strategy" = mpi_shared_window ]; then
    awk -v c="$copies" 'BEGIN { exit !(c > 0.8 && c < 1.5) }' || fail "$strategy: $copies copies per node, expected about 1"
  else
    awk -v c="$copies" 'BEGIN { exit !(c > 3.5 && c < 4.5) }' || fail "$strategy: $copies copies per node, expected about 4"
  fi
  node=$(summary_value node_pss_mb)
  eval "node_pss_$strategy=$node"
  expect_eq "$strategy nodes" 1 "$(summary_value nodes)"
  awk -v n="$node" -v list="$(summary_value node_pss_by_node_mb)" -v t="$(summary_value pss_total_mb)" \
    -v b="$(summary_value node_pss_before_mb)" -v g="$(summary_value node_model_mb)" 'BEGIN {
      exit !(n - list < 0.01 && list - n < 0.01 && n == t && n >= b + g - 1) }' ||
    fail "$strategy: node_pss_mb $node against $(tail -n 1 "$WORK/out")"
done
awk -v w="$node_pss_mpi_shared_window" -v c="$node_pss_mpi_bcast_copy" -v i="$(summary_value image_mb)" \
  'BEGIN { exit !(c - w > 2.5 * i && c - w < 3.5 * i) }' ||
  fail "node_pss_mb: mpi_bcast_copy $node_pss_mpi_bcast_copy MB, mpi_shared_window $node_pss_mpi_shared_window MB: not 3 images apart"
finish
