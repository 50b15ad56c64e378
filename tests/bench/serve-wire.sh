#!/usr/bin/env bash
# What large responses cost on the wire, and how fairly 1000 connections are served: `playtube serve`
# (release build) against nginx (sendfile, tcp_nopush, worker_processes 1) on the same files, server on
# CPU 0 and wrk on CPU 1, like serve.sh. Two runs per server and cell, each on a freshly started server
# warmed for 1 s:
#
# 1. counts: wrk stops issuing requests after REQUESTS (default 3000) have been sent; with its sockets
#    still open, `ss -tin` gives every connection's counters, both ends, since it opened (this run
#    only): divided by the responses sent (the server's bytes_sent / body size) that is the
#    server's TCP segments per response (and how many carried data), the segments it received, the
#    client's segments out (its ACKs: the receiving side's work), the time the server was held back by
#    the client's window (rwnd_limited), and the MSS the connections settled on. Zero-window
#    advertisements have no per-socket counter: they come from `nstat -asz` (before/after, history
#    untouched), which counts the whole machine, so other traffic adds to them (the IP bytes per
#    response, against the body size, show how much).
# 2. fairness: wrk runs SECONDS (default 15, longer than wrk's 10 s timeout) with --latency, and `ss -tin`
#    samples the server side of every connection each second. Printed: p50/p99/max latency and
#    timeouts (as wrk sees them: they include the client's own delays in reading), the spread of
#    responses per connection by the last sample (2 s before the end) (bytes_acked / body: min, 1st percentile, median,
#    max, connections served nothing), and the server's own share: the longest time a request that
#    had reached the server waited for the first byte of its response (lastrcv < lastsnd), and how
#    many connections had a request wait 1 s or more.
#
# Usage: tests/bench/serve-wire.sh [SECONDS] (default 15). Env: CELLS (default "segments:1000
# ranges:1000"), REQUESTS, BIN (a playtube binary; default: build target/release/playtube), SERVERS
# (default "playtube nginx"; a `name=/path/to/binary` entry runs another playtube build under that
# name), PHASES (default "counts fairness"). Needs wrk, nginx, ss, nstat, taskset. Works in a temp dir removed at the end; stops only the
# processes it started, by PID.
set -euo pipefail

DUR="${1:-15}"
REQUESTS="${REQUESTS:-3000}"
CELLS="${CELLS:-segments:1000 ranges:1000}"
SERVERS="${SERVERS:-playtube nginx}"
PHASES="${PHASES:-counts fairness}"
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
NGINX="${NGINX:-/usr/sbin/nginx}"
for tool in wrk ss nstat taskset; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (wrk: apt-get install wrk; ss/nstat: iproute2)" >&2; exit 2; }
done
[ -x "$NGINX" ] || { echo "$NGINX is not installed (apt-get install nginx)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" || true
[ "$(ulimit -n)" -ge 4096 ] || { echo "ulimit -n is $(ulimit -n); need >= 4096 for 1000 connections" >&2; exit 2; }
if [ -z "${BIN:-}" ]; then (cd "$REPO" && cargo build --release -q); BIN="$REPO/target/release/playtube"; fi

WORK="$(mktemp -d /tmp/playtube-wire.XXXXXX)"
SERVER_PID=""; WRK_PID=""
cleanup() {
  for p in $WRK_PID $SERVER_PID; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# --- the files (serve-common.sh: a 40 MiB MP4 and 20 segments of 1.6 MB; nginx sees hard links)
source "$HERE/serve-common.sh"
bench_files

# wrk scripts; with LIMIT > 0 the thread stops issuing requests after LIMIT and says so on stderr.
wrk_script() { # $1 workload, $2 limit
  cat <<LUA
local limit, sent, i = $2, 0, 0
local function counted()
  sent = sent + 1
  if sent == limit then io.stderr:write("limit reached\n"); io.stderr:flush(); wrk.thread:stop() end
end
LUA
  case $1 in
    ranges) cat <<'LUA'
math.randomseed(42)
request = function()
  counted()
  local s = math.random(0, 41943040 - 1048576)
  return wrk.format("GET", "/stream/abc", { ["Range"] = "bytes=" .. s .. "-" .. (s + 1048575) })
end
LUA
    ;;
    segments) cat <<LUA
request = function()
  counted()
  i = (i + 1) % $SEGS
  return wrk.format("GET", string.format("/hls/abc/360p/seg_%05d.ts", i))
end
LUA
    ;;
  esac
}
body_bytes() { case $1 in ranges) echo 1048576 ;; segments) echo 1600000 ;; esac; }

