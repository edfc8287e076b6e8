#!/usr/bin/env bash
# End-to-end: `vigil demo --layout 6x6` in a real window under Xvfb (software Vulkan), against its
# in-process simulator. Checks that every camera goes live, and that in two screenshots a second
# apart every tile of the wall shows non-uniform content that changes between them.
# Prints a closing line "e2e: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=./target/release/vigil
out=target/e2e; mkdir -p "$out"
data=${VIGIL_E2E_DATA:-target/e2e-data}   # keeps the simulator's clip cache between runs
export XDG_RUNTIME_DIR=$(mktemp -d); chmod 700 "$XDG_RUNTIME_DIR"
passed=0; failed=0
pass() { echo "e2e ok: $*"; passed=$((passed+1)); }
fail() { echo "e2e FAIL: $*" >&2; failed=$((failed+1)); }

display=""
for n in $(seq 90 120); do
  [ -e /tmp/.X11-unix/X$n ] || [ -e /tmp/.X$n-lock ] || { display=":$n"; break; }
done
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
xvfb=$!
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
app=""
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; kill "$xvfb" 2>/dev/null; wait 2>/dev/null; rm -rf "$XDG_RUNTIME_DIR"; }
trap cleanup EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done

snapshots=$(mktemp -d)
DISPLAY=$display VIGIL_LOG=info,vigil::app=debug VIGIL_SNAPSHOT_DIR="$snapshots" "$bin" --data-dir "$data" demo --port "$port" --layout 6x6 --no-events >"$out/demo.log" 2>&1 &
app=$!
clean_log() { sed 's/\x1b\[[0-9;]*m//g' "$out/demo.log"; }
# First run encodes the clips (about a minute on 2 cores); then all 35 cameras must go live.
if timeout 300 bash -c "until grep -q 'all cameras live' '$out/demo.log'; do kill -0 $app 2>/dev/null || exit 1; sleep 0.5; done"; then
  pass "$(clean_log | grep -o 'all cameras live.*')"
else
  fail "not every camera went live; see $out/demo.log"; tail -20 "$out/demo.log" >&2
fi
# Every tile has a measured frame rate (stats refresh each second).
timeout 30 bash -c "until grep -q 'all cameras streaming' '$out/demo.log'; do sleep 0.5; done" \
  || fail "frame rates never appeared for every camera"

if kill -0 "$app" 2>/dev/null; then
  DISPLAY=$display import -window root "$out/wall-1.png"
  sleep 1   # the check is that the picture changes over a second of wall-clock time
  DISPLAY=$display import -window root "$out/wall-2.png"
  cp "$out/wall-2.png" "$out/demo.png"
  tiles=$(clean_log | grep 'wall tiles' | tail -1 | sed -n 's/.*tiles=\(.*\) wall tiles.*/\1/p; s/.*tiles=\([^ ]*\( [0-9]*:[^ ]*\)*\).*/\1/p' | head -1)
  count=$(wc -w <<<"$tiles")
  if [ "$count" -ne 36 ]; then
    fail "expected 36 tiles in the 6x6 layout, the log says $count: $tiles"
  else
    bad_uniform=0; bad_still=0; checked=0
    for t in $tiles; do
      idx=${t%%:*}; geom=${t#*:}
      [ "$idx" -ge 35 ] && continue   # tile 36 of 6x6 is empty: 35 cameras
      # The picture without the name (top) and state (bottom) labels.
      IFS='x+' read -r w h x y <<<"$geom"
      geom="${w}x$((h - 44))+${x}+$((y + 22))"
      checked=$((checked+1))
      sd=$(convert "$out/wall-2.png" -crop "$geom" +repage -colorspace Gray -format '%[fx:standard_deviation]' info:)
      diff=$(convert "$out/wall-1.png" "$out/wall-2.png" -crop "$geom" +repage -compose difference -composite -colorspace Gray -format '%[fx:mean]' info:)
      python3 -c "import sys; sys.exit(0 if float('$sd') > 0.01 else 1)" || { bad_uniform=$((bad_uniform+1)); echo "tile $idx looks uniform (stddev $sd)" >&2; }
      python3 -c "import sys; sys.exit(0 if float('${diff:-0}') > 0.0005 else 1)" || { bad_still=$((bad_still+1)); echo "tile $idx did not change (mean difference ${diff:-?})" >&2; }
    done
    [ "$bad_uniform" -eq 0 ] && pass "$checked tiles show non-uniform pictures" || fail "$bad_uniform tiles look uniform"
    [ "$bad_still" -eq 0 ] && pass "$checked tiles changed within a second" || fail "$bad_still tiles did not change"
  fi
  # Snapshot: click the first tile, press S; a PNG of the decoded frame (not the tile) appears.
  if [ -n "${tiles:-}" ]; then
    first=${tiles%% *}; IFS='x+' read -r w h x y <<<"${first#*:}"
    # No window manager under Xvfb: give the window the keyboard focus explicitly. X input is
    # asynchronous, so each step waits for the app to log that it took effect (retrying the key).
    win=$(DISPLAY=$display xdotool search --name Vigil | head -1)
    DISPLAY=$display xdotool mousemove $((x + w / 2)) $((y + h / 2)) click 1
    timeout 10 bash -c "until grep -q 'tile selected' '$out/demo.log'; do sleep 0.2; done" || fail "the click did not select a tile"
    for attempt in 1 2 3; do
      DISPLAY=$display xdotool windowfocus --sync "$win" key --window "$win" s
      timeout 5 bash -c "until grep -q 'snapshot requested' '$out/demo.log'; do sleep 0.2; done" && break
    done
    if timeout 20 bash -c "until ls '$snapshots'/*.png >/dev/null 2>&1; do sleep 0.2; done"; then
      png=$(ls "$snapshots"/*.png | head -1)
      dims=$(identify -format '%wx%h' "$png")
      case "$dims" in
        640x360|1920x1080) pass "snapshot $(basename "$png") is $dims, the decoded frame's size" ;;
        *) fail "snapshot $png is $dims, not a decoded frame's size" ;;
      esac
    else
      fail "no snapshot appeared in $snapshots"
    fi
  fi
  # Recording: with no `vigil record` on its data dir, the GUI records every camera itself.
  rec_ok() {
    "$bin" --data-dir "$data/demo" record --status --json 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
n = sum(c['recording'] for c in d['cameras'])
print(n, 'of', len(d['cameras']), 'recording, recorder pid', d['recorder_pid'])
sys.exit(0 if d['recorder_pid'] == $app and n == len(d['cameras']) == 35 else 1)"
  }
  if timeout 60 bash -c "$(declare -f rec_ok); bin=$bin data=$data app=$app; until rec_ok >/dev/null; do sleep 1; done"; then
    pass "the GUI records: $(rec_ok)"
    DISPLAY=$display import -window root "$out/recording.png"
  else
    fail "the GUI is not recording all 35 cameras: $(rec_ok)"
  fi
else
  fail "vigil demo exited early"; tail -20 "$out/demo.log" >&2
fi
rm -rf "$snapshots"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
