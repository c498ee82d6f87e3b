#!/usr/bin/env bash
# Full-report USSD hops/s, latency and server CPU per hop at 16 and 64 concurrent sessions (every
# session a new caller: scripts/ussd-sessions.lua), in one run, on:
#   sqlite       - one civicgate serve on a SQLite file (the embedded default)
#   postgres x1  - one civicgate serve on PostgreSQL
#   postgres x2  - two civicgate serve on one PostgreSQL behind nginx (round robin: each hop of a
#                  session may land on either instance)
# On this 2-core machine the two instances, PostgreSQL, nginx and wrk share the same cores: x2
# shows the overhead of sharing a database, not the gain (docs/scaling.md says why).
# Usage: scripts/bench-stores.sh [seconds per level, default 10]
# CIVICGATE_BIN=path runs that civicgate binary instead of building this tree's (to compare builds in one sitting).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }; }
need wrk wrk; need nginx nginx-light; need psql postgresql
if [ -n "${CIVICGATE_BIN:-}" ]; then bin=$CIVICGATE_BIN; else
  swift build -c release --product civicgate >/dev/null
  bin=$(swift build -c release --show-bin-path)/civicgate
fi
work=$(mktemp -d); chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
admin=$(scripts/postgres/start.sh "$work/pg" 55440)
# The wrk script reuses one number per connection: lift the daily cap of reports per number.
export CIVICGATE_MAX_REPORTS_PER_NUMBER=100000
# Every instance on one PostgreSQL is given the same pseudonym key file.
head -c 32 /dev/urandom >"$work/pseudonym.key"; chmod 600 "$work/pseudonym.key"
export CIVICGATE_PSEUDONYM_KEY_FILE=$work/pseudonym.key
up() { for _ in $(seq 300); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.05; done; echo "port $1 did not answer" >&2; return 1; }
serve() { "$bin" serve --port "$1" --database "$2" >"$work/serve-$1.log" 2>&1 & pids+=($!); up "$1"; }
# CPU seconds (user + system) of civicgate processes, and of every PostgreSQL process.
ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
pg_ticks() { ticks $(pgrep -u postgres postgres || true); }
run() { # NAME PORT PIDS...
  local name=$1 port=$2; shift 2
  for c in 16 64; do
    local before pg_before result
    before=$(ticks "$@"); pg_before=$(pg_ticks)
    result=$(wrk -t "$c" -c "$c" -d "${secs}s" --timeout 5s -s scripts/ussd-sessions.lua "http://127.0.0.1:$port" -- "1|1|1|1|1|# Main Rd|1" \
             | grep '^RESULT' | sed 's/^RESULT //')
    python3 - "$name" "$c" "$result" "$before" "$(ticks "$@")" "$pg_before" "$(pg_ticks)" "$secs" <<'PY'
import os, sys
name, c, result = sys.argv[1], sys.argv[2], sys.argv[3]
before, after, pg_before, pg_after, secs = map(float, sys.argv[4:])
hops = float(dict(kv.split("=") for kv in result.split())["hops_per_s"]) * secs
tick = os.sysconf("SC_CLK_TCK")
print(f"{name:12} sessions={c:<3} {result} civicgate_cpu_us_per_hop={(after - before) / tick * 1e6 / max(hops, 1):.0f}"
      f" postgres_cpu_us_per_hop={(pg_after - pg_before) / tick * 1e6 / max(hops, 1):.0f}")
PY
  done
}
echo "civicgate ${CIVICGATE_BIN:-$(git rev-parse --short HEAD 2>/dev/null || echo dev)}, $(nproc) cores, ${secs}s per level"

# Each setup stops before the next starts: an idle instance still sends the confirmations queued
# in its run, and would take CPU from the next.
stop() { for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
serve 18311 "$work/bench.sqlite"
run sqlite 18311 "${pids[-1]}"
stop "${pids[-1]}"

psql -q "$admin" -c "CREATE DATABASE bench1" -c "CREATE DATABASE bench2"
serve 18312 "postgres://postgres@127.0.0.1:55440/bench1"
run "postgres x1" 18312 "${pids[-1]}"
stop "${pids[-1]}"

serve 18313 "postgres://postgres@127.0.0.1:55440/bench2"
serve 18314 "postgres://postgres@127.0.0.1:55440/bench2"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  upstream civicgate { server 127.0.0.1:18313; server 127.0.0.1:18314; keepalive 64; }
  server {
    listen 127.0.0.1:18315;
    location / { proxy_pass http://civicgate; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
up 18315
run "postgres x2" 18315 "${pids[-2]}" "${pids[-1]}"
for db in bench1 bench2; do
  echo "$db tickets: $(psql -Atq "postgres://postgres@127.0.0.1:55440/$db" -c 'SELECT COUNT(*) FROM tickets')"
done
