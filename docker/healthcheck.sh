#!/bin/bash
# Container health check without curl: one HTTP/1.1 GET over bash's /dev/tcp; healthy (exit 0)
# on a 200 response, unhealthy (exit 1) on anything else, a refused connection or a timeout.
#
# usage: ferry-healthcheck [HOST [PORT [PATH]]]   (default: 127.0.0.1 8080 /healthz)
set -u

host=${1:-127.0.0.1}
port=${2:-8080}
path=${3:-/healthz}

if ! exec 3<>"/dev/tcp/$host/$port"; then
  echo "unhealthy: cannot connect to $host:$port" >&2
  exit 1
fi
printf 'GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ferry-healthcheck\r\nConnection: close\r\n\r\n' \
  "$path" "$host" >&3
status=""
if ! IFS= read -r -t 5 status <&3; then
  echo "unhealthy: no response from $host:$port" >&2
  exit 1
fi
status=${status%$'\r'}
case "$status" in
  "HTTP/1.1 200 "*) exit 0 ;;
esac
echo "unhealthy: $path answered '$status'" >&2
exit 1
