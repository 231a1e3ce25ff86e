#!/bin/sh
# Runs a Windows executable under wine64 (the CMAKE_CROSSCOMPILING_EMULATOR of the test-windows
# preset). One wine prefix per user, created on first use under a lock so that parallel tests
# do not race to create it. Exits with the program's status.
set -eu
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || wine=$(command -v wine64 || command -v wine)
export WINEPREFIX="${FERRY_WINEPREFIX:-${TMPDIR:-/tmp}/ferry-wine-$(id -u)}"
export WINEDEBUG=-all
if [ ! -f "$WINEPREFIX/.ferry-ready" ]; then
  mkdir -p "$WINEPREFIX"
  flock "$WINEPREFIX.lock" sh -c "[ -f '$WINEPREFIX/.ferry-ready' ] ||
    { '$wine' wineboot --init >/dev/null 2>&1 && touch '$WINEPREFIX/.ferry-ready'; }"
fi
exec "$wine" "$@"
