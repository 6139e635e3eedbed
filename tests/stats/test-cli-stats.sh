#!/usr/bin/env bash
# darkmap-cli stats end to end: one map, a posterior's samples with their mean and std
# over planes, a mask, the kappa and S/N scales, comparisons (Hotelling's T² and KS) of
# one model and of two, and bad input, each a clear error, a non-zero status and no output.
# Usage: test-cli-stats.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR
set -u
cli=$1 data=$2 tmp=$3/cli-stats-test-$$
. "$(dirname "$0")/../cli/cli-test-lib.sh"
theory=$data/theory/ktng_cl_theory.csv

# value FILE SET PLANE STATISTIC [THRESHOLD]: the value column of one row.
value() {
  awk -F, -v s="$2" -v p="$3" -v q="$4" -v t="${5:-}" \
    '$1 == s && $2 == p && $3 == q && $4 == t { print $5 }' "$1"
}

# Rows of one plane: 7 per-threshold statistics × 33 thresholds and 9 numbers.
rows_per_plane=$((7 * 33 + 9))

for seed in 1 2; do
  expect 0 "" "Wrote" -- "$cli" simulate --theory "$theory" --size 128 --pixel-arcmin 1 \
    --field gaussian --seed $seed --out "$tmp/g$seed.fits"
done
expect 0 "" "Wrote" -- "$cli" simulate --theory "$theory" --size 128 --pixel-arcmin 1 \
  --field lognormal --seed 2 --out "$tmp/l2.fits"

# One map: one block of rows; the PDF integrates to the fraction within the bins, V0 starts
# near 1, the moments are there.
expect 0 "" "wrote" -- "$cli" stats --map "$tmp/g1.fits" --out "$tmp/one.csv"
[ "$(grep -vc '^#' "$tmp/one.csv")" -eq $((rows_per_plane + 1)) ] ||
  fail "one.csv should hold a header and $rows_per_plane rows"
grep -v '^#' "$tmp/one.csv" | head -1 | grep -q "^set,plane,statistic,threshold,value$" ||
  fail "one.csv header"
awk -F, '$1 == "map" && $3 == "pdf" { s += $5 * 0.25 } END { exit !(s > 0.999 && s < 1.000001) }' \
  "$tmp/one.csv" || fail "the PDF of one map does not integrate to 1 over nu -4.125 to 4.125"
awk -v v="$(value "$tmp/one.csv" map 0 v0 -4)" 'BEGIN { exit !(v > 0.999) }' ||
  fail "V0 at nu = -4 should be about 1"
[ -n "$(value "$tmp/one.csv" map 0 sigma1)" ] || fail "one.csv has no sigma1"

# A posterior file: its SAMPLES, then their mean and std over planes.
expect 0 "" "Wrote" -- "$cli" simulate --theory "$theory" --size 64 --pixel-arcmin 1 \
  --field gaussian --seed 4 --out "$tmp/sim.fits" --out-shear "$tmp/sim_shear.fits"
expect 0 "" "Wrote" -- "$cli" wiener --shear "$tmp/sim_shear.fits" --theory "$theory" \
  --noise-std 0.2 --samples 3 --seed 2 --out "$tmp/wf.fits"
expect 0 "" "Statistics of 3 map" -- "$cli" stats --map "$tmp/wf.fits" --out "$tmp/wf.csv"
[ "$(grep -vc '^#' "$tmp/wf.csv")" -eq $((5 * rows_per_plane + 1)) ] ||
  fail "wf.csv should hold 3 planes, their mean and their std"
peaks=$(for k in 0 1 2; do value "$tmp/wf.csv" map $k n_peaks; done | awk '{ s += $1 } END { print s }')
mean=$(value "$tmp/wf.csv" map mean n_peaks)
awk -v s="$peaks" -v m="$mean" 'BEGIN { exit !(s / 3 == m) }' ||
  fail "the mean of n_peaks over planes ($mean) is not that of the planes ($peaks / 3)"
expect 0 "" "Statistics of 1 map" -- "$cli" stats --map "$tmp/wf.fits" --ext STD \
  --out "$tmp/wf_std.csv"

