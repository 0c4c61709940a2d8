#!/usr/bin/env bash
# README command two: install into a virtual environment and run the whole test suite.
# Uses DATABASE_URL / REDIS_URL when set (PostgreSQL, MariaDB, a real Redis), else SQLite and an
# embedded Redis. A backend named in the environment that cannot be reached fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "backend: DATABASE_URL=${DATABASE_URL:-<embedded SQLite>} REDIS_URL=${REDIS_URL:-<embedded Redis>}"
exec .venv/bin/python -m pytest -q "$@"
