#!/usr/bin/env bash
# py: runs keep the C harness's promises where it can check them, and the spec means the same
# on both sides:
#   - --output onto a FIFO: written through, as a C run writes it, the FIFO still a FIFO (it
#     was replaced); the harness opens the output and commits it (harness/run/python_run.c);
#   - --output onto a 0600 file: replaced, still 0600 (it became 0644); through a link of our
#     own: the file it names is replaced, the link stays (the link was replaced);
#   - --output on a full file system (root mounts a tiny tmpfs; skipped otherwise): exit 1,
#     "No space left on device", nothing left beside the filler;
#   - a rule with nested repetition, ((x*)*)*y, a repeated alternation, (a|ab)*c, or 2^40
#     ways through it, (a?)x40 (a)x40: refused by C and py: alike (exit 2, the same message),
#     before the Python program is started, where a backtracking matcher (Python's re) would
#     take exponential time;
#   - a*b on a 1 MB field holding its literal ('a'x999998 '!b'): py:serial, which matches with
#     libc's regexec as C does, gives C's checksum within 60 s (Python's re was killed at 60 s:
#     quadratic backtracking), and [^a] on a byte >= 0x80 under LC_ALL=C.UTF-8 matches as in
#     C (the C locale; glibc in a UTF-8 locale reads the lone byte as no character);
#   - py:memmap's image past ulimit -f 32: exit 1, "cannot reserve N bytes for the model's
#     image: File too large (ulimit -f, ...)", as mapped_file says, nothing left;
#   - kill -9 of sharebench while its Python program builds a large model (over 100 MB
#     resident): the program dies with it (it went on building for tens of seconds);
#   - vocab 4294967295: refused before the Python program builds anything (exit 2, "use a
#     smaller vocab"), as C refuses it (it built until killed).
#   - an escaped letter or digit is that byte on both sides (\w, \b, \1 are operators to
#     glibc's regcomp: C matched every record with \w where py: read a 'w'), and a collating
#     element or equivalence class ([[=a=]]) is refused by both (C accepted it, py: refused it).
# usage: faults_python.sh SHAREBENCH SPECS WORK
set -eu
SHAREBENCH=$1 WORK=$3
export LC_ALL=C
if ! "$SHAREBENCH" list 2>/dev/null | grep -q "py:serial"; then
  echo "skipped: no py: strategies in this build"
  exit 77
fi
. "$(dirname "$0")/lib.sh"
rm -rf "$WORK"
mkdir -p "$WORK"
spec="$WORK/spec.csv"
data="$WORK/input.csv"
cp "$2/tiny.csv" "$spec"
"$SHAREBENCH" gen --spec "$spec" --rows 300 --seed 6 --quiet --output "$data"
py=(run --spec "$spec" --input "$data" --no-baseline --sample-ms 0 --strategy py:serial)

mkfifo "$WORK/fifo"
cat "$WORK/fifo" >"$WORK/from-fifo" & # its open and the run's wait for one another
catpid=$!
run_sb "${py[@]}" --output "$WORK/fifo"
wait "$catpid" || true
expect_eq "py: --output FIFO: exit (stderr: $err)" 0 "$rc"
expect_eq "py: --output FIFO: lines through it" 301 "$(wc -l <"$WORK/from-fifo")"
[ -p "$WORK/fifo" ] || fail "py: --output FIFO: no longer a FIFO"

echo old >"$WORK/private.csv"
chmod 0600 "$WORK/private.csv"
run_sb "${py[@]}" --output "$WORK/private.csv"
expect_eq "py: --output a 0600 file: exit" 0 "$rc"
expect_eq "py: --output a 0600 file: mode" 600 "$(stat -c %a "$WORK/private.csv")"
expect_eq "py: --output a 0600 file: lines" 301 "$(wc -l <"$WORK/private.csv")"

ln -s private.csv "$WORK/link.csv"
echo old >"$WORK/private.csv"
run_sb "${py[@]}" --output "$WORK/link.csv"
expect_eq "py: --output our link: exit" 0 "$rc"
[ -L "$WORK/link.csv" ] || fail "py: --output our link: the link was replaced"
expect_eq "py: --output our link: the file it names" 301 "$(wc -l <"$WORK/private.csv")"

if [ "$(id -u)" = 0 ]; then
  fs="$WORK/fullfs"
  mkdir -p "$fs"
  if mount -t tmpfs -o size=64k tmpfs "$fs"; then
    trap 'umount "$fs" 2>/dev/null || true' EXIT
    head -c 1m /dev/zero >"$fs/filler" 2>/dev/null || true
    run_sb "${py[@]}" --output "$fs/results.csv"
    expect_eq "py: --output on a full file system: exit" 1 "$rc"
    expect_contains "py: --output on a full file system: message" "$err" "No space left on device"
    expect_contains "py: --output on a full file system: names the file" "$err" "$fs/results.csv: write failed"
    expect_eq "py: --output on a full file system: left" filler "$(ls -A "$fs" | tr '\n' ' ' | sed 's/ $//')"
    umount "$fs"
    trap - EXIT
  else
    echo "SKIP: py: --output on a full file system: cannot mount a tmpfs"
  fi
