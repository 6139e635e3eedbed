/* Binning a catalogue onto a pixel grid (see darkmap/binning.h).
 *
 * One pass over the galaxies computes each one's pixel index, a second
 * accumulates, per pixel, sum w, sum w e1, sum w e2 (and sum w² for the
 * weighted noise) in double precision and the count N; a pass over the pixels
 * forms the means and the noise.
 *
 * The passes run on the OpenMP threads.  The galaxies are indexed in blocks
 * of fixed size, each block with its own totals (for sigma_e) added in block
 * order; the pixels are accumulated by rows, each thread taking the galaxies
 * whose pixel lies in its rows, in catalogue order.  Every sum is therefore
 * made in the same order whatever the number of threads.  The per-pixel sums
 * and the output maps, 63 MB at 1024² and faulted in afresh by every call,
 * are advised for huge pages. */
#include "darkmap/binning.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/huge-pages.h"
#include "core/omp-shares.h"

/* Galaxies are indexed in chunks of this many (progress and cancel between),
 * each in blocks of INDEX_BLOCK with their own totals.  A thread's share
 * (core/omp-shares.h) is SHARE_GALAXIES galaxies to index or accumulate, or
 * SHARE_PIXELS pixels to fill: about 2 ms of work each. */
enum {
  BIN_CHUNK = 1 << 20,  /* DM_CATALOG_STREAM_CHUNK: streamed chunks bin as in memory */
  INDEX_BLOCK = 1 << 16,
  SHARE_GALAXIES = 1 << 18,
  SHARE_PIXELS = 1 << 18,
};

_Static_assert(BIN_CHUNK == DM_CATALOG_STREAM_CHUNK, "streamed chunks are binning chunks");

void dm_grid_spec_init(DmGridSpec *spec) {
  *spec = (DmGridSpec){
      .nx = 360,
      .ny = 360,
      .pixel_arcmin = 0.29,
      .has_center = false,
      .projection = DM_PROJECTION_TAN,
      .ra_left = true,
      .flip_e2 = false,
      .noise_model = DM_NOISE_COUNT,
  };
}

static bool check_spec(const DmGridSpec *spec, DmError **error) {
  if (spec->nx < 1 || spec->ny < 1 || spec->nx > DM_GRID_MAX_SIDE || spec->ny > DM_GRID_MAX_SIDE)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Grid size %d × %d is out of range: each side must be 1 to %d pixels.",
                        spec->nx, spec->ny, DM_GRID_MAX_SIDE);
  if (!(spec->pixel_arcmin > 0.0) || !isfinite(spec->pixel_arcmin) || spec->pixel_arcmin > 600.0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Pixel scale %g arcmin is out of range (0 to 600 arcmin).",
                        spec->pixel_arcmin);
  if (spec->projection != DM_PROJECTION_TAN && spec->projection != DM_PROJECTION_FLAT)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Grids are binned in TAN or FLAT projection.");
  if (spec->has_center &&
      (!isfinite(spec->center_ra) || !(fabs(spec->center_dec) < 90.0)))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Grid centre RA %g, Dec %g is not a valid sky position.", spec->center_ra,
                        spec->center_dec);
  double field_deg = fmax(spec->nx, spec->ny) * spec->pixel_arcmin / 60.0;
  if (spec->projection == DM_PROJECTION_TAN && field_deg >= 120.0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A %.1f° TAN grid is too wide for a tangent-plane projection.",
                        field_deg);
  /* The binned shear's maps: shear, counts, weight, noise and mask. */
  return dm_map_check_size(spec->nx, spec->ny, 7, error);
}

DmWcs *dm_grid_spec_wcs(const DmGridSpec *spec, DmError **error) {
  if (!check_spec(spec, error)) return NULL;
  if (!spec->has_center) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "The grid has no centre set.");
    return NULL;
  }
  return dm_wcs_new_grid(spec->projection, spec->center_ra, spec->center_dec,
                         spec->pixel_arcmin / 60.0, spec->nx, spec->ny, spec->ra_left, error);
}

