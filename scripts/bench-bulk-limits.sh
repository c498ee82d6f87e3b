#!/usr/bin/env bash
# Hostile and legal bulk bodies against a fresh `civicgate serve` each: the bulk API
# (POST /api/v1/bulk-reports) and the organisation portal's upload page (POST /console/uploads).
# Prints, per case, the answer, its size, the time and the server's peak memory (VmHWM).
# Usage: scripts/bench-bulk-limits.sh [civicgate binary, default: a release build]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then bin=$1; else swift build -c release --product civicgate >/dev/null; bin=$(swift build -c release --show-bin-path)/civicgate; fi
work=$(mktemp -d)
trap 'kill -9 ${server:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
port=18094
header='external_id,service_code,area,address,description,phone'

python3 - "$work" "$header" <<'PY'
import sys
work, header = sys.argv[1], sys.argv[2]
mb = 1024 * 1024
with open(f"{work}/blank64.csv", "wb") as f: f.write(header.encode() + b"\n" + b"\n" * (64 * mb))
with open(f"{work}/rows64.csv", "wb") as f: f.write(header.encode() + b"\n" + b"x\n" * (32 * mb))
with open(f"{work}/blank4.csv", "wb") as f: f.write(header.encode() + b"\n" + b"\n" * (4 * mb))
with open(f"{work}/rows4.csv", "wb") as f: f.write(header.encode() + b"\n" + b"x\n" * (2 * mb))
services = ["water.leak", "electricity.streetlight", "roads.pothole", "waste.missed_collection", "parks.overgrown"]
with open(f"{work}/legal.csv", "w") as f:
    f.write(header + "\n")
    for i in range(20000):
        f.write(f'walk-{i},{services[i % 5]},Soweto,"{i} Ward Walk Rd, near the school",seen on the walk about,\n')
PY

start() {
  rm -f "$work/db.sqlite"*
  CIVICGATE_PASSWORD="a long enough password" "$bin" org add "Bench ward" --database "$work/db.sqlite" >"$work/org.txt"
  key=$(tail -1 "$work/org.txt" | awk '{print $NF}')
  CIVICGATE_PASSWORD="a long enough password" "$bin" user add nomsa --org "Bench ward" --role organisation --database "$work/db.sqlite" >/dev/null
  "$bin" serve --port $port --database "$work/db.sqlite" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
}
peak() { awk '/VmHWM/ {printf "%d MB", $2 / 1024}' "/proc/$server/status"; }
stop() { kill "$server"; wait "$server" 2>/dev/null || true; }

printf '%-10s %-24s %-10s %8s %9s %s\n' path case answer bytes seconds peak
for file in blank64 rows64 blank4 rows4 legal; do
  for mode in length chunked; do
    start
    extra=()
    [ "$mode" = chunked ] && extra=(-H "Transfer-Encoding: chunked")
    out=$(curl -s -H "Expect:" -o "$work/answer" -w '%{http_code} %{size_download} %{time_total}' "${extra[@]}" -H "Authorization: Bearer $key" \
          -H "Content-Type: text/csv" --data-binary "@$work/$file.csv" "http://127.0.0.1:$port/api/v1/bulk-reports" || echo "000 0 0")
    read -r code size seconds <<<"$out"
    printf '%-10s %-24s %-10s %8s %9s %s\n' api "$file ($mode)" "$code" "$size" "$seconds" "$(peak)"
    stop
  done
  start
  jar="$work/cookies"; rm -f "$jar"
  csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/console/" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode username=nomsa \
       --data-urlencode "password=a long enough password" "http://127.0.0.1:$port/console/sign-in"
  csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/console/uploads" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  out=$(curl -s -H "Expect:" -o "$work/answer" -w '%{http_code} %{size_download} %{time_total}' -c "$jar" -b "$jar" -F "csrf=$csrf" \
        -F "file=@$work/$file.csv;type=text/csv" "http://127.0.0.1:$port/console/uploads" || echo "000 0 0")
  read -r code size seconds <<<"$out"
  # A legal upload is stored in the background: wait for it, so the peak includes its work.
  [ "$file" = legal ] && sleep 5
  printf '%-10s %-24s %-10s %8s %9s %s\n' upload "$file" "$code" "$size" "$seconds" "$(peak)"
  stop
done
