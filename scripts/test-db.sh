#!/usr/bin/env bash
# Starts (start DIR) or stops (stop DIR) a throwaway PostgreSQL cluster that
# listens only on a Unix socket in DIR, and prints its URL on start.
set -euo pipefail
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || bin=$(dirname "$(command -v initdb)")
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)
  chown postgres:postgres "$dir"
fi
chmod 700 "$dir"
case "$action" in
  start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >/dev/null
    fi
    # Durability is not what the tests measure; speed is welcome. A cluster
    # already running is reused.
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 ||
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgresql.log" -w -t 60 \
      -o "-k $dir -p 5432 -c listen_addresses='' -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
    printf 'postgres://postgres@%s:5432/postgres\n' "$(printf '%s' "$dir" | sed 's|/|%2F|g')"
    ;;
  stop)
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
esac
