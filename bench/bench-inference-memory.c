/* Peak memory of MMGAN sampling (darkmap/mmgan.h's default generator: U-Net
 * depth 4, base width 16, 2 code channels) on a 360² grid (padded to 368²),
 * with the batch swept, in the two ways a forward can hold its
 * intermediates (darkmap/nn.h, "Inference"):
 *   kept:  recording on, the generator's parameters requiring gradients:
 *          the tape holds every intermediate until dm_nn_clear, which is
 *          what every forward kept before dm_tensor_release existed;
 *   freed: recording off, as dm_mmgan_sample runs: each intermediate is
 *          released once consumed.
 * One call does what one batch of dm_mmgan_sample does: upload the
 * condition, draw the noise code, run the generator, crop and denormalise
 * on the device, download.  Each figure comes from a fresh context: the
 * allocator's peak bytes in use over the call (dm_nn_memory_peak; the
 * parameters included), and for "freed" also the peak of dm_mmgan_sample
 * itself and the memory the context holds afterwards (in use + cached:
 * the caching allocator returns nothing before dm_nn_free, so this is what
 * the device gave it).  Backend workspaces (cuDNN's) are not counted.
 *
 * Memory is linear in the batch: bytes per sample = the slope between the
 * two largest batches, fixed bytes = peak - slope * batch; the peaks kept
 * and freed, and the memory held with freeing, are extrapolated to --target
 * samples per call against --budget-gb.
 *
 *   bench-inference-memory [--device cpu|cuda] [--threads T] [--size N]
 *                          [--batches 1,4,16] [--target 256] [--budget-gb 80]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-args.h"
#include "darkmap/mmgan.h"
#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"

enum { MAX_BATCHES = 16 };

typedef struct {
  size_t peak;  /* the most bytes in use during the call */
  size_t held;  /* bytes in use + cached after it */
} Memory;

static void fail(const char *what, DmError *error) {
  fprintf(stderr, "bench-inference-memory: %s: %s\n", what,
          error ? error->message : "unknown error");
  exit(1);
}

static void check_context(DmNn *nn, const char *what) {
  DmError *error = NULL;
  if (!dm_nn_take_error(nn, &error)) fail(what, error);
}

static DmMmganConfig full_config(int n) {
  DmMmganConfig c;
  dm_mmgan_config_init(&c);
  c.nx = c.ny = n;
  return c;
}

static Memory held_after(DmNn *nn) {
  size_t in_use = 0, cached = 0;
  dm_nn_memory_stats(nn, &in_use, &cached);
  return (Memory){.peak = dm_nn_memory_peak(nn), .held = in_use + cached};
}

/* A generator of full_config(n) on a fresh context (*nn; both the
 * caller's to free). */
static DmMmgan *new_generator(DmNnDevice device, int threads, int n, DmNn **nn) {
  DmError *error = NULL;
  *nn = dm_nn_new(device, threads, &error);
  if (!*nn) fail("network context", error);
  DmMmganConfig c = full_config(n);
  DmMmgan *m = dm_mmgan_new(*nn, &c, false, 1, &error);
  if (!m) fail("generator", error);
  return m;
}

/* One batch of samples as dm_mmgan_sample makes it, with recording on or
 * off, on a fresh context; the condition's values do not matter here. */
static Memory one_batch(DmNnDevice device, int threads, int n, int batch, bool recording) {
  DmNn *nn = NULL;
  DmMmgan *m = new_generator(device, threads, n, &nn);
  const DmMmganConfig c = m->config;
  size_t plane = (size_t)m->px * (size_t)m->py, npix = (size_t)n * (size_t)n;
  float *condition_host = calloc((size_t)batch * DM_MMGAN_CONDITION_CHANNELS * plane,
                                 sizeof(float));
  float *samples = malloc((size_t)batch * npix * sizeof(float));
  if (!condition_host || !samples) fail("host memory", NULL);

  dm_nn_set_recording(nn, recording);
  DmTensor *condition = dm_tensor_new(nn, batch, DM_MMGAN_CONDITION_CHANNELS, m->py, m->px);
  dm_tensor_upload(condition, condition_host,
                   (size_t)batch * DM_MMGAN_CONDITION_CHANNELS * plane);
  DmTensor *z = dm_tensor_temp(nn, batch, c.z_channels, m->py, m->px);
  dm_mmgan_fill_code(m, z, 1, 0);
  DmTensor *kappa = dm_mmgan_generate(m, condition, z);
  kappa = dm_nn_periodic_window(nn, kappa, n, n);
  kappa = dm_nn_scale(nn, kappa, (float)c.kappa_std, (float)c.kappa_mean);
  dm_tensor_download(kappa, samples, (size_t)batch * npix);
  dm_nn_synchronize(nn);
  check_context(nn, recording ? "forward on the tape" : "forward");
  dm_nn_clear(nn);
  dm_tensor_free(condition);
  Memory memory = held_after(nn);

  free(condition_host);
  free(samples);
  dm_mmgan_free(m);
  dm_nn_free(nn);
  return memory;
}

