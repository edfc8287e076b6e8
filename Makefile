# Vigil — the two commands of the quick start are `make run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
DATA_DIR ?=

.PHONY: run test lint deps build bench-live bench-motion bench-wall bench-record bench-scrub bench-playback clean-clips

# Install missing system packages (quick when all are there), build release, start the demo town.
run: deps
	$(CARGO) build --release
	./target/release/vigil $(if $(DATA_DIR),--data-dir $(DATA_DIR)) demo

# The whole suite: formatting and lints, unit, integration (real simulator) and end-to-end tests
# (Xvfb window).
test: deps lint
	$(CARGO) build --release --locked
	mkdir -p -m 700 $${XDG_RUNTIME_DIR:=/tmp/vigil-xdg-$$(id -u)} && XDG_RUNTIME_DIR=$$XDG_RUNTIME_DIR \
	  $(CARGO) test --release --locked -- --test-threads=2
	./tests/e2e/demo_window.sh

deps:
	@./packaging/install-deps.sh

# The rules the linter carries (clippy.toml: named threads, bounded channels) and the house format.
lint:
	@$(CARGO) fmt --version >/dev/null 2>&1 && $(CARGO) clippy --version >/dev/null 2>&1 || rustup component add rustfmt clippy
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --release --locked -- -D warnings

build: deps
	$(CARGO) build --release

# Live-ingest benchmark beside the plain-GStreamer baseline, in one run (docs/benchmarks.md).
bench-live: deps build
	./tests/bench/live.sh

# Picture analysis for alarms (35 substreams, 5 fps) beside a gst-launch decode of the same streams.
bench-motion: deps build
	./tests/bench/motion.sh

# Recording benchmark (35 main streams, 60 s) beside the gst-launch splitmuxsink baseline, in one run.
bench-record: deps build
	./tests/bench/record.sh

# Scrub benchmark (walls of 4/9/16/35 cameras dragged) beside a gst-launch decode of the same clip.
bench-scrub: deps build
	./tests/bench/scrub.sh

# Playback benchmark (drift from the cursor at 1x, 4x, 16x, -4x) beside a gst-launch decode of the same files.
bench-playback: deps build
	./tests/bench/playback.sh

# Wall benchmark (offscreen render) beside the pure-decode baseline, in one run.
bench-wall: deps build
	./tests/bench/wall.sh

clean-clips:
	rm -rf "$${VIGIL_DATA_DIR:-$$HOME/.local/share/vigil}/sim-clips"
