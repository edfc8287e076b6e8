#!/usr/bin/env bash
# Live-ingest benchmark beside its baseline, in one run on this machine:
#   1. starts `vigil simulate` (35 cameras) on a free port,
#   2. runs shared/bench/baseline.sh decode (gst-launch-1.0, avdec max-threads=1) on the same streams,
#   3. runs the receive-only floor: the same gst-launch branches without a decoder
#      (rtspsrc ! depay ! parse ! fakesink), what any keyframe-only mode costs at least,
#   4. runs `vigil bench live` full decode, then keyframe-only,
# and prints one JSON object per line; each line also gives the simulator's own CPU during that
# run ("simulator_cpu_seconds", from /proc). SECONDS_PER_RUN (default 20), PROFILE (default sub).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${PROFILE:-sub}
. tests/bench/common.sh
codec=${CODEC:-h264}
sim_ticks() { awk '{print $14 + $15}' "/proc/$sim/stat"; }
# Runs a command that prints one JSON object and adds the simulator's CPU seconds during it.
with_sim_cpu() {
  local t0 out t1
  t0=$(sim_ticks)
  out=$("$@")
  t1=$(sim_ticks)
  python3 -c "import json, sys; o = json.loads(sys.argv[1]); o['simulator_cpu_seconds'] = round(($t1 - $t0) / $(getconf CLK_TCK), 2); print(json.dumps(o))" "$out"
}
receive_only() {
  local tmp p="" u
  tmp=$(mktemp)
  for u in "${urls[@]}"; do
    p="$p rtspsrc location=$u latency=200 protocols=tcp ! rtp${codec}depay ! ${codec}parse ! fakesink sync=false"
  done
  /usr/bin/time -f '%U %S %M' -o "$tmp" timeout -s INT "$secs" gst-launch-1.0 -q -e $p >/dev/null 2>&1 || true
  read -r u s m < <(tail -n 1 "$tmp")
  rm -f "$tmp"
  echo "{\"mode\": \"receive-only\", \"streams\": ${#urls[@]}, \"seconds\": $secs, \"cpu_seconds\": $(python3 -c "print(round($u + $s, 2))"), \"max_rss_mb\": $(python3 -c "print(round($m / 1024, 1))")}"
}
echo "{\"machine\": \"$(nproc) cores, $(uname -m)\", \"gstreamer\": \"$(gst-launch-1.0 --version | sed -n 's/.*version //p' | head -1)\", \"streams\": ${#urls[@]}, \"profile\": \"$profile\"}"
with_sim_cpu "$baseline" decode "$secs" "${urls[@]}"
with_sim_cpu receive_only
with_sim_cpu "$bin" bench live --cameras "${#urls[@]}" --profile "$profile" --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --json
with_sim_cpu "$bin" bench live --cameras "${#urls[@]}" --profile "$profile" --seconds "$secs" --url-base "rtsp://127.0.0.1:$port" --mode keyframe --json
