#!/usr/bin/env bash
# darkmap-cli end to end: the COSMOS path bin → ks → pspec → info, and bad
# input, each a clear one-line error, a non-zero status and no output left.
# Usage: test-cli.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR
set -u
cli=$1 data=$2 tmp=$3/cli-test-$$
. "$(dirname "$0")/cli-test-lib.sh"
catalog=$data/cosmos/cosmos_shear_schrabback2010.fits

# The main path on the real catalogue.
expect 0 "" "Wrote" -- "$cli" bin --catalog "$catalog" --size 360 --pixel-arcmin 0.29 \
  --projection flat --flip-e2 --out "$tmp/shear.fits"
expect 0 "" "COUNTS" -- "$cli" info "$tmp/shear.fits"
for ext in COUNTS WEIGHT NOISE MASK; do grep -q "$ext" "$tmp/stdout" || fail "info lacks $ext"; done
grep -q "CAR" "$tmp/stdout" || fail "info shows no WCS projection for the flat grid"
expect 0 "" "Wrote" -- "$cli" ks --shear "$tmp/shear.fits" --smooth-pixels 2 --out "$tmp/kappa.fits"
expect 0 "" "BMODE" -- "$cli" info "$tmp/kappa.fits"
expect 0 "" "Wrote" -- "$cli" ks --catalog "$catalog" --size 128 --pixel-arcmin 0.8 --pad \
  --out "$tmp/kappa_tan.fits"
expect 0 "" "TAN" -- "$cli" info "$tmp/kappa_tan.fits"
expect 0 "" "Wrote" -- "$cli" pspec --map "$tmp/kappa.fits" --bins 12 --log \
  --theory "$data/theory/ktng_cl_theory.csv" --out "$tmp/spectrum.csv"
[ "$(grep -vc '^#' "$tmp/spectrum.csv")" -eq 13 ] || fail "spectrum.csv should hold a header and 12 rows"
head -1 "$tmp/spectrum.csv" | grep -q "cl_theory" || fail "spectrum.csv has no theory column"
# The shear file's MASK extension as the spectrum's mask (COSMOS covers about half the grid).
expect 0 "" "f_sky 0.5" -- "$cli" pspec --map "$tmp/kappa.fits" --mask "$tmp/shear.fits" \
  --bins 12 --log --out "$tmp/spectrum-masked.csv"

# A mock survey (lognormal field, haloes, rotated real noise) through the Wiener filter.
theory=$data/theory/ktng_cl_theory.csv
expect 0 "" "Wrote" -- "$cli" simulate --theory "$theory" --shear "$tmp/shear.fits" \
  --catalog "$catalog" --haloes 5 --seed 3 --out "$tmp/sim.fits" --out-shear "$tmp/sim_shear.fits"
expect 0 "" "SHEAR" -- "$cli" info "$tmp/sim.fits"
expect 0 "" "Wrote" -- "$cli" wiener --shear "$tmp/sim_shear.fits" --theory "$theory" \
  --samples 3 --seed 2 --out "$tmp/wf.fits"
expect 0 "" "SIGNIF" -- "$cli" info "$tmp/wf.fits"
for ext in STD SAMPLES; do grep -q "$ext" "$tmp/stdout" || fail "wiener output lacks $ext"; done
expect 2 "" "theory" -- "$cli" wiener --shear "$tmp/sim_shear.fits" --out "$tmp/wf2.fits"
# Cluster significances from the samples of either method, as CSV or FITS.
clusters=$data/cosmos/xray_finoguenov2007.csv
n_clusters=$(($(grep -vc '^#' "$clusters") - 1))
expect 0 "" "on the map" -- "$cli" wiener --shear "$tmp/sim_shear.fits" --theory "$theory" \
  --samples 4 --clusters "$clusters" --significance-out "$tmp/sig_wf.csv" --out "$tmp/wf5.fits"
[ "$(grep -vc '^#' "$tmp/sig_wf.csv")" -eq $((n_clusters + 1)) ] || fail "sig_wf.csv should hold one row per cluster"
head -1 "$tmp/sig_wf.csv" | grep -q "peak_fraction" || fail "sig_wf.csv has no peak_fraction column"
expect 2 "$tmp/wf6.fits" "samples" -- "$cli" wiener --shear "$tmp/sim_shear.fits" \
  --theory "$theory" --clusters "$clusters" --significance-out "$tmp/sig6.csv" --out "$tmp/wf6.fits"
expect 2 "$tmp/wf6.fits" "together" -- "$cli" wiener --shear "$tmp/sim_shear.fits" \
  --theory "$theory" --samples 4 --clusters "$clusters" --out "$tmp/wf6.fits"
