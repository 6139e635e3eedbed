#!/usr/bin/env bash
# Scaling of darkmap-cli mosaic over MPI ranks: the same mosaic made by the
# one-process command and under mpirun -np N for each N given, RUNS times
# each (interleaved, so that the machine's load falls on all alike), and the
# fastest run of each: the wall time of the whole command (mpirun's start
# included), the command's own time (plan, tiles and stitch, as it prints
# it), tiles/s, and the parallel efficiency (1-process time / (N × time))
# of both; the load (uptime) is printed before and after.
# Usage: bench-mosaic-mpi.sh DARKMAP_CLI CATALOG RUNS "N..." [mosaic options]
#   bench/bench-mosaic-mpi.sh build/app/darkmap-cli wide.fits 3 "2" --method ks
set -u
cli=$1 catalog=$2 runs=$3 ranks=$4
shift 4
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# One run: "WALL OWN TILES", seconds.
run() {
  local n=$1 start end
  shift
  local launch=()
  [ "$n" -gt 1 ] && launch=(mpirun -np "$n")
  start=$(date +%s.%N)
  "${launch[@]}" "$cli" mosaic --catalog "$catalog" "$@" --out "$out/m.fits" \
    2>"$out/log" >/dev/null || { cat "$out/log" >&2; exit 1; }
  end=$(date +%s.%N)
  sed -n 's/^Mosaic of \([0-9]*\) tiles.* in \([0-9.]*\) s .*/\2 \1/p' "$out/log" |
    awk -v w="$(echo "$end - $start" | bc)" '{print w, $1, $2}'
}

echo "load before: $(uptime)"
declare -A wall own
tiles=0
for ((r = 0; r < runs; r++)); do
  for n in 1 $ranks; do
    read -r w o t < <(run "$n" "$@")
    tiles=$t
    if [ -z "${wall[$n]:-}" ] || [ "$(echo "$w < ${wall[$n]}" | bc)" -eq 1 ]; then wall[$n]=$w; fi
    if [ -z "${own[$n]:-}" ] || [ "$(echo "$o < ${own[$n]}" | bc)" -eq 1 ]; then own[$n]=$o; fi
  done
done
echo "load after:  $(uptime)"
echo "mosaic $* of $tiles tiles, fastest of $runs runs"
printf "%-6s %9s %9s %9s %11s %11s\n" ranks "wall s" "own s" "tiles/s" "efficiency" "(own time)"
for n in 1 $ranks; do
  awk -v n="$n" -v w="${wall[$n]}" -v o="${own[$n]}" -v w1="${wall[1]}" -v o1="${own[1]}" \
    -v t="$tiles" 'BEGIN { printf "%-6d %9.2f %9.2f %9.2f %11.2f %11.2f\n",
                           n, w, o, t / w, w1 / (n * w), o1 / (n * o) }'
done
