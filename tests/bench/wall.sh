#!/usr/bin/env bash
# Wall benchmark beside its baseline, in one run on this machine: starts `vigil simulate`, then
#   1. baseline.sh decode on the 35 substreams (what a 6x6 wall shows),
#   2. vigil bench wall --layout 6x6 at 1920x1080 (ingest + upload + YUV shader + rasterization),
#   3. the same at 1x1 (everything but rasterization),
# printing one JSON object per line. SECONDS_PER_RUN (default 20).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=sub
. tests/bench/common.sh
"$baseline" decode "$secs" "${urls[@]}"
"$bin" bench wall --layout 6x6 --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --size 1920x1080 --json
"$bin" bench wall --layout 6x6 --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --size 1x1 --json
