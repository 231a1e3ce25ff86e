#!/bin/bash
# The release build, one definition for docker/Dockerfile, .github/workflows/release.yml, the CI
# release job and tests/integration: configure with the `release` preset (CMakePresets.json),
# build, and install into a staging directory (DESTDIR) that an image or a tarball is made from.
#
# usage: scripts/build-release.sh [--build-dir DIR] [--stage DIR] [--prefix DIR] [STEP...] [-DVAR=VALUE...]
#   STEP         configure, build, install; default: all three, in that order
#   --build-dir  build directory (default: build/release, the preset's own)
#   --stage      DESTDIR for the install step (required by it); nothing is written outside it
#   --prefix     installation prefix inside the stage (default: /usr/local)
#   -DVAR=VALUE  passed to the configure step, e.g. -DFERRY_WITH_TLS=OFF
# Environment: JOBS (parallel build jobs, default: the number of CPUs).
set -euo pipefail

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$source_dir/build/release"
stage=""
prefix=/usr/local
steps=()
cmake_args=()

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --stage) stage=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    configure|build|install) steps+=("$1"); shift ;;
    -D*) cmake_args+=("$1"); shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "build-release: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#steps[@]} -gt 0 ] || steps=(configure build install)

jobs=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}

for step in "${steps[@]}"; do
  case "$step" in
    configure)
      # -B overrides the preset's binaryDir; the preset keeps Release and FERRY_BUILD_TESTS=OFF.
      cmake -S "$source_dir" --preset release -B "$build_dir" ${cmake_args[@]+"${cmake_args[@]}"} ;;
    build)
      cmake --build "$build_dir" -j "$jobs" ;;
    install)
      if [ -z "$stage" ]; then
        echo "build-release: the install step needs --stage DIR" >&2
        exit 2
      fi
      mkdir -p "$stage"
      stage=$(cd "$stage" && pwd)
      # DESTDIR keeps the absolute destinations (/etc/ferry, /lib/systemd/system) in the stage.
      DESTDIR="$stage" cmake --install "$build_dir" --prefix "$prefix" --strip ;;
  esac
done
