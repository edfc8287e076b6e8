#!/usr/bin/env bash
# Live-ingest benchmark beside its baseline, in one run on this machine:
#   1. starts `vigil simulate` (35 cameras) on a free port,
#   2. runs shared/bench/baseline.sh decode (gst-launch-1.0, avdec max-threads=1) on the same streams,
#   3. runs `vigil bench live` full decode, then keyframe-only,
# and prints one JSON object per line. SECONDS_PER_RUN (default 20), PROFILE (default sub).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=./target/release/vigil
secs=${SECONDS_PER_RUN:-20}
profile=${PROFILE:-sub}
baseline=${BASELINE:-../shared/bench/baseline.sh}
data=${VIGIL_BENCH_DATA:-target/bench-data}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
"$bin" --data-dir "$data" simulate --port "$port" --control-port 0 >"$log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait 2>/dev/null; rm -f "$log"' EXIT
timeout 300 bash -c "until grep -q '^ready' '$log'; do kill -0 $sim || exit 1; sleep 0.5; done"
mapfile -t urls < <("$bin" simulate --list --json --port "$port" | python3 -c "
import json, sys
for c in json.load(sys.stdin)['cameras']: print(c['$profile'])")
echo "{\"machine\": \"$(nproc) cores, $(uname -m)\", \"gstreamer\": \"$(gst-launch-1.0 --version | sed -n 's/.*version //p' | head -1)\", \"streams\": ${#urls[@]}, \"profile\": \"$profile\"}"
"$baseline" decode "$secs" "${urls[@]}"
"$bin" bench live --cameras "${#urls[@]}" --profile "$profile" --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --json
"$bin" bench live --cameras "${#urls[@]}" --profile "$profile" --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --mode keyframe --json
