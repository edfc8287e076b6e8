#!/usr/bin/env bash
# Scrub benchmark beside its baseline, in one run on this machine:
#   1. `vigil bench scrub`: the playback engine dragged over walls of 4, 9, 16 and 35 cameras of
#      recordings made from the simulator's clips (10 minutes of 1080p main stream and of the
#      640x360 preview track per camera), a GOP further at each of 60 requests a second;
#   2. the same without preview tracks (`--no-previews`: every tile decodes 1080p keyframes);
#   3. the baseline: gst-launch-1.0 decoding only the keyframes of the same segment files
#      (filesrc ! qtdemux ! h264parse ! identity drop-buffer-flags=delta-unit ! avdec_h264
#      max-threads=1 ! fakesink, one branch per file), main and preview files apart: keyframes
#      one core decodes a second.
# Prints one JSON object per line.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=./target/release/vigil
echo "{\"machine\": \"$(nproc) cores, $(uname -m)\", \"gstreamer\": \"$(gst-launch-1.0 --version | sed -n 's/.*version //p' | head -1)\"}"
out=$("$bin" bench scrub --keep --json)
echo "$out"
"$bin" bench scrub --no-previews --walls 9,16,35 --json
dir=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["kept_recordings"])' "$out")
tmp=$(mktemp -d -t vigil-scrub.XXXXXX); trap 'rm -rf "$tmp" "$(dirname "$(dirname "$dir")")"' EXIT
for track in "$dir" "$dir~preview"; do
  files=$(find "$track/" -name '*.mp4' | sort)
  n=$(echo "$files" | wc -l)
  branches=""
  for f in $files; do branches="$branches filesrc location=$f ! qtdemux ! h264parse ! identity drop-buffer-flags=delta-unit ! avdec_h264 max-threads=1 ! fakesink sync=false"; done
  /usr/bin/time -f '%U %S' -o "$tmp/time" gst-launch-1.0 -q $branches >/dev/null
  read -r u s < <(tail -n 1 "$tmp/time")
  # 60 s segments of 2 s GOPs: 30 keyframes a file.
  python3 -c "import json; cpu=$u+$s; print(json.dumps({'baseline': 'gst-launch keyframe-only decode, 1 thread per file', 'track': '$(basename "$track")', 'files': $n, 'keyframes': $n * 30, 'cpu_seconds': round(cpu, 2), 'keyframes_per_core_s': round($n * 30 / cpu, 1)}))"
done
