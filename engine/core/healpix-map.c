/* HEALPix maps of flat maps (darkmap/healpix.h).
 *
 * The pixels whose centres fall on the grid are found ring by ring: the
 * grid's border gives its Dec range and RA range (the whole circle when it
 * winds around a pole), the RING scheme's rings in that Dec range are
 * equally spaced in RA, so each contributes the run of its pixels in the RA
 * range, and each candidate's centre is projected onto the grid to keep the
 * ones that land on it.  Memory: the kept pixels (index and grid position)
 * and one ring's candidates. */
#include "darkmap/healpix.h"

#include <chealpix.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/lanczos.h"
#include "darkmap/memory-budget.h"
#include "darkmap/wcs.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const double DEG = M_PI / 180.0;

double dm_healpix_pixel_arcmin(int64_t nside) {
  return sqrt(M_PI / 3.0) / (double)nside / DEG * 60.0;
}

int64_t dm_healpix_nside_for_pixel(double pixel_arcmin) {
  int64_t nside = 1;
  while (nside < DM_HEALPIX_MAX_NSIDE && dm_healpix_pixel_arcmin(nside) > pixel_arcmin)
    nside *= 2;
  return nside;
}

void dm_healpix_free(DmHealpixMap *map) {
  if (!map) return;
  free(map->pixels);
  for (int c = 0; c < map->n_columns; c++) {
    if (map->column_names) free(map->column_names[c]);
    if (map->columns) free(map->columns[c]);
  }
  free(map->column_names);
  free(map->columns);
  dm_meta_cards_free(map->cards, map->n_cards);
  free(map);
}

/* ---- the rings of the RING scheme ------------------------------------- */

/* Ring r (1 to 4 nside − 1, north to south): its first pixel and count. */
static void ring_span(int64_t nside, int64_t r, int64_t *first, int64_t *count) {
  if (r < nside) {
    *count = 4 * r;
    *first = 2 * r * (r - 1);
  } else if (r <= 3 * nside) {
    *count = 4 * nside;
    *first = 2 * nside * (nside - 1) + (r - nside) * 4 * nside;
  } else {
    int64_t s = 4 * nside - r;
    *count = 4 * s;
    *first = 12 * nside * nside - 2 * s * (s + 1);
  }
}

/* sin(Dec) of ring r: the polar caps' rings at z = ±(1 − r² / 3 nside²),
 * the equatorial belt's equally spaced in z. */
static double ring_z(int64_t nside, int64_t r) {
  double n = (double)nside;
  if (r < nside) return 1.0 - (double)r * (double)r / (3.0 * n * n);
  if (r <= 3 * nside) return 4.0 / 3.0 - 2.0 * (double)r / (3.0 * n);
  double s = (double)(4 * nside - r);
  return -(1.0 - s * s / (3.0 * n * n));
}

/* The first ring (1 to 4 nside) whose sin(Dec) is below z (z decreases
 * with r). */
