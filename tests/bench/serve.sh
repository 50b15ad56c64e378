#!/usr/bin/env bash
# Benchmark: `playtube serve` (release build) against nginx (sendfile on, worker_processes 1) serving the
# same files, side by side in one run, with wrk on 127.0.0.1. The server under test is pinned to CPU 0
# (`taskset -c 0`), wrk to CPU 1. Workloads: random 1 MiB ranges of a 40 MiB MP4 (wrk Lua script), whole
# 1.6 MB HLS segments (20 of them, round robin, so playtube serves them from its memory cache), and a
# small playlist. Each at 10, 100 and 1000 connections. Per cell: requests/s, MB/s, p50/p99 latency,
# errors (socket errors + non-2xx), peak RSS (VmHWM), the server's CPU time per request (utime+stime
# from /proc/PID/stat, before and after the run) and the whole machine's CPU time per request (busy
# ticks of every core from /proc/stat: server, wrk, kernel, and whatever else runs, so on a shared
# machine it is an upper bound). Each server is started fresh for every cell (so VmHWM is that cell's
# peak) and warmed for 1 s before the measured run. Access logs are off on both, except the playlist
# rows `playtube+log` / `nginx+log`: both log every request to a file (playtube's batched log on
# stderr; nginx `access_log ... buffer=64k flush=1s`).
#
# The machine is shared, so every cell runs REPEAT times (default 2), alternating the two servers, and
# the run with the most requests/s is kept for each server (best of N: transient load from other
# processes only ever makes a run slower).
#
# The paced-viewer workload is what a player does instead of a download loop: 1000 connections, each
# fetching the next segment every 5.5-6.5 s (first requests spread over the first 6 s, as viewers join),
# for PACED_SECONDS (default 36, so ~6 segments per viewer). Its cells are compared on latency, mean and
# p99 (requests/s is fixed by the pacing); for it the best of N is the run with the lowest mean latency.
#
# Usage: tests/bench/serve.sh [SECONDS_PER_CELL] (default 6). Env: REPEAT=N; WORKLOADS="ranges segments
# playlist paced" (the default, any subset); CONNS="10 100 1000"; PACED_SECONDS; PLAYTUBE_BIN=path to
# measure another build (for a before/after pair; default: this checkout's release build). Needs wrk,
# nginx, taskset, cargo. Everything lives in a temp dir that is removed at the end; only processes
# started here are stopped, by PID. Total time is about 24 cells x REPEAT x (SECONDS + 2) s, plus
# 2 x REPEAT x (PACED_SECONDS + 2) s, plus the release build.
set -euo pipefail

DUR="${1:-6}"
REPEAT="${REPEAT:-2}"
read -r -a CONNS <<< "${CONNS:-10 100 1000}"
read -r -a WORKLOADS <<< "${WORKLOADS:-ranges segments playlist paced}"
PACED_SECONDS="${PACED_SECONDS:-36}"
PACED_CONNS=1000
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
NGINX="${NGINX:-/usr/sbin/nginx}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[ -x "$NGINX" ] || { echo "$NGINX is not installed (apt-get install nginx)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" || true
[ "$(ulimit -n)" -ge 4096 ] || { echo "ulimit -n is $(ulimit -n); need >= 4096 for 1000 connections" >&2; exit 2; }

if [ -n "${PLAYTUBE_BIN:-}" ]; then
  BIN="$PLAYTUBE_BIN"
else
  (cd "$REPO" && cargo build --release -q)
  BIN="$REPO/target/release/playtube"
fi
[ -x "$BIN" ] || { echo "$BIN is not an executable playtube" >&2; exit 2; }

WORK="$(mktemp -d /tmp/playtube-bench.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- the files and wrk scripts (serve-common.sh)
source "$HERE/serve-common.sh"
bench_files
wrk_scripts
# One wrk thread runs every connection, so delay() is called once per request of any connection: the
# first PACED_CONNS calls are each viewer's first request (joining at a random time in the first 6 s),
# the rest are the 5.5-6.5 s gaps between one viewer's segments.
cat > "$WORK/paced.lua" <<LUA
local n, i, calls, viewers = $SEGS, 0, 0, $PACED_CONNS
math.randomseed(7)
request = function()
  i = (i + 1) % n
  return wrk.format("GET", string.format("/hls/abc/360p/seg_%05d.ts", i))
end
delay = function()
  calls = calls + 1
  if calls <= viewers then return math.random(0, 6000) end
  return math.random(5500, 6500)
end
LUA

start_server() { # $1 = playtube|nginx|playtube+log|nginx+log, $2 = port
  case $1 in
    playtube)
      taskset -c 0 "$BIN" serve --root "$ROOT" --addr "127.0.0.1:$2" --workers 1 --access-log false -q & ;;
    playtube+log)
      taskset -c 0 "$BIN" serve --root "$ROOT" --addr "127.0.0.1:$2" --workers 1 --access-log true \
        2>> "$WORK/playtube-access.log" & ;;
    nginx)
      nginx_conf "$2" "off"
      taskset -c 0 "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" & ;;
    nginx+log)
      nginx_conf "$2" "$WORK/nginx-access.log combined buffer=64k flush=1s"
      taskset -c 0 "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" & ;;
  esac
  SERVER_PID=$!
  wait_listening "$2"
}

TICK_US=$((1000000 / $(getconf CLK_TCK)))
RESULTS="$WORK/results.tsv"
: > "$RESULTS"

