#!/bin/bash
# Runs inside the SAM build image: the working directory is this recipe folder
# (/asset-input) and everything written below /asset-output/python becomes the layer.
set -euo pipefail
target=/asset-output/python
mkdir -p "$target"
python3 -m pip install --disable-pip-version-check --no-compile \
    --requirement requirements.txt --target "$target"
