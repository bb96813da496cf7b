#!/usr/bin/env bash
# scripts/grade on two copies of the source tree, as students would hand them in: the reference
# answers (docs/answers/code and docs/answers/predictions put in place the documented way) must
# PASS every exercise, built with warnings as errors, and the untouched starters (fresh
# scaffolds, the prediction templates) must FAIL each with the message that says what to do.
# Then exercise 3's answer without its fix: check passes it, the grader must not (it leaves its
# object in /dev/shm when killed).
# usage: grade.sh SOURCE_DIR C_COMPILER WORK [EXERCISE...]   (default: every exercise, 0-6)
set -eu
SOURCE=$1 CC_PATH=$2 WORK=$3
shift 3
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
  # The build scripts/grade makes, configured first: warnings are errors here.
  cmake -S "$1" -B "$1/build/grade" -DCMAKE_BUILD_TYPE=Release -DSHAREBENCH_BENCHMARKS=OFF \
    -DBUILD_TESTING=OFF -DSHAREBENCH_WERROR=ON -DCMAKE_C_COMPILER="$CC_PATH" >"$WORK/configure.log" 2>&1 ||
    { cat "$WORK/configure.log" >&2; exit 1; }
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
grep -q "^PASS  memfd_share.c builds: against libsharebench_core.a, 0 warnings" "$WORK/answer-5.out" 2>/dev/null ||
  [ ! -f "$WORK/answer-5.out" ] || fail "exercise 5: the answer does not build without warnings"

if [ ! -f "$WORK/answer-3.out" ]; then :; else
  echo "== exercise 3, the answer without its fix"
  (cd "$answers" && patch -s -R -p1 <"$code/shm_posix-fix.patch")
  "$SOURCE/scripts/grade" 3 "$answers" >"$WORK/unfixed-3.out" 2>&1 && fail "exercise 3: the unfixed answer passes"
  cat "$WORK/unfixed-3.out"
  grep -q '^PASS  sharebench check passes' "$WORK/unfixed-3.out" || fail "exercise 3 unfixed: check should pass it"
  grep -q '^FAIL  a parent killed with SIGKILL leaves nothing in /dev/shm: /dev/shm/sharebench-[0-9]* stayed' "$WORK/unfixed-3.out" ||
    fail "exercise 3 unfixed: the leftover is not reported"
  grep -q '^FAIL  the shared memory name is removed before any worker starts' "$WORK/unfixed-3.out" ||
    fail "exercise 3 unfixed: the late unlink is not reported"
fi
[ -z "$(ls -A "$WORK/tmp")" ] || fail "grade left files in its TMPDIR: $(ls -A "$WORK/tmp")"
if [ "$failures" -ne 0 ]; then
  echo "$failures grade check(s) failed" >&2
  exit 1
fi
echo "every grader passes its reference answer and fails its starter"
