#!/usr/bin/env bash
# Synthesis benchmark on a generated MLSpace-sized tree.
#
#   scripts/bench.sh [WORKDIR]        (default WORKDIR: target/bench)
#
# 1. Generates WORKDIR/tree once (deterministic): the repository's example tree
#    (examples/mlspace: configuration, lookups, lib/resources) plus about 2 MB of Lambda
#    source in 300 files under backend/src, a 30 MB frontend build in 500 files, and
#    prebuilt layer zips (so no layer is built: layer builds are not part of the targets).
# 2. Runs `mlspace-cdk synth -o OUT` in the tree BENCH_RUNS times (default 5) cold (OUT
#    emptied before each run) and warm (OUT already holds the staged assets), and prints
#    each run and a table of medians: wall time, CPU time (user + system) and peak
#    resident memory (from GNU time when installed).
# 3. Does the same for the asset part alone (examples/stage_assets: fingerprint and stage
#    every asset).
# The release binaries are built first unless MLSPACE_CDK and STAGE_ASSETS name them
# (CARGO_TARGET_DIR is honoured). Targets: warm < 100 ms, cold < 1 s, peak < 64 MB.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mkdir -p "${1:-$repo/target/bench}" && cd "${1:-$repo/target/bench}" && pwd)"
tree="$work/tree"
runs="${BENCH_RUNS:-5}"
# Bump when the generator changes, so that an old tree is generated again.
tree_version=2

generate() {
  python3 - "$tree" <<'PY'
import os, random, sys, zipfile
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
for layer in ("common", "jwt", "notifier"):
    path = os.path.join(root, f"lambda_dependencies/{layer}_layer.zip")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    info = zipfile.ZipInfo("python/placeholder.py", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(info, f"# {layer}\n")
PY
}

# bench LABEL PREPARE CMD...: runs CMD $runs times (PREPARE, a shell command, before each
# run and outside the timing) and prints one line per run and the median.
bench() {
  local label="$1" prepare="$2"; shift 2
  python3 - "$label" "$prepare" "$runs" "$@" <<'PY'
import os, resource, statistics, subprocess, sys, time
label, prepare, runs, cmd = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
# The peak comes from GNU time when there is one: a child forked from this Python process
# would count Python's own pages in its maximum resident set until it execs.
gnu_time = "/usr/bin/time"
if subprocess.run([gnu_time, "-f", "%M", "true"], capture_output=True).returncode != 0:
    gnu_time = None
report = os.environ["BENCH_TABLE"] + ".rss"
walls, peaks, cpus = [], [], []
for i in range(runs):
    subprocess.run(prepare, shell=True, check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    argv = [gnu_time, "-f", "%M", "-o", report] + cmd if gnu_time else cmd
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = child.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode:
        sys.stderr.write(f"{label}: {' '.join(cmd)} failed\n{err.decode()}")
        sys.exit(1)
    walls.append(wall * 1000)
    if gnu_time:
        peaks.append(int(open(report).read().split()[-1]) / 1024)
    else:
        peaks.append(usage.ru_maxrss / 1024)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    cpus.append(cpu * 1000)
    out = out.decode()
    note = (out.strip().splitlines() or [""])[-1]
    print(f"  {label:<12} run {i + 1}: wall {wall * 1000:6.1f} ms  cpu {cpus[-1]:6.1f} ms  "
          f"peak {peaks[-1]:5.1f} MB  {note}", file=sys.stderr)
with open(os.environ["BENCH_TABLE"], "a") as table:
    table.write(f"| {label:<12} | {statistics.median(walls):9.1f} | {min(walls):6.1f} | "
                f"{max(walls):6.1f} | {statistics.median(cpus):8.1f} | "
                f"{statistics.median(peaks):9.1f} |\n")
PY
}

if [ ! -f "$tree/.bench-tree-v$tree_version" ]; then
  echo "generating $tree ..."
  rm -rf "$tree"
  mkdir -p "$tree"
  cp -R "$repo/examples/mlspace/." "$tree/"
  generate
  touch "$tree/.bench-tree-v$tree_version"
fi

cd "$repo"
if [ -z "${MLSPACE_CDK:-}" ] || [ -z "${STAGE_ASSETS:-}" ]; then
  cargo build --release --quiet --bin mlspace-cdk --example stage_assets
fi
target="${CARGO_TARGET_DIR:-$repo/target}"
synth="${MLSPACE_CDK:-$target/release/mlspace-cdk}"
stage_assets="${STAGE_ASSETS:-$target/release/examples/stage_assets}"

# Any synthesis error shows here, before the timings.
(cd "$tree" && "$synth" synth -o "$work/probe.out" >/dev/null)
rm -rf "$work/probe.out"

export BENCH_TABLE="$work/table.md"
: >"$BENCH_TABLE"
out="$work/synth.out" assets="$work/assets.out"
cd "$tree"
echo "runs ($runs each):"
bench "synth cold" "rm -rf '$out'" "$synth" synth -o "$out"
bench "synth warm" "true" "$synth" synth -o "$out"
bench "assets cold" "rm -rf '$assets'" "$stage_assets" "$tree" "$assets"
bench "assets warm" "true" "$stage_assets" "$tree" "$assets"

echo
echo "tree: $(find "$tree/backend/src" -type f | wc -l) Lambda source files" \
     "($(du -sh --apparent-size "$tree/backend/src" | cut -f1)), $(find "$tree/frontend/build" -type f | wc -l)" \
     "frontend files ($(du -sh --apparent-size "$tree/frontend/build" | cut -f1));" \
     "$(grep -c '"aws:cloudformation:stack"' "$out/manifest.json") stacks;" \
     "$(nproc) cores; median of $runs runs"
echo
echo "| run          | wall (ms) | min    | max    | cpu (ms) | peak (MB) |"
echo "|--------------|-----------|--------|--------|----------|-----------|"
cat "$BENCH_TABLE"
echo
echo "targets: synth warm < 100 ms, synth cold < 1000 ms, peak < 64 MB"
