#!/usr/bin/env bash
# README command one: install into a fresh virtual environment and serve the API on the
# embedded defaults (SQLite file + embedded Redis under instance/) with the demo mine loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
PORT=${PORT:-5000}

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .

export FLASK_APP=app
.venv/bin/flask db upgrade
.venv/bin/flask demo
# A roster entry nobody has bound yet (read now: the hint stays true after someone binds one).
BIND_BODY=$(.venv/bin/flask demo --bind-body)
BIND_BODY=${BIND_BODY:-'{"employee_no":"…","name":"…","phone_tail":"…"}  (none free: flask demo --reset)'}

cat <<MSG

Frontline is running: http://127.0.0.1:${PORT}/api/v1/docs  (OpenAPI: /api/v1/openapi.json)

Desk console (secretaries and committee): http://127.0.0.1:${PORT}/console/
  Sign in on the login page's demo list: 演示账号 demo:committee (党委) or demo:secretary
  (综采一队党支部书记) → 登录. Or "scan" the code as the mini-program would: copy the ticket
  the page shows and confirm it with a demo token:
    curl -s -X POST http://127.0.0.1:${PORT}/api/v1/console-logins/<ticket>/confirm \\
         -H "Authorization: Bearer \$T"     # \$T from a demo:secretary or demo:committee login

Try a demo login, bind and /me:
  T=\$(curl -s -X POST http://127.0.0.1:${PORT}/api/v1/auth/login -H 'Content-Type: application/json' \\
        -d '{"code":"demo:try-me"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
  curl -s -X POST http://127.0.0.1:${PORT}/api/v1/auth/bind -H "Authorization: Bearer \$T" \\
       -H 'Content-Type: application/json' -d '${BIND_BODY}'
  curl -s http://127.0.0.1:${PORT}/api/v1/me -H "Authorization: Bearer \$T"
Ready-bound demo logins: demo:committee demo:secretary demo:member demo:cadre demo:miner
More free roster entries and an unpaired employee to pair, as they are now: .venv/bin/flask demo --hints
MSG

# One worker with threads: SQLite takes one writer at a time and the embedded Redis lives in
# this process tree. Production runs several workers against PostgreSQL/MariaDB + Redis.
exec .venv/bin/gunicorn --workers 1 --threads 8 --bind "127.0.0.1:${PORT}" \
    --access-logfile - "app:create_app()"
