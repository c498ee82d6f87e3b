#!/usr/bin/env bash
# Outbox throughput to Kannel, against Kannel's own sendsms accept rate measured the same way.
# 1. Kannel's rate: wrk drives sendsms directly (16 connections, like the sender's 16 workers), with
#    delivery reports going to the same running civicgate, so Kannel does the same work both times.
# 2. Ours: N messages are queued in a fresh database of a release `civicgate serve` using the
#    kannel provider with no throttle, and the time until all are `sent` is measured.
#    STORE=postgres queues them in a throwaway PostgreSQL instead of the SQLite file (the claim
#    that reads the head of the queue, not all of it, shows here).
# Usage: [STORE=postgres] [CIVICGATE_BIN=path] scripts/bench-outbox.sh [messages, default 20000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v bearerbox >/dev/null || [ -x /usr/sbin/bearerbox ] || apt-get install -y -qq kannel kannel-extras
if [ -n "${CIVICGATE_BIN:-}" ]; then bin=$CIVICGATE_BIN; else
  swift build -c release --product civicgate >/dev/null
  bin=$(swift build -c release --show-bin-path)/civicgate
fi
work=$(mktemp -d); chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
cleanup() {
  kill -9 "${fake:-0}" "${server:-0}" 2>/dev/null || true
  kill "$(cat "$work/smsbox.pid" 2>/dev/null)" "$(cat "$work/bearerbox.pid" 2>/dev/null)" 2>/dev/null || true
  # Kannel takes a few seconds to stop: a run started meanwhile would meet it (at most 15 s).
  for _ in $(seq 150); do kill -0 "$(cat "$work/smsbox.pid" 2>/dev/null)" 2>/dev/null || kill -0 "$(cat "$work/bearerbox.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
  [ "${STORE:-sqlite}" = postgres ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ "${STORE:-sqlite}" = postgres ]; then
  database=$(scripts/postgres/start.sh "$work/pg" 55443)
  # Several instances share one pseudonym key: serve on PostgreSQL asks for it.
  head -c 32 /dev/urandom >"$work/pseudonym.key"; chmod 600 "$work/pseudonym.key"
  export CIVICGATE_PSEUDONYM_KEY_FILE=$work/pseudonym.key
  q() { psql -qtA "$database" -c "$1"; }
else
  database=$work/outbox.sqlite
  q() { sqlite3 "$database" "$1"; }
fi
scripts/kannel/start.sh "$work" >/dev/null
/usr/lib/kannel/test/fakesmsc -H 127.0.0.1 -r 10000 -m 0 "0 0 text none" >/dev/null 2>&1 &
fake=$!; disown
sleep 0.5

CIVICGATE_SMS_PROVIDER=kannel CIVICGATE_SMS_URL=http://127.0.0.1:13013/cgi-bin/sendsms CIVICGATE_SMS_USERNAME=civicgate \
CIVICGATE_SMS_PASSWORD=kannel-test CIVICGATE_SMS_SENDER=40001 CIVICGATE_SMS_RATE=1000000 \
  "$bin" serve --port 18095 --database "$database" >"$work/server.log" 2>&1 &
server=$!; disown
for _ in $(seq 300); do curl -sf http://127.0.0.1:18095/healthz >/dev/null && break; sleep 0.1; done
curl -sf http://127.0.0.1:18095/healthz >/dev/null || { cat "$work/server.log"; exit 1; }
cat >"$work/sendsms.lua" <<'LUA'
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/cgi-bin/sendsms?username=civicgate&password=kannel-test&from=40001&to=%2B2782" .. string.format("%07d", counter % 10000000) .. "&dlr-mask=31&dlr-url=http%3A%2F%2F127.0.0.1%3A18095%2Fdlr%2Fkannel%3Fid%3D1%26status%3D%25d&text=Your%20reference%20is%20482%20109%20375.")
end
LUA
kannel=$(wrk -t 2 -c 16 -d 10s -s "$work/sendsms.lua" http://127.0.0.1:13013 | awk '/Requests\/sec/ {print $2}')
echo "kannel sendsms accept rate: ${kannel} req/s (wrk, 16 connections, 10 s)"
sleep 5  # let bearerbox drain what wrk queued, and its delivery reports

start=$(date +%s.%N)
[ -n "${PERF:-}" ] && (perf record -F 999 -g -p $server -o /tmp/outbox.perf -- sleep 4 >/dev/null 2>&1 &)
if [ "${STORE:-sqlite}" = postgres ]; then
  q "INSERT INTO outbox (msisdn, body, next_attempt_at, created_at, updated_at)
     SELECT '+2782' || lpad(x::text, 7, '0'), 'Your reference is 482 109 375.', now(), now(), now() FROM generate_series(1, $n) x"
else
  q "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < $n)
     INSERT INTO outbox (msisdn, body, next_attempt_at, created_at, updated_at)
     SELECT printf('+2782%07d', x), 'Your reference is 482 109 375.', datetime('now'), datetime('now'), datetime('now') FROM i;"
fi
for _ in $(seq 600); do   # at most 120 s
  left=$(q "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")
  [ "$left" = 0 ] && break
  sleep 0.2
done
echo "outbox by status: $(q "SELECT status || '=' || COUNT(*) FROM outbox GROUP BY status" | tr '\n' ' ')"
end=$(date +%s.%N)
sent=$(q "SELECT COUNT(*) FROM outbox WHERE status IN ('sent', 'delivered')")
rate=$(echo "$sent / ($end - $start)" | bc -l)
printf 'civicgate (%s) outbox -> kannel: %d of %d sent in %.2f s = %.0f msg/s (%.2fx kannel accept rate)\n' \
  "${STORE:-sqlite}" "$sent" "$n" "$(echo "$end - $start" | bc -l)" "$rate" "$(echo "$rate / $kannel" | bc -l)"