run_cell() { # $1 server, $2 workload, $3 connections
  local server=$1 workload=$2 conns=$3 port url script=()
  port=$(free_port)
  start_server "$server" "$port"
  case $workload in
    ranges)   url="http://127.0.0.1:$port/stream/abc"; script=(-s "$WORK/ranges.lua") ;;
    segments) url="http://127.0.0.1:$port/hls/abc/360p/seg_00000.ts"; script=(-s "$WORK/segments.lua") ;;
    playlist) url="http://127.0.0.1:$port/hls/abc/360p/playlist.m3u8" ;;
    paced)    url="http://127.0.0.1:$port/hls/abc/360p/seg_00000.ts"; script=(-s "$WORK/paced.lua") ;;
  esac
  local threads=1 secs=$DUR warm=("${script[@]}")
  if [ "$workload" = paced ]; then secs=$PACED_SECONDS; warm=(-s "$WORK/segments.lua"); fi
  taskset -c 1 wrk -t1 -c "$conns" -d 1s "${warm[@]}" "$url" > /dev/null 2>&1 || true
  local before after out m_before m_after
  before=$(cpu_ticks "$SERVER_PID"); m_before=$(machine_ticks)
  out=$(taskset -c 1 wrk -t"$threads" -c "$conns" -d "${secs}s" --timeout 10s --latency "${script[@]}" "$url" 2>&1)
  after=$(cpu_ticks "$SERVER_PID"); m_after=$(machine_ticks)
  local rss_kb; rss_kb=$(awk '/VmHWM/ { print $2 }' "/proc/$SERVER_PID/status")
  stop_server
  local reqs rps tps mean p50 p99 sockerr non2xx
  reqs=$(echo "$out" | awk '/requests in/ { print $1 }')
  mean=$(to_ms "$(echo "$out" | awk '$1 == "Latency" && $2 ~ /^[0-9]/ { print $2; exit }')")
  rps=$(echo "$out" | awk '/Requests\/sec/ { printf "%.0f", $2 }')
  tps=$(to_mb "$(echo "$out" | awk '/Transfer\/sec/ { print $2 }')")
  p50=$(to_ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")
  p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
  sockerr=$(echo "$out" | awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }')
  non2xx=$(echo "$out" | awk '/Non-2xx/ { print $5 }')
  local errors=$(( ${sockerr:-0} + ${non2xx:-0} ))
  local cpu_us; cpu_us=$(awk -v t=$(( (after - before) * TICK_US )) -v r="${reqs:-0}" 'BEGIN { if (r > 0) printf "%.1f", t / r; else print "n/a" }')
  local machine_us; machine_us=$(awk -v t=$(( (m_after - m_before) * TICK_US )) -v r="${reqs:-0}" 'BEGIN { if (r > 0) printf "%.1f", t / r; else print "n/a" }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$conns" "$server" "$rps" "$tps" "$p50" "$p99" "$errors" "$((rss_kb / 1024))" "$cpu_us" "$machine_us" "$mean" >> "$RESULTS"
  printf '%-9s %5s %-12s %8s req/s %8s MB/s mean %8s ms p50 %8s ms p99 %8s ms err %5s rss %4s MB cpu %8s us/req machine %8s us/req\n' \
    "$workload" "$conns" "$server" "$rps" "$tps" "$mean" "$p50" "$p99" "$errors" "$((rss_kb / 1024))" "$cpu_us" "$machine_us" >&2
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores shared with other work: expect noise)" >&2
for workload in "${WORKLOADS[@]}"; do
  cells=("${CONNS[@]}")
  [ "$workload" = paced ] && cells=("$PACED_CONNS")
  for conns in "${cells[@]}"; do
    for _ in $(seq 1 "$REPEAT"); do
      for server in playtube nginx; do
        run_cell "$server" "$workload" "$conns"
      done
      if [ "$workload" = playlist ]; then
        for server in playtube+log nginx+log; do
          run_cell "$server" "$workload" "$conns"
        done
      fi
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# --- the table: best run per server and cell, playtube and nginx side by side, ratios playtube/nginx
awk -F'\t' '{ k = $1 SUBSEP $2 SUBSEP $3; score = ($1 == "paced") ? -$12 : $4 + 0
              if (!(k in best) || score > bestscore[k]) { best[k] = $0; bestscore[k] = score }
              if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
            END { for (i = 1; i <= n; i++) print best[order[i]] }' "$RESULTS" > "$RESULTS.best"
awk -F'\t' '
  BEGIN {
    print "| workload | conns | server | req/s | MB/s | mean ms | p50 ms | p99 ms | errors | peak RSS MB | server CPU us/req | machine CPU us/req |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|"
  }
  {
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $12, $6, $7, $8, $9, $10, $11
    lg = ($3 ~ /\+log$/) ? "+log" : ""
    key = $1 SUBSEP $2 SUBSEP lg
    if ($3 ~ /^playtube/) { p[key] = $0 } else {
      split(p[key], a, "\t")
      rr = ($4 > 0) ? sprintf("%.2f", a[4] / $4) : "n/a"
      cr = ($10 > 0) ? sprintf("%.2f", a[10] / $10) : "n/a"
      mr = ($11 > 0) ? sprintf("%.2f", a[11] / $11) : "n/a"
      lr = ($7 > 0) ? sprintf("%.2f", a[7] / $7) : "n/a"
      mn = ($12 > 0) ? sprintf("%.2f", a[12] / $12) : "n/a"
      printf "| | | **playtube%s/nginx%s** | **%s** | | **%s** | | **%s** | | | **%s** | **%s** |\n", lg, lg, rr, mn, lr, cr, mr
    }
  }' "$RESULTS.best"
