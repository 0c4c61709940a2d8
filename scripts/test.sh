#!/usr/bin/env bash
# README command two: install into a virtual environment and run the whole test suite.
# Uses DATABASE_URL / REDIS_URL when set (PostgreSQL, MariaDB, a real Redis), else SQLite and an
# embedded Redis. A backend named in the environment that cannot be reached fails the run.
# The console's browser tests need Debian's Chromium and a CJK font: installed here with apt-get
# when missing; if they cannot be installed the run fails (browser tests are never skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
[ -x /usr/sbin/nginx ] || need+=(nginx)  # the reverse proxy of deploy/nginx, tested in front of gunicorn
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} for the browser and proxy tests (apt-get)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if ! { $SUDO apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
           "${need[@]}"; }; then
    echo "FAILED: could not install ${need[*]}; the browser and proxy tests need them" >&2
    echo "        (Debian: apt-get install chromium fonts-noto-cjk nginx)" >&2
    exit 1
  fi
fi
[ -x /usr/bin/chromium ] || { echo "FAILED: /usr/bin/chromium is missing" >&2; exit 1; }
[ -x /usr/sbin/nginx ] || { echo "FAILED: /usr/sbin/nginx is missing" >&2; exit 1; }

# FRONTLINE_PREPARED=1: the environment was installed and linted by an earlier call of this
# script (.ci/run runs the three backends side by side: one pip install, not three at once).
if [ "${FRONTLINE_PREPARED:-0}" != "1" ]; then
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"

  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
fi
echo "backend: DATABASE_URL=${DATABASE_URL:-<embedded SQLite>} REDIS_URL=${REDIS_URL:-<embedded Redis>}"
exec .venv/bin/python -m pytest -q "$@"
