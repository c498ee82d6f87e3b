#!/usr/bin/env bash
# Console speed on a big database: 100,000 tickets (20,000 of them water's) imported into a
# release build, then wrk at 4 connections on the water dispatcher's pages: the default queue,
# a filtered and sorted queue page deep in the list, a ticket page, and the CSV export of the
# whole water queue. Prints requests/s and latency percentiles.
# Usage: scripts/bench-console.sh [tickets, default 100000] [seconds per page, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
seconds=${2:-10}
swift build -c release --product civicgate >/dev/null
bin=$(swift build -c release --show-bin-path)/civicgate
work=$(mktemp -d)
trap 'kill -9 ${server:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$rows" "$work/tickets.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
services = ["water.leak", "electricity.streetlight", "roads.pothole", "waste.missed_collection", "parks.overgrown"]
areas = ["Soweto", "Alexandra", "Diepsloot", "Randburg", "Midrand"]
with open(path, "w") as f:
    f.write("external_id,service_code,area,address,description,phone\n")
    for i in range(n):
        phone = f"+2782{i:07d}" if i % 4 == 0 else ""
        f.write(f'walk-{i},{services[i % 5]},{areas[(i // 5) % 5]},"{i} Ward Walk Rd",seen on the walk about,{phone}\n')
PY
db="$work/console.sqlite"
"$bin" org add "Bench walkers" --database "$db" >/dev/null
"$bin" import "$work/tickets.csv" --org "Bench walkers" --database "$db" >/dev/null 2>&1
CIVICGATE_PASSWORD="bench password 1" "$bin" user add bench --moe water --database "$db" >/dev/null
"$bin" serve --port 18097 --database "$db" >"$work/server.log" 2>&1 &
server=$!; disown
base=http://127.0.0.1:18097
for _ in $(seq 100); do curl -sf $base/healthz >/dev/null && break; sleep 0.1; done
jar="$work/cookies"
csrf=$(curl -s -c "$jar" $base/console/ | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//;s/"$//')
curl -s -b "$jar" -c "$jar" -o /dev/null -d "csrf=$csrf&username=bench&password=bench+password+1" $base/console/sign-in
cookie="cg_session=$(awk '$6 == "cg_session" {print $7}' "$jar")"
ref=$(sqlite3 "$db" "SELECT reference FROM tickets WHERE moe = 'water' ORDER BY id DESC LIMIT 1")
echo "$(sqlite3 "$db" "SELECT COUNT(*) FROM tickets") tickets, $(sqlite3 "$db" "SELECT COUNT(*) FROM tickets WHERE moe = 'water'") of them water's"
for page in "/console/" "/console/?area=soweto&sort=due&page=40" "/console/tickets/$ref" "/console/export.csv?status=all"; do
  bytes=$(curl -s -H "Cookie: $cookie" "$base$page" | wc -c)
  echo "== $page ($bytes bytes)"
  wrk -t2 -c4 -d"${seconds}s" --latency -H "Cookie: $cookie" "$base$page" | grep -E "Requests/sec|50%|90%|99%"
done
echo "server RSS: $(ps -o rss= -p $server) KiB"