expect 2 "$tmp/wf6.fits" "threshold-unit" -- "$cli" wiener --shear "$tmp/sim_shear.fits" \
  --theory "$theory" --samples 4 --clusters "$clusters" --significance-out "$tmp/sig6.csv" \
  --threshold-unit sigma --out "$tmp/wf6.fits"
expect 1 "$tmp/wf3.fits" "COUNTS\|extension\|HDU" -- "$cli" wiener --shear "$tmp/kappa.fits" \
  --theory "$theory" --out "$tmp/wf3.fits"
expect 1 "$tmp/wf4.fits" "converge" -- "$cli" wiener --shear "$tmp/sim_shear.fits" \
  --theory "$theory" --max-iterations 2 --out "$tmp/wf4.fits"

# The score prior: a short training with a checkpoint and a resume, then the
# hybrid sampler on the mock survey.
expect 0 "" "Wrote" -- "$cli" train-score --theory "$theory" --size 32 --steps 6 --width 8 \
  --checkpoint-every 3 --out "$tmp/score.safetensors"
expect 0 "" "Resuming at step 6" -- "$cli" train-score --theory "$theory" --size 32 --steps 8 \
  --width 8 --resume --out "$tmp/score.safetensors"
grep -q "^| steps | 8 of 8 |" "$tmp/score.md" || fail "score.md does not record 8 of 8 steps"
grep -q "(this model)" "$tmp/score.md" || fail "score.md has no row of this model"
[ -e "$tmp/score.checkpoint.safetensors" ] || fail "train-score wrote no checkpoint"
expect 2 "$tmp/score3.safetensors" "quick or full\|'quick' or 'full'" -- "$cli" train-score \
  --theory "$theory" --preset medium --out "$tmp/score3.safetensors"
expect 2 "$tmp/score3.safetensors" "past the 4 steps" -- "$cli" train-score --theory "$theory" \
  --size 32 --steps 4 --width 8 --resume --checkpoint "$tmp/score.checkpoint.safetensors" \
  --out "$tmp/score3.safetensors"
expect 2 "$tmp/score2.safetensors" "pool" -- "$cli" train-score --theory "$theory" --pool 0 \
  --out "$tmp/score2.safetensors"
# A plain network (the whole prior score): its kind is kept on resume and
# recorded in the posterior.
expect 0 "" "Wrote" -- "$cli" train-score --theory "$theory" --size 32 --steps 3 --width 8 \
  --plain --out "$tmp/plain.safetensors"
expect 2 "" "checkpoint is a plain score network" -- "$cli" train-score --theory "$theory" --size 32 \
  --steps 1 --width 8 --resume --out "$tmp/plain.safetensors"
expect 0 "" "Wrote" -- "$cli" sample-score --shear "$tmp/sim_shear.fits" --theory "$theory" \
  --model "$tmp/plain.safetensors" --samples 2 --levels 3 --leapfrog 2 --final 0 \
  --out "$tmp/plain_post.fits"
head -c 11520 "$tmp/plain_post.fits" | grep -aq "SCORENET= 'plain" ||
  fail "plain_post.fits does not record its plain prior"
expect 0 "" "Wrote" -- "$cli" sample-score --shear "$tmp/sim_shear.fits" --theory "$theory" \
  --model "$tmp/score.safetensors" --samples 2 --levels 3 --leapfrog 2 --final 0 \
  --out "$tmp/score_post.fits"
expect 0 "" "on the map" -- "$cli" sample-score --shear "$tmp/sim_shear.fits" --theory "$theory" \
  --samples 2 --levels 3 --leapfrog 2 --final 0 --clusters "$clusters" --threshold 0.02 \
  --threshold-unit kappa --significance-out "$tmp/sig_score.fits" --out "$tmp/score_post2.fits"
head -c 30000 "$tmp/sig_score.fits" | grep -q "CLUSTSIG" || fail "sig_score.fits has no CLUSTSIG table"
expect 0 "" "Wrote" -- "$cli" sample-score --shear "$tmp/sim_shear.fits" --theory "$theory" \
  --model "$tmp/score.safetensors" --flow --flow-steps 3 --correctors 1 --samples 2 \
  --out "$tmp/flow_post.fits"
head -c 2880 "$tmp/flow_post.fits" | grep -q "SCORE-FLOW" || fail "flow_post.fits is not marked SCORE-FLOW"
model_sha=$(sha256sum "$tmp/score.safetensors" | cut -c1-64)
head -c 5760 "$tmp/flow_post.fits" | grep -q "MODELSHA= '$model_sha'" ||
  fail "flow_post.fits does not record the model's SHA-256 $model_sha"
expect 0 "" "SAMPLES" -- "$cli" info "$tmp/score_post.fits"
for ext in STD SAMPLES SIGNIF; do grep -q "$ext" "$tmp/stdout" || fail "sample-score output lacks $ext"; done
expect 0 "" "score evaluations per sample, acceptance" -- "$cli" sample-score \
  --shear "$tmp/sim_shear.fits" --theory "$theory" --device cpu --batch 1 --samples 2 \
  --levels 3 --leapfrog 2 --final 0 --metropolis --out "$tmp/score_post3.fits"
