/* Kaiser-Squires: round trips, E/B separation, single Fourier modes,
 * padding, odd sizes and the map-level wrappers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/ks.h"
#include "darkmap/rng.h"
#include "darkmap/smooth.h"
#include "test-util.h"

#define PI 3.14159265358979323846

static void white_noise(float *field, int nx, int ny, uint64_t seed) {
  DmRng rng;
  dm_rng_init(&rng, seed, 0);
  for (int i = 0; i < nx * ny; i++) field[i] = (float)dm_rng_normal(&rng);
}

/* Removes the mean and, on even axes, the Nyquist row and column. */
static void remove_mean_and_nyquist(float *field, int nx, int ny) {
  int hx = nx / 2 + 1;
  DmError *error = NULL;
  const DmFftPlan *r2c = dm_fft_plan(nx, ny, DM_FFT_R2C, &error);
  const DmFftPlan *c2r = dm_fft_plan(nx, ny, DM_FFT_C2R, &error);
  CHECK_OK(r2c && c2r, error);
  float *real = dm_fft_alloc((size_t)nx * ny * sizeof *real);
  dm_complex *modes = dm_fft_alloc((size_t)hx * ny * sizeof *modes);
  memcpy(real, field, (size_t)nx * ny * sizeof *real);
  dm_fft_execute(r2c, real, modes);
  modes[0] = 0;
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < hx; x++)
      if ((ny % 2 == 0 && y == ny / 2) || (nx % 2 == 0 && x == nx / 2)) modes[y * hx + x] = 0;
  dm_fft_execute(c2r, modes, real);
  for (int i = 0; i < nx * ny; i++) field[i] = real[i] / (float)(nx * ny);
  dm_fft_free(real);
  dm_fft_free(modes);
}

static double rms(const float *a, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += (double)a[i] * a[i];
  return sqrt(s / n);
}

static double max_diff(const float *a, const float *b, int n) {
  double m = 0.0;
  for (int i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
  return m;
}

/* kappa -> shear -> kappa recovers E and B fields without mean and Nyquist
 * modes, on even and odd grids. */
static void test_round_trip(int nx, int ny) {
  int n = nx * ny;
  float *ke = malloc(n * sizeof *ke), *kb = malloc(n * sizeof *kb);
  float *g1 = malloc(n * sizeof *g1), *g2 = malloc(n * sizeof *g2);
  float *re = malloc(n * sizeof *re), *rb = malloc(n * sizeof *rb);
  white_noise(ke, nx, ny, 11);
  white_noise(kb, nx, ny, 12);
  remove_mean_and_nyquist(ke, nx, ny);
  remove_mean_and_nyquist(kb, nx, ny);

  DmError *error = NULL;
  DmKsPlan *plan = dm_ks_plan_new(nx, ny, &error);
  CHECK_OK(plan != NULL, error);
  if (plan) {
    dm_ks_plan_kappa_to_shear(plan, ke, kb, g1, g2);
    dm_ks_plan_shear_to_kappa(plan, g1, g2, re, rb);
    double err_e = max_diff(re, ke, n) / rms(ke, n);
    double err_b = max_diff(rb, kb, n) / rms(kb, n);
    printf("round trip %d × %d: max error / rms = %.2e (E), %.2e (B)\n", nx, ny, err_e, err_b);
    CHECK(err_e < 1e-5);
    CHECK(err_b < 1e-5);
    /* the shear has the power of the convergence (|D| = 1 off k = 0) */
    double power_g = rms(g1, n) * rms(g1, n) + rms(g2, n) * rms(g2, n);
    double power_k = rms(ke, n) * rms(ke, n) + rms(kb, n) * rms(kb, n);
    CHECK_CLOSE(power_g / power_k, 1.0, 1e-5);
  }
  dm_ks_plan_free(plan);
  free(ke);
  free(kb);
  free(g1);
  free(g2);
  free(re);
  free(rb);
}

/* An independent reference in the style of lenspack's ks93 / ks93inv: each
 * real map is filtered on its own, out = Re IFFT(kernel FFT(in)), with the
 * kernels a = (k1² − k2²)/|k|² (which = 0) and b = 2 k1 k2/|k|² (which = 1)
 * taken straight from fftfreq, without any Nyquist special case.  Taking the
 * real part is what keeps E and B apart here. */
static void reference_filter(const float *in, int nx, int ny, int which, float *out) {
  int n = nx * ny;
  DmError *error = NULL;
  const DmFftPlan *fwd = dm_fft_plan(nx, ny, DM_FFT_C2C_FORWARD, &error);
  const DmFftPlan *bwd = dm_fft_plan(nx, ny, DM_FFT_C2C_BACKWARD, &error);
  CHECK_OK(fwd && bwd, error);
  dm_complex *a = dm_fft_alloc(n * sizeof *a), *b = dm_fft_alloc(n * sizeof *b);
  for (int i = 0; i < n; i++) a[i] = in[i];
  dm_fft_execute(fwd, a, b);
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      double k1 = dm_fft_freq(x, nx), k2 = dm_fft_freq(y, ny), k_sq = k1 * k1 + k2 * k2;
      double kernel = k_sq == 0.0   ? 0.0
                      : which == 0 ? (k1 * k1 - k2 * k2) / k_sq
                                   : 2.0 * k1 * k2 / k_sq;
      b[y * nx + x] *= (float)kernel;
    }
  dm_fft_execute(bwd, b, a);
  for (int i = 0; i < n; i++) out[i] = crealf(a[i]) / (float)n;
  dm_fft_free(a);
  dm_fft_free(b);
}

