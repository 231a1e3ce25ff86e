#!/bin/sh
# Runs a Windows executable under wine64 (the CMAKE_CROSSCOMPILING_EMULATOR of the test-windows
# preset). One wine prefix per user, created on first use under a lock so that parallel tests
# do not race to create it. Exits with the program's status.
set -eu
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || wine=$(command -v wine64 || command -v wine)
wineserver=$(dirname "$wine")/wineserver64
[ -x "$wineserver" ] || wineserver=$(command -v wineserver64 || command -v wineserver || echo false)
export WINEPREFIX="${FERRY_WINEPREFIX:-${TMPDIR:-/tmp}/ferry-wine-$(id -u)}"
export WINEDEBUG=-all
mkdir -p "$WINEPREFIX"
# The wineserver wine starts by itself exits the moment its last program does, and a program
# started just then fails ("wine client error: recvmsg: Connection reset by peer", no output).
# Tests start one short program after another, so start the server ourselves, lingering 15 s
# after the last program ends. Exits at once (status 2) when one is running already.
"$wineserver" -p15 2>/dev/null || true
if [ ! -f "$WINEPREFIX/.ferry-ready" ]; then
  flock "$WINEPREFIX.lock" sh -c "[ -f '$WINEPREFIX/.ferry-ready' ] ||
    { '$wine' wineboot --init >/dev/null 2>&1 && touch '$WINEPREFIX/.ferry-ready'; }"
fi
exec "$wine" "$@"
