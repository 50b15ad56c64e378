#!/usr/bin/env bash
# Build the image and try it: `serve` answers /health (and the image's HEALTHCHECK says healthy), runs
# as the non-root user, and `prepare` makes an asset from a fixture inside the container.
# Usage (from the repository root): bash .container/smoke.sh [podman|docker]
# With podman on a host whose hard limits are below podman's defaults, set
# PODMAN_RUN_OPTS="--ulimit nofile=1024:1024 --ulimit nproc=1000:1000" (and PODMAN_GLOBAL="--runtime runc"
# where crun refuses a hybrid cgroup hierarchy). PLAYTUBE_BINARY picks a prebuilt binary instead of
# compiling in the image's build stage.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-podman}
global=(${PODMAN_GLOBAL:-})
opts=(${PODMAN_RUN_OPTS:-})
tag=localhost/playtube:smoke
build=(-f .container/Dockerfile -t "$tag")
[ "$engine" = podman ] && build+=(--format docker)
if [ -n "${PLAYTUBE_BINARY:-}" ]; then build+=(--target prebuilt --build-arg "BINARY=$PLAYTUBE_BINARY"); fi
"$engine" "${global[@]}" build "${opts[@]}" "${build[@]}" .

work=$(mktemp -d)
name=playtube-smoke-$$
trap '"$engine" "${global[@]}" rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cp fixtures/landscape.mp4 "$work/"
chmod 777 "$work"
"$engine" "${global[@]}" run --rm "${opts[@]}" -v "$work:/media" "$tag" prepare /media/landscape.mp4 -o /media/assets --quiet
test -s "$work/assets/landscape/stream.mp4" && test -s "$work/assets/landscape/hls/master.m3u8"
echo "prepare in the container: ok"

"$engine" "${global[@]}" run -d --name "$name" "${opts[@]}" -p 127.0.0.1::8090 -v "$work/assets:/srv/playtube:ro" "$tag" >/dev/null
port=$("$engine" "${global[@]}" port "$name" 8090 | sed 's/.*://')
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$port/health"; echo
curl -fsS -r 0-99 -o /dev/null -w "range: %{http_code} %{size_download} bytes\n" "http://127.0.0.1:$port/stream/landscape"
"$engine" "${global[@]}" healthcheck run "$name" && echo "HEALTHCHECK: healthy"
test "$("$engine" "${global[@]}" exec "$name" id -u)" = 10001 && echo "runs as uid 10001 (playtube)"
"$engine" "${global[@]}" image inspect "$tag" --format 'image size: {{.Size}} bytes'
