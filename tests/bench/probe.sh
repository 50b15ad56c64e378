#!/usr/bin/env bash
# Benchmark: `playtube probe --json FILE` vs plain `ffprobe -show_format -show_streams FILE` (hyperfine,
# warm cache). playtube runs the same ffprobe once, plus a few reads of MP4 box headers for the
# faststart/fragmented flags, so the ratio is its whole overhead. Target: under 1.2x.
#
#   tests/bench/probe.sh [FIXTURE] [RUNS]      (defaults: fixtures/landscape.mp4, 100 runs)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FILE=${1:-$ROOT/fixtures/landscape.mp4}
RUNS=${2:-100}
BIN="$ROOT/target/release/playtube"
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -q)
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$OUT" \
    "ffprobe -v error -print_format json -show_format -show_streams $FILE" \
    "$BIN probe --json $FILE"

python3 - "$OUT" <<'PY'
import json, sys
ffprobe, playtube = json.load(open(sys.argv[1]))["results"]
for name, r in (("ffprobe", ffprobe), ("playtube probe", playtube)):
    print(f"{name:15} median {r['median'] * 1000:6.1f} ms   min {r['min'] * 1000:6.1f} ms")
print(f"ratio playtube/ffprobe: median {playtube['median'] / ffprobe['median']:.2f}x, "
      f"min {playtube['min'] / ffprobe['min']:.2f}x (target < 1.2x)")
PY
