#!/usr/bin/env bash
# Scaling of data-parallel training: darkmap-cli train-score and train-mmgan
# (quick preset, a batch of 8 maps or conditions) in one process on every
# core and under mpirun -np N, each rank on its share of the cores, RUNS
# times each (interleaved, so that the machine's load falls on all alike),
# and the fastest of each: the training's own steps/s (its last report,
# pools and start-up excluded), the wall time of the whole command, and the
# parallel efficiency (steps/s over N ranks / (N × steps/s of one process)).
# The load (uptime) is printed before and after.
# Usage: bench-train-mpi.sh DARKMAP_CLI DATA_DIR RUNS "N..." [STEPS]
#   bench/bench-train-mpi.sh build/app/darkmap-cli data 3 "2" 200
set -u
cli=$1 data=$2 runs=$3 ranks=$4 steps=${5:-200}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
theory=$data/theory/ktng_cl_theory.csv
catalog=$data/cosmos/cosmos_shear_schrabback2010.fits
common=(--preset quick --theory "$theory" --batch 8 --steps "$steps" --validate-every 0
        --checkpoint-every 0 --log-every 10)
declare -A options=([score]="" [mmgan]="--catalog $catalog")

# One run of kind on n ranks: "STEPS_PER_S WALL".
run() {
  local kind=$1 n=$2 start end launch=()
  [ "$n" -gt 1 ] && launch=(mpirun -np "$n")
  rm -f "$out"/m*
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  "${launch[@]}" "$cli" train-$kind "${common[@]}" ${options[$kind]} \
    --out "$out/m.safetensors" 2>"$out/log" </dev/null >/dev/null ||
    { cat "$out/log" >&2; exit 1; }
  end=$(date +%s.%N)
  grep "^Step $steps of" "$out/log" | sed 's/.*| \([0-9.]*\) steps\/s.*/\1/' |
    awk -v w="$(echo "$end - $start" | bc)" '{print $1, w}'
}

echo "load before: $(uptime)"
declare -A rate wall
for ((r = 0; r < runs; r++)); do
  for kind in score mmgan; do
    for n in 1 $ranks; do
      read -r s w < <(run "$kind" "$n")
      key=$kind-$n
      if [ -z "${rate[$key]:-}" ] || [ "$(echo "$s > ${rate[$key]}" | bc)" -eq 1 ]; then
        rate[$key]=$s
      fi
      if [ -z "${wall[$key]:-}" ] || [ "$(echo "$w < ${wall[$key]}" | bc)" -eq 1 ]; then
        wall[$key]=$w
      fi
    done
  done
done
echo "load after:  $(uptime)"
echo "quick preset, batch 8, $steps steps; fastest of $runs runs; $(nproc) cores"
printf "%-6s %-6s %11s %9s %11s\n" kind ranks "steps/s" "wall s" efficiency
for kind in score mmgan; do
  for n in 1 $ranks; do
    awk -v k="$kind" -v n="$n" -v s="${rate[$kind-$n]}" -v w="${wall[$kind-$n]}" \
      -v s1="${rate[$kind-1]}" 'BEGIN { printf "%-6s %-6d %11.2f %9.2f %11.2f\n",
                                        k, n, s, w, s / (n * s1) }'
  done
done
