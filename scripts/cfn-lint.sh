#!/usr/bin/env bash
# cfn-lint (from PyPI, in its own venv) over every template of a cloud assembly; warnings are
# printed, errors fail.
#
#   scripts/cfn-lint.sh CDK_OUT_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: scripts/cfn-lint.sh CDK_OUT_DIR}"
venv="$root/.venv-lint"
if [ ! -x "$venv/bin/cfn-lint" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check cfn-lint==1.58.0
fi
set +e
"$venv/bin/cfn-lint" --format parseable -- "$out"/*.template.json
status=$?
set -e
# cfn-lint's exit status is a bit mask: 2 errors, 4 warnings, 8 informational.
if (( status & 2 )) || (( status & 1 )); then
  echo "cfn-lint: errors in the templates of $out" >&2
  exit 1
fi
echo "cfn-lint: no errors in $(ls "$out"/*.template.json | wc -l) templates"
