#!/usr/bin/env bash
# The tests: install what is missing, then build and run the whole suite with gcc under
# AddressSanitizer + UndefinedBehaviorSanitizer (the dev preset), the compiler-sensitive part
# again with clang (all but the tests labelled "behaviour": see tests/CMakeLists.txt), both
# with warnings as errors, then the threaded parts under ThreadSanitizer (the tsan preset).
#
# usage: scripts/test.sh [PRESET...]     (default: dev clang tsan)
set -euo pipefail
cd "$(dirname "$0")/.."

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
