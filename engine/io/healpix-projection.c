/* A HEALPix file projected onto a flat grid (dm_healpix_project,
 * darkmap/healpix.h): the grid pixels' centres numbered in the file's
 * scheme, then the values read for those numbers only (from a partial
 * map's PIXEL column, or in runs of consecutive pixels from a full-sky
 * table).  Memory: 16 bytes a grid pixel, plus a partial map's columns. */
#include <chealpix.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "darkmap/healpix.h"
#include "darkmap/memory-budget.h"
#include "darkmap/wcs.h"
#include "io/fits-common.h"
#include "io/healpix-table.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* healpy's value for a pixel without data. */
static const double UNSEEN = -1.6375e30;

/* A grid pixel's HEALPix number (−1: its centre is not on the sky) and
 * its place in the grid. */
typedef struct {
  int64_t pixel;
  size_t place;
} Wanted;

static int by_pixel(const void *a, const void *b) {
  int64_t pa = ((const Wanted *)a)->pixel, pb = ((const Wanted *)b)->pixel;
  return (pa > pb) - (pa < pb);
}

/* The HEALPix numbers of the grid's pixel centres, sorted. */
static Wanted *wanted_pixels(const DmWcs *wcs, int nx, int ny, const DmHealpixScheme *scheme,
                             DmError **error) {
  size_t n = (size_t)nx * (size_t)ny;
  if (!dm_memory_check(error, (double)n * (sizeof(Wanted) + 4.0 * sizeof(double)),
                       "Projecting a HEALPix map onto %d × %d pixels", nx, ny))
    return NULL;
  Wanted *wanted = malloc(n * sizeof *wanted);
  double *x = malloc((size_t)nx * sizeof *x), *y = malloc((size_t)nx * sizeof *y);
  double *ra = malloc((size_t)nx * sizeof *ra), *dec = malloc((size_t)nx * sizeof *dec);
  bool ok = wanted && x && y && ra && dec;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory projecting a HEALPix map.");
  for (int row = 0; ok && row < ny; row++) {
    for (int i = 0; i < nx; i++) x[i] = i, y[i] = row;
    ok = dm_wcs_pixel_to_world(wcs, (size_t)nx, x, y, ra, dec, error);
    for (int i = 0; ok && i < nx; i++) {
      size_t place = (size_t)row * (size_t)nx + (size_t)i;
      int64_t pixel = -1;
      double theta = (90.0 - dec[i]) * M_PI / 180.0, phi = ra[i] * M_PI / 180.0;
      if (isfinite(theta) && isfinite(phi) && scheme->ordering == DM_HEALPIX_RING)
        ang2pix_ring64(scheme->nside, theta, phi, &pixel);
      else if (isfinite(theta) && isfinite(phi))
        ang2pix_nest64(scheme->nside, theta, phi, &pixel);
      wanted[place] = (Wanted){pixel, place};
    }
  }
  free(x);
  free(y);
  free(ra);
  free(dec);
  if (!ok) {
    free(wanted);
    return NULL;
  }
  qsort(wanted, n, sizeof *wanted, by_pixel);
  return wanted;
}

/* The number (1-based) of the value column: the one named, else the
 * first after PIXEL (explicit) or the first. */
static bool value_column(fitsfile *fits, const char *path, const char *column,
                         const DmHealpixScheme *scheme, int *number, DmError **error) {
  int status = 0, n_fields = 0;
  if (fits_get_num_cols(fits, &n_fields, &status))
    return dm_fits_set_error(error, status, "Cannot read the columns of", path);
  for (int field = 1; field <= n_fields; field++) {
    char *name = dm_fits_read_indexed_string_key(fits, "TTYPE", field);
    if (!name) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
    bool is_pixel = strcasecmp(name, "PIXEL") == 0;
    bool chosen = column ? strcasecmp(name, column) == 0 : !(scheme->explicit_index && is_pixel);
    free(name);
    if (chosen && !(scheme->explicit_index && is_pixel)) {
      *number = field;
      return true;
    }
  }
  return dm_error_set(error, DM_ERROR_NOT_FOUND, 0, "%s: the HEALPix table has no %s%s%s column",
                      path, column ? "'" : "value", column ? column : "", column ? "'" : "");
}

/* Whether a value read is data (not UNSEEN, not NaN). */
static bool is_data(float value) {
  return isfinite(value) && value > 0.5 * UNSEEN;
}

/* Full sky: the wanted pixels' values read in runs of consecutive numbers
 * (value k of the sphere is element k % repeat + 1 of row k / repeat + 1). */
static bool read_full_sky(fitsfile *fits, const char *path, int column,
                          const DmHealpixScheme *scheme, const Wanted *wanted, size_t n,
                          float *values, DmError **error) {
  int status = 0, typecode = 0;
  long repeat = 0, width = 0;
  long long rows = 0;
  if (!dm_healpix_table_rows(fits, path, &rows, error)) return false;
  if (fits_get_coltype(fits, column, &typecode, &repeat, &width, &status))
    return dm_fits_set_error(error, status, "Cannot read the layout of", path);
  long long sphere = 12LL * scheme->nside * scheme->nside;
  if (repeat < 1 || rows < 1 || rows > sphere || rows * repeat != sphere)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: a full-sky HEALPix table of NSIDE %lld needs %lld values, not "
                        "%lld rows of %ld",
                        path, (long long)scheme->nside, sphere, rows, repeat);
  if (typecode == TSTRING || typecode == TLOGICAL || typecode == TBIT)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "%s: the HEALPix values are not numbers",
                        path);
  size_t k = 0;
  while (k < n && wanted[k].pixel < 0) k++;
  float run[4096];
  while (k < n) {
    /* The run of consecutive numbers from wanted[k] (repeats allowed). */
    int64_t first = wanted[k].pixel, last = first;
    size_t end = k;
    while (end < n && wanted[end].pixel - first < (int64_t)(sizeof run / sizeof *run) &&
           wanted[end].pixel <= last + 1)
      last = wanted[end++].pixel;
    long long count = last - first + 1;
    if (fits_read_col(fits, TFLOAT, column, first / repeat + 1, first % repeat + 1, count, NULL,
                      run, NULL, &status))
      return dm_fits_set_error(error, status, "Cannot read the values of", path);
    for (; k < end; k++) values[wanted[k].place] = run[wanted[k].pixel - first];
  }
  return true;
}

