/* Catalogue reading: the shipped COSMOS catalogue (size, columns, median
 * centre), column detection and explicit names, HDU selection, float32 and
 * integer columns, skipped rows, progress and cancel, and bad input, each a
 * clear error.  Fixtures are written here with cfitsio. */
#include <fitsio.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/catalog.h"
#include "test-util.h"

#define MAX_COLUMNS 6

/* One table HDU to write: column names, TFORMs ("D", "E", "J", "10A") and
 * row values (strings are written as their number's text). */
typedef struct {
  const char *extname;
  int n_columns;
  const char *names[MAX_COLUMNS];
  const char *forms[MAX_COLUMNS];
  long n_rows;
  const double *values[MAX_COLUMNS]; /* n_rows each */
} TableSpec;

/* Writes an empty primary and the given tables to path (replacing it). */
static void write_tables(const char *path, const TableSpec *tables, int n_tables) {
  fitsfile *fits = NULL;
  int status = 0;
  remove(path);
  fits_create_diskfile(&fits, path, &status);
  fits_create_img(fits, BYTE_IMG, 0, NULL, &status);
  for (int t = 0; t < n_tables; t++) {
    const TableSpec *spec = &tables[t];
    fits_create_tbl(fits, BINARY_TBL, 0, spec->n_columns, (char **)spec->names,
                    (char **)spec->forms, NULL, spec->extname, &status);
    for (int c = 0; c < spec->n_columns && spec->n_rows > 0; c++) {
      if (strchr(spec->forms[c], 'A')) {
        char text[32] = "text", *cell = text;
        for (long r = 0; r < spec->n_rows; r++)
          fits_write_col(fits, TSTRING, c + 1, r + 1, 1, 1, &cell, &status);
      } else {
        fits_write_col(fits, TDOUBLE, c + 1, 1, 1, spec->n_rows, (void *)spec->values[c],
                       &status);
      }
    }
  }
  fits_close_file(fits, &status);
  if (status) {
    fits_report_error(stderr, status);
    CHECK(status == 0);
  }
}

/* A table with the usual column names and the given rows. */
static TableSpec standard_table(long n_rows, const double *ra, const double *dec,
                                const double *e1, const double *e2, const double *w) {
  return (TableSpec){"SHEAR", 5, {"RA", "DEC", "E1", "E2", "WEIGHT"},
                     {"D", "D", "D", "D", "D"}, n_rows, {ra, dec, e1, e2, w}};
}

static void test_cosmos(void) {
  DmError *error = NULL;
  const char *path = dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits");
  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK_OK(catalog, error);
  if (!catalog) return;
  CHECK(catalog->n_rows == 417117);
  CHECK(catalog->n == 417117);
  CHECK(catalog->n_skipped_nonfinite == 0 && catalog->n_skipped_weight == 0);
  CHECK(catalog->hdu == 2);
  const char *expected[5] = {"RA", "DEC", "E1", "E2", "WEIGHT"};
  for (int i = 0; i < 5; i++) CHECK(strcmp(catalog->column_names[i], expected[i]) == 0);

  double ra = 0.0, dec = 0.0;
  CHECK_OK(dm_catalog_median_center(catalog, &ra, &dec, &error), error);
  CHECK_CLOSE(ra, 150.1161025, 1e-9);
  CHECK_CLOSE(dec, 2.247490268, 1e-9);
  for (size_t i = 0; i < catalog->n; i++)
    if (!(catalog->weight[i] > 0.0)) {
      CHECK(catalog->weight[i] > 0.0);
      break;
    }
  dm_catalog_free(catalog);

  /* The table listing a dialog shows. */
  int n_tables = -1;
  DmTableInfo *tables = dm_catalog_list_tables(path, &n_tables, &error);
  CHECK_OK(tables, error);
  CHECK(n_tables == 1);
  if (tables && n_tables == 1) {
    CHECK(tables[0].hdu == 2);
    CHECK(strcmp(tables[0].extname, "SHEAR") == 0);
    CHECK(tables[0].n_rows == 417117);
    CHECK(tables[0].n_columns == 5);
    CHECK(strcmp(tables[0].column_names[4], "WEIGHT") == 0);
    CHECK(strcmp(tables[0].column_types[0], "D") == 0);

    /* The columns a dialog proposes are the ones the reader used. */
    DmCatalogColumns guess;
    dm_catalog_guess_columns(&tables[0], &guess);
    CHECK(guess.ra && strcmp(guess.ra, "RA") == 0);
    CHECK(guess.dec && strcmp(guess.dec, "DEC") == 0);
    CHECK(guess.e1 && strcmp(guess.e1, "E1") == 0);
    CHECK(guess.e2 && strcmp(guess.e2, "E2") == 0);
    CHECK(guess.weight && strcmp(guess.weight, "WEIGHT") == 0);
  }
  dm_table_info_free(tables, n_tables);
}