/* Uniform bin edges lo + i (hi − lo) / n, computed as NumPy's linspace does
 * (i * step + lo, the last edge exactly hi). */
typedef struct {
  double lo, hi, step, inv_step;
  int n;
} Edges;

static Edges make_edges(double lo, double hi, int n) {
  return (Edges){lo, hi, (hi - lo) / n, n / (hi - lo), n};
}

static inline double edge_at(const Edges *e, int i) {
  return i == e->n ? e->hi : i * e->step + e->lo;
}

/* The bin holding x under NumPy's histogram rule, or −1 outside [lo, hi]. */
static inline int bin_of(const Edges *e, double x) {
  if (!(x >= e->lo && x <= e->hi)) return -1;
  if (x == e->hi) return e->n - 1;
  int i = (int)floor((x - e->lo) * e->inv_step);
  if (i > e->n - 1) i = e->n - 1;
  if (i < 0) i = 0;
  if (x < edge_at(e, i)) i--;
  else if (x >= edge_at(e, i + 1)) i++;
  return (i >= 0 && i < e->n) ? i : -1;
}

/* Per-pixel sums and count, interleaved for locality; sum w² apart (kept for
 * the weighted noise only). */
typedef struct {
  double w, we1, we2;
  uint32_t n;
} PixelSums;

typedef struct {
  PixelSums *sums;   /* ny × nx */
  double *w2;        /* ny × nx sum of w², or NULL (count noise) */
} Accumulators;

/* Totals over the galaxies inside the grid (unweighted), for sigma_e. */
typedef struct {
  size_t n;
  double e1, e2, e1_sq, e2_sq;
} Totals;

static void add_totals(Totals *into, const Totals *t) {
  into->n += t->n;
  into->e1 += t->e1;
  into->e2 += t->e2;
  into->e1_sq += t->e1_sq;
  into->e2_sq += t->e2_sq;
}

/* An RA within 180° of a FLAT grid's centre RA (a grid across RA 0/360,
 * or RAs written from −180 to 180): unchanged when it already is. */
static inline double ra_near(double ra, double centre) {
  double d = ra - centre;
  return d >= -180.0 && d < 180.0 ? ra : centre + remainder(d, 360.0);
}

/* Pixel index (y * nx + x), −1 outside, of count galaxies from catalogue row
 * start, whose coordinates x, y are binned on the edges ex, ey (FLAT grids:
 * RA, taken within 180° of the centre, and Dec; TAN grids: projected pixel
 * coordinates on half-integer edges); and their totals. */
static void index_block(const DmCatalog *cat, const DmGridSpec *spec, const Edges *ex,
                        const Edges *ey, const double *x, const double *y, size_t start,
                        size_t count, double e2_sign, int32_t *index, Totals *totals) {
  bool flat = spec->projection == DM_PROJECTION_FLAT, flip_x = flat && spec->ra_left;
  *totals = (Totals){0};
  for (size_t i = 0; i < count; i++) {
    int ix = bin_of(ex, flat ? ra_near(x[i], spec->center_ra) : x[i]), iy = bin_of(ey, y[i]);
    if (ix >= 0 && flip_x) ix = spec->nx - 1 - ix;
    if (ix < 0 || iy < 0) {
      index[i] = -1;
      continue;
    }
    index[i] = (int32_t)iy * spec->nx + ix;
    double e1 = cat->e1[start + i], e2 = e2_sign * cat->e2[start + i];
    totals->n++;
    totals->e1 += e1;
    totals->e2 += e2;
    totals->e1_sq += e1 * e1;
    totals->e2_sq += e2 * e2;
  }
}

/* Indexes the galaxies [start, end) (see index_block) and adds their totals
 * to totals, block by block in order. */
