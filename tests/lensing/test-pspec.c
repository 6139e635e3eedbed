/* Power spectra: normalisation (Parseval, white noise), Gaussian fields of
 * the kTNG theory, log and linear bins (against a mode-by-mode count), masks,
 * pixel scale, CSV output. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "darkmap/csv.h"
#include "darkmap/fft.h"
#include "darkmap/gaussian-field.h"
#include "darkmap/pspec.h"
#include "darkmap/rng.h"
#include "darkmap/theory.h"
#include "test-util.h"

#define PI 3.14159265358979323846

static double omega_pix(double pixel_arcmin) {
  double rad = pixel_arcmin / 60.0 * PI / 180.0;
  return rad * rad;
}

static DmMap *white_noise_map(int nx, int ny, uint64_t seed) {
  DmError *error = NULL;
  DmMap *map = dm_map_new(nx, ny, 1, NULL, &error);
  CHECK_OK(map != NULL, error);
  if (!map) return NULL;
  DmRng rng;
  dm_rng_init(&rng, seed, 0);
  for (int i = 0; i < nx * ny; i++) map->data[i] = (float)dm_rng_normal(&rng);
  return map;
}

/* With one bin holding every mode, the spectrum is Parseval's sum:
 * sum_{k != 0} |F|² = N sum x² − (sum x)², over N_pix − 1 modes. */
static void test_parseval(int nx, int ny) {
  DmMap *map = white_noise_map(nx, ny, 5);
  if (!map) return;
  for (int i = 0; i < nx * ny; i++) map->data[i] = map->data[i] * 0.7f + 0.3f;
  double sum = 0.0, sum_sq = 0.0, n = (double)nx * ny;
  for (int i = 0; i < nx * ny; i++) {
    sum += map->data[i];
    sum_sq += (double)map->data[i] * map->data[i];
  }
  DmPspecOptions options;
  dm_pspec_options_init(&options);
  options.n_bins = 1;
  options.scale = DM_BINS_LINEAR;
  options.pixel_arcmin = 0.5;
  options.ell_max = 2.0 * PI * sqrt(0.5) / (0.5 / 60.0 * PI / 180.0) * 1.001; /* the corners */
  DmError *error = NULL;
  DmPowerSpectrum *s = dm_power_spectrum(map, 0, &options, &error);
  CHECK_OK(s != NULL, error);
  if (s) {
    double expected = (n * sum_sq - sum * sum) / (n - 1.0) * omega_pix(0.5) / n;
    printf("Parseval %d × %d: C / expected − 1 = %.2e, modes %ld\n", nx, ny,
           s->cl[0] / expected - 1.0, s->n_modes[0]);
    CHECK(s->n_modes[0] == (long)(n - 1.0));
    CHECK_CLOSE(s->cl[0] / expected, 1.0, 1e-5);
    CHECK(s->fsky == 1.0);
  }
  dm_power_spectrum_free(s);
  dm_map_free(map);
}

/* Every bin's mode count and mean ell equal a count over the full plane,
 * mode by mode (each (k1, k2) once, the k = 0 mean left out), for log and
 * linear bins and ell limits that cut rows at both ends; 520 × 300 has
 * enough modes for the half plane to be binned on several threads. */
