/* Galaxy shape catalogues from FITS tables (darkmap/catalog.h).
 *
 * dm_catalog_read streams the table in chunks of cfitsio's optimal row count.
 * Each chunk is read straight into the output arrays at the next free slot
 * and then compacted in place, dropping the rows that are skipped: the arrays
 * are allocated once for every row and shrunk to the kept count at the end. */
#include "darkmap/catalog.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "darkmap/memory-budget.h"
#include "io/fits-common.h"

enum { COL_RA, COL_DEC, COL_E1, COL_E2, COL_WEIGHT, N_ROLES };

static const char *const role_names[N_ROLES] = {"RA", "Dec", "e1", "e2", "weight"};

/* Names tried, in order, when a column is not given (NULL-terminated). */
static const char *const detect_names[N_ROLES][7] = {
    [COL_RA] = {"RA", "RA_DEG", "RAJ2000", "ALPHA_J2000", "ALPHA", NULL},
    [COL_DEC] = {"DEC", "DEC_DEG", "DEJ2000", "DECJ2000", "DELTA_J2000", "DELTA", NULL},
    [COL_E1] = {"E1", "G1", "GAMMA1", "E_1", "SHEAR1", NULL},
    [COL_E2] = {"E2", "G2", "GAMMA2", "E_2", "SHEAR2", NULL},
    [COL_WEIGHT] = {"WEIGHT", "W", "WEIGHTS", "WT", NULL},
};

/* The column names and TFORMs of the current table HDU. */
typedef struct {
  int n;
  char **names; /* n, "" for a column without TTYPE */
  char **forms; /* n */
} ColumnList;

static void column_list_clear(ColumnList *list) {
  for (int i = 0; i < list->n; i++) {
    if (list->names) free(list->names[i]);
    if (list->forms) free(list->forms[i]);
  }
  free(list->names);
  free(list->forms);
  memset(list, 0, sizeof *list);
}

static bool read_column_list(fitsfile *fits, const char *path, ColumnList *list,
                             DmError **error) {
  int status = 0, n = 0;
  if (fits_get_num_cols(fits, &n, &status))
    return dm_fits_set_error(error, status, "Cannot count the columns of", path);
  list->names = calloc((size_t)n + 1, sizeof(char *));
  list->forms = calloc((size_t)n + 1, sizeof(char *));
  if (!list->names || !list->forms)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory listing columns");
  for (int i = 0; i < n; i++) {
    list->n = i + 1;
    list->names[i] = dm_fits_read_indexed_string_key(fits, "TTYPE", i + 1);
    list->forms[i] = dm_fits_read_indexed_string_key(fits, "TFORM", i + 1);
    if (!list->names[i] || !list->forms[i])
      return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory listing columns");
  }
  return true;
}

/* "RA, DEC, E1" — the table's column names, for error messages. */
static void format_column_names(const ColumnList *list, char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < list->n && used + 1 < size; i++) {
    int written = snprintf(out + used, size - used, "%s%s", i ? ", " : "",
                           list->names[i][0] ? list->names[i] : "(unnamed)");
    if (written < 0) break;
    used += (size_t)written;
  }
  if (list->n == 0) snprintf(out, size, "(none)");
}

/* 0-based index of the column named name among n (case-insensitive), or -1. */
static int find_name(char *const *names, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcasecmp(names[i], name) == 0) return i;
  return -1;
}

/* 0-based index of the first column with a detected name for role, or -1. */
static int detect_column(char *const *names, int n, int role) {
  for (int i = 0; detect_names[role][i]; i++) {
    int index = find_name(names, n, detect_names[role][i]);
    if (index >= 0) return index;
  }
  return -1;
}

/* 1-based index of the column named name (case-insensitive), or 0. */
static int find_column(const ColumnList *list, const char *name) {
  return find_name(list->names, list->n, name) + 1;
}

/* Column number for a role: the explicit name when given, else the first
 * detected name; 0 with no error for an absent weight column (unit weights,
 * also what an explicit "" asks for). */
