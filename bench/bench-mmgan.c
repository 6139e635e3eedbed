/* MMGAN posterior sampling speed (darkmap/mmgan.h): samples per second of
 * the full-size generator (U-Net depth 4, base width 16, 2 code channels)
 * on one binned shear at 300² and 360² pixels (padded to 304² and 368²),
 * with the batch (samples per generator call) swept, beside a peer
 * measured in the same run: the Kaiser-Squires map of the same grid
 * (FFTW on the CPU), whose time gives the ratio "one MMGAN
 * sample costs R KS maps".  Optionally the time of one training step
 * (critic + generator, batch 4 conditions × 2 samples, data preparation
 * included) on a small pool, to size training runs.
 *
 * The weights are the untrained initialisation: the time does not depend on
 * their values.  Each figure: one untimed warm-up call, then R timed runs
 * of dm_mmgan_sample (K samples each; median, min, max); samples/s =
 * K / median.  The last line is one JSON object {key: value}.
 *
 *   bench-mmgan [--device cpu|cuda] [--threads T] [--sizes 300,360]
 *               [--batches 1,4,16] [--samples K] [--runs R] [--train-steps S]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-args.h"
#include "bench-timing.h"
#include "darkmap/ks.h"
#include "darkmap/mmgan-train.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/rng.h"
#include "darkmap/theory.h"

enum { MAX_RUNS = 32, MAX_LIST = 16 };

static void fail(const char *what, DmError *error) {
  fprintf(stderr, "bench-mmgan: %s: %s\n", what, error ? error->message : "unknown error");
  exit(1);
}

static void row(const char *label, int size, int batch, int runs, double *times, double median) {
  printf("%-28s %5d %6d %4d %10.5f %10.5f %10.5f\n", label, size, batch, runs, median, times[0],
         times[runs - 1]);
  fflush(stdout);
}

/* A shear map of COSMOS-like amplitude with a mask of 1 everywhere but a
 * band (sampling time does not depend on the values). */
static void make_shear(int n, float *g1, float *g2, float *mask) {
  DmRng rng;
  dm_rng_init(&rng, 5, 0);
  for (size_t i = 0; i < (size_t)n * n; i++) {
    mask[i] = (i / (size_t)n) % 17 == 3 ? 0.0f : 1.0f;
    g1[i] = mask[i] * (float)(0.2 * dm_rng_normal(&rng));
    g2[i] = mask[i] * (float)(0.2 * dm_rng_normal(&rng));
  }
}

static DmMmganConfig full_config(int n) {
  DmMmganConfig c;
  dm_mmgan_config_init(&c);
  c.nx = c.ny = n;
  c.kappa_std = 0.02;
  c.shear_scale = 0.2;
  return c;
}

/* One training step's time at size n: batch 4 on a pool of 4 noiseless
 * lognormal maps. */
static double train_step_time(DmNn *nn, int n, int steps, const char *theory_path) {
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_theory_read_csv(theory_path, NULL, &error);
  if (!theory) fail("theory", error);
  DmMockSurvey *survey = dm_mock_survey_new_noiseless(n, n, NULL, &error);
  if (!survey) fail("survey", error);
  DmDatasetConfig dc;
  dm_dataset_config_init(&dc);
  dc.theory = theory;
  dc.nx = dc.ny = n;
  DmDataset *dataset = dm_dataset_new(&dc, &error);
  DmMmganPoolOptions po = {.n_kappa = 4, .n_noise = 2, .n_validation = 1, .noise_seed = 1};
  DmMmganPool *pool = dataset ? dm_mmgan_pool_new(dataset, survey, &po, NULL, &error) : NULL;
  if (!pool) fail("pool", error);
  DmMmganConfig c = full_config(n);
  dm_mmgan_pool_statistics(pool, &c.kappa_mean, &c.kappa_std, &c.shear_scale);
  DmMmgan *m = dm_mmgan_new(nn, &c, true, 1, &error);
  DmMmganTrainer *t = m ? dm_mmgan_trainer_new(m, pool, NULL, &error) : NULL;
  if (!t || !dm_mmgan_trainer_run(t, 1, NULL, NULL, &error)) fail("training step", error);
  dm_nn_synchronize(nn);
  double start = dm_monotonic_seconds();
  if (!dm_mmgan_trainer_run(t, steps, NULL, NULL, &error)) fail("training step", error);
  dm_nn_synchronize(nn);
  double seconds = (dm_monotonic_seconds() - start) / steps;
  dm_mmgan_trainer_free(t);
  dm_mmgan_free(m);
  dm_mmgan_pool_free(pool);
  dm_dataset_free(dataset);
  dm_mock_survey_free(survey);
  dm_theory_free(theory);
  return seconds;
}

