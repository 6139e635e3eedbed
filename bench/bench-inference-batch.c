/* The samplers' batch on the CPU: samples per second and peak memory of
 * dm_reconstruct (what darkmap-cli sample-mmgan and sample-score and the
 * window run) with the batch swept, beside the default batch the engine
 * chooses (request batch 0, darkmap/reconstruct.h) measured in the same
 * run: the default's speed as a ratio to the best swept batch's (target
 * >= 1 within noise).  Samplers: "mmgan" (the shipped generator), "score"
 * (annealed HMC on the theory prior) and "score-model" (HMC with the
 * shipped score network), on a shear file of the model's grid:
 *
 *   darkmap-cli bin --catalog data/cosmos/cosmos_shear_schrabback2010.fits \
 *       --size 360 --pixel-arcmin 0.29 --out shear.fits
 *   bench-inference-batch --shear shear.fits [--sampler mmgan|score|score-model]
 *                         [--batches 1,2,4,8,16] [--samples K] [--runs R]
 *                         [--levels L] [--final F] [--leapfrog N] [--threads T]
 *
 * Each run draws K samples (default 16) at every batch and the default, in
 * turn (so that a load on the machine falls on all of them alike); each
 * figure is the best of R runs (default 3): samples/s of wall time and
 * processor seconds per sample (every thread's), and the default's ratio to
 * the best swept batch in each.  The HMC's schedule is
 * short (default 2 levels, no final trajectories, 2 leapfrog steps: 7 score
 * evaluations per sample), since the batch changes the cost of an
 * evaluation, not their number.  Memory: the network engine's peak
 * (dm_nn_memory_peak) and its bound (dm_reconstruct_memory_bound).  The
 * last line is one JSON object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-args.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/reconstruct.h"

enum { MAX_BATCHES = 16 };

typedef struct {
  const char *shear_path, *sampler;
  int batches[MAX_BATCHES], n_batches;
  int samples, runs, levels, final, leapfrog, threads;
} Options;

/* One batch's figures: the best of the runs. */
typedef struct {
  int batch;         /* the request's; 0: the default */
  int used;          /* the batch the engine ran */
  double wall, cpu;  /* seconds per sample */
  double peak, bound;
} Row;

static _Noreturn void fail(const char *what, DmError *error) {
  fprintf(stderr, "bench-inference-batch: %s: %s\n", what, error ? error->message : "failed");
  exit(1);
}

static _Noreturn void usage(void) {
  fprintf(stderr,
          "usage: bench-inference-batch --shear FILE [--sampler mmgan|score|score-model]\n"
          "                             [--batches 1,2,4,8,16] [--samples K] [--runs R]\n"
          "                             [--levels L] [--final F] [--leapfrog N] [--threads T]\n");
  exit(2);
}

static Options parse(int argc, char **argv) {
  Options o = {.sampler = "mmgan", .batches = {1, 2, 4, 8, 16}, .n_batches = 5, .samples = 16,
               .runs = 3, .levels = 2, .final = 0, .leapfrog = 2};
  for (int i = 1; i < argc; i += 2) { /* --option value pairs */
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) usage();
    if (!strcmp(a, "--shear")) o.shear_path = v;
    else if (!strcmp(a, "--sampler")) o.sampler = v;
    else if (!strcmp(a, "--batches")) o.n_batches = bench_parse_list(v, o.batches, MAX_BATCHES);
    else if (!strcmp(a, "--samples")) o.samples = atoi(v);
    else if (!strcmp(a, "--runs")) o.runs = atoi(v);
    else if (!strcmp(a, "--levels")) o.levels = atoi(v);
    else if (!strcmp(a, "--final")) o.final = atoi(v);
    else if (!strcmp(a, "--leapfrog")) o.leapfrog = atoi(v);
    else if (!strcmp(a, "--threads")) o.threads = atoi(v);
    else usage();
  }
  bool known = !strcmp(o.sampler, "mmgan") || !strcmp(o.sampler, "score") ||
               !strcmp(o.sampler, "score-model");
  if (!o.shear_path || !known || o.n_batches < 1 || o.samples < 1 || o.runs < 1 ||
      o.levels < 2 || o.final < 0 || o.leapfrog < 1 || o.threads < 0)
    usage();
  return o;
}

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The request of o's sampler at batch (0: the default). */
static DmReconstructRequest request_for(const Options *o, const DmTheorySpectrum *theory,
                                        int batch) {
  bool mmgan = !strcmp(o->sampler, "mmgan");
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, mmgan ? DM_RECONSTRUCT_MMGAN : DM_RECONSTRUCT_SCORE_HMC);
  r.device = "cpu";
  r.threads = o->threads;
  r.n_samples = o->samples;
  r.batch = batch;
  r.theory = theory;
  if (mmgan) r.model_path = BENCH_MODELS "/mmgan-cosmos.safetensors";
  else if (!strcmp(o->sampler, "score-model"))
    r.model_path = BENCH_MODELS "/score-cosmos.safetensors";
  r.hmc.n_levels = o->levels;
  r.hmc.n_final = o->final;
  r.hmc.n_leapfrog = o->leapfrog;
  return r;
}

