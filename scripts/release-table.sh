#!/usr/bin/env bash
# Derive src/config/release_table.rs (the release guard's digests, flags, constant names and
# aws-cdk-lib dependency) from MLSpace's git repository at the release mlspace-cdk reproduces.
# No MLSpace text is written.
#
#   scripts/release-table.sh [MLSPACE_GIT_DIR] [COMMIT]
#
# Defaults: $MLSPACE_GIT_DIR or ../.mirror/awslabs+mlspace/repo; 8301680 (MLSpace 1.6.10).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
git_dir="${1:-${MLSPACE_GIT_DIR:-$root/../.mirror/awslabs+mlspace/repo}}"
commit="${2:-8301680945775e78cba7fe1c6812776f20a9b502}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
git --git-dir="$git_dir" archive "$commit" bin lib cdk.json frontend/package.json package.json package-lock.json | tar -x -C "$work"
cd "$root"
MLSPACE_CHECKOUT="$work" MLSPACE_WRITE_RELEASE_TABLE=1 cargo test --quiet --test release_table
echo "release-table: src/config/release_table.rs derived from $commit"
