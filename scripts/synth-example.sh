#!/usr/bin/env bash
# The main job: a full synthesis of all MLSpace stacks through the real cdk CLI, on the example
# inputs this repository ships (examples/mlspace), into build/example/cdk.out.
#
#   scripts/synth-example.sh            build everything needed, then `cdk synth`
#
# Needs cargo, node/npm and python3; installs the cdk CLI into ./node_modules with npm.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

[ -x node_modules/.bin/cdk ] || npm install --no-audit --no-fund --loglevel=error
cargo build --release --quiet
(cd frontend && npm run --silent clean && npm install --no-audit --no-fund --loglevel=error)

tree="$root/build/example"
rm -rf "$tree"
mkdir -p "$tree"
cp -R examples/mlspace/. "$tree/"
mkdir -p "$tree/frontend" "$tree/lambda_dependencies"
cp -R frontend/build "$tree/frontend/build"
# Prebuilt example layers (byte-identical on every run), so no layer is built here.
for layer in common jwt notifier; do
  python3 - "$tree/lambda_dependencies/${layer}_layer.zip" "$layer" <<'PY'
import sys, zipfile
info = zipfile.ZipInfo(f"python/{sys.argv[2]}_example.py", date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = 0o644 << 16
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr(info, f"# example {sys.argv[2]} layer\n")
PY
done

cd "$tree"
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
"$root/node_modules/.bin/cdk" synth --no-notices --app "$root/target/release/mlspace-cdk" -o cdk.out -q
"$root/node_modules/.bin/cdk" ls --no-notices --app cdk.out
echo "synth-example: cloud assembly in $tree/cdk.out"
