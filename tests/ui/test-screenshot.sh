#!/usr/bin/env bash
# darkmap --screenshot FILE writes a PNG of the window on the demo field.
#   test-screenshot.sh DARKMAP OUT_DIR
set -euo pipefail
darkmap=$1
out=$2/ui-screenshot.png
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "no display: skipped"
  exit 77
fi
rm -f "$out"
"$darkmap" --screenshot "$out"
[ -f "$out" ] || { echo "no screenshot written" >&2; exit 1; }
signature=$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')
[ "$signature" = 89504e470d0a1a0a ] || { echo "not a PNG: $signature" >&2; exit 1; }
size=$(stat -c %s "$out")
[ "$size" -gt 10240 ] || { echo "screenshot only $size bytes" >&2; exit 1; }
echo "screenshot $out: $size bytes"