/* One run of row's batch; keeps the best times. */
static void run_once(const Options *o, const DmBinnedShear *binned,
                     const DmTheorySpectrum *theory, Row *row) {
  DmError *error = NULL;
  DmReconstructRequest r = request_for(o, theory, row->batch);
  double cpu = cpu_seconds(), start = dm_monotonic_seconds();
  DmReconstruction *result = dm_reconstruct(binned, &r, NULL, &error);
  if (!result) fail(o->sampler, error);
  double wall = (dm_monotonic_seconds() - start) / o->samples;
  cpu = (cpu_seconds() - cpu) / o->samples;
  if (row->wall == 0.0 || wall < row->wall) row->wall = wall;
  if (row->cpu == 0.0 || cpu < row->cpu) row->cpu = cpu;
  row->used = result->stats.batch;
  row->peak = result->stats.peak_bytes;
  row->bound = result->stats.bound_bytes;
  dm_reconstruction_free(result);
}

static void print_row(const char *label, const Row *row) {
  printf("%-12s %6d %12.2f %14.3f %10.1f %10.1f\n", label, row->used, 1.0 / row->wall, row->cpu,
         row->peak / 1048576.0, row->bound / 1048576.0);
  fflush(stdout);
}

int main(int argc, char **argv) {
  Options o = parse(argc, argv);
  DmError *error = NULL;
  DmBinnedShear *binned = dm_binned_shear_read(o.shear_path, &error);
  DmTheorySpectrum *theory = binned ? dm_theory_read_csv(BENCH_THEORY, NULL, &error) : NULL;
  if (!theory) fail("input", error);
  Row rows[MAX_BATCHES + 1] = {{0}};
  int n_rows = o.n_batches + 1; /* the swept batches, then the default */
  for (int b = 0; b < o.n_batches; b++) rows[b].batch = o.batches[b];
  for (int run = 0; run < o.runs; run++)
    for (int b = 0; b < n_rows; b++) run_once(&o, binned, theory, &rows[b]);

  printf("# %s on the CPU, %d samples of %d × %d per run, best of %d runs", o.sampler, o.samples,
         binned->shear->nx, binned->shear->ny, o.runs);
  if (strcmp(o.sampler, "mmgan") != 0)
    printf(" (HMC: %d levels, %d final, %d leapfrog)", o.levels, o.final, o.leapfrog);
  printf("\n%-12s %6s %12s %14s %10s %10s\n", "batch", "used", "samples_per_s", "cpu_s_per_sample",
         "peak_MiB", "bound_MiB");
  int best = 0, best_cpu = 0;
  for (int b = 0; b < o.n_batches; b++) {
    char label[32];
    snprintf(label, sizeof label, "%d", rows[b].batch);
    print_row(label, &rows[b]);
    if (rows[b].wall < rows[best].wall) best = b;
    if (rows[b].cpu < rows[best_cpu].cpu) best_cpu = b;
  }
  const Row *chosen = &rows[o.n_batches];
  print_row("default", chosen);
  /* The default's speed over the best swept batch's, in wall time and in
   * processor time (less sensitive to other work on the machine). */
  double ratio = rows[best].wall / chosen->wall, cpu_ratio = rows[best_cpu].cpu / chosen->cpu;
  printf("# default batch %d: %.2f samples/s; best swept batch %d: %.2f samples/s; ratio %.2f\n"
         "# processor time: default %.3f s/sample; best swept batch %d: %.3f s/sample; "
         "ratio %.2f\n",
         chosen->used, 1.0 / chosen->wall, rows[best].used, 1.0 / rows[best].wall, ratio,
         chosen->cpu, rows[best_cpu].used, rows[best_cpu].cpu, cpu_ratio);
  printf("{\"sampler\": \"%s\", \"default_batch\": %d, \"default_samples_per_s\": %.4g, "
         "\"best_batch\": %d, \"best_samples_per_s\": %.4g, \"ratio\": %.4g, "
         "\"cpu_ratio\": %.4g, \"default_peak_mib\": %.4g, \"default_bound_mib\": %.4g}\n",
         o.sampler, chosen->used, 1.0 / chosen->wall, rows[best].used, 1.0 / rows[best].wall,
         ratio, cpu_ratio, chosen->peak / 1048576.0, chosen->bound / 1048576.0);
  dm_theory_free(theory);
  dm_binned_shear_free(binned);
  return 0;
}
