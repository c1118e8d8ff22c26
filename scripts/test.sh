#!/usr/bin/env bash
# The project's test command (README). Node's runner for the TypeScript side, pytest for the Python SDK.
# Node 20 needs the file list from the shell, so it is found here.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find packages tests fixtures guest -name '*.test.ts' -not -path '*/node_modules/*' | sort)
status=0
node --import tsx --test --test-concurrency=1 "${files[@]}" || status=1
python3 -m pytest -q sdk/python/tests || status=1
exit $status
