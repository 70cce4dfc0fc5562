#!/usr/bin/env bash
# Regenerates the app icons in resources/ from resources/icon.svg (resources/icon-small.svg, a simpler
# drawing without the dots, for 16 and 24 px). The generated files are committed; run this after
# changing either SVG:
#   resources/icons/NxN.png  Linux icon set (electron-builder's linux.icon), N = 16 … 1024
#   resources/icon.png       1024 px, the default icon
#   resources/icon.ico       Windows, 16 … 256 px (256 stored as PNG)
#   resources/icon.icns      macOS, 16 … 1024 px
# Needs rsvg-convert and icotool (Debian: apt-get install librsvg2-bin icoutils) and Node.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in rsvg-convert icotool node; do
  if ! command -v "$tool" >/dev/null; then
    echo "icons.sh: $tool is missing (Debian: apt-get install librsvg2-bin icoutils)" >&2
    exit 1
  fi
done

out=resources
sizes=(16 24 32 48 64 128 256 512 1024)
mkdir -p "$out/icons"
for size in "${sizes[@]}"; do
  source="$out/icon.svg"
  [ "$size" -le 24 ] && source="$out/icon-small.svg"
  rsvg-convert --width "$size" --height "$size" --format png --output "$out/icons/${size}x${size}.png" "$source"
done
cp "$out/icons/1024x1024.png" "$out/icon.png"

png() { printf "$out/icons/%sx%s.png " "$1" "$1"; }
# Windows: BMP entries up to 48 px (what old shell code reads best), PNG-compressed ones above.
# shellcheck disable=SC2046 # one path per size, no spaces
icotool --create --output "$out/icon.ico" $(png 16) $(png 24) $(png 32) $(png 48) \
  --raw="$out/icons/64x64.png" --raw="$out/icons/128x128.png" --raw="$out/icons/256x256.png"
# macOS: PNG elements for 16 … 512 pt at 1x and 2x, as iconutil writes them.
node scripts/lib/icns.mjs "$out/icon.icns" "$out/icons"

echo "icons written to $out/: icon.png, icon.ico, icon.icns, icons/{$(IFS=,; echo "${sizes[*]}")}.png"
