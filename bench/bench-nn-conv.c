/* Convolution kernels of the network engine's CPU (or CUDA) backend at the shapes of
 * the reference U-Net (UNet4-32, ../shared/bench/README.md section d),
 * batch 8: forward, backward data and backward filter, one line per shape
 * and direction with the median and the fastest time, and GFLOP/s of the
 * median (2 N O C kh kw Ho Wo floating-point operations per call), and
 * the least processor time of a call divided by the thread count.  On a
 * shared machine the last is the steadiest figure when OpenMP threads wait
 * passively (OMP_WAIT_POLICY=passive): time spent descheduled is not counted.
 *
 *   bench-nn-conv [--device cpu|cuda] [--threads T] [--runs R] [--batch N]
 *
 * --device cuda times the CUDA backend (cuDNN, TF32 on as in training).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-timing.h"
#include "darkmap/nn.h"
#include "nn/nn-backend.h"

typedef struct {
  const char *what;
  int c, o, size, k, stride, pad;
  bool transposed; /* timed as ConvTranspose2d: backward data forward */
} Shape;

static const Shape shapes[] = {
    {"stem", 2, 32, 256, 3, 1, 1, false},
    {"res 32", 32, 32, 256, 3, 1, 1, false},
    {"dec 64->32", 64, 32, 256, 3, 1, 1, false},
    {"down 32->64", 32, 64, 256, 3, 2, 1, false},
    {"res 64", 64, 64, 128, 3, 1, 1, false},
    {"dec 128->64", 128, 64, 128, 3, 1, 1, false},
    {"down 64->128", 64, 128, 128, 3, 2, 1, false},
    {"res 128", 128, 128, 64, 3, 1, 1, false},
    {"dec 256->128", 256, 128, 64, 3, 1, 1, false},
    {"down 128->256", 128, 256, 64, 3, 2, 1, false},
    {"res 256", 256, 256, 32, 3, 1, 1, false},
    {"dec 512->256", 512, 256, 32, 3, 1, 1, false},
    {"down 256->512", 256, 512, 32, 3, 2, 1, false},
    {"res 512", 512, 512, 16, 3, 1, 1, false},
    {"skip 1x1 64->32", 64, 32, 256, 1, 1, 0, false},
    {"up 64->32 k2s2", 32, 64, 256, 2, 2, 0, true},
};

