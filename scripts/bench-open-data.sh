#!/usr/bin/env bash
# The open dataset of 1,000,000 tickets on SQLite: `civicgate export open-data` (time and peak
# memory, /usr/bin/time) and `GET /open-data/requests.csv` (time and size, curl).
# Usage: scripts/bench-open-data.sh [tickets, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
swift build -c release --product civicgate >/dev/null
bin=$(swift build -c release --show-bin-path)/civicgate
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
source scripts/lib/seed-tickets.sh

echo "civicgate $(git rev-parse --short HEAD 2>/dev/null || echo dev), $(nproc) cores, $n tickets"
db="$work/bench.sqlite"
"$bin" user list --database "$db" >/dev/null
start=$(date +%s); seed_sql sqlite | sqlite3 "$db"; echo "seeded in $(( $(date +%s) - start )) s"
/usr/bin/time -f "export open-data: %e s, peak memory %M KiB" "$bin" export open-data "$work/open.csv" --database "$db"
echo "file: $(wc -l < "$work/open.csv") lines, $(( $(stat -c %s "$work/open.csv") / 1024 / 1024 )) MiB"
"$bin" serve --port 18460 --database "$db" >"$work/serve.log" 2>&1 & pid=$!
for _ in $(seq 300); do curl -sf http://127.0.0.1:18460/healthz >/dev/null && break; sleep 0.1; done
curl -s -o /dev/null -w "GET /open-data/requests.csv: %{time_total} s, %{size_download} bytes\n" http://127.0.0.1:18460/open-data/requests.csv
echo "serve peak memory: $(grep VmHWM /proc/$pid/status | awk '{print $2}') KiB"