start_server() { # $1 server entry, $2 port
  case $1 in
    nginx)
      nginx_conf "$2" off
      taskset -c 0 "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" & ;;
    *=*)
      taskset -c 0 "${1#*=}" serve --root "$ROOT" --addr "127.0.0.1:$2" --workers 1 --access-log false -q & ;;
    *)
      taskset -c 0 "$BIN" serve --root "$ROOT" --addr "127.0.0.1:$2" --workers 1 --access-log false -q & ;;
  esac
  SERVER_PID=$!
  wait_listening "$2"
}
counters() { nstat -asz | awk 'NR > 1 { print $1, $2 }'; }
# The server side of every established connection to $1.
server_sockets() { ss -tinHO state established "( sport = :$1 )"; }

counts_run() { # $1 server, $2 workload, $3 conns -> one line of per-response counts
  local server=$1 workload=$2 conns=$3 port
  port=$(free_port)
  start_server "$server" "$port"
  wrk_script "$workload" 0 > "$WORK/warm.lua"
  wrk_script "$workload" "$REQUESTS" > "$WORK/limit.lua"
  taskset -c 1 wrk -t1 -c "$conns" -d 1s -s "$WORK/warm.lua" "http://127.0.0.1:$port/" > /dev/null 2>&1 || true
  counters > "$WORK/before"
  taskset -c 1 wrk -t1 -c "$conns" -d 600s --timeout 10s -s "$WORK/limit.lua" "http://127.0.0.1:$port/" \
    > "$WORK/wrk.out" 2> "$WORK/wrk.err" &
  WRK_PID=$!
  until grep -q 'limit reached' "$WORK/wrk.err" 2>/dev/null; do
    sleep 0.2
    kill -0 "$WRK_PID" 2>/dev/null || break
  done
  # wrk has stopped issuing requests but keeps its sockets: both ends of every connection, with the
  # kernel's per-socket counters since the connection opened (this run only, no other traffic).
  ss -tinHO state established "( sport = :$port or dport = :$port )" > "$WORK/ss" || true
  counters > "$WORK/after"
  kill -INT "$WRK_PID" 2>/dev/null || true
  wait "$WRK_PID" || true; WRK_PID=""
  stop_server
  local done_reqs
  done_reqs=$(awk '/requests in/ { print $1 }' "$WORK/wrk.out")
  awk -v port="$port" -v r="${done_reqs:-0}" -v err="$(tr '\n' ' ' < "$WORK/wrk.err")" -v body="$(body_bytes "$workload")" -v label="$workload x$conns ${server%%=*}" '
    function field(name,   m) { return match($0, name ":[0-9]+") ? substr($0, RSTART + length(name) + 1, RLENGTH - length(name) - 1) + 0 : 0 }
    FILENAME ~ /before$/ { before[$1] = $2; next }
    FILENAME ~ /after$/ { d[$1] = $2 - before[$1]; next }
    $3 ~ ":" port "$" { ns++; sent += field("bytes_sent"); s_segs += field("segs_out"); s_data += field("data_segs_out")
                        rwnd += field("rwnd_limited"); busy += field("busy"); mss[field("mss")]++; next }
    { c_segs += field("segs_out") }
    END {
      resp = sent / body
      if (resp == 0) { printf "%-26s no server sockets sampled (wrk: %s)\n", label, err; exit }
      top = ""; for (k = 0; k < 2; k++) { best = -1; for (m in mss) if (mss[m] > best && !(m in shown)) { best = mss[m]; bm = m }
        if (best > 0) { shown[bm] = 1; top = top (k ? ", " : "") bm " x" best } }
      printf "%-26s %5d done, %7.1f sent | per response, this run'"'"'s sockets: server segments %5.1f (with data %5.1f), client segments out %5.1f, window-limited %3.0f%% of busy time | MSS %s | system-wide nstat per response: zero-window %4.1f, IP bytes %.2f x body\n",
        label, r, resp, s_segs / resp, s_data / resp, c_segs / resp, (busy ? 100 * rwnd / busy : 0), top,
        d["TcpExtTCPToZeroWindowAdv"] / resp, d["IpExtOutOctets"] / resp / body
    }' "$WORK/before" "$WORK/after" "$WORK/ss"
}

