#!/usr/bin/env bash
# Benchmark: `playtube prepare` against three ways of producing the same outputs with ffmpeg alone
# (not run by `cargo test`; CPU-heavy, run it on a quiet machine).
#
#   design  the design document's chain as separate processes: ffprobe, thumbnail, faststart remux,
#           one encode per rung (MP4), then HLS per rung as a separate re-encode from the source
#   seq     the same ladder as sequential per-rung encodes, then stream-copy segmentation per rung
#   single  the best single ffmpeg command line written by hand: one decode, split to every scaler,
#           tee to MP4 + HLS per rung and a stream-copied stream.mp4 (plus ffprobe and thumbnail)
#   playtube  `playtube prepare` (probe, thumb, stream.mp4, renditions, HLS, measured playlists)
#
# Every variant uses the same x264 preset, capped CRF per rung and the 2 s IDR grid (the references
# need it for aligned HLS segments too). Reports wall time, CPU time (user+sys of all processes),
# peak RSS of the largest process (/usr/bin/time -v), ratios, and SSIM of the 720p rung vs the source.
#
# Usage: tests/bench/pipeline.sh [SECONDS (default 30)] [PRESET (default veryfast)]
set -euo pipefail

SECS=${1:-30}
PRESET=${2:-veryfast}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PT=${PLAYTUBE:-$ROOT/target/release/playtube}
WORK=$(mktemp -d /tmp/playtube-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
F="ffmpeg -hide_banner -loglevel error -nostdin -y"

[ -x "$PT" ] || (cd "$ROOT" && cargo build --release -q)

echo "# generating a ${SECS} s 1080p25 source" >&2
SRC="$WORK/source.mp4"
$F -f lavfi -i "testsrc2=size=1920x1080:rate=25:duration=$SECS" \
   -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$SECS" -ac 2 \
   -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 160k "$SRC"

# name:width:height:video kbps:audio kbps:crf (the design document's table)
RUNGS="360p:640:360:800:96:28 480p:854:480:1400:128:26 720p:1280:720:2500:128:24 1080p:1920:1080:5000:192:22"
X264="-c:v libx264 -preset $PRESET -pix_fmt yuv420p -force_key_frames expr:gte(t,n_forced*2) -sc_threshold 0 -x264-params scenecut=0:open_gop=0"

# The steps the design chain and the sequential variant share: probe, thumbnail, faststart remux of the
# source, then one encode per rung to a faststart MP4. $1 = out dir.
probe_thumb_stream_renditions() {
  local o=$1; mkdir -p "$o/renditions"
  ffprobe -v error -show_format -show_streams -of json "$SRC" > "$o/meta.json"
  $F -ss 3 -i "$SRC" -frames:v 1 -vf scale=640:-2 "$o/thumb.jpg"
  $F -i "$SRC" -c copy -movflags +faststart "$o/stream.mp4"
  for r in $RUNGS; do IFS=: read -r q w h vb ab crf <<< "$r"
    $F -i "$SRC" -vf "scale=$w:$h" $X264 -profile:v high -crf "$crf" -maxrate "${vb}k" -bufsize "$((2*vb))k" \
       -c:a aac -b:a "${ab}k" -ac 2 -movflags +faststart "$o/renditions/$q.mp4"
  done
}

design() { # $1 = out dir
  local o=$1; probe_thumb_stream_renditions "$o"
  for r in $RUNGS; do IFS=: read -r q w h vb ab crf <<< "$r"; mkdir -p "$o/hls/$q"
    $F -i "$SRC" -vf "scale=$w:$h" $X264 -profile:v high -crf "$crf" -maxrate "${vb}k" -bufsize "$((2*vb))k" \
       -c:a aac -b:a "${ab}k" -ac 2 -f hls -hls_time 6 -hls_playlist_type vod \
       -hls_segment_filename "$o/hls/$q/seg_%05d.ts" "$o/hls/$q/playlist.m3u8"
  done
}

seq_encodes() {
  local o=$1; probe_thumb_stream_renditions "$o"
  for r in $RUNGS; do IFS=: read -r q _ <<< "$r"; mkdir -p "$o/hls/$q"
    $F -i "$o/renditions/$q.mp4" -c copy -f hls -hls_time 6 -hls_playlist_type vod \
       -hls_segment_filename "$o/hls/$q/seg_%05d.ts" "$o/hls/$q/playlist.m3u8"
  done
}

single() {
  local o=$1; mkdir -p "$o/renditions" "$o/hls/360p" "$o/hls/480p" "$o/hls/720p" "$o/hls/1080p"
  ffprobe -v error -show_format -show_streams -of json "$SRC" > "$o/meta.json"
  $F -ss 3 -i "$SRC" -frames:v 1 -vf scale=640:-2 "$o/thumb.jpg"
  (cd "$o" && $F -i "$SRC" -filter_complex \
    "[0:v]split=4[s0][s1][s2][s3];[s0]scale=640:360[v0];[s1]scale=854:480[v1];[s2]scale=1280:720[v2];[s3]scale=1920:1080[v3];[0:a]asplit=3[a0][a1][a2]" \
    -map "[v0]" -map "[v1]" -map "[v2]" -map "[v3]" -map "[a0]" -map "[a1]" -map "[a2]" -map 0:v:0 -map 0:a:0 \
    $X264 -c:v:4 copy -profile:v:0 high -profile:v:1 high -profile:v:2 high -profile:v:3 high \
    -crf:v:0 28 -maxrate:v:0 800k -bufsize:v:0 1600k -crf:v:1 26 -maxrate:v:1 1400k -bufsize:v:1 2800k \
    -crf:v:2 24 -maxrate:v:2 2500k -bufsize:v:2 5000k -crf:v:3 22 -maxrate:v:3 5000k -bufsize:v:3 10000k \
    -c:a aac -ac 2 -b:a:0 96k -b:a:1 128k -b:a:2 192k -c:a:3 copy -flags +global_header -f tee \
    "[select=\'v:0,a:0\':f=mp4:movflags=+faststart]renditions/360p.mp4|[select=\'v:0,a:0\':f=hls:hls_time=6:hls_playlist_type=vod:hls_segment_filename=hls/360p/seg_%05d.ts]hls/360p/playlist.m3u8|\
[select=\'v:1,a:1\':f=mp4:movflags=+faststart]renditions/480p.mp4|[select=\'v:1,a:1\':f=hls:hls_time=6:hls_playlist_type=vod:hls_segment_filename=hls/480p/seg_%05d.ts]hls/480p/playlist.m3u8|\
[select=\'v:2,a:1\':f=mp4:movflags=+faststart]renditions/720p.mp4|[select=\'v:2,a:1\':f=hls:hls_time=6:hls_playlist_type=vod:hls_segment_filename=hls/720p/seg_%05d.ts]hls/720p/playlist.m3u8|\
[select=\'v:3,a:2\':f=mp4:movflags=+faststart]renditions/1080p.mp4|[select=\'v:3,a:2\':f=hls:hls_time=6:hls_playlist_type=vod:hls_segment_filename=hls/1080p/seg_%05d.ts]hls/1080p/playlist.m3u8|\
[select=\'v:4,a:3\':f=mp4:movflags=+faststart]stream.mp4")
}

playtube() {
  "$PT" --quiet --json prepare --preset "$PRESET" --force --id bench "$SRC" -o "$1" > "$WORK/playtube.json"
}

measure() { # name function
  local name=$1 fn=$2 out="$WORK/$1"
  export -f "$fn" 2>/dev/null || true
  /usr/bin/time -v -o "$WORK/$name.time" bash -c "$(declare -f "$fn" probe_thumb_stream_renditions); $(declare -p RUNGS X264 SRC F PRESET PT WORK); $fn '$out'"
  local wall user sys rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/$name.time")
  user=$(awk -F': ' '/User time/{print $2}' "$WORK/$name.time")
  sys=$(awk -F': ' '/System time/{print $2}' "$WORK/$name.time")
  rss=$(awk -F': ' '/Maximum resident/{print $2}' "$WORK/$name.time")
  local r720="$out/renditions/720p.mp4"
  [ -f "$r720" ] || r720="$out/bench/renditions/720p.mp4"
  local ssim
  ssim=$(ffmpeg -hide_banner -nostdin -i "$r720" -i "$SRC" -lavfi "[1:v]scale=1280:720[ref];[0:v][ref]ssim" -f null - 2>&1 \
         | sed -n 's/.*All:\([0-9.]*\).*/\1/p' | tail -1)
  echo "$name $wall $(echo "$user + $sys" | bc) $rss $ssim" >> "$WORK/results"
}

: > "$WORK/results"
for v in design:design seq:seq_encodes single:single playtube:playtube; do
  echo "# running ${v%%:*}" >&2
  measure "${v%%:*}" "${v##*:}"
done

set +e
echo "# raw: variant wall_s cpu_s max_rss_kB ssim_720p"
cat "$WORK/results"
echo
echo "source: ${SECS} s 1920x1080 25 fps, x264 preset $PRESET, $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-9s | %8s | %8s | %9s | %7s | %11s | %11s | %12s | %12s |\n' variant "wall s" "CPU s" "RSS MB" SSIM720 "wall/design" "CPU/design" "CPU/seq" "wall/single"
printf '|%s|\n' "-----------|----------|----------|-----------|---------|-------------|-------------|--------------|--------------"
read -r _ dw dc _ _ < <(grep '^design ' "$WORK/results")
read -r _ _ sc _ _ < <(grep '^seq ' "$WORK/results")
read -r _ gw _ _ _ < <(grep '^single ' "$WORK/results")
while read -r name wall cpu rss ssim; do
  printf '| %-9s | %8.1f | %8.1f | %9.0f | %7s | %11.2f | %11.2f | %12.2f | %12.2f |\n' "$name" "$wall" "$cpu" "$((rss/1024))" "$ssim" \
    "$(echo "$wall/$dw" | bc -l)" "$(echo "$cpu/$dc" | bc -l)" "$(echo "$cpu/$sc" | bc -l)" "$(echo "$wall/$gw" | bc -l)"
done < "$WORK/results"
echo
python3 - "$WORK/playtube.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))[0]
t = a["timings"]
own = t["total"] - t["encode"] - t["thumbnail"] - t["commit"]
print(f"playtube timings: probe {t['probe']:.2f} s, encode (one ffmpeg) {t['encode']:.2f} s, thumbnail (ffmpeg) "
      f"{t['thumbnail']:.2f} s, finish (measure segments, playlists, meta.json) {t['finish']:.2f} s, commit (fsync + rename) {t['commit']:.2f} s, total {t['total']:.2f} s")
print(f"playtube's own work around ffmpeg (probe + finish + bookkeeping): {own:.2f} s = {100*own/t['encode']:.1f} % of the encode time")
print(f"  with the fsync of the finished asset: {own + t['commit']:.2f} s = {100*(own + t['commit'])/t['encode']:.1f} %")
PY
