/* HEALPix partial-sky files (darkmap/healpix.h): a binary table of PIXEL
 * and one float column per plane, written atomically, and read back with
 * every number checked before it is used. */
#include "darkmap/healpix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "darkmap/atomic-file.h"
#include "darkmap/memory-budget.h"
#include "darkmap/wcs.h"
#include "io/fits-atomic.h"
#include "io/fits-common.h"
#include "io/healpix-table.h"

/* The keywords of the table's header that say it is a HEALPix map (the
 * map's own cards with these keys are not written over them). */
static const char *const healpix_keys[] = {"PIXTYPE", "ORDERING", "COORDSYS", "NSIDE",
                                           "INDXSCHM", "OBJECT", "FIRSTPIX", "LASTPIX",
                                           "OBS_NPIX", "EXTNAME"};

static bool is_healpix_key(const char *key) {
  for (size_t i = 0; i < sizeof healpix_keys / sizeof *healpix_keys; i++)
    if (strcasecmp(key, healpix_keys[i]) == 0) return true;
  return false;
}

bool dm_healpix_nside_is_valid(long long nside) {
  return nside >= 1 && nside <= DM_HEALPIX_MAX_NSIDE && (nside & (nside - 1)) == 0;
}

/* Whether a FITS header keeps name as it is: 1 to 68 printable ASCII
 * characters, no trailing blank (FITS drops those), not PIXEL. */
static bool is_writable_name(const char *name) {
  size_t length = name ? strlen(name) : 0;
  if (length == 0 || length > 68 || name[length - 1] == ' ' || strcasecmp(name, "PIXEL") == 0)
    return false;
  for (size_t i = 0; i < length; i++)
    if (name[i] < ' ' || name[i] > '~') return false;
  return true;
}

/* What a map to write must be: an NSIDE, pixels ascending inside the
 * sphere, columns with names FITS can hold. */
