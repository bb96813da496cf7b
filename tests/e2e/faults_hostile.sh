#!/usr/bin/env bash
# A hostile second user sharing a directory with the one who runs sharebench (root here, the
# worst case: root passes every permission check). The test makes that user (sbhostile) and
# a sticky 1777 folder of its own, and what the user plants there must never lead a run to
# write anywhere else or replace the user's files:
#   - a symbolic link of theirs as --output (run and gen, both temporaries), --timeline,
#     compare's --out, compare's --timelines DIR (refused once, before any run), a directory on the way (DIR/x where DIR is their link), FILE.partial of
#     an interrupted run: refused (exit 2 before any work, or the partial refused), the file the
#     link names untouched, nothing created in the folder the link leads to;
#   - a regular file or FIFO of theirs as --output: refused, left as it was;
#   - their FILE.tmpPID planted for the named-temporary path: never opened or removed;
#   - `sharebench clean` keeps their stale image (as root it could remove it), and does not
#     follow their link as --scratch-dir.
# Links of our own are still followed (faults_output holds that).
# Needs root to make the user: exit 77 (skipped) otherwise.
# usage: faults_hostile.sh SHAREBENCH SPECS WORK
set -eu
SHAREBENCH=$1 WORK=$3
if [ "$(id -u)" != 0 ]; then
  echo "skipped: needs root, to create a second user and plant files as that user"
  exit 77
fi
rm -rf "$WORK"
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
SPEC="$WORK/spec.csv"
cp "$2/tiny.csv" "$SPEC"
chmod 0644 "$SPEC"
HOSTILE=sbhostile
id "$HOSTILE" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$HOSTILE" ||
  { echo "skipped: cannot create the user $HOSTILE"; exit 77; }
as_hostile() { setpriv --reuid="$HOSTILE" --regid="$HOSTILE" --clear-groups -- "$@"; }

# The folder both users write to, like /tmp. It must be reachable by the second user, which
# the build tree may not be (a clone under /root, or in a mktemp -d): a folder of its own under
# /tmp, removed at the end.
shared=$(mktemp -d "${TMPDIR:-/tmp}/sharebench-hostile.XXXXXX")
trap 'rm -rf "$shared"' EXIT
chmod 1777 "$shared"
private="$WORK/private" # root's own: 0700, holding a file only root may change
mkdir "$private"
chmod 0700 "$private"
echo "root's secret" >"$private/secret"
chmod 0600 "$private/secret"
data="$WORK/input.csv"
"$SHAREBENCH" gen --spec "$SPEC" --rows 500 --seed 1 --quiet --output "$data"
chmod 0644 "$data"

# secret_intact WHAT: the file the links lead to is as it was, and nothing was added beside it.
secret_intact() {
  expect_eq "$1: the secret" "root's secret" "$(cat "$private/secret")"
  expect_eq "$1: the private folder" "secret" "$(ls -A "$private" | tr '\n' ' ' | sed 's/ $//')"
}

# plant NAME TARGET: a symbolic link of the hostile user's in the shared folder.
plant() {
  rm -f "$shared/$1"
  as_hostile ln -s "$2" "$shared/$1"
}

