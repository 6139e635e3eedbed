#!/usr/bin/env bash
# darkmap-cli mosaic under mpirun: on a simulated 1.5° field (simulate's
# lognormal map, mock-catalog's galaxies around holes), 2 ranks sharing the
# catalogue's rows (half each) and 16 tiles (8 and 8) write the one-process
# mosaic bit for bit (the files equal but for their DATE cards: the tiles'
# sums, added across ranks in another order, round to the same floats
# here), for KS and for the Wiener filter with samples (STD, SIGNIF); so do
# 3 ranks and one.  Failures end every rank within the
# timeout with the command's exit status and one message from rank 0: a bad
# --method on every rank, an unreadable catalogue on rank 1 only (at setup),
# and an MMGAN model of another grid on rank 1 only (at its tiles, while
# rank 0 has finished its own).  Skipped (77) without MPI or mpirun.
# Usage: test-cli-mosaic-mpi.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR MPI_BUILT
set -u
cli=$1 data=$2 tmp=$3/cli-mosaic-mpi-$$ mpi_built=$4 mpi_seconds=60
. "$(dirname "$0")/mpi-test-lib.sh"
. "$(dirname "$0")/cli-test-lib.sh"
theory=$data/theory/ktng_cl_theory.csv
tiles=(--tile-deg 0.5 --overlap-deg 0.1)

# The files with their creation dates blanked.
same_mosaic() {
  local a b
  a=$(perl -0777 -pe "s/DATE    = '[^']*'/DATE    = ''/g" "$1" | sha256sum)
  b=$(perl -0777 -pe "s/DATE    = '[^']*'/DATE    = ''/g" "$2" | sha256sum)
  [ "$a" = "$b" ] || fail "$2 is not the one-process mosaic $1"
}

expect 0 "" "Wrote" -- "$cli" simulate --theory "$theory" --size 90 --pixel-arcmin 1 \
  --center 40,-8 --seed 3 --out "$tmp/truth.fits"
expect 0 "" "Wrote" -- "$cli" mock-catalog --kappa "$tmp/truth.fits" --density 10 --holes 3 \
  --hole-arcmin 0,0 --seed 2 --out "$tmp/field.fits"
field=(--catalog "$tmp/field.fits" "${tiles[@]}")

expect 0 "" "Mosaic of 16 tiles (0 without galaxies) of 42 × 42 pixels: 120 × 120 pixels" -- \
  "$cli" mosaic "${field[@]}" --out "$tmp/ks-1.fits"
for n in 1 2 3; do
  expect 0 "" "Mosaic of 16 tiles (0 without galaxies) of 42 × 42 pixels: 120 × 120 pixels" -- \
    mpi $n "$cli" mosaic "${field[@]}" --out "$tmp/ks-$n-ranks.fits"
  [ "$(grep -c "^Wrote" "$tmp/stderr")" -eq 1 ] || fail "$n ranks: not one report from rank 0"
  same_mosaic "$tmp/ks-1.fits" "$tmp/ks-$n-ranks.fits"
done

wiener=(--method wiener --theory "$theory" --samples 2)
expect 0 "" "Wrote" -- "$cli" mosaic "${field[@]}" "${wiener[@]}" --out "$tmp/wiener-1.fits"
expect 0 "" "Wrote" -- mpi 2 "$cli" mosaic "${field[@]}" "${wiener[@]}" \
  --out "$tmp/wiener-2-ranks.fits"
same_mosaic "$tmp/wiener-1.fits" "$tmp/wiener-2-ranks.fits"
expect 0 "" "HDU 3 'SIGNIF'" -- "$cli" info "$tmp/wiener-2-ranks.fits"

expect 2 "$tmp/bad.fits" "^darkmap-cli mosaic: Option --method is ks, wiener" -- \
  mpi 2 "$cli" mosaic "${field[@]}" --method nonsense --out "$tmp/bad.fits"
[ "$(grep -c "darkmap-cli mosaic:" "$tmp/stderr")" -eq 1 ] || fail "bad method: not one message"
expect 1 "$tmp/bad.fits" "^darkmap-cli mosaic: Rank 1 of 2: .*$tmp/missing.fits" -- \
  mpi 1 "$cli" mosaic "${field[@]}" --out "$tmp/bad.fits" : \
  -np 1 "$cli" mosaic --catalog "$tmp/missing.fits" "${tiles[@]}" --out "$tmp/bad.fits"
# The shipped MMGAN model is made for 360² grids; rank 1 has tiles 9 to 16.
expect 2 "$tmp/bad.fits" "^darkmap-cli mosaic: Rank 1 of 2: Tile 9 (row 3, column 1): " -- \
  mpi 1 "$cli" mosaic "${field[@]}" --out "$tmp/bad.fits" : \
  -np 1 "$cli" mosaic "${field[@]}" --method mmgan \
  --model "$data/models/mmgan-cosmos.safetensors" --out "$tmp/bad.fits"
finish test-cli-mosaic-mpi