static double clock_seconds(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void fail(DmNn *nn) {
  DmError *error = NULL;
  dm_nn_take_error(nn, &error);
  fprintf(stderr, "bench-nn-conv: %s\n", error ? error->message : "unknown error");
  exit(1);
}

/* Median seconds of `runs` calls of the node, after one untimed call;
 * *fastest: the fastest call; *least_cpu: the least process CPU time of a
 * call. */
static double time_node(DmNn *nn, const DmNnNode *node, int runs, double *fastest,
                        double *least_cpu) {
  double times[64];
  if (!dm_nn_compute(nn, node)) fail(nn);
  *least_cpu = 1e30;
  for (int r = 0; r < runs; r++) {
    const double start = clock_seconds(CLOCK_MONOTONIC);
    const double cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    if (!dm_nn_compute(nn, node) || !dm_nn_synchronize(nn)) fail(nn);
    times[r] = clock_seconds(CLOCK_MONOTONIC) - start;
    const double cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
    if (cpu < *least_cpu) *least_cpu = cpu;
  }
  const double median = bench_median(times, runs);
  *fastest = times[0];
  return median;
}

int main(int argc, char **argv) {
  int threads = 2, runs = 3, batch = 8;
  DmNnDevice device = DM_NN_DEVICE_CPU;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--device") && i + 1 < argc && !strcmp(argv[i + 1], "cpu")) i++;
    else if (!strcmp(argv[i], "--device") && i + 1 < argc && !strcmp(argv[i + 1], "cuda")) {
      device = DM_NN_DEVICE_CUDA;
      i++;
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--device cpu|cuda] [--threads T] [--runs R] [--batch N]\n",
              argv[0]);
      return 2;
    }
  }
  if (runs < 1 || runs > 64) runs = 3;
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(device, threads, &error);
  if (!nn) {
    fprintf(stderr, "bench-nn-conv: %s\n", error->message);
    return 1;
  }
  printf("# %s, batch %d, median of %d runs\n", dm_nn_device_name(nn), batch, runs);
  printf("%-18s %-14s %-9s %10s %10s %9s %10s\n", "shape", "C->O @ size", "direction",
         "median ms", "min ms", "GFLOP/s", "cpu ms/thr");
  double total[3] = {0, 0, 0}, total_fastest[3] = {0, 0, 0}, total_cpu[3] = {0, 0, 0};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const Shape *sh = &shapes[s];
    /* x [N,C,H,W], w [O,C,k,k], y [N,O,Ho,Wo]; a transposed conv runs the
     * backward data kernel from its input (y) to its output (x). */
    const int h = sh->size, ho = (h + 2 * sh->pad - sh->k) / sh->stride + 1;
    DmTensor *x = dm_tensor_new(nn, batch, sh->c, h, h);
    DmTensor *w = dm_tensor_new(nn, sh->o, sh->c, sh->k, sh->k);
    DmTensor *b = dm_tensor_new(nn, sh->o, 1, 1, 1);
    DmTensor *y = dm_tensor_new(nn, batch, sh->o, ho, ho);
    DmTensor *gx = dm_tensor_new(nn, batch, sh->c, h, h);
    DmTensor *gw = dm_tensor_new(nn, sh->o, sh->c, sh->k, sh->k);
    DmTensor *gb = dm_tensor_new(nn, sh->o, 1, 1, 1);
    dm_tensor_fill_normal(x, 1, 0, 0, 1);
    dm_tensor_fill_normal(w, 1, 1, 0, 0.1f);
    dm_tensor_fill_normal(y, 1, 2, 0, 1);
    dm_tensor_fill(b, 0.1f);
    if (!dm_nn_ok(nn)) fail(nn);
    const double flops = 2.0 * batch * sh->o * sh->c * sh->k * sh->k * (double)ho * ho;
    const DmNnNode nodes[3] = {
        {.op = DM_NN_OP_CONV2D, .src = {x, w, b}, .dst = {y}, .stride = sh->stride, .pad = sh->pad},
        {.op = DM_NN_OP_CONV2D_BWD_DATA, .src = {y, w}, .dst = {gx}, .stride = sh->stride,
         .pad = sh->pad},
        {.op = DM_NN_OP_CONV2D_BWD_FILTER, .src = {x, y}, .dst = {gw, gb}, .stride = sh->stride,
         .pad = sh->pad},
    };
    static const char *const names[3] = {"forward", "bwd data", "bwd filt"};
    char label[32];
    if (sh->transposed)
      snprintf(label, sizeof label, "%d->%d @ %d", sh->o, sh->c, ho);
    else
      snprintf(label, sizeof label, "%d->%d @ %d", sh->c, sh->o, h);
    for (int d = 0; d < 3; d++) {
      double fastest, cpu;
      const double seconds = time_node(nn, &nodes[d], runs, &fastest, &cpu);
      total[d] += seconds;
      total_fastest[d] += fastest;
      total_cpu[d] += cpu / threads;
      printf("%-18s %-14s %-9s %10.2f %10.2f %9.1f %10.2f\n", sh->what, label, names[d],
             1e3 * seconds, 1e3 * fastest, flops / seconds * 1e-9, 1e3 * cpu / threads);
      fflush(stdout);
    }
    DmTensor *all[] = {x, w, b, y, gx, gw, gb};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) dm_tensor_free(all[i]);
  }
  printf("# total ms (median): forward %.1f, bwd data %.1f, bwd filter %.1f\n", 1e3 * total[0],
         1e3 * total[1], 1e3 * total[2]);
  printf("# total ms (fastest): forward %.1f, bwd data %.1f, bwd filter %.1f\n",
         1e3 * total_fastest[0], 1e3 * total_fastest[1], 1e3 * total_fastest[2]);
  printf("# total cpu ms / thread: forward %.1f, bwd data %.1f, bwd filter %.1f\n",
         1e3 * total_cpu[0], 1e3 * total_cpu[1], 1e3 * total_cpu[2]);
  dm_nn_free(nn);
  return 0;
}
