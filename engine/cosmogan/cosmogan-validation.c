/* Generated maps against a reference set (darkmap/cosmogan-validation.h):
 * each map's power spectrum (darkmap/pspec.h), PDF and Minkowski
 * functionals (darkmap/map-statistics.h), their means and scatters, and the
 * KS test on pixel values. */
#include "darkmap/cosmogan-validation.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/map-statistics.h"
#include "darkmap/pspec.h"

/* Most pixels the percentiles of the thresholds are taken over (a regular
 * subsample of a larger set). */
enum { PERCENTILE_SAMPLE = 1 << 20 };

#define N_VALUES (DM_COSMOGAN_ELL_BINS + DM_COSMOGAN_N_CURVES * DM_COSMOGAN_THRESHOLDS)

struct DmCosmoganReference {
  const float *maps; /* borrowed: n × size² */
  int n, size;
  double pixel_arcmin;
  double lo, hi;  /* the first and last threshold */
  double *values; /* n × N_VALUES: each map's C_ell, then its curves */
  double ell[DM_COSMOGAN_ELL_BINS];
};

const char *dm_cosmogan_curve_name(DmCosmoganCurve curve) {
  static const char *const names[DM_COSMOGAN_N_CURVES] = {"PDF", "V0", "V1", "V2"};
  return curve >= 0 && curve < DM_COSMOGAN_N_CURVES ? names[curve] : "unknown";
}

void dm_cosmogan_reference_free(DmCosmoganReference *r) {
  if (!r) return;
  free(r->values);
  free(r);
}

static int compare_floats(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* The 0.5th and 99.5th percentiles of the reference pixels. */
static bool percentiles(DmCosmoganReference *r, DmError **error) {
  size_t total = (size_t)r->n * (size_t)r->size * (size_t)r->size;
  size_t stride =
      total > PERCENTILE_SAMPLE ? (total + PERCENTILE_SAMPLE - 1) / PERCENTILE_SAMPLE : 1;
  size_t m = (total + stride - 1) / stride;
  float *sample = malloc(m * sizeof *sample);
  if (!sample) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  for (size_t i = 0; i < m; i++) sample[i] = r->maps[i * stride];
  qsort(sample, m, sizeof *sample, compare_floats);
  r->lo = sample[(size_t)(0.005 * (double)(m - 1))];
  r->hi = sample[(size_t)(0.995 * (double)(m - 1))];
  free(sample);
  if (!(r->hi > r->lo))
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "The reference maps' pixels are all near %g: no distribution to compare.",
                        r->lo);
  return true;
}

/* One map's C_ell and curves into values (N_VALUES); ell (or NULL) gets
 * the bins' mean ell.  Thread-safe. */
static bool map_values(const DmCosmoganReference *r, const float *map, double *values, double *ell,
                       DmError **error) {
  DmMap *plane = dm_map_new(r->size, r->size, 1, NULL, error);
  if (!plane) return false;
  memcpy(plane->data, map, dm_map_plane_size(plane) * sizeof(float));
  DmPspecOptions po;
  dm_pspec_options_init(&po);
  po.n_bins = DM_COSMOGAN_ELL_BINS;
  po.scale = DM_BINS_LOG;
  po.pixel_arcmin = r->pixel_arcmin;
  DmPowerSpectrum *spectrum = dm_power_spectrum(plane, 0, &po, error);
  dm_map_free(plane);
  if (!spectrum) return false;
  for (int b = 0; b < DM_COSMOGAN_ELL_BINS; b++) {
    values[b] = spectrum->cl[b];
    if (ell) ell[b] = spectrum->ell[b];
  }
  dm_power_spectrum_free(spectrum);
  DmMapStatsOptions so;
  dm_map_stats_options_init(&so);
  so.scale = DM_STATS_KAPPA;
  so.n_thresholds = DM_COSMOGAN_THRESHOLDS;
  so.lo = r->lo;
  so.hi = r->hi;
  DmMapStats *stats = dm_map_stats(map, NULL, NULL, r->size, r->size, r->pixel_arcmin, &so, error);
  if (!stats) return false;
  static const DmStatKind kinds[DM_COSMOGAN_N_CURVES] = {DM_STAT_PDF, DM_STAT_V0, DM_STAT_V1,
                                                         DM_STAT_V2};
  for (int c = 0; c < DM_COSMOGAN_N_CURVES; c++)
    memcpy(values + DM_COSMOGAN_ELL_BINS + c * DM_COSMOGAN_THRESHOLDS,
           dm_map_stats_values(stats, kinds[c]), DM_COSMOGAN_THRESHOLDS * sizeof(double));
  dm_map_stats_free(stats);
  return true;
}

/* values (n × N_VALUES) of n maps, on worker threads; progress per map. */
static bool set_values(const DmCosmoganReference *r, const float *maps, int n, double *values,
                       const DmProgress *progress, DmError **error) {
  size_t npix = (size_t)r->size * (size_t)r->size;
  DmError *first_error = NULL;
  atomic_int done = 0, failed = 0;
#pragma omp parallel for schedule(dynamic, 4)
  for (int i = 0; i < n; i++) {
    if (atomic_load(&failed)) continue;
    if (progress && progress->cancel && atomic_load(progress->cancel)) {
      atomic_store(&failed, 1);
      continue;
    }
    DmError *map_error = NULL;
    if (!map_values(r, maps + (size_t)i * npix, values + (size_t)i * N_VALUES, NULL, &map_error)) {
#pragma omp critical(dm_cosmogan_validation_error)
      {
        if (!first_error)
          first_error = map_error;
        else
          dm_error_free(map_error);
      }
      atomic_store(&failed, 1);
      continue;
    }
    int count = atomic_fetch_add(&done, 1) + 1;
#pragma omp critical(dm_cosmogan_validation_progress)
    dm_progress_report(progress, (double)count / n, "Statistics of the maps");
  }
  if (!atomic_load(&failed)) return true;
  if (first_error)
    dm_error_propagate(error, first_error);
  else
    dm_progress_check_cancel(progress, error);
  return false;
}