/* Reference inverse: kappa_E = A g1 + B g2, kappa_B = −B g1 + A g2. */
static void reference_inverse(const float *g1, const float *g2, int nx, int ny, float *ke,
                              float *kb) {
  int n = nx * ny;
  float *t1 = malloc(n * sizeof *t1), *t2 = malloc(n * sizeof *t2);
  reference_filter(g1, nx, ny, 0, t1);
  reference_filter(g2, nx, ny, 1, t2);
  for (int i = 0; i < n; i++) ke[i] = t1[i] + t2[i];
  reference_filter(g1, nx, ny, 1, t1);
  reference_filter(g2, nx, ny, 0, t2);
  for (int i = 0; i < n; i++) kb[i] = t2[i] - t1[i];
  free(t1);
  free(t2);
}

/* A pure E field with all its modes, Nyquist included: its shear made by the
 * reference (g1 = A kappa, g2 = B kappa) must give no B mode, and both
 * directions must agree with the reference.  Without the Nyquist zeroing,
 * the single complex FFT mixes E and B on even grids. */
static void test_e_b_separation(int nx, int ny) {
  int n = nx * ny;
  float *ke = malloc(n * sizeof *ke), *g1 = malloc(n * sizeof *g1), *g2 = malloc(n * sizeof *g2);
  float *re = malloc(n * sizeof *re), *rb = malloc(n * sizeof *rb);
  float *ref_e = malloc(n * sizeof *ref_e), *ref_b = malloc(n * sizeof *ref_b);
  white_noise(ke, nx, ny, 21);
  reference_filter(ke, nx, ny, 0, g1);
  reference_filter(ke, nx, ny, 1, g2);
  DmError *error = NULL;
  DmKsPlan *plan = dm_ks_plan_new(nx, ny, &error);
  CHECK_OK(plan != NULL, error);
  if (plan) {
    double scale = rms(ke, n);
    dm_ks_plan_shear_to_kappa(plan, g1, g2, re, rb);
    double leak_max = 0.0;
    for (int i = 0; i < n; i++) leak_max = fmax(leak_max, fabs(rb[i]));
    reference_inverse(g1, g2, nx, ny, ref_e, ref_b);
    double err_inverse = max_diff(re, ref_e, n) / scale;
    /* the forward model against the reference */
    dm_ks_plan_kappa_to_shear(plan, ke, NULL, re, rb);
    double err_forward = fmax(max_diff(re, g1, n), max_diff(rb, g2, n)) / scale;
    /* a shear with both E and B against the reference inverse */
    white_noise(g1, nx, ny, 22);
    white_noise(g2, nx, ny, 23);
    dm_ks_plan_shear_to_kappa(plan, g1, g2, re, rb);
    reference_inverse(g1, g2, nx, ny, ref_e, ref_b);
    double err_mixed = fmax(max_diff(re, ref_e, n), max_diff(rb, ref_b, n)) / rms(g1, n);
    printf("E/B separation %d × %d: max |B| / kappa rms = %.2e; against the reference: "
           "%.2e (inverse), %.2e (forward), %.2e (E+B shear)\n",
           nx, ny, leak_max / scale, err_inverse, err_forward, err_mixed);
    CHECK(leak_max < 1e-5 * scale);
    CHECK(err_inverse < 1e-5);
    CHECK(err_forward < 1e-5);
    CHECK(err_mixed < 1e-5);
  }
  dm_ks_plan_free(plan);
  free(ke);
  free(g1);
  free(g2);
  free(re);
  free(rb);
  free(ref_e);
  free(ref_b);
}

