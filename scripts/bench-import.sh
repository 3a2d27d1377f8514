#!/usr/bin/env bash
# Times an import of people: a CSV of N rows (100,000 by default: names,
# e-mail, phone, tags, an organisation made on the way) uploaded, dry-run
# and run by the release server on its own private PostgreSQL (as scripts/run.sh
# starts it), then
# the same file run again (every row known, nothing written). Figures, not
# assertions.
# Usage: scripts/bench-import.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
cargo build --release -p rapport-server
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# No DATABASE_URL: the server starts its private PostgreSQL under the data
# directory, with the settings it chooses for this machine.
data=$PWD/target/bench-import-data
rm -rf "$data"
pid=
cleanup() {
  [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
}
trap cleanup EXIT
RAPPORT_DATA_DIR=$data RAPPORT_BIND=127.0.0.1:$port \
  target/release/rapport serve --demo >target/bench-import-server.log 2>&1 &
pid=$!
base=http://127.0.0.1:$port
token=$(scripts/wait-ready.sh "$base" "$pid" target/bench-import-server.log owner@sales.demo)
python3 - "$rows" "$data/people.csv" <<'PY'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
with open(path, 'w') as f:
    f.write('First name,Last name,Email,Phone,Tags,Company\n')
    for i in range(rows):
        f.write('Ada%d,Lovelace%d,ada%d@bench.example,+44 20 7946 %04d,"import, bench",Company %d\n'
                % (i, i, i, i % 10000, i % 500))
PY
python3 - "$base" "$token" "$data/people.csv" "$rows" <<'PY'
import json, sys, time, urllib.request
base, token, path, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def call(method, url, body=None, kind='application/json'):
    req = urllib.request.Request(base + '/api/v1/' + url, method=method, data=body,
                                 headers={'Authorization': 'Bearer ' + token, 'content-type': kind})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read() or b'null')
def once(label):
    content = open(path, 'rb').read()
    t = time.monotonic()
    draft = call('POST', 'imports?record_type=person&filename=people.csv', content, 'text/csv')
    upload = time.monotonic() - t
    settings = draft['settings']
    settings['create_organizations'] = True
    t = time.monotonic()
    dry = call('POST', 'imports/%s/preview' % draft['id'], json.dumps(settings).encode())
    preview = time.monotonic() - t
    t = time.monotonic()
    call('POST', 'imports/%s/run' % draft['id'], json.dumps(settings).encode())
    while True:
        now = call('GET', 'imports/' + draft['id'])
        if now['status'] in ('completed', 'cancelled', 'failed'):
            break
        time.sleep(0.2)
    run = time.monotonic() - t
    c = now['counts']
    print('| %s | %s | %.1f | %.1f | %.1f | %s | %s created, %s skipped, %s rejected |' % (
        label, format(rows, ','), upload, preview, run, format(int(rows / run), ','),
        format(c['created'], ','), format(c['skipped'], ','), format(c['rejected'], ',')))
    assert now['status'] == 'completed', now
print('\nImport of people, release build, server and PostgreSQL on the same machine\n')
print('| run | rows | upload s | dry run s | run s | rows/s | result |')
print('|---|---:|---:|---:|---:|---:|---|')
once('new file')
once('the same file again')
PY