fairness_run() { # $1 server, $2 workload, $3 conns -> one line of latency and per-connection spread
  local server=$1 workload=$2 conns=$3 port
  port=$(free_port)
  start_server "$server" "$port"
  wrk_script "$workload" 0 > "$WORK/run.lua"
  taskset -c 1 wrk -t1 -c "$conns" -d 1s -s "$WORK/run.lua" "http://127.0.0.1:$port/" > /dev/null 2>&1 || true
  taskset -c 1 wrk -t1 -c "$conns" -d "${DUR}s" --timeout 10s --latency -s "$WORK/run.lua" "http://127.0.0.1:$port/" \
    > "$WORK/wrk.out" 2>&1 &
  WRK_PID=$!
  # Every second, the server side of every connection. A request that has reached the server and got
  # no byte of its response yet shows as data received after the last data sent (lastrcv < lastsnd):
  # lastrcv is then how long that request has waited in the server, whatever the client does.
  local t; rm -f "$WORK"/ss.*
  local start; start=$(date +%s.%N)
  for t in $(seq 1 $((DUR - 2))); do
    sleep "$(awk -v s="$start" -v t="$t" -v now="$(date +%s.%N)" 'BEGIN { d = s + t - now; print (d > 0 ? d : 0) }')"
    server_sockets "$port" > "$WORK/ss.$t" || true
  done
  wait "$WRK_PID" || true; WRK_PID=""
  stop_server
  local out; out=$(cat "$WORK/wrk.out")
  local reqs p50 p99 max timeouts waits
  reqs=$(echo "$out" | awk '/requests in/ { print $1 }')
  p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
  max=$(echo "$out" | awk '/Latency/ && !/Distribution/ { print $4 }')
  timeouts=$(echo "$out" | awk '/Socket errors/ { gsub(",", ""); print $NF }')
  waits=$(cat "$WORK"/ss.* | awk '
    function f(name) { return match($0, name ":[0-9]+") ? substr($0, RSTART + length(name) + 1, RLENGTH - length(name) - 1) + 0 : -1 }
    { rcv = f("lastrcv"); snd = f("lastsnd")
      if (rcv >= 0 && snd >= 0 && rcv < snd) { if (rcv > worst) worst = rcv; if (rcv >= 1000) long[$4] = 1 } }
    END { n = 0; for (c in long) n++; printf "longest %d ms, connections waiting >= 1 s: %d", worst, n }')
  # Responses served per connection by the last sample: bytes the client acknowledged / body size (a
  # connection that has received nothing shows no bytes_acked).
  awk -v body="$(body_bytes "$workload")" '
    { n = 0; if (match($0, /bytes_acked:[0-9]+/)) n = int(substr($0, RSTART + 12, RLENGTH - 12) / body); print n }' "$WORK/ss.$((DUR - 2))" \
    | sort -n > "$WORK/per-conn"
  awk -v label="$workload x$conns ${server%%=*}" -v reqs="$reqs" -v p50="$p50" -v p99="$p99" -v max="$max" -v to="${timeouts:-0}" -v waits="$waits" '
    { v[NR] = $1; if ($1 == 0) zero++ }
    END {
      n = NR; if (n == 0) { printf "%-28s no connections sampled\n", label; exit }
      printf "%-28s %6s responses | latency p50 %8s p99 %8s max %8s | timeouts %s | responses per connection (%d conns, %d s in): min %d p1 %d median %d max %d, served nothing %d | requests waiting in the server (sampled each second): %s\n",
        label, reqs, p50, p99, max, to, n, '"$((DUR - 2))"', v[1], v[int(n * 0.01) + 1], v[int(n / 2) + 1], v[n], zero + 0, waits
    }' "$WORK/per-conn"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for phase in $PHASES; do
  for cell in $CELLS; do
    for server in $SERVERS; do "${phase}_run" "$server" "${cell%%:*}" "${cell##*:}"; done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