/* One Fourier mode: g1 = cos(2 pi (k1 x + k2 y)) gives kappa_E = a cos and
 * kappa_B = −b cos, g2 = cos gives kappa_E = b cos and kappa_B = a cos, with
 * a = (k1² − k2²)/|k|², b = 2 k1 k2/|k|². */
static void test_single_mode(void) {
  enum { NX = 40, NY = 30, N = NX * NY };
  const int mx = 3, my = -2;
  double k1 = (double)mx / NX, k2 = (double)my / NY, k_sq = k1 * k1 + k2 * k2;
  double a = (k1 * k1 - k2 * k2) / k_sq, b = 2.0 * k1 * k2 / k_sq;
  static float wave[N], zero[N], ke[N], kb[N];
  for (int y = 0; y < NY; y++)
    for (int x = 0; x < NX; x++) wave[y * NX + x] = (float)cos(2.0 * PI * (k1 * x + k2 * y));

  DmError *error = NULL;
  DmKsPlan *plan = dm_ks_plan_new(NX, NY, &error);
  CHECK_OK(plan != NULL, error);
  if (!plan) return;
  double worst = 0.0;
  dm_ks_plan_shear_to_kappa(plan, wave, zero, ke, kb);
  for (int i = 0; i < N; i++) {
    worst = fmax(worst, fabs(ke[i] - a * wave[i]));
    worst = fmax(worst, fabs(kb[i] + b * wave[i]));
  }
  dm_ks_plan_shear_to_kappa(plan, zero, wave, ke, kb);
  for (int i = 0; i < N; i++) {
    worst = fmax(worst, fabs(ke[i] - b * wave[i]));
    worst = fmax(worst, fabs(kb[i] - a * wave[i]));
  }
  printf("single mode (%d, %d): a = %.6f, b = %.6f, max error %.2e\n", mx, my, a, b, worst);
  CHECK(worst < 1e-5);
  /* a constant shear has no convergence (k = 0 set to 0) */
  for (int i = 0; i < N; i++) wave[i] = 0.25f;
  dm_ks_plan_shear_to_kappa(plan, wave, wave, ke, NULL);
  CHECK(max_diff(ke, zero, N) < 1e-7);
  dm_ks_plan_free(plan);
}

/* A map whose WCS-free 2-plane shear comes from a smooth pure-E field; checks
 * provenance, smoothing and padding at the map level. */
