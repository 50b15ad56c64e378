#!/usr/bin/env bash
# Benchmark: `playtube probe --json FILE` vs plain `ffprobe -show_format -show_streams FILE` (warm
# cache). playtube runs the same ffprobe once, plus a few reads of MP4 box headers for the
# faststart/fragmented flags, so the ratio is its whole overhead. Target: under 1.2x.
#
#   tests/bench/probe.sh [FIXTURE] [RUNS]      (defaults: fixtures/landscape.mp4, 100 runs)
#
# Two measurements: hyperfine (all runs of one command, then the other), and the same commands
# interleaved run by run, which is fairer on a machine shared with other work (load changes then
# hit both commands alike). Medians and minimums of both are printed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FILE=${1:-$ROOT/fixtures/landscape.mp4}
RUNS=${2:-100}
BIN="$ROOT/target/release/playtube"
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -q)
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

echo "== hyperfine"
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$OUT" \
    "ffprobe -v error -print_format json -show_format -show_streams $FILE" \
    "$BIN probe --json $FILE" >/dev/null
python3 - "$OUT" <<'PY'
import json, sys
ffprobe, playtube = json.load(open(sys.argv[1]))["results"]
for name, r in (("ffprobe", ffprobe), ("playtube probe", playtube)):
    print(f"{name:15} median {r['median'] * 1000:6.1f} ms   min {r['min'] * 1000:6.1f} ms")
print(f"ratio playtube/ffprobe: median {playtube['median'] / ffprobe['median']:.2f}x, "
      f"min {playtube['min'] / ffprobe['min']:.2f}x (target < 1.2x)")
cpu = lambda r: r["user"] + r["system"]
print(f"CPU time (user+system, children included): ffprobe {cpu(ffprobe) * 1000:.1f} ms, "
      f"playtube {cpu(playtube) * 1000:.1f} ms, ratio {cpu(playtube) / cpu(ffprobe):.2f}x")
PY

echo "== interleaved"
python3 - "$BIN" "$FILE" "$RUNS" <<'PY'
import statistics, subprocess, sys, time
bin_, file, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
cmds = {
    "ffprobe": ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", file],
    "playtube probe": [bin_, "probe", "--json", file],
}
times = {name: [] for name in cmds}
for i in range(10 + runs):
    order = list(cmds) if i % 2 == 0 else list(reversed(cmds))
    for name in order:
        start = time.perf_counter()
        subprocess.run(cmds[name], stdout=subprocess.DEVNULL, check=True)
        if i >= 10:
            times[name].append(time.perf_counter() - start)
for name, t in times.items():
    print(f"{name:15} median {statistics.median(t) * 1000:6.1f} ms   min {min(t) * 1000:6.1f} ms")
a, b = times["ffprobe"], times["playtube probe"]
print(f"ratio playtube/ffprobe: median {statistics.median(b) / statistics.median(a):.2f}x, "
      f"min {min(b) / min(a):.2f}x (target < 1.2x)")
PY
