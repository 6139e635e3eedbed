/* Kaiser-Squires plans: every way through a plan gives the same maps.
 *
 * Inputs and outputs aligned for the FFT or not (read and written through the
 * plan's own buffers) or laid out as one two-plane buffer (transformed in
 * place), a zero second input given as NULL or as zeros, the
 * second output wanted or not: the same plan gives the same bits.  Plans on
 * two FFT threads and on one agree to float rounding, and so do a large
 * grid's separate planes (transformed each on a thread of its own) and its
 * pair layout (one pair transform). */
#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/ks.h"
#include "darkmap/rng.h"
#include "test-util.h"

static void white_noise(float *field, size_t n, uint64_t seed) {
  DmRng rng;
  dm_rng_init(&rng, seed, 0);
  for (size_t i = 0; i < n; i++) field[i] = (float)dm_rng_normal(&rng);
}

static bool same_bits(const float *a, const float *b, size_t n) {
  return memcmp(a, b, n * sizeof *a) == 0;
}

static double max_diff(const float *a, const float *b, size_t n) {
  double worst = 0.0;
  for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - b[i]));
  return worst;
}

/* Six planes of n floats from dm_fft_alloc, and the same six shifted by one
 * float (not aligned for the FFT). */
typedef struct {
  float *aligned[6], *shifted[6], *storage[6];
} Planes;

static void planes_init(Planes *p, size_t n) {
  for (int i = 0; i < 6; i++) {
    p->aligned[i] = dm_fft_alloc(n * sizeof(float));
    p->storage[i] = dm_fft_alloc((n + 1) * sizeof(float));
    p->shifted[i] = p->storage[i] + 1;
    CHECK(p->aligned[i] && p->storage[i] && dm_fft_is_aligned(p->aligned[i]) &&
          !dm_fft_is_aligned(p->shifted[i]));
  }
}

static void planes_free(Planes *p) {
  for (int i = 0; i < 6; i++) {
    dm_fft_free(p->aligned[i]);
    dm_fft_free(p->storage[i]);
  }
}

/* One plan, every path: aligned or not, NULL or zero input, with or without
 * the second output; both directions. */
static void test_paths(int nx, int ny) {
  size_t n = (size_t)nx * (size_t)ny;
  DmError *error = NULL;
  DmKsPlan *plan = dm_ks_plan_new(nx, ny, &error);
  CHECK_OK(plan != NULL, error);
  if (!plan) return;
  Planes p;
  planes_init(&p, n);
  float *const *a = p.aligned, *const *s = p.shifted;
  white_noise(a[0], n, 3);
  white_noise(a[1], n, 4);
  memcpy(s[0], a[0], n * sizeof(float));
  memcpy(s[1], a[1], n * sizeof(float));

  /* reference: aligned in and out, both components */
  dm_ks_plan_shear_to_kappa(plan, a[0], a[1], a[2], a[3]);
  dm_ks_plan_shear_to_kappa(plan, s[0], s[1], s[2], s[3]);
  CHECK(same_bits(a[2], s[2], n) && same_bits(a[3], s[3], n));
  dm_ks_plan_shear_to_kappa(plan, s[0], a[1], a[4], s[5]);
  CHECK(same_bits(a[2], a[4], n) && same_bits(a[3], s[5], n));
  dm_ks_plan_shear_to_kappa(plan, a[0], s[1], s[4], NULL);
  CHECK(same_bits(a[2], s[4], n));

  /* planes of one buffer as a pair transform lays them out (a two-plane
   * map's, where n is a multiple of 8 floats), read and written in place */
  size_t stride = dm_fft_pair_stride(n, sizeof(float));
  float *four = dm_fft_alloc(4 * stride * sizeof(float));
  CHECK(four != NULL);
  if (four) {
    memcpy(four, a[0], n * sizeof(float));
    memcpy(four + stride, a[1], n * sizeof(float));
    dm_ks_plan_shear_to_kappa(plan, four, four + stride, four + 2 * stride, four + 3 * stride);
    CHECK(same_bits(a[2], four + 2 * stride, n) && same_bits(a[3], four + 3 * stride, n));
    dm_fft_free(four);
  }

  /* the inverse, with the B mode absent (NULL) or zero */
  memset(s[1], 0, n * sizeof(float));
  dm_ks_plan_kappa_to_shear(plan, a[0], s[1], a[2], a[3]);
  dm_ks_plan_kappa_to_shear(plan, s[0], NULL, s[2], s[3]);
  CHECK(same_bits(a[2], s[2], n) && same_bits(a[3], s[3], n));
  dm_ks_plan_kappa_to_shear(plan, a[0], NULL, a[4], NULL);
  CHECK(same_bits(a[2], a[4], n));
  printf("%d × %d: aligned, unaligned, paired, NULL and zero components give the same bits\n",
         nx, ny);

  dm_ks_plan_free(plan);
  planes_free(&p);
}

