#!/usr/bin/env bash
# Render the HTML report in headless Chromium and save a screenshot to look at.
# Needs Debian's chromium package (apt-get install chromium); not run in CI.
#   bash benchmarks/screenshot_report.sh [orders file] [out folder]
set -euo pipefail
orders=${1:-../shared/data/online-retail-ii/online_retail_II_sample.parquet}
out=${2:-out}
mkdir -p "$out"
.venv/bin/shelfgraph report "$orders" -o "$out/report.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1100,3000 --screenshot="$out/report.png" "file://$(realpath "$out/report.html")"
echo "screenshot: $out/report.png"
