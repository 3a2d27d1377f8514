"""Reads a PostgreSQL log written with log_min_duration_statement = 0 and
prints, as a pgbench script and its variables, the last statement executed
on a table (by default "people") with a LIMIT: the list query exactly as the server sent
it, its values as `-D pN=value` arguments, one per line after the script's
path.

Usage: statement.py <log> <offset> <script to write> [must contain] [table]
"""
import re
import sys

log, offset, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
must = sys.argv[4] if len(sys.argv) > 4 else 'LIMIT'
table = sys.argv[5] if len(sys.argv) > 5 else 'people'
with open(log, 'rb') as f:
    f.seek(offset)
    text = f.read().decode('utf-8', 'replace')
found = None
lines = text.splitlines()
for i, line in enumerate(lines):
    m = re.search(r'execute [^:]*: (SELECT .*FROM "%s".*)$' % re.escape(table), line)
    if not m or must not in m.group(1):
        continue
    params = {}
    for later in lines[i + 1:i + 3]:
        d = re.search(r'DETAIL:\s+parameters: (.*)$', later)
        if d:
            for n, v in re.findall(r"\$(\d+) = (NULL|'(?:[^']|'')*')", d.group(1)):
                params[int(n)] = None if v == 'NULL' else v[1:-1].replace("''", "'")
            break
    found = (m.group(1), params)
if not found:
    sys.exit('no list statement in the log since offset %d' % offset)
sql, params = found
if any(v is None for v in params.values()):
    sys.exit('a NULL parameter cannot be given to pgbench: %r' % params)
script = re.sub(r'\$(\d+)\b', lambda m: ':p' + m.group(1), sql)
with open(out, 'w') as f:
    f.write(script + ';\n')
for n in sorted(params):
    print('-D')
    print('p%d=%s' % (n, params[n]))
