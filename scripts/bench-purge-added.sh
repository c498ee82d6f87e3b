#!/usr/bin/env bash
# The purge of reporter numbers beside residents added to open tickets ("Add me to it"), which are
# never due while their ticket is open: N tickets of scripts/lib/seed-tickets.sh (a year of
# reports, 70 % resolved), M added reporters spread over the open ones, reporter numbers kept
# 30 days; prints how many were purged, the longest batch and the purge's time (SQLite, release build).
# Usage: scripts/bench-purge-added.sh [tickets, default 100000] [added reporters tried, default 100000]
# CIVICGATE_BIN=path runs that civicgate binary instead of building this tree's (to compare builds in one sitting).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}; m=${2:-100000}
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
if [ -n "${CIVICGATE_BIN:-}" ]; then bin=$CIVICGATE_BIN; else
  swift build -c release --product civicgate >/dev/null
  bin=$(swift build -c release --show-bin-path)/civicgate
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
source scripts/lib/seed-tickets.sh
db="$work/bench.sqlite"
"$bin" user list --database "$db" >/dev/null
seed_sql sqlite | sqlite3 "$db"
# Of the M tried, those that land on an open ticket are kept.
sqlite3 "$db" "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $m)
  INSERT INTO ticket_reporters (ticket_id, msisdn, language, channel, created_at)
  SELECT t.id, '+2783' || printf('%07d', s.i), 'en', 'ussd', t.created_at FROM s JOIN tickets t ON t.id = (s.i * 7) % $n + 1 WHERE t.status = 'acknowledged';
  SELECT 'civicgate ${CIVICGATE_BIN:-$(git rev-parse --short HEAD 2>/dev/null || echo dev)}: $n tickets, ' || COUNT(*) || ' added reporters on open tickets' FROM ticket_reporters;"
cp -r menus "$work/menus"
sed -i 's/^  reporter_numbers: [0-9]*/  reporter_numbers: 30/' "$work/menus/retention.yaml"
/usr/bin/time -f "purge: %e s, peak memory %M KiB" "$bin" purge --database "$db" --menus "$work/menus" 2>&1 | grep -E "reporter_numbers|Longest|purge:"