static bool resolve_column(const ColumnList *list, int role, const char *explicit_name,
                           const char *path, int hdu, int *colnum, DmError **error) {
  char available[1024];
  *colnum = 0;
  if (explicit_name) {
    if (role == COL_WEIGHT && explicit_name[0] == '\0') return true;
    *colnum = find_column(list, explicit_name);
    if (*colnum) return true;
    format_column_names(list, available, sizeof available);
    return dm_error_set(error, DM_ERROR_NOT_FOUND, 0,
                        "No column named '%s' (asked for as %s) in HDU %d of %s; "
                        "the table has: %s",
                        explicit_name, role_names[role], hdu, path, available);
  }
  *colnum = detect_column(list->names, list->n, role) + 1;
  if (*colnum || role == COL_WEIGHT) return true;

  char tried[256] = "";
  for (int i = 0; detect_names[role][i]; i++) {
    strcat(tried, i ? ", " : "");
    strcat(tried, detect_names[role][i]);
  }
  format_column_names(list, available, sizeof available);
  return dm_error_set(error, DM_ERROR_NOT_FOUND, 0,
                      "No %s column found in HDU %d of %s (looked for %s); the table has: "
                      "%s. Choose the column by name.",
                      role_names[role], hdu, path, tried, available);
}

/* Refuses string, logical, bit, complex, vector and variable-length columns:
 * a catalogue column must hold one number per row. */
static bool check_numeric_scalar(fitsfile *fits, const ColumnList *list, int colnum,
                                 int role, const char *path, DmError **error) {
  int status = 0, typecode = 0;
  long repeat = 0, width = 0;
  if (fits_get_coltype(fits, colnum, &typecode, &repeat, &width, &status))
    return dm_fits_set_error(error, status, "Cannot read the column types of", path);
  bool numeric = typecode == TBYTE || typecode == TSBYTE || typecode == TSHORT ||
                 typecode == TUSHORT || typecode == TINT || typecode == TUINT ||
                 typecode == TLONG || typecode == TULONG || typecode == TLONGLONG ||
                 typecode == TULONGLONG || typecode == TFLOAT || typecode == TDOUBLE;
  if (numeric && repeat == 1) return true;
  return dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "Column '%s' (used as %s) of %s has format %s: a catalogue column "
                      "must hold one number per row",
                      list->names[colnum - 1], role_names[role], path,
                      list->forms[colnum - 1]);
}

/* Moves to the requested HDU: hdu >= 1 exactly that one (which must be a
 * table), hdu = 0 the first table.  *found receives the HDU number. */
static bool move_to_table(fitsfile *fits, const char *path, int hdu, int *found,
                          DmError **error) {
  int status = 0, n_hdus = 0, type = 0;
  if (hdu < 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "HDU number %d is invalid (1 is the primary, 0 the first table)", hdu);
  if (fits_get_num_hdus(fits, &n_hdus, &status))
    return dm_fits_set_error(error, status, "Cannot count the HDUs of", path);
  if (hdu > n_hdus)
    return dm_error_set(error, DM_ERROR_NOT_FOUND, 0, "%s has no HDU %d: it has %d HDU%s",
                        path, hdu, n_hdus, n_hdus == 1 ? "" : "s");

  int first = hdu ? hdu : 1, last = hdu ? hdu : n_hdus;
  for (int i = first; i <= last; i++) {
    if (fits_movabs_hdu(fits, i, &type, &status))
      return dm_fits_set_error(error, status, "Cannot read an HDU of", path);
    if (type == BINARY_TBL || type == ASCII_TBL) {
      *found = i;
      return true;
    }
  }
  if (hdu)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "HDU %d of %s is an image, not a table",
                        hdu, path);
  return dm_error_set(error, DM_ERROR_NOT_FOUND, 0, "%s has no table HDU (%d HDU%s, all images)",
                      path, n_hdus, n_hdus == 1 ? "" : "s");
}

/* Frees what a catalogue owns (its arrays and column names). */
static void catalog_clear(DmCatalog *catalog) {
  free(catalog->ra);
  free(catalog->dec);
  free(catalog->e1);
  free(catalog->e2);
  free(catalog->weight);
  for (int i = 0; i < N_ROLES; i++) free(catalog->column_names[i]);
}

void dm_catalog_free(DmCatalog *catalog) {
  if (!catalog) return;
  catalog_clear(catalog);
  free(catalog);
}

/* Shrinks an array to n doubles; keeps the larger block if realloc refuses. */
static double *shrink(double *array, size_t n) {
  double *smaller = realloc(array, (n ? n : 1) * sizeof(double));
  return smaller ? smaller : array;
}

