#!/usr/bin/env bash
# End-to-end: `vigil demo` in a real window under Xvfb (software Vulkan), against its in-process
# simulator. Passes when every camera reports live and a screenshot of the window shows content.
# Prints a closing line "e2e: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=./target/release/vigil
out=target/e2e; mkdir -p "$out"
data=${VIGIL_E2E_DATA:-target/e2e-data}   # keeps the simulator's clip cache between runs
export XDG_RUNTIME_DIR=$(mktemp -d); chmod 700 "$XDG_RUNTIME_DIR"
passed=0; failed=0
fail() { echo "e2e FAIL: $*" >&2; failed=$((failed+1)); }

display=""
for n in $(seq 90 120); do
  [ -e /tmp/.X11-unix/X$n ] || [ -e /tmp/.X$n-lock ] || { display=":$n"; break; }
done
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
xvfb=$!
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { kill "$app" "$xvfb" 2>/dev/null; wait 2>/dev/null; rm -rf "$XDG_RUNTIME_DIR"; }
trap cleanup EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done

DISPLAY=$display VIGIL_LOG=info "$bin" --data-dir "$data" demo --port "$port" >"$out/demo.log" 2>&1 &
app=$!
# First run encodes the clips (about a minute on 2 cores); then all 35 cameras must go live.
if timeout 300 bash -c "until grep -q 'all cameras live' '$out/demo.log'; do kill -0 $app 2>/dev/null || exit 1; sleep 0.5; done"; then
  passed=$((passed+1))
  grep -o 'all cameras live.*' "$out/demo.log" | sed 's/\x1b\[[0-9;]*m//g'
else
  fail "not every camera went live; see $out/demo.log"; tail -20 "$out/demo.log" >&2
fi

# The list is complete once every camera has a measured frame rate (stats refresh each second).
timeout 30 bash -c "until grep -q 'all cameras streaming' '$out/demo.log'; do sleep 0.5; done" \
  || fail "frame rates never appeared for every camera"
if kill -0 "$app" 2>/dev/null; then
  DISPLAY=$display import -window root "$out/demo.png"
  # A real window with content: far from a uniform (black) screen.
  sd=$(convert "$out/demo.png" -colorspace Gray -format '%[fx:standard_deviation]' info:)
  if python3 -c "import sys; sys.exit(0 if float('$sd') > 0.02 else 1)"; then
    passed=$((passed+1)); echo "screenshot $out/demo.png (grey stddev $sd)"
  else
    fail "the window looks empty (grey stddev $sd)"
  fi
else
  fail "vigil demo exited early"; tail -20 "$out/demo.log" >&2
fi
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
