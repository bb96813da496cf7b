#!/usr/bin/env bash
# scripts/install-deps without root installs nothing: with a package missing it prints the one
# apt-get line an administrator must run and exits 1; with everything present it exits 0. As
# root it installs what is missing. dpkg-query, apt-get and sudo are stand-ins on the PATH
# (nothing is installed); the ordinary user is nobody when the test runs as root.
# usage: install_deps.sh SOURCE_DIR WORK
set -eu
SOURCE=$1
# The ordinary user must reach the stand-ins and the script: the build tree may sit in a folder
# only root can enter (a clone under /root, or in a mktemp -d), so everything it runs is in a
# folder of its own under /tmp, removed at the end (WORK, the second argument, is not used).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sharebench-install-deps.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bin"
chmod 755 "$WORK" "$WORK/bin"
cp "$SOURCE/scripts/install-deps" "$WORK/install-deps"
chmod 755 "$WORK/install-deps"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The stand-ins: dpkg-query answers from $FAKE_INSTALLED; apt-get and sudo write down their calls.
cat >"$WORK/bin/dpkg-query" <<'END'
#!/bin/sh
[ "$FAKE_INSTALLED" = all ] && printf 'install ok installed'
exit 0
END
printf '#!/bin/sh\necho "apt-get $*" >>"%s/apt.log"\n' "$WORK" >"$WORK/bin/apt-get"
printf '#!/bin/sh\necho "sudo $*" >>"%s/sudo.log"\nexit 1\n' "$WORK" >"$WORK/bin/sudo"
chmod 755 "$WORK"/bin/*
touch "$WORK/apt.log" "$WORK/sudo.log"
chmod 666 "$WORK/apt.log" "$WORK/sudo.log"

as_user() { # INSTALLED: install-deps as an ordinary user; sets rc, out, err
  local who=()
  [ "$(id -u)" -ne 0 ] || who=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  set +e
  "${who[@]}" env PATH="$WORK/bin:$PATH" FAKE_INSTALLED="$1" bash "$WORK/install-deps" \
    >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
}

as_user none
[ "$rc" = 1 ] || fail "ordinary user, packages missing: exit $rc, expected 1"
grep -q '^  apt-get update && apt-get install -y --no-install-recommends build-essential .*python3-scipy' "$WORK/err" ||
  fail "ordinary user: no apt-get line for the administrator: $(cat "$WORK/err")"
[ ! -s "$WORK/apt.log" ] || fail "ordinary user: apt-get was run: $(cat "$WORK/apt.log")"
cat "$WORK/err"

as_user all
[ "$rc" = 0 ] || fail "ordinary user, nothing missing: exit $rc, expected 0"
grep -q "all dependencies present" "$WORK/out" || fail "nothing missing: not said"

if [ "$(id -u)" -eq 0 ]; then
  PATH="$WORK/bin:$PATH" FAKE_INSTALLED=none bash "$WORK/install-deps" >"$WORK/out" 2>&1 ||
    fail "root: exit $?"
  grep -q '^apt-get install -y -qq --no-install-recommends build-essential' "$WORK/apt.log" ||
    fail "root: apt-get install not run: $(cat "$WORK/apt.log")"
else
  echo "not root: the installing half is not tested here"
fi
if [ "$failures" -ne 0 ]; then
  echo "$failures install-deps check(s) failed" >&2
  exit 1
fi
echo "install-deps installs as root and asks an administrator otherwise"