else
  echo "SKIP: py: --output on a full file system: mounting a tmpfs needs root"
fi

# py:memmap's image past ulimit -f: exit 1, the C message with the limit, nothing left.
mkdir -p "$WORK/scratch"
set +e
(ulimit -f 32 && exec "$SHAREBENCH" run --spec "$2/default.csv" --input "$data" --no-baseline \
  --strategy py:memmap --workers 2 --scratch-dir "$WORK/scratch" >"$WORK/out" 2>"$WORK/err")
rc=$?
set -e
expect_eq "py:memmap past ulimit -f: exit" 1 "$rc"
expect_contains "py:memmap past ulimit -f: message" "$(cat "$WORK/err")" "bytes for the model's image: File too large (ulimit -f, the limit on the size of a file written, is 32768 bytes)"
expect_eq "py:memmap past ulimit -f: left" "" "$(ls -A "$WORK/scratch")"

# A rule whose literal is present on a 1 MB field: regexec's cost, on both sides.
printf 'seed,1\nvocab,100\nclasses,4\nrule,text,1,a*b\n' >"$WORK/stars.csv"
{
  echo "id,user,country,amount,text"
  printf '1,u,de,1,'
  head -c 999998 /dev/zero | tr '\0' a
  printf '!b\n2,u,de,1,b\n3,u,de,1,a\n'
} >"$WORK/long.csv"
# In the C locale, as C matches, [^a] matches the lone byte 0xe9 and '.' one byte of the two of
# a UTF-8 e-acute; under C.UTF-8 glibc reads no character in the first, one in the second.
printf 'seed,1\nvocab,100\nclasses,4\nrule,text,2,^[^a]$\nrule,text,3,^x..$\n' >"$WORK/bytes.csv"
printf 'id,user,country,amount,text\n1,u,de,1,\351\n2,u,de,1,x\303\251\n' >"$WORK/bytes-in.csv"
if [ "$(LC_ALL=C.UTF-8 /usr/bin/python3 -c 'import locale; print(locale.setlocale(locale.LC_CTYPE))')" != C.UTF-8 ]; then
  echo "NOTE: no C.UTF-8 locale here: the bytes case runs in the C locale"
fi
for case in "stars:long" "bytes:bytes-in"; do
  for strategy in serial py:serial; do
    set +e
    LC_ALL=C.UTF-8 timeout -s KILL 60 "$SHAREBENCH" run --spec "$WORK/${case%%:*}.csv" \
      --input "$WORK/${case#*:}.csv" --no-baseline --sample-ms 0 --strategy $strategy \
      --output "$WORK/${case%%:*}-$strategy.out" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    set -e
    expect_eq "$strategy, ${case%%:*}: exit (137: killed at 60 s)" 0 "$rc"
  done
  expect_eq "${case%%:*}: py:serial's results are serial's" "$(cat "$WORK/${case%%:*}-serial.out")" \
    "$(cat "$WORK/${case%%:*}-py:serial.out" 2>/dev/null)"
done
expect_eq "bytes: the classes the rules gave" "1,2 2,3" \
  "$(sed 1d "$WORK/bytes-serial.out" | cut -d, -f1,2 | tr '\n' ' ' | sed 's/ $//')"

# The Python program is started through a wrapper that logs each start: a refused spec must
# not get as far as `sharebench_py.py run`.
printf '#!/bin/sh\necho "$*" >>"%s"\nexec /usr/bin/python3 "$@"\n' "$WORK/python-starts" >"$WORK/python"
chmod +x "$WORK/python"
printf 'seed,1\nvocab,100\nclasses,4\nrule,user,1,((((((((((x*)*)*)*)*)*)*)*)*)*)*y\n' >"$WORK/nested.csv"
printf 'seed,1\nvocab,100\nclasses,4\nrule,text,1,(a|ab)*c\n' >"$WORK/alternation.csv"
printf 'seed,1\nvocab,100\nclasses,4\nrule,text,1,%s\n' "$(printf 'a?%.0s' $(seq 40))$(printf 'a%.0s' $(seq 40))" >"$WORK/choices.csv"
for shape in "nested:a quantifier on a group that holds one" \
  "alternation:alternation.csv:4: rule pattern '(a|ab)*c' uses a '*' or '+' on a group that holds a '|'" \
  "choices:choices.csv:4: rule pattern 'a?a?a?" "choices:uses more than 256 ways through it"; do
  for strategy in serial py:serial; do
    : >"$WORK/python-starts"
    set +e
    SHAREBENCH_PYTHON="$WORK/python" timeout -s KILL 60 "$SHAREBENCH" run --spec "$WORK/${shape%%:*}.csv" \
      --input "$data" --no-baseline --strategy $strategy >"$WORK/out" 2>"$WORK/err"
    rc=$?
    set -e
    expect_eq "$strategy, ${shape%%:*}: exit" 2 "$rc"
    expect_contains "$strategy, ${shape%%:*}: message" "$(cat "$WORK/err")" "${shape#*:}"
    if grep -q ' run ' "$WORK/python-starts"; then
      fail "$strategy, ${shape%%:*}: the Python program was started: $(cat "$WORK/python-starts")"
    fi
  done
