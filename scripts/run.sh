#!/usr/bin/env bash
# Runs Rapport: installs what is missing, builds the app and the server,
# starts a private PostgreSQL under ./var when DATABASE_URL is not set,
# migrates, creates the demo workspaces and serves everything on one port.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "==> building the app"
PATH="$PWD/frontend/tools/bin:$PWD/frontend/node_modules/.bin:$PATH" trunk build --release

echo "==> building the server"
cargo build --release -p rapport-server
exec target/release/rapport serve --demo "$@"
