/* The network engine on the reference U-Net (UNet4-32, ../shared/bench/README.md
 * section d): inference and one Adam training step at 256 x 256, timed as
 * bench/peers_torch.py times PyTorch.
 *
 *   inference:  forward with recording off (torch.inference_mode), batch 8
 *               and batch 1;
 *   train step: zero the gradients, forward, L1 loss against a target,
 *               backward, Adam (lr 1e-4, betas 0.9 / 0.999, eps 1e-8),
 *               batch 8.
 * Each figure: one untimed warm-up, then N timed runs (median, min, max),
 * and its memory: the engine's peak (dm_nn_memory_peak: the most bytes of
 * blocks in use during the figure), what the caching allocator holds after
 * it (in use and cached: the backend memory the context keeps) and the
 * process's maximum resident set so far (getrusage), which is the figure's
 * own only when it runs alone (--only).  The last line printed is one JSON
 * object {key: median seconds} with the peers' keys (unet.infer_b8,
 * unet.infer_b1, unet.train_step_b8), and per figure the keys
 * <key>.engine_peak_mib, <key>.held_mib and <key>.max_rss_mib.
 *
 *   bench-nn [--device cpu|cuda] [--threads T] [--batch N] [--runs R] [--quick]
 *            [--only infer|infer1|train]
 *
 * --device cuda runs it on the CUDA backend (cuDNN, cuBLAS, TF32 on as in
 * training).  --only runs one figure (bench/run-nn.py measures each
 * figure's resident memory so).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-timing.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/nn-autograd.h"
#include "darkmap/nn-modules.h"
#include "darkmap/nn-ops.h"
#include "darkmap/nn-optim.h"

enum { RESOLUTION = 256, IN_CHANNELS = 2, MAX_RUNS = 32 };

typedef struct {
  DmNn *nn;
  DmNnParams *params;
  DmUNet *unet;
  DmAdam *adam;
  DmTensor *x, *x1, *target; /* input [B,2,256,256], input [1,2,256,256], target [B,1,256,256] */
  DmTensor **tensors;        /* the parameters, for zeroing their gradients */
  int tensor_count;
} Bench;

static void fail(const char *what, DmError *error) {
  fprintf(stderr, "bench-nn: %s: %s\n", what, error ? error->message : "unknown error");
  exit(1);
}

static void check_context(Bench *b, const char *what) {
  DmError *error = NULL;
  if (!dm_nn_take_error(b->nn, &error)) fail(what, error);
}

static void infer(Bench *b, DmTensor *x) {
  const bool was = dm_nn_set_recording(b->nn, false);
  dm_unet_forward(b->unet, x, NULL);
  dm_nn_synchronize(b->nn);
  dm_nn_clear(b->nn);
  dm_nn_set_recording(b->nn, was);
  check_context(b, "inference");
}

static void infer_batch(Bench *b) { infer(b, b->x); }
static void infer_single(Bench *b) { infer(b, b->x1); }

static void train_step(Bench *b) {
  dm_nn_zero_grad(b->tensors, b->tensor_count);
  DmTensor *y = dm_unet_forward(b->unet, b->x, NULL);
  DmTensor *loss = dm_nn_l1_loss(b->nn, y, b->target);
  dm_nn_backward(b->nn, loss);
  dm_nn_clear(b->nn);
  check_context(b, "training step");
  DmError *error = NULL;
  if (!dm_adam_step(b->adam, 1e-4f, NULL, &error)) fail("Adam step", error);
  dm_nn_synchronize(b->nn);
  check_context(b, "training step");
}

/* One figure: what it runs, and its result (median time, memory in MiB). */
typedef struct {
  const char *name;   /* for --only */
  const char *key;    /* the peers' JSON key */
  const char *label, *size;
  void (*fn)(Bench *);
  double median;
  double engine_peak, held, max_rss;
} Figure;

static double mib(size_t bytes) { return (double)bytes / 1048576.0; }

/* The process's largest resident set so far, in MiB. */
static double max_rss_mib(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_maxrss / 1024.0;
}

/* Runs the figure once untimed and `runs` times timed; prints a row and fills its
 * median and memory. */
static void bench(Bench *b, Figure *figure, int runs, int threads) {
  double times[MAX_RUNS];
  dm_nn_memory_reset_peak(b->nn);
  figure->fn(b);
  for (int r = 0; r < runs; r++) {
    const double start = dm_monotonic_seconds();
    figure->fn(b);
    times[r] = dm_monotonic_seconds() - start;
  }
  figure->median = bench_median(times, runs);
  size_t in_use = 0, cached = 0;
  dm_nn_memory_stats(b->nn, &in_use, &cached);
  figure->engine_peak = mib(dm_nn_memory_peak(b->nn));
  figure->held = mib(in_use + cached);
  figure->max_rss = max_rss_mib();
  printf("%-34s %16s %3d %3d %10.4f %10.4f %10.4f %8.0f %8.0f %8.0f\n", figure->label,
         figure->size, threads, runs, figure->median, times[0], times[runs - 1],
         figure->engine_peak, figure->held, figure->max_rss);
  fflush(stdout);
}

