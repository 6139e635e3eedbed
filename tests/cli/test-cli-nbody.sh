#!/usr/bin/env bash
# darkmap-cli simulate --field nbody on small grids: one map with its mock
# shear (noiseless and with a shear file's mask and noise), a cube of maps
# with its provenance cards, the same bytes for the same seed, a new seed
# new maps, the same simulation ray-traced, and refused options with their
# messages.
# Usage: test-cli-nbody.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR
set -u
cli=$1 data=$2 tmp=$3/cli-nbody-$$
. "$(dirname "$0")/cli-test-lib.sh"
nz=$data/cosmos/cosmos_nz.csv
catalog=$data/cosmos/cosmos_shear_schrabback2010.fits
small="--box 200 --mesh 16 --particles 8 --steps 3"

# one map: kappa and mock shear (2 HDUs without noise)
expect 0 "" "Wrote" -- "$cli" simulate --field nbody --nz "$nz" $small --size 16 \
  --pixel-arcmin 4 --out "$tmp/one.fits"
grep -q "29 lens planes" "$tmp/stderr" || fail "one map: no '29 lens planes' in $(cat "$tmp/stderr")"
"$cli" info "$tmp/one.fits" >"$tmp/info" 2>&1
grep -q "image 16 x 16, BITPIX -32" "$tmp/info" || fail "one.fits: not a 16 x 16 map: $(cat "$tmp/info")"
grep -q "SHEAR" "$tmp/info" || fail "one.fits has no SHEAR HDU"

# one map on a shear file's grid, with its mask and noise (4 HDUs)
expect 0 "" "Wrote" -- "$cli" bin --catalog "$catalog" --size 24 --pixel-arcmin 4 \
  --out "$tmp/shear.fits"
expect 0 "" "Wrote" -- "$cli" simulate --field nbody --nz "$nz" $small --shear "$tmp/shear.fits" \
  --seed 2 --out "$tmp/survey.fits" --out-shear "$tmp/mock-shear.fits"
"$cli" info "$tmp/survey.fits" >"$tmp/info" 2>&1
grep -q "MASK" "$tmp/info" || fail "survey.fits has no MASK HDU: $(cat "$tmp/info")"
head -c 5760 "$tmp/survey.fits" | grep -aq "NOISEMOD= 'gaussian" || fail "survey.fits: no NOISEMOD"

# a cube of 3 maps with its cards; the same seed gives the same maps
expect 0 "" "Wrote" -- "$cli" simulate --field nbody --nz "$nz" $small --size 16 \
  --pixel-arcmin 4 --maps 3 --seed 7 --cosmology 67.74,0.3089,0.0486,0.8159,0.9667 \
  --out "$tmp/cube.fits"
"$cli" info "$tmp/cube.fits" >"$tmp/info" 2>&1
grep -q "image 16 x 16 x 3, BITPIX -32" "$tmp/info" || fail "cube.fits: not 3 maps: $(cat "$tmp/info")"
header=$(head -c 5760 "$tmp/cube.fits")
for card in "FIELD   = 'nbody" "BOX     =                 200." "MESH    =                   16" \
  "NPART   =                    8" "STEPS   =                    3" "SEED    = '7" \
  "SKYSEED = '7" "OMEGAM  =               0.3089" "SIGMA8  =               0.8159" \
  "H0      =                67.74" "METHOD  = 'SIMULATE'"; do
  grep -aq "$card" <<<"$header" || fail "cube.fits has no card $card"
done
expect 0 "" "Wrote" -- "$cli" simulate --field nbody --nz "$nz" $small --size 16 \
  --pixel-arcmin 4 --maps 3 --seed 7 --cosmology 67.74,0.3089,0.0486,0.8159,0.9667 \
  --out "$tmp/again.fits"
# the data follow the header's two 2880-byte blocks
cmp -s <(tail -c +5761 "$tmp/cube.fits") <(tail -c +5761 "$tmp/again.fits") ||
  fail "the same seed gave other maps"
expect 0 "" "Wrote" -- "$cli" simulate --field nbody --nz "$nz" $small --size 16 \
  --pixel-arcmin 4 --maps 3 --seed 8 --out "$tmp/other.fits"
cmp -s <(tail -c +5761 "$tmp/cube.fits") <(tail -c +5761 "$tmp/other.fits") &&
  fail "another seed gave the same maps"

# ray-traced: other maps of the same simulation, the card says so
expect 0 "" "Wrote" -- "$cli" simulate --field nbody --nz "$nz" $small --size 16 \
  --pixel-arcmin 4 --maps 3 --seed 7 --cosmology 67.74,0.3089,0.0486,0.8159,0.9667 \
  --ray-trace --out "$tmp/traced.fits"
head -c 5760 "$tmp/traced.fits" | grep -aq "RAYTRACE=                    T" ||
  fail "traced.fits: no RAYTRACE = T"
grep -aq "RAYTRACE=                    F" <<<"$header" || fail "cube.fits: no RAYTRACE = F"
cmp -s <(tail -c +5761 "$tmp/cube.fits") <(tail -c +5761 "$tmp/traced.fits") &&
  fail "ray tracing gave the Born maps"

# refused, with exit status 2 (bad options)
expect 2 "$tmp/bad.fits" "Option --nz is required." -- "$cli" simulate \
  --field nbody $small --size 16 --pixel-arcmin 4 --out "$tmp/bad.fits"
expect 2 "$tmp/bad.fits" "Option --theory is for the gaussian and lognormal fields, not nbody." \
  -- "$cli" simulate --field nbody --nz "$nz" --theory "$nz" --size 16 --pixel-arcmin 4 \
  --out "$tmp/bad.fits"
expect 2 "$tmp/bad.fits" "Option --mesh is for --field nbody." -- "$cli" simulate \
  --theory "$data/theory/ktng_cl_theory.csv" --mesh 16 --size 16 --pixel-arcmin 4 \
  --out "$tmp/bad.fits"
expect 2 "$tmp/bad.fits" "Option --ray-trace is for --field nbody." -- "$cli" simulate \
  --theory "$data/theory/ktng_cl_theory.csv" --ray-trace --size 16 --pixel-arcmin 4 \
  --out "$tmp/bad.fits"
expect 2 "$tmp/bad.fits" "Several maps are written as a convergence cube alone" -- "$cli" \
  simulate --field nbody --nz "$nz" $small --size 16 --pixel-arcmin 4 --maps 2 \
  --out "$tmp/bad.fits" --out-shear "$tmp/bad-shear.fits"
expect 2 "$tmp/bad.fits" "Option --cosmology needs H0,OMEGA_M,OMEGA_B,SIGMA8,N_S, not '70,0.3'." \
  -- "$cli" simulate --field nbody --nz "$nz" --cosmology 70,0.3 --size 16 --pixel-arcmin 4 \
  --out "$tmp/bad.fits"
expect 2 "$tmp/bad.fits" "Option --field is 'gaussian', 'lognormal' or 'nbody', not 'pm'." \
  -- "$cli" simulate --field pm --nz "$nz" --size 16 --pixel-arcmin 4 --out "$tmp/bad.fits"
finish test-cli-nbody