static int64_t first_ring_below(int64_t nside, double z) {
  int64_t lo = 1, hi = 4 * nside; /* answer in [lo, hi] */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (ring_z(nside, mid) < z) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/* ---- the grid on the sky ----------------------------------------------- */

/* The grid's reach: Dec range and RA range (centre ± half width), degrees,
 * each widened by a pixel; all_ra when it holds a pole. */
typedef struct {
  double dec_lo, dec_hi, ra_mid, ra_half;
  bool all_ra;
} SkyBox;

/* a − b in degrees, wrapped to (−180, 180]. */
static double ra_difference(double a, double b) {
  double d = fmod(a - b, 360.0);
  if (d > 180.0) d -= 360.0;
  if (d <= -180.0) d += 360.0;
  return d;
}

/* The grid's border, walked around at half-pixel steps, gives its reach:
 * Dec and RA have no extremes inside a grid but at a pole, which the walk
 * winds around when the grid holds it. */
static bool grid_sky_box(const DmWcs *wcs, int nx, int ny, SkyBox *box, DmError **error) {
  size_t per_x = 2 * (size_t)nx, per_y = 2 * (size_t)ny, n = 2 * (per_x + per_y);
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  double *ra = malloc(n * sizeof *ra), *dec = malloc(n * sizeof *dec);
  double centre_x = 0.5 * (nx - 1), centre_y = 0.5 * (ny - 1), centre_ra, centre_dec;
  bool ok = x && y && ra && dec;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory mapping onto HEALPix.");
  for (size_t k = 0; ok && k < n; k++) {
    /* Counter-clockwise in pixels: the bottom, right, top and left edges. */
    if (k < per_x) {
      x[k] = -0.5 + 0.5 * (double)k, y[k] = -0.5;
    } else if (k < per_x + per_y) {
      x[k] = nx - 0.5, y[k] = -0.5 + 0.5 * (double)(k - per_x);
    } else if (k < 2 * per_x + per_y) {
      x[k] = nx - 0.5 - 0.5 * (double)(k - per_x - per_y), y[k] = ny - 0.5;
    } else {
      x[k] = -0.5, y[k] = ny - 0.5 - 0.5 * (double)(k - 2 * per_x - per_y);
    }
  }
  ok = ok && dm_wcs_pixel_to_world(wcs, n, x, y, ra, dec, error) &&
       dm_wcs_pixel_to_world(wcs, 1, &centre_x, &centre_y, &centre_ra, &centre_dec, error);
  if (ok) {
    double pixel = dm_wcs_pixel_scale_deg(wcs), winding = 0.0, half = 0.0;
    box->dec_lo = 90.0;
    box->dec_hi = -90.0;
    for (size_t k = 0; k < n; k++) {
      if (isnan(ra[k]) || isnan(dec[k])) continue; /* beyond a TAN horizon */
      box->dec_lo = fmin(box->dec_lo, dec[k]);
      box->dec_hi = fmax(box->dec_hi, dec[k]);
      half = fmax(half, fabs(ra_difference(ra[k], centre_ra)));
      size_t next = (k + 1) % n;
      if (!isnan(ra[next])) winding += ra_difference(ra[next], ra[k]);
    }
    box->all_ra = fabs(winding) > 180.0;
    if (box->all_ra && centre_dec > 0) box->dec_hi = 90.0;
    if (box->all_ra && centre_dec <= 0) box->dec_lo = -90.0;
    box->dec_lo = fmax(-90.0, box->dec_lo - pixel);
    box->dec_hi = fmin(90.0, box->dec_hi + pixel);
    double widest = fmax(fabs(box->dec_lo), fabs(box->dec_hi));
    box->all_ra = box->all_ra || widest > 89.0;
    box->ra_mid = centre_ra;
    box->ra_half = box->all_ra ? 180.0 : half + pixel / cos(widest * DEG);
    box->all_ra = box->all_ra || box->ra_half >= 180.0;
  }
  free(x);
  free(y);
  free(ra);
  free(dec);
  return ok;
}

/* ---- the pixels on the grid -------------------------------------------- */

/* A pixel whose centre falls on the grid: its RING index and grid position. */
typedef struct {
  int64_t index;
  double x, y;
} OnGrid;

typedef struct {
  OnGrid *pixels;
  size_t n, capacity;
} OnGridList;

static bool list_push(OnGridList *list, OnGrid pixel) {
  if (list->n == list->capacity) {
    size_t capacity = list->capacity ? 2 * list->capacity : 4096;
    OnGrid *grown = realloc(list->pixels, capacity * sizeof *grown);
    if (!grown) return false;
    list->pixels = grown;
    list->capacity = capacity;
  }
  list->pixels[list->n++] = pixel;
  return true;
}

static int by_index(const void *a, const void *b) {
  int64_t ia = ((const OnGrid *)a)->index, ib = ((const OnGrid *)b)->index;
  return (ia > ib) - (ia < ib);
}

/* Rough count of the pixels in the box (its area over a pixel's), for the
 * memory check before any is listed. */
static double box_pixels(const SkyBox *box, int64_t nside) {
  double area = (sin(box->dec_hi * DEG) - sin(box->dec_lo * DEG)) * 2.0 * box->ra_half * DEG;
  return area / (4.0 * M_PI / (12.0 * (double)nside * (double)nside));
}

/* Lists the pixels (RING indices, ascending after the sort by the caller)
 * whose centres fall on the nx × ny grid. */
static bool list_on_grid(const DmWcs *wcs, int nx, int ny, int64_t nside, OnGridList *list,
                         DmError **error) {
  SkyBox box;
  if (!grid_sky_box(wcs, nx, ny, &box, error)) return false;
  double estimate = box_pixels(&box, nside);
  if (!dm_memory_check(error, estimate * (sizeof(OnGrid) + 4.0 * sizeof(float)),
                       "A HEALPix map of NSIDE %lld over this %d × %d grid (about %.3g pixels)",
                       (long long)nside, nx, ny, estimate))
    return false;
  /* The list sized once from the estimate (the box holds the grid), not
   * grown by doubling, which held twice the pixels at its peak. */
  list->capacity = (size_t)(estimate * 1.02) + 4096;
  list->pixels = malloc(list->capacity * sizeof *list->pixels);
  if (!list->pixels)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory mapping onto HEALPix.");
  int64_t r_first = first_ring_below(nside, sin(box.dec_hi * DEG) + 1e-15);
  int64_t r_end = first_ring_below(nside, sin(box.dec_lo * DEG) - 1e-15);
  size_t capacity = 0;
  double *ra = NULL, *dec = NULL, *x = NULL, *y = NULL;
  int64_t *index = NULL;
  bool ok = true;
  for (int64_t r = r_first; ok && r < r_end && r < 4 * nside; r++) {
    int64_t first, count;
    ring_span(nside, r, &first, &count);
    double theta, phi0;
    pix2ang_ring64(nside, first, &theta, &phi0);
    double step = 2.0 * M_PI / (double)count;
    int64_t j_lo = 0, j_hi = count - 1;
    if (!box.all_ra) {
      j_lo = (int64_t)ceil(((box.ra_mid - box.ra_half) * DEG - phi0) / step);
      j_hi = (int64_t)floor(((box.ra_mid + box.ra_half) * DEG - phi0) / step);
      if (j_hi - j_lo + 1 >= count) j_lo = 0, j_hi = count - 1;
    }
    size_t n = (size_t)(j_hi - j_lo + 1);
    if (n > capacity) {
      capacity = n;
      free(ra), free(dec), free(x), free(y), free(index);
      ra = malloc(n * sizeof *ra), dec = malloc(n * sizeof *dec);
      x = malloc(n * sizeof *x), y = malloc(n * sizeof *y), index = malloc(n * sizeof *index);
      ok = ra && dec && x && y && index;
      if (!ok) break;
    }
    double ring_dec = 90.0 - theta / DEG;
    for (size_t k = 0; k < n; k++) {
      int64_t j = ((j_lo + (int64_t)k) % count + count) % count;
      index[k] = first + j;
      ra[k] = fmod(phi0 / DEG + (double)j * step / DEG, 360.0);
      dec[k] = ring_dec;
    }
    ok = dm_wcs_world_to_pixel(wcs, n, ra, dec, x, y, error);
    for (size_t k = 0; ok && k < n; k++)
      if (x[k] >= -0.5 && x[k] < nx - 0.5 && y[k] >= -0.5 && y[k] < ny - 0.5)
        ok = list_push(list, (OnGrid){index[k], x[k], y[k]});
  }
  if (!ok && error && !*error)
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory mapping onto HEALPix.");
  free(ra), free(dec), free(x), free(y), free(index);
  return ok;
}

/* ---- values ------------------------------------------------------------ */

/* The grid pixel nearest (x, y), clamped onto the grid. */
static size_t nearest_pixel(int nx, int ny, double x, double y) {
  long px = lround(x), py = lround(y);
  px = px < 0 ? 0 : px >= nx ? nx - 1 : px;
  py = py < 0 ? 0 : py >= ny ? ny - 1 : py;
  return (size_t)py * (size_t)nx + (size_t)px;
}

/* Pixels less than twice the grid's: each plane interpolated at each
 * centre; a pixel whose nearest grid pixel has no galaxies is dropped
 * (marked by index −1). */
static void interpolate(OnGridList *list, const DmMap *const *planes, int n_planes,
                        const DmMap *coverage, float **columns) {
  int nx = planes[0]->nx, ny = planes[0]->ny;
  for (size_t k = 0; k < list->n; k++) {
    OnGrid *p = &list->pixels[k];
    if (coverage && !(coverage->data[nearest_pixel(nx, ny, p->x, p->y)] > 0.0f)) {
      p->index = -1;
      continue;
    }
    for (int c = 0; c < n_planes; c++)
      columns[c][k] = (float)dm_lanczos3(planes[c]->data, nx, ny, p->x, p->y);
  }
}

/* Pixels at least twice the grid's: each the mean of the covered grid pixels
 * whose centres it holds (found by ang2pix and a search of the sorted
 * list); a pixel holding none is dropped (index −1). */
static bool average(OnGridList *list, const DmMap *const *planes, int n_planes,
                    const DmMap *coverage, int64_t nside, float **columns, DmError **error) {
  int nx = planes[0]->nx, ny = planes[0]->ny;
  double *sums = calloc(list->n * (size_t)n_planes, sizeof *sums);
  double *counts = calloc(list->n, sizeof *counts);
  double *x = malloc((size_t)nx * sizeof *x), *y = malloc((size_t)nx * sizeof *y);
  double *ra = malloc((size_t)nx * sizeof *ra), *dec = malloc((size_t)nx * sizeof *dec);
  bool ok = sums && counts && x && y && ra && dec;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory mapping onto HEALPix.");
  for (int row = 0; ok && row < ny; row++) {
    for (int i = 0; i < nx; i++) x[i] = i, y[i] = row;
    ok = dm_wcs_pixel_to_world(planes[0]->wcs, (size_t)nx, x, y, ra, dec, error);
    for (int i = 0; ok && i < nx; i++) {
      size_t p = (size_t)row * (size_t)nx + (size_t)i;
      if (isnan(ra[i]) || (coverage && !(coverage->data[p] > 0.0f))) continue;
      int64_t index;
      ang2pix_ring64(nside, (90.0 - dec[i]) * DEG, ra[i] * DEG, &index);
      OnGrid key = {index, 0, 0};
      OnGrid *found = bsearch(&key, list->pixels, list->n, sizeof key, by_index);
      if (!found) continue; /* its pixel's centre is off the grid */
      size_t k = (size_t)(found - list->pixels);
      for (int c = 0; c < n_planes; c++) sums[k * n_planes + c] += planes[c]->data[p];
      counts[k] += 1.0;
    }
  }
  for (size_t k = 0; ok && k < list->n; k++) {
    if (counts[k] == 0.0) list->pixels[k].index = -1;
    for (int c = 0; c < n_planes && counts[k] > 0.0; c++)
      columns[c][k] = (float)(sums[k * n_planes + c] / counts[k]);
  }
  free(sums);
  free(counts);
  free(x);
  free(y);
  free(ra);
  free(dec);
  return ok;
}

/* ---- the map ----------------------------------------------------------- */

static bool check_request(const DmMap *const *planes, const char *const *names, int n_planes,
                          const DmMap *coverage, int64_t nside, DmError **error) {
  if (nside < 1 || nside > DM_HEALPIX_MAX_NSIDE || (nside & (nside - 1)) != 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "HEALPix NSIDE must be a power of two from 1 to %lld, not %lld.",
                        (long long)DM_HEALPIX_MAX_NSIDE, (long long)nside);
  if (n_planes < 1 || !planes || !names)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No map to put on HEALPix.");
  if (!planes[0] || !planes[0]->wcs)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A map without WCS cannot be put on HEALPix: its sky position is "
                        "unknown.");
  for (int c = 0; c <= n_planes; c++) {
    const DmMap *map = c < n_planes ? planes[c] : coverage;
    if (!map) continue;
    if (map->nx != planes[0]->nx || map->ny != planes[0]->ny ||
        (map->wcs && !dm_wcs_equal(map->wcs, planes[0]->wcs, map->nx, map->ny, 1e-6)))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "The maps put on HEALPix must share one grid: %s is %d × %d, %s "
                          "%d × %d%s.",
                          c < n_planes ? names[c] : "the coverage", map->nx, map->ny, names[0],
                          planes[0]->nx, planes[0]->ny, map->wcs ? " or of another WCS" : "");
  }
  return true;
}

