#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests: folder $1, port $2 (default 55432), on
# 127.0.0.1 only, trust authentication, no fsync (nothing here outlives the run). Prints the URL
# to put in CIVICGATE_TEST_POSTGRES_URL. Stop it with: runuser -u postgres -- pg_ctl -D $1/data stop
set -euo pipefail
dir=$1
port=${2:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
mkdir -p "$dir"
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1
as_postgres "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
