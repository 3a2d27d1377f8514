#!/usr/bin/env bash
# Runs every test: formatting and lints, unit and integration tests against a
# real PostgreSQL, the frontend build, schemathesis against the live server,
# and the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# A build from scratch gains nothing from incremental state, which takes disk.
export CARGO_INCREMENTAL=0

started=$(date +%s)
# Each step says when it starts, in seconds from the start: where the time goes.
step() { printf '\n==> %s (at %ss)\n' "$*" "$(( $(date +%s) - started ))"; }

step "installing what is missing"
scripts/setup.sh --test

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --all-targets -- -D warnings
cargo clippy -p rapport-frontend --target wasm32-unknown-unknown -- -D warnings

step "a PostgreSQL cluster for the tests"
cluster_dir=target/test-cluster
scripts/test-db.sh stop "$cluster_dir"
rm -rf "$cluster_dir"
RAPPORT_TEST_DATABASE_URL=$(scripts/test-db.sh start "$cluster_dir")
export RAPPORT_TEST_DATABASE_URL
trap 'scripts/test-db.sh stop "$cluster_dir"' EXIT

step "unit and integration tests"
mkdir -p target
cargo test --workspace 2>&1 | tee target/cargo-test.log

cargo_passed=$(awk '/^test result:/ {s += $4} END {print s + 0}' target/cargo-test.log)

step "frontend build"
PATH="$PWD/frontend/tools/bin:$PWD/frontend/node_modules/.bin:$PATH" trunk build --release


step "schemathesis against the live server"
scripts/fuzz.sh "$RAPPORT_TEST_DATABASE_URL" "${RAPPORT_FUZZ_SECONDS:-120}"

step "browser tests"
(cd tests/e2e && npm ci --no-audit --no-fund --silent && npm test) 2>&1 | tee target/e2e.log
e2e_passed=$(awk '/^# pass / {print $3}' target/e2e.log)

printf '\nEvery step passed in %ss (schemathesis included).\n' "$(( $(date +%s) - started ))"
echo "tests: $(( cargo_passed + e2e_passed )) passed, 0 failed"
