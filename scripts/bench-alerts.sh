#!/usr/bin/env bash
# Area alerts at scale on SQLite (release build): 200,000 numbers following Soweto; an incident
# declared there through the MOE API while residents keep reporting (wrk, full USSD report
# sessions of water in Soweto, 16 at once): how long queuing the alert for every number takes,
# what the residents' hops cost before and during it, and how long their confirmations waited for
# the sender before and during it (confirmations go before alerts: outbox priority).
# Usage: scripts/bench-alerts.sh [subscribers, default 200000] [seconds per phase, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
secs=${2:-20}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
swift build -c release --product civicgate >/dev/null
bin=$(swift build -c release --show-bin-path)/civicgate
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
db="$work/bench.sqlite"
port=18462
export CIVICGATE_DATABASE="$db" CIVICGATE_MAX_REPORTS_PER_NUMBER=100000 CIVICGATE_MAX_SMS_PER_NUMBER=100000 CIVICGATE_SMS_RATE=2000 CIVICGATE_MOE_API_RATE=100000
echo "civicgate $(git rev-parse --short HEAD 2>/dev/null || echo dev), $(nproc) cores, $n subscribers of one area, ${secs}s per phase"
"$bin" user list >/dev/null
sqlite3 "$db" "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
  INSERT INTO alert_subscriptions (msisdn, area, language, created_at)
  SELECT '+2783' || printf('%07d', i), 'soweto', CASE i % 3 WHEN 0 THEN 'zu' WHEN 1 THEN 'en' ELSE 'af' END, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM k;"
token=$("$bin" token add --moe electricity | tail -1 | awk '{print $NF}')
"$bin" serve --port $port >"$work/serve.log" 2>&1 & pid=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
now() { sqlite3 "$db" "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"; }
load() { wrk -t 16 -c 16 -d "${secs}s" --timeout 5s --latency -s scripts/ussd-report.lua "http://127.0.0.1:$port" -- "$1" > "$work/wrk-$1" 2>&1; }
summary() { grep '^RESULT' "$work/wrk-$1" | sed 's/^RESULT //'; grep -E '^ +(50|99)%' "$work/wrk-$1" | tr -s ' ' | tr '\n' ' '; echo; }
waited() {  # confirmations of tickets made in [from, to): ms from the ticket to its hand-over to the provider
  sqlite3 "$db" "SELECT (julianday(o.handed_at) - julianday(t.created_at)) * 86400000 FROM outbox o JOIN tickets t ON t.id = o.ticket_id
                 WHERE o.priority = 0 AND t.created_at >= '$1' AND t.created_at < '$2' AND o.handed_at IS NOT NULL ORDER BY 1" |
    awk '{ a[NR] = $1 } END { if (NR) printf "%d confirmations: waited median %.0f ms, p99 %.0f ms, longest %.0f ms\n", NR, a[int(NR / 2) + 1], a[int(NR * 0.99) + 1], a[NR] }'
}

a0=$(now); load 1; a1=$(now)
echo "before: $(summary 1)"
sleep 3
b0=$(now)
load 2 & wrk_pid=$!
sleep 2
declared=$(date +%s.%N)
curl -sf -X POST "http://127.0.0.1:$port/api/v1/incidents" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"service": "electricity", "areas": ["soweto"], "description": "Substation tripped: power off in Soweto"}' >/dev/null
until [ "$(sqlite3 "$db" "SELECT COUNT(*) FROM area_alerts WHERE queued_at IS NOT NULL")" = 1 ]; do sleep 0.05; done
queued=$(date +%s.%N)
wait $wrk_pid; b1=$(now)
echo "during: $(summary 2)"
echo "alert queued for $(sqlite3 "$db" "SELECT recipients FROM area_alerts") numbers: $(sqlite3 "$db" \
  "SELECT printf('%.2f s from the declaration to the last chunk', (julianday(queued_at) - julianday(created_at)) * 86400) FROM area_alerts");" \
  "$(awk -v a="$declared" -v b="$queued" 'BEGIN { printf "%.2f s seen from outside (2 s polling of the job included)", b - a }')"
sleep 5
echo "before: $(waited "$a0" "$a1")"
echo "during: $(waited "$b0" "$b1")"
echo "outbox: $(sqlite3 "$db" "SELECT group_concat(s, ', ') FROM (SELECT status || CASE quiet WHEN 1 THEN ' (alerts)' ELSE '' END || ' ' || COUNT(*) AS s FROM outbox GROUP BY status, quiet)")"
echo "serve peak memory: $(grep VmHWM /proc/$pid/status | awk '{print $2}') KiB"