/* Reads rows [first_row, first_row + n) of the used columns to index `at` of
 * the catalogue's arrays, then keeps the valid rows there, in order. */
static bool read_chunk(fitsfile *fits, const char *path, DmCatalog *catalog,
                       const int colnums[N_ROLES], long long first_row, long long n,
                       DmError **error) {
  double *arrays[N_ROLES] = {catalog->ra, catalog->dec, catalog->e1, catalog->e2,
                             catalog->weight};
  size_t at = catalog->n;
  double null_value = NAN;
  for (int role = 0; role < N_ROLES; role++) {
    double *dest = arrays[role] + at;
    if (colnums[role] == 0) {
      for (long long i = 0; i < n; i++) dest[i] = 1.0;
      continue;
    }
    int status = 0, any_null = 0;
    if (fits_read_col(fits, TDOUBLE, colnums[role], first_row, 1, n, &null_value, dest,
                      &any_null, &status)) {
      char what[128];
      snprintf(what, sizeof what, "Cannot read rows %lld-%lld of column '%s' of",
               first_row, first_row + n - 1, catalog->column_names[role]);
      return dm_fits_set_error(error, status, what, path);
    }
  }

  size_t kept = at;
  for (size_t i = at; i < at + (size_t)n; i++) {
    double ra = catalog->ra[i], dec = catalog->dec[i];
    double e1 = catalog->e1[i], e2 = catalog->e2[i], w = catalog->weight[i];
    if (!isfinite(ra) || !isfinite(dec) || !isfinite(e1) || !isfinite(e2)) {
      catalog->n_skipped_nonfinite++;
      continue;
    }
    if (!isfinite(w) || w <= 0.0) {
      catalog->n_skipped_weight++;
      continue;
    }
    catalog->ra[kept] = ra;
    catalog->dec[kept] = dec;
    catalog->e1[kept] = e1;
    catalog->e2[kept] = e2;
    catalog->weight[kept] = w;
    kept++;
  }
  catalog->n = kept;
  return true;
}

/* The table's rows must physically fit in the file before anything is
 * allocated on the header's word. */
static bool check_table_size(fitsfile *fits, const char *path, long long n_rows,
                             DmError **error) {
  long long row_bytes = 0;
  int status = 0;
  if (fits_read_key(fits, TLONGLONG, "NAXIS1", &row_bytes, NULL, &status))
    return dm_fits_set_error(error, status, "Cannot read the table size of", path);
  if (row_bytes < 0 || (row_bytes > 0 && n_rows > LLONG_MAX / row_bytes))
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "The table header of %s is corrupt", path);
  if (n_rows > (long long)(SIZE_MAX / sizeof(double)))
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "%lld rows are too many for %s", n_rows,
                        path);
  return dm_fits_check_data_present(fits, path, row_bytes * n_rows, error);
}

static bool read_rows(fitsfile *fits, const char *path, DmCatalog *catalog,
                      const int colnums[N_ROLES], const DmProgress *progress,
                      DmError **error) {
  size_t n_rows = catalog->n_rows;
  double **arrays[N_ROLES] = {&catalog->ra, &catalog->dec, &catalog->e1, &catalog->e2,
                              &catalog->weight};
  for (int role = 0; role < N_ROLES; role++) {
    *arrays[role] = malloc(n_rows * sizeof(double));
    if (!*arrays[role])
      return dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                          "Out of memory reading %zu rows of %s", n_rows, path);
  }

  long chunk = 0;
  int status = 0;
  if (fits_get_rowsize(fits, &chunk, &status))
    return dm_fits_set_error(error, status, "Cannot size the reads of", path);
  if (chunk < 1) chunk = 1;

  for (size_t done = 0; done < n_rows;) {
    if (!dm_progress_check_cancel(progress, error)) return false;
    long long n = (long long)(n_rows - done) < chunk ? (long long)(n_rows - done) : chunk;
    if (!read_chunk(fits, path, catalog, colnums, (long long)done + 1, n, error))
      return false;
    done += (size_t)n;
    dm_progress_report(progress, (double)done / (double)n_rows, "Reading catalogue");
  }

  for (int role = 0; role < N_ROLES; role++)
    *arrays[role] = shrink(*arrays[role], catalog->n);
  return true;
}

