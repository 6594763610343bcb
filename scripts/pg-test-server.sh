#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: initdb into a temporary folder, start it on a free port on
# 127.0.0.1, print its URL; `stop` ends it and deletes the folder. As root the cluster runs as the
# `postgres` user (initdb refuses root).
#
#   URL=$(scripts/pg-test-server.sh start /tmp/redbag-pg)    # postgresql://redbag@127.0.0.1:PORT/redbag
#   scripts/pg-test-server.sh stop /tmp/redbag-pg
#
# Exit status: 0 done, 2 usage, 3 PostgreSQL is not installed (see scripts/install-postgres.sh).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
command=$1
dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
    initdb_path=$(command -v initdb || true)
    [ -n "$initdb_path" ] || { echo "pg-test-server: PostgreSQL is not installed" >&2; exit 3; }
    bindir=$(dirname "$(readlink -f "$initdb_path")")
fi

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$command" in
start)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
    fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bindir/initdb" -D "$dir/data" -A trust -U redbag -E UTF8 --locale=C --no-sync >"$dir/initdb.log"
    # Durability settings off: the tests kill the service, never this throwaway cluster.
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=200" start >/dev/null
    as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U redbag redbag
    echo "$port" >"$dir/port"
    echo "postgresql://redbag@127.0.0.1:$port/redbag"
    ;;
stop)
    if [ -d "$dir/data" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    usage
    ;;
esac