/* Two FFT threads against one. */
static void test_threads(int nx, int ny) {
  size_t n = (size_t)nx * (size_t)ny;
  DmError *error = NULL;
  Planes p;
  planes_init(&p, n);
  float *const *a = p.aligned;
  white_noise(a[0], n, 5);
  white_noise(a[1], n, 6);
  float *results[2][2] = {{a[2], a[3]}, {a[4], a[5]}};
  for (int t = 0; t < 2; t++) {
    dm_fft_set_threads(t + 1);
    DmKsPlan *plan = dm_ks_plan_new(nx, ny, &error);
    CHECK_OK(plan != NULL, error);
    if (plan) dm_ks_plan_shear_to_kappa(plan, a[0], a[1], results[t][0], results[t][1]);
    dm_ks_plan_free(plan);
  }
  double diff = fmax(max_diff(a[2], a[4], n), max_diff(a[3], a[5], n));
  printf("%d × %d: one thread against two: max difference %.2e\n", nx, ny, diff);
  CHECK(diff < 1e-5);
  planes_free(&p);
}

/* A grid large enough for separate planes to be transformed apart: the
 * result of separate aligned planes (apart where there are two threads),
 * of unaligned ones (through the plan's buffer) and of a pair layout agree
 * to float rounding, both ways. */
static void test_apart(int nx, int ny) {
  size_t n = (size_t)nx * (size_t)ny, stride = dm_fft_pair_stride(n, sizeof(float));
  DmError *error = NULL;
  DmKsPlan *plan = dm_ks_plan_new(nx, ny, &error);
  CHECK_OK(plan != NULL, error);
  Planes p;
  planes_init(&p, n);
  float *four = dm_fft_alloc(4 * stride * sizeof(float));
  CHECK(four != NULL);
  if (plan && four) {
    float *const *a = p.aligned, *const *s = p.shifted;
    white_noise(a[0], n, 7);
    white_noise(a[1], n, 8);
    memcpy(s[0], a[0], n * sizeof(float));
    memcpy(s[1], a[1], n * sizeof(float));
    memcpy(four, a[0], n * sizeof(float));
    memcpy(four + stride, a[1], n * sizeof(float));
    dm_ks_plan_shear_to_kappa(plan, a[0], a[1], a[2], a[3]);
    dm_ks_plan_shear_to_kappa(plan, s[0], s[1], s[2], s[3]);
    dm_ks_plan_shear_to_kappa(plan, four, four + stride, four + 2 * stride, four + 3 * stride);
    double forward = fmax(fmax(max_diff(a[2], s[2], n), max_diff(a[3], s[3], n)),
                          fmax(max_diff(a[2], four + 2 * stride, n),
                               max_diff(a[3], four + 3 * stride, n)));
    dm_ks_plan_kappa_to_shear(plan, a[2], a[3], a[4], a[5]);
    dm_ks_plan_kappa_to_shear(plan, four + 2 * stride, four + 3 * stride, four, four + stride);
    double inverse = fmax(max_diff(a[4], four, n), max_diff(a[5], four + stride, n));
    printf("%d × %d: apart, through the buffer and paired: max difference %.2e forward, "
           "%.2e inverse\n", nx, ny, forward, inverse);
    CHECK(forward < 1e-5 && inverse < 1e-5);
  }
  dm_fft_free(four);
  dm_ks_plan_free(plan);
  planes_free(&p);
}

int main(void) {
  test_paths(64, 48);
  test_paths(63, 47);
  test_paths(50, 33);
  test_threads(1024, 1024);
  test_threads(63, 47);
  test_apart(1024, 1024);
  return dm_test_result();
}
