#!/usr/bin/env bash
# Starts bearerbox and smsbox on loopback with scripts/kannel/kannel.conf; logs go to $1 (a folder).
# fakesmsc, the stand-in SMSC, is started by the integration test itself: it takes its MO messages
# on the command line, so the test launches one per message it injects.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
logs=${1:-/tmp/civicgate-kannel}
mkdir -p "$logs"
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# A Kannel stopped just before (back-to-back benchmark runs) takes a few seconds to let go of its
# ports; a new one started meanwhile cannot bind them and exits, and the old one answers the
# checks below until it is gone. Wait for the ports to be free first (at most 20 s).
for _ in $(seq 200); do listening 13000 || listening 13001 || listening 13013 || listening 10000 || break; sleep 0.1; done
/usr/sbin/bearerbox "$here/kannel.conf" >"$logs/bearerbox.log" 2>&1 &
echo $! >"$logs/bearerbox.pid"
for _ in $(seq 300); do listening 13001 && break; sleep 0.1; done
/usr/sbin/smsbox "$here/kannel.conf" >"$logs/smsbox.log" 2>&1 &
echo $! >"$logs/smsbox.pid"
for _ in $(seq 300); do listening 13013 && break; sleep 0.1; done
for box in bearerbox smsbox; do
  if ! kill -0 "$(cat "$logs/$box.pid")" 2>/dev/null || ! listening 13013; then
    echo "kannel: $box did not come up; the end of its log ($logs/$box.log):" >&2
    tail -5 "$logs/$box.log" >&2
    exit 1
  fi
done
echo "kannel: bearerbox and smsbox up (logs in $logs)"
