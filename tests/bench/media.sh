#!/usr/bin/env bash
# Benchmark: the extra cost of scrub previews (storyboard) and subtitles on `playtube prepare` of the
# pipeline benchmark's 30 s 1080p25 source (see pipeline.sh), as a ratio to the same run without them.
# (not run by `cargo test`; CPU-heavy, run it on a quiet machine).
#
#   base   the source with no subtitle streams, `prepare --no-storyboard --no-sidecar-subtitles`
#   media  the same source plus two mov_text subtitle streams (eng, spa; a cue every 2 s), plain
#          `prepare`: storyboard sheets in the encode's run, subtitles extracted and segmented
#
# Runs alternate (base, media, base, media, ...) so that load drift hits both alike. Reports wall and
# CPU time (user+sys of all processes, /usr/bin/time -v) per run, their medians and the ratios.
#
# Usage: tests/bench/media.sh [SECONDS (default 30)] [RUNS (default 3)]
set -euo pipefail
SECS=${1:-30}
RUNS=${2:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PT=${PLAYTUBE:-$ROOT/target/release/playtube}
WORK=$(mktemp -d /tmp/playtube-bench-media.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
F="ffmpeg -hide_banner -loglevel error -nostdin -y"
[ -x "$PT" ] || (cd "$ROOT" && cargo build --release -q)
echo "# generating a ${SECS} s 1080p25 source (as pipeline.sh) and a copy with two subtitle streams" >&2
$F -f lavfi -i "testsrc2=size=1920x1080:rate=25:duration=$SECS" \
   -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$SECS" -ac 2 \
   -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 160k "$WORK/base.mp4"
for lang in eng spa; do
  : > "$WORK/$lang.srt"
  for ((i = 0; i < SECS / 2; i++)); do
    printf '%d\n00:%02d:%02d,000 --> 00:%02d:%02d,500\n%s cue %d\n\n' $((i + 1)) $((2 * i / 60)) $((2 * i % 60)) \
      $((2 * i / 60)) $((2 * i % 60 + 1)) "$lang" "$i" >> "$WORK/$lang.srt"
  done
done
$F -i "$WORK/base.mp4" -i "$WORK/eng.srt" -i "$WORK/spa.srt" -map 0 -map 1 -map 2 -c copy -c:s mov_text \
   -metadata:s:s:0 language=eng -metadata:s:s:1 language=spa "$WORK/media.mp4"

run() { # name run input extra-args...
  local name=$1 n=$2 input=$3; shift 3
  /usr/bin/time -v -o "$WORK/$name.$n.time" "$PT" --quiet prepare --force --id "$name" "$input" -o "$WORK/out" "$@"
  local wall user sys
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/$name.$n.time")
  user=$(awk -F': ' '/User time/{print $2}' "$WORK/$name.$n.time")
  sys=$(awk -F': ' '/System time/{print $2}' "$WORK/$name.$n.time")
  echo "$wall $(echo "$user + $sys" | bc)"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
: > "$WORK/base.txt"; : > "$WORK/media.txt"
for ((r = 1; r <= RUNS; r++)); do
  b=$(run base "$r" "$WORK/base.mp4" --no-storyboard --no-sidecar-subtitles); echo "$b" >> "$WORK/base.txt"
  m=$(run media "$r" "$WORK/media.mp4"); echo "$m" >> "$WORK/media.txt"
  echo "run $r: base wall/cpu $b s; media wall/cpu $m s" >&2
done
ls "$WORK/out/media/hls" | tr '\n' ' ' >&2; echo >&2
bw=$(cut -d' ' -f1 "$WORK/base.txt" | median); bc_=$(cut -d' ' -f2 "$WORK/base.txt" | median)
mw=$(cut -d' ' -f1 "$WORK/media.txt" | median); mc=$(cut -d' ' -f2 "$WORK/media.txt" | median)
printf '| run | wall s (median of %d) | CPU s (median) |\n|---|---|---|\n' "$RUNS"
printf '| base (no storyboard, no subtitles) | %.2f | %.2f |\n' "$bw" "$bc_"
printf '| media (storyboard + 2 subtitle streams) | %.2f | %.2f |\n' "$mw" "$mc"
printf '| ratio media/base | %.3f | %.3f |\n' "$(echo "$mw / $bw" | bc -l)" "$(echo "$mc / $bc_" | bc -l)"