static bool check_some_kept(const DmCatalog *catalog, const char *path, DmError **error) {
  if (catalog->n > 0) return true;
  const char *const *names = (const char *const *)catalog->column_names;
  return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                      "No usable galaxy in HDU %d of %s: all %zu rows were skipped, %zu "
                      "with NaN/inf in %s, %s, %s or %s and %zu with a weight%s%s%s that "
                      "is not finite and positive",
                      catalog->hdu, path, catalog->n_rows, catalog->n_skipped_nonfinite,
                      names[COL_RA], names[COL_DEC], names[COL_E1], names[COL_E2],
                      catalog->n_skipped_weight, names[COL_WEIGHT][0] ? " (" : "",
                      names[COL_WEIGHT], names[COL_WEIGHT][0] ? ")" : "");
}

/* Fills everything but the arrays: HDU, columns, row count. */
static bool read_layout(fitsfile *fits, const char *path, int hdu,
                        const DmCatalogColumns *columns, DmCatalog *catalog,
                        int colnums[N_ROLES], DmError **error) {
  if (!move_to_table(fits, path, hdu, &catalog->hdu, error)) return false;

  ColumnList list = {0};
  bool ok = read_column_list(fits, path, &list, error);
  const char *explicit_names[N_ROLES] = {NULL, NULL, NULL, NULL, NULL};
  if (columns) {
    explicit_names[COL_RA] = columns->ra;
    explicit_names[COL_DEC] = columns->dec;
    explicit_names[COL_E1] = columns->e1;
    explicit_names[COL_E2] = columns->e2;
    explicit_names[COL_WEIGHT] = columns->weight;
  }
  for (int role = 0; ok && role < N_ROLES; role++) {
    ok = resolve_column(&list, role, explicit_names[role], path, catalog->hdu, &colnums[role],
                        error) &&
         (colnums[role] == 0 || check_numeric_scalar(fits, &list, colnums[role], role, path,
                                                     error));
    if (ok) {
      catalog->column_names[role] = strdup(colnums[role] ? list.names[colnums[role] - 1] : "");
      if (!catalog->column_names[role])
        ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
    }
  }
  column_list_clear(&list);
  if (!ok) return false;

  long long n_rows = 0;
  int status = 0;
  if (fits_get_num_rowsll(fits, &n_rows, &status))
    return dm_fits_set_error(error, status, "Cannot count the rows of", path);
  if (n_rows == 0)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0, "The table in HDU %d of %s has no rows",
                        catalog->hdu, path);
  if (!check_table_size(fits, path, n_rows, error)) return false;
  catalog->n_rows = (size_t)n_rows;
  return true;
}

DmCatalog *dm_catalog_read(const char *path, int hdu, const DmCatalogColumns *columns,
                           const DmProgress *progress, DmError **error) {
  fitsfile *fits = dm_fits_open_read(path, error);
  if (!fits) return NULL;

  DmCatalog *catalog = calloc(1, sizeof *catalog);
  int colnums[N_ROLES] = {0};
  bool ok = catalog ? true : dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
  ok = ok && read_layout(fits, path, hdu, columns, catalog, colnums, error) &&
       dm_memory_check(error, (double)catalog->n_rows * N_ROLES * sizeof(double),
                       "The %zu rows of %s", catalog->n_rows, path) &&
       read_rows(fits, path, catalog, colnums, progress, error) &&
       check_some_kept(catalog, path, error);
  dm_fits_close_read(fits);
  if (!ok) {
    dm_catalog_free(catalog);
    return NULL;
  }
  return catalog;
}

/* ---- median ------------------------------------------------------------ */

static void swap(double *a, double *b) {
  double t = *a;
  *a = *b;
  *b = t;
}

/* Rearranges v[0..n) so that v[k] holds the value it would have if sorted,
 * with everything before it <= v[k] and everything after >= v[k].
 * Quickselect with a median-of-three pivot and a three-way partition, so
 * that sorted input and repeated values stay linear on average. */