static bool index_chunk(const DmCatalog *cat, const DmGridSpec *spec, const DmWcs *wcs,
                        size_t start, size_t end, int32_t *index, double *scratch_x,
                        double *scratch_y, Totals *totals, DmError **error) {
  size_t count = end - start;
  Edges ex, ey;
  const double *x = cat->ra + start, *y = cat->dec + start;
  if (spec->projection == DM_PROJECTION_FLAT) {
    double half_x = spec->nx * spec->pixel_arcmin / 60.0 / 2.0;
    double half_y = spec->ny * spec->pixel_arcmin / 60.0 / 2.0;
    ex = make_edges(spec->center_ra - half_x, spec->center_ra + half_x, spec->nx);
    ey = make_edges(spec->center_dec - half_y, spec->center_dec + half_y, spec->ny);
  } else {
    if (!dm_wcs_world_to_pixel(wcs, count, cat->ra + start, cat->dec + start, scratch_x,
                               scratch_y, error))
      return false;
    ex = make_edges(-0.5, spec->nx - 0.5, spec->nx);
    ey = make_edges(-0.5, spec->ny - 0.5, spec->ny);
    x = scratch_x;
    y = scratch_y;
  }
  double e2_sign = spec->flip_e2 ? -1.0 : 1.0;
  long blocks = (long)((count + INDEX_BLOCK - 1) / INDEX_BLOCK);
  Totals block_totals[BIN_CHUNK / INDEX_BLOCK];
#pragma omp parallel for schedule(static) num_threads(dm_omp_threads_for(count, SHARE_GALAXIES))
  for (long b = 0; b < blocks; b++) {
    size_t first = (size_t)b * INDEX_BLOCK;
    size_t n = count - first < INDEX_BLOCK ? count - first : INDEX_BLOCK;
    index_block(cat, spec, &ex, &ey, x + first, y + first, start + first, n, e2_sign,
                index + first, &block_totals[b]);
  }
  for (long b = 0; b < blocks; b++) add_totals(totals, &block_totals[b]);
  return true;
}

/* Adds the galaxies [start, end) whose pixel lies in [p0, p1) to the
 * accumulators, in catalogue order. */
static void accumulate_pixels(const DmCatalog *cat, const DmGridSpec *spec, size_t start,
                              size_t end, const int32_t *index, int32_t p0, int32_t p1,
                              const Accumulators *acc) {
  double e2_sign = spec->flip_e2 ? -1.0 : 1.0;
  for (size_t i = start; i < end; i++) {
    int32_t p = index[i - start];
    if (p < p0 || p >= p1) continue;
    double w = cat->weight[i];
    PixelSums *s = &acc->sums[p];
    s->w += w;
    s->we1 += w * cat->e1[i];
    s->we2 += w * (e2_sign * cat->e2[i]);
    s->n++;
    if (acc->w2) acc->w2[p] += w * w;
  }
}

struct DmBinner {
  DmGridSpec spec;   /* centre set */
  DmWcs *wcs;
  Accumulators acc;
  Totals totals;
  size_t n_added;    /* galaxies given, inside the grid or not */
  size_t capacity;   /* galaxies the scratch below holds (at most BIN_CHUNK) */
  int32_t *index;    /* capacity pixel indices */
  double *sx, *sy;   /* capacity projected coordinates (TAN grids) */
};

/* Scratch for pieces of count galaxies. */
static bool reserve_scratch(DmBinner *binner, size_t count, DmError **error) {
  if (count <= binner->capacity) return true;
  free(binner->index);
  free(binner->sx);
  free(binner->sy);
  bool tan = binner->spec.projection == DM_PROJECTION_TAN;
  binner->index = malloc(count * sizeof *binner->index);
  binner->sx = tan ? malloc(count * sizeof *binner->sx) : NULL;
  binner->sy = tan ? malloc(count * sizeof *binner->sy) : NULL;
  binner->capacity = count;
  if (binner->index && (!tan || (binner->sx && binner->sy))) return true;
  binner->capacity = 0;
  return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory while binning.");
}