/* Guessing follows the reader's order of preference, case-insensitively, and
 * leaves roles without a candidate empty. */
static void test_guess_columns(void) {
  char *names[] = {"alpha_j2000", "G2", "DEC_DEG", "RA", "shear1", "flux"};
  DmTableInfo table = {.hdu = 2, .n_columns = 6, .column_names = names};
  DmCatalogColumns guess;
  dm_catalog_guess_columns(&table, &guess);
  CHECK(guess.ra == names[3]);      /* RA is preferred over ALPHA_J2000 */
  CHECK(guess.dec == names[2]);
  CHECK(guess.e1 == names[4]);
  CHECK(guess.e2 == names[1]);
  CHECK(guess.weight == NULL);
  table.n_columns = 1;
  dm_catalog_guess_columns(&table, &guess);
  CHECK(guess.ra == names[0] && guess.dec == NULL && guess.e1 == NULL && guess.e2 == NULL);
}

/* Progress is reported per chunk up to 1; a raised cancel flag stops the read. */
typedef struct {
  int calls;
  double last;
} ProgressLog;

static void log_progress(void *user_data, double fraction, const char *stage) {
  ProgressLog *log = user_data;
  log->calls++;
  log->last = fraction;
  (void)stage;
}

static void test_progress_and_cancel(const char *path) {
  DmError *error = NULL;
  ProgressLog log = {0, 0.0};
  atomic_int cancel = 0;
  DmProgress progress = {log_progress, &log, &cancel};
  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, &progress, &error);
  CHECK_OK(catalog, error);
  CHECK(log.calls >= 1);
  CHECK(log.last == 1.0);
  dm_catalog_free(catalog);

  atomic_store(&cancel, 1);
  CHECK_FAILS(dm_catalog_read(path, 0, NULL, &progress, &error), error, DM_ERROR_CANCELLED);
}

