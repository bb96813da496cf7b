#!/usr/bin/env bash
# sharebench-mpi over simulated nodes (scripts/mpi-nodes: one UTS namespace per node, TCP
# between them), 2 nodes x 2 ranks and 3 nodes x 1 rank, both MPI strategies:
#   1. the exact conformance figures, also on a file whose split points fall inside a quoted
#      field holding line ends;
#   2. memory per simulated node: mpi_shared_window about 1 model copy on every node,
#      mpi_bcast_copy about one per rank of the node; each node reported, and the total;
#   3. a rank killed with SIGKILL (or its node's daemon: the node lost) ends the job with a
#      clear message, and leaves no process of the job on any node and nothing new in
#      /dev/shm or Open MPI's session directories;
#   4. usage: --help, bad arguments, and the refusal when not root.
# Needs root (namespaces): otherwise, or where namespaces are not allowed, it exits 77 (SKIP).
# usage: mpi_nodes.sh SHAREBENCH SHAREBENCH_MPI MPI_NODES CONFORMANCE_DIR SPECS_DIR WORK
set -eu
SHAREBENCH=$1 MPI_BIN=$2 MPI_NODES=$3 DIR=$4 SPECS=$5 WORK=$6
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
# Open MPI's plugins leak at exit in ways LeakSanitizer cannot attribute (unloaded modules);
# memory errors and undefined behaviour are still caught in these runs.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# Open MPI's session directories go under TMPDIR: a private one, so that the simulated nodes'
# directories of another job on this machine (another test suite running meanwhile) are never
# taken for ours, nor ours for theirs. Short: Open MPI's sockets live there.
TMPDIR=$(mktemp -d /tmp/sbmn.XXXXXX)
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

if ! why=$("$MPI_NODES" --check 2>&1); then
  echo "SKIP: nodes cannot be simulated here: $why"
  exit 77
fi

run_nodes() { # NODES RANKS_PER_NODE SHAREBENCH-MPI-ARGS...
  local nodes=$1 per_node=$2
  shift 2
  set +e
  "$MPI_NODES" --nodes "$nodes" --ranks-per-node "$per_node" --mpi "$MPI_BIN" --timeout 120 \
    -- "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
  rc=$?
  set -e
  out=$(cat "$WORK/out")
  err=$(cat "$WORK/err")
}

layouts="2x2 3x1"

