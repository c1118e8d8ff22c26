#!/usr/bin/env bash
# The project's test command (README). Node's runner for the TypeScript side, pytest for the Python SDK.
# Node 20 needs the file list from the shell, so it is found here.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find packages tests fixtures guest -name '*.test.ts' -not -path '*/node_modules/*' | sort)
status=0
# One file at a time: the VM tests share 2 cores. A hung test fails after 15 minutes instead of eating CI's 90
# (the longest legitimate wait is the first kernel build, about 4-5 minutes).
node --import tsx --test --test-concurrency=1 --test-timeout=900000 "${files[@]}" || status=1
python3 -m pytest -q sdk/python/tests || status=1
exit $status
