#!/usr/bin/env bash
# USSD hop benchmark: hops/s and p50/p99 latency over loopback for the full report path, at 1, 16
# and 64 concurrent sessions, against a release build of `civicgate serve` on a fresh database.
# Usage: scripts/bench-ussd.sh [seconds per level, default 15]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
swift build -c release --product civicgate >/dev/null
bin=$(swift build -c release --show-bin-path)/civicgate
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=18080
# One number per connection reports over and over: lift the daily cap of reports per number.
CIVICGATE_MAX_REPORTS_PER_NUMBER=100000 "$bin" serve --port $port --database "$work/bench.sqlite" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
echo "civicgate $(git rev-parse --short HEAD 2>/dev/null || echo dev), $(nproc) cores, ${duration}s per level"
tag=10000
for c in 1 16 64; do
  tag=$((tag + 1))
  printf 'sessions=%-3s ' "$c"
  wrk -t "$c" -c "$c" -d "${duration}s" --timeout 5s -s scripts/ussd-report.lua "http://127.0.0.1:$port" -- "$tag" | grep '^RESULT' | sed 's/^RESULT //'
done
tickets=$(sqlite3 "$work/bench.sqlite" 'SELECT COUNT(*) FROM tickets' 2>/dev/null || echo '?')
echo "tickets stored: $tickets; server RSS: $(ps -o rss= -p $server | awk '{printf "%.0f MiB", $1/1024}')"