# A mask, the kappa scale, the S/N scale with the posterior's STD as noise.
expect 0 "" "wrote" -- "$cli" stats --map "$tmp/g1.fits" --mask "$tmp/g2.fits" \
  --out "$tmp/masked.csv"
inside=$(value "$tmp/masked.csv" map 0 n_inside)
[ "$inside" -gt 0 ] && [ "$inside" -lt 16384 ] || fail "a mask (g2 > 0) left $inside pixels inside"
expect 0 "" "wrote" -- "$cli" stats --map "$tmp/g1.fits" --scale kappa --lo -0.05 --hi 0.05 \
  --thresholds 11 --out "$tmp/kappa.csv"
[ "$(awk -F, '$3 == "v1"' "$tmp/kappa.csv" | wc -l)" -eq 11 ] || fail "kappa.csv: 11 thresholds"
expect 0 "" "wrote" -- "$cli" stats --map "$tmp/wf.fits" --scale snr --noise "$tmp/wf.fits" \
  --noise-ext STD --out "$tmp/snr.csv"
grep -q "thresholds in snr" "$tmp/snr.csv" || fail "snr.csv does not say its scale"

# Comparisons: one map against one gives KS only; two Gaussian maps of one model agree on
# thinned pixels, a lognormal map does not; samples against samples give T² rows.
expect 0 "" "only the KS test" -- "$cli" stats --map "$tmp/g1.fits" --against "$tmp/g2.fits" \
  --ks-stride 4 --out "$tmp/same.csv"
awk -v p="$(value "$tmp/same.csv" comparison "" ks_p)" 'BEGIN { exit !(p > 0.01) }' ||
  fail "two Gaussian maps of one model: KS p $(value "$tmp/same.csv" comparison "" ks_p)"
[ "$(value "$tmp/same.csv" comparison "" ks_n_map)" -eq 1024 ] || fail "stride 4: 1024 pixels"
expect 0 "" "KS of pixel values" -- "$cli" stats --map "$tmp/g1.fits" --against "$tmp/l2.fits" \
  --ks-stride 4 --out "$tmp/other.csv"
awk -v p="$(value "$tmp/other.csv" comparison "" ks_p)" 'BEGIN { exit !(p < 1e-6) }' ||
  fail "Gaussian against lognormal: KS p $(value "$tmp/other.csv" comparison "" ks_p)"
expect 0 "" "Hotelling" -- "$cli" stats --map "$tmp/wf.fits" --against "$tmp/wf.fits" \
  --out "$tmp/self.csv"
[ "$(value "$tmp/self.csv" comparison "" v1_chi2)" = "0" ] || fail "a set against itself: T² 0"
[ "$(value "$tmp/self.csv" comparison "" ks_d)" = "0" ] || fail "a set against itself: KS D 0"

# Bad input.
expect 1 "$tmp/x.csv" "nope.fits" -- "$cli" stats --map "$tmp/nope.fits" --out "$tmp/x.csv"
expect 1 "$tmp/x.csv" "NOPE" -- "$cli" stats --map "$tmp/wf.fits" --ext NOPE --out "$tmp/x.csv"
expect 2 "$tmp/x.csv" "lo" -- "$cli" stats --map "$tmp/g1.fits" --scale kappa --out "$tmp/x.csv"
expect 2 "$tmp/x.csv" "noise" -- "$cli" stats --map "$tmp/g1.fits" --scale snr --out "$tmp/x.csv"
expect 2 "$tmp/x.csv" "nu, kappa or snr" -- "$cli" stats --map "$tmp/g1.fits" --scale x \
  --out "$tmp/x.csv"
expect 1 "$tmp/x.csv" "mask" -- "$cli" stats --map "$tmp/wf.fits" --mask "$tmp/g1.fits" \
  --out "$tmp/x.csv"
expect 2 "$tmp/x.csv" "128 × 128" -- "$cli" stats --map "$tmp/g1.fits" --mask "$tmp/g2.fits" \
  --against "$tmp/wf.fits" --out "$tmp/x.csv"
expect 2 "$tmp/x.csv" "out" -- "$cli" stats --map "$tmp/g1.fits"

finish "darkmap-cli stats"
