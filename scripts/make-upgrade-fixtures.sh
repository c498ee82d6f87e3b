#!/usr/bin/env bash
# Writes the databases "as main leaves them" that the upgrade tests start from, as SQL text:
# Tests/StoreTests/Fixtures/sqlite-v17.sql and postgres-pg12.sql. A serve of this checkout is
# driven like a small day: a USSD report, an SMS report, a bulk upload and a portal upload, a
# status change with a public update, a duplicate, an incident. Run it only when a schema is
# shipped (the fixtures stand for databases in the field: never regenerate them to make a test pass).
# Usage: scripts/make-upgrade-fixtures.sh POSTGRES_ADMIN_URL   (e.g. postgres://postgres@127.0.0.1:55432/postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
admin=$1
bin=$(swift build --show-bin-path)/civicgate
swift build --product civicgate >/dev/null
out=Tests/StoreTests/Fixtures
mkdir -p "$out"
work=$(mktemp -d)
trap 'kill ${server:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
head -c 32 /dev/urandom >"$work/key"; chmod 600 "$work/key"
export CIVICGATE_PSEUDONYM_KEY_FILE="$work/key"

day() { # DATABASE
  local db=$1 port=18093 key token jar csrf
  CIVICGATE_PASSWORD="fixture password" "$bin" user add thandi --moe water --database "$db" >/dev/null
  key=$("$bin" org add "Ward 12" --database "$db" | tail -1 | awk '{print $NF}')
  CIVICGATE_PASSWORD="fixture password" "$bin" user add nomsa --org "Ward 12" --role organisation --database "$db" >/dev/null
  token=$("$bin" token add --moe water --database "$db" | tail -1 | awk '{print $NF}')
  "$bin" serve --port $port --database "$db" >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local text=""
  for input in "" 1 1 1 1 1 "12 Vilakazi St" 1; do
    text=${text:+$text*}$input; [ -z "$input" ] && text=""
    curl -sf "http://127.0.0.1:$port/ussd/africastalking" -d sessionId=fx1 -d phoneNumber=+27821110001 \
         -d serviceCode='*120*1234#' -d networkCode=65501 --data-urlencode "text=$text" >/dev/null
  done
  curl -sf "http://127.0.0.1:$port/sms/kannel" --data-urlencode from=+27821110002 --data-urlencode "text=REPORT WATER burst pipe at 3 Mooki St" >/dev/null
  printf 'external_id,service_code,area,address,description,phone\nw1,water.leak,soweto,1 Main Rd,drips,+27821110003\nw2,roads.pothole,soweto,2 Main Rd,,\n' |
    curl -sf -H "Authorization: Bearer $key" -H "Content-Type: text/csv" --data-binary @- "http://127.0.0.1:$port/api/v1/bulk-reports" >"$work/bulk.json"
  jar="$work/jar"; rm -f "$jar"
  csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/console/" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode username=nomsa \
       --data-urlencode "password=fixture password" "http://127.0.0.1:$port/console/sign-in"
  csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/console/uploads" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  printf 'external_id,service_code,area,address,description,phone\nu1,waste.missed_collection,soweto,5 Main Rd,,\n' >"$work/upload.csv"
  curl -s -o /dev/null -c "$jar" -b "$jar" -F "csrf=$csrf" -F "file=@$work/upload.csv;type=text/csv" "http://127.0.0.1:$port/console/uploads"
  sleep 2
  local refs
  refs=$(python3 -c 'import json,sys; print(" ".join(r["reference"] for r in json.load(open(sys.argv[1]))["rows"] if r.get("reference")))' "$work/bulk.json")
  set -- $refs
  curl -sf -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
       -d '{"status": "in_progress", "public_update": "Crew on site", "internal_note": "valve"}' "http://127.0.0.1:$port/api/v1/tickets/$1/status" >/dev/null
  curl -sf -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
       -d '{"service": "water", "areas": ["soweto"], "description": "Main burst in Soweto", "expected_at": "2027-01-15T16:00:00+02:00"}' \
       "http://127.0.0.1:$port/api/v1/incidents" >/dev/null
  kill "$server"; wait "$server" 2>/dev/null || true
}

rm -f "$work/fx.sqlite"*
day "$work/fx.sqlite"
sqlite3 "$work/fx.sqlite" .dump >"$out/sqlite-v17.sql"

name="cg_fixture_$$"
psql "$admin" -qc "CREATE DATABASE $name" >/dev/null
pg=${admin%/*}/$name
day "$pg"
# The test loads it with psql, in a session of its own, as pg_dump wrote it.
pg_dump --no-owner --no-privileges --inserts "$pg" >"$out/postgres-pg12.sql"
psql "$admin" -qc "DROP DATABASE $name" >/dev/null
wc -l "$out"/*.sql
