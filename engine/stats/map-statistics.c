/* The PDF, peaks, minima and Minkowski functionals of one map inside a mask
 * (darkmap/map-statistics.h). */
#include "darkmap/map-statistics.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "darkmap/map.h"

void dm_map_stats_options_init(DmMapStatsOptions *options) {
  options->scale = DM_STATS_NU;
  options->n_thresholds = 33;
  options->lo = -4.0;
  options->hi = 4.0;
}

void dm_map_stats_free(DmMapStats *stats) {
  if (!stats) return;
  free(stats->threshold);
  free(stats->pdf);
  free(stats->peaks);
  free(stats->minima);
  free(stats->v0);
  free(stats->v1);
  free(stats->v2);
  free(stats);
}

const double *dm_map_stats_values(const DmMapStats *stats, DmStatKind kind) {
  switch (kind) {
  case DM_STAT_PDF: return stats->pdf;
  case DM_STAT_PEAKS: return stats->peaks;
  case DM_STAT_MINIMA: return stats->minima;
  case DM_STAT_V0: return stats->v0;
  case DM_STAT_V1: return stats->v1;
  case DM_STAT_V2: return stats->v2;
  case DM_STAT_COUNT: break;
  }
  return NULL;
}

const char *dm_stat_kind_name(DmStatKind kind) {
  switch (kind) {
  case DM_STAT_PDF: return "pdf";
  case DM_STAT_PEAKS: return "peaks";
  case DM_STAT_MINIMA: return "minima";
  case DM_STAT_V0: return "v0";
  case DM_STAT_V1: return "v1";
  case DM_STAT_V2: return "v2";
  case DM_STAT_COUNT: break;
  }
  return "unknown";
}

static bool check_arguments(const float *map, const float *noise, int nx, int ny,
                            double pixel_arcmin, const DmMapStatsOptions *options,
                            DmError **error) {
  if (!map)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Map statistics need a map.");
  if (!dm_map_check_size(nx, ny, 1, error)) return false;
  if (!(pixel_arcmin > 0.0 && isfinite(pixel_arcmin)))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Map statistics need a positive pixel size (got %g arcmin).",
                        pixel_arcmin);
  if (options->scale != DM_STATS_NU && options->scale != DM_STATS_KAPPA &&
      options->scale != DM_STATS_SNR)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Unknown map statistics scale.");
  if (options->scale == DM_STATS_SNR && !noise)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Statistics on the S/N scale need a noise map.");
  if (options->n_thresholds < 2 || options->n_thresholds > DM_MAP_STATS_MAX_THRESHOLDS)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The number of thresholds must be 2 to %d (got %d).",
                        DM_MAP_STATS_MAX_THRESHOLDS, options->n_thresholds);
  if (!(isfinite(options->lo) && isfinite(options->hi) && options->lo < options->hi))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The thresholds must run from a finite lo to a larger finite hi "
                        "(got %g to %g).",
                        options->lo, options->hi);
  return true;
}

static DmMapStats *allocate(const DmMapStatsOptions *options, DmError **error) {
  DmMapStats *s = calloc(1, sizeof(*s));
  int n = options->n_thresholds;
  if (s) {
    s->options = *options;
    s->n = n;
    s->threshold = malloc((size_t)n * sizeof(double));
    s->pdf = calloc((size_t)n, sizeof(double));
    s->peaks = calloc((size_t)n, sizeof(double));
    s->minima = calloc((size_t)n, sizeof(double));
    s->v0 = calloc((size_t)n, sizeof(double));
    s->v1 = calloc((size_t)n, sizeof(double));
    s->v2 = calloc((size_t)n, sizeof(double));
  }
  if (!s || !s->threshold || !s->pdf || !s->peaks || !s->minima || !s->v0 || !s->v1 ||
      !s->v2) {
    dm_map_stats_free(s);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for map statistics.");
    return NULL;
  }
  s->bin_width = (options->hi - options->lo) / (n - 1);
  for (int i = 0; i < n; i++) s->threshold[i] = options->lo + i * s->bin_width;
  s->threshold[n - 1] = options->hi;
  return s;
}

/* Number of thresholds strictly below h (0 … n): the floor estimate, checked against the
 * thresholds themselves so that rounding never moves a value across one. */
static int thresholds_below(const DmMapStats *s, double h) {
  double position = floor((h - s->threshold[0]) / s->bin_width) + 1.0;
  int k = position < 0.0 ? 0 : position > s->n ? s->n : (int)position;
  while (k > 0 && !(s->threshold[k - 1] < h)) k--;
  while (k < s->n && s->threshold[k] < h) k++;
  return k;
}

/* Edge j (0 … n) of the bins: t_0 + (j − 1/2) Δ, one formula for both bins it separates. */
static double bin_edge(const DmMapStats *s, int j) {
  return s->threshold[0] + (j - 0.5) * s->bin_width;
}

/* The bin [edge i, edge i + 1) holding h, or −1 outside every bin: the floor estimate,
 * checked against the edges. */
