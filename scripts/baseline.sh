#!/usr/bin/env bash
# Runs the Express + Drizzle baseline (../shared/baselines/express-drizzle)
# against an already running PostgreSQL cluster, for comparison figures.
# Usage:
#   scripts/baseline.sh start <cluster url> <port>
#       copies the baseline to target/baseline, loads its schema and seed into a
#       fresh database `baseline`, starts `node server.js` (CLUSTER=2) and prints
#       two lines: the API base URL and a bearer token (valid 1 hour).
#   scripts/baseline.sh one-id <cluster url>
#       prints the id the baseline's own bench.sh uses for get-one: the first
#       live person by (last_name, id) in the token's workspace.
#   scripts/baseline.sh token <workspace>
#       prints another bearer token (valid 1 hour) of the running baseline.
#   scripts/baseline.sh stop
#       stops the server and its workers.
# The token's workspace is the 10,000-person one; BASELINE_WS=<uuid> picks
# another (the seed's 1,000,000-person one is 11111111-1111-1111-1111-111111111111).
# Progress goes to stderr; the server's log is target/baseline/server.log.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${BASELINE_SRC:-../shared/baselines/express-drizzle}
dir=target/baseline
ws=${BASELINE_WS:-22222222-2222-2222-2222-222222222222}
usage() { echo "usage: $0 start <cluster url> <port> | one-id <cluster url> | token <workspace> | stop" >&2; exit 2; }
# The cluster URL names the database `postgres`; swap in `baseline`.
db_url() { printf '%s/baseline\n' "${1%/*}"; }

stop() {
  [ -f "$dir/server.pid" ] || return 0
  pid=$(cat "$dir/server.pid")
  # The server leads its own process group: the primary and its workers.
  if pgrep -g "$pid" -x node >/dev/null && kill -TERM -- "-$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$dir/server.pid"
}

case ${1:-} in
  start)
    [ $# -eq 3 ] || usage
    url=$2
    port=$3
    stop
    mkdir -p "$dir"
    # node_modules is kept while package-lock.json stays the same.
    if ! { cmp -s "$src/package-lock.json" "$dir/package-lock.json" && [ -d "$dir/node_modules" ]; }; then
      install -m 644 "$src/package.json" "$src/package-lock.json" "$dir/"
      echo "installing the baseline's packages..." >&2
      (cd "$dir" && npm ci --omit=dev --no-audit --no-fund >&2)
    fi
    install -m 644 "$src"/{package.json,package-lock.json,server.js,schema.js,token.js,schema.sql,seed.sql} "$dir/"
    echo "loading schema.sql and seed.sql (1,010,000 people) into database baseline..." >&2
    psql "$url" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS baseline WITH (FORCE)" -c "CREATE DATABASE baseline" >&2
    psql "$(db_url "$url")" -qX -v ON_ERROR_STOP=1 -f "$dir/schema.sql" -f "$dir/seed.sql" >&2
    echo "$ws" >"$dir/workspace"
    secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
    (umask 077 && printf '%s' "$secret" >"$dir/secret")
    # setsid: the server leads its own process group, so stop reaches every worker.
    (cd "$dir" && CLUSTER=2 NODE_ENV=production JWT_SECRET=$secret DATABASE_URL=$(db_url "$url") PORT=$port \
      exec setsid node server.js >server.log 2>&1 </dev/null) &
    pid=$!
    echo "$pid" >"$dir/server.pid"
    token=$(cd "$dir" && JWT_SECRET=$secret node token.js "$ws" 3600)
    base=http://127.0.0.1:$port/api/v1
    # Ready once a list answers 200, which also proves the database connection.
    deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ] && kill -0 "$pid" 2>/dev/null; do
      code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/people?limit=1" || true)
      if [ "$code" = 200 ]; then
        echo "baseline listening on $base (pid $pid)" >&2
        printf '%s\n%s\n' "$base" "$token"
        exit 0
      fi
      sleep 0.2
    done
    echo "error: the baseline did not answer on $base within 60 s; the last lines of $dir/server.log:" >&2
    tail -n 30 "$dir/server.log" >&2 || true
    stop
    exit 1
    ;;
  one-id)
    [ $# -eq 2 ] || usage
    ws=$(cat "$dir/workspace" 2>/dev/null || echo "$ws")
    psql "$(db_url "$2")" -qXAt -v ON_ERROR_STOP=1 -c \
      "SELECT id FROM people WHERE workspace_id = '$ws' AND deleted_at IS NULL ORDER BY last_name, id LIMIT 1"
    ;;
  token)
    [ $# -eq 2 ] || usage
    (cd "$dir" && JWT_SECRET=$(cat secret) node token.js "$2" 3600)
    ;;
  stop)
    stop
    ;;
  *)
    usage
    ;;
esac
