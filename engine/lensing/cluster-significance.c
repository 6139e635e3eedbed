/* Peak fractions and kappa statistics of catalogued clusters in posterior
 * samples (darkmap/cluster-significance.h). */
#include "darkmap/cluster-significance.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dm_cluster_significance_options_init(DmClusterSignificanceOptions *options) {
  options->aperture_arcmin = 2.0;
  options->threshold = 3.0;
  options->unit = DM_PEAK_THRESHOLD_STD;
}

void dm_cluster_significance_free(DmClusterSignificance *significance) {
  if (!significance) return;
  if (significance->label)
    for (size_t i = 0; i < significance->n; i++) free(significance->label[i]);
  free(significance->label);
  free(significance->ra);
  free(significance->dec);
  free(significance->inside);
  free(significance->x);
  free(significance->y);
  free(significance->peak_fraction);
  free(significance->kappa_mean);
  free(significance->kappa_std);
  free(significance->snr);
  free(significance);
}

static bool check_inputs(const DmMap *samples, const DmClusterTable *table,
                         const DmClusterSignificanceOptions *options, DmError **error) {
  if (!samples || !table || !options || table->n == 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Cluster significance needs samples, a cluster table and options.");
  if (samples->nplanes < 2)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Cluster significance needs at least 2 posterior samples (got %d).",
                        samples->nplanes);
  if (!samples->wcs)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The posterior samples have no WCS: cluster positions cannot be placed.");
  if (!(options->aperture_arcmin > 0.0 && isfinite(options->aperture_arcmin)) ||
      !isfinite(options->threshold))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The aperture must be positive and the threshold finite.");
  if (options->unit != DM_PEAK_THRESHOLD_STD && options->unit != DM_PEAK_THRESHOLD_KAPPA)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Unknown peak threshold unit.");
  size_t total = dm_map_plane_size(samples) * (size_t)samples->nplanes;
  for (size_t i = 0; i < total; i++)
    if (!isfinite(samples->data[i]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Posterior sample %zu holds a non-finite value.",
                          i / dm_map_plane_size(samples));
  return true;
}

static DmClusterSignificance *allocate(size_t n, DmError **error) {
  DmClusterSignificance *s = calloc(1, sizeof(*s));
  if (s) {
    s->n = n;
    s->label = calloc(n, sizeof(char *));
    s->ra = malloc(n * sizeof(double));
    s->dec = malloc(n * sizeof(double));
    s->inside = calloc(n, sizeof(bool));
    s->x = malloc(n * sizeof(double));
    s->y = malloc(n * sizeof(double));
    s->peak_fraction = malloc(n * sizeof(double));
    s->kappa_mean = malloc(n * sizeof(double));
    s->kappa_std = malloc(n * sizeof(double));
    s->snr = malloc(n * sizeof(double));
  }
  if (!s || !s->label || !s->ra || !s->dec || !s->inside || !s->x || !s->y ||
      !s->peak_fraction || !s->kappa_mean || !s->kappa_std || !s->snr) {
    dm_cluster_significance_free(s);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
    return NULL;
  }
  return s;
}

/* The per-pixel threshold (npix floats): threshold, or threshold × the
 * ddof-1 std of the k planes (+inf where that std is 0). */
static float *pixel_thresholds(const DmMap *samples, const DmClusterSignificanceOptions *options,
                               DmError **error) {
  size_t npix = dm_map_plane_size(samples);
  int k = samples->nplanes;
  float *limit = malloc(npix * sizeof(float));
  if (!limit) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
    return NULL;
  }
  for (size_t p = 0; p < npix; p++) {
    if (options->unit == DM_PEAK_THRESHOLD_KAPPA) {
      limit[p] = (float)options->threshold;
      continue;
    }
    double sum = 0.0, sum2 = 0.0;
    for (int j = 0; j < k; j++) sum += samples->data[(size_t)j * npix + p];
    double mean = sum / k;
    for (int j = 0; j < k; j++) {
      double d = samples->data[(size_t)j * npix + p] - mean;
      sum2 += d * d;
    }
    double std = sqrt(sum2 / (k - 1));
    limit[p] = std > 0.0 ? (float)(options->threshold * std) : INFINITY;
  }
  return limit;
}