int main(int argc, char **argv) {
  int threads = 2, runs = 3, samples = 0, train_steps = 0;
  int sizes[MAX_LIST] = {300, 360}, n_sizes = 2;
  int batches[MAX_LIST] = {1, 4, 8}, n_batches = 3;
  bool batches_given = false;
  DmNnDevice device = DM_NN_DEVICE_CPU;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--device") && i + 1 < argc && !strcmp(argv[i + 1], "cpu")) i++;
    else if (!strcmp(argv[i], "--device") && i + 1 < argc && !strcmp(argv[i + 1], "cuda")) {
      device = DM_NN_DEVICE_CUDA;
      i++;
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--samples") && i + 1 < argc) samples = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--train-steps") && i + 1 < argc) train_steps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--sizes") && i + 1 < argc)
      n_sizes = bench_parse_list(argv[++i], sizes, MAX_LIST);
    else if (!strcmp(argv[i], "--batches") && i + 1 < argc) {
      n_batches = bench_parse_list(argv[++i], batches, MAX_LIST);
      batches_given = true;
    } else {
      fprintf(stderr,
              "usage: %s [--device cpu|cuda] [--threads T] [--sizes 300,360] [--batches 1,4,16]\n"
              "          [--samples K] [--runs R] [--train-steps S]\n",
              argv[0]);
      return 2;
    }
  }
  if (runs < 1 || runs > MAX_RUNS || threads < 0 || n_sizes < 1 || n_batches < 1 ||
      samples < 0 || train_steps < 0) {
    fprintf(stderr, "bench-mmgan: runs 1..%d, threads >= 0, non-empty size and batch lists\n",
            MAX_RUNS);
    return 2;
  }
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(device, threads, &error);
  if (!nn) fail("network context", error);
  if (device == DM_NN_DEVICE_CUDA && !batches_given) {
    const int gpu[] = {1, 8, 32, 64, 128, 256};
    n_batches = 6;
    memcpy(batches, gpu, sizeof gpu);
  }
  printf("# %s\n", dm_nn_device_name(nn));
  printf("%-28s %5s %6s %4s %10s %10s %10s\n", "what", "size", "batch", "runs", "median_s",
         "min_s", "max_s");
  char json[8192];
  int used = snprintf(json, sizeof json, "{\"device\": \"%s\"", dm_nn_is_gpu(nn) ? "cuda" : "cpu");
  for (int s = 0; s < n_sizes; s++) {
    int n = sizes[s];
    size_t npix = (size_t)n * n;
    float *g1 = malloc(npix * sizeof(float)), *g2 = malloc(npix * sizeof(float));
    float *mask = malloc(npix * sizeof(float)), *kappa = malloc(npix * sizeof(float));
    if (!g1 || !g2 || !mask || !kappa) fail("memory", NULL);
    make_shear(n, g1, g2, mask);
    /* The peer: one Kaiser-Squires map of the grid (a plan made once). */
    DmKsPlan *plan = dm_ks_plan_new(n, n, &error);
    if (!plan) fail("KS plan", error);
    double times[MAX_RUNS];
    dm_ks_plan_shear_to_kappa(plan, g1, g2, kappa, NULL);
    for (int r = 0; r < runs; r++) {
      double start = dm_monotonic_seconds();
      for (int k = 0; k < 10; k++) dm_ks_plan_shear_to_kappa(plan, g1, g2, kappa, NULL);
      times[r] = (dm_monotonic_seconds() - start) / 10;
    }
    double ks = bench_median(times, runs);
    row("KS map (peer)", n, 1, runs, times, ks);
    dm_ks_plan_free(plan);
    used += snprintf(json + used, sizeof json - (size_t)used, ", \"ks_%d\": %.6g", n, ks);

    DmMmganConfig c = full_config(n);
    DmMmgan *m = dm_mmgan_new(nn, &c, false, 1, &error);
    if (!m) fail("generator", error);
    if (s == 0)
      printf("# generator: depth %d, width %d, %lld parameters (%.2f MiB float32)\n", c.depth,
             c.base_width, (long long)dm_mmgan_generator_size(m),
             (double)dm_mmgan_generator_size(m) * 4.0 / 1048576.0);
    for (int b = 0; b < n_batches; b++) {
      int batch = batches[b], k = samples > 0 ? samples : batch * (dm_nn_is_gpu(nn) ? 4 : 1);
      if (k < batch) k = batch;
      float *out = malloc((size_t)k * npix * sizeof(float));
      if (!out) fail("memory", NULL);
      if (!dm_mmgan_sample(m, g1, g2, mask, batch, batch, 1, out, NULL, &error))
        fail("sampling", error);
      for (int r = 0; r < runs; r++) {
        double start = dm_monotonic_seconds();
        if (!dm_mmgan_sample(m, g1, g2, mask, k, batch, 1, out, NULL, &error))
          fail("sampling", error);
        times[r] = (dm_monotonic_seconds() - start) / k;
      }
      double per_sample = bench_median(times, runs);
      char label[64];
      snprintf(label, sizeof label, "MMGAN s/sample (%d/call)", k);
      row(label, n, batch, runs, times, per_sample);
      printf("%-28s %5d %6d      %10.1f samples/s, %.1f KS maps per sample\n", "", n, batch,
             1.0 / per_sample, per_sample / ks);
      used += snprintf(json + used, sizeof json - (size_t)used,
                       ", \"mmgan_%d_b%d_samples_per_s\": %.6g", n, batch, 1.0 / per_sample);
      free(out);
    }
    dm_mmgan_free(m);
    if (train_steps > 0) {
      double step = train_step_time(nn, n, train_steps, BENCH_THEORY);
      printf("%-28s %5d %6d %4d %10.5f\n", "MMGAN training step (s)", n, 4, train_steps, step);
      used += snprintf(json + used, sizeof json - (size_t)used, ", \"mmgan_%d_train_step\": %.6g",
                       n, step);
    }
    free(g1);
    free(g2);
    free(mask);
    free(kappa);
  }
  printf("%s}\n", json);
  dm_nn_free(nn);
  return 0;
}
