#!/usr/bin/env bash
# Picture-analysis benchmark beside its baseline, in one run on this machine:
#   1. starts `vigil simulate` (35 cameras, quiet day streets; SCENE=night for the night ones),
#   2. runs shared/bench/baseline.sh decode (gst-launch-1.0) on the 35 substreams: what decoding
#      them costs at all, which a recorder-only process pays to analyse them,
#   3. runs `vigil bench motion` (decode + analysis at 5 fps; the analysis thread's CPU apart),
# and prints one JSON object per line. SECONDS_PER_RUN (default 20).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=sub
. tests/bench/common.sh
echo "{\"machine\": \"$(nproc) cores, $(uname -m)\", \"gstreamer\": \"$(gst-launch-1.0 --version | sed -n 's/.*version //p' | head -1)\", \"streams\": ${#urls[@]}, \"scene\": \"${SCENE:-day}\"}"
"$baseline" decode "$secs" "${urls[@]}"
"$bin" bench motion --cameras "${#urls[@]}" --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --json
