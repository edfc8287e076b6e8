#!/usr/bin/env bash
# Wall benchmark beside its baseline, in one run on this machine: starts `vigil simulate`, then
#   1. baseline.sh decode on the 35 substreams (what a 6x6 wall shows),
#   2. vigil bench wall --layout 6x6 at 1920x1080 (ingest + upload + YUV shader + rasterization),
#   3. the same at 1x1 (everything but rasterization),
# printing one JSON object per line. SECONDS_PER_RUN (default 20).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=./target/release/vigil
secs=${SECONDS_PER_RUN:-20}
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
for c in json.load(sys.stdin)['cameras']: print(c['sub'])")
"$baseline" decode "$secs" "${urls[@]}"
"$bin" bench wall --layout 6x6 --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --size 1920x1080 --json
"$bin" bench wall --layout 6x6 --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --size 1x1 --json