/* True when pixel (px, py) of plane is strictly above its neighbours. */
static bool is_peak(const float *plane, int nx, int ny, int px, int py) {
  float v = plane[(size_t)py * nx + px];
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++) {
      int qx = px + dx, qy = py + dy;
      if ((dx || dy) && qx >= 0 && qx < nx && qy >= 0 && qy < ny &&
          !(v > plane[(size_t)qy * nx + qx]))
        return false;
    }
  return true;
}

/* Peak fraction of row i (inside the map), aperture radius r in pixels. */
static double peak_fraction(const DmMap *samples, const float *limit, double cx, double cy,
                            double r) {
  int nx = samples->nx, ny = samples->ny;
  int x0 = (int)fmax(0.0, ceil(cx - r)), x1 = (int)fmin(nx - 1.0, floor(cx + r));
  int y0 = (int)fmax(0.0, ceil(cy - r)), y1 = (int)fmin(ny - 1.0, floor(cy + r));
  int hits = 0;
  for (int j = 0; j < samples->nplanes; j++) {
    const float *plane = dm_map_plane(samples, j);
    bool found = false;
    for (int py = y0; py <= y1 && !found; py++)
      for (int px = x0; px <= x1 && !found; px++) {
        double dx = px - cx, dy = py - cy;
        size_t p = (size_t)py * nx + px;
        found = dx * dx + dy * dy <= r * r && plane[p] > limit[p] && is_peak(plane, nx, ny, px, py);
      }
    hits += found;
  }
  return (double)hits / samples->nplanes;
}

DmClusterSignificance *dm_cluster_significance_compute(const DmMap *samples,
                                                       const DmClusterTable *table,
                                                       const DmClusterSignificanceOptions *options,
                                                       DmError **error) {
  if (!check_inputs(samples, table, options, error)) return NULL;
  DmClusterSignificance *s = allocate(table->n, error);
  if (!s) return NULL;
  s->n_samples = samples->nplanes;
  s->options = *options;
  memcpy(s->ra, table->ra, table->n * sizeof(double));
  memcpy(s->dec, table->dec, table->n * sizeof(double));
  for (size_t i = 0; i < table->n; i++)
    if (!(s->label[i] = strdup(table->label[i]))) {
      dm_cluster_significance_free(s);
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
      return NULL;
    }
  float *limit = NULL;
  if (!dm_wcs_world_to_pixel(samples->wcs, table->n, table->ra, table->dec, s->x, s->y, error) ||
      !(limit = pixel_thresholds(samples, options, error))) {
    dm_cluster_significance_free(s);
    return NULL;
  }
  int nx = samples->nx, ny = samples->ny, k = samples->nplanes;
  size_t npix = dm_map_plane_size(samples);
  double r = options->aperture_arcmin / (dm_wcs_pixel_scale_deg(samples->wcs) * 60.0);
  for (size_t i = 0; i < s->n; i++) {
    double cx = s->x[i], cy = s->y[i];
    s->inside[i] = isfinite(cx) && isfinite(cy) && cx >= -0.5 && cx < nx - 0.5 && cy >= -0.5 &&
                   cy < ny - 0.5;
    if (!s->inside[i]) {
      s->x[i] = s->y[i] = s->peak_fraction[i] = NAN;
      s->kappa_mean[i] = s->kappa_std[i] = s->snr[i] = NAN;
      continue;
    }
    s->peak_fraction[i] = peak_fraction(samples, limit, cx, cy, r);
    /* The nearest pixel: floor(c + 0.5), in range for every c inside the map
     * (lround would give −1 on its outer edge, c = −0.5). */
    size_t p = (size_t)floor(cy + 0.5) * nx + (size_t)floor(cx + 0.5);
    double sum = 0.0, sum2 = 0.0;
    for (int j = 0; j < k; j++) sum += samples->data[(size_t)j * npix + p];
    double mean = sum / k;
    for (int j = 0; j < k; j++) {
      double d = samples->data[(size_t)j * npix + p] - mean;
      sum2 += d * d;
    }
    s->kappa_mean[i] = mean;
    s->kappa_std[i] = sqrt(sum2 / (k - 1));
    s->snr[i] = s->kappa_std[i] > 0.0 ? mean / s->kappa_std[i] : NAN;
  }
  free(limit);
  return s;
}