static void test_bins_against_full_plane(DmBinScale scale) {
  enum { NX = 520, NY = 300, N_BINS = 23 };
  DmMap *map = white_noise_map(NX, NY, 9);
  if (!map) return;
  const double pixel_arcmin = 0.7, pixel_rad = pixel_arcmin / 60.0 * PI / 180.0;
  DmPspecOptions options;
  dm_pspec_options_init(&options);
  options.n_bins = N_BINS;
  options.scale = scale;
  options.pixel_arcmin = pixel_arcmin;
  options.ell_min = 2.0 * PI * 0.013 / pixel_rad;
  options.ell_max = 2.0 * PI * 0.41 / pixel_rad;
  DmError *error = NULL;
  DmPowerSpectrum *s = dm_power_spectrum(map, 0, &options, &error);
  CHECK_OK(s != NULL, error);
  if (s) {
    long modes[N_BINS] = {0};
    double sum_ell[N_BINS] = {0};
    for (int y = 0; y < NY; y++)
      for (int x = 0; x < NX; x++) {
        if (x == 0 && y == 0) continue;
        double k1 = fabs(dm_fft_freq(x, NX)), k2 = dm_fft_freq(y, NY);
        double ell = 2.0 * PI * sqrt(k1 * k1 + k2 * k2) / pixel_rad;
        if (!(ell >= s->ell_lo[0] && ell <= s->ell_hi[N_BINS - 1])) continue;
        int b = 0;
        while (b < N_BINS - 1 && ell >= s->ell_hi[b]) b++;
        modes[b]++;
        sum_ell[b] += ell;
      }
    int wrong = 0;
    for (int b = 0; b < N_BINS; b++) {
      wrong += s->n_modes[b] != modes[b];
      if (modes[b] > 0) CHECK_CLOSE(s->ell[b] / (sum_ell[b] / modes[b]), 1.0, 1e-12);
    }
    printf("%s bins against the full plane: %d of %d mode counts differ\n",
           scale == DM_BINS_LOG ? "log" : "linear", wrong, N_BINS);
    CHECK(wrong == 0);
  }
  dm_power_spectrum_free(s);
  dm_map_free(map);
}

/* Spectra on six bin settings, twice over: more settings than the layouts
 * kept, so the second round finds some kept and makes the others again; both
 * rounds give the same bits. */
static void test_layouts_reused(void) {
  enum { SETTINGS = 6 };
  DmMap *map = white_noise_map(64, 48, 13);
  if (!map) return;
  DmPowerSpectrum *first[SETTINGS] = {NULL};
  int same = 0;
  for (int round = 0; round < 2; round++)
    for (int k = 0; k < SETTINGS; k++) {
      DmPspecOptions options;
      dm_pspec_options_init(&options);
      options.n_bins = 5 + k;
      options.scale = k % 2 ? DM_BINS_LOG : DM_BINS_LINEAR;
      options.pixel_arcmin = 1.0;
      DmError *error = NULL;
      DmPowerSpectrum *s = dm_power_spectrum(map, 0, &options, &error);
      CHECK_OK(s != NULL, error);
      if (round == 0) {
        first[k] = s;
      } else if (s && first[k]) {
        size_t n = (size_t)s->n_bins;
        same += memcmp(s->cl, first[k]->cl, n * sizeof *s->cl) == 0 &&
                memcmp(s->ell, first[k]->ell, n * sizeof *s->ell) == 0 &&
                memcmp(s->n_modes, first[k]->n_modes, n * sizeof *s->n_modes) == 0;
      }
      if (round == 1) dm_power_spectrum_free(s);
    }
  printf("bin layouts reused: %d of %d settings give the same bits\n", same, SETTINGS);
  CHECK(same == SETTINGS);
  for (int k = 0; k < SETTINGS; k++) dm_power_spectrum_free(first[k]);
  dm_map_free(map);
}

/* Bins with many modes must agree with the expectation to 4 sigma. */
static int check_bins(const char *what, const DmPowerSpectrum *s, const double *expected,
                      double sigma_scale) {
  double chi2 = 0.0, worst = 0.0;
  int used = 0;
  for (int b = 0; b < s->n_bins; b++) {
    if (s->n_modes[b] < 20) continue;
    double sigma = expected[b] * sqrt(2.0 / (double)s->n_modes[b]) * sigma_scale;
    double z = (s->cl[b] - expected[b]) / sigma;
    chi2 += z * z;
    worst = fmax(worst, fabs(z));
    used++;
  }
  printf("%s: %d bins, chi2 / bin = %.2f, max |dC| / sigma = %.2f\n", what, used, chi2 / used,
         worst);
  CHECK(used > 0);
  CHECK(worst < 4.0);
  CHECK(chi2 / used < 3.0);
  return used;
}

