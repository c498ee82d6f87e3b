#!/usr/bin/env bash
# POPIA at 1,000,000 tickets on SQLite: the open dataset (`civicgate export open-data`: time and
# peak memory; `GET /open-data/requests.csv`: time and size), then a purge of every closed
# ticket's personal data (retention of reporter numbers set to 30 days for the run) while one
# resident keeps dialling (a first screen, again and again) and another keeps filing whole reports
# (first for 30 s without a purge, for comparison):
# the purge's time, and the slowest USSD hop and the slowest confirmation meanwhile; then the same
# for a purge with nothing left to do (the next night's); after each
# phase the disk's reads, discards and cache flushes (every process) and the write-ahead log's size.
# Usage: scripts/bench-popia.sh [tickets, default 1000000]
# CIVICGATE_BIN=path runs that civicgate binary instead of building this tree's (to compare builds in one sitting).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
if [ -n "${CIVICGATE_BIN:-}" ]; then bin=$CIVICGATE_BIN; else
  swift build -c release --product civicgate >/dev/null
  bin=$(swift build -c release --show-bin-path)/civicgate
fi
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
source scripts/lib/seed-tickets.sh

echo "civicgate ${CIVICGATE_BIN:-$(git rev-parse --short HEAD 2>/dev/null || echo dev)}, $(nproc) cores, $n tickets"
db="$work/bench.sqlite"
"$bin" user list --database "$db" >/dev/null
start=$(date +%s); seed_sql sqlite | sqlite3 "$db"; echo "seeded in $(( $(date +%s) - start )) s"
/usr/bin/time -f "export open-data: %e s, peak memory %M KiB" "$bin" export open-data "$work/open.csv" --database "$db"
echo "file: $(wc -l < "$work/open.csv") lines, $(( $(stat -c %s "$work/open.csv") / 1024 / 1024 )) MiB"
"$bin" serve --port 18460 --database "$db" >"$work/serve.log" 2>&1 & pid=$!
for _ in $(seq 300); do curl -sf http://127.0.0.1:18460/healthz >/dev/null && break; sleep 0.1; done
curl -s -o /dev/null -w "GET /open-data/requests.csv: %{time_total} s, %{size_download} bytes\n" http://127.0.0.1:18460/open-data/requests.csv
echo "serve peak memory after it: $(grep VmHWM /proc/$pid/status | awk '{print $2}') KiB"

# The server makes the daily figures of every seeded ticket again first (a mark per ticket):
# wait for that, so the hops below wait for the purge and not for it.
start=$(date +%s)
for _ in $(seq 1200); do
  [ "$(sqlite3 -cmd '.timeout 5000' "$db" 'SELECT COUNT(*) FROM figures_changed')" = 0 ] && break; sleep 0.5
done
echo "daily figures made again by serve in $(( $(date +%s) - start )) s more"

# Two residents: one dialling (a new session every hop) and one filing whole reports (a number
# and a place of each report's own: the confirming hop writes the ticket, so it is the hop that
# waits for a purge's write lock), until $work/done exists; then their figures under a label.
# residents TAG DIGIT FIRST: sessions named by TAG, numbers +278DIGIT... (each phase its own, so
# no caller has a dropped session from before), report street numbers from FIRST.
# disk: the whole disks' reads, discards, milliseconds spent discarding and cache flushes so far
# (/proc/diskstats fields 4, 15, 18, 19), every process; space-separated.
disk() { awk '$3 ~ /^(vd|sd|nvme|xvd)[a-z0-9]*$/ && $3 !~ /[0-9]p?[0-9]+$/ { r += $4; d += $15; dms += $18; f += $19 } END { print r + 0, d + 0, dms + 0, f + 0 }' /proc/diskstats; }
residents() {
  rm -f "$work/done"; read -r reads0 discards0 discard_ms0 flushes0 < <(disk)
  ( i=0; while [ ! -f "$work/done" ]; do i=$((i + 1))
      curl -s -o /dev/null -w '%{time_total}\n' --data "sessionId=probe-$1-$i&serviceCode=*120*1234%23&phoneNumber=%2B278$2$(printf %07d $((5000000 + i % 10000)))&text=" \
        http://127.0.0.1:18460/ussd/africastalking; done > "$work/hops" ) &
  probe=$!
  ( i=$3; while [ ! -f "$work/done" ]; do i=$((i + 1)); text=""
      for input in start 1 1 1 1 1 "$i Ward$((i % 997))" 1; do
        [ "$input" = start ] || text=${text:+$text*}$input
        took=$(curl -s -o "$work/reply" -w '%{time_total}' --data-urlencode "sessionId=report-$1-$i" --data-urlencode "serviceCode=*120*1234#" \
               --data-urlencode "phoneNumber=+278$2$(printf %07d "$i")" --data-urlencode "text=$text" http://127.0.0.1:18460/ussd/africastalking)
      done
      if head -c 4 "$work/reply" | grep -q '^END'; then echo "$took"; else echo "no ticket: $(head -c 60 "$work/reply")" >&2; fi
    done > "$work/confirmations" ) &
  reporter=$!
}
# summary LABEL FILE: how many, median, p99, slowest and how many over 20 ms of FILE's seconds.
summary() {
  sort -n "$2" | awk -v l="$1" '{ a[NR] = $1; if ($1 > 0.020) over++ } END { printf "%s: %d, median %.1f ms, p99 %.1f ms, slowest %.1f ms, over 20 ms: %d\n", l, NR, a[int(NR / 2)] * 1000, a[int(NR * 0.99)] * 1000, a[NR] * 1000, over }'
}
figures() {
  touch "$work/done"; wait "$probe" "$reporter"
  read -r reads discards discard_ms flushes < <(disk)
  echo "disk (every process) $1: reads $((reads - reads0)), discards $((discards - discards0)) taking $((discard_ms - discard_ms0)) ms, cache flushes $((flushes - flushes0)); the WAL now $(( $(stat -c %s "$db-wal" 2>/dev/null || echo 0) / 1024 )) KiB"
  summary "USSD hops $1" "$work/hops"
  summary "USSD confirmations (a ticket filed) $1" "$work/confirmations"
}

# The same two residents for 30 s without a purge: what this machine gives their hops anyway
# (two busy cores, the server's own commits and checkpoints), to read the purge's figures against.
residents base 3 0; sleep 30; figures "without a purge (30 s)"

# The purge, with the two residents until it ends.
cp -r menus "$work/menus"
sed -i 's/^  reporter_numbers: [0-9]*/  reporter_numbers: 30/' "$work/menus/retention.yaml"
"$bin" purge --dry-run --database "$db" --menus "$work/menus" | sed 's/^/dry run: /'
residents purge 4 5000; sleep 2
/usr/bin/time -f "purge: %e s, peak memory %M KiB" "$bin" purge --database "$db" --menus "$work/menus"
figures "during the purge"

# The next night's purge, with nothing left to do, and the same two residents.
residents again 6 10000; sleep 2
/usr/bin/time -f "purge with nothing due: %e s, peak memory %M KiB" "$bin" purge --database "$db" --menus "$work/menus" | grep -v ' 0 purged$' || true
figures "during the purge with nothing due"
