#!/usr/bin/env bash
# Where a USSD hop's time goes on PostgreSQL: one `civicgate serve` on a throwaway PostgreSQL with
# pg_stat_statements, the report workload of scripts/bench-stores.sh at 16 sessions, then
#   - every statement the server ran, in columns: calls per hop | mean execution time (µs) | mean
#     planning time of the times it was planned (µs) and how often it was planned (a statement planned at every call shows it
#     here, a kept plan shows 0 or a rare figure) | pages read per call | execution µs per hop |
#     its text;
#   - round trips per hop (statements plus BEGIN/COMMIT) and transactions per hop;
#   - the CPU a hop of civicgate and of PostgreSQL's processes by kind (scripts/lib/pg-cpu.py);
#   - with PERF=1, the hottest symbols of civicgate and of PostgreSQL (perf record -g, 8 s).
# Usage: scripts/profile-postgres-hop.sh [seconds, default 8]
# CIVICGATE_BIN=path runs that civicgate binary instead of building this tree's (to compare builds in one sitting).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-8}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
if [ -n "${CIVICGATE_BIN:-}" ]; then bin=$CIVICGATE_BIN; else
  swift build -c release --product civicgate >/dev/null
  bin=$(swift build -c release --show-bin-path)/civicgate
fi
work=$(mktemp -d); chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 1' INT TERM PIPE  # through the EXIT trap: a reader that stops early must not leave the gateway running
admin=$(scripts/postgres/start.sh "$work/pg" 55441)
echo "shared_preload_libraries = 'pg_stat_statements'" >>"$work/pg/data/postgresql.conf"
echo "pg_stat_statements.track_utility = on" >>"$work/pg/data/postgresql.conf"
echo "pg_stat_statements.track_planning = on" >>"$work/pg/data/postgresql.conf"
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -w restart -m fast \
    -o "-p 55441 -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" >/dev/null
psql -q "$admin" -c "CREATE DATABASE prof"
db=postgres://postgres@127.0.0.1:55441/prof
psql -q "$db" -c "CREATE EXTENSION pg_stat_statements"
head -c 32 /dev/urandom >"$work/pseudonym.key"; chmod 600 "$work/pseudonym.key"
export CIVICGATE_PSEUDONYM_KEY_FILE=$work/pseudonym.key CIVICGATE_MAX_REPORTS_PER_NUMBER=100000
"$bin" serve --port 18316 --database "$db" >"$work/serve.log" 2>&1 & pid=$!
for _ in $(seq 300); do curl -sf http://127.0.0.1:18316/healthz >/dev/null && break; sleep 0.05; done
# Warm up (tables, plans, pool), then count from zero.
wrk -t 16 -c 16 -d 2s -s scripts/ussd-sessions.lua http://127.0.0.1:18316 -- "1|1|1|1|1|# Main Rd|1" >/dev/null
psql -q "$db" -c "SELECT pg_stat_statements_reset()" >/dev/null
xacts() { psql -qtA "$db" -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'prof'"; }
x0=$(xacts)
postmaster=$(head -1 "$work/pg/data/postmaster.pid")
scripts/lib/pg-cpu.py "$postmaster" >"$work/cpu0"; c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
perfs=()
if [ "${PERF:-0}" = 1 ]; then
  perf record -F 999 -g -o "$work/civicgate.perf" -p "$pid" -- sleep "$secs" >/dev/null 2>&1 & perfs+=($!)
  perf record -F 999 -g -o "$work/postgres.perf" -p "$(pgrep -u postgres -d, postgres)" -- sleep "$secs" >/dev/null 2>&1 & perfs+=($!)
fi
result=$(wrk -t 16 -c 16 -d "${secs}s" --timeout 5s -s scripts/ussd-sessions.lua http://127.0.0.1:18316 -- "1|1|1|1|1|# Main Rd|1" | grep '^RESULT')
for p in "${perfs[@]}"; do wait "$p"; done
x1=$(xacts)
scripts/lib/pg-cpu.py "$postmaster" >"$work/cpu1"; c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
echo "civicgate ${CIVICGATE_BIN:-$(git rev-parse --short HEAD 2>/dev/null || echo dev)}: $result"
hops=$(echo "$result" | sed 's/.*hops_per_s=\([0-9]*\).*/\1/')
hops=$((hops * secs))
psql -qtA "$db" -F ' | ' <<SQL
SELECT 'hops ' || $hops || ', statements per hop ' || round(sum(calls)::numeric / $hops, 2) || ', transactions per hop ' || round(($x1 - $x0)::numeric / $hops, 2)
FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'prof');
SELECT round(calls::numeric / $hops, 3) AS per_hop, round(mean_exec_time::numeric * 1000, 1) AS mean_us, round(mean_plan_time::numeric * 1000, 1) AS plan_us, plans, round(shared_blks_hit::numeric / greatest(calls, 1), 1) AS blks,
       round(total_exec_time::numeric * 1000 / $hops, 1) AS us_per_hop, left(regexp_replace(query, '\s+', ' ', 'g'), 150)
FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'prof')
ORDER BY calls DESC LIMIT 40;
SQL
echo "--- CPU a hop: civicgate $(( (c1 - c0) * 1000000 / $(getconf CLK_TCK) / hops )) µs; PostgreSQL by process:"
scripts/lib/pg-cpu.py --per-hop "$work/cpu0" "$work/cpu1" "$hops"
if [ "${PERF:-0}" = 1 ]; then
  echo "--- civicgate, hottest symbols (self)"
  perf report -i "$work/civicgate.perf" --no-children --sort symbol --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -40 || true
  echo "--- postgres, hottest symbols (self)"
  perf report -i "$work/postgres.perf" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -60 || true
fi