static void test_white_noise(DmBinScale scale) {
  DmMap *map = white_noise_map(256, 256, 7);
  if (!map) return;
  DmPspecOptions options;
  dm_pspec_options_init(&options);
  options.n_bins = 16;
  options.scale = scale;
  options.pixel_arcmin = 1.0;
  DmError *error = NULL;
  DmPowerSpectrum *s = dm_power_spectrum(map, 0, &options, &error);
  CHECK_OK(s != NULL, error);
  if (s) {
    double expected[16];
    for (int b = 0; b < 16; b++) expected[b] = omega_pix(1.0);
    check_bins(scale == DM_BINS_LOG ? "white noise, log bins" : "white noise, linear bins", s,
               expected, 1.0);
    /* edges: geometric or uniform, from the automatic limits */
    double pixel_rad = 1.0 / 60.0 * PI / 180.0;
    double lo = scale == DM_BINS_LOG ? 2.0 * PI / 256.0 / pixel_rad : 0.0, hi = PI / pixel_rad;
    CHECK_CLOSE(s->ell_lo[0], lo, 1e-9 * hi);
    CHECK_CLOSE(s->ell_hi[15], hi, 1e-9 * hi);
    for (int b = 0; b < 16; b++) {
      double t = (b + 0.5) / 16.0;
      double mid = scale == DM_BINS_LOG ? sqrt(s->ell_lo[b] * s->ell_hi[b])
                                        : 0.5 * (s->ell_lo[b] + s->ell_hi[b]);
      double want = scale == DM_BINS_LOG ? lo * pow(hi / lo, t) : lo + t * (hi - lo);
      CHECK_CLOSE(mid / want, 1.0, 1e-9);
      if (b > 0) CHECK(s->ell_lo[b] == s->ell_hi[b - 1]);
      CHECK(!(s->n_modes[b] > 0) || (s->ell[b] >= s->ell_lo[b] && s->ell[b] <= s->ell_hi[b]));
    }
    /* the lowest log bin starts at the fundamental mode and holds it */
    if (scale == DM_BINS_LOG) CHECK(s->n_modes[0] >= 4);
  }
  dm_power_spectrum_free(s);
  dm_map_free(map);
}

/* The expectation of each bin: C(ell) averaged over the bin's modes. */
static void expected_bins(const DmTheorySpectrum *t, const DmPowerSpectrum *s, int nx, int ny,
                          double *expected) {
  double pixel_rad = s->pixel_arcmin / 60.0 * PI / 180.0;
  double *sum = calloc(s->n_bins, sizeof *sum);
  long *count = calloc(s->n_bins, sizeof *count);
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      double k1 = dm_fft_freq(x, nx), k2 = dm_fft_freq(y, ny);
      if (x == 0 && y == 0) continue;
      double ell = 2.0 * PI * sqrt(k1 * k1 + k2 * k2) / pixel_rad;
      for (int b = 0; b < s->n_bins; b++) {
        bool last = b == s->n_bins - 1;
        if (ell >= s->ell_lo[b] && (ell < s->ell_hi[b] || (last && ell == s->ell_hi[b]))) {
          sum[b] += dm_theory_eval(t, ell);
          count[b]++;
        }
      }
    }
  for (int b = 0; b < s->n_bins; b++) {
    expected[b] = count[b] ? sum[b] / count[b] : NAN;
    CHECK(count[b] == s->n_modes[b]);
  }
  free(sum);
  free(count);
}

/* Gaussian fields of the kTNG spectrum at 512², 0.29': each seed within
 * sample variance, and the mean of several seeds too. */
static void test_gaussian_field(DmBinScale scale) {
  enum { NX = 512, NY = 512, SEEDS = 4, BINS = 14 };
  DmError *error = NULL;
  DmTheorySpectrum *t = dm_theory_read_csv(dm_test_app_data_path("theory/ktng_cl_theory.csv"),
                                           NULL, &error);
  CHECK_OK(t != NULL, error);
  DmMap *map = dm_map_new(NX, NY, 1, NULL, &error);
  CHECK_OK(map != NULL, error);
  if (!t || !map) {
    dm_theory_free(t);
    dm_map_free(map);
    return;
  }
  DmPspecOptions options;
  dm_pspec_options_init(&options);
  options.n_bins = BINS;
  options.scale = scale;
  options.pixel_arcmin = 0.29;
  double expected[BINS], mean[BINS] = {0};
  DmPowerSpectrum *s = NULL;
  for (int seed = 0; seed < SEEDS; seed++) {
    CHECK_OK(dm_gaussian_field(t, NX, NY, 0.29, 100 + seed, map->data, &error), error);
    dm_power_spectrum_free(s);
    s = dm_power_spectrum(map, 0, &options, &error);
    CHECK_OK(s != NULL, error);
    if (!s) break;
    if (seed == 0) expected_bins(t, s, NX, NY, expected);
    char what[64];
    snprintf(what, sizeof what, "kTNG field, %s bins, seed %d",
             scale == DM_BINS_LOG ? "log" : "linear", 100 + seed);
    check_bins(what, s, expected, 1.0);
    for (int b = 0; b < BINS; b++) mean[b] += s->cl[b] / SEEDS;
  }
  if (s) {
    memcpy(s->cl, mean, sizeof mean);
    check_bins(scale == DM_BINS_LOG ? "kTNG field, log bins, mean of 4 seeds"
                                    : "kTNG field, linear bins, mean of 4 seeds",
               s, expected, 1.0 / sqrt(SEEDS));
  }
  /* same seed, same field */
  float *again = malloc(NX * NY * sizeof *again);
  CHECK_OK(dm_gaussian_field(t, NX, NY, 0.29, 100 + SEEDS - 1, again, &error), error);
  CHECK(memcmp(again, map->data, NX * NY * sizeof *again) == 0);
  free(again);
  dm_power_spectrum_free(s);
  dm_map_free(map);
  dm_theory_free(t);
}

