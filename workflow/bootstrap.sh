#!/usr/bin/env bash
# Create the project's virtual environment without conda: Python packages from PyPI (pinned in
# pyproject.toml) and bedtools from the system (Debian/Ubuntu: installed with apt when root).
set -euo pipefail
python_bin=${1:-python3}
venv=${2:-.venv}

if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: Python >= 3.11 is required ($python_bin is $("$python_bin" --version 2>&1))" >&2
    exit 1
fi

if ! command -v bedtools >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bedtools not found: installing it with apt-get" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bedtools >/dev/null
    else
        echo "error: bedtools is required. Install it (sudo apt-get install bedtools," \
            "or conda install -c bioconda bedtools) and rerun." >&2
        exit 1
    fi
fi

if [ ! -x "$venv/bin/python" ]; then
    "$python_bin" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[model,workflow,dev]"
echo "environment ready: $venv ($("$venv/bin/python" --version), bedtools $(bedtools --version))" >&2
