/* Map statistics of Gaussian random fields against their analytic expectations: the pixel
 * PDF (a Gaussian), V0, V1, V2 (Tomita's formulae) and the peak and minimum counts (Bond &
 * Efstathiou's 2D density), on whole maps and inside a mask with holes.
 *
 * Fields: 16 maps of 512² pixels of 1', Gaussian-smoothed white noise, grid power
 * P(k) ∝ exp(−(2 pi |k| s)²) with s = 5 pixels (field-from-power.h), sigma0 = 0.02.
 * Smoothing over 5 pixels keeps peaks apart on the grid: 8-neighbour peak counts of such
 * fields fall short of the continuous field's by 5 % at s = 2 and 1.8 % at s = 3, by less
 * than their 0.5 % Poisson error at s = 5 (measured here with 16 maps).
 *
 * Expectations: the MFs and the PDF with each map's own mean, sigma0 and sigma1 (as
 * dm_map_stats measures them with its central differences: with one difference operator
 * for the gradient and the Hessian the Gaussian formulae hold on the lattice), peaks with
 * the spectrum's continuous sigma0, sigma1, sigma2; each averaged over the bin's width, as
 * the estimators are (the PDF, V1, V2 and the counts are bin averages).
 *
 * Tolerances, from the sample variance: each bin's mean over the maps must lie within 5
 * standard errors (the maps' scatter / sqrt 16) of the expectation (the largest seen is
 * 2.8 over the 6 × 33 bins of each run).  The standard error has a floor, for tail bins in
 * which no map has a pixel or an extremum: the Poisson error of the expected counts for
 * peaks and minima, 0.1 % of the curve's largest value for the others.  The sigmas of the
 * maps agree with the spectrum's to 2 %: 3 times the scatter of the mean of 16 maps
 * (0.6 % for sigma0, with about 800 independent areas of (2 s)² in a map).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/fft.h"
#include "darkmap/field-from-power.h"
#include "darkmap/map-statistics.h"
#include "test-util.h"

#define SIDE 512
#define N_MAPS 16
#define SMOOTH_PIXELS 5.0
#define PIXEL_ARCMIN 1.0
#define SIGMA0 0.02

/* The field's moments from its grid power: continuous derivatives (2 pi k) and those of
 * the central difference (sin 2 pi k), per degree. */
typedef struct {
  double sigma0, sigma1, sigma2;
  double sigma1_difference;
} SpectrumMoments;

/* Grid power (half plane) of the smoothed field, normalised to variance SIGMA0². */
static double *smooth_power(SpectrumMoments *moments) {
  int nh = SIDE / 2 + 1;
  double *power = malloc(sizeof(double) * SIDE * nh);
  if (!power) return NULL;
  double sum[4] = {0.0, 0.0, 0.0, 0.0};
  for (int pass = 0; pass < 2; pass++) {
    double scale = pass == 0 ? 1.0 : SIGMA0 * SIGMA0 / (sum[0] / ((double)SIDE * SIDE));
    for (int q = 0; q < 4; q++) sum[q] = 0.0;
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        double kx = 2.0 * M_PI * dm_fft_freq(x, SIDE), ky = 2.0 * M_PI * dm_fft_freq(y, SIDE);
        double k2 = kx * kx + ky * ky;
        double p = x == 0 && y == 0 ? 0.0 : scale * exp(-k2 * SMOOTH_PIXELS * SMOOTH_PIXELS);
        if (x < nh) power[y * nh + x] = p;
        sum[0] += p;
        sum[1] += k2 * p;
        sum[2] += k2 * k2 * p;
        sum[3] += (sin(kx) * sin(kx) + sin(ky) * sin(ky)) * p;
      }
  }
  double n = (double)SIDE * SIDE, per_degree = 60.0 / PIXEL_ARCMIN;
  moments->sigma0 = sqrt(sum[0] / n);
  moments->sigma1 = sqrt(sum[1] / n) * per_degree;
  moments->sigma2 = sqrt(sum[2] / n) * per_degree * per_degree;
  moments->sigma1_difference = sqrt(sum[3] / n) * per_degree;
  return power;
}

/* The expectations of one map's bins, averaged over each bin's width. */
enum { PDF, V0, V1, V2, PEAKS, MINIMA, N_CURVES };
static const char *const curve_names[N_CURVES] = {"pdf", "V0", "V1", "V2", "peaks", "minima"};

