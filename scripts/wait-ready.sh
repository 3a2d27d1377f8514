#!/usr/bin/env bash
# Waits until a server answers ready (start-up work, demo data included, is
# done), then checks that a demo account signs in, and prints its access token.
# On failure says what went wrong and shows the end of the server's log.
# Usage: scripts/wait-ready.sh <base url> <server pid> <server log> [email]
set -euo pipefail
base=$1
pid=$2
log=$3
email=${4:-owner@support.demo}
fail() {
  echo "error: $*" >&2
  echo "--- the last lines of $log:" >&2
  tail -n 30 "$log" >&2 || true
  exit 1
}
ready=0
for _ in $(seq 1 600); do
  kill -0 "$pid" 2>/dev/null || fail "the server stopped while starting"
  if curl -sf "$base/readyz" >/dev/null; then ready=1; break; fi
  sleep 0.2
done
[ $ready -eq 1 ] || fail "the server did not become ready within 120 s ($base/readyz)"
answer=$(curl -s -w '\n%{http_code}' "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"rapport-demo-2026\"}")
status=${answer##*$'\n'}
body=${answer%$'\n'*}
[ "$status" = 200 ] || fail "signing in as $email answered $status: $body"
printf '%s' "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' \
  || fail "the sign-in answer holds no access token: $body"
