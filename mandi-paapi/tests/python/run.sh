#!/usr/bin/env bash
# Checks that the official Python clients work against the sandbox marketplace unchanged
# but for their host / token URL settings: python-amazon-paapi 7.x (Creators API, credential
# versions 2.2 and 3.2) and botocore-signed PA-API 5.0 requests.
#
# Usage: bash mandi-paapi/tests/python/run.sh   (from the workspace root)
# Creates a throwaway venv in a temp dir, builds and starts the sandbox on a free loopback
# port, runs check_clients.py, and stops the sandbox.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d)"
cleanup() {
  if [[ -n "${pid:-}" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "python-amazon-paapi>=7,<8" "botocore>=1.30"

(cd "$root" && cargo build -q -p mandi-examples --example run_sandbox)
"$root/target/debug/examples/run_sandbox" --port 0 --seed 2026 >"$work/banner.txt" &
pid=$!
for _ in $(seq 1 100); do
  grep -q '^BASE_URL=' "$work/banner.txt" 2>/dev/null && break
  sleep 0.1
done
base="$(sed -n 's/^BASE_URL=//p' "$work/banner.txt")"
[[ -n "$base" ]] || { echo "the sandbox did not start"; cat "$work/banner.txt"; exit 1; }
phone="$(sed -n 's|^try: .*/dp/\([0-9A-Z]*\)  (phone).*|\1|p' "$work/banner.txt")"
parent="$(sed -n 's|^ *variations of \([0-9A-Z]*\), browse node \([0-9]*\)|\1|p' "$work/banner.txt")"
node="$(sed -n 's|^ *variations of \([0-9A-Z]*\), browse node \([0-9]*\)|\2|p' "$work/banner.txt")"
echo "sandbox at $base (phone $phone, family $parent, node $node)"
"$work/venv/bin/python" "$here/check_clients.py" "$base" "$phone" "$parent" "$node"