static void select_kth(double *v, size_t n, size_t k) {
  size_t lo = 0, hi = n; /* the k-th lies in v[lo..hi) */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    double a = v[lo], b = v[mid], c = v[hi - 1];
    double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
    /* v[lo..lt) < pivot, v[lt..i) == pivot, v[gt..hi) > pivot. */
    size_t lt = lo, i = lo, gt = hi;
    while (i < gt) {
      if (v[i] < pivot)
        swap(&v[lt++], &v[i++]);
      else if (v[i] > pivot)
        swap(&v[i], &v[--gt]);
      else
        i++;
    }
    if (k < lt)
      hi = lt;
    else if (k >= gt)
      lo = gt;
    else
      return;
  }
}

/* The middle of v[0..n) (reordered) as NumPy's median takes it: the k-th
 * smallest value, or with two_middles the mean of it and the one ranked just
 * below it. */
static double middle_values(double *v, size_t n, size_t k, bool two_middles) {
  select_kth(v, n, k);
  double upper = v[k];
  if (!two_middles) return upper;
  /* Everything before k is <= the k-th: the lower middle is their maximum. */
  double lower = v[0];
  for (size_t i = 1; i < k; i++)
    if (v[i] > lower) lower = v[i];
  return lower + (upper - lower) / 2.0;
}

/* NumPy's median of n finite values, computed on a scratch copy. */
static double median(const double *values, size_t n, double *scratch) {
  memcpy(scratch, values, n * sizeof(double));
  return middle_values(scratch, n, n / 2, n % 2 == 0);
}

bool dm_catalog_median_center(const DmCatalog *catalog, double *ra, double *dec,
                              DmError **error) {
  if (!catalog || catalog->n == 0)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "The catalogue has no galaxy to take the median of");
  double *scratch = malloc(catalog->n * sizeof(double));
  if (!scratch)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the median of %zu "
                        "galaxies", catalog->n);
  *ra = median(catalog->ra, catalog->n, scratch);
  *dec = median(catalog->dec, catalog->n, scratch);
  free(scratch);
  return true;
}

/* ---- streams ----------------------------------------------------------- */

struct DmCatalogStream {
  fitsfile *fits;
  char *path;
  int colnums[N_ROLES];
  long rows_per_read;  /* cfitsio's optimal row count */
  size_t first_row, end_row;  /* the rows of a pass: [first_row, end_row), the table's
                                 unless dm_catalog_stream_set_rows chose a range */
  size_t next_row;     /* 0-based row the next read starts at */
  size_t kept;         /* galaxies kept so far in this pass */
  DmCatalog chunk;     /* arrays of DM_CATALOG_STREAM_CHUNK (fewer for a short table) */
};

void dm_catalog_stream_close(DmCatalogStream *stream) {
  if (!stream) return;
  if (stream->fits) dm_fits_close_read(stream->fits);
  free(stream->path);
  catalog_clear(&stream->chunk);
  free(stream);
}

/* Chunk capacity: a whole chunk, or the table when it is shorter. */
static size_t stream_capacity(const DmCatalogStream *stream) {
  size_t rows = stream->chunk.n_rows;
  return rows < DM_CATALOG_STREAM_CHUNK ? rows : DM_CATALOG_STREAM_CHUNK;
}

DmCatalogStream *dm_catalog_stream_open(const char *path, int hdu,
                                        const DmCatalogColumns *columns, DmError **error) {
  fitsfile *fits = dm_fits_open_read(path, error);
  if (!fits) return NULL;
  DmCatalogStream *stream = calloc(1, sizeof *stream);
  if (!stream) {
    dm_fits_close_read(fits);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
    return NULL;
  }
  stream->fits = fits;
  stream->path = strdup(path);
  int status = 0;
  bool ok = stream->path ? true : dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
  ok = ok && read_layout(fits, path, hdu, columns, &stream->chunk, stream->colnums, error);
  if (ok && fits_get_rowsize(fits, &stream->rows_per_read, &status))
    ok = dm_fits_set_error(error, status, "Cannot size the reads of", path);
  if (ok && stream->rows_per_read < 1) stream->rows_per_read = 1;
  stream->end_row = stream->chunk.n_rows;
  double **arrays[N_ROLES] = {&stream->chunk.ra, &stream->chunk.dec, &stream->chunk.e1,
                              &stream->chunk.e2, &stream->chunk.weight};
  for (int role = 0; ok && role < N_ROLES; role++) {
    *arrays[role] = malloc(stream_capacity(stream) * sizeof(double));
    if (!*arrays[role])
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a chunk of %s", path);
  }
  if (!ok) {
    dm_catalog_stream_close(stream);
    return NULL;
  }
  return stream;
}

