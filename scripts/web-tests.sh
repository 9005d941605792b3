#!/usr/bin/env bash
# Browser tests of `ticket serve`: headless Chromium (Debian's package) driven by
# playwright-core from npm. Installs what is missing, builds the binary, runs
# web-tests/flows.mjs; screenshots land in target/web-tests/.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! [ -x /usr/bin/chromium ]; then
  apt-get update
  apt-get install -y chromium
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get update
  apt-get install -y nodejs npm
fi
if ! [ -d web-tests/node_modules/playwright-core ]; then
  (cd web-tests && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; })
fi
cargo build -p ticket-cli
node web-tests/flows.mjs
