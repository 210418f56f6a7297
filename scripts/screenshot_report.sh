#!/bin/sh
# Regenerate docs/report-screenshot.png: the report of the synthetic council (Leeds 2018-2025,
# seed 1) as headless Chromium shows it, offline. Usage: sh scripts/screenshot_report.sh
set -e
out=$(mktemp -d)
.venv/bin/sufficiency demo --out "$out" > /dev/null 2>&1
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --user-data-dir="$out/profile" --proxy-server=127.0.0.1:9 --hide-scrollbars \
  --window-size=1100,2400 --screenshot="$PWD/docs/report-screenshot.png" "file://$out/report.html" 2> /dev/null
echo "docs/report-screenshot.png from $out/report.html"