static int bin_of(const DmMapStats *s, double h) {
  if (h < bin_edge(s, 0) || h >= bin_edge(s, s->n)) return -1;
  double position = floor((h - bin_edge(s, 0)) / s->bin_width);
  int i = position < 0.0 ? 0 : position > s->n - 1 ? s->n - 1 : (int)position;
  while (i > 0 && h < bin_edge(s, i)) i--;
  while (i < s->n - 1 && h >= bin_edge(s, i + 1)) i++;
  return i;
}

/* The field thresholded: the map itself, or the S/N map written into *owned. */
static const float *thresholded_field(const float *map, const float *noise, size_t npix,
                                      DmStatsScale scale, float **owned, DmError **error) {
  *owned = NULL;
  if (scale != DM_STATS_SNR) return map;
  float *snr = malloc(npix * sizeof(float));
  if (!snr) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the S/N map.");
    return NULL;
  }
  for (size_t i = 0; i < npix; i++)
    snr[i] = noise[i] > 0.0f && isfinite(noise[i]) ? map[i] / noise[i] : NAN;
  *owned = snr;
  return snr;
}

/* inside[i] = 1 where the mask observes pixel i and the field is finite there. */
static uint8_t *inside_pixels(const float *field, const float *mask, size_t npix,
                              DmError **error) {
  uint8_t *inside = malloc(npix);
  if (!inside) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the map statistics mask.");
    return NULL;
  }
  for (size_t i = 0; i < npix; i++)
    inside[i] = (!mask || mask[i] > 0.0f) && isfinite(field[i]);
  return inside;
}

/* Mean, sigma0, the PDF and V0 over the inside pixels. */
static bool one_point_statistics(DmMapStats *s, const float *f, const uint8_t *inside,
                                 size_t npix, DmError **error) {
  double sum = 0.0;
  long count = 0;
  for (size_t i = 0; i < npix; i++)
    if (inside[i]) {
      sum += f[i];
      count++;
    }
  if (count < 2)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "Map statistics need at least 2 observed pixels with finite values "
                        "(got %ld).",
                        count);
  s->n_inside = count;
  s->mean = sum / count;
  double squares = 0.0;
  for (size_t i = 0; i < npix; i++)
    if (inside[i]) squares += ((double)f[i] - s->mean) * ((double)f[i] - s->mean);
  s->sigma0 = sqrt(squares / count);
  if (s->options.scale == DM_STATS_NU && !(s->sigma0 > 0.0))
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "The map is constant inside the mask: its nu = (kappa - mean) / sigma0 "
                        "is undefined.");

  double scale = s->options.scale == DM_STATS_NU ? 1.0 / s->sigma0 : 1.0;
  double offset = s->options.scale == DM_STATS_NU ? s->mean : 0.0;
  long *above = calloc((size_t)s->n + 1, sizeof(long));
  if (!above) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  for (size_t i = 0; i < npix; i++) {
    if (!inside[i]) continue;
    double h = ((double)f[i] - offset) * scale;
    int bin = bin_of(s, h);
    if (bin >= 0) s->pdf[bin] += 1.0;
    above[thresholds_below(s, h)]++;
  }
  /* Pixels with h > t_i are those with more than i thresholds below them. */
  long cumulative = 0;
  for (int i = s->n - 1; i >= 0; i--) {
    cumulative += above[i + 1];
    s->v0[i] = (double)cumulative / count;
  }
  free(above);
  for (int i = 0; i < s->n; i++) s->pdf[i] /= count * s->bin_width;
  return true;
}

/* The pixels the derivatives at a pixel read, as (dx, dy): its 3 × 3 square and the
 * pixels two steps away along the axes. */