/* The peak of dm_mmgan_sample itself, `batch` samples in one call. */
static Memory sampler(DmNnDevice device, int threads, int n, int batch) {
  DmNn *nn = NULL;
  DmMmgan *m = new_generator(device, threads, n, &nn);
  DmError *error = NULL;
  size_t npix = (size_t)n * (size_t)n;
  float *g1 = calloc(npix, sizeof(float)), *g2 = calloc(npix, sizeof(float));
  float *mask = malloc(npix * sizeof(float)), *samples = malloc((size_t)batch * npix * sizeof(float));
  if (!g1 || !g2 || !mask || !samples) fail("host memory", NULL);
  for (size_t i = 0; i < npix; i++) mask[i] = 1.0f;
  if (!dm_mmgan_sample(m, g1, g2, mask, batch, batch, 1, samples, NULL, &error))
    fail("sampling", error);
  Memory memory = held_after(nn);
  free(g1);
  free(g2);
  free(mask);
  free(samples);
  dm_mmgan_free(m);
  dm_nn_free(nn);
  return memory;
}

static double mib(size_t bytes) { return (double)bytes / 1048576.0; }

/* Bytes per sample (slope between the last two batches) and the fixed part;
 * prints the extrapolation to target. */
static void extrapolate(const char *label, const int *batches, const size_t *peaks, int count,
                        int target, double budget_gb) {
  double per_sample = count > 1 ? ((double)peaks[count - 1] - (double)peaks[count - 2]) /
                                      (batches[count - 1] - batches[count - 2])
                                : (double)peaks[0] / batches[0];
  double fixed = (double)peaks[count - 1] - per_sample * batches[count - 1];
  double at_target = fixed + per_sample * target;
  printf("# %-6s %8.2f MiB per sample, %8.2f MiB fixed: batch %d needs %.2f GB (%s %.0f GB)\n",
         label, per_sample / 1048576.0, fixed / 1048576.0, target, at_target / 1e9,
         at_target <= budget_gb * 1e9 ? "fits in" : "does not fit in", budget_gb);
}

int main(int argc, char **argv) {
  int threads = 0, size = 360, target = 256;
  double budget_gb = 80.0;
  int batches[MAX_BATCHES] = {1, 4, 16}, n_batches = 3;
  DmNnDevice device = DM_NN_DEVICE_CPU;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--device") && i + 1 < argc) {
      DmError *error = NULL;
      if (!dm_nn_device_from_name(argv[++i], &device, &error)) fail("--device", error);
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--size") && i + 1 < argc) size = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--target") && i + 1 < argc) target = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--budget-gb") && i + 1 < argc) budget_gb = atof(argv[++i]);
    else if (!strcmp(argv[i], "--batches") && i + 1 < argc)
      n_batches = bench_parse_list(argv[++i], batches, MAX_BATCHES);
    else {
      fprintf(stderr,
              "usage: %s [--device cpu|cuda] [--threads T] [--size N] [--batches 1,4,16]\n"
              "          [--target 256] [--budget-gb 80]\n",
              argv[0]);
      return 2;
    }
  }
  if (threads < 0 || size < 16 || target < 1 || budget_gb <= 0 || n_batches < 1) {
    fprintf(stderr, "bench-inference-memory: threads >= 0, size >= 16, target >= 1, a positive "
                    "budget and a non-empty batch list\n");
    return 2;
  }

  DmNn *nn = NULL;
  DmMmgan *m = new_generator(device, threads, size, &nn);
  const DmMmganConfig c = m->config;
  printf("# %s\n# MMGAN generator: depth %d, width %d, %d code channels, %dx%d padded to "
         "%dx%d, %lld parameters\n",
         dm_nn_device_name(nn), c.depth, c.base_width, c.z_channels, size, size, m->px, m->py,
         (long long)dm_mmgan_generator_size(m));
  dm_mmgan_free(m);
  dm_nn_free(nn);

  printf("%6s %14s %14s %14s %14s\n", "batch", "kept_peak_MiB", "freed_peak_MiB",
         "sampler_MiB", "freed_held_MiB");
  size_t kept[MAX_BATCHES], freed[MAX_BATCHES], held[MAX_BATCHES];
  for (int b = 0; b < n_batches; b++) {
    Memory k = one_batch(device, threads, size, batches[b], true);
    Memory f = one_batch(device, threads, size, batches[b], false);
    Memory s = sampler(device, threads, size, batches[b]);
    kept[b] = k.peak;
    freed[b] = f.peak;
    held[b] = f.held;
    printf("%6d %14.2f %14.2f %14.2f %14.2f\n", batches[b], mib(k.peak), mib(f.peak),
           mib(s.peak), mib(f.held));
    fflush(stdout);
  }
  extrapolate("kept", batches, kept, n_batches, target, budget_gb);
  extrapolate("freed", batches, freed, n_batches, target, budget_gb);
  extrapolate("held", batches, held, n_batches, target, budget_gb);
  return 0;
}
