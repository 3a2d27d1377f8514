#!/usr/bin/env bash
# Runs schemathesis against a live server for a bounded time and fails on any
# 5xx or any answer that does not match the OpenAPI document.
# Usage: scripts/fuzz.sh <cluster url> [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
cluster=$1
seconds=${2:-120}
server=target/debug/rapport_for_tests
db_url=${cluster%/postgres}/rapport_fuzz
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
data=$(mktemp -d)
psql "$cluster" -qc "DROP DATABASE IF EXISTS rapport_fuzz" -c "CREATE DATABASE rapport_fuzz" >/dev/null
DATABASE_URL=$db_url RAPPORT_DATA_DIR=$data RAPPORT_BIND=127.0.0.1:$port \
  RAPPORT_AUTH_RATE_LIMIT=1000000 RAPPORT_API_KEY_RATE_LIMIT=1000000 \
  "$server" serve --demo >target/fuzz-server.log 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
token=$(scripts/wait-ready.sh "http://127.0.0.1:$port" "$pid" target/fuzz-server.log owner@support.demo)
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
# Signing out ends the session the whole run uses: those two operations are
# fuzzed last, on their own. One worker: with two threads, hypothesis's
# `ast.parse` of its lambdas can crash CPython 3.11 before 3.11.8 ("AST
# constructor recursion depth mismatch"), a failure of the tool, not the API.
target/venv/bin/schemathesis run "http://127.0.0.1:$port/api-docs/openapi.json" \
  --checks "$checks" --max-time "$seconds" --workers 1 --seed 1 \
  --exclude-path-regex '^/api/v1/auth/logout' \
  -H "Authorization: Bearer $token" \
  --report junit --report-dir target/fuzz-report
target/venv/bin/schemathesis run "http://127.0.0.1:$port/api-docs/openapi.json" \
  --checks "$checks" --max-time 15 --workers 1 --seed 1 \
  --include-path-regex '^/api/v1/auth/logout' \
  -H "Authorization: Bearer $token" \
  --report junit --report-dir target/fuzz-report-signout