static bool check_map(const DmHealpixMap *map, DmError **error) {
  if (!map || map->n_pixels < 1 || !map->pixels || map->n_columns < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No HEALPix pixel to write.");
  if (!dm_healpix_nside_is_valid(map->nside))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "HEALPix NSIDE %lld is not a power of two from 1 to 2^29.",
                        (long long)map->nside);
  long long n_sphere = 12LL * map->nside * map->nside;
  for (int64_t k = 0; k < map->n_pixels; k++)
    if (map->pixels[k] < 0 || map->pixels[k] >= n_sphere ||
        (k > 0 && map->pixels[k] <= map->pixels[k - 1]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "HEALPix pixel %lld (entry %lld) is out of order or outside the "
                          "%lld pixels of NSIDE %lld.",
                          (long long)map->pixels[k], (long long)k, n_sphere,
                          (long long)map->nside);
  for (int c = 0; c < map->n_columns; c++)
    if (!is_writable_name(map->column_names[c]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "HEALPix column %d needs a name of 1 to 68 printable ASCII characters, "
                          "not ending in a blank, other than PIXEL.",
                          c + 1);
  return true;
}

static bool write_table(fitsfile *fits, const DmHealpixMap *map, int *status) {
  int n_fields = map->n_columns + 1;
  char **ttype = calloc((size_t)n_fields, sizeof *ttype);
  char **tform = calloc((size_t)n_fields, sizeof *tform);
  if (!ttype || !tform) {
    free(ttype);
    free(tform);
    return false;
  }
  ttype[0] = "PIXEL";
  tform[0] = "K";
  for (int c = 0; c < map->n_columns; c++) {
    ttype[c + 1] = map->column_names[c];
    tform[c + 1] = "E";
  }
  long long first = 0, last = 12LL * map->nside * map->nside - 1, nside = map->nside;
  long long observed = map->n_pixels;
  fits_create_img(fits, BYTE_IMG, 0, NULL, status);
  fits_create_tbl(fits, BINARY_TBL, 0, n_fields, ttype, tform, NULL, "HEALPIX", status);
  fits_write_key(fits, TSTRING, "PIXTYPE", "HEALPIX", "HEALPix pixelisation", status);
  fits_write_key(fits, TSTRING, "ORDERING",
                 map->ordering == DM_HEALPIX_NESTED ? "NESTED" : "RING",
                 "pixel numbering scheme", status);
  fits_write_key(fits, TSTRING, "COORDSYS", "C", "celestial (RA, Dec)", status);
  fits_write_key(fits, TLONGLONG, "NSIDE", &nside, "HEALPix resolution parameter", status);
  fits_write_key(fits, TSTRING, "INDXSCHM", "EXPLICIT", "pixel indices in column PIXEL",
                 status);
  fits_write_key(fits, TSTRING, "OBJECT", "PARTIAL", "sky coverage", status);
  fits_write_key(fits, TLONGLONG, "FIRSTPIX", &first, "first pixel of the sphere", status);
  fits_write_key(fits, TLONGLONG, "LASTPIX", &last, "last pixel of the sphere", status);
  fits_write_key(fits, TLONGLONG, "OBS_NPIX", &observed, "pixels in this map", status);
  bool ok = true;
  for (int i = 0; ok && *status == 0 && i < map->n_cards; i++)
    if (map->cards[i].type == DM_META_HISTORY || !is_healpix_key(map->cards[i].key))
      ok = dm_fits_write_meta_card(fits, &map->cards[i], status);
  fits_write_col(fits, TLONGLONG, 1, 1, 1, map->n_pixels, map->pixels, status);
  for (int c = 0; c < map->n_columns; c++)
    fits_write_col(fits, TFLOAT, c + 2, 1, 1, map->n_pixels, map->columns[c], status);
  free(ttype);
  free(tform);
  return ok;
}

bool dm_healpix_write(const char *path, const DmHealpixMap *map, DmError **error) {
  if (!check_map(map, error)) return false;
  DmAtomicFile *file = dm_atomic_file_new(path, error);
  if (!file) return false;
  fitsfile *fits = NULL;
  int status = 0;
  fits_clear_errmsg();
  bool ok = !dm_fits_create_atomic(&fits, file, &status);
  if (ok && !write_table(fits, map, &status))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory writing %s", path);
  return dm_fits_finish_atomic(fits, file, ok && status == 0, status, path, error);
}

bool dm_healpix_write_posterior(const char *path, const DmPosterior *posterior,
                                const DmMap *coverage, int64_t nside,
                                DmHealpixOrdering ordering, int64_t *nside_used,
                                int64_t *n_pixels, DmError **error) {
  const DmMap *planes[3] = {posterior->mean};
  const char *names[3] = {"KAPPA"};
  int n = 1;
  if (posterior->std) planes[n] = posterior->std, names[n++] = "STD";
  if (posterior->signif) planes[n] = posterior->signif, names[n++] = "SIGNIF";
  if (nside == 0 && posterior->mean && posterior->mean->wcs)
    nside = dm_healpix_nside_for_pixel(dm_wcs_pixel_scale_deg(posterior->mean->wcs) * 60.0);
  DmHealpixMap *map = dm_healpix_from_maps(planes, names, n, coverage, nside, ordering, error);
  bool ok = map && dm_healpix_write(path, map, error);
  if (ok && nside_used) *nside_used = map->nside;
  if (ok && n_pixels) *n_pixels = map->n_pixels;
  dm_healpix_free(map);
  return ok;
}

/* ---- reading ------------------------------------------------------------ */

/* Moves to the first binary table whose PIXTYPE is HEALPIX. */
static bool move_to_healpix_table(fitsfile *fits, const char *path, DmError **error) {
  int status = 0, n_hdus = 0, type = 0;
  if (fits_get_num_hdus(fits, &n_hdus, &status))
    return dm_fits_set_error(error, status, "Cannot count the HDUs of", path);
  for (int hdu = 2; hdu <= n_hdus; hdu++) {
    if (fits_movabs_hdu(fits, hdu, &type, &status))
      return dm_fits_set_error(error, status, "Cannot read an HDU of", path);
    if (type != BINARY_TBL) continue;
    char *pixtype = dm_fits_read_string_key(fits, "PIXTYPE");
    if (!pixtype) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
    bool healpix = strcasecmp(pixtype, "HEALPIX") == 0;
    free(pixtype);
    if (healpix) return true;
  }
  return dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s holds no HEALPix map: no binary table says PIXTYPE = 'HEALPIX'", path);
}

bool dm_healpix_open_table(fitsfile *fits, const char *path, DmHealpixScheme *scheme,
                           DmError **error) {
  if (!move_to_healpix_table(fits, path, error)) return false;
  long long nside = 0;
  int status = 0;
  fits_write_errmark();
  fits_read_key(fits, TLONGLONG, "NSIDE", &nside, NULL, &status);
  fits_clear_errmark();
  if (status || !dm_healpix_nside_is_valid(nside))
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: the HEALPix table's NSIDE is missing or not a power of two from 1 "
                        "to 2^29",
                        path);
  scheme->nside = nside;
  char *ordering = dm_fits_read_string_key(fits, "ORDERING");
  char *indexing = dm_fits_read_string_key(fits, "INDXSCHM");
  bool ok = ordering && indexing;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
  if (ok && strcasecmp(ordering, "RING") == 0) {
    scheme->ordering = DM_HEALPIX_RING;
  } else if (ok && (strcasecmp(ordering, "NESTED") == 0 || strcasecmp(ordering, "NEST") == 0)) {
    scheme->ordering = DM_HEALPIX_NESTED;
  } else if (ok) {
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s: the HEALPix table's ORDERING is '%s', not RING or NESTED", path,
                      ordering);
  }
  if (ok) scheme->explicit_index = strcasecmp(indexing, "EXPLICIT") == 0;
  free(ordering);
  free(indexing);
  return ok;
}

