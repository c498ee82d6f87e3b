#!/usr/bin/env bash
# Hop latency at the same load: a bare Hummingbird server (../shared/bench/bare: a constant CON
# screen) and a release `civicgate serve` on a fresh SQLite file, each offered the same hops per
# second by sessions that wait after every reply (USSD_THINK_MS in scripts/ussd-sessions.lua), at 16
# and 64 sessions. ../shared/bench/ussd-vs-bare.sh runs both flat out (each session sends its next
# hop the moment its reply arrives), where each server's latency is set by its own throughput: with
# 64 sessions waiting, the mean latency is 64 divided by the hops per second. Here both carry the
# same load, so the p99s compare the tails themselves. For ours it also prints, from /metrics, how
# long the hops that store something waited for the SQLite writer and how long its rounds took
# (bucket bounds: "p99 <=5" means the 99th percentile is at most 5 ms).
# Every session files a ticket of its own (a confirmation with a durable commit) at a street
# number of its own (USSD_PATH, default "1|1|1|1|1|#|1": '#' is the session's own street).
# Usage: scripts/bench-tail.sh [seconds per level, default 8] [hops/s offered, default 4000]
# CIVICGATE_BIN=path runs that civicgate binary instead of building this tree's.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-8}
rate=${2:-4000}
inputs=${USSD_PATH:-"1|1|1|1|1|#|1"}
bare_src=../shared/bench/bare
[ -d "$bare_src" ] || { echo "bench-tail: needs the bare server's package at $bare_src" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
if [ -n "${CIVICGATE_BIN:-}" ]; then bin=$CIVICGATE_BIN; else
  swift build -c release --product civicgate >/dev/null
  bin=$(swift build -c release --show-bin-path)/civicgate
fi
swift build -c release --package-path "$bare_src" --scratch-path .build/bench-bare >/dev/null
bare_bin=.build/bench-bare/release/bare
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
wait_up() { for _ in $(seq 200); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.05; done; return 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # PORT SESSIONS PID THINK_MS -> wrk's figures and the server's CPU microseconds per hop
  local before after result
  before=$(cpu_ticks "$3")
  result=$(USSD_THINK_MS=$4 wrk -t"$2" -c"$2" -d"${secs}s" --timeout 5s -s scripts/ussd-sessions.lua \
           "http://127.0.0.1:$1" -- "$inputs" | grep '^RESULT' | sed 's/^RESULT //')
  after=$(cpu_ticks "$3")
  python3 - "$result" "$before" "$after" "$secs" <<'PY'
import os, sys
result, before, after, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
hops = float(dict(kv.split("=") for kv in result.split())["hops_per_s"]) * secs
print(f"{result} cpu_us_per_hop={(after - before) / os.sysconf('SC_CLK_TCK') * 1e6 / max(hops, 1):.0f}")
PY
}

"$bare_bin" 18283 >/dev/null 2>&1 & pids+=($!)
"$bin" serve --port 18284 --database "$work/bench.sqlite" >"$work/serve.log" 2>&1 & pids+=($!)
wait_up 18283 && wait_up 18284
# Warm both (first statements, the pool), then measure.
USSD_THINK_MS=5 wrk -t4 -c4 -d2s -s scripts/ussd-sessions.lua http://127.0.0.1:18283 -- "$inputs" >/dev/null
USSD_THINK_MS=5 wrk -t4 -c4 -d2s -s scripts/ussd-sessions.lua http://127.0.0.1:18284 -- "$inputs" >/dev/null
scrape() { curl -sf http://127.0.0.1:18284/metrics >"$work/metrics.$1"; }
writer() { # the writer's figures between two scrapes: civicgate_hop_commit_wait_seconds, civicgate_writer_round_seconds
  python3 - "$work/metrics.before" "$work/metrics.after" <<'PY'
import re, sys
def read(path):
    h = {}
    for line in open(path):
        m = re.match(r'(civicgate_hop_commit_wait_seconds|civicgate_writer_round_seconds)_(bucket\{le="([^"]+)"\}|sum|count) (\S+)', line)
        if m:
            name, kind, le, value = m.group(1), m.group(2), m.group(3), float(m.group(4))
            h.setdefault(name, {})[le if le else kind] = value
    return h
before, after = read(sys.argv[1]), read(sys.argv[2])
out = []
for name, short in (("civicgate_hop_commit_wait_seconds", "wait for the writer"), ("civicgate_writer_round_seconds", "round")):
    a, b = after.get(name, {}), before.get(name, {})
    n = a.get("count", 0) - b.get("count", 0)
    if n <= 0: continue
    bounds = sorted((float(k), a[k] - b.get(k, 0)) for k in a if k not in ("sum", "count", "+Inf"))
    def upto(q):  # the first bucket bound holding q of the observations (an upper bound of that quantile)
        return next((f"<={le * 1000:g}" for le, c in bounds if c >= q * n), ">250")
    mean = (a["sum"] - b.get("sum", 0)) / n * 1000
    out.append(f"{short}: n={n:.0f} mean {mean:.2f} ms, p50 {upto(.5)} p90 {upto(.9)} p99 {upto(.99)} ms")
print("; ".join(out))
PY
}
for c in 16 64; do
  think=$(( c * 1000 / rate ))
  b=$(run 18283 "$c" "${pids[0]}" "$think")
  scrape before
  o=$(run 18284 "$c" "${pids[1]}" "$think")
  scrape after
  echo "sessions=$c think_ms=$think bare: $b"
  echo "sessions=$c think_ms=$think ours: $o"
  python3 - "$c" "$b" "$o" <<'PY'
import sys
c, b, o = sys.argv[1], *(dict(kv.split("=") for kv in a.split()) for a in sys.argv[2:])
r = lambda k: float(o[k]) / float(b[k])
print(f"sessions={c} at the same load: hops ours/bare {r('hops_per_s'):.2f}, p50 {r('p50_ms'):.1f}, p99 {r('p99_ms'):.1f}, server CPU per hop {r('cpu_us_per_hop'):.1f}")
PY
  echo "sessions=$c ours, the SQLite writer: $(writer)"
done
echo "tickets stored: $(sqlite3 "$work/bench.sqlite" 'SELECT COUNT(*) FROM tickets' 2>/dev/null || echo '?')"