static void expectations(const DmMapStats *s, const SpectrumMoments *spectrum,
                         double (*expected)[N_CURVES]) {
  const int steps = 64;
  for (int i = 0; i < s->n; i++) {
    double sum[N_CURVES] = {0.0};
    for (int q = 0; q < steps; q++) {
      double nu = s->threshold[i] + ((q + 0.5) / steps - 0.5) * s->bin_width, v[3];
      dm_gaussian_minkowski(nu, s->sigma0, s->sigma1, v);
      sum[PDF] += exp(-0.5 * nu * nu) / sqrt(2.0 * M_PI);
      sum[V1] += v[1];
      sum[V2] += v[2];
      sum[PEAKS] += dm_gaussian_peak_density(nu, spectrum->sigma0, spectrum->sigma1,
                                             spectrum->sigma2);
      sum[MINIMA] += dm_gaussian_peak_density(-nu, spectrum->sigma0, spectrum->sigma1,
                                              spectrum->sigma2);
    }
    double v[3];
    dm_gaussian_minkowski(s->threshold[i], s->sigma0, s->sigma1, v);
    expected[i][V0] = v[0];
    expected[i][PDF] = sum[PDF] / steps;
    expected[i][V1] = sum[V1] / steps;
    expected[i][V2] = sum[V2] / steps;
    /* Counts in the bin: density × width × interior area. */
    expected[i][PEAKS] = sum[PEAKS] / steps * s->bin_width * s->interior_area_deg2;
    expected[i][MINIMA] = sum[MINIMA] / steps * s->bin_width * s->interior_area_deg2;
  }
}

static double measured(const DmMapStats *s, int curve, int i) {
  switch (curve) {
  case PDF: return s->pdf[i];
  case V0: return s->v0[i];
  case V1: return s->v1[i];
  case V2: return s->v2[i];
  case PEAKS: return s->peaks[i];
  default: return s->minima[i];
  }
}

/* Every bin of every curve within 5 standard errors of its expectation (see the top). */
static void check_against_expectations(DmMapStats *const *stats, const char *label,
                                       const SpectrumMoments *spectrum) {
  int n = stats[0]->n;
  double (*expected)[N_CURVES] = calloc((size_t)n * N_MAPS, sizeof(*expected));
  if (!expected) return;
  for (int m = 0; m < N_MAPS; m++) expectations(stats[m], spectrum, expected + (size_t)m * n);
  for (int c = 0; c < N_CURVES; c++) {
    double largest = 0.0;
    for (int i = 0; i < n; i++) largest = fmax(largest, fabs(expected[i][c]));
    double worst_pull = 0.0, worst_relative = 0.0;
    for (int i = 0; i < n; i++) {
      double mean = 0.0, mean_expected = 0.0, squares = 0.0;
      for (int m = 0; m < N_MAPS; m++) {
        mean += measured(stats[m], c, i) / N_MAPS;
        mean_expected += expected[(size_t)m * n + i][c] / N_MAPS;
      }
      for (int m = 0; m < N_MAPS; m++) {
        double d = measured(stats[m], c, i) - mean;
        squares += d * d;
      }
      bool counts = c == PEAKS || c == MINIMA;
      double floor = counts ? sqrt(fmax(mean_expected, 1.0 / N_MAPS) / N_MAPS) : 1e-3 * largest;
      double standard_error = fmax(sqrt(squares / (N_MAPS - 1) / N_MAPS), floor);
      double pull = (mean - mean_expected) / standard_error;
      worst_pull = fmax(worst_pull, fabs(pull));
      worst_relative = fmax(worst_relative, fabs(mean - mean_expected) / largest);
      if (!(fabs(pull) <= 5.0))
        fprintf(stderr, "%s %s at %.2f: %.6g for %.6g expected (%.1f standard errors)\n", label,
                curve_names[c], stats[0]->threshold[i], mean, mean_expected, pull);
      CHECK(fabs(pull) <= 5.0);
    }
    printf("%s %-6s: largest deviation %.4f of the curve's maximum, %.1f standard errors\n",
           label, curve_names[c], worst_relative, worst_pull);
  }
  free(expected);
}

