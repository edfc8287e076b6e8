# Shared by the bench scripts: starts `vigil simulate` on a free port and fills `urls` with one
# profile's stream URLs. Source it after setting `profile` (main|sub).
bin=./target/release/vigil
secs=${SECONDS_PER_RUN:-20}
baseline=${BASELINE:-../shared/bench/baseline.sh}
data=${VIGIL_BENCH_DATA:-target/bench-data}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
"$bin" --data-dir "$data" simulate --port "$port" --control-port 0 --scene "${SCENE:-day}" >"$log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait 2>/dev/null; rm -f "$log"' EXIT
timeout 300 bash -c "until grep -q '^ready' '$log'; do kill -0 $sim || exit 1; sleep 0.5; done"
mapfile -t urls < <("$bin" simulate --list --json --port "$port" | python3 -c "
import json, sys
for c in json.load(sys.stdin)['cameras']: print(c['$profile'])")
