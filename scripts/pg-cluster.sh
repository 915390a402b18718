#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL cluster for the tests: listening on 127.0.0.1 only,
# trust authentication, data in DIR. Run as root, it runs the server as the `postgres` user
# (PostgreSQL refuses to run as root); otherwise as the current user.
#   scripts/pg-cluster.sh start DIR PORT   prints the connection URL
#   scripts/pg-cluster.sh stop DIR
set -euo pipefail
action=${1:?start or stop} dir=${2:?data directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "pg-cluster: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true; fi
}
case $action in
  start)
    port=${3:?port}
    stop
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=50" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    stop
    rm -rf "$dir"
    ;;
  *) echo "usage: pg-cluster.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
