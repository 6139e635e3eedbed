#!/usr/bin/env bash
# darkmap-cli healpix and mosaic --healpix on the COSMOS field: the KS map
# on HEALPix pixels of the default NSIDE (16384: 0.21' under 0.29' pixels),
# masked by the galaxy counts; a coarser NESTED one and back on the grid
# (--from); the mosaic's; a bad NSIDE refused, leaving no file.  Then, with healpy, astropy and scipy,
# check-healpix.py checks the files against them: the pixel centres on the
# grid, the values against an independent interpolation and average, and
# healpy's own reader; and check-healpix-from.py projects healpy's full-sky
# maps and compares each pixel with healpy's.
# Usage: test-cli-healpix.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR
set -u
cli=$1 data=$2 tmp=$3/cli-healpix-$$
. "$(dirname "$0")/cli-test-lib.sh"
catalog=$data/cosmos/cosmos_shear_schrabback2010.fits

expect 0 "" "Wrote" -- "$cli" bin --catalog "$catalog" --size 360 --pixel-arcmin 0.29 \
  --out "$tmp/shear.fits"
expect 0 "" "Wrote" -- "$cli" ks --shear "$tmp/shear.fits" --smooth-pixels 2 --out "$tmp/ks.fits"
expect 0 "" "HEALPix pixels of NSIDE 16384 (0.215 arcmin, RING)" -- \
  "$cli" healpix --map "$tmp/ks.fits" --coverage "$tmp/shear.fits" --coverage-ext COUNTS \
  --out "$tmp/ks-16384.fits"
expect 0 "" "HEALPix pixels of NSIDE 2048 (1.72 arcmin, NESTED)" -- \
  "$cli" healpix --map "$tmp/ks.fits" --nside 2048 --nest --out "$tmp/ks-2048.fits"
expect 0 "" "HDU 2 'HEALPIX': binary table" -- "$cli" info "$tmp/ks-2048.fits"
expect 2 "$tmp/bad.fits" "NSIDE must be a power of two from 1 to 536870912, not 1000" -- \
  "$cli" healpix --map "$tmp/ks.fits" --nside 1000 --out "$tmp/bad.fits"

# The reverse: the map's own HEALPix file back on its grid, with a MASK.
expect 0 "" "360 × 360 pixels, .* of them covered by" -- \
  "$cli" healpix --from "$tmp/ks-2048.fits" --like "$tmp/ks.fits" --out "$tmp/back.fits"
expect 0 "" "HDU 2 'MASK': image 360 x 360" -- "$cli" info "$tmp/back.fits"
expect 0 "" "f_sky 0.99" -- "$cli" pspec --map "$tmp/back.fits" --mask "$tmp/back.fits" \
  --bins 8 --log --out "$tmp/back-spectrum.csv"
expect 2 "$tmp/bad.fits" "Give --map (to HEALPix) or --from (from HEALPix), not both." -- \
  "$cli" healpix --from "$tmp/ks-2048.fits" --map "$tmp/ks.fits" --out "$tmp/bad.fits"
expect 1 "$tmp/bad.fits" "holds no HEALPix map" -- \
  "$cli" healpix --from "$tmp/ks.fits" --like "$tmp/ks.fits" --out "$tmp/bad.fits"
expect 1 "$tmp/bad.fits" "Cannot open FITS file" -- \
  "$cli" healpix --map "$tmp/missing.fits" --out "$tmp/bad.fits"

expect 0 "" "HEALPix pixels of NSIDE 8192 (0.429 arcmin, RING)" -- \
  "$cli" mosaic --catalog "$catalog" --tile-deg 0.5 --overlap-deg 0.1 --pixel-arcmin 0.5 \
  --smooth-pixels 2 --out "$tmp/mosaic.fits" --healpix "$tmp/mosaic-healpix.fits"
expect 2 "$tmp/bad.fits" "NSIDE must be a power of two" -- \
  "$cli" mosaic --catalog "$catalog" --tile-deg 0.5 --overlap-deg 0.1 --pixel-arcmin 0.5 \
  --out "$tmp/mosaic2.fits" --healpix "$tmp/bad.fits" --nside 3

if /usr/bin/python3 -c "import healpy, astropy, scipy" 2>/dev/null; then
  check="/usr/bin/python3 $(dirname "$0")/check-healpix.py"
  $check "$tmp/ks-16384.fits" "$tmp/ks.fits" "$tmp/shear.fits" || fail "ks-16384.fits"
  $check "$tmp/ks-2048.fits" "$tmp/ks.fits" || fail "ks-2048.fits"
  $check "$tmp/mosaic-healpix.fits" "$tmp/mosaic.fits" "$tmp/mosaic.fits" || fail "mosaic"
  /usr/bin/python3 "$(dirname "$0")/check-healpix-from.py" "$cli" "$tmp/ks.fits" "$tmp" ||
    fail "healpix --from against healpy"
else
  echo "healpy, astropy or scipy missing: the files were not checked against them"
fi
finish test-cli-healpix