bool dm_binner_add(DmBinner *binner, const DmCatalog *catalog, size_t start, size_t end,
                   DmError **error) {
  if (end - start > UINT32_MAX - binner->n_added)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The catalogue has %zu galaxies; binning takes at most %u at a time.",
                        binner->n_added + (end - start), UINT32_MAX);
  const DmGridSpec *spec = &binner->spec;
  for (size_t first = start; first < end; first += BIN_CHUNK) {
    size_t last = end - first < BIN_CHUNK ? end : first + BIN_CHUNK;
    if (!reserve_scratch(binner, last - first, error) ||
        !index_chunk(catalog, spec, binner->wcs, first, last, binner->index, binner->sx,
                     binner->sy, &binner->totals, error))
      return false;
    /* Each thread takes a share of the grid's rows. */
#pragma omp parallel num_threads(dm_omp_threads_for(last - first, SHARE_GALAXIES))
    {
      int t = omp_get_thread_num(), team = omp_get_num_threads();
      int32_t y0 = (int32_t)((long)spec->ny * t / team);
      int32_t y1 = (int32_t)((long)spec->ny * (t + 1) / team);
      accumulate_pixels(catalog, spec, first, last, binner->index, y0 * spec->nx,
                        y1 * spec->nx, &binner->acc);
    }
    binner->n_added += last - first;
  }
  return true;
}

/* Population standard deviation of one component from its totals. */
static double population_std(double sum, double sum_sq, size_t n) {
  double mean = sum / (double)n, var = sum_sq / (double)n - mean * mean;
  return var > 0.0 ? sqrt(var) : 0.0;
}

/* Forms the output maps from the accumulators, pixels shared between the
 * threads. */
static void fill_maps(DmBinnedShear *b, const Accumulators *acc, DmNoiseModel noise_model) {
  long npix = (long)dm_map_plane_size(b->shear);
  float *g1 = dm_map_plane(b->shear, 0), *g2 = dm_map_plane(b->shear, 1);
  float *n1 = dm_map_plane(b->noise, 0), *n2 = dm_map_plane(b->noise, 1);
#pragma omp parallel for schedule(static) num_threads(dm_omp_threads_for(npix, SHARE_PIXELS))
  for (long p = 0; p < npix; p++) {
    const PixelSums *s = &acc->sums[p];
    uint32_t n = s->n;
    b->counts->data[p] = (float)n;
    b->weight->data[p] = (float)s->w;
    b->mask->data[p] = n > 0 ? 1.0f : 0.0f;
    if (n == 0) continue;
    g1[p] = (float)(s->we1 / s->w);
    g2[p] = (float)(s->we2 / s->w);
    double scale =
        noise_model == DM_NOISE_WEIGHTED ? sqrt(acc->w2[p]) / s->w : 1.0 / sqrt((double)n);
    n1[p] = (float)(b->sigma_e[0] * scale);
    n2[p] = (float)(b->sigma_e[1] * scale);
  }
}

/* New zeroed per-pixel arrays (calloc), advised for huge pages. */
static void *new_pixel_array(size_t npix, size_t element) {
  void *array = calloc(npix, element);
  dm_advise_huge_pages(array, npix * element);
  return array;
}

/* A new zeroed map of the grid, advised for huge pages. */
static DmMap *new_grid_map(const DmGridSpec *spec, int nplanes, const DmWcs *wcs,
                           DmError **error) {
  DmMap *map = dm_map_new(spec->nx, spec->ny, nplanes, wcs, error);
  if (map) dm_advise_huge_pages(map->data, dm_map_plane_size(map) * nplanes * sizeof(float));
  return map;
}

/* Provenance of the grid, on every output map. */
static bool describe_grid(DmMap *map, const DmGridSpec *spec, DmError **error) {
  static const char *const noise_names[] = {"count", "weighted"};
  return dm_map_set_string(map, "PROJECT", spec->projection == DM_PROJECTION_TAN ? "TAN" : "FLAT",
                           "grid projection", error) &&
         dm_map_set_double(map, "PIXSCALE", spec->pixel_arcmin, "pixel side [arcmin]", error) &&
         dm_map_set_double(map, "CENTRA", spec->center_ra, "grid centre RA [deg]", error) &&
         dm_map_set_double(map, "CENTDEC", spec->center_dec, "grid centre Dec [deg]", error) &&
         dm_map_set_bool(map, "FLIPE2", spec->flip_e2, "catalogue e2 negated", error) &&
         dm_map_set_string(map, "NOISEMOD", noise_names[spec->noise_model],
                           "noise: count = sigma_e/sqrt(N)", error);
}

