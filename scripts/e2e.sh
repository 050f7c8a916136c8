#!/usr/bin/env bash
# The end-to-end suite: the real cdk CLI, with our binary as the app, against moto's server.
#
#   scripts/e2e.sh [PYTEST ARGS...]
#
# Needs what scripts/synth-example.sh makes (the release binary, the cdk CLI in ./node_modules,
# the example tree in build/example) and the test venv (.venv, scripts/python-venv.sh); makes
# whatever is missing. Then runs pytest on tests/e2e. MLSPACE_E2E_LIFECYCLE=0 skips the 18-stack
# deploy/update/destroy cycle (tests/e2e/test_stacks_lifecycle.py, about 3 minutes).
#
# Where this machine allows it (root, or unprivileged user namespaces), the suite runs in a
# network namespace of its own that holds only loopback: nothing it starts can reach another
# host, and tests/e2e/test_toolkit.py::test_traffic_stays_on_loopback checks that. Elsewhere it
# runs in the machine's namespace with every endpoint pointed at the emulator.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

[ -x node_modules/.bin/cdk ] || npm install --no-audit --no-fund --loglevel=error
[ -f build/example/lib/config.json ] || bash scripts/synth-example.sh
cargo build --release --quiet   # never test a stale binary (a no-op when it is current)
bash scripts/python-venv.sh "$root/.venv" >/dev/null

run=("$root/.venv/bin/python" -m pytest -q -p no:cacheprovider tests/e2e "$@")
isolate() {
  # -n: a new network namespace; -r maps us to root in a user namespace when we are not root.
  local flags=(-n)
  [ "$(id -u)" -eq 0 ] || flags=(-r -n)
  unshare "${flags[@]}" true 2>/dev/null || return 1
  command -v ip >/dev/null || return 1
  exec unshare "${flags[@]}" env MLSPACE_E2E_ISOLATED=1 bash -c 'ip link set lo up && exec "$@"' e2e "${run[@]}"
}
if command -v unshare >/dev/null; then
  isolate || echo "e2e: cannot make a loopback-only network namespace here; running without one"
fi
exec "${run[@]}"
