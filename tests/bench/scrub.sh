#!/usr/bin/env bash
# Scrub benchmark beside its baseline, in one run on this machine:
#   1. `vigil bench scrub`: the playback engine dragged over walls of 4, 9, 16 and 35 cameras of
#      1080p recordings (10 minutes made from the simulator's clip), a GOP further at each of 60
#      requests a second; tiles show keyframes;
#   2. the baseline: gst-launch-1.0 decoding the keyframes of the same recording files
#      (filesrc ! qtdemux ! h264parse ! identity drop-buffer-flags=delta-unit ! avdec_h264
#      max-threads=1 ! fakesink, one branch per segment file): keyframes one core decodes a second.
# Prints one JSON object per line.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=./target/release/vigil
echo "{\"machine\": \"$(nproc) cores, $(uname -m)\", \"gstreamer\": \"$(gst-launch-1.0 --version | sed -n 's/.*version //p' | head -1)\"}"
out=$("$bin" bench scrub --keep --json)
echo "$out"
dir=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["kept_recordings"])' "$out")
tmp=$(mktemp -d -t vigil-scrub.XXXXXX); trap 'rm -rf "$tmp" "$(dirname "$(dirname "$dir")")"' EXIT
files=$(find "$dir" -name '*.mp4' | sort)
branches=""
for f in $files; do branches="$branches filesrc location=$f ! qtdemux ! h264parse ! identity drop-buffer-flags=delta-unit ! avdec_h264 max-threads=1 ! fakesink sync=false"; done
/usr/bin/time -f '%U %S' -o "$tmp/time" gst-launch-1.0 -q $branches >/dev/null
read -r u s < <(tail -n 1 "$tmp/time")
# 2 s GOPs: a keyframe per 50 frames of 25 fps.
keyframes=$(( $(echo "$files" | wc -l) * 30 ))
python3 -c "import json; cpu=$u+$s; print(json.dumps({'baseline': 'gst-launch keyframe-only decode of the same files, 1 thread per file', 'files': $(echo "$files" | wc -l), 'keyframes': $keyframes, 'cpu_seconds': round(cpu, 2), 'keyframes_per_core_s': round($keyframes / cpu, 1)}))"
