#!/usr/bin/env bash
# Prints latency and throughput of the hot routes under load, against a
# release build and a throwaway PostgreSQL cluster. Figures, not assertions.
# Usage: scripts/bench.sh [seconds per run] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
conns=${2:-32}
command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p rapport-server
cluster_dir=target/bench-cluster
scripts/test-db.sh stop "$cluster_dir"
rm -rf "$cluster_dir"
cluster=$(scripts/test-db.sh start "$cluster_dir")
psql "$cluster" -qc "CREATE DATABASE rapport_bench"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
data=$(mktemp -d)
DATABASE_URL=${cluster%/postgres}/rapport_bench RAPPORT_DATA_DIR=$data RAPPORT_BIND=127.0.0.1:$port \
  RAPPORT_AUTH_RATE_LIMIT=100000000 RAPPORT_LOG_FORMAT=json RUST_LOG=warn \
  target/release/rapport serve --demo >target/bench-server.log 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; scripts/test-db.sh stop "$cluster_dir"; rm -rf "$data"' EXIT
base=http://127.0.0.1:$port
login='{"email":"owner@school.demo","password":"rapport-demo-2026"}'
token=$(scripts/wait-ready.sh "$base" "$pid" target/bench-server.log owner@school.demo)
lua=$(mktemp --suffix=.lua)
cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = '$login'
wrk.headers["Content-Type"] = "application/json"
LUA
echo
echo "== GET /api/v1/me, $conns connections, ${seconds}s"
wrk -t2 -c"$conns" -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$base/api/v1/me" | grep -E 'Requests/sec|  50%|  99%|Non-2xx'
echo
echo "== GET /api/v1/members (a list), $conns connections, ${seconds}s"
wrk -t2 -c"$conns" -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$base/api/v1/members?limit=50" | grep -E 'Requests/sec|  50%|  99%|Non-2xx'
echo
echo "== POST /api/v1/auth/login (Argon2id, 19 MiB, t=2), 4 connections, ${seconds}s"
wrk -t2 -c4 -d"${seconds}s" --latency -s "$lua" "$base/api/v1/auth/login" | grep -E 'Requests/sec|  50%|  99%|Non-2xx'
rm -f "$lua"
