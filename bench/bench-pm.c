/* Particle-mesh simulations on this CPU: the time of one run (2LPT initial
 * conditions and the kick-drift-kick steps to a = 1) with mesh / B
 * particles per side at each mesh size, its processor time, and the
 * process's peak memory beside the engine's estimate (dm_pm_memory_bytes).
 * No peer is run; the figures printed are those FastPM-style codes are
 * compared by: seconds per step and nanoseconds per particle and step (Feng
 * et al. 2016 quote the same per-step cost on their machines), and bytes
 * per particle.
 *
 * With --power, one more run of each size (untimed) compares its power at
 * a = 1 with halofit's (Takahashi et al. 2012) up to half the mesh's
 * Nyquist frequency, in groups of 4 bins: the measured P(1) against the
 * same modes' P(a_start) / D(a_start)² × halofit's P_NL / P_L, which
 * cancels their cosmic variance (tests/engine/test-pm-growth.c's measure);
 * no shot noise subtracted.
 *
 * Sizes run in increasing order in one process, so that the peak resident
 * set after each size is that size's own peak.
 *
 * Usage: bench-pm [--sizes 64,128,256] [--lattice B] [--runs R] [--steps N] [--box L]
 *          [--power] [--seed S]
 * Defaults: 64³, 128³ and 256³ meshes with B = 1 (particles = mesh) in a
 * 256 Mpc/h box, 10 steps, 3 runs of each size (1 of 256³), seed 1. */
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

static bool keep_snapshot(const DmPmSnapshot *snapshot, void *user_data, DmError **error) {
  memcpy(user_data, snapshot->positions, 3 * snapshot->count * sizeof(float));
  return true;
}

static int fail(DmError *error) {
  fprintf(stderr, "bench-pm: %s\n", error ? error->message : "out of memory");
  dm_error_free(error);
  return 1;
}

/* Prints the request's power at a = 1 against halofit's, in groups of 4
 * bins up to half the mesh's Nyquist frequency (see the top). */
static bool print_power(const DmPmRequest *request, DmError **error) {
  enum { GROUP = 4 };
  int bins = request->mesh / 4;
  size_t count = (size_t)request->particles * request->particles * request->particles;
  float *initial = malloc(3 * count * sizeof *initial), *final = malloc(3 * count * sizeof *final);
  float *momenta = malloc(3 * count * sizeof *momenta);
  DmPmPowerBin *before = malloc((size_t)bins * sizeof *before);
  DmPmPowerBin *after = malloc((size_t)bins * sizeof *after);
  double *predicted = malloc((size_t)bins * sizeof *predicted);
  double a_end = 1.0;
  bool ok = initial && final && momenta && before && after && predicted;
  ok = ok && dm_pm_initial_conditions(request, initial, momenta, error) &&
       dm_pm_run(request, &a_end, 1, keep_snapshot, final, NULL, error) &&
       dm_pm_power_spectrum(initial, count, request->box, request->mesh, before, bins, error) &&
       dm_pm_power_spectrum(final, count, request->box, request->mesh, after, bins, error) &&
       dm_pm_halofit_prediction(&request->cosmology, request->a_start, before, bins, predicted,
                                error);
  if (ok) {
    printf("%d³ particles on a %d³ mesh, z = 0:", request->particles, request->mesh);
    for (int g = 0; g + GROUP <= bins; g += GROUP) {
      double measured = 0.0, expected = 0.0;
      for (int b = g; b < g + GROUP; b++) {
        measured += after[b].power * after[b].modes;
        expected += predicted[b] * before[b].modes;
      }
      printf("%s k %.3f-%.3f %.3f", g % (4 * GROUP) ? "," : "\n ", before[g].k,
             before[g + GROUP - 1].k, measured / expected);
    }
    printf("\n");
  }
  free(predicted);
  free(initial);
  free(final);
  free(momenta);
  free(before);
  free(after);
  return ok;
}

/* The request of the mesh size, lattice factor B and the options. */
static void make_request(DmPmRequest *request, int mesh, int lattice, double box, int steps,
                         uint64_t seed) {
  dm_pm_request_init(request);
  request->box = box;
  request->mesh = mesh;
  request->particles = mesh / lattice;
  request->steps = steps;
  request->seed = seed;
}

