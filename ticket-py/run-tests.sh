#!/usr/bin/env bash
# Builds the `ticket` module into a virtual environment and runs the pytest suite and the stub
# check. Called by scripts/test.sh (and so by .ci/run). Needs only Python >= 3.9 with pip and Rust.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${TICKET_PY_VENV:-$here/.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
"$venv/bin/python" -m pip install -q "maturin>=1.9,<2" "pytest>=7" "mypy>=1.8"
# Build and install the wheel exactly as a user would (`pip install ./ticket-py`).
"$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$here"
cd "$here"
"$venv/bin/python" -m pytest -q tests
# The stubs must describe the module that was built.
"$venv/bin/python" -m mypy.stubtest ticket --allowlist "$here/stubtest-allowlist.txt"
"$venv/bin/python" -m mypy --strict tests/typed_example.py