const DmCatalog *dm_catalog_stream_next(DmCatalogStream *stream, const DmProgress *progress,
                                        DmError **error) {
  DmCatalog *chunk = &stream->chunk;
  size_t capacity = stream_capacity(stream);
  chunk->n = 0;
  while (chunk->n < capacity && stream->next_row < stream->end_row) {
    if (!dm_progress_check_cancel(progress, error)) return NULL;
    /* No more rows than free slots: every row read may be kept. */
    size_t n = stream->end_row - stream->next_row;
    if (n > capacity - chunk->n) n = capacity - chunk->n;
    if (n > (size_t)stream->rows_per_read) n = (size_t)stream->rows_per_read;
    if (!read_chunk(stream->fits, stream->path, chunk, stream->colnums,
                    (long long)stream->next_row + 1, (long long)n, error))
      return NULL;
    stream->next_row += n;
  }
  stream->kept += chunk->n;
  bool whole_table = stream->first_row == 0 && stream->end_row == chunk->n_rows;
  if (stream->kept == 0 && whole_table && !check_some_kept(chunk, stream->path, error))
    return NULL;
  return chunk;
}

const DmCatalog *dm_catalog_stream_layout(const DmCatalogStream *stream) {
  return &stream->chunk;
}

size_t dm_catalog_stream_rows_read(const DmCatalogStream *stream) {
  return stream->next_row - stream->first_row;
}

size_t dm_catalog_stream_pass_rows(const DmCatalogStream *stream) {
  return stream->end_row - stream->first_row;
}

void dm_catalog_stream_set_rows(DmCatalogStream *stream, size_t first, size_t count) {
  size_t n_rows = stream->chunk.n_rows;
  stream->first_row = first < n_rows ? first : n_rows;
  stream->end_row = count < n_rows - stream->first_row ? stream->first_row + count : n_rows;
  dm_catalog_stream_rewind(stream);
}

size_t dm_catalog_stream_kept(const DmCatalogStream *stream) {
  return stream->kept;
}

void dm_catalog_stream_rewind(DmCatalogStream *stream) {
  stream->next_row = stream->first_row;
  stream->kept = 0;
  stream->chunk.n = 0;
  stream->chunk.n_skipped_nonfinite = 0;
  stream->chunk.n_skipped_weight = 0;
}

/* ---- streamed median ---------------------------------------------------- */

/* Values gathered in the last pass, and bins of the histogram passes. */
enum { MEDIAN_GATHER_MAX = 1 << 22, MEDIAN_BINS = 1 << 16, MEDIAN_MAX_LEVELS = 64 };

/* One histogram level: values in play have their bin on [lo, hi] within
 * [first_bin, last_bin].  The bins are recomputed the same way in every
 * later pass, so the values in play are exactly those counted. */
typedef struct {
  double lo, scale;
  int first_bin, last_bin;
} MedianLevel;

typedef enum { PHASE_RANGE, PHASE_HISTOGRAM, PHASE_GATHER, PHASE_DONE } MedianPhase;

/* The search for one coordinate's middle ranks. */
typedef struct {
  MedianPhase phase;
  MedianLevel levels[MEDIAN_MAX_LEVELS];
  int n_levels;
  size_t n_total;       /* kept galaxies */
  size_t below;         /* values below those in play */
  size_t in_play;       /* values in play (range pass) */
  double min, max;      /* of the values in play (range pass) */
  size_t *histogram;    /* MEDIAN_BINS (histogram pass) */
  double *gathered;     /* in_play values (gather pass) */
  size_t n_gathered;
  double median;
} MedianSearch;

static inline int median_bin(double lo, double scale, double x) {
  double b = (x - lo) * scale;
  return !(b > 0.0) ? 0 : b >= MEDIAN_BINS - 1 ? MEDIAN_BINS - 1 : (int)b;
}

static bool median_in_play(const MedianSearch *s, double x) {
  for (int l = 0; l < s->n_levels; l++) {
    int b = median_bin(s->levels[l].lo, s->levels[l].scale, x);
    if (b < s->levels[l].first_bin || b > s->levels[l].last_bin) return false;
  }
  return true;
}

