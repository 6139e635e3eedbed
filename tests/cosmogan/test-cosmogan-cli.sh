#!/usr/bin/env bash
# darkmap-cli train-cosmogan and sample-cosmogan end to end: a short
# training on simulated maps with a checkpoint and a resume, a training on a
# cube of maps without a theory, the cube of emulated maps with its WCS centre
# and provenance, and wrong input, each a one-line error, a non-zero status
# and no output left.
# Usage: test-cosmogan-cli.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR
set -u
cli=$1 data=$2 tmp=$3/cosmogan-cli-test-$$
. "$(dirname "$0")/../cli/cli-test-lib.sh"
theory=$data/theory/ktng_cl_theory.csv

net=(--size 16 --pixel-arcmin 4 --width 2 --latent 8 --pool-maps 8 --validation 4 --batch 4
  --device cpu --threads 1)
expect 0 "" "Validation at step 4: C_ell" -- "$cli" train-cosmogan "${net[@]}" --theory "$theory" \
  --steps 4 --log-every 2 --validate-every 2 --checkpoint-every 2 --out "$tmp/gan.safetensors"
grep -q "D(generated)" "$tmp/stderr" || fail "train-cosmogan prints no losses"
grep -q "| CosmoGAN (this model) |" "$tmp/gan.md" || fail "the card has no validation row"
expect 0 "" "Resuming at step 4" -- "$cli" train-cosmogan "${net[@]}" --theory "$theory" \
  --steps 6 --resume --out "$tmp/gan.safetensors"
grep -q "| steps | 6 of 6 |" "$tmp/gan.md" || fail "the card is not at step 6"

expect 0 "" "5 maps of 16 × 16 pixels of 4′" -- "$cli" sample-cosmogan \
  --model "$tmp/gan.safetensors" --samples 5 --seed 3 --batch 2 --center 150.1,2.2 \
  --device cpu --out "$tmp/cube.fits"
expect 0 "" "SAMPLES" -- "$cli" info "$tmp/cube.fits"
grep -q "16 x 16 x 5" "$tmp/stdout" || fail "the cube does not hold 5 maps of 16²"
grep -q "CRVAL (150.100000, 2.200000)" "$tmp/stdout" || fail "the cube is not centred on 150.1, 2.2"
grep -q "RA---TAN" "$tmp/stdout" || fail "the cube's grid is not TAN"
head -c 5760 "$tmp/cube.fits" | grep -q "'COSMOGAN" || fail "the cube is not marked COSMOGAN"
head -c 5760 "$tmp/cube.fits" | grep -q "MODELSHA" || fail "the cube names no weights checksum"

# Training on maps from a file: the emulated cube's SAMPLES, no theory needed.
expect 0 "" "Wrote" -- "$cli" train-cosmogan "${net[@]}" --maps "$tmp/cube.fits" --steps 2 \
  --out "$tmp/files.safetensors"
grep -q "tiles of 1 file" "$tmp/files.md" || fail "the card does not say where the maps came from"

expect 2 "" "--theory" -- "$cli" train-cosmogan "${net[@]}" --steps 2 --out "$tmp/none.safetensors"
expect 2 "" "--depth does not apply" -- "$cli" train-cosmogan "${net[@]}" --theory "$theory" \
  --depth 3 --out "$tmp/none.safetensors"
expect 2 "" "multiple of 16" -- "$cli" train-cosmogan --size 40 --theory "$theory" \
  --out "$tmp/none.safetensors"
expect 1 "" "no FITS image" -- "$cli" train-cosmogan "${net[@]}" --maps "$data/theory" \
  --out "$tmp/none.safetensors"
expect 1 "$tmp/bad.fits" "not a CosmoGAN" -- "$cli" sample-cosmogan \
  --model "$data/models/mmgan-cosmos.safetensors" --out "$tmp/bad.fits"
expect 2 "$tmp/bad.fits" "RA,DEC" -- "$cli" sample-cosmogan --model "$tmp/gan.safetensors" \
  --center 150 --out "$tmp/bad.fits"
expect 2 "$tmp/bad.fits" "--out" -- "$cli" sample-cosmogan --model "$tmp/gan.safetensors"

finish "darkmap-cli train-cosmogan and sample-cosmogan"
