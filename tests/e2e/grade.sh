#!/usr/bin/env bash
# scripts/grade on two copies of the source tree, as students would hand them in: the reference
# answers (docs/answers/code and docs/answers/predictions put in place the documented way) must
# PASS every exercise, and the untouched starters (fresh scaffolds, the prediction templates)
# must FAIL each with the message that says what to do.
# usage: grade.sh SOURCE_DIR WORK [EXERCISE...]   (default: every exercise, 0-6)
set -eu
SOURCE=$1 WORK=$2
shift 2
exercises=("$@")
[ ${#exercises[@]} -gt 0 ] || exercises=(0 1 2 3 4 5 6)
rm -rf "$WORK"
mkdir -p "$WORK/tmp"
export TMPDIR="$WORK/tmp"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

copy_tree() { # DEST: the source tree without builds, results or history
  mkdir -p "$1"
  tar -C "$SOURCE" --exclude=./build --exclude='./build-*' --exclude=./.git \
    --exclude=./datasets/cache --exclude=./results -cf - . | tar -C "$1" -xf -
  for name in my_first shm_posix huge_image; do
    "$1/scripts/new-strategy" "$name" >/dev/null
  done
  mkdir -p "$1/predictions"
}
answers=$WORK/answer starter=$WORK/starter
copy_tree "$answers"
code=$SOURCE/docs/answers/code
cp "$code/my_first.c" "$code/shm_posix.c" "$code/huge_image.c" "$answers/strategies/"
for patch in shm_posix-fix registry-exec global_fork-write; do
  (cd "$answers" && patch -s -p1 <"$code/$patch.patch")
done
cp "$code/memfd_share.c" "$answers/"
cp "$SOURCE"/docs/answers/predictions/*.txt "$answers/predictions/"
copy_tree "$starter"
cp "$SOURCE"/docs/exercises/predictions/*.txt "$starter/predictions/"

thp_never() { grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; }
starter_says() { # EXERCISE: a message the starter's grade must print
  case $1 in
    0) echo "step 1 of 6 in strategies/my_first.c" ;;
    1) echo "no prediction for chunks yet" ;;
    2) echo "the workers still share every page" ;;
    3) echo "FAIL  a parent killed with SIGKILL leaves nothing in /dev/shm: the run started no workers" ;;
    4) echo "registry cannot work with --start exec" ;;
    5) echo "no memfd_share.c at the root of the tree" ;;
    6) echo "step 1 of 6 in strategies/huge_image.c" ;;
  esac
}

for n in "${exercises[@]}"; do
  echo "== exercise $n, reference answer"
  if "$SOURCE/scripts/grade" "$n" "$answers" >"$WORK/answer-$n.out" 2>&1; then
    grep -q '^FAIL' "$WORK/answer-$n.out" && fail "exercise $n: exit 0 with a FAIL line"
  else
    fail "exercise $n: the reference answer does not pass"
  fi
  cat "$WORK/answer-$n.out"
  [ "$n" = 6 ] && ! thp_never && ! grep -q '^PASS  a worker maps the image in huge pages' "$WORK/answer-6.out" &&
    fail "exercise 6: huge pages not seen though the kernel gives them"
  echo "== exercise $n, untouched starter"
  if "$SOURCE/scripts/grade" "$n" "$starter" >"$WORK/starter-$n.out" 2>&1; then
    fail "exercise $n: the untouched starter passes"
  fi
  cat "$WORK/starter-$n.out"
  grep -q '^FAIL' "$WORK/starter-$n.out" || fail "exercise $n: the starter has no FAIL line"
  for who in answer starter; do # every rubric line was judged: the grader did not stop half-way
    grep -q "^exercise $n: [0-9]* passed, [0-9]* failed, [0-9]* skipped$" "$WORK/$who-$n.out" ||
      fail "exercise $n ($who): no closing count line"
  done
  grep -qF "$(starter_says "$n")" "$WORK/starter-$n.out" ||
    fail "exercise $n: the starter's grade does not say '$(starter_says "$n")'"
done
[ -z "$(ls -A "$WORK/tmp")" ] || fail "grade left files in its TMPDIR: $(ls -A "$WORK/tmp")"
if [ "$failures" -ne 0 ]; then
  echo "$failures grade check(s) failed" >&2
  exit 1
fi
echo "every grader passes its reference answer and fails its starter"
