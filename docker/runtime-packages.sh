#!/bin/bash
# Prints the Debian packages that hold the shared libraries a binary loads, one per line: the
# runtime stage of docker/Dockerfile installs exactly these, so the image follows the modules
# compiled in (a build without TLS pulls no libssl3). Fails when a library belongs to no package.
#
# usage: docker/runtime-packages.sh BINARY
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 BINARY" >&2
  exit 2
fi

owner() {
  # dpkg records a file under the path its package shipped: with merged /usr that may be the
  # /lib or the /usr/lib spelling, or the symlink's target.
  local lib=$1 candidate
  for candidate in "$lib" "$(readlink -f "$lib")" "/usr$lib" "${lib#/usr}"; do
    if dpkg-query -S "$candidate" >/dev/null 2>&1; then
      dpkg-query -S "$candidate" | awk -F: 'NR == 1 { print $1 }'
      return 0
    fi
  done
  echo "runtime-packages: no Debian package owns $lib" >&2
  return 1
}

libraries=$(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
{
  for lib in $libraries; do
    owner "$lib"
  done
} | sort -u
