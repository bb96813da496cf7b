#!/usr/bin/env bash
# What README.md promises about the command line, held to the code:
#   - its flag tables agree with every command's --help, both ways, defaults included
#     (readme_flags.py);
#   - the defaults are the ones in effect: run's strategy, workers (online CPUs), chunk,
#     range size, field limit, start; compare's strategies' workers, repeats, feed, chunk and
#     start; gen's seed;
#   - "at most 2 tasks waiting per worker": a worker that stops reading holds exactly 2 when
#     it is killed.
# usage: readme.sh SHAREBENCH README CONFORMANCE_DIR WORK
set -eu
SHAREBENCH=$1 README=$2 CONF=$3 WORK=$4
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
spec="$CONF/spec-tiny.csv" records="$CONF/records-tiny.csv" # 2000 records

# 1. The flag tables.
python3 "$(dirname "$0")/readme_flags.py" "$SHAREBENCH" "$README" || fail "README.md's flag tables and --help differ (above)"

# 2. run's defaults, in effect.
run_sb run --spec "$spec" --input "$records" --no-baseline
expect_eq "run: default strategy" serial "$(summary_value strategy)"
run_sb run --spec "$spec" --input "$records" --strategy global_fork --no-baseline
expect_eq "run: default workers (online CPUs)" "$(getconf _NPROCESSORS_ONLN)" "$(summary_value workers)"
expect_eq "run: default start" fork "$(summary_value start)"
expect_eq "run: default range_bytes (1M)" 1048576 "$(summary_value range_bytes)"
run_sb run --spec "$spec" --input "$records" --strategy global_fork --feed records --no-baseline
expect_eq "run: default chunk" 256 "$(summary_value chunk)"
expect_eq "run: tasks of the default chunk" 8 "$(summary_value chunks)" # 2000 / 256, rounded up
python3 - "$WORK/field-limit.csv" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"id,user,country,amount,text\n")
    f.write(b"1,u,fr,1.5," + b"a" * (1 << 20) + b"\n")
    f.write(b"2,u,fr,1.5," + b"a" * ((1 << 20) + 1) + b"\n")
PY
run_sb run --spec "$spec" --input "$WORK/field-limit.csv" --no-baseline
expect_eq "run: default field limit (1M): rows rejected" "1 1" "$(summary_value rows) $(summary_value rejected)"
expect_contains "run: default field limit (1M)" "$err" "field-limit.csv:3: rejected: field of 1048577 bytes"

# 3. compare's defaults: workers 1,2,4, 3 repeats, the range feed, fork; chunk 256 for records.
run_sb compare --spec "$spec" --input "$records" --strategies global_fork --out "$WORK/compare.csv"
expect_eq "compare: exit" 0 "$rc"
expect_eq "compare: default runs (workers, repeats, feed, start)" \
  "$(printf '%s\n' {1,2,3}",1,2,4,ranges,fork")" \
  "$(python3 - "$WORK/compare.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for rnd in sorted({r["round"] for r in rows}):
    same = [r for r in rows if r["round"] == rnd]
    print(",".join([rnd] + sorted(r["workers"] for r in same) + sorted({r["feed"] for r in same}) +
                   sorted({r["start"] for r in same})))
PY
)"
run_sb compare --spec "$spec" --input "$records" --strategies global_fork --feed records \
  --workers 2 --repeat 1 --out "$WORK/compare-records.csv"
expect_eq "compare: default chunk" 256 "$(python3 -c 'import csv, sys; print(next(csv.DictReader(open(sys.argv[1])))["chunk"])' "$WORK/compare-records.csv")"

# 4. gen's default seed is 1.
"$SHAREBENCH" gen --spec "$spec" --rows 50 --quiet --output "$WORK/gen-default.csv"
"$SHAREBENCH" gen --spec "$spec" --rows 50 --seed 1 --quiet --output "$WORK/gen-1.csv"
cmp -s "$WORK/gen-default.csv" "$WORK/gen-1.csv" || fail "gen: the default seed is not 1"

# 5. At most 2 tasks wait per worker. Stop one worker (SIGSTOP): the pool keeps it full, and
# when it is killed its tasks are the ones it held, said in the message.
data="$WORK/long.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$spec" --rows 200000 --seed 2 --quiet --output "$data"
"$SHAREBENCH" run --spec "$spec" --input "$data" --strategy global_fork --workers 2 \
  --range-bytes 16K --no-baseline >"$WORK/out" 2>"$WORK/err" &
parent=$!
victim=""
for _ in $(seq 1 200); do
  victim=$(pgrep -P "$parent" | head -n 1 || true)
  [ -n "$victim" ] && break
  sleep 0.1
done
if [ -n "$victim" ]; then
  kill -STOP "$victim"
  sleep 1 # the pool fills it up to the limit, and waits
  kill -9 "$victim"
fi
wait_or_kill "$parent" 120
expect_eq "in-flight run: exit" 0 "$rc"
[ -n "$victim" ] || fail "in-flight: no worker to stop"
expect_contains "in-flight: a stopped worker holds 2 tasks" "$(cat "$WORK/err")" \
  "(pid $victim) was killed by signal 9 (Killed); its 2 chunks"
finish