void dm_binned_shear_free(DmBinnedShear *binned) {
  if (!binned) return;
  dm_map_free(binned->shear);
  dm_map_free(binned->counts);
  dm_map_free(binned->weight);
  dm_map_free(binned->noise);
  dm_map_free(binned->mask);
  free(binned);
}

void dm_binner_free(DmBinner *binner) {
  if (!binner) return;
  free(binner->acc.sums);
  free(binner->acc.w2);
  free(binner->index);
  free(binner->sx);
  free(binner->sy);
  dm_wcs_free(binner->wcs);
  free(binner);
}

DmBinner *dm_binner_new(const DmGridSpec *spec, DmError **error) {
  DmWcs *wcs = dm_grid_spec_wcs(spec, error);
  if (!wcs) return NULL;
  DmBinner *binner = calloc(1, sizeof *binner);
  if (!binner) {
    dm_wcs_free(wcs);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d grid.", spec->nx,
                 spec->ny);
    return NULL;
  }
  binner->spec = *spec;
  binner->wcs = wcs;
  size_t npix = (size_t)spec->nx * (size_t)spec->ny;
  bool weighted = spec->noise_model == DM_NOISE_WEIGHTED;
  binner->acc.sums = new_pixel_array(npix, sizeof(PixelSums));
  binner->acc.w2 = weighted ? new_pixel_array(npix, sizeof(double)) : NULL;
  if (!binner->acc.sums || (weighted && !binner->acc.w2)) {
    dm_binner_free(binner);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d grid.", spec->nx,
                 spec->ny);
    return NULL;
  }
  return binner;
}

/* Doubles per pixel in a sums vector: w, we1, we2, n, and w² when kept. */
static size_t sums_per_pixel(const DmBinner *binner) { return binner->acc.w2 ? 5 : 4; }

enum { SUMS_TOTALS = 6 };  /* n, e1, e2, e1_sq, e2_sq, galaxies given */

size_t dm_binner_sums_count(const DmBinner *binner) {
  return (size_t)binner->spec.nx * (size_t)binner->spec.ny * sums_per_pixel(binner) + SUMS_TOTALS;
}

void dm_binner_sums_copy(const DmBinner *binner, double *sums) {
  size_t npix = (size_t)binner->spec.nx * (size_t)binner->spec.ny, k = sums_per_pixel(binner);
  for (size_t p = 0; p < npix; p++) {
    const PixelSums *s = &binner->acc.sums[p];
    double *out = sums + p * k;
    out[0] = s->w, out[1] = s->we1, out[2] = s->we2, out[3] = s->n;
    if (binner->acc.w2) out[4] = binner->acc.w2[p];
  }
  const Totals *t = &binner->totals;
  double *out = sums + npix * k;
  out[0] = (double)t->n, out[1] = t->e1, out[2] = t->e2, out[3] = t->e1_sq, out[4] = t->e2_sq;
  out[5] = (double)binner->n_added;
}

void dm_binner_sums_add(DmBinner *binner, const double *sums) {
  size_t npix = (size_t)binner->spec.nx * (size_t)binner->spec.ny, k = sums_per_pixel(binner);
  for (size_t p = 0; p < npix; p++) {
    PixelSums *s = &binner->acc.sums[p];
    const double *in = sums + p * k;
    s->w += in[0], s->we1 += in[1], s->we2 += in[2], s->n += (uint32_t)in[3];
    if (binner->acc.w2) binner->acc.w2[p] += in[4];
  }
  const double *in = sums + npix * k;
  add_totals(&binner->totals, &(Totals){(size_t)in[0], in[1], in[2], in[3], in[4]});
  binner->n_added += (size_t)in[5];
}

