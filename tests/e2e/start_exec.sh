#!/usr/bin/env bash
# --start exec: every strategy gives the exact conformance figures or refuses, at once and
# before building anything, with a message that says why (nothing is inherited across exec)
# and names the strategies that work. Exec'd workers given something that is not the model
# (a descriptor that is not a sealed memfd, a file that is not an image) refuse it.
# usage: start_exec.sh SHAREBENCH CONFORMANCE_DIR WORK
set -eu
SHAREBENCH=$1 DIR=$2 WORK=$3
mkdir -p "$WORK" "$WORK/scratch"
. "$(dirname "$0")/lib.sh"
spec="$DIR/spec-tiny.csv"
records="$DIR/records-tiny.csv"
expected=$(grep -E '^\| spec-tiny.csv' "$DIR/EXPECTED.md" | tr -d ' ' | cut -d'|' -f6)
works="Strategies that work with --start exec: shared_arrays, mapped_file, per_task_serialize, per_worker_copy"

for strategy in global_fork module_state registry; do
  rm -f "$WORK/results.csv"
  run_sb run --spec "$spec" --input "$records" --strategy "$strategy" --workers 2 \
    --start exec --output "$WORK/results.csv"
  expect_eq "$strategy exec exit" 2 "$rc"
  expect_contains "$strategy exec says which" "$err" "$strategy cannot work with --start exec"
  expect_contains "$strategy exec says why" "$err" "inherits nothing but its arguments, environment and open descriptors"
  expect_contains "$strategy exec says what works" "$err" "$works"
  [ ! -e "$WORK/results.csv" ] || fail "$strategy: refused, yet a results file was written"
  [ -z "$out" ] || fail "$strategy: refused, yet printed a summary: $out"
  # The worker side says the same when started by hand.
  run_sb worker --strategy "$strategy" --spec "$spec" --task-fd 0 --result-fd 1
  expect_eq "$strategy worker exit" 1 "$rc"
  expect_contains "$strategy worker says why" "$err" "$strategy cannot work with --start exec"
done

# `sharebench list` says which strategies are fork-only.
run_sb list
expect_eq "list exit" 0 "$rc"
for strategy in global_fork module_state registry; do
  expect_contains "list marks $strategy" "$(grep "^$strategy " <<<"$out")" "[fork only]"
done
for strategy in shared_arrays mapped_file per_task_serialize per_worker_copy threads serial; do
  grep "^$strategy " <<<"$out" | grep -q 'fork only' && fail "list marks $strategy fork only"
done

# No processes to start: the mode does not apply, and the figures are exact.
for strategy in serial threads; do
  run_sb run --spec "$spec" --input "$records" --strategy "$strategy" --workers 2 --start exec \
    --no-baseline
  expect_eq "$strategy exec exit" 0 "$rc"
  expect_eq "$strategy exec checksum" "$expected" "$(summary_value checksum)"
  expect_eq "$strategy start" "$([ $strategy = serial ] && echo none || echo thread)" "$(summary_value start)"
done

# Exec'd workers, with the memory baseline measured the same way; mapped_file's image is gone
# from the scratch directory when the run ends.
for strategy in shared_arrays mapped_file per_task_serialize per_worker_copy; do
  run_sb run --spec "$spec" --input "$records" --strategy "$strategy" --workers 2 --start exec \
    --scratch-dir "$WORK/scratch"
  expect_eq "$strategy exec exit" 0 "$rc"
  expect_eq "$strategy start" exec "$(summary_value start)"
  expect_eq "$strategy exec checksum" "$expected" "$(summary_value checksum)"
  ready=$(summary_value ready_s)
  awk -v r="$ready" 'BEGIN { exit !(r > 0) }' || fail "$strategy: ready_s '$ready' is not measured"
  [ -z "$(ls "$WORK/scratch")" ] || fail "$strategy: left behind: $(ls "$WORK/scratch")"
done

# An exec'd worker inherits nothing but what is passed: its open descriptors are standard
# input, output and error, its two pipe ends, the input it reads its ranges from, and the
# strategy's own (shared_arrays: the memfd) - not the results file or the timeline.
big="$WORK/big.csv"
[ -s "$big" ] || "$SHAREBENCH" gen --spec "$spec" --rows 400000 --seed 5 --quiet --output "$big"
for strategy in mapped_file shared_arrays; do
  "$SHAREBENCH" run --spec "$spec" --input "$big" --strategy "$strategy" --workers 1 --start exec \
    --output "$WORK/fd-results.csv" --timeline "$WORK/fd-timeline.csv" --no-baseline \
    --scratch-dir "$WORK/scratch" >"$WORK/fd-out" 2>&1 &
  parent=$!
  fds=""
  for _ in $(seq 1 200); do
    worker=$(pgrep -P "$parent" || true)
    if [ -n "$worker" ] && tr '\0' ' ' <"/proc/$worker/cmdline" 2>/dev/null | grep -q '^sharebench worker'; then
      fds=$(ls "/proc/$worker/fd" 2>/dev/null | sort -n | tr '\n' ' ')
      break
    fi
    sleep 0.05
  done
  wait "$parent" || fail "$strategy: the run behind the descriptor check failed"
  want=6
  [ "$strategy" = shared_arrays ] && want=7
  [ -n "$fds" ] || fail "$strategy: no exec'd worker seen"
  expect_eq "$strategy exec'd worker's descriptors ($fds)" "$want" "$(wc -w <<<"$fds")"
done

# What a worker is handed must be what it claims to be.
run_sb worker --strategy shared_arrays --spec "$spec" --fd 0 --task-fd 0 --result-fd 1 </dev/null
expect_eq "shared_arrays, not a memfd: exit" 1 "$rc"
expect_contains "shared_arrays, not a memfd" "$err" "descriptor 0 is not a write-sealed memfd"
run_sb worker --strategy mapped_file --spec "$spec" --path "$records" --task-fd 0 --result-fd 1 </dev/null
expect_eq "mapped_file, not an image: exit" 1 "$rc"
expect_contains "mapped_file, not an image" "$err" "image"
run_sb worker --strategy mapped_file --spec "$spec" --path "$WORK/none.img" --task-fd 0 --result-fd 1 </dev/null
expect_eq "mapped_file, no file: exit" 1 "$rc"
expect_contains "mapped_file, no file" "$err" "$WORK/none.img"

# Bad flags, and a scratch directory that is not there.
run_sb run --spec "$spec" --input "$records" --strategy mapped_file --start spawn
expect_eq "--start spawn exit" 2 "$rc"
expect_contains "--start spawn" "$err" "only py: strategies take it"
run_sb run --spec "$spec" --input "$records" --strategy mapped_file --start vfork
expect_eq "--start vfork exit" 2 "$rc"
expect_contains "--start vfork" "$err" "'vfork' is not fork, exec, spawn or forkserver"
run_sb run --spec "$spec" --input "$records" --strategy mapped_file --scratch-dir "$WORK/nowhere" --no-baseline
expect_eq "missing scratch dir exit (refused before the build)" 2 "$rc"
expect_contains "missing scratch dir" "$err" "--scratch-dir $WORK/nowhere: No such file or directory"
finish