/* Partial map: its PIXEL and value columns read whole, each wanted pixel
 * found among its numbers. */
static bool read_partial(fitsfile *fits, const char *path, int column, const DmHealpixScheme *scheme,
                         const Wanted *wanted, size_t n, float *values, DmError **error) {
  long long rows = 0;
  int status = 0;
  if (!dm_healpix_table_rows(fits, path, &rows, error) ||
      !dm_memory_check(error, (double)rows * 12.0, "A HEALPix map of %lld pixels", rows))
    return false;
  int64_t *pixels = malloc((rows ? (size_t)rows : 1) * sizeof *pixels);
  float *column_values = malloc((rows ? (size_t)rows : 1) * sizeof *column_values);
  bool ok = pixels && column_values;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading %s", path);
  if (ok && rows > 0 &&
      (fits_read_col(fits, TLONGLONG, 1, 1, 1, rows, NULL, pixels, NULL, &status) ||
       fits_read_col(fits, TFLOAT, column, 1, 1, rows, NULL, column_values, NULL, &status)))
    ok = dm_fits_set_error(error, status, "Cannot read the values of", path);
  ok = ok && dm_healpix_check_pixels(path, pixels, rows, scheme->nside, error);
  /* Both lists ascend: one merge. */
  long long r = 0;
  for (size_t k = 0; ok && k < n; k++) {
    while (r < rows && pixels[r] < wanted[k].pixel) r++;
    if (r < rows && pixels[r] == wanted[k].pixel) values[wanted[k].place] = column_values[r];
  }
  free(pixels);
  free(column_values);
  return ok;
}

/* The projection's provenance: the file's scheme and column. */
static bool describe(DmMap *map, fitsfile *fits, int column, const DmHealpixScheme *scheme,
                     DmError **error) {
  char *name = dm_fits_read_indexed_string_key(fits, "TTYPE", column);
  bool ok = name && dm_map_set_int(map, "HPXNSIDE", (long)scheme->nside,
                                   "HEALPix NSIDE projected", error) &&
            dm_map_set_string(map, "HPXORDER",
                              scheme->ordering == DM_HEALPIX_NESTED ? "NESTED" : "RING",
                              "HEALPix ordering", error) &&
            dm_map_set_string(map, "HPXCOL", name, "HEALPix column projected", error);
  if (!name) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
  free(name);
  return ok;
}

DmMap *dm_healpix_project(const char *path, const char *column, const DmWcs *wcs, int nx,
                          int ny, DmMap **coverage, DmError **error) {
  *coverage = NULL;
  if (!wcs || !dm_map_check_size(nx, ny, 1, error)) {
    if (!wcs) dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "A projection needs a WCS.");
    return NULL;
  }
  fitsfile *fits = dm_fits_open_read(path, error);
  if (!fits) return NULL;
  DmHealpixScheme scheme;
  int number = 0;
  size_t n = (size_t)nx * (size_t)ny;
  Wanted *wanted = NULL;
  float *values = NULL;
  DmMap *map = NULL, *cover = NULL;
  bool ok = dm_healpix_open_table(fits, path, &scheme, error) &&
            value_column(fits, path, column, &scheme, &number, error) &&
            (wanted = wanted_pixels(wcs, nx, ny, &scheme, error)) != NULL;
  if (ok && !(values = malloc(n * sizeof *values)))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory projecting %s", path);
  for (size_t k = 0; ok && k < n; k++) values[k] = NAN;
  if (ok && scheme.explicit_index)
    ok = read_partial(fits, path, number, &scheme, wanted, n, values, error);
  else if (ok)
    ok = read_full_sky(fits, path, number, &scheme, wanted, n, values, error);
  ok = ok && (map = dm_map_new(nx, ny, 1, wcs, error)) != NULL &&
       (cover = dm_map_new(nx, ny, 1, wcs, error)) != NULL &&
       describe(map, fits, number, &scheme, error);
  size_t covered = 0;
  for (size_t k = 0; ok && k < n; k++) {
    bool data = is_data(values[k]);
    map->data[k] = data ? values[k] : 0.0f;
    cover->data[k] = data ? 1.0f : 0.0f;
    covered += data;
  }
  if (ok && covered == 0)
    ok = dm_error_set(error, DM_ERROR_NO_DATA, 0,
                      "%s has no value over the %d × %d grid: the map does not cover it", path,
                      nx, ny);
  free(wanted);
  free(values);
  dm_fits_close_read(fits);
  if (!ok) {
    dm_map_free(map);
    dm_map_free(cover);
    return NULL;
  }
  *coverage = cover;
  return map;
}