for mode in tmpfile named; do
  if [ $mode = named ]; then export SHAREBENCH_TEST_NO_TMPFILE=1; else unset SHAREBENCH_TEST_NO_TMPFILE; fi
  plant out.csv "$private/secret"
  run_sb run --spec "$SPEC" --input "$data" --no-baseline --sample-ms 0 --output "$shared/out.csv"
  expect_eq "run --output their link to a file ($mode): exit" 2 "$rc"
  expect_contains "run --output their link ($mode): message" "$err" "will not follow the symbolic link"
  secret_intact "run --output their link to a file ($mode)"
  plant new.csv "$private/created"
  run_sb gen --spec "$SPEC" --rows 10 --quiet --output "$shared/new.csv"
  expect_eq "gen --output their link to a new file ($mode): exit" 2 "$rc"
  secret_intact "gen --output their link to a new file ($mode)"
  plant dir "$private"
  run_sb gen --spec "$SPEC" --rows 10 --quiet --output "$shared/dir/x.csv"
  expect_eq "gen --output under their link to a folder ($mode): exit" 2 "$rc"
  secret_intact "gen --output under their link to a folder ($mode)"
  plant timeline.csv "$private/secret"
  run_sb run --spec "$SPEC" --input "$data" --no-baseline --sample-ms 5 --timeline "$shared/timeline.csv"
  [ "$rc" != 0 ] || fail "run --timeline their link ($mode): exit 0"
  secret_intact "run --timeline their link ($mode)"
  plant compare.csv "$private/secret"
  run_sb compare --spec "$SPEC" --input "$data" --strategies serial --workers 1 --repeat 1 \
    --out "$shared/compare.csv"
  [ "$rc" != 0 ] || fail "compare --out their link ($mode): exit 0"
  secret_intact "compare --out their link ($mode)"
  plant timelines "$private"
  run_sb compare --spec "$SPEC" --input "$data" --strategies serial --workers 1 --repeat 1 \
    --timelines "$shared/timelines" --out "$WORK/compare.csv"
  expect_eq "compare --timelines their link to a folder ($mode): exit" 2 "$rc"
  expect_contains "compare --timelines their link ($mode): message" "$err" "will not follow the symbolic link"
  expect_eq "compare --timelines their link ($mode): refused before any run" "" "$(grep '^\[1/' <<<"$err")"
  secret_intact "compare --timelines their link to a folder ($mode)"
  rm -f "$shared"/*

  # Their regular file and their FIFO: left as they were.
  as_hostile sh -c "echo theirs >'$shared/theirs.csv'; mkfifo '$shared/fifo'"
  run_sb gen --spec "$SPEC" --rows 10 --quiet --output "$shared/theirs.csv"
  expect_eq "gen --output their file ($mode): exit" 2 "$rc"
  expect_contains "gen --output their file ($mode): message" "$err" "will not write over"
  expect_eq "gen --output their file ($mode): contents" theirs "$(cat "$shared/theirs.csv")"
  expect_eq "gen --output their file ($mode): owner" "$HOSTILE" "$(stat -c %U "$shared/theirs.csv")"
  run_sb gen --spec "$SPEC" --rows 10 --quiet --output "$shared/fifo"
  expect_eq "gen --output their FIFO ($mode): exit" 2 "$rc"
  # --timeline onto their FIFO: refused before anything runs, by C and py: runs alike (a py:
  # run refused it only once its Python program had started: exit 1).
  for strategy in serial py:serial; do
    if [ "$strategy" = py:serial ] && ! "$SHAREBENCH" list 2>/dev/null | grep -q "py:serial"; then
      continue
    fi
    run_sb run --spec "$SPEC" --input "$data" --no-baseline --sample-ms 5 --strategy $strategy \
      --timeline "$shared/fifo"
    expect_eq "run $strategy --timeline their FIFO ($mode): exit" 2 "$rc"
    expect_contains "run $strategy --timeline their FIFO ($mode): message" "$err" "will not write over"
  done
  rm -f "$shared"/*
done
unset SHAREBENCH_TEST_NO_TMPFILE

# Their FILE.tmpPID, planted for the PID gen will have: the named-temporary path must not
# open it (O_EXCL) or remove it. The PID is predicted by starting gen from a shell whose next
# child is known: a stopped shell that then execs gen.
as_hostile sh -c "echo bait >'$shared/bait'"
(
  kill -STOP $BASHPID
  exec env SHAREBENCH_TEST_NO_TMPFILE=1 "$SHAREBENCH" gen --spec "$SPEC" --rows 10 --quiet \
    --output "$shared/out.csv" 2>"$WORK/tmp-err"
) &
gen=$!
for _ in $(seq 1 200); do
  [ "$(cut -d' ' -f3 /proc/$gen/stat 2>/dev/null)" = T ] && break
  sleep 0.05
done
as_hostile ln "$shared/bait" "$shared/out.csv.tmp$gen" 2>/dev/null ||
  as_hostile sh -c "echo bait >'$shared/out.csv.tmp$gen'"
kill -CONT $gen
reap $gen
[ "$rc" = 0 ] && fail "gen over their FILE.tmpPID: exit 0 (it wrote through their file)"
expect_eq "gen over their FILE.tmpPID: their file" bait "$(cat "$shared/out.csv.tmp$gen")"
expect_eq "gen over their FILE.tmpPID: their file's owner" "$HOSTILE" "$(stat -c %U "$shared/out.csv.tmp$gen")"
rm -f "$shared"/*

# An interrupted run whose FILE.partial is their link: the partial is refused, the secret kept.
plant run.csv.partial "$private/secret"
mkfifo "$WORK/feed"
exec 3<>"$WORK/feed"
"$SHAREBENCH" run --spec "$SPEC" --input "$WORK/feed" --no-baseline --sample-ms 0 \
  --output "$shared/run.csv" >"$WORK/out" 2>"$WORK/err" &
run=$!
head -n 501 "$data" >&3
# Until results reach the run's file in the shared folder (it cannot finish: its input is open).
for _ in $(seq 1 600); do
  for fd in /proc/$run/fd/*; do
    case "$(readlink "$fd" 2>/dev/null)" in
      "$shared"/*) [ "$(stat -L -c %s "$fd" 2>/dev/null || echo 0)" -gt 0 ] && break 2 ;;
    esac
  done
  sleep 0.05
done
signal_and_wait $run INT "run with their FILE.partial"
exec 3>&-
expect_eq "run with their FILE.partial: exit" 130 "$rc"
expect_contains "run with their FILE.partial: says why nothing was kept" "$(cat "$WORK/err")" \
  "will not write over"
secret_intact "run with their FILE.partial"
rm -f "$shared"/*

# clean as root: their stale image (a PID that no longer runs) stays theirs.
as_hostile sh -c "head -c 4096 /dev/zero >'$shared/sharebench-999999-0.img'"
run_sb clean --scratch-dir "$shared"
expect_eq "clean: exit" 0 "$rc"
[ -e "$shared/sharebench-999999-0.img" ] || fail "clean as root removed another user's image"
expect_contains "clean: says why it kept it" "$out" "belongs to user"
rm -f "$shared"/*

# clean --scratch-dir through their link to a folder of root's: not followed (it removed the
# stale images of root's folder wherever the link pointed).
echo stale >"$private/sharebench-999999-0.img"
plant scratch "$private"
run_sb clean --scratch-dir "$shared/scratch"
expect_eq "clean through their link: exit" 2 "$rc"
expect_contains "clean through their link: message" "$err" "will not follow the symbolic link"
[ -e "$private/sharebench-999999-0.img" ] || fail "clean through their link removed root's image"
rm -f "$shared"/* "$private/sharebench-999999-0.img"

finish
