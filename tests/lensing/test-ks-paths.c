/* Kaiser-Squires plans: every way through a plan gives the same maps.
 *
 * Inputs and outputs aligned for the FFT or not (rows read and written
 * through a thread's row buffer) or laid out as the planes of one buffer, a
 * zero second input given as NULL or as zeros, the second output wanted or
 * not: the same plan gives the same bits, on grids small enough for one
 * thread and on grids whose rows and column blocks a team shares (the last
 * block narrower).  Plans with teams of 1, 2 and 3 threads give the same
 * bits too. */
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

  /* planes of one buffer, each starting aligned (a two-plane map's, where n
   * is a multiple of 8 floats) */
  size_t stride = dm_fft_aligned_count(n, sizeof(float));
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
  printf("%d × %d: aligned, unaligned, one buffer's planes, NULL and zero components give the same bits\n",
         nx, ny);

  dm_ks_plan_free(plan);
  planes_free(&p);
}

/* Teams of 2 and 3 threads against one thread: the same bits, both ways.
 * The single thread's kappa goes to a[2], a[3] and its shear back to s[2],
 * s[3]; each team's results to a[4], a[5]. */
static void test_threads(int nx, int ny) {
  size_t n = (size_t)nx * (size_t)ny;
  DmError *error = NULL;
  Planes p;
  planes_init(&p, n);
  float *const *a = p.aligned, *const *s = p.shifted;
  white_noise(a[0], n, 5);
  white_noise(a[1], n, 6);
  bool same = true;
  for (int threads = 1; threads <= 3; threads++) {
    dm_fft_set_threads(threads);
    DmKsPlan *plan = dm_ks_plan_new(nx, ny, &error);
    CHECK_OK(plan != NULL, error);
    if (!plan) continue;
    if (threads == 1) {
      dm_ks_plan_shear_to_kappa(plan, a[0], a[1], a[2], a[3]);
      dm_ks_plan_kappa_to_shear(plan, a[2], a[3], s[2], s[3]);
    } else {
      dm_ks_plan_shear_to_kappa(plan, a[0], a[1], a[4], a[5]);
      same = same && same_bits(a[2], a[4], n) && same_bits(a[3], a[5], n);
      dm_ks_plan_kappa_to_shear(plan, a[2], a[3], a[4], a[5]);
      same = same && same_bits(s[2], a[4], n) && same_bits(s[3], a[5], n);
    }
    dm_ks_plan_free(plan);
  }
  dm_fft_set_threads(2);
  printf("%d × %d: teams of 1, 2 and 3 threads give the same bits: %s\n", nx, ny,
         same ? "yes" : "no");
  CHECK(same);
  planes_free(&p);
}

int main(void) {
  dm_fft_set_threads(2);
  test_paths(64, 48);
  test_paths(63, 47);
  test_paths(50, 33);
  test_paths(362, 201); /* a team of 2; 182 columns: 22 blocks of 8 and one of 6 */
  test_threads(1024, 1024);
  test_threads(362, 201);
  return dm_test_result();
}
