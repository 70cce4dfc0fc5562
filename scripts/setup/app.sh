#!/usr/bin/env bash
# Installs what the app needs on a fresh Debian or Ubuntu machine (Node.js 24 where the machine's is
# older, Chromium when there is no Electron binary, the npm packages) and runs it on its embedded
# server: `npm start`. Arguments are passed to npm start.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/setup/lib.sh

ensure_node
# Electron's binary downloads only where its host can be reached; the browser shell needs Chromium.
# Without it, npm start prints the app's address to open in any browser.
(require_tools chromium:chromium) || say "no Chromium: npm start will print the address to open in a browser"
say "npm packages"
npm install --no-audit --no-fund
say "the app (npm start)"
exec npm start -- "$@"