/* A kept pixel's index in the output's scheme and its place in the list. */
typedef struct {
  int64_t index;
  size_t position;
} Ranked;

static int by_rank(const void *a, const void *b) {
  int64_t ia = ((const Ranked *)a)->index, ib = ((const Ranked *)b)->index;
  return (ia > ib) - (ia < ib);
}

/* The kept pixels (index ≥ 0) of the list and their columns, packed into
 * the map in ascending order of the scheme's index. */
static bool pack(DmHealpixMap *map, const OnGridList *list, float **columns, DmError **error) {
  size_t kept = 0;
  for (size_t k = 0; k < list->n; k++) kept += list->pixels[k].index >= 0;
  if (kept == 0)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "No HEALPix pixel of NSIDE %lld has its centre on the map's covered "
                        "pixels.",
                        (long long)map->nside);
  map->pixels = malloc(kept * sizeof *map->pixels);
  bool ok = map->pixels != NULL;
  for (int c = 0; ok && c < map->n_columns; c++)
    ok = (map->columns[c] = malloc(kept * sizeof(float))) != NULL;
  /* Ring indices already ascend; nested ones are sorted with their places
   * in the list (16 bytes a pixel more, for NESTED only). */
  bool nested = map->ordering == DM_HEALPIX_NESTED;
  Ranked *order = ok && nested ? malloc(kept * sizeof *order) : NULL;
  if (!ok || (nested && !order))
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory mapping onto HEALPix.");
  size_t n = 0;
  for (size_t k = 0; k < list->n; k++) {
    int64_t index = list->pixels[k].index;
    if (index < 0) continue;
    if (nested) {
      ring2nest64(map->nside, index, &index);
      order[n++] = (Ranked){index, k};
      continue;
    }
    map->pixels[n] = index;
    for (int c = 0; c < map->n_columns; c++) map->columns[c][n] = columns[c][k];
    n++;
  }
  if (nested) {
    qsort(order, kept, sizeof *order, by_rank);
    for (size_t i = 0; i < kept; i++) {
      map->pixels[i] = order[i].index;
      for (int c = 0; c < map->n_columns; c++) map->columns[c][i] = columns[c][order[i].position];
    }
  }
  map->n_pixels = (int64_t)kept;
  free(order);
  return true;
}