check_figures() { # WHAT SPEC RECORDS ROWS REJECTED CHECKSUM
  local what=$1 spec=$2 records=$3 rows=$4 rejected=$5 checksum=$6 layout n r
  for layout in $layouts; do
    n=${layout%x*} r=${layout#*x}
    for strategy in mpi_shared_window mpi_bcast_copy; do
      run_nodes "$n" "$r" --spec "$spec" --input "$records" --strategy "$strategy"
      local at="$what $strategy $layout"
      expect_eq "$at exit" 0 "$rc"
      [ "$rc" = 0 ] || echo "$err" | tail -5 >&2
      expect_eq "$at rows" "$rows" "$(summary_value rows)"
      expect_eq "$at rejected" "$rejected" "$(summary_value rejected)"
      expect_eq "$at checksum" "$checksum" "$(summary_value checksum)"
      expect_eq "$at nodes" "$n" "$(summary_value nodes)"
      expect_eq "$at ranks per node" "$r" "$(summary_value ranks_per_node)"
      expect_eq "$at ranks" $((n * r)) "$(summary_value workers)"
    done
  done
}

# 1. The conformance cases, then split points inside a quoted field with line ends: one long
# record in the middle of the file whose text spans the raw split points of 2, 3 and 4 ranks.
cases=$(grep -E '^\| spec-' "$DIR/EXPECTED.md" | tr -d ' ') checked=0
while IFS='|' read -r _ spec records rows rejected checksum _; do
  check_figures "$records" "$DIR/$spec" "$DIR/$records" "$rows" "$rejected" "$checksum"
  checked=$((checked + 1))
done <<<"$cases"
expect_eq "conformance cases checked (none cut short)" "$(wc -l <<<"$cases")" "$checked"
quoted="$WORK/quoted.csv"
python3 - "$DIR/records-tiny.csv" "$quoted" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
lines = open(src, "rb").read().split(b"\n")
header, rows = lines[0], [l for l in lines[1:] if l]
text = b"\r\n".join(b"line %d of a long quoted text, with commas and \"\"quotes\"\"" % i
                    for i in range(3000))
middle = b'999999,userq,FR,1.5,"' + text + b'"'
body = b"\n".join([header] + rows[:20] + [middle] + rows[20:40]) + b"\n"
open(dst, "wb").write(body)
start = body.index(middle) + len(b'999999,userq,FR,1.5,"')
end = start + len(text)
for n in (2, 3, 4):
    for i in range(1, n):
        raw = len(body) * i // n
        assert start < raw < end, (n, i, raw, start, end)
        assert b"\r\n" in body[raw - 200:raw + 200]
PY
run_sb run --spec "$DIR/spec-tiny.csv" --input "$quoted" --strategy serial --no-baseline
expect_eq "serial over the quoted file" 0 "$rc"
check_figures quoted "$DIR/spec-tiny.csv" "$quoted" "$(summary_value rows)" \
  "$(summary_value rejected)" "$(summary_value checksum)"

# 2. Memory per simulated node, the default spec (a 34 MB image): every node is listed, in
# node_pss_by_node_mb and model_copies_by_node, and the total is their sum.
data="$WORK/default.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$SPECS/default.csv" --rows 20000 --seed 3 --quiet --output "$data"
for layout in $layouts; do
  n=${layout%x*} r=${layout#*x}
  for strategy in mpi_shared_window mpi_bcast_copy; do
    run_nodes "$n" "$r" --spec "$SPECS/default.csv" --input "$data" --strategy "$strategy"
    at="$strategy $layout"
    expect_eq "$at memory run exit" 0 "$rc"
    copies=$(summary_value model_copies_by_node) pss=$(summary_value node_pss_by_node_mb)
    echo "$at: model copies by node $copies, node PSS MB $pss, total $(summary_value pss_total_mb)"
    want=1
    [ "$strategy" = mpi_shared_window ] || want=$r
    awk -v list="$copies" -v n="$n" -v want="$want" 'BEGIN {
      k = split(list, c, "/"); if (k != n) exit 1
      for (i = 1; i <= k; i++) if (c[i] < want - 0.25 || c[i] > want + 0.35) exit 1 }' ||
      fail "$at: model copies by node '$copies', expected $n nodes of about $want"
    awk -v list="$pss" -v n="$n" -v total="$(summary_value pss_total_mb)" \
      -v largest="$(summary_value node_pss_mb)" 'BEGIN {
      k = split(list, p, "/"); if (k != n) exit 1
      for (i = 1; i <= k; i++) { s += p[i]; if (p[i] > m) m = p[i] }
      if (s - total > 0.01 * k || total - s > 0.01 * k || m - largest > 0.01 || largest - m > 0.01) exit 1 }' ||
      fail "$at: node PSS '$pss' does not add up to pss_total_mb or give node_pss_mb"
  done
done