DmBinnedShear *dm_binner_finish(DmBinner *binner, DmError **error) {
  const DmGridSpec *spec = &binner->spec;
  const Totals *totals = &binner->totals;
  if (totals->n == 0) {
    dm_error_set(error, DM_ERROR_NO_DATA, 0,
                 "None of the %zu galaxies falls inside the %d × %d grid of %g arcmin "
                 "pixels centred on RA %.5f, Dec %.5f.",
                 binner->n_added, spec->nx, spec->ny, spec->pixel_arcmin, spec->center_ra,
                 spec->center_dec);
    return NULL;
  }
  DmBinnedShear *b = calloc(1, sizeof *b);
  bool ok = b ? true : dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  ok = ok && (b->shear = new_grid_map(spec, 2, binner->wcs, error)) &&
       (b->counts = new_grid_map(spec, 1, binner->wcs, error)) &&
       (b->weight = new_grid_map(spec, 1, binner->wcs, error)) &&
       (b->noise = new_grid_map(spec, 2, binner->wcs, error)) &&
       (b->mask = new_grid_map(spec, 1, binner->wcs, error));
  if (ok) {
    b->n_binned = totals->n;
    b->n_outside = binner->n_added - totals->n;
    b->sigma_e[0] = population_std(totals->e1, totals->e1_sq, totals->n);
    b->sigma_e[1] = population_std(totals->e2, totals->e2_sq, totals->n);
    fill_maps(b, &binner->acc, spec->noise_model);
    DmMap *maps[] = {b->shear, b->counts, b->weight, b->noise, b->mask};
    for (size_t i = 0; ok && i < sizeof maps / sizeof maps[0]; i++)
      ok = describe_grid(maps[i], spec, error);
  }
  if (!ok) {
    dm_binned_shear_free(b);
    return NULL;
  }
  return b;
}

DmBinnedShear *dm_bin_catalog(const DmCatalog *catalog, const DmGridSpec *spec_in,
                              const DmProgress *progress, DmError **error) {
  DmGridSpec spec = *spec_in;
  if (!check_spec(&spec, error)) return NULL;
  if (catalog->n == 0) {
    dm_error_set(error, DM_ERROR_NO_DATA, 0, "The catalogue has no galaxies to bin.");
    return NULL;
  }
  if (!spec.has_center) {
    if (!dm_catalog_median_center(catalog, &spec.center_ra, &spec.center_dec, error))
      return NULL;
    spec.has_center = true;
  }
  DmBinner *binner = dm_binner_new(&spec, error);
  bool ok = binner != NULL;
  for (size_t start = 0; ok && start < catalog->n; start += BIN_CHUNK) {
    size_t end = catalog->n - start < BIN_CHUNK ? catalog->n : start + BIN_CHUNK;
    ok = dm_progress_check_cancel(progress, error) &&
         dm_binner_add(binner, catalog, start, end, error);
    if (ok) dm_progress_report(progress, (double)end / (double)catalog->n, "Binning galaxies");
  }
  DmBinnedShear *binned = ok ? dm_binner_finish(binner, error) : NULL;
  dm_binner_free(binner);
  return binned;
}

DmBinnedShear *dm_bin_catalog_stream(DmCatalogStream *stream, const DmGridSpec *spec_in,
                                     const DmProgress *progress, DmError **error) {
  DmGridSpec spec = *spec_in;
  if (!check_spec(&spec, error)) return NULL;
  if (!spec.has_center) {
    if (!dm_catalog_stream_median_center(stream, &spec.center_ra, &spec.center_dec, progress,
                                         error))
      return NULL;
    spec.has_center = true;
  }
  DmBinner *binner = dm_binner_new(&spec, error);
  bool ok = binner != NULL;
  dm_catalog_stream_rewind(stream);
  const DmCatalog *chunk = NULL;
  while (ok && (chunk = dm_catalog_stream_next(stream, progress, error)) && chunk->n > 0) {
    ok = dm_binner_add(binner, chunk, 0, chunk->n, error);
    dm_progress_report(progress,
                       (double)dm_catalog_stream_rows_read(stream) / (double)chunk->n_rows,
                       "Binning galaxies");
  }
  ok = ok && chunk != NULL;
  DmBinnedShear *binned = ok ? dm_binner_finish(binner, error) : NULL;
  dm_binner_free(binner);
  return binned;
}
