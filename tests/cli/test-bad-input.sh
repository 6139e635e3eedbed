#!/usr/bin/env bash
# The README's bad-input table, row by row: each kind of bad input given to
# darkmap-cli, the exit status and the message the user reads, no output
# left behind, and the same message quoted in README.md (so the table stays
# true).  Fixtures come from make-bad-inputs (hostile FITS and weights files)
# and from the shipped data.
# Usage: test-bad-input.sh DARKMAP_CLI MAKE_BAD_INPUTS SOURCE_DIR SCRATCH_DIR
set -u
cli=$(realpath "$1") make_bad_inputs=$(realpath "$2") source=$(realpath "$3")
tmp=$(realpath "$4")/bad-input-test-$$
. "$(dirname "$0")/cli-test-lib.sh"
readme=$source/README.md
catalog=$source/data/cosmos/cosmos_shear_schrabback2010.fits
mmgan=$source/data/models/mmgan-cosmos.safetensors
theory=$source/data/theory/ktng_cl_theory.csv

# row STATUS OUTFILE MESSAGE -- command...: expect, plus MESSAGE in the README.
row() {
  grep -qF -- "$3" "$readme" || fail "README.md does not quote the message '$3'"
  local status=$1 out=$2 message=$3
  shift 4
  expect "$status" "$out" "$(printf '%s' "$message" | sed 's/[][\\.*^$]/\\&/g')" -- "$@"
}

"$make_bad_inputs" "$tmp" || fail "make-bad-inputs could not write the fixtures"
cd "$tmp" || exit 1
: >empty.fits
echo "RA,DEC,E1,E2" >text.fits
head -c 10000 "$catalog" >truncated.fits
printf 'name,x,y\nA,1,2\n' >no-ra.csv
printf 'ell,cl\n10,1e-9\nx,3e-9\n' >bad-theory.csv
expect 0 "" "Wrote" -- "$cli" bin --catalog "$catalog" --size 64 --pixel-arcmin 2 --out shear.fits
expect 0 "" "Wrote" -- "$cli" ks --shear shear.fits --out kappa.fits

# Catalogues.
row 1 o.fits "Cannot open FITS file missing.fits" -- "$cli" bin --catalog missing.fits --out o.fits
row 1 o.fits "Not a FITS file, or a truncated one: empty.fits" -- \
  "$cli" bin --catalog empty.fits --out o.fits
row 1 o.fits "Not a FITS file, or a truncated one: text.fits" -- \
  "$cli" bin --catalog text.fits --out o.fits
row 1 o.fits "truncated.fits is truncated: HDU 2 promises 16684680 bytes of data" -- \
  "$cli" bin --catalog truncated.fits --out o.fits
row 1 o.fits "huge-naxis2.fits is truncated: HDU 2 promises 40000000000000 bytes" -- \
  "$cli" bin --catalog huge-naxis2.fits --out o.fits
row 1 o.fits "No column named 'NOPE' (asked for as e1)" -- \
  "$cli" bin --catalog "$catalog" --e1 NOPE --out o.fits
row 1 o.fits "has format 8A: a catalogue column must hold one number per row" -- \
  "$cli" bin --catalog text-column.fits --out o.fits
row 0 "" "skipped 2 rows with NaN/inf and 3 with weight <= 0" -- \
  "$cli" bin --catalog some-bad-rows.fits --size 8 --pixel-arcmin 1 --out some.fits
row 1 o.fits "all 3 rows were skipped, 3 with NaN/inf in RA, DEC, E1 or E2" -- \
  "$cli" bin --catalog all-bad-rows.fits --out o.fits
row 1 o.fits "The table in HDU 2 of no-rows.fits has no rows" -- \
  "$cli" bin --catalog no-rows.fits --out o.fits
row 1 o.fits "names a column (TTYPE1) with a value of more than 68 characters that is not a quoted string" -- \
  "$cli" bin --catalog dashes-column.fits --out o.fits

# Grids and outputs.
row 2 o.fits "Option --size needs an integer from 1 to 16384, not '1000000'" -- \
  "$cli" bin --catalog "$catalog" --size 1000000 --out o.fits
row 2 o.fits "Pixel scale -1 arcmin is out of range (0 to 600 arcmin)" -- \
  "$cli" bin --catalog "$catalog" --pixel-arcmin -1 --out o.fits
row 1 o.fits "None of the 417117 galaxies falls inside the 360 × 360 grid" -- \
  "$cli" bin --catalog "$catalog" --center 10,10 --out o.fits
row 1 "" "Cannot write no-such-folder/o.fits: No such file or directory" -- \
  "$cli" bin --catalog "$catalog" --size 8 --out no-such-folder/o.fits
row 2 "" "Unknown option" -- "$cli" bin --catalog "$catalog" --sizes 3 --out o.fits

# Maps, masks, theory and cluster tables.
row 1 k.fits "holds no image: its primary HDU is empty and no extension is an image" -- \
  "$cli" ks --shear "$catalog" --out k.fits
row 2 p.csv "the mask is 8 × 8 but the map is 64 × 64" -- \
  "$cli" pspec --map kappa.fits --mask mask-8x8.fits --out p.csv
row 1 p.csv "Cannot open no-theory.csv: No such file or directory" -- \
  "$cli" pspec --map kappa.fits --theory no-theory.csv --out p.csv
row 1 p.csv "row 2: ell = 'x' is not a positive number" -- \
  "$cli" pspec --map kappa.fits --theory bad-theory.csv --out p.csv
row 2 h.fits "HEALPix NSIDE must be a power of two from 1 to 536870912, not 1000." -- \
  "$cli" healpix --map kappa.fits --nside 1000 --out h.fits
row 1 m.fits "No RA column in the cluster table no-ra.csv" -- \
  "$cli" sample-mmgan --model "$mmgan" --catalog "$catalog" --samples 2 --clusters no-ra.csv \
  --significance-out s.csv --out m.fits

# Network weights.
row 1 m.fits "text.fits is not a valid safetensors file" -- \
  "$cli" sample-mmgan --model text.fits --shear shear.fits --out m.fits
row 1 m.fits "The header length 1048576 runs past the end of the file (71 bytes follow it)" -- \
  "$cli" sample-mmgan --model header-past-end.safetensors --shear shear.fits --out m.fits
row 1 m.fits "Tensor \"w\": data_offsets [0, 16] run past the end of the data (3 bytes)" -- \
  "$cli" sample-mmgan --model data-past-end.safetensors --shear shear.fits --out m.fits
row 1 m.fits "wrong-network.safetensors is not a Darkmap network" -- \
  "$cli" sample-mmgan --model wrong-network.safetensors --shear shear.fits --out m.fits
row 2 m.fits "The model was trained on 360 × 360 pixels of 0.29′; the shear is 64 × 64" -- \
  "$cli" sample-mmgan --model "$mmgan" --shear shear.fits --out m.fits
row 2 m.fits "Option --samples needs an integer from 1 to 2147483647, not '0'" -- \
  "$cli" sample-mmgan --model "$mmgan" --shear shear.fits --samples 0 --out m.fits
row 1 w.fits "A posterior of 1000000000 samples of 64 × 64 pixels would need 29.8 TiB" -- \
  "$cli" wiener --shear shear.fits --theory "$theory" --samples 1000000000 --out w.fits

finish test-bad-input