/* White noise under a mask (hard and apodised) keeps its level after the
 * f_sky correction. */
static void test_mask(void) {
  enum { NX = 256, NY = 192, N = NX * NY };
  DmMap *map = white_noise_map(NX, NY, 9);
  DmError *error = NULL;
  DmMap *mask = dm_map_new(NX, NY, 1, NULL, &error);
  CHECK_OK(mask != NULL, error);
  if (!map || !mask) {
    dm_map_free(map);
    dm_map_free(mask);
    return;
  }
  /* an irregular footprint: a disc and a rectangle, about half the area */
  long ones = 0;
  for (int y = 0; y < NY; y++)
    for (int x = 0; x < NX; x++) {
      double dx = x - 90.0, dy = y - 100.0;
      bool in = dx * dx + dy * dy < 70.0 * 70.0 || (x > 150 && x < 240 && y > 20 && y < 160);
      mask->data[y * NX + x] = in ? 1.0f : 0.0f;
      ones += in;
    }
  DmPspecOptions options;
  dm_pspec_options_init(&options);
  options.n_bins = 12;
  options.pixel_arcmin = 0.5;
  options.mask = mask;
  for (int apodise = 0; apodise < 2; apodise++) {
    options.apodise_sigma_pixels = apodise ? 3.0 : 0.0;
    DmPowerSpectrum *s = dm_power_spectrum(map, 0, &options, &error);
    CHECK_OK(s != NULL, error);
    if (!s) continue;
    if (!apodise) CHECK_CLOSE(s->fsky, (double)ones / N, 1e-12);
    printf("mask: fsky = %.4f (%s)\n", s->fsky, apodise ? "apodised, sigma 3 px" : "hard edges");
    CHECK(s->fsky > 0.3 && s->fsky < 0.7);
    double expected[12];
    for (int b = 0; b < 12; b++) expected[b] = omega_pix(0.5);
    /* masked modes are correlated: count the effective modes as n fsky */
    check_bins(apodise ? "masked white noise, apodised" : "masked white noise", s, expected,
               1.0 / sqrt(s->fsky));
    dm_power_spectrum_free(s);
  }
  DmMap *small = dm_map_new(NX / 2, NY, 1, NULL, &error);
  CHECK_OK(small != NULL, error);
  options.mask = small;
  CHECK_FAILS(dm_power_spectrum(map, 0, &options, &error) != NULL, error,
              DM_ERROR_INVALID_ARGUMENT);
  options.mask = NULL;
  memset(mask->data, 0, N * sizeof *mask->data);
  options.mask = mask;
  CHECK_FAILS(dm_power_spectrum(map, 0, &options, &error) != NULL, error, DM_ERROR_NO_DATA);
  dm_map_free(small);
  dm_map_free(mask);
  dm_map_free(map);
}

