#!/usr/bin/env bash
# Recording benchmark beside its baseline, in one run on this machine:
#   1. starts `vigil simulate` (35 cameras) on a free port,
#   2. runs shared/bench/baseline.sh remux (gst-launch-1.0: rtspsrc ! depay ! parse ! splitmuxsink) on
#      the same streams,
#   3. runs `vigil bench record` (the real recorder into a temp data dir),
# and prints one JSON object per line. SECONDS_PER_RUN (default 60), PROFILE (default main).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${PROFILE:-main}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-60}
. tests/bench/common.sh
echo "{\"machine\": \"$(nproc) cores, $(uname -m)\", \"gstreamer\": \"$(gst-launch-1.0 --version | sed -n 's/.*version //p' | head -1)\", \"streams\": ${#urls[@]}, \"profile\": \"$profile\"}"
"$baseline" remux "$secs" "${urls[@]}"
"$bin" bench record --cameras "${#urls[@]}" --profile "$profile" --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --json
