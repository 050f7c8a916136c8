#!/usr/bin/env bash
# Create (or refresh) the Python virtual environment the handler tests run in.
#
#   scripts/python-venv.sh [VENV_DIR]      (default: .venv in the repository root)
#
# Installs the pinned packages of tests/handlers/requirements.txt. Running it
# again is cheap: when the venv already holds exactly that requirements file
# (a copy is kept inside the venv), nothing is installed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$repo_root/.venv}"
requirements="$repo_root/tests/handlers/requirements.txt"
stamp="$venv/.mlspace-requirements.txt"

# The handlers run on Lambda's python3.11; test with the same minor version when we can.
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then
            python="$candidate"
            break
        fi
    done
fi
if [[ -z "$python" ]]; then
    echo "python-venv.sh: no python3 found; install Python 3.11 or set PYTHON=/path/to/python" >&2
    exit 1
fi

if [[ ! -f "$requirements" ]]; then
    echo "python-venv.sh: $requirements is missing" >&2
    exit 1
fi

if [[ ! -x "$venv/bin/python" ]]; then
    echo "python-venv.sh: creating $venv with $("$python" --version 2>&1)"
    "$python" -m venv "$venv"
fi

if [[ -f "$stamp" ]] && cmp -s "$requirements" "$stamp"; then
    echo "python-venv.sh: $venv is up to date"
    exit 0
fi

echo "python-venv.sh: installing $requirements into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