static void test_bad_files(void) {
  DmError *error = NULL;
  char text_path[4096], truncated_path[4096], empty_path[4096];
  snprintf(text_path, sizeof text_path, "%s", dm_test_tmp_path("text.fits"));
  snprintf(truncated_path, sizeof truncated_path, "%s", dm_test_tmp_path("truncated.fits"));
  snprintf(empty_path, sizeof empty_path, "%s", dm_test_tmp_path("empty.fits"));

  CHECK_FAILS(dm_catalog_read(dm_test_tmp_path("missing.fits"), 0, NULL, NULL, &error), error,
              DM_ERROR_NOT_FOUND);

  FILE *file = fopen(text_path, "w");
  fputs("RA,DEC,E1,E2\n150.1,2.2,0.1,0.2\n", file);
  fclose(file);
  CHECK_FAILS(dm_catalog_read(text_path, 0, NULL, NULL, &error), error, DM_ERROR_FORMAT);

  /* The first 10000 bytes of the real catalogue: headers intact, rows cut. */
  FILE *in = fopen(dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits"), "rb");
  FILE *out = fopen(truncated_path, "wb");
  char buffer[10000];
  size_t n = in ? fread(buffer, 1, sizeof buffer, in) : 0;
  CHECK(n == sizeof buffer);
  if (out) fwrite(buffer, 1, n, out);
  if (in) fclose(in);
  if (out) fclose(out);
  CHECK_FAILS(dm_catalog_read(truncated_path, 0, NULL, NULL, &error), error, DM_ERROR_FORMAT);

  /* A control character in a header (cfitsio 4.2 can overflow on those):
   * the truncated copy, with an ESC in the comment of its first table card. */
  const char *control_path = truncated_path;
  out = fopen(control_path, "r+b");
  if (out) {
    fseek(out, 2880 + 40, SEEK_SET);
    fputc(0x1b, out);
    fclose(out);
  }
  CHECK_FAILS(dm_catalog_read(control_path, 0, NULL, NULL, &error), error, DM_ERROR_FORMAT);

  file = fopen(empty_path, "w");
  fclose(file);
  CHECK_FAILS(dm_catalog_read(empty_path, 0, NULL, NULL, &error), error, DM_ERROR_FORMAT);

  remove(text_path);
  remove(truncated_path);
  remove(empty_path);
}

static void test_missing_columns(const char *path) {
  DmError *error = NULL;
  const double a[2] = {1, 2}, b[2] = {3, 4};
  TableSpec spec = {"OTHER", 2, {"FLUX", "MAG"}, {"D", "D"}, 2, {a, b}};
  write_tables(path, &spec, 1);
  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK(catalog == NULL);
  CHECK(error && error->code == DM_ERROR_NOT_FOUND);
  /* The message lists what the table has, to pick from. */
  CHECK(error && strstr(error->message, "FLUX, MAG") != NULL);
  if (error) printf("expected failure: %s\n", error->message);
  dm_error_clear(&error);

  /* A file without any table. */
  fitsfile *fits = NULL;
  int status = 0;
  long naxes[2] = {4, 4};
  remove(path);
  fits_create_diskfile(&fits, path, &status);
  fits_create_img(fits, FLOAT_IMG, 2, naxes, &status);
  fits_close_file(fits, &status);
  CHECK_FAILS(dm_catalog_read(path, 0, NULL, NULL, &error), error, DM_ERROR_NOT_FOUND);
  int n_tables = -1;
  DmTableInfo *tables = dm_catalog_list_tables(path, &n_tables, &error);
  CHECK_OK(tables, error);
  CHECK(n_tables == 0);
  dm_table_info_free(tables, n_tables);
}

static void test_no_data(const char *path) {
  DmError *error = NULL;
  const double nan3[3] = {NAN, NAN, NAN}, one3[3] = {1, 1, 1};
  TableSpec all_nan = standard_table(3, nan3, nan3, nan3, nan3, one3);
  write_tables(path, &all_nan, 1);
  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK(catalog == NULL);
  CHECK(error && error->code == DM_ERROR_NO_DATA);
  CHECK(error && strstr(error->message, "all 3 rows") != NULL);
  if (error) printf("expected failure: %s\n", error->message);
  dm_error_clear(&error);

  TableSpec empty = standard_table(0, NULL, NULL, NULL, NULL, NULL);
  write_tables(path, &empty, 1);
  CHECK_FAILS(dm_catalog_read(path, 0, NULL, NULL, &error), error, DM_ERROR_NO_DATA);
}

/* Rows with NaN/inf coordinates or shapes, and rows with bad weights, are
 * skipped, counted apart, and the kept rows stay in order. */
static void test_skipped_rows(const char *path) {
  DmError *error = NULL;
  const double ra[7] = {10, 11, 12, 13, NAN, 15, 16};
  const double dec[7] = {1, 1, 1, 1, 1, 1, 1};
  const double e1[7] = {0.1, 0.2, 0.3, 0.4, 0.5, INFINITY, 0.7};
  const double e2[7] = {0, 0, 0, 0, 0, 0, 0};
  const double w[7] = {1, 0, -2, NAN, 1, 1, 3};
  TableSpec spec = standard_table(7, ra, dec, e1, e2, w);
  write_tables(path, &spec, 1);
  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK_OK(catalog, error);
  if (!catalog) return;
  CHECK(catalog->n_rows == 7);
  CHECK(catalog->n == 2);
  CHECK(catalog->n_skipped_nonfinite == 2);
  CHECK(catalog->n_skipped_weight == 3);
  CHECK(catalog->n == 2 && catalog->ra[0] == 10 && catalog->ra[1] == 16);
  CHECK(catalog->n == 2 && catalog->e1[1] == 0.7 && catalog->weight[1] == 3);
  dm_catalog_free(catalog);
}

/* float32 and integer columns come back as doubles; without a weight
 * column every weight is 1. */
static void test_column_types(const char *path) {
  DmError *error = NULL;
  const double ra[3] = {150.25, 150.5, 150.75}, dec[3] = {2, 3, 4};
  const double e1[3] = {0.125, -0.25, 0.5}, e2[3] = {-0.0625, 0, 0.375};
  TableSpec spec = {"F32", 4, {"ra", "dec", "g1", "g2"}, {"E", "J", "E", "E"}, 3,
                    {ra, dec, e1, e2}};
  write_tables(path, &spec, 1);
  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK_OK(catalog, error);
  if (!catalog) return;
  CHECK(catalog->n == 3);
  for (int i = 0; i < 3 && catalog->n == 3; i++) {
    CHECK(catalog->ra[i] == ra[i] && catalog->dec[i] == dec[i]);
    CHECK(catalog->e1[i] == e1[i] && catalog->e2[i] == e2[i]);
    CHECK(catalog->weight[i] == 1.0);
  }
  CHECK(strcmp(catalog->column_names[2], "g1") == 0);
  CHECK(strcmp(catalog->column_names[4], "") == 0);
  dm_catalog_free(catalog);

  /* A text column cannot be a coordinate. */
  TableSpec text = {"TEXT", 4, {"RA", "DEC", "E1", "E2"}, {"10A", "D", "D", "D"}, 3,
                    {ra, dec, e1, e2}};
  write_tables(path, &text, 1);
  CHECK_FAILS(dm_catalog_read(path, 0, NULL, NULL, &error), error, DM_ERROR_FORMAT);
}

/* Explicit names override detection, case-insensitively; "" asks for unit
 * weights; an unknown explicit name is a clear NOT_FOUND. */
static void test_explicit_columns(const char *path) {
  DmError *error = NULL;
  const double ra[2] = {30, 31}, dec[2] = {-5, -6}, e1[2] = {0.1, 0.2}, e2[2] = {0.3, 0.4};
  const double w[2] = {2, 4}, decoy[2] = {99, 99};
  TableSpec spec = {"SHAPES", 6, {"X_WORLD", "Y_WORLD", "ELL1", "ELL2", "W_SHAPE", "WEIGHT"},
                    {"D", "D", "D", "D", "D", "D"}, 2, {ra, dec, e1, e2, w, decoy}};
  write_tables(path, &spec, 1);
  CHECK_FAILS(dm_catalog_read(path, 0, NULL, NULL, &error), error, DM_ERROR_NOT_FOUND);

  DmCatalogColumns columns = {"x_world", "Y_WORLD", "ell1", "ELL2", "w_shape"};
  DmCatalog *catalog = dm_catalog_read(path, 0, &columns, NULL, &error);
  CHECK_OK(catalog, error);
  if (catalog) {
    CHECK(catalog->n == 2 && catalog->ra[1] == 31 && catalog->dec[0] == -5);
    CHECK(catalog->e2[1] == 0.4 && catalog->weight[1] == 4);
    CHECK(strcmp(catalog->column_names[0], "X_WORLD") == 0);
    dm_catalog_free(catalog);
  }

  columns.weight = "";
  catalog = dm_catalog_read(path, 0, &columns, NULL, &error);
  CHECK_OK(catalog, error);
  if (catalog) {
    CHECK(catalog->weight[0] == 1.0 && catalog->weight[1] == 1.0);
    CHECK(strcmp(catalog->column_names[4], "") == 0);
    dm_catalog_free(catalog);
  }

  columns.weight = NULL; /* detected: the decoy WEIGHT column */
  catalog = dm_catalog_read(path, 0, &columns, NULL, &error);
  CHECK_OK(catalog, error);
  if (catalog) {
    CHECK(catalog->weight[0] == 99.0);
    dm_catalog_free(catalog);
  }

  columns.e1 = "NOPE";
  catalog = dm_catalog_read(path, 0, &columns, NULL, &error);
  CHECK(catalog == NULL);
  CHECK(error && error->code == DM_ERROR_NOT_FOUND && strstr(error->message, "NOPE") &&
        strstr(error->message, "X_WORLD, Y_WORLD"));
  if (error) printf("expected failure: %s\n", error->message);
  dm_error_clear(&error);
}

/* hdu = 0 is the first table; a number picks that HDU; an image or a
 * missing HDU is refused. */
static void test_hdu_selection(const char *path) {
  DmError *error = NULL;
  const double ra_a[1] = {1}, ra_b[2] = {2, 3}, zero[2] = {0, 0}, one[2] = {1, 1};
  TableSpec tables[2] = {standard_table(1, ra_a, zero, zero, zero, one),
                         standard_table(2, ra_b, zero, zero, zero, one)};
  tables[1].extname = "SECOND";
  write_tables(path, tables, 2);

  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK_OK(catalog, error);
  if (catalog) CHECK(catalog->hdu == 2 && catalog->n == 1 && catalog->ra[0] == 1);
  dm_catalog_free(catalog);

  catalog = dm_catalog_read(path, 3, NULL, NULL, &error);
  CHECK_OK(catalog, error);
  if (catalog) CHECK(catalog->hdu == 3 && catalog->n == 2 && catalog->ra[1] == 3);
  dm_catalog_free(catalog);

  CHECK_FAILS(dm_catalog_read(path, 1, NULL, NULL, &error), error, DM_ERROR_FORMAT);
  CHECK_FAILS(dm_catalog_read(path, 9, NULL, NULL, &error), error, DM_ERROR_NOT_FOUND);
  CHECK_FAILS(dm_catalog_read(path, -1, NULL, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);

  int n_tables = 0;
  DmTableInfo *list = dm_catalog_list_tables(path, &n_tables, &error);
  CHECK_OK(list, error);
  CHECK(n_tables == 2);
  if (list && n_tables == 2) CHECK(list[1].hdu == 3 && strcmp(list[1].extname, "SECOND") == 0);
  dm_table_info_free(list, n_tables);
}

/* NumPy's median: the middle value, or the mean of the two middle ones. */
static void test_median(void) {
  DmError *error = NULL;
  double ra[6] = {5, 1, 4, 1, 3, 9}, dec[6] = {-1, -1, -1, -1, 7, 2};
  DmCatalog catalog = {.n = 6, .ra = ra, .dec = dec};
  double m_ra = 0, m_dec = 0;
  CHECK_OK(dm_catalog_median_center(&catalog, &m_ra, &m_dec, &error), error);
  CHECK(m_ra == 3.5 && m_dec == -1);
  catalog.n = 5;
  CHECK_OK(dm_catalog_median_center(&catalog, &m_ra, &m_dec, &error), error);
  CHECK(m_ra == 3 && m_dec == -1);
  CHECK(ra[0] == 5 && ra[5] == 9); /* the input is left alone */
  catalog.n = 0;
  CHECK_FAILS(dm_catalog_median_center(&catalog, &m_ra, &m_dec, &error), error,
              DM_ERROR_NO_DATA);
}

int main(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("catalog.fits"));

  test_cosmos();
  test_median();
  test_guess_columns();
  test_bad_files();
  test_missing_columns(path);
  test_no_data(path);
  test_skipped_rows(path);
  test_progress_and_cancel(path);
  test_column_types(path);
  test_explicit_columns(path);
  test_hdu_selection(path);
  remove(path);
  return dm_test_result();
}
