#!/usr/bin/env bash
# The project's test command (README): type-check, then node's test runner for the TypeScript side and
# pytest for the Python SDK. Node 20 needs the file list from the shell, so it is found here.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
# Tests read mvmctl's plain text; picocolors colours even piped output when CI (or FORCE_COLOR) is set.
export NO_COLOR=1
npx tsc -p tsconfig.json --noEmit || status=1
# The CLI runs from its bundle (packages/cli/dist, made by npm ci); rebuild it so tests never meet a stale one.
npm run --silent build || status=1
mapfile -t files < <(find packages tests fixtures guest -name '*.test.ts' -not -path '*/node_modules/*' | sort)
# One file at a time: the VM tests share 2 cores. A hung test fails after 15 minutes instead of eating CI's 90
# (the longest legitimate wait is the first kernel build, about 4-5 minutes).
node --import tsx --test --test-concurrency=1 --test-timeout=900000 "${files[@]}" || status=1
# The CLI's own suite once more against the TypeScript sources: the bundle and the sources must agree.
mapfile -t cli_files < <(find packages/cli -name '*.test.ts' -not -path '*/node_modules/*' | sort)
MVMCTL_FROM_SOURCE=1 node --import tsx --test --test-concurrency=1 --test-timeout=900000 "${cli_files[@]}" || status=1
# Debian's python3 gets pytest from python3-pytest (host-packages.txt, purpose "test"); a python3 earlier on
# PATH without pytest (pyenv, a venv) would otherwise fail the run for a reason that is not ours.
python=python3
python3 -c 'import pytest' 2>/dev/null || python=/usr/bin/python3
"$python" -m pytest -q sdk/python/tests || status=1
exit $status
