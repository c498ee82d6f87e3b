#!/usr/bin/env bash
# How long queuing an incident's broadcast to 50,000 numbers takes: on SQLite, and on PostgreSQL
# too when CIVICGATE_TEST_POSTGRES_URL names a server (scripts/postgres/start.sh starts one).
# The figure is printed, not asserted: see BroadcastBenchmark in Tests/StoreTests.
set -euo pipefail
cd "$(dirname "$0")/.."
CIVICGATE_BENCH=1 swift test --filter BroadcastBenchmark 2>&1 | grep -E "broadcast bench|✘|error:"
