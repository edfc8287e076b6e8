#!/usr/bin/env bash
# Live-ingest benchmark beside its baseline, in one run on this machine:
#   1. starts `vigil simulate` (35 cameras) on a free port,
#   2. runs shared/bench/baseline.sh decode (gst-launch-1.0, avdec max-threads=1) on the same streams,
#   3. runs `vigil bench live` full decode, then keyframe-only,
# and prints one JSON object per line. SECONDS_PER_RUN (default 20), PROFILE (default sub).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${PROFILE:-sub}
. tests/bench/common.sh
echo "{\"machine\": \"$(nproc) cores, $(uname -m)\", \"gstreamer\": \"$(gst-launch-1.0 --version | sed -n 's/.*version //p' | head -1)\", \"streams\": ${#urls[@]}, \"profile\": \"$profile\"}"
"$baseline" decode "$secs" "${urls[@]}"
"$bin" bench live --cameras "${#urls[@]}" --profile "$profile" --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --json
"$bin" bench live --cameras "${#urls[@]}" --profile "$profile" --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --mode keyframe --json
