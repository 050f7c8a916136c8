#!/bin/bash
# Example notebook lifecycle script (runs every time a notebook instance starts).
set -euo pipefail
echo "MLSpace example: notebook instance starting at $(date -u +%FT%TZ)"
