#!/usr/bin/env bash
# The indicators API and the console dashboard at 1,000,000 tickets (a year of a metro's reports,
# four services in 16 areas, 70 % resolved), on SQLite and on PostgreSQL: the time of the first
# build of the daily rollup, then the median and worst of 5 requests for 30, 90 and 365 days.
# Seeds with SQL: each ticket acknowledged after 0-4 h and resolved ones after 20-68 h (to the
# minute, so the rollup's tallies cannot lean on repeated values), a rating on every tenth.
# Usage: scripts/bench-dashboard.sh [tickets, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
swift build -c release --product civicgate >/dev/null
bin=$(swift build -c release --show-bin-path)/civicgate
work=$(mktemp -d); chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
export CIVICGATE_PASSWORD="a long enough password"

source scripts/lib/seed-tickets.sh

measure() { # $1: label, $2: base URL, $3: MOE token, $4: cookie jar
  local today; today=$(date +%F)
  for days in 30 90 365; do
    local from; from=$(date -d "-$((days - 1)) days" +%F)
    for what in api dashboard; do
      local times=()
      for _ in 1 2 3 4 5; do
        if [ "$what" = api ]; then
          times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $3" "$2/api/v1/indicators?from=$from&to=$today")")
        else
          times+=("$(curl -s -o /dev/null -w '%{time_total}' -b "$4" "$2/console/dashboard?from=$from&to=$today")")
        fi
      done
      printf '%-9s %-9s %3s days  median %6.0f ms  worst %6.0f ms\n' "$1" "$what" "$days" \
        "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p | awk '{print $1 * 1000}')" \
        "$(printf '%s\n' "${times[@]}" | sort -n | tail -1 | awk '{print $1 * 1000}')"
    done
  done
}

run() { # $1: label, $2: database
  "$bin" user add admin --moe municipal --role admin --database "$2" >/dev/null
  local token; token=$("$bin" token add --moe water --database "$2" | awk '{print $NF}')
  "$bin" serve --port 18450 --database "$2" >"$work/serve-$1.log" 2>&1 & pid=$!
  for _ in $(seq 300); do curl -sf http://127.0.0.1:18450/healthz >/dev/null && break; sleep 0.1; done
  # The first read makes the daily rollup of every seeded day (as after an upgrade).
  printf '%-9s first build of the daily rollup: %.1f s\n' "$1" \
    "$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:18450/api/v1/indicators?from=$(date +%F)&to=$(date +%F)")"
  local jar="$work/cookies-$1"
  local csrf; csrf=$(curl -s -c "$jar" http://127.0.0.1:18450/console/ | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "username=admin" \
       --data-urlencode "password=$CIVICGATE_PASSWORD" http://127.0.0.1:18450/console/sign-in
  measure "$1" http://127.0.0.1:18450 "$token" "$jar"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

echo "civicgate $(git rev-parse --short HEAD 2>/dev/null || echo dev), $(nproc) cores, $n tickets"
db="$work/bench.sqlite"
"$bin" user list --database "$db" >/dev/null  # creates and migrates it
start=$(date +%s); seed_sql sqlite | sqlite3 "$db"; echo "sqlite seeded in $(( $(date +%s) - start )) s"
run sqlite "$db"

admin=$(scripts/postgres/start.sh "$work/pg" 55450)
psql -q "$admin" -c "CREATE DATABASE bench" >/dev/null
pgurl="postgres://postgres@127.0.0.1:55450/bench"
"$bin" user list --database "$pgurl" >/dev/null
start=$(date +%s); seed_sql postgres | psql -q "$pgurl" >/dev/null; psql -q "$pgurl" -c "ANALYZE" >/dev/null
echo "postgres seeded in $(( $(date +%s) - start )) s"
run postgres "$pgurl"
