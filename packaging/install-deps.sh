#!/usr/bin/env bash
# Installs the Debian 12 system packages Vigil needs to build, run and test.
# Idempotent: when every package is already present it only runs dpkg-query (well under a second).
set -euo pipefail

PKGS=(
  # build: gstreamer-rs -sys crates link against these
  pkg-config libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libgstrtspserver-1.0-dev
  # runtime plugins: rtspsrc, depayloaders, parsers, x264enc, avdec_*, mp4/matroska muxers
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-rtsp gstreamer1.0-x
  # the alarm sound: autoaudiosink's outputs (PulseAudio/PipeWire desktops, bare ALSA)
  gstreamer1.0-pulseaudio gstreamer1.0-alsa
  # GUI: X11/Wayland client libs for winit, software Vulkan (lavapipe) and a display for tests
  libxkbcommon-x11-0 libxkbcommon-dev libx11-xcb1 libxcursor1 libxrandr2 libxi6 libwayland-client0
  libvulkan1 mesa-vulkan-drivers libgl1-mesa-dri libegl1 xvfb xauth
  # tests and benchmarks: probing exported files, CPU time of the baseline, screenshots
  ffmpeg time imagemagick procps python3 xdotool
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "vigil: installing system packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