DmHealpixMap *dm_healpix_from_maps(const DmMap *const *planes, const char *const *names,
                                   int n_planes, const DmMap *coverage, int64_t nside,
                                   DmHealpixOrdering ordering, DmError **error) {
  if (!check_request(planes, names, n_planes, coverage, nside, error)) return NULL;
  DmHealpixMap *map = calloc(1, sizeof *map);
  OnGridList list = {0};
  float **columns = calloc((size_t)n_planes, sizeof *columns);
  bool ok = map && columns;
  if (ok) {
    map->nside = nside;
    map->ordering = ordering;
    map->n_columns = n_planes;
    map->column_names = calloc((size_t)n_planes, sizeof *map->column_names);
    map->columns = calloc((size_t)n_planes, sizeof *map->columns);
    ok = map->column_names && map->columns;
    for (int c = 0; ok && c < n_planes; c++)
      ok = (map->column_names[c] = strdup(names[c])) != NULL;
    ok = ok && (map->cards = dm_meta_cards_copy(planes[0]->cards, planes[0]->n_cards, error));
    if (ok) map->n_cards = planes[0]->n_cards;
  }
  if (!ok && error && !*error)
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory mapping onto HEALPix.");
  const DmMap *first = planes[0];
  ok = ok && list_on_grid(first->wcs, first->nx, first->ny, nside, &list, error);
  if (ok) qsort(list.pixels, list.n, sizeof *list.pixels, by_index);
  for (int c = 0; ok && c < n_planes; c++)
    if (!(columns[c] = malloc((list.n ? list.n : 1) * sizeof(float))))
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory mapping onto HEALPix.");
  bool coarse = dm_healpix_pixel_arcmin(nside) >= 2.0 * dm_wcs_pixel_scale_deg(first->wcs) * 60.0;
  if (ok && coarse) ok = average(&list, planes, n_planes, coverage, nside, columns, error);
  if (ok && !coarse) interpolate(&list, planes, n_planes, coverage, columns);
  ok = ok && pack(map, &list, columns, error);
  for (int c = 0; columns && c < n_planes; c++) free(columns[c]);
  free(columns);
  free(list.pixels);
  if (ok) return map;
  dm_healpix_free(map);
  return NULL;
}