done

# An escaped letter or digit means that byte, to C and py: alike: the same checksum as the
# pattern written without the escape.
checksum_of() { sed -n 's/.*checksum=\([0-9a-f]*\).*/\1/p' "$WORK/out"; }
for pair in '\w+ \w:w+ w' '(o)\1:(o)1' '\bz:bz' 'k\<:k<'; do
  printf 'seed,1\nvocab,100\nclasses,4\nrule,text,1,%s\n' "${pair%%:*}" >"$WORK/escape.csv"
  printf 'seed,1\nvocab,100\nclasses,4\nrule,text,1,%s\n' "${pair#*:}" >"$WORK/plain.csv"
  run_sb run --spec "$WORK/plain.csv" --input "$data" --no-baseline --sample-ms 0
  plain=$(checksum_of)
  for strategy in serial py:serial; do
    run_sb run --spec "$WORK/escape.csv" --input "$data" --no-baseline --sample-ms 0 --strategy $strategy
    expect_eq "$strategy, rule ${pair%%:*}: the checksum of ${pair#*:}" "$plain" "$(checksum_of)"
  done
done
printf 'seed,1\nvocab,100\nclasses,4\nrule,text,1,[[=a=]]b\n' >"$WORK/collating.csv"
for strategy in serial py:serial; do
  run_sb run --spec "$WORK/collating.csv" --input "$data" --no-baseline --sample-ms 0 --strategy $strategy
  expect_eq "$strategy, [[=a=]]: exit" 2 "$rc"
  expect_contains "$strategy, [[=a=]]: message" "$err" \
    "collating.csv:4: rule pattern '[[=a=]]b' does not compile: collating elements [. .] and [= =] are not supported here"
done

# kill -9 of the harness during the model build.
"$SHAREBENCH" run --spec "$2/large.csv" --input "$data" --no-baseline --strategy py:serial \
  >"$WORK/out" 2>"$WORK/err" &
sb=$!
prog=""
for _ in $(seq 1 1200); do # until the program is building (60 s at most)
  prog=$(pgrep -P $sb -f sharebench_py.py || true)
  rss=$([ -n "$prog" ] && sed -n 's/^VmRSS:\s*\([0-9]*\).*/\1/p' /proc/"$prog"/status 2>/dev/null || echo 0)
  [ "${rss:-0}" -gt 100000 ] && break
  sleep 0.05
done
[ -n "$prog" ] || fail "kill -9 during the build: no Python program seen"
kill -9 $sb
reap $sb
gone=no
for _ in $(seq 1 200); do # 10 s
  state=$(sed -n 's/^State:\s*\(.\).*/\1/p' /proc/"$prog"/status 2>/dev/null || true)
  if [ -z "$state" ] || [ "$state" = Z ]; then gone=yes && break; fi
  sleep 0.05
done
expect_eq "kill -9 of sharebench during a py: model build: the program ended" yes "$gone"
[ "$gone" = yes ] || kill -9 "$prog" 2>/dev/null || true

# A spec on a FIFO: read once by the checks, the run (and its Python program) would wait for
# ever for a second writer: refused up front by C and py: alike.
mkfifo "$WORK/spec.fifo"
for strategy in serial py:serial; do
  set +e
  timeout -s KILL 60 "$SHAREBENCH" run --spec "$WORK/spec.fifo" --input "$data" --no-baseline \
    --strategy $strategy >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  expect_eq "$strategy, --spec a FIFO: exit" 2 "$rc"
  expect_contains "$strategy, --spec a FIFO: message" "$(cat "$WORK/err")" "--spec must be a regular file"
done

printf 'seed,1\nvocab,4294967295\nclasses,4\n' >"$WORK/huge.csv"
set +e
timeout -s KILL 60 "$SHAREBENCH" run --spec "$WORK/huge.csv" --input "$data" --no-baseline \
  --strategy py:serial >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect_eq "py: vocab 4294967295: exit" 2 "$rc"
expect_contains "py: vocab 4294967295: message" "$(cat "$WORK/err")" "use a smaller vocab"
finish
