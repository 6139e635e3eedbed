/* Particle-mesh simulations on this CPU: the time of one run (2LPT initial
 * conditions and the kick-drift-kick steps to a = 1) with particles = mesh
 * at each size, its processor time, and the process's peak memory beside
 * the engine's estimate (dm_pm_memory_bytes).  No peer is run; the figures
 * printed are those FastPM-style codes are compared by: seconds per step
 * and nanoseconds per particle and step (Feng et al. 2016 quote the same
 * per-step cost on their machines), and bytes per particle.
 *
 * Sizes run in increasing order in one process, so that the peak resident
 * set after each size is that size's own peak.
 *
 * Usage: bench-pm [--sizes 64,128,256] [--runs R] [--steps N] [--box L]
 * Defaults: 64³, 128³ and 256³ particles on meshes of the same size in a
 * 256 Mpc/h box, 10 steps, 3 runs of each size (1 of 256³). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-args.h"
#include "bench-timing.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/particle-mesh.h"

#define MAX_SIZES 8
#define MAX_RUNS 20

/* The process's largest resident set so far, in MiB. */
static double max_rss_mib(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_maxrss / 1024.0;
}

static bool ignore_snapshot(const DmPmSnapshot *snapshot, void *user_data, DmError **error) {
  return true;
}

int main(int argc, char **argv) {
  int sizes[MAX_SIZES] = {64, 128, 256}, n_sizes = 3, runs = 0, steps = 10;
  double box = 256.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--sizes") == 0) {
      n_sizes = bench_parse_list(argv[i + 1], sizes, MAX_SIZES);
    } else if (strcmp(argv[i], "--runs") == 0) {
      runs = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "--steps") == 0) {
      steps = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "--box") == 0) {
      box = atof(argv[i + 1]);
    } else {
      n_sizes = 0;
    }
  }
  if (n_sizes == 0 || runs < 0 || runs > MAX_RUNS || (argc - 1) % 2) {
    fprintf(stderr, "usage: bench-pm [--sizes 64,128,256] [--runs R] [--steps N] [--box L]\n");
    return 2;
  }
  printf("Particle-mesh runs, particles = mesh, %g Mpc/h box, %d steps from a = 0.1 to 1\n",
         box, steps);
  printf("(s/step and ns/part/step: the whole run's median, initial conditions included, per "
         "step)\n");
  printf("%-6s %10s %10s %10s %9s %12s %10s %10s %9s %6s\n", "size", "wall min", "wall med",
         "cpu med", "s/step", "ns/part/step", "peak MiB", "estimate", "B/part", "load");
  for (int s = 0; s < n_sizes; s++) {
    DmPmRequest request;
    dm_pm_request_init(&request);
    request.box = box;
    request.mesh = request.particles = sizes[s];
    request.steps = steps;
    int n = runs ? runs : sizes[s] >= 256 ? 1 : 3;
    double wall[MAX_RUNS], cpu[MAX_RUNS], a_end = 1.0;
    for (int r = 0; r < n; r++) {
      DmError *error = NULL;
      double t0 = dm_monotonic_seconds(), c0 = bench_process_seconds();
      if (!dm_pm_run(&request, &a_end, 1, ignore_snapshot, NULL, NULL, &error)) {
        fprintf(stderr, "bench-pm: %s\n", error->message);
        dm_error_free(error);
        return 1;
      }
      wall[r] = dm_monotonic_seconds() - t0;
      cpu[r] = bench_process_seconds() - c0;
    }
    double particles = (double)sizes[s] * sizes[s] * sizes[s];
    double wall_median = bench_median(wall, n), cpu_median = bench_median(cpu, n);
    double estimate = dm_pm_memory_bytes(&request);
    printf("%-6d %9.3fs %9.3fs %9.3fs %9.3f %12.1f %10.1f %10.1f %9.1f %6.2f\n", sizes[s],
           wall[0], wall_median, cpu_median, wall_median / steps,
           1e9 * wall_median / (particles * steps), max_rss_mib(), estimate / 1048576.0,
           estimate / particles, bench_load_average());
  }
  return 0;
}
