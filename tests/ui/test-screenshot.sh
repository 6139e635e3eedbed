#!/usr/bin/env bash
# darkmap --screenshot FILE writes a PNG of the window on the demo field,
# with --posterior and --layer one of a posterior of that field, and with
# --page one of another page.
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

# With a posterior of the same field (darkmap-cli wiener on the demo's 360²
# binning), on its Sample layer: a screenshot; on another grid: refused.
#   test-screenshot.sh DARKMAP OUT_DIR DARKMAP_CLI DATA_DIR
[ $# -ge 4 ] || exit 0
cli=$3
data=$4
"$cli" bin --catalog "$data/cosmos/cosmos_shear_schrabback2010.fits" --size 360 \
  --pixel-arcmin 0.29 --out "$2/ui-screenshot-shear.fits" 2>/dev/null
"$cli" wiener --shear "$2/ui-screenshot-shear.fits" --theory "$data/theory/ktng_cl_theory.csv" \
  --samples 4 --out "$2/ui-screenshot-wf.fits" 2>/dev/null
posterior_out=$2/ui-screenshot-posterior.png
rm -f "$posterior_out"
"$darkmap" --screenshot "$posterior_out" --posterior "$2/ui-screenshot-wf.fits" --layer sample
[ -f "$posterior_out" ] || { echo "no posterior screenshot written" >&2; exit 1; }
cmp -s "$out" "$posterior_out" && { echo "the posterior screenshot shows the KS map" >&2; exit 1; }
# --page: the Statistics page, once the samples' band is measured.
statistics_out=$2/ui-screenshot-statistics.png
rm -f "$statistics_out"
"$darkmap" --screenshot "$statistics_out" --posterior "$2/ui-screenshot-wf.fits" --page statistics
[ -f "$statistics_out" ] || { echo "no statistics screenshot written" >&2; exit 1; }
cmp -s "$posterior_out" "$statistics_out" && { echo "--page statistics shows the map" >&2; exit 1; }
"$cli" bin --catalog "$data/cosmos/cosmos_shear_schrabback2010.fits" --size 64 \
  --pixel-arcmin 2 --out "$2/ui-screenshot-shear64.fits" 2>/dev/null
"$cli" wiener --shear "$2/ui-screenshot-shear64.fits" --theory "$data/theory/ktng_cl_theory.csv" \
  --samples 2 --out "$2/ui-screenshot-wf64.fits" 2>/dev/null
if "$darkmap" --screenshot "$2/ui-screenshot-refused.png" --posterior "$2/ui-screenshot-wf64.fits" \
     2>"$2/ui-screenshot-refused.txt"; then
  echo "a posterior on another grid was shown" >&2; exit 1
fi
grep -q "64 × 64" "$2/ui-screenshot-refused.txt" || { echo "no grid message" >&2; exit 1; }
echo "posterior screenshot $posterior_out: $(stat -c %s "$posterior_out") bytes; other grid refused"
