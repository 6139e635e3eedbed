#!/usr/bin/env bash
# darkmap-cli mosaic on the COSMOS catalogue: 9 tiles of 0.5° cores with
# 0.1° margins at 0.5' pixels stitched into one 180² TAN map with COUNTS;
# --projection car makes a CAR mosaic of the same tiles; the Wiener
# filter's mosaic with two samples per tile has STD and SIGNIF;
# the options a mosaic sizes itself, a missing prior or model, a model of
# another grid (named with the tile) and a bad overlap are refused with
# their messages, leaving no file.  A simulated field:
# simulate's 1.5° lognormal map, mock-catalog's galaxies over it around
# holes, and its mosaic.
# Usage: test-cli-mosaic.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR
set -u
cli=$1 data=$2 tmp=$3/cli-mosaic-$$
. "$(dirname "$0")/cli-test-lib.sh"
catalog=$data/cosmos/cosmos_shear_schrabback2010.fits
theory=$data/theory/ktng_cl_theory.csv
tiles=(--tile-deg 0.5 --overlap-deg 0.1 --pixel-arcmin 0.5)

expect 0 "" "Mosaic of 9 tiles (0 without galaxies) of 84 × 84 pixels: 180 × 180 pixels" -- \
  "$cli" mosaic --catalog "$catalog" "${tiles[@]}" --out "$tmp/ks.fits"
grep -q "Read 417117 galaxies" "$tmp/stderr" || fail "mosaic: no catalogue summary"
expect 0 "" "HDU 2 'COUNTS': image 180 x 180" -- "$cli" info "$tmp/ks.fits"
grep -q "RA---TAN / DEC--TAN" "$tmp/stdout" || fail "mosaic: no TAN WCS"
grep -q "'STD'" "$tmp/stdout" && fail "mosaic: a KS mosaic with a STD"

# COSMOS (Dec 2) is 1.4° across: the CAR grid of its 1.4° × 1.4° box needs the same tiles.
expect 0 "" "Mosaic of 9 tiles (0 without galaxies) of 84 × 84 pixels: 180 × 180 pixels" -- \
  "$cli" mosaic --catalog "$catalog" "${tiles[@]}" --projection car --out "$tmp/car.fits"
expect 0 "" "HDU 2 'COUNTS': image 180 x 180" -- "$cli" info "$tmp/car.fits"
grep -q "RA---CAR / DEC--CAR" "$tmp/stdout" || fail "mosaic --projection car: no CAR WCS"

expect 0 "" "Wrote" -- "$cli" mosaic --catalog "$catalog" "${tiles[@]}" --method wiener \
  --theory "$theory" --samples 2 --out "$tmp/wiener.fits"
expect 0 "" "HDU 3 'SIGNIF'" -- "$cli" info "$tmp/wiener.fits"
grep -q "HDU 2 'STD'" "$tmp/stdout" || fail "wiener mosaic: no STD"

expect 2 "$tmp/bad.fits" "Option --size does not apply to a mosaic" -- \
  "$cli" mosaic --catalog "$catalog" --size 64 --out "$tmp/bad.fits"
expect 2 "$tmp/bad.fits" "Option --theory is required" -- \
  "$cli" mosaic --catalog "$catalog" --method wiener --out "$tmp/bad.fits"
expect 2 "$tmp/bad.fits" "Option --model is required" -- \
  "$cli" mosaic --catalog "$catalog" --method mmgan --out "$tmp/bad.fits"
# The shipped MMGAN model is made for 360² grids, not the tiles' 84².
expect 2 "$tmp/bad.fits" "^darkmap-cli mosaic: Tile 1 (row 1, column 1): " -- \
  "$cli" mosaic --catalog "$catalog" "${tiles[@]}" --method mmgan \
  --model "$data/models/mmgan-cosmos.safetensors" --out "$tmp/bad.fits"
expect 2 "$tmp/bad.fits" "Tile overlap 0.4° is out of range: from 0 to half the tile size" -- \
  "$cli" mosaic --catalog "$catalog" --tile-deg 0.5 --overlap-deg 0.4 --out "$tmp/bad.fits"
expect 0 "" "Wrote" -- "$cli" simulate --theory "$theory" --size 90 --pixel-arcmin 1 \
  --center 40,-8 --seed 3 --out "$tmp/truth.fits"
expect 0 "" "Drew 81000 galaxies over 90 × 90 pixels (7 holes," -- "$cli" mock-catalog \
  --kappa "$tmp/truth.fits" --density 10 --holes 3 --hole-arcmin 0,0 --seed 2 \
  --out "$tmp/field.fits"
expect 0 "" "Mosaic of 4 tiles (0 without galaxies) of 70 × 70 pixels: 100 × 100 pixels" -- \
  "$cli" mosaic --catalog "$tmp/field.fits" --tile-deg 0.8333333 --overlap-deg 0.1666667 \
  --out "$tmp/field-ks.fits"
expect 2 "$tmp/bad.fits" "Option --hole-arcmin needs MIN,MAX in arcmin, not '3'" -- \
  "$cli" mock-catalog --kappa "$tmp/truth.fits" --hole-arcmin 3 --out "$tmp/bad.fits"
finish test-cli-mosaic
