#!/usr/bin/env bash
# The learned priors and the mocks on N-body maps: a small cube from
# darkmap-cli simulate --field nbody trains train-score and train-mmgan
# (--maps), whose cards record the cube's SHA-256; a resume continues it and
# refuses the cube rewritten; eval-mock --truths scores the methods against
# its maps; too few tiles and another pixel scale are refused.
# Usage: test-cli-nbody-priors.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR
set -u
cli=$1 data=$2 tmp=$3/cli-nbody-priors-$$
. "$(dirname "$0")/cli-test-lib.sh"
nz=$data/cosmos/cosmos_nz.csv
theory=$data/theory/ktng_cl_theory.csv
catalog=$data/cosmos/cosmos_shear_schrabback2010.fits
sky="--field nbody --nz $nz --box 200 --mesh 16 --particles 8 --steps 3 --size 16 --pixel-arcmin 4"
net="--theory $theory --size 16 --validation-pool 1 --depth 2 --width 4"
score="$net --pixel-arcmin 4 --pool 2"
mmgan="--theory $theory --catalog $catalog --size 16 --pixel-arcmin 4 --pool-maps 2 --validation 1
  --pool-noise 2 --depth 2 --width 4 --critic-width 4"

# 3 maps of 16² pixels of 4': 3 tiles.
expect 0 "" "Wrote" -- "$cli" simulate $sky --maps 3 --seed 7 --out "$tmp/cube.fits"
digest=$(sha256sum "$tmp/cube.fits" | cut -d' ' -f1)

expect 0 "" "Wrote" -- "$cli" train-score $score --maps "$tmp/cube.fits" --steps 4 \
  --checkpoint-every 2 --out "$tmp/score.safetensors"
grep -q "^| maps' SHA-256 | $digest |" "$tmp/score.md" || fail "score.md has no row of the cube's digest"
grep -q "^| fields | tiles of \`$tmp/cube.fits\`: the first 2 train, the next 1 validate |" \
  "$tmp/score.md" || fail "score.md does not name the cube's tiles"
expect 0 "" "Resuming at step 4" -- "$cli" train-score $score --maps "$tmp/cube.fits" --steps 6 \
  --resume --out "$tmp/score.safetensors"
expect 0 "" "Wrote" -- "$cli" train-mmgan $mmgan --maps "$tmp/cube.fits" --steps 2 \
  --out "$tmp/mmgan.safetensors"
grep -q "^| maps' SHA-256 | $digest |" "$tmp/mmgan.md" || fail "mmgan.md has no row of the cube's digest"

# The mocks' truths: the cube's maps.
expect 0 "" "truths from $tmp/cube.fits" -- "$cli" eval-mock --catalog "$catalog" --theory "$theory" \
  --size 16 --pixel-arcmin 4 --truths "$tmp/cube.fits" --mocks 3 --samples 4 --no-theory-samplers \
  --out "$tmp/eval.csv"
grep -q "^ks,3," "$tmp/eval.csv" || fail "eval.csv has no KS row over 3 mocks"

# Refused: too few tiles, another pixel scale, a rewritten cube on resume.
expect 2 "$tmp/eval2.csv" "cube.fits holds 3 finite tiles of 16 × 16 pixels; the mocks' truths need 4." \
  -- "$cli" eval-mock --catalog "$catalog" --theory "$theory" --size 16 --pixel-arcmin 4 \
  --truths "$tmp/cube.fits" --mocks 4 --samples 4 --no-theory-samplers --out "$tmp/eval2.csv"
expect 2 "$tmp/few.safetensors" \
  "cube.fits holds 3 finite tiles of 16 × 16 pixels; the training pool and its validation need 4." \
  -- "$cli" train-score $net --pixel-arcmin 4 --pool 3 --maps "$tmp/cube.fits" --steps 1 \
  --out "$tmp/few.safetensors"
expect 2 "$tmp/fine.safetensors" \
  "cube.fits has pixels of 4′; the training pool and its validation are of 2′" \
  -- "$cli" train-score $net --pixel-arcmin 2 --pool 2 --maps "$tmp/cube.fits" --steps 1 \
  --out "$tmp/fine.safetensors"
expect 0 "" "Wrote" -- "$cli" simulate $sky --maps 3 --seed 8 --out "$tmp/cube.fits"
expect 2 "" "cube.fits changed since the checkpoint (SHA-256 $digest then" -- "$cli" train-score \
  $score --maps "$tmp/cube.fits" --steps 8 --resume --out "$tmp/score.safetensors"

finish test-cli-nbody-priors
