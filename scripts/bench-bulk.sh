#!/usr/bin/env bash
# Bulk import speed: 20,000 rows over HTTP (POST /api/v1/bulk-reports) and 100,000 rows by
# `civicgate import`, each into a fresh database of a release build. Prints rows/s.
# Usage: scripts/bench-bulk.sh [http rows, default 20000] [cli rows, default 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
http_rows=${1:-20000}
cli_rows=${2:-100000}
swift build -c release --product civicgate >/dev/null
bin=$(swift build -c release --show-bin-path)/civicgate
work=$(mktemp -d)
trap 'kill -9 ${server:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
make_csv() {
  python3 - "$1" "$2" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
services = ["water.leak", "electricity.streetlight", "roads.pothole", "waste.missed_collection", "parks.overgrown"]
areas = ["Soweto", "Alexandra", "", "Diepsloot", "Randburg"]
with open(path, "w") as f:
    f.write("external_id,service_code,area,address,description,phone\n")
    for i in range(n):
        phone = f"+2782{i:07d}" if i % 4 == 0 else ""
        f.write(f'walk-{i},{services[i % 5]},{areas[i % 5]},"{i} Ward Walk Rd, near the school",seen on the walk about,{phone}\n')
PY
}
make_csv "$http_rows" "$work/http.csv"
make_csv "$cli_rows" "$work/cli.csv"

"$bin" serve --port 18096 --database "$work/http.sqlite" >"$work/server.log" 2>&1 &
server=$!; disown
for _ in $(seq 100); do curl -sf http://127.0.0.1:18096/healthz >/dev/null && break; sleep 0.1; done
key=$("$bin" org add "Bench walkers" --database "$work/http.sqlite" | tail -1 | awk '{print $NF}')
start=$(date +%s.%N)
accepted=$(curl -sf -X POST -H "Authorization: Bearer $key" -H "Content-Type: text/csv" --data-binary @"$work/http.csv" \
  http://127.0.0.1:18096/api/v1/bulk-reports | python3 -c 'import json,sys; print(json.load(sys.stdin)["accepted"])')
end=$(date +%s.%N)
printf 'HTTP: %d of %d rows accepted in %.2f s = %.0f rows/s\n' "$accepted" "$http_rows" "$(echo "$end - $start" | bc -l)" \
  "$(echo "$accepted / ($end - $start)" | bc -l)"

"$bin" org add "Bench walkers" --database "$work/cli.sqlite" >/dev/null
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/cli.mem" "$bin" import "$work/cli.csv" --org "Bench walkers" --database "$work/cli.sqlite" 2>/dev/null | head -1
end=$(date +%s.%N)
stored=$(sqlite3 "$work/cli.sqlite" "SELECT COUNT(*) FROM tickets")
printf 'CLI: %d rows stored in %.2f s (whole command) = %.0f rows/s, peak memory %d MiB\n' "$stored" "$(echo "$end - $start" | bc -l)" \
  "$(echo "$stored / ($end - $start)" | bc -l)" "$(( $(cat "$work/cli.mem") / 1024 ))"
