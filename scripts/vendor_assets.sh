#!/usr/bin/env bash
# Re-create static/vendor/: the front-end files the maps need, so the app works with no internet.
# Only Leaflet is needed (GeoJSON layers, tooltips, HTML legend); folium's other defaults
# (jQuery, Bootstrap, Font Awesome, awesome-markers) are dropped by layers/assets.py.
# Leaflet comes from the npm registry at the exact version folium 0.20 references
# (folium/folium.py: cdn.jsdelivr.net/npm/leaflet@1.9.3); `npm pack` checks the tarball
# against the registry's integrity hash, and the checksums below pin the copied files.
# Streamlit serves <folder of app.py>/static/ at /app/static/ (server.enableStaticServing).
# Usage: bash scripts/vendor_assets.sh   (needs npm and access to registry.npmjs.org)
set -euo pipefail
cd "$(dirname "$0")/.."

LEAFLET_VERSION=1.9.3
dest=static/vendor/leaflet-$LEAFLET_VERSION
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack "leaflet@$LEAFLET_VERSION" --silent >/dev/null && tar xzf "leaflet-$LEAFLET_VERSION.tgz")
rm -rf "$dest" && mkdir -p "$dest/images"
cp "$tmp/package/dist/leaflet.js" "$tmp/package/dist/leaflet.css" "$tmp/package/LICENSE" "$dest/"
cp "$tmp/package/dist/images/"*.png "$dest/images/"

(cd "$dest" && sha256sum --check --strict --quiet) <<'EOF'
5819285cec137b229c94e1ee5ad73e8b6b84345a4367d60f75fe477fe0fb7b03  leaflet.js
90b693d86392a4779c861b28cf307e7e59c3fb35328c4d8b95f58f814d38c722  leaflet.css
97c194191510b19c72d25094922821a888d5d9bafb909ea7a38c9bf5b6c40a08  LICENSE
066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf  images/layers-2x.png
1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6  images/layers.png
00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528  images/marker-icon-2x.png
574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437  images/marker-icon.png
264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da  images/marker-shadow.png
EOF
echo "vendored Leaflet $LEAFLET_VERSION into $dest ($(du -sk "$dest" | cut -f1) KB); licences: static/vendor/LICENSES.md"