DmCosmoganReference *dm_cosmogan_reference_new(const float *maps, int n, int size,
                                               double pixel_arcmin, const DmProgress *progress,
                                               DmError **error) {
  if (n < 2 || size < 4 || !(pixel_arcmin > 0.0)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A reference set needs at least 2 maps of 4 × 4 pixels or more and a pixel "
                 "side (%d maps of %d², %g′).",
                 n, size, pixel_arcmin);
    return NULL;
  }
  DmCosmoganReference *r = calloc(1, sizeof *r);
  if (r) r->values = malloc((size_t)n * N_VALUES * sizeof(double));
  if (!r || !r->values) {
    dm_cosmogan_reference_free(r);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the reference statistics.");
    return NULL;
  }
  *r = (DmCosmoganReference){
      .maps = maps, .n = n, .size = size, .pixel_arcmin = pixel_arcmin, .values = r->values};
  bool ok = percentiles(r, error) && map_values(r, maps, r->values, r->ell, error) &&
            set_values(r, maps, n, r->values, progress, error);
  if (!ok) {
    dm_cosmogan_reference_free(r);
    return NULL;
  }
  return r;
}

/* Mean and sample std of column j of n rows of N_VALUES. */
static void column_moments(const double *values, int n, int j, double *mean, double *std) {
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < n; i++) sum += values[(size_t)i * N_VALUES + j];
  *mean = sum / n;
  for (int i = 0; i < n; i++) {
    double d = values[(size_t)i * N_VALUES + j] - *mean;
    sum2 += d * d;
  }
  *std = n > 1 ? sqrt(sum2 / (n - 1)) : 0.0;
}

/* The power spectrum's part of v from both sets' values. */
static void compare_spectra(const DmCosmoganReference *r, const double *generated, int n,
                            DmCosmoganValidation *v) {
  double pixel_rad = r->pixel_arcmin / 60.0 * M_PI / 180.0;
  double ell_nyquist = M_PI / pixel_rad;
  double sum = 0.0;
  v->n_resolved = v->n_cl_inside = 0;
  v->cl_max_difference = 0.0;
  for (int b = 0; b < DM_COSMOGAN_ELL_BINS; b++) {
    double gen_std;
    column_moments(r->values, r->n, b, &v->cl_reference[b], &v->cl_reference_std[b]);
    column_moments(generated, n, b, &v->cl_generated[b], &gen_std);
    v->cl_generated_std[b] = gen_std;
    v->ell[b] = r->ell[b];
    v->cl_difference[b] = v->cl_generated[b] / v->cl_reference[b] - 1.0;
    v->cl_inside[b] = fabs(v->cl_generated[b] - v->cl_reference[b]) <= v->cl_reference_std[b];
    v->resolved[b] = isfinite(r->ell[b]) && r->ell[b] <= 0.5 * ell_nyquist &&
                     v->cl_reference[b] > 0.0 && isfinite(v->cl_difference[b]);
    if (!v->resolved[b]) continue;
    v->n_resolved++;
    v->n_cl_inside += v->cl_inside[b];
    sum += fabs(v->cl_difference[b]);
    v->cl_max_difference = fmax(v->cl_max_difference, fabs(v->cl_difference[b]));
  }
  v->cl_mean_difference = v->n_resolved > 0 ? sum / v->n_resolved : NAN;
  if (v->n_resolved == 0) v->cl_max_difference = NAN;
}

/* The curves' part of v. */
static void compare_curves(const DmCosmoganReference *r, const double *generated, int n,
                           DmCosmoganValidation *v) {
  for (int t = 0; t < DM_COSMOGAN_THRESHOLDS; t++)
    v->threshold[t] = r->lo + t * (r->hi - r->lo) / (DM_COSMOGAN_THRESHOLDS - 1);
  for (int c = 0; c < DM_COSMOGAN_N_CURVES; c++) {
    v->n_inside[c] = 0;
    for (int t = 0; t < DM_COSMOGAN_THRESHOLDS; t++) {
      int j = DM_COSMOGAN_ELL_BINS + c * DM_COSMOGAN_THRESHOLDS + t;
      double unused;
      column_moments(r->values, r->n, j, &v->reference[c][t], &v->reference_std[c][t]);
      column_moments(generated, n, j, &v->generated[c][t], &unused);
      v->n_inside[c] += fabs(v->generated[c][t] - v->reference[c][t]) <= v->reference_std[c][t];
    }
  }
}

bool dm_cosmogan_validate(const DmCosmoganReference *r, const float *maps, int n,
                          DmCosmoganValidation *v, DmError **error) {
  if (n < 2)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A validation needs at least 2 generated maps, not %d.", n);
  double *generated = malloc((size_t)n * N_VALUES * sizeof(double));
  if (!generated) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  size_t npix = (size_t)r->size * (size_t)r->size;
  DmCosmoganValidation out = {
      .n_generated = n, .n_reference = r->n, .size = r->size, .pixel_arcmin = r->pixel_arcmin};
  bool ok = set_values(r, maps, n, generated, NULL, error) &&
            dm_ks_two_sample(maps, (size_t)n * npix, r->maps, (size_t)r->n * npix, &out.ks_d,
                             &out.ks_p, error);
  if (ok) {
    compare_spectra(r, generated, n, &out);
    compare_curves(r, generated, n, &out);
    *v = out;
  }
  free(generated);
  return ok;
}