expect 2 "$tmp/score_bad.fits" "auto, cpu or cuda" -- "$cli" sample-score \
  --shear "$tmp/sim_shear.fits" --theory "$theory" --device tpu --out "$tmp/score_bad.fits"
expect 2 "$tmp/score_bad.fits" "levels" -- "$cli" sample-score --shear "$tmp/sim_shear.fits" \
  --theory "$theory" --levels 1 --out "$tmp/score_bad.fits"
expect 1 "$tmp/score_bad.fits" "missing.safetensors" -- "$cli" sample-score \
  --shear "$tmp/sim_shear.fits" --theory "$theory" --model "$tmp/missing.safetensors" \
  --out "$tmp/score_bad.fits"

# MMGAN: a short training on the real survey geometry (32² pixels of 3'),
# a checkpoint and a resume, samples with the cluster table, wrong inputs.
mmgan_grid=(--catalog "$catalog" --size 32 --pixel-arcmin 3)
mmgan_net=(--depth 2 --width 8 --critic-width 4 --pool-maps 8 --pool-noise 4 --validation 2 \
  --device cpu --threads 1)
expect 0 "" "Validation at step 6" -- "$cli" train-mmgan "${mmgan_grid[@]}" "${mmgan_net[@]}" \
  --theory "$theory" --steps 6 --batch 2 --checkpoint-every 3 --log-every 3 \
  --out "$tmp/mmgan.safetensors"
expect 0 "" "Resuming at step 6" -- "$cli" train-mmgan "${mmgan_grid[@]}" "${mmgan_net[@]}" \
  --theory "$theory" --steps 8 --batch 2 --resume --out "$tmp/mmgan.safetensors"
expect 2 "" "checkpoint is an MMGAN of 32 × 32 pixels" -- "$cli" train-mmgan \
  --catalog "$catalog" --size 40 --pixel-arcmin 3 "${mmgan_net[@]}" --theory "$theory" \
  --steps 9 --batch 2 --resume --checkpoint "$tmp/mmgan.checkpoint.safetensors" \
  --out "$tmp/mmgan40.safetensors"
expect 0 "" "Wrote" -- "$cli" bin "${mmgan_grid[@]}" --out "$tmp/mmgan_shear.fits"
expect 0 "" "on the map" -- "$cli" sample-mmgan --model "$tmp/mmgan.safetensors" \
  --shear "$tmp/mmgan_shear.fits" --samples 5 --batch 2 --device cpu --clusters "$clusters" \
  --significance-out "$tmp/sig_mmgan.csv" --out "$tmp/mmgan_post.fits"
head -c 2880 "$tmp/mmgan_post.fits" | grep -q "'MMGAN" || fail "mmgan_post.fits is not marked MMGAN"
expect 0 "" "SAMPLES" -- "$cli" info "$tmp/mmgan_post.fits"
for ext in STD SAMPLES SIGNIF; do grep -q "$ext" "$tmp/stdout" || fail "sample-mmgan output lacks $ext"; done
expect 2 "$tmp/mmgan_bad.fits" "trained on 32" -- "$cli" sample-mmgan \
  --model "$tmp/mmgan.safetensors" --shear "$tmp/sim_shear.fits" --out "$tmp/mmgan_bad.fits"
expect 1 "$tmp/mmgan_bad.fits" "not an MMGAN" -- "$cli" sample-mmgan \
  --model "$tmp/score.safetensors" --shear "$tmp/mmgan_shear.fits" --out "$tmp/mmgan_bad.fits"
expect 2 "$tmp/mmgan_bad.fits" "device" -- "$cli" sample-mmgan --model "$tmp/mmgan.safetensors" \
  --shear "$tmp/mmgan_shear.fits" --device tpu --out "$tmp/mmgan_bad.fits"

# The methods scored on a small mock.
expect 0 "" "haloes" -- "$cli" eval-mock --catalog "$catalog" --theory "$theory" --size 32 \
  --pixel-arcmin 3.2 --samples 4 --levels 4 --leapfrog 2 --final 2 --out "$tmp/eval.csv"
[ "$(grep -c '^ks,\|^wiener,\|^score,' "$tmp/eval.csv")" -eq 3 ] || fail "eval.csv should hold ks, wiener and score rows"
expect 2 "$tmp/eval2.csv" "samples" -- "$cli" eval-mock --catalog "$catalog" --theory "$theory" \
  --samples 1 --out "$tmp/eval2.csv"
expect 2 "$tmp/eval3.csv" "sigma-max" -- "$cli" eval-mock --catalog "$catalog" --theory "$theory" \
  --sigma-max 1e-4 --out "$tmp/eval3.csv"