/* The table's columns: PIXEL (an integer) first, then numbers, one per
 * row each. */
static bool read_columns_layout(fitsfile *fits, const char *path, DmHealpixMap *map,
                                DmError **error) {
  int status = 0, n_fields = 0;
  if (fits_get_num_cols(fits, &n_fields, &status))
    return dm_fits_set_error(error, status, "Cannot read the columns of", path);
  if (n_fields < 2)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: the HEALPix table has %d column%s; it needs PIXEL and a value",
                        path, n_fields, n_fields == 1 ? "" : "s");
  map->n_columns = n_fields - 1;
  map->column_names = calloc((size_t)map->n_columns, sizeof *map->column_names);
  map->columns = calloc((size_t)map->n_columns, sizeof *map->columns);
  if (!map->column_names || !map->columns)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading %s", path);
  for (int field = 1; field <= n_fields; field++) {
    int typecode = 0;
    long repeat = 0, width = 0;
    if (fits_get_coltype(fits, field, &typecode, &repeat, &width, &status))
      return dm_fits_set_error(error, status, "Cannot read the column types of", path);
    char *name = dm_fits_read_indexed_string_key(fits, "TTYPE", field);
    if (!name) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
    bool integer = typecode == TBYTE || typecode == TSHORT || typecode == TINT ||
                   typecode == TLONG || typecode == TLONGLONG;
    bool number = integer || typecode == TFLOAT || typecode == TDOUBLE;
    bool fits_layout = repeat == 1 && (field == 1 ? integer && strcasecmp(name, "PIXEL") == 0
                                                   : number);
    if (!fits_layout) {
      dm_error_set(error, DM_ERROR_FORMAT, 0,
                   "%s: column %d of the HEALPix table ('%s') is not %s, one per row", path,
                   field, name, field == 1 ? "PIXEL, an integer" : "a number");
      free(name);
      return false;
    }
    /* Bytes a header cannot hold (stray UTF-8) become '?', as the image
     * reader keeps metadata, so that the name is written back as read. */
    for (char *b = name; *b; b++)
      if (*b < ' ' || *b > '~') *b = '?';
    if (field == 1) free(name);
    else map->column_names[field - 2] = name;
  }
  return true;
}