static void test_map_level(void) {
  enum { NX = 96, NY = 80, N = NX * NY };
  DmError *error = NULL;
  DmMap *kappa = dm_map_new(NX, NY, 1, NULL, &error);
  CHECK_OK(kappa != NULL, error);
  if (!kappa) return;
  /* a smooth field: white noise smoothed over 3 pixels, mean removed */
  float *k = dm_map_plane(kappa, 0);
  white_noise(k, NX, NY, 31);
  CHECK_OK(dm_smooth_gaussian(k, NX, NY, 3.0, &error), error);
  remove_mean_and_nyquist(k, NX, NY);
  CHECK_OK(dm_map_set_string(kappa, "OBJECT", "test field", NULL, &error), error);

  DmMap *shear = NULL, *ke = NULL, *kb = NULL;
  CHECK_OK(dm_ks_kappa_to_shear(kappa, NULL, &shear, &error), error);
  if (!shear) {
    dm_map_free(kappa);
    return;
  }
  CHECK(shear->nplanes == 2 && shear->nx == NX && shear->ny == NY);

  /* unpadded, unsmoothed: the round trip, with provenance */
  CHECK_OK(dm_ks_shear_to_kappa(shear, NULL, &ke, &kb, &error), error);
  if (ke && kb) {
    double err = max_diff(dm_map_plane(ke, 0), k, N) / rms(k, N);
    printf("map-level round trip: %.2e\n", err);
    CHECK(err < 1e-5);
    CHECK(rms(dm_map_plane(kb, 0), N) < 1e-5 * rms(k, N));
    const DmMetaCard *method = dm_map_find_card(ke, "METHOD");
    CHECK(method && method->type == DM_META_STRING && strcmp(method->text, "KS93") == 0);
    const DmMetaCard *bmode = dm_map_find_card(kb, "BMODE");
    CHECK(bmode && bmode->type == DM_META_BOOL && bmode->number == 1.0);
    bmode = dm_map_find_card(ke, "BMODE");
    CHECK(bmode && bmode->number == 0.0);
    const DmMetaCard *object = dm_map_find_card(ke, "OBJECT");
    CHECK(object && strcmp(object->text, "test field") == 0);
  }
  dm_map_free(ke);
  dm_map_free(kb);
  ke = kb = NULL;

  /* smoothing equals dm_smooth_gaussian of the unsmoothed result */
  DmKsOptions smooth = {.pad = false, .smooth_sigma_pixels = 2.0};
  CHECK_OK(dm_ks_shear_to_kappa(shear, &smooth, &ke, NULL, &error), error);
  if (ke) {
    float *expected = malloc(N * sizeof *expected);
    memcpy(expected, k, N * sizeof *expected);
    CHECK_OK(dm_smooth_gaussian(expected, NX, NY, 2.0, &error), error);
    CHECK(max_diff(dm_map_plane(ke, 0), expected, N) < 1e-5 * rms(k, N));
    const DmMetaCard *card = dm_map_find_card(ke, "KSSMOOTH");
    CHECK(card && card->number == 2.0);
    free(expected);
  }
  dm_map_free(ke);
  ke = NULL;

  /* padding: the shear now ends at the map's edges (no periodic images), so
   * the result differs near the edges but stays close in the interior */
  DmKsOptions pad = {.pad = true, .smooth_sigma_pixels = 0.0};
  CHECK_OK(dm_ks_shear_to_kappa(shear, &pad, &ke, &kb, &error), error);
  if (ke && kb) {
    const float *pe = dm_map_plane(ke, 0), *pb = dm_map_plane(kb, 0);
    double se = 0.0, sb = 0.0, sk = 0.0;
    int count = 0;
    for (int y = NY / 4; y < 3 * NY / 4; y++)
      for (int x = NX / 4; x < 3 * NX / 4; x++) {
        int i = y * NX + x;
        se += (pe[i] - k[i]) * (pe[i] - k[i]);
        sb += pb[i] * pb[i];
        sk += k[i] * k[i];
        count++;
      }
    double err_e = sqrt(se / sk), err_b = sqrt(sb / sk);
    printf("padded, central half: E error rms / kappa rms = %.3f, B rms / kappa rms = %.3f\n",
           err_e, err_b);
    CHECK(err_e < 0.15);
    CHECK(err_b < 0.15);
    CHECK(count > 0);
    const DmMetaCard *card = dm_map_find_card(ke, "KSPAD");
    CHECK(card && card->type == DM_META_BOOL && card->number == 1.0);
  }
  dm_map_free(ke);
  dm_map_free(kb);

  /* a one-plane map is not a shear map */
  CHECK_FAILS(dm_ks_shear_to_kappa(kappa, NULL, &ke, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  dm_map_free(shear);
  dm_map_free(kappa);
}

/* The WCS of the shear is carried to the results. */
static void test_wcs_carried(void) {
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.1, 2.2, 0.29 / 60.0, 32, 24, true, &error);
  CHECK_OK(wcs != NULL, error);
  DmMap *shear = dm_map_new(32, 24, 2, wcs, &error);
  CHECK_OK(shear != NULL, error);
  DmMap *ke = NULL;
  if (shear) {
    white_noise(shear->data, 32, 48, 41);
    DmKsOptions options = {.pad = true, .smooth_sigma_pixels = 1.0};
    CHECK_OK(dm_ks_shear_to_kappa(shear, &options, &ke, NULL, &error), error);
  }
  if (ke) {
    CHECK(ke->wcs != NULL && dm_wcs_equal(ke->wcs, wcs, 32, 24, 1e-9));
    CHECK(ke->nx == 32 && ke->ny == 24 && ke->nplanes == 1);
  }
  dm_map_free(ke);
  dm_map_free(shear);
  dm_wcs_free(wcs);
}

int main(void) {
  test_round_trip(64, 48);
  test_round_trip(63, 47);
  test_round_trip(64, 45);
  test_e_b_separation(64, 48);
  test_e_b_separation(63, 47);
  test_e_b_separation(50, 33);
  dm_fft_set_threads(2); /* a team of 2 threads, 182 columns in 23 blocks */
  test_round_trip(362, 201);
  test_e_b_separation(362, 201);
  test_single_mode();
  test_map_level();
  test_wcs_carried();
  return dm_test_result();
}