# MMGAN beside the others on its own grid (32² of 3'), and refused on another.
expect 0 "" "haloes" -- "$cli" eval-mock --catalog "$catalog" --theory "$theory" --size 32 \
  --pixel-arcmin 3 --samples 4 --levels 3 --leapfrog 2 --final 1 --device cpu \
  --mmgan "$tmp/mmgan.safetensors" --out "$tmp/eval4.csv"
grep -q '^mmgan,' "$tmp/eval4.csv" || fail "eval4.csv has no mmgan row"
head -1 "$tmp/eval4.csv" | grep -q "r_mean_4" || fail "eval4.csv has no r_mean_4 column"
expect 2 "$tmp/eval5.csv" "trained on 32" -- "$cli" eval-mock --catalog "$catalog" \
  --theory "$theory" --size 40 --pixel-arcmin 3 --samples 2 --device cpu \
  --mmgan "$tmp/mmgan.safetensors" --out "$tmp/eval5.csv"
# The window's evaluation: KS, Wiener and the model alone; one model at a time.
expect 0 "" "haloes" -- "$cli" eval-mock --catalog "$catalog" --theory "$theory" --size 32 \
  --pixel-arcmin 3 --samples 2 --device cpu --no-theory-samplers \
  --mmgan "$tmp/mmgan.safetensors" --out "$tmp/eval6.csv"
[ "$(cut -d, -f1 "$tmp/eval6.csv" | tr '\n' ' ')" = "method ks wiener mmgan " ] ||
  fail "eval6.csv should hold the ks, wiener and mmgan rows alone"
expect 2 "$tmp/eval7.csv" "one" -- "$cli" eval-mock --catalog "$catalog" --theory "$theory" \
  --model "$data/models/score-cosmos.safetensors" --mmgan "$tmp/mmgan.safetensors" \
  --out "$tmp/eval7.csv"

# Bad input: clear errors, nothing written.
echo "not a FITS file" > "$tmp/text.fits"
head -c 10000 "$catalog" > "$tmp/truncated.fits"
expect 1 "$tmp/o1.fits" "missing.fits" -- "$cli" bin --catalog "$tmp/missing.fits" --out "$tmp/o1.fits"
expect 1 "$tmp/o2.fits" "FITS" -- "$cli" bin --catalog "$tmp/text.fits" --out "$tmp/o2.fits"
expect 1 "$tmp/o3.fits" "truncated.fits" -- "$cli" bin --catalog "$tmp/truncated.fits" --out "$tmp/o3.fits"
expect 2 "$tmp/o4.fits" "size" -- "$cli" bin --catalog "$catalog" --size 1000000 --out "$tmp/o4.fits"
expect 1 "$tmp/o5.fits" "inside" -- "$cli" bin --catalog "$catalog" --center 10,10 --out "$tmp/o5.fits"
expect 1 "$tmp/o6.fits" "NOPE" -- "$cli" bin --catalog "$catalog" --e1 NOPE --out "$tmp/o6.fits"
expect 2 "" "Unknown option" -- "$cli" bin --catalog "$catalog" --sizes 3 --out "$tmp/o7.fits"
expect 2 "" "--out" -- "$cli" bin --catalog "$catalog"
expect 2 "" "projection" -- "$cli" bin --catalog "$catalog" --projection sin --out "$tmp/o8.fits"
expect 1 "" "no-such-dir" -- "$cli" ks --shear "$tmp/shear.fits" --out "$tmp/no-such-dir/k.fits"
expect 1 "$tmp/o9.fits" "MASK\|extension\|HDU" -- "$cli" ks --shear "$tmp/kappa.fits" --out "$tmp/o9.fits"
expect 2 "" "unknown command" -- "$cli" frobnicate

# The shipped models (data/models) on the COSMOS grid of 360² pixels of 0.29'.
expect 0 "" "2 samples in" -- "$cli" sample-mmgan --model "$data/models/mmgan-cosmos.safetensors" \
  --shear "$tmp/shear.fits" --samples 2 --batch 2 --device cpu --out "$tmp/mmgan_cosmos.fits"
expect 0 "" "Wrote" -- "$cli" sample-score --shear "$tmp/shear.fits" --theory "$theory" \
  --model "$data/models/score-cosmos.safetensors" --flow --flow-steps 1 --correctors 0 \
  --samples 2 --device cpu --out "$tmp/score_cosmos.fits"

# A failure never destroys an existing output.
echo "precious" > "$tmp/keep.fits"
expect 1 "" "inside" -- "$cli" bin --catalog "$catalog" --center 10,10 --out "$tmp/keep.fits"
grep -q precious "$tmp/keep.fits" || fail "a failed run replaced an existing file"

finish darkmap-cli
