#!/usr/bin/env bash
# The README's first command: a fresh Debian 12 machine with Node 20 and this checkout → host set-up, then the
# seed's Python example and its TypeScript example, each compiled, built, booted in a real microVM, invoked
# (`hello ari`) and brought down — the seed's four commands exactly as it writes them.
#   bash scripts/demo.sh          (as root, or as a user who may sudo apt-get)
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "== host packages from Debian: QEMU, the kernel build, the image tools (packages/builder/host-packages.txt)"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
awk '!/^#/ && NF {print $1}' packages/builder/host-packages.txt | xargs $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
echo "== npm ci (builds mvmctl)"
npm ci --no-audit --no-fund
mvmctl() { node packages/cli/bin/mvmctl.js "$@"; }
echo "== the guest kernel (built once per machine from Debian's linux-source-6.1: minutes on 2 cores)"
mvmctl kernel >/dev/null

trap 'mvmctl down hello-app >/dev/null 2>&1 || true' EXIT
for example in examples/python/hello-app/app.py examples/node/hello-app/app.ts; do
  echo "== $example"
  mvmctl compile "$example" --out /tmp/hello-app >/dev/null
  mvmctl build /tmp/hello-app
  mvmctl up hello-app
  mvmctl invoke hello-app --input name='ari'
  mvmctl down hello-app
done
