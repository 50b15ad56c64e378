#!/usr/bin/env bash
# Benchmark: `playtube faststart` vs `ffmpeg -c copy -movflags +faststart` vs `cp`, on a generated
# moov-at-end MP4 of at least 1 GB (warm page cache). Prints the median wall time and peak RSS of each
# and the ratios. cp is the physical limit: every byte has to be copied once. playtube also fsyncs its
# output before renaming it into place (cp and ffmpeg do not), so `cp + sync` (cp, then fsync of the
# copy) is shown as the like-for-like baseline next to plain cp.
#
#   tests/bench/faststart.sh [RUNS] [SIZE_MB]      (defaults: 5 runs, 1000 MB)
#
# Needs ffmpeg, /usr/bin/time and a release build (built here if missing). Everything is generated in
# a temp dir (BENCH_TMPDIR, default: beside the repo's target/) and deleted at the end.
set -euo pipefail

RUNS=${1:-5}
SIZE_MB=${2:-1000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN="$ROOT/target/release/playtube"
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -q)
WORK=$(mktemp -d "${BENCH_TMPDIR:-$ROOT/target}/bench-faststart.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
F="ffmpeg -hide_banner -loglevel error -y"

echo "generating a moov-at-end MP4 of >= $SIZE_MB MB in $WORK ..."
# 10 s of 720p noise (incompressible, so a high bit rate) + AAC, then looped with -c copy until big enough.
$F -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=10,noise=alls=60:allf=t" \
   -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
   -c:v mpeg4 -q:v 2 -g 60 -c:a aac -b:a 128k "$WORK/seed.mp4"
seed_bytes=$(stat -c %s "$WORK/seed.mp4")
loops=$(( (SIZE_MB * 1000000 + seed_bytes - 1) / seed_bytes - 1 ))
$F -stream_loop "$loops" -i "$WORK/seed.mp4" -c copy "$WORK/in.mp4"
IN="$WORK/in.mp4"
in_bytes=$(stat -c %s "$IN")
echo "input: $in_bytes bytes ($(( in_bytes / 1000000 )) MB), boxes: $(python3 - "$IN" <<'PY'
import struct, sys
f = open(sys.argv[1], 'rb'); out = []
while True:
    h = f.read(8)
    if len(h) < 8: break
    size, kind = struct.unpack('>I4s', h)
    if size == 1: size = struct.unpack('>Q', f.read(8))[0]; f.seek(-8, 1)
    out.append(kind.decode()); f.seek(size - 8, 1)
print(' '.join(out))
PY
)"

cat "$IN" > /dev/null   # warm the page cache

# run NAME CMD...: one timed run; appends "wall_seconds peak_rss_kb" to $WORK/NAME.times
run() {
    local name=$1; shift
    rm -f "$WORK/out.mp4"
    sync
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$WORK/time.txt" "$@"
    t1=$(date +%s.%N)
    local rss
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
    echo "$(echo "$t1 - $t0" | bc -l) $rss" >> "$WORK/$name.times"
}

one() {
    case $1 in
        cp) run cp cp "$IN" "$WORK/out.mp4" ;;
        cp+sync) run cp+sync sh -c 'cp "$1" "$2" && sync "$2"' sh "$IN" "$WORK/out.mp4" ;;
        ffmpeg) run ffmpeg $F -i "$IN" -c copy -movflags +faststart "$WORK/out.mp4" ;;
        playtube) run playtube "$BIN" --quiet faststart "$IN" -o "$WORK/out.mp4" ;;
    esac
}
TOOLS=(cp cp+sync ffmpeg playtube)
for i in $(seq 1 "$RUNS"); do
    # Rotate the order each round so no tool always runs right after another's cleanup.
    for j in 0 1 2 3; do one "${TOOLS[$(( (i + j) % 4 ))]}"; done
    echo "run $i/$RUNS done"
done

# Check a playtube output really is faststart and complete (untimed).
rm -f "$WORK/out.mp4"
"$BIN" --quiet faststart "$IN" -o "$WORK/out.mp4"
"$BIN" --json probe "$WORK/out.mp4" | grep -q '"faststart": true' || { echo "playtube output is not faststart!"; exit 1; }
[ "$(stat -c %s "$WORK/out.mp4")" = "$in_bytes" ] || { echo "playtube output has the wrong size!"; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A WALL RSS
for name in cp cp+sync ffmpeg playtube; do
    WALL[$name]=$(awk '{print $1}' "$WORK/$name.times" | median)
    RSS[$name]=$(awk '{print $2}' "$WORK/$name.times" | median)
    all=$(awk '{printf "%.3f ", $1}' "$WORK/$name.times")
    printf '%-9s wall median %6.3f s  (runs: %s)  peak RSS median %7.1f MB\n' \
        "$name" "${WALL[$name]}" "$all" "$(echo "${RSS[$name]} / 1024" | bc -l)"
done
printf 'playtube / cp      = %.2fx wall (target <= 1.15x)\n' "$(echo "${WALL[playtube]} / ${WALL[cp]}" | bc -l)"
printf 'playtube / cp+sync = %.2fx wall (both leave the data on disk)\n' "$(echo "${WALL[playtube]} / ${WALL[cp+sync]}" | bc -l)"
printf 'ffmpeg / playtube  = %.2fx wall (playtube is this much faster than ffmpeg)\n' \
    "$(echo "${WALL[ffmpeg]} / ${WALL[playtube]}" | bc -l)"
printf 'playtube peak RSS  = %.1f MB (target < 16 MB); ffmpeg %.1f MB; cp %.1f MB\n' \
    "$(echo "${RSS[playtube]} / 1024" | bc -l)" "$(echo "${RSS[ffmpeg]} / 1024" | bc -l)" "$(echo "${RSS[cp]} / 1024" | bc -l)"
