#!/usr/bin/env bash
# Webhook delivery beside residents' confirmations, on this machine only (127.0.0.1):
#   - the receiver is ../shared/bench/bare (a Hummingbird server answering its POST route with 200);
#   - a release `civicgate serve` on a fresh SQLite database with one water subscription;
#   1. residents' report sessions (wrk, ../shared/bench/session.lua) with nothing to deliver;
#   2. N ticket changes' messages queued at once (default 50,000, each the stored message of a
#      real ticket change), and the same sessions while the sender works through them;
#   3. the delivery rate: messages delivered per second until none is left.
# Usage: [CIVICGATE_WEBHOOK_RATE=100] scripts/bench-webhooks.sh [messages, default 50000] [seconds per wrk run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50000}
secs=${2:-10}
bench=../shared/bench
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
swift build -c release --product civicgate >/dev/null
swift build -c release --package-path "$bench/bare" --scratch-path .build/bench-bare >/dev/null
bin=$(swift build -c release --show-bin-path)/civicgate
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
export CIVICGATE_DATABASE="$work/bench.sqlite" CIVICGATE_WEBHOOK_ALLOW_HTTP=127.0.0.1 CIVICGATE_WEBHOOK_ALLOW_PRIVATE=127.0.0.1/32 \
       CIVICGATE_MOE_API_RATE=1000000
.build/bench-bare/release/bare 18291 >/dev/null 2>&1 & pids+=($!)
# bare answers 200 on its one POST route, whatever the body.
"$bin" webhook add --moe water --url http://127.0.0.1:18291/ussd/africastalking >/dev/null
token=$("$bin" token add --moe water | tail -1 | awk '{print $NF}')
"$bin" serve --port 18292 >"$work/serve.log" 2>&1 & pids+=($!)
for _ in $(seq 200); do curl -sf http://127.0.0.1:18292/healthz >/dev/null && break; sleep 0.05; done
sessions() {
  wrk -t16 -c16 -d"${secs}s" --timeout 5s -s "$bench/session.lua" http://127.0.0.1:18292 -- "1|1|1|1|1|12 Main Rd|1" | grep '^RESULT' | sed 's/^RESULT //'
}
echo "webhook rate cap: ${CIVICGATE_WEBHOOK_RATE:-100} messages/s"
echo "1. sessions, nothing to deliver: $(sessions)"
# A real change's message, as the template of the burst.
ref=$(curl -sf http://127.0.0.1:18292/api/v1/tickets -H "Authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tickets"][0]["reference"])')
curl -sf -X POST "http://127.0.0.1:18292/api/v1/tickets/$ref/status" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"status": "in_progress", "public_update": "A team is on the way."}' >/dev/null
for _ in $(seq 100); do
  [ "$(sqlite3 "$work/bench.sqlite" "SELECT COUNT(*) FROM webhook_messages WHERE status IN ('pending', 'sending')")" = 0 ] && break; sleep 0.1
done
before=$(sqlite3 "$work/bench.sqlite" "SELECT COUNT(*) FROM webhook_messages WHERE status = 'delivered'")
start=$(date +%s.%N)
sqlite3 -cmd ".timeout 10000" "$work/bench.sqlite" "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < $n)
  INSERT INTO webhook_messages (subscription_id, message_id, type, subject, data, occurred_at, status, attempts, next_attempt_at, created_at)
  SELECT m.subscription_id, 'msg_bench' || x, m.type, 'ticket:bench' || (x % 5000), m.data, m.occurred_at, '${BENCH_STATUS:-pending}', 0, m.next_attempt_at, m.created_at
  FROM i, (SELECT * FROM webhook_messages WHERE type = 'ticket.changed' ORDER BY id DESC LIMIT 1) m;"
echo "2. sessions while $n messages are delivered: $(sessions)"
for _ in $(seq 12000); do   # at most 1200 s
  left=$(sqlite3 -cmd ".timeout 10000" "$work/bench.sqlite" "SELECT COUNT(*) FROM webhook_messages WHERE status IN ('pending', 'sending')")
  [ "$left" = 0 ] && break
  sleep 0.1
done
end=$(date +%s.%N)
delivered=$(( $(sqlite3 "$work/bench.sqlite" "SELECT COUNT(*) FROM webhook_messages WHERE status = 'delivered'") - before ))
printf '3. delivered %d of %d in %.1f s (with 16 sessions for the first %d s) = %.0f messages/s; left %s\n' "$delivered" "$n" \
  "$(echo "$end - $start" | bc -l)" "$secs" "$(echo "$delivered / ($end - $start)" | bc -l)" "$left"
echo "civicgate RSS $(ps -o rss= -p "${pids[1]}" | awk '{printf "%.0f MiB", $1/1024}')"