/* Peaks and minima of all heights per deg², against sigma2² / (8 sqrt 3 pi sigma1²). */
static void check_totals(DmMapStats *const *stats, const char *label,
                         const SpectrumMoments *spectrum) {
  double peaks = 0.0, minima = 0.0;
  for (int m = 0; m < N_MAPS; m++) {
    peaks += stats[m]->n_peaks / stats[m]->interior_area_deg2 / N_MAPS;
    minima += stats[m]->n_minima / stats[m]->interior_area_deg2 / N_MAPS;
  }
  double total = spectrum->sigma2 * spectrum->sigma2 /
                 (8.0 * sqrt(3.0) * M_PI * spectrum->sigma1 * spectrum->sigma1);
  printf("%s: %.4f peaks and %.4f minima per deg² for %.4f expected\n", label, peaks, minima,
         total);
  /* About 650 extrema per map: the mean of 16 has a Poisson error near 1 %. */
  CHECK_CLOSE(peaks / total, 1.0, 0.03);
  CHECK_CLOSE(minima / total, 1.0, 0.03);
}

/* A mask with 24 round holes of radius 12 pixels and a 20-pixel border. */
static float *holed_mask(void) {
  float *mask = malloc(sizeof(float) * SIDE * SIDE);
  if (!mask) return NULL;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      bool observed = x >= 20 && y >= 20 && x < SIDE - 20 && y < SIDE - 20;
      for (int h = 0; h < 24 && observed; h++) {
        double cx = 60.0 + (h % 6) * 78.0, cy = 70.0 + (h / 6) * 110.0;
        observed = (x - cx) * (x - cx) + (y - cy) * (y - cy) > 144.0;
      }
      mask[y * SIDE + x] = observed ? 1.0f : 0.0f;
    }
  return mask;
}

int main(void) {
  SpectrumMoments spectrum;
  double *power = smooth_power(&spectrum);
  float *field = malloc(sizeof(float) * SIDE * SIDE);
  float *mask = holed_mask();
  DmMapStats *whole[N_MAPS] = {NULL}, *masked[N_MAPS] = {NULL};
  if (!power || !field || !mask) return 1;
  printf("spectrum: sigma0 %.5f, sigma1 %.4f per deg (central differences %.4f), sigma2 %.3f\n",
         spectrum.sigma0, spectrum.sigma1, spectrum.sigma1_difference, spectrum.sigma2);

  DmError *error = NULL;
  double mean_sigma0 = 0.0, mean_sigma1 = 0.0;
  bool ok = true;
  for (int m = 0; m < N_MAPS && ok; m++) {
    CHECK_OK(ok = dm_field_from_power(power, SIDE, SIDE, 1000 + m, 0, field, &error), error);
    if (!ok) break;
    whole[m] = dm_map_stats(field, NULL, NULL, SIDE, SIDE, PIXEL_ARCMIN, NULL, &error);
    CHECK_OK(whole[m] != NULL, error);
    masked[m] = dm_map_stats(field, mask, NULL, SIDE, SIDE, PIXEL_ARCMIN, NULL, &error);
    CHECK_OK(masked[m] != NULL, error);
    ok = whole[m] && masked[m];
    if (ok) {
      mean_sigma0 += whole[m]->sigma0 / N_MAPS;
      mean_sigma1 += whole[m]->sigma1 / N_MAPS;
    }
  }
  if (ok) {
    printf("maps: sigma0 %.5f, sigma1 %.4f per deg (mean of %d)\n", mean_sigma0, mean_sigma1,
           N_MAPS);
    CHECK_CLOSE(mean_sigma0 / spectrum.sigma0, 1.0, 0.02);
    CHECK_CLOSE(mean_sigma1 / spectrum.sigma1_difference, 1.0, 0.02);
    printf("mask: %ld of %d pixels observed, %ld interior\n", masked[0]->n_inside,
           SIDE * SIDE, masked[0]->n_interior);
    check_against_expectations(whole, "whole", &spectrum);
    check_totals(whole, "whole", &spectrum);
    check_against_expectations(masked, "masked", &spectrum);
    check_totals(masked, "masked", &spectrum);
  }
  for (int m = 0; m < N_MAPS; m++) {
    dm_map_stats_free(whole[m]);
    dm_map_stats_free(masked[m]);
  }
  free(mask);
  free(field);
  free(power);
  return dm_test_result();
}
