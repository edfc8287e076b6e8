#!/usr/bin/env bash
# Playback benchmark beside its baseline, in one run on this machine:
#   1. `vigil bench playback`: a wall of 5 cameras (played from the preview track, as the app
#      does above 4) at 1x, 4x, 16x and -4x; each tile's picture time against the cursor;
#   2. a 2x2 wall (4 cameras, the 1080p recordings) at 1x and 4x;
#   3. the baseline: gst-launch-1.0 decoding every frame of the same segment files
#      (filesrc ! qtdemux ! h264parse ! avdec_h264 max-threads=1 ! fakesink, one branch per
#      file), main and preview apart: frames one core decodes a second, to set against the
#      frames a second each speed asks for (cameras x fps x speed).
# SECONDS_PER_SPEED (default 20). Prints one JSON object per line.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=./target/release/vigil
secs=${SECONDS_PER_SPEED:-20}
echo "{\"machine\": \"$(nproc) cores, $(uname -m)\", \"gstreamer\": \"$(gst-launch-1.0 --version | sed -n 's/.*version //p' | head -1)\"}"
out=$("$bin" bench playback --cameras 5 --speed=1,4,16,-4 --seconds "$secs" --keep --json)
echo "$out"
"$bin" bench playback --cameras 4 --speed=1,4 --seconds "$secs" --json
dir=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["kept_recordings"])' "$out")
tmp=$(mktemp -d -t vigil-playback.XXXXXX); trap 'rm -rf "$tmp" "$(dirname "$(dirname "$dir")")"' EXIT
for track in "$dir" "$dir~preview"; do
  # Three minutes of each: 25 fps main, 15 fps preview.
  files=$(find "$track/" -name '*.mp4' | sort | head -n 3)
  n=$(echo "$files" | wc -l)
  branches=""
  for f in $files; do branches="$branches filesrc location=$f ! qtdemux ! h264parse ! avdec_h264 max-threads=1 ! fakesink sync=false"; done
  /usr/bin/time -f '%U %S' -o "$tmp/time" gst-launch-1.0 -q $branches >/dev/null
  read -r u s < <(tail -n 1 "$tmp/time")
  case "$track" in *~preview) fps=15 ;; *) fps=25 ;; esac
  python3 -c "import json; cpu=$u+$s; frames=$n*60*$fps; print(json.dumps({'baseline': 'gst-launch decode of every frame, 1 thread per file', 'track': '$(basename "$track")', 'files': $n, 'frames': frames, 'cpu_seconds': round(cpu, 2), 'frames_per_core_s': round(frames / cpu, 1)}))"
done
