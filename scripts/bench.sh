#!/usr/bin/env bash
# Prints latency and throughput of the hot routes under load, beside the
# Express + Drizzle baseline (../shared/baselines/express-drizzle) served from
# the same throwaway PostgreSQL cluster on the same machine, in the same run.
# Release build, default logging (INFO, one line per request). Figures, not
# assertions.
# Usage: scripts/bench.sh [seconds per route, over three rounds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
conns=${2:-64}
command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p rapport-server
cluster_dir=target/bench-cluster
scripts/test-db.sh stop "$cluster_dir"
rm -rf "$cluster_dir"
cluster=$(scripts/test-db.sh start "$cluster_dir")
psql "$cluster" -qc "CREATE DATABASE rapport_bench"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
data=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
  scripts/baseline.sh stop
  scripts/test-db.sh stop "$cluster_dir"
  rm -rf "$data"
}
trap cleanup EXIT

# The baseline first: its seed loads a million rows.
{ read -r baseline; read -r baseline_token; } < <(scripts/baseline.sh start "$cluster" "$(free_port)")
baseline_id=$(scripts/baseline.sh one-id "$cluster")

DATABASE_URL=${cluster%/postgres}/rapport_bench RAPPORT_DATA_DIR=$data RAPPORT_BIND=127.0.0.1:$port \
  RAPPORT_AUTH_RATE_LIMIT=100000000 RAPPORT_API_KEY_RATE_LIMIT=100000000 \
  target/release/rapport serve --demo >target/bench-server.log 2>&1 &
pid=$!
base=http://127.0.0.1:$port
token=$(scripts/wait-ready.sh "$base" "$pid" target/bench-server.log owner@school.demo)
api() { curl -sf "$base/api/v1/$1" -H "Authorization: Bearer $token" -H 'content-type: application/json' "${@:2}"; }
# At least 50 audit entries: invitations made and revoked.
for i in $(seq 1 30); do
  id=$(api invitations -d "{\"email\":\"bench$i@example.com\",\"role\":\"staff\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  api "invitations/$id" -X DELETE >/dev/null
done
key=$(api api-keys -d '{"name":"bench","scopes":["audit:read"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
entries=$(api "audit?limit=50" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
[ "$entries" = 50 ] || { echo "error: the audit list holds $entries entries, not 50" >&2; exit 1; }

results=$(mktemp)
# run <label> <url> [bearer]: one wrk run, one table row.
run() {
  local out
  out=$(wrk -t2 -c"$conns" -d"${per}s" --latency ${3:+-H "Authorization: Bearer $3"} "$2")
  python3 - "$1" "$out" >>"$results" <<'PY'
import re, sys
label, out = sys.argv[1], sys.argv[2]
def ms(p):
    m = re.search(r'^\s*%s%%\s+([\d.]+)(us|ms|s)' % p, out, re.M)
    v = float(m.group(1)); return {'us': v / 1000, 'ms': v, 's': v * 1000}[m.group(2)]
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
bad = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', out)
errors = re.search(r'Socket errors:.*', out)
print('%s\t%.0f\t%.1f\t%.1f\t%s\t%s' % (label, rps, ms(50), ms(99), bad.group(1) if bad else '0', errors.group(0) if errors else ''))
PY
}
echo "== warming up" >&2
wrk -t2 -c"$conns" -d2s -H "Authorization: Bearer $token" "$base/api/v1/me" >/dev/null
wrk -t2 -c"$conns" -d2s -H "Authorization: Bearer $baseline_token" "$baseline/people/$baseline_id" >/dev/null
# Three rounds through every route, each route a third of the time per round;
# the table shows each route's median round, so that a moment of noise on
# the shared machine moves one round, not the figure.
rounds=3
per=$(( (seconds + rounds - 1) / rounds ))
echo "== measuring, $rounds rounds of ${per}s a route, $conns connections" >&2
for round in $(seq 1 $rounds); do
  run "baseline: get one" "$baseline/people/$baseline_id" "$baseline_token"
  run "baseline: list of 50" "$baseline/people?limit=50" "$baseline_token"
  run "GET /api/v1/me" "$base/api/v1/me" "$token"
  run "GET /api/v1/audit?limit=50" "$base/api/v1/audit?limit=50" "$token"
  run "GET /api/v1/audit?limit=50, API key" "$base/api/v1/audit?limit=50" "$key"
  run "GET /readyz" "$base/readyz"
  run "GET /healthz" "$base/healthz"
done

python3 - "$results" "$conns" "$per" <<'PY'
import sys
runs = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
# Each route's median round by rate (its own p50 and p99 with it).
rows, by = [], {}
for label in dict.fromkeys(r[0] for r in runs):
    mine = sorted((r for r in runs if r[0] == label), key=lambda r: float(r[1]))
    row = mine[len(mine) // 2]
    row[4] = str(sum(int(r[4]) for r in mine))
    row[5] = '; '.join(r[5] for r in mine if r[5])
    rows.append(row)
    by[label] = row
ratio = {
    'GET /api/v1/me': 'baseline: get one',
    'GET /api/v1/audit?limit=50': 'baseline: list of 50',
    'GET /api/v1/audit?limit=50, API key': 'baseline: list of 50',
}
print('\nwrk, %s connections, the median of 3 rounds of %s s a route, server, PostgreSQL and wrk on the same machine\n' % (sys.argv[2], sys.argv[3]))
print('| route | req/s | p50 ms | p99 ms | non-2xx | vs baseline |')
print('|---|---:|---:|---:|---:|---:|')
for r in rows:
    vs = ''
    if r[0] in ratio:
        vs = '%.1f×' % (float(r[1]) / float(by[ratio[r[0]]][1]))
    print('| %s | %s | %s | %s | %s | %s |' % (r[0], format(int(r[1]), ','), r[2], r[3], r[4], vs))
    if r[5]:
        print('|  (%s) | | | | | |' % r[5])
jwt, key = by['GET /api/v1/audit?limit=50'], by['GET /api/v1/audit?limit=50, API key']
print('\nThe audit list with an API key: %.0f %% of its rate with a token.' % (100 * float(key[1]) / float(jwt[1])))
PY
rm -f "$results"

# The import of 100,000 people, on a cluster of its own.
scripts/bench-import.sh 100000
