"""Reads a PostgreSQL log written with log_min_duration_statement = 0 and
writes, as a pgbench script, the last transaction that executed a statement
containing <marker>: every statement its backend sent from BEGIN to COMMIT,
exactly as the server sent them. Each statement's values become pgbench
variables (printed as `-D name=value` arguments, one per line), except:

- the ids the transaction made (every uuid but those given to keep): each
  run of the script makes its own, so that every transaction inserts new
  rows, as the server's own do;
- NULLs, written into the statement (pgbench has no NULL variable).

Usage: transaction.py <log> <offset> <script to write> <marker> [keep uuid...]
"""
import re
import sys

log, offset, out, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
keep = {u.lower() for u in sys.argv[5:]}
with open(log, 'rb') as f:
    f.seek(offset)
    text = f.read().decode('utf-8', 'replace')

# One entry per log record: its backend, its kind and its text (a statement
# may span lines; the lines after the first have no prefix).
head = re.compile(r'^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[(\d+)\] (\w+):\s+(.*)$')
entries = []
for line in text.splitlines():
    m = head.match(line)
    if m:
        entries.append([m.group(1), m.group(2), m.group(3)])
    elif entries:
        entries[-1][2] += '\n' + line

statement = re.compile(r'^duration: [\d.]+ ms\s+(?:statement|execute [^:]*): (.*)$', re.S)


def statements_of(pid):
    """The backend's statements in order, each with its parameters."""
    found = []
    for i, (p, kind, body) in enumerate(entries):
        if p != pid or kind != 'LOG':
            continue
        m = statement.match(body)
        if not m:
            continue
        params = {}
        for later in entries[i + 1:i + 3]:
            if later[0] == pid and later[1] == 'DETAIL' and later[2].startswith('parameters:'):
                for n, v in re.findall(r"\$(\d+) = (NULL|'(?:[^']|'')*')", later[2]):
                    params[int(n)] = None if v == 'NULL' else v[1:-1].replace("''", "'")
                break
        found.append((m.group(1).strip(), params))
    return found


pids = [p for p, kind, body in entries if kind == 'LOG' and marker in body and statement.match(body)]
if not pids:
    sys.exit('no statement with %r in the log since offset %d' % (marker, offset))
pid = pids[-1]
mine = statements_of(pid)
last = max(i for i, (sql, _) in enumerate(mine) if marker in sql)
begin = max(i for i, (sql, _) in enumerate(mine[:last]) if sql.upper().startswith('BEGIN'))
end = next(i for i, (sql, _) in enumerate(mine) if i > last and sql.upper().startswith('COMMIT'))
transaction = mine[begin:end + 1]

uuid = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', re.I)
made = {}  # a uuid the transaction made -> its variable
values = []  # (variable, value) for -D
lines = []
for k, (sql, params) in enumerate(transaction):
    def value(m):
        n = int(m.group(1))
        v = params.get(n)
        if v is None:
            return 'NULL'
        if uuid.match(v) and v.lower() not in keep:
            made.setdefault(v.lower(), 'u%d' % (len(made) + 1))
            return ':' + made[v.lower()]
        name = 's%dp%d' % (k, n)
        values.append((name, v))
        return ':' + name
    lines.append(re.sub(r'\$(\d+)\b', value, sql) + ';')
fresh = ', '.join('gen_random_uuid() AS %s' % v for v in made.values())
with open(out, 'w') as f:
    if fresh:
        f.write('SELECT %s \\gset\n' % fresh)
    f.write('\n'.join(lines) + '\n')
for name, v in values:
    print('-D')
    print('%s=%s' % (name, v))
