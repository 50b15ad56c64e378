# Sourced by serve.sh, serve-origin.sh and serve-wire.sh: the files every serve benchmark measures
# and the helpers they share. Expects WORK (the run's temp dir) to be set; defines SEGS and, through
# the functions below, ROOT and DOCROOT. Nothing here starts a process.

SEGS=20

# The files: a 40 MiB MP4 (random 1 MiB ranges) and SEGS HLS segments of 1.6 MB with their playlist,
# under ROOT=$WORK/assets in playtube's layout; DOCROOT=$WORK/docroot holds hard links of the same
# inodes in nginx's URL layout. Both start with a warm page cache.
bench_files() {
  ROOT="$WORK/assets"; DOCROOT="$WORK/docroot"
  mkdir -p "$ROOT/abc/hls/360p" "$DOCROOT/stream" "$DOCROOT/hls/abc/360p"
  head -c $((40 * 1024 * 1024)) /dev/urandom > "$ROOT/abc/stream.mp4"
  local i seg
  {
    printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n'
    for i in $(seq 0 $((SEGS - 1))); do
      seg=$(printf 'seg_%05d.ts' "$i")
      head -c 1600000 /dev/urandom > "$ROOT/abc/hls/360p/$seg"
      printf '#EXTINF:6.000000,\n%s\n' "$seg"
    done
    printf '#EXT-X-ENDLIST\n'
  } > "$ROOT/abc/hls/360p/playlist.m3u8"
  ln "$ROOT/abc/stream.mp4" "$DOCROOT/stream/abc"
  for seg in "$ROOT"/abc/hls/360p/*; do ln "$seg" "$DOCROOT/hls/abc/360p/$(basename "$seg")"; done
  cat "$ROOT"/abc/stream.mp4 "$ROOT"/abc/hls/360p/* > /dev/null
}

# wrk scripts in $WORK: ranges.lua (random 1 MiB ranges of the MP4, seeded) and segments.lua (the
# segments round robin).
wrk_scripts() {
  cat > "$WORK/ranges.lua" <<'LUA'
local size, chunk = 41943040, 1048576
math.randomseed(42)
request = function()
  local s = math.random(0, size - chunk)
  return wrk.format("GET", "/stream/abc", { ["Range"] = "bytes=" .. s .. "-" .. (s + chunk - 1) })
end
LUA
  cat > "$WORK/segments.lua" <<LUA
local n, i = $SEGS, 0
request = function()
  i = (i + 1) % n
  return wrk.format("GET", string.format("/hls/abc/360p/seg_%05d.ts", i))
end
LUA
}

# nginx's config in $WORK/nginx.conf: one worker serving DOCROOT on 127.0.0.1:$1 with sendfile,
# tcp_nopush and tcp_nodelay; $2 is the access_log setting ("off" or a path with its options).
nginx_conf() {
  cat > "$WORK/nginx.conf" <<NG
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log $2;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    client_body_temp_path $WORK/nx_body; proxy_temp_path $WORK/nx_proxy; fastcgi_temp_path $WORK/nx_fcgi;
    uwsgi_temp_path $WORK/nx_uwsgi; scgi_temp_path $WORK/nx_scgi;
    types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; video/mp4 mp4; }
    default_type video/mp4;
    server {
        listen 127.0.0.1:$1 backlog=4096;
        root $DOCROOT;
        etag on;
    }
}
NG
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Wait up to 10 s for something to listen on 127.0.0.1:$1.
wait_listening() {
  for _ in $(seq 1 500); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.02
  done
  echo "server on port $1 did not start" >&2; return 1
}

stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# CPU ticks (user + system) of process $1.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Busy ticks of all cores: user + nice + system + irq + softirq + steal.
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# wrk's figures come as 1.23ms / 456.78us / 1.20s and 12.3MB / 456KB: convert to ms and MB.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
to_mb() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /GB$/) n *= 1024; else if (v ~ /KB$/) n /= 1024; else if (v ~ /MB$/) n = n; else n /= 1048576; printf "%.1f", n }'; }