static const int stencil[13][2] = {{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {0, 0}, {1, 0}, {-1, 1},
                                   {0, 1},   {1, 1},  {-2, 0}, {2, 0},  {0, -2}, {0, 2}};

static bool is_interior(const uint8_t *inside, int nx, int ny, int x, int y) {
  if (x < 2 || y < 2 || x > nx - 3 || y > ny - 3) return false;
  for (int k = 0; k < 13; k++)
    if (!inside[(size_t)(y + stencil[k][1]) * nx + (x + stencil[k][0])]) return false;
  return true;
}

/* +1 for a pixel strictly above its 8 neighbours, −1 strictly below them, else 0. */
static int extremum_kind(const float *f, int nx, size_t centre) {
  static const int offsets[8][2] = {{-1, -1}, {0, -1}, {1, -1}, {-1, 0},
                                    {1, 0},   {-1, 1}, {0, 1},  {1, 1}};
  float value = f[centre];
  bool above = true, below = true;
  for (int k = 0; k < 8; k++) {
    float neighbour = f[(ptrdiff_t)centre + offsets[k][1] * (ptrdiff_t)nx + offsets[k][0]];
    above = above && value > neighbour;
    below = below && value < neighbour;
  }
  return above ? 1 : below ? -1 : 0;
}

/* sigma1, sigma2, V1, V2, peaks and minima over the interior pixels. */
static bool derivative_statistics(DmMapStats *s, const float *f, const uint8_t *inside, int nx,
                                  int ny, DmError **error) {
  double per_degree = 60.0 / s->pixel_arcmin;
  bool nu = s->options.scale == DM_STATS_NU;
  double h_scale = nu ? 1.0 / s->sigma0 : 1.0, h_offset = nu ? s->mean : 0.0;
  double gradient_squares = 0.0, laplacian_squares = 0.0;
  long interior = 0;
  for (int y = 2; y < ny - 2; y++)
    for (int x = 2; x < nx - 2; x++) {
      if (!is_interior(inside, nx, ny, x, y)) continue;
      interior++;
      size_t c = (size_t)y * nx + x;
      double f_c = f[c], f_e = f[c + 1], f_w = f[c - 1], f_n = f[c + nx], f_s = f[c - nx];
      /* Gradient and Hessian of f per degree, all from the central difference D: D_x f,
       * D_x D_x f (which reads x ± 2), D_x D_y f.  With one operator the lattice keeps the
       * continuum's <f D_xx f> = −<(D_x f)²>, on which V2's Gaussian expectation rests. */
      double fx = 0.5 * (f_e - f_w) * per_degree, fy = 0.5 * (f_n - f_s) * per_degree;
      double fxx = 0.25 * (f[c + 2] - 2.0 * f_c + f[c - 2]) * per_degree * per_degree;
      double fyy =
          0.25 * (f[c + 2 * (size_t)nx] - 2.0 * f_c + f[c - 2 * (size_t)nx]) * per_degree *
          per_degree;
      double fxy = 0.25 *
                   ((double)f[c + nx + 1] - f[c - nx + 1] - f[c + nx - 1] + f[c - nx - 1]) *
                   per_degree * per_degree;
      /* sigma2 from the 3-point Laplacian, the closest to the continuum's. */
      double laplacian = (f_e + f_w + f_n + f_s - 4.0 * f_c) * per_degree * per_degree;
      double gradient2 = fx * fx + fy * fy;
      gradient_squares += gradient2;
      laplacian_squares += laplacian * laplacian;

      double h = (f_c - h_offset) * h_scale;
      int bin = bin_of(s, h);
      int extremum = extremum_kind(f, nx, c);
      if (extremum > 0) s->n_peaks++;
      if (extremum < 0) s->n_minima++;
      if (bin < 0) continue;
      if (extremum > 0) s->peaks[bin] += 1.0;
      if (extremum < 0) s->minima[bin] += 1.0;
      /* h's derivatives are f's times h_scale, so |∇h| and the curvature term
       * (h_scale³ over h_scale²) are f's times h_scale. */
      s->v1[bin] += sqrt(gradient2) * h_scale;
      if (gradient2 > 0.0)
        s->v2[bin] += (2.0 * fx * fy * fxy - fx * fx * fyy - fy * fy * fxx) / gradient2 * h_scale;
    }
  if (interior == 0)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "No observed pixel has its 3 x 3 neighbourhood and the pixels 2 away "
                        "along the axes observed: gradients, peaks and the Minkowski "
                        "functionals V1, V2 are undefined.");
  s->n_interior = interior;
  s->sigma1 = sqrt(gradient_squares / interior);
  s->sigma2 = sqrt(laplacian_squares / interior);
  for (int i = 0; i < s->n; i++) {
    s->v1[i] /= 4.0 * s->bin_width * interior;
    s->v2[i] /= 2.0 * M_PI * s->bin_width * interior;
  }
  return true;
}

DmMapStats *dm_map_stats(const float *map, const float *mask, const float *noise, int nx,
                         int ny, double pixel_arcmin, const DmMapStatsOptions *options,
                         DmError **error) {
  DmMapStatsOptions defaults;
  if (!options) {
    dm_map_stats_options_init(&defaults);
    options = &defaults;
  }
  if (!check_arguments(map, noise, nx, ny, pixel_arcmin, options, error)) return NULL;
  size_t npix = (size_t)nx * (size_t)ny;
  float *snr = NULL;
  const float *field = thresholded_field(map, noise, npix, options->scale, &snr, error);
  if (!field) return NULL;
  uint8_t *inside = inside_pixels(field, mask, npix, error);
  DmMapStats *stats = inside ? allocate(options, error) : NULL;
  if (stats) {
    stats->pixel_arcmin = pixel_arcmin;
    if (!one_point_statistics(stats, field, inside, npix, error) ||
        !derivative_statistics(stats, field, inside, nx, ny, error)) {
      dm_map_stats_free(stats);
      stats = NULL;
    }
  }
  if (stats) {
    double pixel_deg2 = (pixel_arcmin / 60.0) * (pixel_arcmin / 60.0);
    stats->area_deg2 = stats->n_inside * pixel_deg2;
    stats->interior_area_deg2 = stats->n_interior * pixel_deg2;
  }
  free(inside);
  free(snr);
  return stats;
}