bool dm_healpix_table_rows(fitsfile *fits, const char *path, long long *rows, DmError **error) {
  long long row_bytes = 0;
  int status = 0;
  if (fits_get_num_rowsll(fits, rows, &status) ||
      fits_read_key(fits, TLONGLONG, "NAXIS1", &row_bytes, NULL, &status))
    return dm_fits_set_error(error, status, "Cannot read the size of", path);
  if (*rows < 0 || row_bytes < 1 || *rows > (long long)(1ULL << 62) / row_bytes)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: the HEALPix table's %lld rows of %lld bytes are not a size", path,
                        *rows, row_bytes);
  return dm_fits_check_data_present(fits, path, *rows * row_bytes, error);
}

bool dm_healpix_check_pixels(const char *path, const int64_t *pixels, long long n,
                             int64_t nside, DmError **error) {
  long long n_sphere = 12LL * nside * nside;
  for (long long k = 0; k < n; k++)
    if (pixels[k] < 0 || pixels[k] >= n_sphere || (k > 0 && pixels[k] <= pixels[k - 1]))
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "%s: HEALPix pixel %lld (row %lld) is out of order or outside the "
                          "%lld pixels of NSIDE %lld",
                          path, (long long)pixels[k], k + 1, n_sphere, (long long)nside);
  return true;
}

/* The rows: pixel indices ascending inside the sphere, values as floats. */
static bool read_rows(fitsfile *fits, const char *path, DmHealpixMap *map, DmError **error) {
  long long rows = 0;
  int status = 0;
  if (!dm_healpix_table_rows(fits, path, &rows, error)) return false;
  if (rows < 1)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0, "%s: the HEALPix table has no pixel", path);
  if (!dm_memory_check(error, (double)rows * (8.0 + 4.0 * map->n_columns),
                       "A HEALPix map of %lld pixels", rows))
    return false;
  map->n_pixels = rows;
  map->pixels = malloc((size_t)rows * sizeof *map->pixels);
  bool ok = map->pixels != NULL;
  for (int c = 0; ok && c < map->n_columns; c++)
    ok = (map->columns[c] = malloc((size_t)rows * sizeof(float))) != NULL;
  if (!ok) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading %s", path);
  if (fits_read_col(fits, TLONGLONG, 1, 1, 1, rows, NULL, map->pixels, NULL, &status))
    return dm_fits_set_error(error, status, "Cannot read the pixels of", path);
  for (int c = 0; c < map->n_columns; c++)
    if (fits_read_col(fits, TFLOAT, c + 2, 1, 1, rows, NULL, map->columns[c], NULL, &status))
      return dm_fits_set_error(error, status, "Cannot read the values of", path);
  return dm_healpix_check_pixels(path, map->pixels, rows, map->nside, error);
}

DmHealpixMap *dm_healpix_read(const char *path, DmError **error) {
  fitsfile *fits = dm_fits_open_read(path, error);
  if (!fits) return NULL;
  DmHealpixMap *map = calloc(1, sizeof *map);
  bool ok = map != NULL;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading %s", path);
  DmHealpixScheme scheme;
  ok = ok && dm_healpix_open_table(fits, path, &scheme, error);
  if (ok && !scheme.explicit_index)
    ok = dm_error_set(error, DM_ERROR_UNSUPPORTED, 0,
                      "%s is a full-sky HEALPix map: Darkmap reads partial maps with a PIXEL "
                      "column (INDXSCHM = 'EXPLICIT'), and projects full-sky ones "
                      "(darkmap-cli healpix --from)",
                      path);
  if (ok) map->nside = scheme.nside, map->ordering = scheme.ordering;
  ok = ok && read_columns_layout(fits, path, map, error) && read_rows(fits, path, map, error);
  dm_fits_close_read(fits);
  if (ok) return map;
  dm_healpix_free(map);
  return NULL;
}
