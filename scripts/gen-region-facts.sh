#!/usr/bin/env bash
# Regenerates src/cdk/region_facts.json, the region and partition facts the synthesizer follows,
# and src/cdk/lambda_runtimes.json, the Python Lambda runtimes aws-cdk-lib names, from the
# aws-cdk-lib package on npm (default: 2.212.0, the version MLSpace pins).
#
#   scripts/gen-region-facts.sh [VERSION]
#
# Installs aws-cdk-lib@VERSION into a temporary folder (removed afterwards), asks it for its facts
# through scripts/region-facts.js, and writes the table with the version it came from. Needs node
# and npm. Review the diff and commit the table; the Rust tests check it parses and is complete.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${1:-2.212.0}"
out="$root/src/cdk/region_facts.json"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --silent --no-save --no-audit --no-fund --ignore-scripts \
  --loglevel=error --prefix "$work" "aws-cdk-lib@$version" >/dev/null)
node "$root/scripts/region-facts.js" "$work/node_modules/aws-cdk-lib" >"$work/region_facts.json"
mv "$work/region_facts.json" "$out"
node "$root/scripts/lambda-runtime-facts.js" "$work/node_modules/aws-cdk-lib" >"$work/lambda_runtimes.json"
mv "$work/lambda_runtimes.json" "$root/src/cdk/lambda_runtimes.json"
node -e '
const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const names = Object.keys(t.regions);
const without = names.filter((r) => !t.regions[r].cdkMetadataResourceAvailable);
console.log(`${process.argv[1]}: aws-cdk-lib ${t.source.version}, ${names.length} regions; ` +
  `${without.length} without AWS::CDK::Metadata: ${without.join(" ")}`);
' "$out"
