#!/usr/bin/env bash
# Absurd sizes are refused before anything is allocated (darkmap/memory-budget.h),
# within 3 s (about 0.1 s here), with a message naming what they would need:
# 10^9 samples of every sampling command, training pools, a file's 10^6 × 10^6
# image and a cube too large for its folder; a large request that fits still runs.
# Usage: test-cli-memory-bounds.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR
set -u
cli=$1 data=$2 tmp=$3/cli-memory-bounds-$$
. "$(dirname "$0")/cli-test-lib.sh"
catalog=$data/cosmos/cosmos_shear_schrabback2010.fits
theory=$data/theory/ktng_cl_theory.csv
memory="this machine has [0-9.]* [KMGTPE]iB\."

# expect_fast STATUS PATTERN -- command...: expect, within 3 s.
expect_fast() {
  local want=$1 pattern=$2; shift 3
  local start=$(date +%s%N)
  expect "$want" "" "$pattern" -- "$@"
  local ms=$((($(date +%s%N) - start) / 1000000))
  [ "$ms" -lt 3000 ] || fail "$* took $ms ms to refuse"
  echo "$ms ms: $(cat "$tmp/stderr")"
}

expect 0 "" "Wrote" -- "$cli" bin --catalog "$catalog" --size 32 --pixel-arcmin 3 \
  --out "$tmp/shear.fits"
need="A posterior of 1000000000 samples of 32 × 32 pixels"
expect_fast 1 "$need in batches of 4 would need 7.5 TiB; $memory" -- "$cli" sample-score \
  --shear "$tmp/shear.fits" --theory "$theory" --device cpu --samples 1000000000 \
  --out "$tmp/post.fits"
expect_fast 1 "$need in batches of 4 would need 7.5 TiB; $memory" -- "$cli" sample-score \
  --shear "$tmp/shear.fits" --theory "$theory" --device cpu --flow --samples 1000000000 \
  --out "$tmp/post.fits"
expect_fast 1 "$need would need 7.5 TiB; $memory" -- "$cli" wiener --shear "$tmp/shear.fits" \
  --theory "$theory" --samples 1000000000 --out "$tmp/post.fits"
expect_fast 1 "$need in batches of 4 would need 7.5 TiB; $memory" -- "$cli" sample-mmgan \
  --model "$data/models/mmgan-cosmos.safetensors" --device cpu --shear "$tmp/shear.fits" \
  --samples 1000000000 --out "$tmp/post.fits"
cube="A file of 1000000000 emulated maps of 64 × 64 pixels would need 14.9 TiB on disk"
expect_fast 1 "$cube; /.* has [0-9.]* [KMGTPE]\?i\?B free\." -- "$cli" sample-cosmogan \
  --model "$data/models/cosmogan-cosmos.safetensors" --samples 1000000000 --out "$tmp/cube.fits"
training="Training data of 1000040 maps of 8192 × 8192 pixels would need 244.2 TiB"
expect_fast 1 "$training; $memory" -- "$cli" train-score --theory "$theory" --size 8192 \
  --pool 1000000 --out "$tmp/net.safetensors"
training="Training data of 10001064 maps of 256 × 256 pixels would need 2.4 TiB"
expect_fast 1 "$training; $memory" -- "$cli" train-cosmogan --theory "$theory" \
  --pool-maps 10000000 --out "$tmp/gan.safetensors"

# A FITS image whose 2880-byte header declares 10^6 × 10^6 pixels.
printf '%-80s' "SIMPLE  =                    T" "BITPIX  =                  -32" \
  "NAXIS   =                    2" "NAXIS1  =              1000000" \
  "NAXIS2  =              1000000" "END" >"$tmp/huge.fits"
truncate -s 2880 "$tmp/huge.fits"
expect_fast 1 "A 1000000 × 1000000 map would need 3.6 TiB; $memory" -- "$cli" pspec \
  --map "$tmp/huge.fits" --out "$tmp/spectrum.csv"

# Large but fine: 2000 samples, all in one batch of 2000 chains.
expect 0 "" "Wrote" -- "$cli" sample-score --shear "$tmp/shear.fits" --theory "$theory" \
  --samples 2000 --batch 2000 --levels 2 --leapfrog 1 --final 0 --out "$tmp/large.fits"
finish test-cli-memory-bounds
