#!/usr/bin/env bash
# Installs what the tests need on a fresh machine (idempotent): Debian's `fossil` for the Fossil
# import tests. Python tooling is installed into a virtual environment by ticket-py/run-tests.sh.
set -euo pipefail
need=()
command -v fossil >/dev/null 2>&1 || need+=(fossil)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${need[*]} from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup: missing ${need[*]}; install them (tests that need them will be skipped)" >&2
  fi
fi
