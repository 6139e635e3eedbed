#!/usr/bin/env bash
# darkmap-cli train-score and train-mmgan under mpirun: 2 ranks sharing a
# batch of 4 (2 each) report, step by step, the losses of one process given
# the whole batch (to float rounding: 1e-4 of a loss printed to 5 digits),
# one "Wrote" from rank 0, and write the model; a 1-process checkpoint
# resumes under 2 ranks to the losses of the straight 1-process run; a batch
# that does not split evenly and a CosmoGAN are refused by one message from
# rank 0 with the command's exit status.  Skipped (77) without MPI or mpirun.
# Usage: test-cli-train-mpi.sh DARKMAP_CLI DATA_DIR SCRATCH_DIR MPI_BUILT
set -u
cli=$1 data=$2 tmp=$3/cli-train-mpi-$$ mpi_built=$4 mpi_seconds=120
. "$(dirname "$0")/mpi-test-lib.sh"
. "$(dirname "$0")/cli-test-lib.sh"
theory=$data/theory/ktng_cl_theory.csv
catalog=$data/cosmos/cosmos_shear_schrabback2010.fits
common=(--theory "$theory" --depth 2 --width 4 --log-every 1 --validate-every 3 --threads 1)
score=("${common[@]}" --batch 4 --size 32 --pixel-arcmin 1 --pool 8 --validation-pool 2)
mmgan=("${common[@]}" --batch 4 --catalog "$catalog" --size 16 --pixel-arcmin 4 --pool-maps 4
       --validation 1 --pool-noise 2 --critic-width 4)

# The "Step N of M: ..." lines of a run's stderr, numbers only, but M.
losses() { grep "^Step" "$1" | sed 's/|.*//; s/ of [0-9]*//; s/[^0-9.e+-]\+/ /g'; }

# Whether two runs' step lines agree to 1e-4 (relative, or absolute below 1).
same_losses() {
  local a=$1 b=$2 what=$3
  [ "$(wc -l <"$a")" -gt 0 ] && [ "$(wc -l <"$a")" -eq "$(wc -l <"$b")" ] ||
    { fail "$what: $(wc -l <"$a") and $(wc -l <"$b") step lines"; return; }
  paste -d '\n' "$a" "$b" | awk -v what="$what" '
    NR % 2 == 1 { n = split($0, x, " "); next }
    { split($0, y, " ");
      for (i = 1; i <= n; i++) {
        d = x[i] - y[i]; if (d < 0) d = -d
        m = x[i] < 0 ? -x[i] : x[i]; if (m < 1) m = 1
        if (d > 1e-4 * m) { print "FAIL: " what ": " x[i] " against " y[i]; bad = 1 }
      } }
    END { exit bad }' || fail "$what: the ranks' losses are not one process's"
}

for kind in score mmgan; do
  eval "options=(\"\${$kind[@]}\")"
  expect 0 "" "Wrote" -- "$cli" train-$kind "${options[@]}" --steps 6 \
    --out "$tmp/$kind-1.safetensors"
  losses "$tmp/stderr" >"$tmp/$kind-1.losses"
  expect 0 "" "Data-parallel training over 2 ranks: 4 maps per step, 2 on each, 1 thread each" -- \
    mpi 2 "$cli" train-$kind "${options[@]}" --steps 6 --out "$tmp/$kind-2.safetensors"
  [ "$(grep -c "^Wrote" "$tmp/stderr")" -eq 1 ] || fail "$kind: not one report from rank 0"
  losses "$tmp/stderr" >"$tmp/$kind-2.losses"
  same_losses "$tmp/$kind-1.losses" "$tmp/$kind-2.losses" "$kind over 2 ranks"
  [ -s "$tmp/$kind-2.safetensors" ] && [ -s "$tmp/$kind-2.md" ] ||
    fail "$kind: rank 0 wrote no model or card"
done

# A checkpoint resumes with another number of ranks.
expect 0 "" "Wrote" -- "$cli" train-score "${score[@]}" --steps 3 --out "$tmp/half.safetensors"
losses "$tmp/stderr" >"$tmp/half.losses"
expect 0 "" "Resuming at step 3" -- \
  mpi 2 "$cli" train-score "${score[@]}" --steps 6 --resume --out "$tmp/half.safetensors"
losses "$tmp/stderr" >>"$tmp/half.losses"
same_losses "$tmp/score-1.losses" "$tmp/half.losses" "score resumed over 2 ranks"

expect 2 "$tmp/odd.safetensors" \
  "^darkmap-cli train-score: The batch of 3 does not split evenly over 2 ranks" -- \
  mpi 2 "$cli" train-score "${common[@]}" --batch 3 --steps 2 --out "$tmp/odd.safetensors"
[ "$(grep -c "darkmap-cli train-score:" "$tmp/stderr")" -eq 1 ] || fail "odd batch: not one message"
expect 2 "$tmp/gan.safetensors" "^darkmap-cli train-cosmogan: A CosmoGAN trains in one process" -- \
  mpi 2 "$cli" train-cosmogan --theory "$theory" --preset quick --steps 2 \
  --out "$tmp/gan.safetensors"
finish test-cli-train-mpi
