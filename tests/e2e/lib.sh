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

# wait_gone PID SECONDS: wait for PID to end, at most SECONDS; fails (status 1) if it still runs.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.05
  done
  ! kill -0 "$1" 2>/dev/null
}

# process_state PID: the state /proc shows for PID (R, S, D; T stopped; Z ended, not yet
# reaped), or nothing once it is gone.
process_state() { sed -n 's/^[0-9]* (.*) \(.\) .*/\1/p' "/proc/$1/stat" 2>/dev/null || true; }

# wait_state PID STATE SECONDS: wait until PID is in STATE, at most SECONDS; fails (status 1)
# if it is not.
wait_state() {
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    [ "$(process_state "$1")" = "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

# wait_test_stop DIR ID PARENT SECONDS: wait until the process of PARENT's run that met record
# ID under SHAREBENCH_TEST_STOP (harness/pool/test_hooks.h) has stopped there, and print its
# pid. Fails (status 1) if PARENT ends first or SECONDS pass.
wait_test_stop() {
  local i
  for ((i = 0; i < $4 * 20; i++)); do
    if [ -s "$1/stop-$2" ]; then
      wait_state "$(cat "$1/stop-$2")" T "$4" || return 1
      cat "$1/stop-$2"
      return 0
    fi
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# reap PID: wait for PID, a child of this shell that has ended or is ending; sets rc to its
# exit status.
reap() {
  set +e
  wait "$1"
  rc=$?
  set -e
}

# signal_and_wait PID SIG WHAT: send SIG to PID, a child of this shell, and wait for it to end
# (a failure and kill -9 if it still runs 30 s later); sets rc to its exit status.
signal_and_wait() {
  kill -"$2" "$1" 2>/dev/null || true
  if ! wait_gone "$1" 30; then
    fail "$3: still running 30 s after SIG$2"
    kill -9 "$1"
  fi
  reap "$1"
}

# summary_value KEY: the value of KEY in the last line of stdout (key=value form).
summary_value() {
  tail -n 1 "$WORK/out" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# median VALUES...: the middle one of an odd number of numbers.
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }

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
  if wait_gone "$1" "$2"; then
    reap "$1"
    return 0
  fi
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  rc=timeout
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}