static void median_visit(MedianSearch *s, const double *values, size_t n) {
  for (size_t i = 0; i < n; i++) {
    double x = values[i];
    if (!median_in_play(s, x)) continue;
    if (s->phase == PHASE_RANGE) {
      if (s->in_play == 0 || x < s->min) s->min = x;
      if (s->in_play == 0 || x > s->max) s->max = x;
      s->in_play++;
    } else if (s->phase == PHASE_HISTOGRAM) {
      s->histogram[median_bin(s->min, MEDIAN_BINS / (s->max - s->min), x)]++;
    } else if (s->phase == PHASE_GATHER && s->n_gathered < s->in_play) {
      s->gathered[s->n_gathered++] = x;
    }
  }
}

/* The 0-based ranks of the middle values: lower and upper (equal for an odd
 * count), as NumPy's median takes them. */
static void middle_ranks(size_t n, size_t *lower, size_t *upper) {
  *upper = n / 2;
  *lower = n % 2 ? n / 2 : n / 2 - 1;
}

/* The gather pass next, for the in_play values. */
static bool start_gathering(MedianSearch *s, DmError **error) {
  free(s->gathered);
  s->gathered = malloc((s->in_play ? s->in_play : 1) * sizeof(double));
  if (!s->gathered)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the median");
  s->n_gathered = 0;
  s->phase = PHASE_GATHER;
  return true;
}

/* After a pass: the next phase, and what it needs. */
static bool median_advance(MedianSearch *s, size_t kept, DmError **error) {
  size_t lower, upper;
  if (s->phase == PHASE_RANGE) {
    if (s->n_levels == 0) s->n_total = kept;
    if (s->min == s->max) {
      s->median = s->min;
      s->phase = PHASE_DONE;
    } else if (s->in_play <= MEDIAN_GATHER_MAX) {
      return start_gathering(s, error);
    } else if (s->n_levels == MEDIAN_MAX_LEVELS) {
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "The catalogue median cannot be narrowed down: give the centre");
    } else {
      if (!s->histogram) s->histogram = malloc(MEDIAN_BINS * sizeof(size_t));
      if (!s->histogram)
        return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the median");
      memset(s->histogram, 0, MEDIAN_BINS * sizeof(size_t));
      s->phase = PHASE_HISTOGRAM;
    }
    return true;
  }
  middle_ranks(s->n_total, &lower, &upper);
  if (s->phase == PHASE_HISTOGRAM) {
    /* Keeps the bins holding the middle ranks (empty bins between them hold
     * nothing): the values below the first are counted below. */
    MedianLevel *level = &s->levels[s->n_levels++];
    *level = (MedianLevel){s->min, MEDIAN_BINS / (s->max - s->min), -1, -1};
    size_t cumulative = s->below;
    for (int b = 0; b < MEDIAN_BINS; b++) {
      size_t next = cumulative + s->histogram[b];
      if (level->first_bin < 0 && lower < next) {
        level->first_bin = b;
        s->below = cumulative;
      }
      if (upper < next) {
        level->last_bin = b;
        break;
      }
      cumulative = next;
    }
    s->in_play = 0;
    for (int b = level->first_bin; b <= level->last_bin; b++) s->in_play += s->histogram[b];
    if (s->in_play > MEDIAN_GATHER_MAX) {
      s->in_play = 0;  /* narrowed again: a range pass first */
      s->phase = PHASE_RANGE;
      return true;
    }
    return start_gathering(s, error);
  }
  /* Gathered: the middle ranks among the values in play. */
  s->median = middle_values(s->gathered, s->n_gathered, upper - s->below, lower != upper);
  s->phase = PHASE_DONE;
  return true;
}

static const char *median_stage(const MedianSearch s[2]) {
  MedianPhase phase = s[0].phase == PHASE_DONE ? s[1].phase : s[0].phase;
  return phase == PHASE_RANGE       ? "Catalogue median: ranges"
         : phase == PHASE_HISTOGRAM ? "Catalogue median: histograms"
                                    : "Catalogue median: middle values";
}

