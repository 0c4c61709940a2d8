#!/usr/bin/env bash
# Refresh the console screenshots the README shows (docs/console/*.png): runs the browser tests
# with FRONTLINE_REFRESH_SCREENSHOTS=1. A plain scripts/test.sh writes its screenshots to the
# ignored test-artifacts/console/ instead, so it never changes tracked files.
set -euo pipefail
cd "$(dirname "$0")/.."
FRONTLINE_REFRESH_SCREENSHOTS=1 exec bash scripts/test.sh tests/console "$@"
