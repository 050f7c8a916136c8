#!/usr/bin/env bash
# The test command: installs what the tests need, then runs every suite.
#
#   scripts/test.sh
#
# 1. the cdk CLI (npm, into ./node_modules) and the handler tests' venv (.venv, from PyPI);
# 2. cargo fmt --check and cargo clippy -D warnings;
# 3. cargo test: unit tests, golden and parity tests against ../shared/reference (skipped with a
#    message where it is absent), runs of the binary through the real cdk CLI;
# 4. the custom-resource handlers against moto (pytest);
# 5. the example frontend in headless Chromium (installs Debian's chromium when root and missing);
# 6. the main job (scripts/synth-example.sh) and cfn-lint (PyPI, own venv) on its templates;
# 7. the end-to-end suite (scripts/e2e.sh): bootstrap, publish-assets, diff, and all 18 stacks
#    deployed, updated and destroyed through the real cdk CLI against moto's server on loopback
#    (MLSPACE_E2E_LIFECYCLE=0 leaves out the 18-stack cycle, about 3 minutes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
passed=0
failed=0
suite() {
  local name="$1"; shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "=== $name FAILED"; fi
}

echo "=== installing the cdk CLI and the Python test environment"
npm install --no-audit --no-fund --loglevel=error
bash scripts/python-venv.sh "$root/.venv"
export CDK_CLI="$root/node_modules/.bin/cdk"

suite "cargo fmt --check" cargo fmt --all -- --check
suite "cargo clippy" cargo clippy --all-targets --quiet -- -D warnings
suite "cargo test" cargo test --quiet
suite "handler tests (pytest + moto)" "$root/.venv/bin/python" -m pytest -q tests/handlers
suite "frontend in headless Chromium" bash scripts/frontend-test.sh
suite "main job: example synth through the cdk CLI" bash scripts/synth-example.sh
suite "cfn-lint on the example assembly" bash scripts/cfn-lint.sh build/example/cdk.out
suite "end to end: cdk toolkit against moto's server" bash scripts/e2e.sh

echo "test suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