int main(int argc, char **argv) {
  int threads = 2, batch = 8, runs = 5;
  const char *only = NULL;
  DmNnDevice device = DM_NN_DEVICE_CPU;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--device") && i + 1 < argc && !strcmp(argv[i + 1], "cpu")) i++;
    else if (!strcmp(argv[i], "--device") && i + 1 < argc && !strcmp(argv[i + 1], "cuda")) {
      device = DM_NN_DEVICE_CUDA;
      i++;
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--quick")) runs = 2;
    else if (!strcmp(argv[i], "--only") && i + 1 < argc &&
             (!strcmp(argv[i + 1], "infer") || !strcmp(argv[i + 1], "infer1") ||
              !strcmp(argv[i + 1], "train")))
      only = argv[++i];
    else {
      fprintf(stderr,
              "usage: %s [--device cpu|cuda] [--threads T] [--batch N] [--runs R] [--quick]\n"
              "          [--only infer|infer1|train]\n",
              argv[0]);
      return 2;
    }
  }
  if (runs < 1 || runs > MAX_RUNS || batch < 1 || threads < 0) {
    fprintf(stderr, "bench-nn: runs must be 1..%d, batch at least 1, threads at least 0\n",
            MAX_RUNS);
    return 2;
  }
  DmError *error = NULL;
  Bench b = {0};
  b.nn = dm_nn_new(device, threads, &error);
  if (!b.nn) fail("network context", error);
  b.params = dm_nn_params_new(b.nn);
  const DmUNetConfig config = dm_unet_config_unet4_32(IN_CHANNELS);
  b.unet = dm_unet_new(b.params, &config, 0, &error);
  if (!b.unet) fail("U-Net", error);
  DmAdamConfig adam_config = dm_adam_config_default();
  adam_config.lr = 1e-4f;
  b.adam = dm_adam_new(b.params, &adam_config, &error);
  if (!b.adam) fail("Adam", error);
  b.tensor_count = dm_nn_params_count(b.params);
  b.tensors = calloc((size_t)b.tensor_count, sizeof *b.tensors);
  for (int i = 0; i < b.tensor_count; i++) b.tensors[i] = dm_nn_params_tensor(b.params, i);

  b.x = dm_tensor_new(b.nn, batch, IN_CHANNELS, RESOLUTION, RESOLUTION);
  b.x1 = dm_tensor_new(b.nn, 1, IN_CHANNELS, RESOLUTION, RESOLUTION);
  b.target = dm_tensor_new(b.nn, batch, 1, RESOLUTION, RESOLUTION);
  dm_tensor_fill_normal(b.x, 1, 0, 0.0f, 1.0f);
  dm_tensor_fill_normal(b.x1, 1, 1, 0.0f, 1.0f);
  dm_tensor_fill_normal(b.target, 1, 2, 0.0f, 1.0f);
  check_context(&b, "inputs");

  printf("# bench-nn: %s; UNet4-32, %lld parameters\n", dm_nn_device_name(b.nn),
         (long long)dm_nn_params_numel(b.params));
  printf("# memory in MiB: engine_peak = the most bytes in use during the figure, held = what "
         "the allocator keeps after it, max_rss = the process's peak resident set so far\n");
  printf("%-34s %16s %3s %3s %10s %10s %10s %8s %8s %8s\n", "name", "size", "thr", "N",
         "median_s", "min_s", "max_s", "peak_MiB", "held_MiB", "rss_MiB");
  char size[64], size1[64], key_infer[64], key_train[64];
  snprintf(size, sizeof size, "%dx%dx%dx%d", batch, IN_CHANNELS, RESOLUTION, RESOLUTION);
  snprintf(size1, sizeof size1, "1x%dx%dx%d", IN_CHANNELS, RESOLUTION, RESOLUTION);
  snprintf(key_infer, sizeof key_infer, "unet.infer_b%d", batch);
  snprintf(key_train, sizeof key_train, "unet.train_step_b%d", batch);
  char label_infer[64], label_train[64];
  snprintf(label_infer, sizeof label_infer, "forward (inference) b%d", batch);
  snprintf(label_train, sizeof label_train, "train step fwd+bwd+Adam b%d", batch);
  Figure figures[] = {
      {.name = "infer", .key = key_infer, .label = label_infer, .size = size, .fn = infer_batch},
      {.name = "infer1", .key = "unet.infer_b1", .label = "forward (inference) b1", .size = size1,
       .fn = infer_single},
      {.name = "train", .key = key_train, .label = label_train, .size = size, .fn = train_step},
  };
  enum { FIGURES = sizeof figures / sizeof figures[0] };
  bool ran[FIGURES] = {false};
  for (int i = 0; i < FIGURES; i++) {
    ran[i] = !only || !strcmp(only, figures[i].name);
    if (ran[i]) bench(&b, &figures[i], runs, threads);
  }

  printf("{");
  bool first = true;
  for (int i = 0; i < FIGURES; i++) {
    if (!ran[i]) continue;
    printf("%s\"%s\": %.5f, \"%s.engine_peak_mib\": %.1f, \"%s.held_mib\": %.1f, "
           "\"%s.max_rss_mib\": %.1f",
           first ? "" : ", ", figures[i].key, figures[i].median, figures[i].key,
           figures[i].engine_peak, figures[i].key, figures[i].held, figures[i].key,
           figures[i].max_rss);
    first = false;
  }
  printf("}\n");

  free(b.tensors);
  dm_adam_free(b.adam);
  dm_unet_free(b.unet);
  dm_nn_params_free(b.params);
  dm_tensor_free(b.x);
  dm_tensor_free(b.x1);
  dm_tensor_free(b.target);
  dm_nn_free(b.nn);
  return 0;
}
