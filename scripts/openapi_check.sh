#!/usr/bin/env bash
# The OpenAPI document is the truth: valid OpenAPI 3.1 (openapi-spec-validator), and schemathesis
# against a running serve on 127.0.0.1, every operation with an MOE token (and an organisation key
# for the bulk upload), with no server error and no answer outside the document (status, content
# type, schema). usage: scripts/openapi_check.sh CIVICGATE_BINARY VENV
set -euo pipefail
bin=$(realpath "$1"); venv=$(realpath "$2")
work=$(mktemp -d)
export CIVICGATE_DATABASE="$work/openapi.sqlite" CIVICGATE_MOE_API_RATE=100000 CIVICGATE_BULK_RATE=100000
unset CIVICGATE_WEBHOOK_TOKEN
"$venv/bin/openapi-spec-validator" docs/openapi.json
"$bin" openapi | cmp - docs/openapi.json || { echo "docs/openapi.json is stale: civicgate openapi > docs/openapi.json" >&2; exit 1; }
token=$("$bin" token add --moe water | tail -1 | awk '{print $NF}')
key=$("$bin" org add "OpenAPI check" | tail -1 | awk '{print $NF}')
port=18097
"$bin" serve --port "$port" >"$work/serve.log" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
# Something to find: a ticket of the token's MOE and an incident.
printf 'external_id,service_code,area,address,description,phone\nx1,water.leak,soweto,12 Vilakazi St,Leak at the gate,\n' |
  curl -sf -X POST "$base/api/v1/bulk-reports" -H "Authorization: Bearer $key" -H 'Content-Type: text/csv' --data-binary @- >/dev/null
reference=$(curl -sf "$base/api/v1/tickets" -H "Authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tickets"][0]["reference"])')
incident=$(curl -sf -X POST "$base/api/v1/incidents" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"service": "water", "areas": ["soweto"], "description": "Main burst"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
cat >"$work/schemathesis.toml" <<TOML
[auth.openapi.moeToken]
bearer = "$token"
[auth.openapi.organisationKey]
bearer = "$key"
[parameters]
"path.reference" = "$reference"
"path.id" = $incident
TOML
cd "$work"
"$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" --url "$base" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples 40 --generation-deterministic --request-timeout 60
if grep -q "Fatal error\|panic" "$work/serve.log"; then echo "the serve crashed:" >&2; tail -20 "$work/serve.log" >&2; exit 1; fi
kill -0 "$serve" || { echo "the serve stopped" >&2; exit 1; }