/* One pass over the stream for both searches. */
static bool median_pass(DmCatalogStream *stream, MedianSearch s[2], const DmProgress *progress,
                        DmError **error) {
  dm_catalog_stream_rewind(stream);
  const char *stage = median_stage(s);
  for (;;) {
    const DmCatalog *chunk = dm_catalog_stream_next(stream, progress, error);
    if (!chunk) return false;
    if (chunk->n == 0) break;
    median_visit(&s[0], chunk->ra, chunk->n);
    median_visit(&s[1], chunk->dec, chunk->n);
    dm_progress_report(progress, (double)stream->next_row / (double)chunk->n_rows, stage);
  }
  return (s[0].phase == PHASE_DONE || median_advance(&s[0], stream->kept, error)) &&
         (s[1].phase == PHASE_DONE || median_advance(&s[1], stream->kept, error));
}

bool dm_catalog_stream_median_center(DmCatalogStream *stream, double *ra, double *dec,
                                     const DmProgress *progress, DmError **error) {
  MedianSearch s[2] = {{.phase = PHASE_RANGE}, {.phase = PHASE_RANGE}};
  bool ok = true;
  while (ok && (s[0].phase != PHASE_DONE || s[1].phase != PHASE_DONE))
    ok = median_pass(stream, s, progress, error);
  for (int i = 0; i < 2; i++) {
    free(s[i].histogram);
    free(s[i].gathered);
  }
  dm_catalog_stream_rewind(stream);
  if (!ok) return false;
  *ra = s[0].median;
  *dec = s[1].median;
  return true;
}

/* ---- table listing ----------------------------------------------------- */

void dm_table_info_free(DmTableInfo *tables, int n_tables) {
  if (!tables) return;
  for (int t = 0; t < n_tables; t++) {
    free(tables[t].extname);
    for (int i = 0; i < tables[t].n_columns; i++) {
      if (tables[t].column_names) free(tables[t].column_names[i]);
      if (tables[t].column_types) free(tables[t].column_types[i]);
    }
    free(tables[t].column_names);
    free(tables[t].column_types);
  }
  free(tables);
}

/* Fills one entry from the current (table) HDU. */
static bool describe_table(fitsfile *fits, const char *path, int hdu, DmTableInfo *info,
                           DmError **error) {
  info->hdu = hdu;
  info->extname = dm_fits_read_string_key(fits, "EXTNAME");
  ColumnList list = {0};
  int status = 0;
  if (!info->extname)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory listing tables");
  if (!read_column_list(fits, path, &list, error)) {
    column_list_clear(&list);
    return false;
  }
  info->n_columns = list.n;
  info->column_names = list.names;
  info->column_types = list.forms;
  if (fits_get_num_rows(fits, &info->n_rows, &status))
    return dm_fits_set_error(error, status, "Cannot count the rows of", path);
  return true;
}

DmTableInfo *dm_catalog_list_tables(const char *path, int *n_tables, DmError **error) {
  *n_tables = 0;
  fitsfile *fits = dm_fits_open_read(path, error);
  if (!fits) return NULL;

  int status = 0, n_hdus = 0, type = 0, count = 0;
  DmTableInfo *tables = NULL;
  bool ok = true;
  if (fits_get_num_hdus(fits, &n_hdus, &status))
    ok = dm_fits_set_error(error, status, "Cannot count the HDUs of", path);
  else if (!(tables = calloc((size_t)n_hdus + 1, sizeof *tables)))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory listing tables");

  for (int hdu = 1; ok && hdu <= n_hdus; hdu++) {
    if (fits_movabs_hdu(fits, hdu, &type, &status)) {
      ok = dm_fits_set_error(error, status, "Cannot read an HDU of", path);
    } else if (type == BINARY_TBL || type == ASCII_TBL) {
      ok = describe_table(fits, path, hdu, &tables[count], error);
      count++;
    }
  }
  dm_fits_close_read(fits);
  if (!ok) {
    dm_table_info_free(tables, count);
    return NULL;
  }
  *n_tables = count;
  return tables;
}

void dm_catalog_guess_columns(const DmTableInfo *table, DmCatalogColumns *guess) {
  const char **roles[N_ROLES] = {&guess->ra, &guess->dec, &guess->e1, &guess->e2,
                                 &guess->weight};
  for (int role = 0; role < N_ROLES; role++) {
    int index = detect_column(table->column_names, table->n_columns, role);
    *roles[role] = index >= 0 ? table->column_names[index] : NULL;
  }
}
