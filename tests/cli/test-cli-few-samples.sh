#!/usr/bin/env bash
# Every sampling command with one and two samples: wiener, sample-score (HMC
# and the flow), sample-mmgan and sample-cosmogan.  One sample is its own
# mean, bit for bit, with no STD (the header says why); the mean of two is
# (a + b) / 2 and their STD |a - b| / sqrt(2) (check-posterior-samples.py).
# sample-score and sample-mmgan close with their peak memory and its bound.
# Usage: test-cli-few-samples.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR
set -u
cli=$1 data=$2 tmp=$3/cli-few-samples-$$
. "$(dirname "$0")/cli-test-lib.sh"
check="python3 $(dirname "$0")/check-posterior-samples.py"
catalog=$data/cosmos/cosmos_shear_schrabback2010.fits
theory=$data/theory/ktng_cl_theory.csv

expect 0 "" "Wrote" -- "$cli" bin --catalog "$catalog" --size 32 --pixel-arcmin 3 \
  --out "$tmp/shear32.fits"
expect 0 "" "Wrote" -- "$cli" bin --catalog "$catalog" --size 360 --pixel-arcmin 0.29 \
  --projection flat --flip-e2 --out "$tmp/shear360.fits"
# The samplers' closing line: the network engine's peak and its bound for
# the batch (tests/reconstruct/test-reconstruct-memory.c checks one under
# the other): by default all k chains or samples in one batch (the CPU's
# batch, 4, is more than k).
size='[0-9.]* [KMGTPE]\?i\?B'
peak="Peak memory: $size in the network engine (bound $size for batches of"
for k in 1 2; do
  expect 0 "" "Wrote" -- "$cli" wiener --shear "$tmp/shear32.fits" --theory "$theory" \
    --samples $k --out "$tmp/wiener$k.fits"
  $check "$tmp/wiener$k.fits" $k filter || fail "wiener --samples $k"
  expect 0 "" "Wrote" -- "$cli" sample-score --shear "$tmp/shear32.fits" --theory "$theory" \
    --samples $k --levels 3 --leapfrog 2 --final 0 --out "$tmp/hmc$k.fits"
  grep -q -- "$peak $k), $size for the process\." "$tmp/stderr" ||
    fail "sample-score --samples $k: no peak memory"
  $check "$tmp/hmc$k.fits" $k exact || fail "sample-score --samples $k"
  expect 0 "" "Wrote" -- "$cli" sample-score --shear "$tmp/shear32.fits" --theory "$theory" \
    --samples $k --flow --flow-steps 3 --correctors 1 --out "$tmp/flow$k.fits"
  $check "$tmp/flow$k.fits" $k exact || fail "sample-score --flow --samples $k"
  expect 0 "" "Wrote" -- "$cli" sample-mmgan --model "$data/models/mmgan-cosmos.safetensors" \
    --shear "$tmp/shear360.fits" --samples $k --uncalibrated --out "$tmp/mmgan$k.fits"
  grep -q -- "$peak $k), $size for the process\." "$tmp/stderr" ||
    fail "sample-mmgan --samples $k: no peak memory"
  $check "$tmp/mmgan$k.fits" $k exact || fail "sample-mmgan --samples $k"
  expect 0 "" "Wrote" -- "$cli" sample-cosmogan \
    --model "$data/models/cosmogan-cosmos.safetensors" --samples $k --out "$tmp/cosmogan$k.fits"
  $check "$tmp/cosmogan$k.fits" $k close || fail "sample-cosmogan --samples $k"
done
finish test-cli-few-samples
