#!/usr/bin/env bash
# The benchmark, side by side with the Express + Drizzle baseline
# (../shared/baselines/express-drizzle) and pgbench, in one run on this
# machine. Figures, not assertions.
#
# 1. Builds the server in release and starts it as `scripts/run.sh` does:
#    no DATABASE_URL, so it starts its own private PostgreSQL with the
#    settings it chooses from the machine's memory. Everything below runs
#    on exactly that cluster.
# 2. Starts the baseline on the same cluster (database `baseline`, its seed:
#    1,000,000 people in one workspace, 10,000 in another) and copies the
#    same rows into Rapport's demo workspaces "Acme Sales" (1,000,000) and
#    "Helpdesk Co" (10,000).
# 3. With wrk (64 connections unless told): list people 50 a page (first
#    page, a page 10,000 pages deep in the cursor, a filtered page: names
#    starting "sm"), search, get one, create one, the first page at 10,000
#    people; the same for Express; pgbench on the very SQL the server sent
#    for each list (read from PostgreSQL's log) and for get one. Then a
#    consultant's calendar: their week with five years of weekly sessions
#    behind it, and their free slots for a month (Rapport only: the
#    baseline has no sessions); and a tutoring business's finance reports
#    over five years of invoiced sessions of 500 students.
# 4. Prints one table with each side's rate, p50, p95, p99 and the ratios,
#    the server's peak memory, then the older routes (/me, audit) and the
#    import of 100,000 people (scripts/bench-import.sh).
#
#    The calendar runs at the connections given and at 8, about the people
#    of one office at their calendars at once.
#
# Usage: scripts/bench.sh [seconds per scenario] [connections]
#        ONLY=people scripts/bench.sh ...: people at a million, beside the
#          baseline and pgbench, alone.
#        ONLY=calendar scripts/bench.sh ...: the calendar alone.
#        ONLY=finance scripts/bench.sh ...: a tutoring business's reports
#        over five years of sessions of 500 students alone.
#        ONLY=routes scripts/bench.sh ...: the other routes alone (/me, the
#        audit list with a token and with an API key, /readyz, /healthz).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
only=${ONLY:-}
conns=${2:-64}
warmup=${WARMUP:-3}
root=$PWD
baseline_src=${BASELINE_SRC:-$root/../shared/baselines/express-drizzle}
big_ws_baseline=11111111-1111-1111-1111-111111111111
small_ws_baseline=22222222-2222-2222-2222-222222222222
command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
cargo build --release -p rapport-server

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
data=$root/target/bench-data
pid=
work=$(mktemp -d)
cleanup() {
  scripts/baseline.sh stop
  [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$data"
port=$(free_port)
base=http://127.0.0.1:$port
RAPPORT_DATA_DIR=$data RAPPORT_BIND=127.0.0.1:$port \
  RAPPORT_AUTH_RATE_LIMIT=100000000 RAPPORT_API_KEY_RATE_LIMIT=100000000 RAPPORT_BACKUP_KEEP=0 \
  target/release/rapport serve --demo >target/bench-server.log 2>&1 &
pid=$!
token=$(scripts/wait-ready.sh "$base" "$pid" target/bench-server.log owner@sales.demo)
small_token=$(scripts/wait-ready.sh "$base" "$pid" target/bench-server.log owner@support.demo)
pg_dir=$data/pg
host=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$pg_dir")
cluster="postgres://postgres:$(cat "$pg_dir/superuser-password")@$host:5432/postgres"
rapport_db=${cluster%/postgres}/rapport
pg_log=$pg_dir/postgresql.log
sql() { psql "$1" -qXAt -v ON_ERROR_STOP=1 -c "$2"; }
settings=$(sql "$cluster" "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings
  WHERE name IN ('shared_buffers','effective_cache_size','work_mem','maintenance_work_mem','max_wal_size','random_page_cost','jit','max_connections','fsync','synchronous_commit')")

api() { curl -sf "$base/api/v1/$1" -H "Authorization: Bearer $token" -H 'content-type: application/json' "${@:2}"; }
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
results=$work/results
# run <side> <scenario> <token> <url> [lua]: wrk, one line of results.
run() {
  local side=$1 scenario=$2 bearer=$3 url=$4 lua=${5:-scripts/bench/report.lua} code out
  if [ "$lua" = scripts/bench/report.lua ]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $bearer" "$url")
    [ "$code" = 200 ] || { echo "error: $side $scenario: $url answered $code" >&2; exit 1; }
  fi
  [ "$warmup" -gt 0 ] && wrk -t2 -c"$conns" -d"${warmup}s" -H "Authorization: Bearer $bearer" -s "$lua" "$url" >/dev/null
  out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency -H "Authorization: Bearer $bearer" -s "$lua" "$url")
  python3 - "$side" "$scenario" "$out" >>"$results" <<'PY'
import re, sys
side, scenario, out = sys.argv[1:4]
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
p50, p95, p99 = (int(x) / 1000 for x in re.search(r'^PCT (\d+) (\d+) (\d+)', out, re.M).groups())
bad = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', out)
errors = re.search(r'Socket errors:.*', out)
print('\t'.join([side, scenario, '%.0f' % rps, '%.1f' % p50, '%.1f' % p95, '%.1f' % p99,
                 bad.group(1) if bad else '0', errors.group(0) if errors else '']))
PY
  echo "   $side, $scenario: $(tail -n 1 "$results" | cut -f3) req/s" >&2
}

# pgbench_sql <scenario> <token> <url> [must contain] [table]: the list
# statement the server sends for <url>, from PostgreSQL's log, run by pgbench.
pgbench_sql() {
  local scenario=$1 bearer=$2 url=$3 offset args
  offset=$(stat -c %s "$pg_log")
  curl -sf -o /dev/null -H "Authorization: Bearer $bearer" "$url"
  sleep 0.5
  mapfile -t args < <(python3 scripts/bench/statement.py "$pg_log" "$offset" "$work/$scenario.sql" "${4:-LIMIT}" "${5:-people}")
  pgbench_run "$scenario" "$work/$scenario.sql" "${args[@]}"
}
# pgbench_run <scenario> <script> [-D var=value...]: pgbench, one line of results.
pgbench_run() {
  local scenario=$1 script=$2 out logdir
  logdir=$(mktemp -d)
  chmod 777 "$logdir"
  "$pg_bin/pgbench" -n -M prepared -c "$conns" -j 2 -T "$warmup" -f "$script" "${@:3}" "$rapport_db" >/dev/null
  out=$(cd "$logdir" && "$pg_bin/pgbench" -n -M prepared -c "$conns" -j 2 -T "$seconds" -f "$script" "${@:3}" -l --log-prefix=log "$rapport_db" 2>&1)
  python3 - "$scenario" "$out" "$logdir" >>"$results" <<'PY'
import glob, re, sys
scenario, out, logdir = sys.argv[1:4]
tps = float(re.search(r'tps = ([\d.]+)', out).group(1))
failed = re.search(r'number of failed transactions: (\d+)', out)
lat = sorted(int(l.split()[2]) for f in glob.glob(logdir + '/log*') for l in open(f))
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] / 1000
print('\t'.join(['pgbench', scenario, '%.0f' % tps, '%.1f' % pct(.5), '%.1f' % pct(.95), '%.1f' % pct(.99),
                 failed.group(1) if failed else '0', '']))
PY
  rm -rf "$logdir"
  echo "   pgbench, $scenario: $(tail -n 1 "$results" | cut -f3) tps" >&2
}

if [ -z "$only" ] || [ "$only" = people ]; then
echo "== the baseline, on the same cluster" >&2
{ read -r baseline; read -r baseline_token; } < <(BASELINE_WS=$big_ws_baseline scripts/baseline.sh start "$cluster" "$(free_port)")
baseline_small_token=$(scripts/baseline.sh token "$small_ws_baseline")
baseline_db=${cluster%/postgres}/baseline

echo "== copying the baseline's 1,010,000 people into Rapport's demo workspaces" >&2
big_ws=$(sql "$rapport_db" "SELECT id FROM workspaces WHERE template = 'sales'")
small_ws=$(sql "$rapport_db" "SELECT id FROM workspaces WHERE template = 'support'")
columns="id, first_name, last_name, email, phone, tags, custom_fields, status, created_at, updated_at, deleted_at"
start=$SECONDS
psql "$baseline_db" -qX -v ON_ERROR_STOP=1 -c "\\copy (SELECT CASE workspace_id WHEN '$big_ws_baseline' THEN '$big_ws'::uuid ELSE '$small_ws'::uuid END, $columns FROM people) TO STDOUT" |
  psql "$rapport_db" -qX -v ON_ERROR_STOP=1 -c "\\copy people (workspace_id, $columns) FROM STDIN"
psql "$rapport_db" -qX -v ON_ERROR_STOP=1 -c "VACUUM (ANALYZE) people"
echo "   copied and analysed in $((SECONDS - start)) s" >&2
# The seed's custom values, as the workspace's fields (create sends `source`).
api custom-fields -d '{"record_type":"person","label":"Source","key":"source","kind":"text"}' >/dev/null
api custom-fields -d '{"record_type":"person","label":"Score","key":"score","kind":"number"}' >/dev/null
counts=$(sql "$rapport_db" "SELECT count(*) FILTER (WHERE workspace_id = '$big_ws' AND deleted_at IS NULL) || ' ' ||
                                   count(*) FILTER (WHERE workspace_id = '$small_ws' AND deleted_at IS NULL) FROM people")

echo "== finding the cursor of page 10,000 on both sides" >&2
(cd "$baseline_src" && node walk-cursor.js "$base/api/v1" "$token" 10000) >"$work/cursor"
(cd "$baseline_src" && node walk-cursor.js "$baseline" "$baseline_token" 10000) >"$work/baseline-cursor"
cursor=$(enc "$(cat "$work/cursor")")
baseline_cursor=$(enc "$(cat "$work/baseline-cursor")")
one=$(api "people?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
baseline_one=$(curl -sf "$baseline/people?limit=1" -H "Authorization: Bearer $baseline_token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')

declare -A url=(
  [first]="$base/api/v1/people?limit=50"
  [deep]="$base/api/v1/people?limit=50&cursor=$cursor"
  [filtered]="$base/api/v1/people?limit=50&q=sm"
  [search]="$base/api/v1/search?q=smith"
  [get]="$base/api/v1/people/$one"
  [create]="$base/api/v1/people"
)
declare -A baseline_url=(
  [first]="$baseline/people?limit=50"
  [deep]="$baseline/people?limit=50&cursor=$baseline_cursor"
  [filtered]="$baseline/people?limit=50&last_name_prefix=Sm"
  [get]="$baseline/people/$baseline_one"
  [create]="$baseline/people"
)
echo "== measuring: ${warmup} s warm-up and ${seconds} s a scenario, $conns connections" >&2
for s in first deep filtered search get create; do
  lua=scripts/bench/report.lua
  [ $s = create ] && lua=scripts/bench/create.lua
  run rapport $s "$token" "${url[$s]}" $lua
  [ -n "${baseline_url[$s]:-}" ] && run express $s "$baseline_token" "${baseline_url[$s]}" $lua
done
run rapport first-10k "$small_token" "$base/api/v1/people?limit=50"
run express first-10k "$baseline_small_token" "$baseline/people?limit=50"
run rapport filtered-10k "$small_token" "$base/api/v1/people?limit=50&q=sm"

echo "== pgbench on the statements the server sent" >&2
sql "$cluster" "ALTER SYSTEM SET log_min_duration_statement = 0" >/dev/null
sql "$cluster" "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
pgbench_sql first "$token" "${url[first]}"
pgbench_sql deep "$token" "${url[deep]}"
pgbench_sql filtered "$token" "${url[filtered]}"
pgbench_sql get "$token" "${url[get]}" '"people"."id" ='
pgbench_sql first-10k "$small_token" "$base/api/v1/people?limit=50"
# A create: every statement of its transaction, each run making ids of its
# own (the workspace and the caller kept).
offset=$(stat -c %s "$pg_log")
api people -d '{"first_name":"Bench","last_name":"Writer","email":"bench-pgbench@example.com","phone":"+1-555-0100","tags":["bench"],"custom_fields":{"source":"wrk"}}' >/dev/null
sleep 0.5
owner_id=$(api me | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["id"])')
mapfile -t args < <(python3 scripts/bench/transaction.py "$pg_log" "$offset" "$work/create.sql" 'INSERT INTO "people"' "$big_ws" "$owner_id")
pgbench_run create "$work/create.sql" "${args[@]}"
sql "$cluster" "ALTER SYSTEM RESET log_min_duration_statement" >/dev/null
sql "$cluster" "SELECT pg_reload_conf()" >/dev/null
peak=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")

{
  echo
  echo "## People at 1,000,000, side by side"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME");"
  echo "$("$pg_bin/postgres" --version), wrk $(wrk -v 2>&1 | head -n 1 | awk '{print $2}'), Node $(node --version); server, PostgreSQL and the load on the same cores."
  echo "The private cluster the server started chose: $settings."
  echo "Rapport: $(echo "$counts" | awk '{printf "%\047d and %\047d", $1, $2}') live people; the baseline the same rows. wrk -t2 -c$conns, ${seconds} s a scenario after ${warmup} s of warm-up; pgbench -M prepared -c$conns -j2 on the statement the server sent."
  echo
}
python3 - "$results" "$peak" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
by = {(r[0], r[1]): r for r in rows}
names = {
    'first': 'list, first page', 'deep': 'list, page 10,000 by cursor', 'filtered': 'list, names starting "sm"',
    'search': 'search "smith"', 'get': 'get one', 'create': 'create one (audit entry and event)',
    'first-10k': 'list, first page, 10,000 people', 'filtered-10k': 'list, names starting "sm", 10,000 people',
}
print('| scenario | Rapport req/s | p50 ms | p95 ms | p99 ms | Express req/s | Express p99 ms | pgbench tps | pgbench p99 ms | × Express | of pgbench |')
print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
notes = []
for key, name in names.items():
    r, e, p = by.get(('rapport', key)), by.get(('express', key)), by.get(('pgbench', key))
    if not r:
        continue
    f = lambda x: format(int(float(x)), ',')
    cells = [name, f(r[2]), r[3], r[4], r[5],
             f(e[2]) if e else '–', e[5] if e else '–',
             f(p[2]) if p else '–', p[5] if p else '–',
             '%.1f×' % (float(r[2]) / float(e[2])) if e else '–',
             '%.0f %%' % (100 * float(r[2]) / float(p[2])) if p else '–']
    print('| ' + ' | '.join(cells) + ' |')
    for side in (r, e, p):
        if side and (side[6] != '0' or side[7]):
            notes.append('%s %s: %s non-2xx %s' % (side[0], key, side[6], side[7]))
big, small = by[('rapport', 'first')], by[('rapport', 'first-10k')]
print('\nThe first page at 1,000,000 people against 10,000: p50 %.2f×, p99 %.2f×.' % (
    float(big[3]) / float(small[3]), float(big[5]) / float(small[5])))
print('The server\'s peak memory (VmHWM): %s MiB.' % sys.argv[2])
for n in notes:
    print('Errors: ' + n)
PY

fi
[ "$only" = people ] && exit 0

if [ -z "$only" ] || [ "$only" = calendar ]; then
echo "== a consultant's calendar: five years of weekly sessions behind this week" >&2
: >"$results"
cons_token=$(scripts/wait-ready.sh "$base" "$pid" target/bench-server.log staff@consulting.demo)
cons_ws=$(sql "$rapport_db" "SELECT id FROM workspaces WHERE template = 'consulting'")
cons_host=$(sql "$rapport_db" "SELECT user_id FROM memberships WHERE workspace_id = '$cons_ws' AND role = 'staff' ORDER BY user_id LIMIT 1")
# Ten a week (weekdays at 07:00 and 18:00, clear of the demo's), five years back.
sql "$rapport_db" "INSERT INTO sessions (workspace_id, id, kind, title, starts_at, ends_at, host_id, status)
  SELECT '$cons_ws', gen_random_uuid(), 'consultation', 'Weekly', w + d * interval '1 day' + h * interval '1 hour',
         w + d * interval '1 day' + (h + 1) * interval '1 hour', '$cons_host', 'completed'
  FROM generate_series(date_trunc('week', now()) - interval '5 years', date_trunc('week', now()) - interval '1 week', interval '1 week') AS w,
       generate_series(0, 4) AS d, unnest(ARRAY[7, 18]) AS h" >/dev/null
psql "$rapport_db" -qX -v ON_ERROR_STOP=1 -c "VACUUM (ANALYZE) sessions"
week_from=$(date -u -d "last monday" +%Y-%m-%dT00:00:00Z 2>/dev/null || date -u +%Y-%m-%dT00:00:00Z)
week_to=$(date -u -d "$week_from + 7 days" +%Y-%m-%dT00:00:00Z)
month_from=$(date -u -d "tomorrow" +%Y-%m-%dT00:00:00Z)
month_to=$(date -u -d "$month_from + 30 days" +%Y-%m-%dT00:00:00Z)
for c in "$conns" 8; do
  conns=$c run rapport "week-$c" "$cons_token" "$base/api/v1/sessions?host_id=$cons_host&from=$(enc "$week_from")&to=$(enc "$week_to")&limit=200"
  conns=$c run rapport "slots-$c" "$cons_token" "$base/api/v1/availability/slots?host_id=$cons_host&kind=consultation&from=$(enc "$month_from")&to=$(enc "$month_to")"
done
python3 - "$results" "$conns" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
names = {'week': "one host's week, five years of weekly sessions behind it", 'slots': "one host's free slots for a month"}
print('\n## A consultant\'s calendar\n')
print('| scenario | connections | req/s | p50 ms | p95 ms | p99 ms | non-2xx |')
print('|---|---:|---:|---:|---:|---:|---:|')
for r in rows:
    name, c = r[1].rsplit('-', 1)
    print('| %s | %s | %s | %s | %s | %s | %s |' % (names[name], c, format(int(float(r[2])), ','), r[3], r[4], r[5], r[6]))
PY
fi
[ "$only" = calendar ] && exit 0

if [ -z "$only" ] || [ "$only" = finance ]; then
echo "== a tutoring business's reports: five years of sessions of 500 students" >&2
: >"$results"
tut_token=$(scripts/wait-ready.sh "$base" "$pid" target/bench-server.log owner@tutoring.demo)
tut_ws=$(sql "$rapport_db" "SELECT id FROM workspaces WHERE template = 'tutoring'")
start=$SECONDS
# Twenty tutors with 25 students each, four hour-long sessions a month each
# for sixty months (at hours of the tutor's own), every month invoiced:
# 120,000 sessions and invoice lines, 30,000 invoices and their entries on
# the ledger. The monthly figures follow the lines, as they do in use.
psql "$rapport_db" -qX -v ON_ERROR_STOP=1 <<SQL
BEGIN;
CREATE TEMP TABLE b_tutors AS SELECT gen_random_uuid() AS id, t FROM generate_series(0, 19) t;
INSERT INTO users (id, email, name, password_hash)
  SELECT id, 'bench-tutor-' || t || '@example.com', 'Tutor ' || t, 'x' FROM b_tutors;
INSERT INTO memberships (workspace_id, user_id, role) SELECT '$tut_ws', id, 'member' FROM b_tutors;
CREATE TEMP TABLE b_students AS
  SELECT gen_random_uuid() AS id, s,
         (SELECT id FROM branches WHERE workspace_id = '$tut_ws' ORDER BY name LIMIT 1 OFFSET (s % 2)) AS branch_id
  FROM generate_series(0, 499) s;
INSERT INTO people (workspace_id, id, first_name, last_name, branch_id)
  SELECT '$tut_ws', id, 'Bench', 'Student ' || s, branch_id FROM b_students;
CREATE TEMP TABLE b_sessions AS
  SELECT gen_random_uuid() AS id, st.id AS person_id, st.branch_id, tu.id AS host_id, m::date AS month, k,
         m + (((st.s / 20) * 4 + k) / 5) * interval '1 day' + (8 + ((st.s / 20) * 4 + k) % 5) * interval '1 hour' AS starts_at
  FROM b_students st JOIN b_tutors tu ON tu.t = st.s % 20,
       generate_series(date_trunc('month', now()) - interval '60 months', date_trunc('month', now()) - interval '1 month', interval '1 month') AS m,
       generate_series(0, 3) AS k;
INSERT INTO sessions (workspace_id, id, kind, title, starts_at, ends_at, host_id, status)
  SELECT '$tut_ws', id, 'tutoring', 'Maths', starts_at, starts_at + interval '1 hour', host_id, 'completed' FROM b_sessions;
INSERT INTO session_participants (workspace_id, session_id, person_id) SELECT '$tut_ws', id, person_id FROM b_sessions;
CREATE TEMP TABLE b_invoices AS
  SELECT gen_random_uuid() AS id, gen_random_uuid() AS entry_id, person_id, month,
         row_number() OVER (ORDER BY month, person_id) + (SELECT coalesce(max(number), 0) FROM invoices WHERE workspace_id = '$tut_ws') AS number
  FROM b_sessions GROUP BY person_id, month;
INSERT INTO ledger_entries (workspace_id, id, person_id, amount_minor, currency, reason, cause_type, cause_id, actor_kind, created_at)
  SELECT '$tut_ws', entry_id, person_id, -16000, 'EUR', 'Invoice No. ' || number, 'invoice', id::text, 'system', month + interval '1 month'
  FROM b_invoices;
INSERT INTO invoices (workspace_id, id, number, person_id, currency, total_minor, month, issued_on, due_on, entry_id, created_at)
  SELECT '$tut_ws', id, number, person_id, 'EUR', 16000, month, month + interval '1 month', month + interval '1 month 14 days', entry_id, month + interval '1 month'
  FROM b_invoices;
INSERT INTO invoice_lines (workspace_id, invoice_id, line, person_id, session_id, description, month, minutes,
                           tutor_id, branch_id, unit, unit_minor, amount_minor, cost_minor)
  SELECT '$tut_ws', i.id, s.k + 1, s.person_id, s.id, 'Maths', s.month, 60, s.host_id, s.branch_id, 'hour', 4000, 4000, 2200
  FROM b_sessions s JOIN b_invoices i ON i.person_id = s.person_id AND i.month = s.month;
INSERT INTO finance_numbers (workspace_id, kind, last)
  SELECT '$tut_ws', 'invoice', max(number) FROM invoices WHERE workspace_id = '$tut_ws'
  ON CONFLICT (workspace_id, kind) DO UPDATE SET last = EXCLUDED.last;
COMMIT;
VACUUM (ANALYZE) sessions, session_participants, invoices, invoice_lines, finance_months, finance_totals, finance_years, ledger_entries;
SQL
echo "   seeded in $((SECONDS - start)) s: $(sql "$rapport_db" "SELECT count(*) FROM invoice_lines WHERE workspace_id = '$tut_ws'") invoice lines, $(sql "$rapport_db" "SELECT count(*) FROM finance_months WHERE workspace_id = '$tut_ws'") monthly figures" >&2
five_back=$(date -u -d "$(date -u +%Y-%m-01) - 60 months" +%Y-%m-01)
this=$(date -u +%Y-%m-01)
for by in month student tutor branch; do
  conns=8 run rapport "$by" "$tut_token" "$base/api/v1/finance/report?by=$by&from=$five_back&to=$this"
done
conns=8 run rapport "payouts" "$tut_token" "$base/api/v1/finance/payouts?month=$(date -u -d "$this - 1 month" +%Y-%m-01)"
python3 - "$results" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
names = {'month': 'revenue, cost and margin by month, five years', 'student': 'the same by student (500)',
         'tutor': 'the same by tutor (20)', 'branch': 'the same by branch',
         'payouts': "a month's tutor payouts (2,000 sessions)"}
print("\n## A tutoring business's reports: five years, 500 students, 120,000 sessions\n")
print('8 connections; the target is p95 at most 50 ms.\n')
print('| report | req/s | p50 ms | p95 ms | p99 ms | non-2xx |')
print('|---|---:|---:|---:|---:|---:|')
for r in rows:
    print('| %s | %s | %s | %s | %s | %s |' % (names[r[1]], format(int(float(r[2])), ','), r[3], r[4], r[5], r[6]))
PY
fi
[ "$only" = finance ] && exit 0

echo >&2
echo "== the other routes" >&2
# At least 50 audit entries: invitations made and revoked.
for i in $(seq 1 30); do
  id=$(api invitations -d "{\"email\":\"bench$i@example.com\",\"role\":\"staff\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  api "invitations/$id" -X DELETE >/dev/null
done
key=$(api api-keys -d '{"name":"bench","scopes":["audit:read"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
: >"$results"
run rapport me "$token" "$base/api/v1/me"
run rapport audit "$token" "$base/api/v1/audit?limit=50"
run rapport audit-key "$key" "$base/api/v1/audit?limit=50"
run rapport readyz "" "$base/readyz"
run rapport healthz "" "$base/healthz"
# The audit list's statement alone, for what PostgreSQL gives it here.
sql "$cluster" "ALTER SYSTEM SET log_min_duration_statement = 0" >/dev/null
sql "$cluster" "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
pgbench_sql audit "$token" "$base/api/v1/audit?limit=50" LIMIT audit_log
sql "$cluster" "ALTER SYSTEM RESET log_min_duration_statement" >/dev/null
sql "$cluster" "SELECT pg_reload_conf()" >/dev/null
python3 - "$results" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
names = {'me': 'GET /api/v1/me', 'audit': 'GET /api/v1/audit?limit=50',
         'audit-key': 'GET /api/v1/audit?limit=50, API key', 'readyz': 'GET /readyz', 'healthz': 'GET /healthz'}
print('\n| route | req/s | p50 ms | p95 ms | p99 ms | non-2xx |')
print('|---|---:|---:|---:|---:|---:|')
for r in rows:
    name = names[r[1]] if r[0] == 'rapport' else "pgbench on the audit list's statement (tps)"
    print('| %s | %s | %s | %s | %s | %s |' % (name, format(int(float(r[2])), ','), r[3], r[4], r[5], r[6]))
PY

[ "$only" = routes ] && exit 0
# The import of 100,000 people, on a server and private cluster of its own.
cleanup
trap - EXIT
scripts/bench-import.sh 100000
