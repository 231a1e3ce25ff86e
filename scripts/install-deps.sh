#!/bin/sh
# Installs what ferry needs to build, test and benchmark. Debian/Ubuntu: apt-get (as root, or
# through sudo). macOS: prints the Homebrew line. Installs only what is missing.
set -eu

packages="build-essential g++ clang libclang-rt-14-dev cmake ninja-build pkg-config git ca-certificates
libasio-dev node-llhttp libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libgtest-dev
zlib1g-dev libbrotli-dev libzstd-dev libssl-dev libnghttp2-dev
libhiredis-dev redis-server
curl openssl nghttp2-client python3 python3-h2 python3-brotli python3-yaml brotli zstd gzip procps groff-base
file man-db
systemd
g++-mingw-w64-x86-64-posix wine64"

case "$(uname -s)" in
  Darwin)
    echo "brew install cmake ninja asio llhttp spdlog cli11 tomlplusplus googletest brotli zstd openssl@3 curl hiredis redis"
    exit 0 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: not a Debian/Ubuntu system; install the equivalents of: $packages" >&2
  exit 1
fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
