#!/usr/bin/env bash
# A new user's install: plain `pip install .` (no constraints file, no extras) in a fresh venv,
# then one file of each supported type is ingested and a question answered from each.
# Only the CPU torch wheel goes first, as the Makefile does (otherwise pip pulls CUDA).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False
export XDG_CACHE_HOME="$work/cache" PIP_CACHE_DIR="${PIP_CACHE_DIR:-$HOME/.cache/pip}"
started=$SECONDS

python3 -m venv "$work/venv"
pip="$work/venv/bin/pip"
"$pip" install --quiet --upgrade pip
"$pip" install --quiet --no-compile torch==2.13.0  # no byte-compiling: not what is checked
# a copy of the sources, so the build leaves nothing in the checkout
mkdir "$work/src"
tar -C "$repo" --exclude=./.venv --exclude=./.git --exclude=./vectorstore --exclude=./build \
    --exclude='*.egg-info' -cf - . | tar -C "$work/src" -xf -
"$pip" install --quiet --no-compile "$work/src"
echo "plain install: $((SECONDS - started)) s"

# run from the temporary folder so only the installed package can be imported
cd "$work"
"$work/venv/bin/python" "$repo/.ci/plain_install_smoke.py" "$work/venv/bin/career-advisor"
# the downloadable libraries' page lists are package data: the installed command must see them
"$work/venv/bin/career-advisor" library list | grep -q " 342 " || { echo "library list: no OOH pages"; exit 1; }
echo "plain install check passed in $((SECONDS - started)) s"
