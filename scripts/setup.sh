#!/usr/bin/env bash
# Installs what Rapport needs on a Debian machine that has only Rust:
# PostgreSQL, the wasm target, Trunk and wasm-bindgen, and (with --test)
# Chromium and the Python tools of the test suite. Skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"

apt_updated=0
apt_install() {
  if [ $apt_updated -eq 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; }
if ! have_pg; then
  echo "==> installing PostgreSQL"
  apt_install postgresql
fi
# Debian's package starts a system cluster; Rapport runs its own.
if ! command -v runuser >/dev/null; then apt_install util-linux; fi

if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  echo "==> adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# Trunk and wasm-bindgen are tools run a few times a day, not shipped: build
# them without link-time optimisation and with many codegen units, which takes
# a fraction of the time of their own release profiles. Trunk mostly waits for
# cargo and wasm-opt, so it is not optimised at all (a release build of the app
# takes as long with it); wasm-bindgen rewrites the whole module, so it gets
# light optimisation.
cheap_profile() {
  env CARGO_PROFILE_RELEASE_OPT_LEVEL="$1" CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_INCREMENTAL=false CARGO_PROFILE_RELEASE_STRIP=true "${@:2}"
}

TRUNK_VERSION=0.21.14
if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  echo "==> installing Trunk $TRUNK_VERSION (a few minutes, once)"
  cheap_profile 0 cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# The CLI must match the wasm-bindgen in Cargo.lock.
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WBG_VERSION"; then
  echo "==> installing wasm-bindgen-cli $WBG_VERSION (a minute or two, once)"
  cheap_profile 1 cargo install wasm-bindgen-cli --version "$WBG_VERSION" --bin wasm-bindgen
fi

# The build splits each module's page into a chunk of its own
# (frontend/tools/bin/wasm-bindgen); this is the splitter.
SPLIT_VERSION=0.2.4
if ! cargo install --list | grep -q "^wasm_split_cli_support v$SPLIT_VERSION"; then
  echo "==> installing wasm-split-cli $SPLIT_VERSION (a minute, once)"
  cheap_profile 1 cargo install --locked wasm_split_cli_support --version "$SPLIT_VERSION" --features build-binary
fi

# wasm-opt for the release build of the app (Debian's binaryen is too old).
if [ ! -x frontend/node_modules/.bin/wasm-opt ]; then
  echo "==> installing wasm-opt (binaryen) from npm"
  (cd frontend && npm ci --no-audit --no-fund --silent)
fi

if [ $want_test -eq 1 ]; then

  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "==> installing Chromium"
    apt_install chromium chromium-driver
  fi
  if [ ! -x target/venv/bin/schemathesis ]; then
    echo "==> installing schemathesis"
    mkdir -p target
    python3 -m venv target/venv
    target/venv/bin/pip install -q "schemathesis==4.32.5"
  fi
  # The tests read the calendar feeds with a real iCalendar parser.
  if ! target/venv/bin/python -c "import icalendar" 2>/dev/null; then
    echo "==> installing icalendar"
    target/venv/bin/pip install -q "icalendar==6.1.0"
  fi
fi
