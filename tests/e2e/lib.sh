# lib.sh - helpers for the end-to-end tests: run a command, capture what it says, check it.
# Sourced; expects SHAREBENCH (the binary) and WORK (a scratch folder) to be set.
set -u

failures=0

# SHAREBENCH_FAIL_FAST=1 (scripts/mutants sets it): stop at the first failed check.
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
  [ -z "${SHAREBENCH_FAIL_FAST:-}" ] || exit 1
}

# run_sb ARGS...: runs sharebench; sets rc, out (stdout), err (stderr).
run_sb() {
  set +e
  "$SHAREBENCH" "$@" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  out=$(cat "$WORK/out")
  err=$(cat "$WORK/err")
}

# signal_and_wait PID SIG WHAT: send SIG to PID, a child of this shell, and wait for it to end
# (a failure and kill -9 if it still runs 30 s later); sets rc to its exit status.
signal_and_wait() {
  kill -"$2" "$1" 2>/dev/null || true
  for _ in $(seq 1 600); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$1" 2>/dev/null; then
    fail "$3: still running 30 s after SIG$2"
    kill -9 "$1"
  fi
  set +e
  wait "$1"
  rc=$?
  set -e
}

# summary_value KEY: the value of KEY in the last line of stdout (key=value form).
summary_value() {
  tail -n 1 "$WORK/out" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

expect_eq() { # what expected actual
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

expect_contains() { # what haystack needle
  case "$2" in
    *"$3"*) ;;
    *) fail "$1: expected to contain '$3', got: $2" ;;
  esac
}

# wait_or_kill PID SECONDS: wait for a background process, at most SECONDS; one still
# running then is killed (-9) and rc is "timeout", else rc is its exit status.
wait_or_kill() {
  local pid=$1 i
  for ((i = 0; i < $2 * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rc=timeout
    return 0
  fi
  set +e
  wait "$pid"
  rc=$?
  set -e
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}
