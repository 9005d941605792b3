#!/usr/bin/env bash
# The project's one test command: every Rust test (nextest), the lints, then the Python suite.
# The Rust tests run against a throw-away PostgreSQL cluster (scripts/postgres.sh: installs
# Debian's postgresql when missing), stopped and removed when this script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
trap 'bash scripts/postgres.sh stop' EXIT
pg_env=$(bash scripts/postgres.sh start)
eval "$pg_env"
cargo nextest run --workspace --exclude ticket-py --no-fail-fast
# the core's behaviour tests again, on PostgreSQL team silos (teams.md 3: one suite, two backends)
TICKET_TEST_BACKEND=postgres cargo nextest run -p ticket-core --no-fail-fast \
  --test domain --test search --test exchange --test sync --test sync_conflicts --test log --test reliability \
  --test config_live
cargo test --workspace --exclude ticket-py --doc
if [ -x ticket-py/run-tests.sh ]; then
  ticket-py/run-tests.sh
fi
bash scripts/web-tests.sh