/* The pixel size comes from the options or the WCS; neither is an error. */
static void test_pixel_scale(void) {
  DmMap *map = white_noise_map(64, 64, 3);
  if (!map) return;
  DmError *error = NULL;
  CHECK_FAILS(dm_power_spectrum(map, 0, NULL, &error) != NULL, error, DM_ERROR_INVALID_ARGUMENT);
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.0, 2.0, 0.29 / 60.0, 64, 64, true, &error);
  CHECK_OK(wcs != NULL, error);
  CHECK_OK(dm_map_set_wcs(map, wcs, &error), error);
  DmPowerSpectrum *s = dm_power_spectrum(map, 0, NULL, &error);
  CHECK_OK(s != NULL, error);
  if (s) CHECK_CLOSE(s->pixel_arcmin, 0.29, 1e-9);
  dm_power_spectrum_free(s);
  CHECK_FAILS(dm_power_spectrum(map, 1, NULL, &error) != NULL, error, DM_ERROR_INVALID_ARGUMENT);
  DmPspecOptions options;
  dm_pspec_options_init(&options);
  options.n_bins = 0;
  CHECK_FAILS(dm_power_spectrum(map, 0, &options, &error) != NULL, error,
              DM_ERROR_INVALID_ARGUMENT);
  dm_wcs_free(wcs);
  dm_map_free(map);
}

/* The CSV holds the header, one row per bin and the theory column. */
static void test_csv(void) {
  DmMap *map = white_noise_map(128, 128, 13);
  DmError *error = NULL;
  DmTheorySpectrum *t = dm_theory_read_csv(dm_test_app_data_path("theory/ktng_cl_theory.csv"),
                                           NULL, &error);
  CHECK_OK(t != NULL, error);
  DmPspecOptions options;
  dm_pspec_options_init(&options);
  options.n_bins = 10;
  options.pixel_arcmin = 0.29;
  DmPowerSpectrum *s = map ? dm_power_spectrum(map, 0, &options, &error) : NULL;
  CHECK_OK(s != NULL, error);
  if (s && t) {
    char path[4096];
    snprintf(path, sizeof path, "%s", dm_test_tmp_path("pspec.csv"));
    CHECK_OK(dm_power_spectrum_write_csv(s, t, path, &error), error);
    /* the column names come first, for readers that take the first line */
    char first[256] = "";
    FILE *f = fopen(path, "r");
    CHECK(f && fgets(first, sizeof first, f));
    if (f) fclose(f);
    CHECK(strcmp(first, "ell_lo,ell_hi,ell,cl,cl_error,n_modes,cl_theory\n") == 0);
    DmCsvTable *table = dm_csv_read(path, &error);
    CHECK_OK(table != NULL, error);
    if (table) {
      CHECK(table->n_rows == 10 && table->n_columns == 7);
      const char *names[] = {"ell_lo", "ell_hi", "ell", "cl", "cl_error", "n_modes", "cl_theory"};
      for (int c = 0; c < 7 && c < table->n_columns; c++)
        CHECK(strcmp(table->names[c], names[c]) == 0);
      for (int b = 0; b < 10 && b < table->n_rows; b++) {
        CHECK_CLOSE(table->values[3][b] / s->cl[b], 1.0, 1e-9);
        CHECK(table->values[5][b] == (double)s->n_modes[b]);
        CHECK_CLOSE(table->values[6][b] / dm_theory_eval(t, s->ell[b]), 1.0, 1e-9);
      }
    }
    dm_csv_free(table);
    /* without theory, six columns; the file is replaced */
    CHECK_OK(dm_power_spectrum_write_csv(s, NULL, path, &error), error);
    table = dm_csv_read(path, &error);
    CHECK_OK(table != NULL, error);
    if (table) CHECK(table->n_columns == 6);
    dm_csv_free(table);
    unlink(path);
    CHECK_FAILS(dm_power_spectrum_write_csv(s, NULL, "/nonexistent/dir/pspec.csv", &error),
                error, DM_ERROR_IO);
  }
  dm_power_spectrum_free(s);
  dm_theory_free(t);
  dm_map_free(map);
}

int main(void) {
  test_parseval(64, 64);
  test_parseval(63, 50);
  test_parseval(520, 300);
  test_bins_against_full_plane(DM_BINS_LOG);
  test_bins_against_full_plane(DM_BINS_LINEAR);
  test_layouts_reused();
  test_white_noise(DM_BINS_LOG);
  test_white_noise(DM_BINS_LINEAR);
  test_gaussian_field(DM_BINS_LOG);
  test_gaussian_field(DM_BINS_LINEAR);
  test_mask();
  test_pixel_scale();
  test_csv();
  return dm_test_result();
}
