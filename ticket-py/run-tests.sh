#!/usr/bin/env bash
# Builds the `ticket` module into a virtual environment and runs the pytest suite and the stub
# check. Called by scripts/test.sh. Needs only Python >= 3.9 with pip, and Rust.
# Exits non-zero on any failure, including "no tests collected" (pytest exit code 5).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${TICKET_PY_VENV:-$here/.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
py="$venv/bin/python"
"$py" -m pip install -q --upgrade pip >/dev/null
"$py" -m pip install -q "maturin>=1.9,<2" "pytest>=7" "mypy>=1.8"
# Build and install the wheel exactly as a user would (`pip install ./ticket-py`); share the
# workspace's target directory so repeated runs are incremental.
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/../target}" \
  "$py" -m pip install -q --force-reinstall --no-deps "$here"
# the sync tests talk to a real `ticket serve`
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/../target}" cargo build -q -p ticket-cli
export TICKET_BIN="${CARGO_TARGET_DIR:-$here/../target}/debug/ticket"
cd "$here"
features="$("$py" -c 'import ticket; print(" ".join(ticket.__features__))')"
echo "ticket-py: built with features: [${features}]"
# -rs lists every skipped test with its reason (tests needing the silo are skipped, visibly,
# only while the module lacks feature core-api).
"$py" -m pytest -q -rs -p no:cacheprovider tests
# The stubs must describe the module that was built.
allow=(--allowlist "$here/stubtest-allowlist.txt")
case " $features " in
  *" core-api "*) ;;
  *) allow+=(--allowlist "$here/stubtest-allowlist-nocore.txt") ;;
esac
"$py" -m mypy.stubtest ticket "${allow[@]}"
"$py" -m mypy --strict tests/typed_example.py
echo "ticket-py: all checks passed"