# 3. A rank killed with SIGKILL, then a whole node (its daemon). Every process of the job carries a mark in its environment,
# so that any survivor can be found without relying on names or parents.
big="$WORK/big.csv"
[ -s "$big" ] || "$SHAREBENCH" gen --spec "$SPECS/default.csv" --rows 300000 --seed 5 --quiet --output "$big"
cat >"$WORK/rank.sh" <<EOF
#!/bin/sh
# Records this rank's pid, then becomes the rank.
echo \$\$ >"$WORK/pids/rank.\$OMPI_COMM_WORLD_RANK"
exec "$MPI_BIN" "\$@"
EOF
chmod +x "$WORK/rank.sh"
# What a job on the simulated nodes may leave: Open MPI's shared-memory segments and session
# directories carry the node's name (other programs' segments in /dev/shm are not ours to judge).
segments() { (cd /dev/shm && ls -d -- *127.0.0.* 2>/dev/null) || true; }
sessions() { ls -d "${TMPDIR:-/tmp}"/ompi.127.0.0.* 2>/dev/null || true; }
survivors() { # MARK: the live processes whose environment holds MARK
  local f
  for f in /proc/[0-9]*; do
    grep -qsz "^SHAREBENCH_TEST_JOB=$1\$" "$f/environ" || continue
    grep -qs '^State:[[:space:]]*Z' "$f/status" || echo "${f#/proc/} $(cat "$f/comm" 2>/dev/null)"
  done
}
kill_case() { # STRATEGY WHEN VICTIM: kill rank 3 (node 127.0.0.3), or its node's daemon, at
  # start or once the model is shared
  local strategy=$1 when=$2 victim=$3 mark="$$-$1-$3" pid="" i shm_before sessions_before
  local at="kill $victim of rank 3, $strategy, at $when"
  rm -rf "$WORK/pids"
  mkdir "$WORK/pids"
  shm_before=$(segments) sessions_before=$(sessions)
  SHAREBENCH_TEST_JOB=$mark "$MPI_NODES" --nodes 2 --ranks-per-node 2 --mpi "$WORK/rank.sh" \
    --timeout 60 -- --spec "$SPECS/default.csv" --input "$big" --strategy "$strategy" \
    >"$WORK/out" 2>"$WORK/err" &
  local job=$!
  for ((i = 0; i < 500; i++)); do # 10 s
    pid=$(cat "$WORK/pids/rank.3" 2>/dev/null) || true
    if [ -n "$pid" ]; then
      [ "$when" = start ] && break
      grep -qs /dev/shm/osc_sm "/proc/$pid/maps" && break
    fi
    sleep 0.02
  done
  # Stopped first, so that it dies exactly there and not a moment later. For the daemon, rank 3
  # is stopped too: the job must not finish in the moment before its node is lost.
  [ -n "$pid" ] && kill -STOP "$pid" 2>/dev/null
  [ "$victim" = rank ] || pid=$(ps -o ppid= -p "$pid" | tr -d ' ')
  if [ -n "$pid" ] && kill -STOP "$pid" 2>/dev/null; then
    sleep 0.3
    kill -KILL "$pid"
  else
    fail "$at: rank 3 never ran, or ended before it could be killed"
  fi
  reap "$job"
  err=$(cat "$WORK/err")
  expect_eq "$at: exit" 1 "$rc"
  if [ "$victim" = rank ]; then
    expect_contains "$at: says which rank died" "$err" \
      "mpi-nodes: the job died (2 nodes x 2 ranks): rank 3 on node 127.0.0.3 exited on signal 9 (Killed);"
  else
    expect_contains "$at: says which node died" "$err" \
      "mpi-nodes: the job died (2 nodes x 2 ranks): node 127.0.0.3 was lost"
  fi
  expect_contains "$at: says it cleaned up" "$err" "no process of any node is left"
  [ -z "$(cat "$WORK/out")" ] || fail "$at: printed a summary: $(cat "$WORK/out")"
  local left
  left=$(survivors "$mark")
  [ -z "$left" ] || fail "$at: processes of the job survived it: $left"
  [ "$(segments)" = "$shm_before" ] || fail "$at: /dev/shm segments were '$shm_before', now '$(segments)'"
  [ "$(sessions)" = "$sessions_before" ] || fail "$at: session directories left: $(sessions)"
}
kill_case mpi_shared_window shared rank
kill_case mpi_bcast_copy start rank
kill_case mpi_shared_window shared daemon

# 4. Usage.
set +e
"$MPI_NODES" --help >"$WORK/out" 2>&1
expect_eq "--help exit" 0 "$?"
expect_contains "--help" "$(cat "$WORK/out")" "--ranks-per-node"
"$MPI_NODES" --nodes 0 -- --help >"$WORK/out" 2>&1
expect_eq "--nodes 0: exit" 2 "$?"
expect_contains "--nodes 0: says why" "$(cat "$WORK/out")" "--nodes must be from 1 to 200, not 0"
"$MPI_NODES" --nodes 2 >"$WORK/out" 2>&1
expect_eq "no sharebench-mpi arguments: exit" 2 "$?"
expect_contains "no sharebench-mpi arguments: says so" "$(cat "$WORK/out")" "no sharebench-mpi arguments"
"$MPI_NODES" --mpi "$WORK/none" -- --help >"$WORK/out" 2>&1
expect_eq "missing binary: exit" 2 "$?"
expect_contains "missing binary: names it" "$(cat "$WORK/out")" "$WORK/none: no such executable"
if setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$MPI_NODES" 2>/dev/null; then
  setpriv --reuid=65534 --regid=65534 --clear-groups "$MPI_NODES" --mpi "$MPI_BIN" -- --help \
    >"$WORK/out" 2>&1
  expect_eq "not root: exit" 3 "$?"
  expect_contains "not root: says so" "$(cat "$WORK/out")" "mpi-nodes: needs root"
else
  echo "note: the not-root refusal is not checked (user 65534 cannot run $MPI_NODES)"
fi
set -e
# sharebench-mpi's own failures come through with its status.
run_nodes 2 1 --spec "$DIR/spec-tiny.csv" --input "$WORK/none.csv" --strategy mpi_bcast_copy
expect_eq "missing input: exit" 2 "$rc"
expect_contains "missing input: names it" "$err" "$WORK/none.csv: cannot open"
finish
