#!/usr/bin/env bash
# Synthesis benchmark on a generated MLSpace-sized tree.
#
#   scripts/bench.sh [WORKDIR]        (default WORKDIR: target/bench)
#
# 1. Generates WORKDIR/tree once (deterministic): about 2 MB of Lambda source in 300
#    files under backend/src, a 30 MB frontend build in 500 files, lib/resources, a
#    basic lib/config.json and cdk.context.json, and prebuilt layer zips (so no layer
#    is built: layer builds are not part of the targets).
# 2. Runs `target/release/mlspace-cdk synth -o OUT` in the tree, cold (empty OUT) and
#    warm (OUT already holds the staged assets), when that binary can synthesize.
# 3. Runs the asset part alone (examples/stage_assets: fingerprint and stage every asset),
#    cold and warm.
# Each run reports wall time and peak memory (from /usr/bin/time -v, else from a small
# getrusage wrapper in python3). Targets: warm < 100 ms, cold < 1 s, peak memory < 64 MB.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mkdir -p "${1:-$repo/target/bench}" && cd "${1:-$repo/target/bench}" && pwd)"
tree="$work/tree"

generate() {
  python3 - "$tree" <<'PY'
import json, os, random, sys, zipfile
root = sys.argv[1]
rng = random.Random(20240607)
words = ("def class return import from self lambda table item response request bucket "
         "project dataset notebook user group status logger config value key region").split()

def text(size, comment):
    lines, total = [], 0
    while total < size:
        line = "    " * rng.randint(0, 3) + " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
        if rng.random() < 0.1:
            line = comment + " " + line
        lines.append(line)
        total += len(line) + 1
    return ("\n".join(lines) + "\n").encode()

def put(rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)

# Lambda source: 300 files, ~2 MB, in packages two levels deep.
for i in range(300):
    put(f"backend/src/ml_space_lambda/pkg{i % 20}/sub{i % 3}/module_{i}.py", text(rng.randint(2000, 11500), "#"))
# Frontend build: 500 files, ~30 MB: mostly script and style text, some binary images.
for i in range(500):
    if i % 10 == 0:
        put(f"frontend/build/static/media/image_{i}.png", b"\x89PNG\r\n\x1a\n\x00" + rng.randbytes(rng.randint(20000, 100000)))
    elif i % 3 == 0:
        put(f"frontend/build/static/css/style_{i}.css", text(rng.randint(20000, 80000), "/*"))
    else:
        put(f"frontend/build/static/js/chunk_{i}.js", text(rng.randint(40000, 90000), "//"))
put("frontend/build/index.html", b"<html><body>mlspace bench</body></html>\n")
for name in ("notebook-lifecycle.sh", "emr-config.json", "params.json"):
    put(f"lib/resources/config/{name}", text(3000, "#"))
for name in ("example-notebook.ipynb", "data.csv"):
    put(f"lib/resources/sagemaker/global/{name}", text(20000, "#"))
put("lib/config.json", json.dumps({
    "AWS_ACCOUNT": "123456789012", "AWS_REGION": "us-east-1",
    "OIDC_URL": "https://idp.example.com/realms/mlspace", "OIDC_CLIENT_NAME": "web-client",
    "KEY_MANAGER_ROLE_NAME": "Admin"}, indent=4).encode())
put("cdk.context.json", json.dumps({
    "availability-zones:account=123456789012:region=us-east-1": ["us-east-1a", "us-east-1b", "us-east-1c"]},
    indent=2).encode())
for layer in ("common", "jwt", "notifier"):
    path = os.path.join(root, f"lambda_dependencies/{layer}_layer.zip")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    info = zipfile.ZipInfo("python/placeholder.py", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(info, f"# {layer}\n")
PY
}

# measure LABEL CMD...: prints wall time and peak memory of one run.
measure() {
  local label="$1"; shift
  local report="$work/time.txt"
  if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
    /usr/bin/time -v -o "$report" "$@" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; return 1; }
    local wall rss cpu
    wall="$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$report")"
    rss="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$report")"
    cpu="$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2fs", s}' "$report")"
    printf '%-28s wall %-9s cpu %-7s peak %5s MB   %s\n' "$label" "$wall" "$cpu" "$((rss / 1024)).$((rss % 1024 * 10 / 1024))" \
      "$(tail -1 "$work/out.txt")"
  else
    python3 - "$label" "$@" <<'PY'
import resource, subprocess, sys, time
label, cmd = sys.argv[1], sys.argv[2:]
t = time.perf_counter()
out = subprocess.run(cmd, capture_output=True, text=True)
wall = time.perf_counter() - t
if out.returncode:
    sys.stderr.write(out.stderr); sys.exit(1)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
last = (out.stdout.strip().splitlines() or [""])[-1]
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{label:<28} wall {wall:.3f}s cpu {usage.ru_utime + usage.ru_stime:.2f}s peak {peak:5.1f} MB   {last}")
PY
  fi
}

if [ ! -f "$tree/lib/config.json" ]; then
  echo "generating $tree ..."
  rm -rf "$tree"
  generate
fi
echo "tree: $(find "$tree/backend/src" -type f | wc -l) lambda files ($(du -sh --apparent-size "$tree/backend/src" | cut -f1)), " \
     "$(find "$tree/frontend/build" -type f | wc -l) frontend files ($(du -sh --apparent-size "$tree/frontend/build" | cut -f1))"

cd "$repo"
# MLSPACE_CDK / STAGE_ASSETS name prebuilt binaries instead (then nothing is built).
if [ -z "${MLSPACE_CDK:-}${STAGE_ASSETS:-}" ]; then
  cargo build --release --quiet --bin mlspace-cdk --example stage_assets
fi

synth="${MLSPACE_CDK:-$repo/target/release/mlspace-cdk}"
if [ -x "$synth" ] && (cd "$tree" && "$synth" synth -o "$work/probe.out" >/dev/null 2>&1); then
  rm -rf "$work/synth.out"
  (cd "$tree" && measure "synth cold" "$synth" synth -o "$work/synth.out")
  (cd "$tree" && measure "synth warm" "$synth" synth -o "$work/synth.out")
else
  echo "synth: skipped (\`mlspace-cdk synth\` does not run yet)"
fi

stage_assets="${STAGE_ASSETS:-$repo/target/release/examples/stage_assets}"
rm -rf "$work/assets.out"
measure "assets cold (hash + copy)" "$stage_assets" "$tree" "$work/assets.out"
measure "assets warm (hash only)" "$stage_assets" "$tree" "$work/assets.out"