int main(int argc, char **argv) {
  int sizes[MAX_SIZES] = {64, 128, 256}, n_sizes = 3, runs = 0, steps = 10, lattice = 1;
  double box = 256.0;
  bool power = false;
  uint64_t seed = 1;
  for (int i = 1; i < argc && n_sizes; i++) {
    const char *name = argv[i];
    if (strcmp(name, "--power") == 0) {
      power = true;
      continue;
    }
    const char *value = i + 1 < argc ? argv[++i] : NULL;
    if (!value) {
      n_sizes = 0;
    } else if (strcmp(name, "--sizes") == 0) {
      n_sizes = bench_parse_list(value, sizes, MAX_SIZES);
    } else if (strcmp(name, "--lattice") == 0) {
      lattice = atoi(value);
    } else if (strcmp(name, "--runs") == 0) {
      runs = atoi(value);
    } else if (strcmp(name, "--steps") == 0) {
      steps = atoi(value);
    } else if (strcmp(name, "--box") == 0) {
      box = atof(value);
    } else if (strcmp(name, "--seed") == 0) {
      seed = strtoull(value, NULL, 10);
    } else {
      n_sizes = 0;
    }
  }
  for (int s = 0; s < n_sizes; s++)
    if (lattice < 1 || sizes[s] % lattice) n_sizes = 0;
  if (n_sizes == 0 || runs < 0 || runs > MAX_RUNS) {
    fprintf(stderr, "usage: bench-pm [--sizes 64,128,256] [--lattice B] [--runs R] [--steps N] "
                    "[--box L] [--power] [--seed S]\n"
                    "(sizes are meshes, each a multiple of B; particles = mesh / B per side)\n");
    return 2;
  }
  printf("Particle-mesh runs, particles = mesh / %d, %g Mpc/h box, %d steps from a = 0.1 to 1\n",
         lattice, box, steps);
  printf("(s/step and ns/part/step: the whole run's median, initial conditions included, per "
         "step)\n");
  printf("%-6s %10s %10s %10s %9s %12s %10s %10s %9s %6s\n", "mesh", "wall min", "wall med",
         "cpu med", "s/step", "ns/part/step", "peak MiB", "estimate", "B/part", "load");
  for (int s = 0; s < n_sizes; s++) {
    DmPmRequest request;
    make_request(&request, sizes[s], lattice, box, steps, seed);
    int n = runs ? runs : sizes[s] >= 256 ? 1 : 3;
    double wall[MAX_RUNS], cpu[MAX_RUNS], a_end = 1.0;
    for (int r = 0; r < n; r++) {
      DmError *error = NULL;
      double t0 = dm_monotonic_seconds(), c0 = bench_process_seconds();
      if (!dm_pm_run(&request, &a_end, 1, ignore_snapshot, NULL, NULL, &error))
        return fail(error);
      wall[r] = dm_monotonic_seconds() - t0;
      cpu[r] = bench_process_seconds() - c0;
    }
    double particles = (double)request.particles * request.particles * request.particles;
    double wall_median = bench_median(wall, n), cpu_median = bench_median(cpu, n);
    double estimate = dm_pm_memory_bytes(&request);
    printf("%-6d %9.3fs %9.3fs %9.3fs %9.3f %12.1f %10.1f %10.1f %9.1f %6.2f\n", sizes[s],
           wall[0], wall_median, cpu_median, wall_median / steps,
           1e9 * wall_median / (particles * steps), max_rss_mib(), estimate / 1048576.0,
           estimate / particles, bench_load_average());
  }
  if (power) {
    printf("\nPower at a = 1 against halofit's, seed %llu (groups of 4 bins, k in h/Mpc)\n",
           (unsigned long long)seed);
    for (int s = 0; s < n_sizes; s++) {
      DmPmRequest request;
      make_request(&request, sizes[s], lattice, box, steps, seed);
      DmError *error = NULL;
      if (!print_power(&request, &error)) return fail(error);
    }
  }
  return 0;
}
