#!/usr/bin/env bash
# The tests: install what is missing, then build and run the whole suite with gcc under
# AddressSanitizer + UndefinedBehaviorSanitizer (the dev preset), the compiler-sensitive part
# again with clang (all but the tests labelled "behaviour": see tests/CMakeLists.txt), both
# with warnings as errors, then the threaded parts under ThreadSanitizer (the tsan preset).
# SHAREBENCH_LONG=1 (CI sets it) runs the longest variants too (see tests/CMakeLists.txt).
#
# usage: scripts/test.sh [PRESET...]              (default: dev clang tsan)
#        scripts/test.sh --repeat N TEST... [--preset PRESET]
#          builds PRESET (default dev) and runs each TEST (a ctest name, exact) N times in a
#          row, one at a time, stopping at its first failure: to see whether a test is steady.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = --repeat ]; then
  [ $# -ge 3 ] && [ "$2" -gt 0 ] 2>/dev/null || {
    echo "usage: scripts/test.sh --repeat N TEST... [--preset PRESET]" >&2
    exit 2
  }
  n=$2 preset=dev tests=()
  shift 2
  while [ $# -gt 0 ]; do
    case "$1" in
      --preset) preset=${2:?--preset needs a name}; shift 2 ;;
      *) tests+=("$1"); shift ;;
    esac
  done
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j"$(nproc)"
  status=0
  for t in "${tests[@]}"; do
    started=$(date +%s)
    # ctest's own repeat: until-fail:N stops at the first failure; -R must match one test
    if ctest --preset "$preset" -R "^${t}\$" --repeat until-fail:"$n" --output-on-failure \
      >"build/$preset/repeat-$t.log" 2>&1 &&
      grep -q '100% tests passed' "build/$preset/repeat-$t.log"; then
      echo "$t: passed $n times in a row ($(($(date +%s) - started)) s)"
    else
      status=1
      echo "$t: FAILED (or not found) within $n runs: see build/$preset/repeat-$t.log"
    fi
  done
  exit $status
fi

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(dev clang tsan)

bash scripts/install-deps
for preset in "${presets[@]}"; do
  printf '\n== %s: build\n' "$preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j"$(nproc)"
  printf '\n== %s: test\n' "$preset"
  ctest --preset "$preset" -j"$(nproc)"
done
echo "all tests passed (${presets[*]})"
