#!/usr/bin/env bash
# Every file of datasets/malformed gives the outcome its EXPECTED.csv row states: the exit
# status, results and rejected counts, and a piece of stderr (usually FILE:LINE: reason).
# Always: records read = results + rejected (checked by counting records independently is not
# possible for broken files, so the expected counts are written by hand from the files).
# usage: malformed.sh SHAREBENCH SPEC MALFORMED_DIR WORK
set -eu
SHAREBENCH=$1 SPEC=$2 DIR=$3 WORK=$4
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

# The 2 MiB field is written here rather than stored in git.
big="$WORK/big-field.csv"
{
  printf 'id,user,country,amount,text\n1,u,de,1,small\n2,u,de,1,'
  head -c 2097152 /dev/zero | tr '\0' 'x'
  printf '\n3,u,de,1,after\n'
} >"$big"

tail -n +2 "$DIR/EXPECTED.csv" | while IFS=, read -r file want_rc rows rejected message; do
  path="$DIR/$file"
  [ "$file" = big-field.csv ] && path="$big"
  run_sb run --spec "$SPEC" --input "$path"
  expect_eq "$file exit" "$want_rc" "$rc"
  if [ -n "$rows" ]; then
    expect_eq "$file rows" "$rows" "$(summary_value rows)"
    expect_eq "$file rejected" "$rejected" "$(summary_value rejected)"
  fi
  [ -z "$message" ] || expect_contains "$file stderr" "$err" "$message"
  if [ "$want_rc" != 0 ]; then
    expect_eq "$file stdout on error" "" "$out"
  fi
  echo "$failures" >"$WORK/failures"
done
failures=$(cat "$WORK/failures")
finish
