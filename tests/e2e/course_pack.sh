#!/usr/bin/env bash
# scripts/course-pack: the student pack holds no answers (no docs/answers, no line of them, no
# reference figure; its documents point at nothing it lacks), builds, and passes the tests
# that apply to it; the search finds answer text planted in it; the instructor pack has the
# answers, the rubric and the graders; the tarballs hold the same trees.
# usage: course_pack.sh SOURCE_DIR WORK
set -eu
SOURCE=$1 WORK=$2
rm -rf "$WORK"
mkdir -p "$WORK"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

"$SOURCE/scripts/course-pack" "$WORK/out" --tarball >"$WORK/pack.out" 2>&1 || fail "course-pack failed: $(cat "$WORK/pack.out")"
cat "$WORK/pack.out"
grep -q "answer lines and .* reference figures: 0 found" "$WORK/pack.out" || fail "no search reported"
student=$WORK/out/student/sharebench instructor=$WORK/out/instructor/sharebench
for gone in docs/answers tests/e2e/grade.sh; do
  [ ! -e "$student/$gone" ] || fail "the student pack has $gone"
done
for kept in docs/answers/RUBRIC.md docs/answers/predictions/01.txt docs/answers/code/memfd_share.c scripts/grade; do
  [ -e "$instructor/$kept" ] || fail "the instructor pack lacks $kept"
done
for kept in scripts/grade docs/exercises/predictions/01.txt examples/cow_smaps.c; do
  [ -e "$student/$kept" ] || fail "the student pack lacks $kept"
done
tar -tzf "$WORK/out/sharebench-student.tar.gz" | grep -q '^sharebench/docs/answers' && fail "the student tarball has docs/answers"
tar -tzf "$WORK/out/sharebench-instructor.tar.gz" | grep -q '^sharebench/docs/answers/RUBRIC.md$' || fail "the instructor tarball lacks the rubric"
# The documents a student reads point at nothing the pack lacks.
if grep -n 'answers/' "$student/README.md" "$student"/docs/*.md "$student"/docs/exercises/*.md; then
  fail "a student document points at the answers"
fi
git -C "$student" status --porcelain | grep -q . && fail "the student pack is not one clean commit"

# The search is not blind: a sentence of an answer, and a reference figure, planted.
cp -r "$student" "$WORK/planted"
grep -m 1 'Each exec.d worker builds its own model' "$SOURCE/docs/answers/04-registry-exec.md" >>"$WORK/planted/docs/GUIDE.md"
grep -m 1 '^bytes_shipped = [0-9]\{5,\}' "$SOURCE/docs/answers/predictions/01.txt" >>"$WORK/planted/docs/exercises/predictions/01.txt"
if "$SOURCE/scripts/course-pack" --search "$WORK/planted" >"$WORK/search.out" 2>&1; then
  fail "planted answer text not found"
fi
grep -q "docs/GUIDE.md:" "$WORK/search.out" || fail "the planted sentence is not named: $(cat "$WORK/search.out")"
grep -q "docs/exercises/predictions/01.txt:" "$WORK/search.out" || fail "the planted figure is not named"

# The student pack builds and passes the tests that apply to it; those needing answers are gone.
cmake -S "$student" -B "$student/build" -DCMAKE_BUILD_TYPE=Release -DSHAREBENCH_BENCHMARKS=OFF \
  -DSHAREBENCH_WERROR=ON >"$WORK/configure.log" 2>&1 || { cat "$WORK/configure.log" >&2; exit 1; }
ctest --test-dir "$student/build" -N | grep -E -q ' (answers|grade)$' && fail "tests needing the answers are listed"
timeout 1500 cmake --build "$student/build" -j2 --target sharebench test_workload cow_smaps memfd_seal \
  scm_rights fork_time >"$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; exit 1; }
ctest --test-dir "$student/build" --output-on-failure \
  -R '^(docs|predict|cli|unit_workload|conformance_serial|conformance_global_fork|example_.*)$' >"$WORK/ctest.out" 2>&1 ||
  fail "the student pack's tests fail: $(tail -n 20 "$WORK/ctest.out")"
grep -E "tests passed|Passed|Failed" "$WORK/ctest.out"
if [ "$failures" -ne 0 ]; then
  echo "$failures course-pack check(s) failed" >&2
  exit 1
fi
echo "the student pack has no answers, builds, and passes its tests"
