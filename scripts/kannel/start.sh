#!/usr/bin/env bash
# Starts bearerbox and smsbox on loopback with scripts/kannel/kannel.conf; logs go to $1 (a folder).
# fakesmsc, the stand-in SMSC, is started by the integration test itself: it takes its MO messages
# on the command line, so the test launches one per message it injects.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
logs=${1:-/tmp/civicgate-kannel}
mkdir -p "$logs"
/usr/sbin/bearerbox "$here/kannel.conf" >"$logs/bearerbox.log" 2>&1 &
echo $! >"$logs/bearerbox.pid"
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/13001) 2>/dev/null && break; sleep 0.1; done
/usr/sbin/smsbox "$here/kannel.conf" >"$logs/smsbox.log" 2>&1 &
echo $! >"$logs/smsbox.pid"
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/13013) 2>/dev/null && break; sleep 0.1; done
echo "kannel: bearerbox and smsbox up (logs in $logs)"
