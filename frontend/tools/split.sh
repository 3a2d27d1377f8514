#!/usr/bin/env bash
# Trunk's post-build hook: puts the chunks the wasm-bindgen wrapper split off
# (frontend/tools/bin/wasm-bindgen) beside the app, pointed at the app's
# hashed script, and optimises them as Trunk optimises the main part.
set -euo pipefail
shopt -s nullglob
staging=$TRUNK_STAGING_DIR
# The parts of this build: the newest (a debug and a release build each keep theirs).
parts=$(ls -dt "${CARGO_TARGET_DIR:-target}"/wasm-bindgen/*/wasm-split 2>/dev/null | head -1)
if [ -z "$parts" ]; then
  echo "split.sh: no split parts found; was the build run with frontend/tools/bin first on PATH?" >&2
  exit 1
fi
main_js=$(cd "$staging" && ls rapport-frontend-*.js | head -1)
cp "$parts"/* "$staging"/
sed -i "s#from ['\"]\./main\.js['\"]#from \"./$main_js\"#g" "$staging"/split-*.js
if [ "${TRUNK_PROFILE:-}" = release ]; then
  # One wasm-opt per core at a time: the chunks are independent.
  files=("$staging"/split_*.wasm "$staging"/chunk_*.wasm)
  if [ ${#files[@]} -gt 0 ]; then
    printf '%s\0' "${files[@]}" |
      xargs -0 -n 1 -P "$(nproc)" sh -c 'wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$0" -o "$0"'
  fi
fi
# The service worker keeps every file of this build for use offline: it is
# told their names, and a name for the build from their contents (a new
# build is a new worker).
if [ -f "$staging/sw.js" ]; then
  build=$(cd "$staging" && find . -type f ! -name sw.js -exec sha256sum {} + | sort -k2 | sha256sum | cut -c1-16)
  files=$(cd "$staging" && find . -type f ! -name sw.js | sed 's#^\./##' | sort | sed 's/.*/"&"/' | paste -sd, -)
  sed -i "s|^const BUILD = 'dev';|const BUILD = '$build';|; s|^const FILES = \[\];|const FILES = [$files];|" "$staging/sw.js"
  grep -q "^const BUILD = '$build';" "$staging/sw.js" || { echo "split.sh: could not name the build in sw.js" >&2; exit 1; }
fi
