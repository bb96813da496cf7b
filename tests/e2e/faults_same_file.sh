#!/usr/bin/env bash
# An output that is one of the command's inputs is refused before any work, exit 2, the file
# untouched; the files are compared by identity (device and inode), so another name for the
# same file (a hard link, a symbolic link, ./NAME) is caught too:
#   run --output = --input or --spec; run --timeline = --input, --spec or --output (also when
#   neither exists yet: a link to the other, DIR/../NAME);
#   gen --output = --spec; compare --out = --input or --spec; "-" is the file on standard
#   input (run --input -) or standard output (gen --output -), whatever it is; predict's run
#   lines never name the predictions file.
# usage: faults_same_file.sh SHAREBENCH SPECS WORK
set -eu
SHAREBENCH=$1 WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
spec="$WORK/spec.csv"
cp "$2/tiny.csv" "$spec"
data="$WORK/input.csv"
"$SHAREBENCH" gen --spec "$spec" --rows 2000 --seed 2 --quiet --output "$data"
ln "$data" "$WORK/input-hardlink.csv"
ln -s input.csv "$WORK/input-symlink.csv"
ln -s spec.csv "$WORK/spec-symlink.csv"
before=$(cksum "$data" "$spec" | cut -d' ' -f1,2)

# refused WHAT ARGS...: exit 2, "same file" said, the input and spec as they were.
refused() {
  local what=$1
  shift
  run_sb "$@"
  expect_eq "$what: exit" 2 "$rc"
  expect_contains "$what: message" "$err" "is the same file as"
  expect_eq "$what: input and spec untouched" "$before" "$(cksum "$data" "$spec" | cut -d' ' -f1,2)"
}

run=(run --spec "$spec" --input "$data" --no-baseline --sample-ms 0)
refused "run --output = --input" "${run[@]}" --output "$data"
refused "run --output = --input (hard link)" "${run[@]}" --output "$WORK/input-hardlink.csv"
refused "run --output = --input (symbolic link)" "${run[@]}" --output "$WORK/input-symlink.csv"
refused "run --output = --input (./NAME)" "${run[@]}" --output "$WORK/./input.csv"
refused "run --output = --spec" "${run[@]}" --output "$WORK/spec-symlink.csv"
refused "run --timeline = --input" "${run[@]}" --sample-ms 5 --timeline "$data"
refused "run --timeline = --spec" "${run[@]}" --sample-ms 5 --timeline "$spec"
cp "$data" "$WORK/out.csv"
refused "run --timeline = --output" "${run[@]}" --sample-ms 5 --output "$WORK/out.csv" \
  --timeline "$WORK/out.csv"
refused "gen --output = --spec" gen --spec "$spec" --rows 10 --quiet --output "$WORK/spec-symlink.csv"
refused "compare --out = --input" compare --spec "$spec" --input "$data" --strategies serial \
  --repeat 1 --out "$WORK/input-hardlink.csv"
refused "compare --out = --spec" compare --spec "$spec" --input "$data" --strategies serial \
  --repeat 1 --out "$spec"

# A results file and a timeline not made yet, one name through a link or ../ to the other.
mkdir -p "$WORK/sub"
ln -s new.csv "$WORK/new-link.csv"
for other in "$WORK/new-link.csv" "$WORK/sub/../new.csv"; do
  refused "run --timeline $other = --output, new" "${run[@]}" --sample-ms 5 --output "$WORK/new.csv" \
    --timeline "$other"
  [ ! -e "$WORK/new.csv" ] || fail "run --timeline $other = --output, new: $WORK/new.csv made"
done

# "-" is the file on standard input (run --input) or standard output (gen --output).
set +e
"$SHAREBENCH" run --spec "$spec" --input - --no-baseline --sample-ms 0 --output "$data" <"$data" >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect_eq "run --input - from FILE, --output FILE: exit" 2 "$rc"
expect_contains "run --input - from FILE, --output FILE: message" "$(cat "$WORK/err")" "is the same file as --input -"
set +e
"$SHAREBENCH" gen --spec "$spec" --rows 10 --quiet --output - >>"$spec" 2>"$WORK/err"
rc=$?
set -e
expect_eq "gen --output - appended to --spec: exit" 2 "$rc"
expect_contains "gen --output - appended to --spec: message" "$(cat "$WORK/err")" "is the same file as --spec"
expect_eq "run --input -, gen --output -: input and spec untouched" "$before" "$(cksum "$data" "$spec" | cut -d' ' -f1,2)"

# predict: a run line whose output is the predictions file itself (by another name).
ln -s predictions.txt "$WORK/predictions-link.txt"
printf 'run --spec %s --input %s --no-baseline --sample-ms 0 --output %s\nrows = 2000\n' \
  "$spec" "$data" "$WORK/predictions-link.txt" >"$WORK/predictions.txt"
cp "$WORK/predictions.txt" "$WORK/predictions.before"
run_sb predict "$WORK/predictions.txt"
expect_eq "predict, a run's --output = FILE: exit" 2 "$rc"
expect_contains "predict, a run's --output = FILE: message" "$err" "predictions.txt:1: '$WORK/predictions-link.txt' is the same file as the predictions file"
expect_eq "predict, a run's --output = FILE: FILE untouched" "" "$(cmp "$WORK/predictions.txt" "$WORK/predictions.before" 2>&1)"

run_sb "${run[@]}" --output "$WORK/results.csv"
expect_eq "a distinct output: exit" 0 "$rc"
finish
