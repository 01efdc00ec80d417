#!/usr/bin/env bash
# Copy the pinned front-end libraries from node_modules/ into static/vendor/ (committed), so
# the app never fetches scripts from a CDN at run time. Run through `make vendor` after
# changing package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
dest=static/vendor
rm -rf "$dest"
mkdir -p "$dest"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx.min.js"
cp node_modules/htmx-ext-ws/dist/ws.min.js "$dest/htmx-ext-ws.min.js"
cp node_modules/chart.js/dist/chart.umd.min.js "$dest/chart.umd.min.js"
for pkg in htmx.org htmx-ext-ws chart.js; do
  version=$(node -p "require('./node_modules/$pkg/package.json').version")
  license=$(node -p "require('./node_modules/$pkg/package.json').license || 'see LICENSE'")
  echo "$pkg $version ($license)"
done > "$dest/VERSIONS.txt"
cat "$dest/VERSIONS.txt"
