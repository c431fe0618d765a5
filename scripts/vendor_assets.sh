#!/usr/bin/env bash
# Re-create static/vendor/: the front-end files the maps need, from the npm registry,
# at the exact version folium 0.20 references, so the app works with no internet.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
(cd "$tmp" && npm pack leaflet@1.9.3 --silent >/dev/null && tar xzf leaflet-1.9.3.tgz)
dest=static/vendor/leaflet-1.9.3
rm -rf "$dest" && mkdir -p "$dest/images"
cp "$tmp/package/dist/leaflet.js" "$tmp/package/dist/leaflet.css" "$tmp/package/LICENSE" "$dest/"
cp "$tmp/package/dist/images/"*.png "$dest/images/"
rm -rf "$tmp"
echo "vendored Leaflet 1.9.3 into $dest"
