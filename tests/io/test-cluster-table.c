/* Cluster tables: the shipped COSMOS X-ray groups (count and first rows), a
 * CSV and a FITS table written here with other column names, and bad input
 * (no RA or Dec column, a NaN position, Dec beyond the pole, no rows, a FITS
 * image, FITS text positions that are not angles, a vector column, a
 * missing file); sexagesimal positions in CSV and FITS. */
#include <fitsio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/cluster-table.h"
#include "test-util.h"

static const char *write_text(const char *name, const char *text) {
  const char *path = dm_test_tmp_path(name);
  FILE *file = fopen(path, "wb");
  CHECK(file != NULL);
  if (file) {
    fputs(text, file);
    fclose(file);
  }
  return path;
}

/* Data lines of a CSV file: lines that are neither blank nor comments,
 * less the header. */
static long count_data_lines(const char *path) {
  FILE *file = fopen(path, "r");
  char line[1024];
  long n = -1;
  while (file && fgets(line, sizeof line, file))
    if (line[0] != '#' && line[0] != '\n') n++;
  if (file) fclose(file);
  return n;
}

static void test_shipped_table(void) {
  DmError *error = NULL;
  const char *path = dm_test_app_data_path("cosmos/xray_finoguenov2007.csv");
  long expected = count_data_lines(path);
  DmClusterTable *table = dm_cluster_table_read(path, &error);
  CHECK_OK(table, error);
  if (!table) return;
  CHECK(expected == 72);
  CHECK((long)table->n == expected);
  CHECK(strcmp(table->label_column, "id") == 0);
  CHECK(strcmp(table->ra_column, "ra_deg") == 0);
  CHECK(strcmp(table->dec_column, "dec_deg") == 0);
  CHECK(strcmp(table->z_column, "z") == 0);
  CHECK(strcmp(table->mass_column, "m500_1e13msun") == 0);
  /* 3,150.80244,1.98985,0.25,0.69 and 9,150.75121,1.52793,0.75,9.62 */
  CHECK(strcmp(table->label[0], "3") == 0);
  CHECK_CLOSE(table->ra[0], 150.80244, 1e-12);
  CHECK_CLOSE(table->dec[0], 1.98985, 1e-12);
  CHECK_CLOSE(table->z[0], 0.25, 1e-12);
  CHECK_CLOSE(table->mass[0], 0.69, 1e-12);
  CHECK(strcmp(table->label[1], "9") == 0);
  CHECK_CLOSE(table->mass[1], 9.62, 1e-12);
  for (size_t i = 0; i < table->n; i++) {
    CHECK(table->ra[i] > 149.0 && table->ra[i] < 151.5);
    CHECK(table->dec[i] > 1.0 && table->dec[i] < 3.5);
  }
  dm_cluster_table_free(table);
}

static void test_csv_variants(void) {
  DmError *error = NULL;
  const char *path = write_text("clusters.csv",
                                "# hand-made\n"
                                "Name,RAJ2000,DEJ2000,Redshift,Mass\n"
                                "\"Abell 1689\",197.87,-1.34,0.183,1.2e15\n"
                                ",-0.5,10,,-3\n");
  DmClusterTable *table = dm_cluster_table_read(path, &error);
  CHECK_OK(table, error);
  if (table) {
    CHECK(table->n == 2);
    CHECK(strcmp(table->label[0], "Abell 1689") == 0);
    CHECK(strcmp(table->label[1], "2") == 0); /* blank name: the row number */
    CHECK_CLOSE(table->ra[0], 197.87, 1e-12);
    CHECK_CLOSE(table->dec[0], -1.34, 1e-12);
    CHECK_CLOSE(table->z[0], 0.183, 1e-12);
    CHECK_CLOSE(table->mass[0], 1.2e15, 1.0);
    CHECK_CLOSE(table->ra[1], 359.5, 1e-12); /* wrapped into [0, 360) */
    CHECK(isnan(table->z[1]));
    CHECK(isnan(table->mass[1])); /* not positive */
    dm_cluster_table_free(table);
  }
  remove(path);

  /* Sexagesimal positions: cluster 3 of the shipped table, rounded. */
  path = write_text("sexagesimal.csv",
                    "name,ra,dec\n"
                    "a,10:03:12.6,+01:59:23\n"
                    "b,10h03m12.6s,-01d59m23s\n"
                    "c,10 03 12.6,-00:30\n");
  table = dm_cluster_table_read(path, &error);
  CHECK_OK(table, error);
  if (table) {
    CHECK(table->n == 3);
    CHECK_CLOSE(table->ra[0], 150.8025, 1e-9);
    CHECK_CLOSE(table->dec[0], 1.0 + 59.0 / 60.0 + 23.0 / 3600.0, 1e-12);
    CHECK_CLOSE(table->ra[1], 150.8025, 1e-9);
    CHECK_CLOSE(table->dec[1], -(1.0 + 59.0 / 60.0 + 23.0 / 3600.0), 1e-12);
    CHECK_CLOSE(table->ra[2], 150.8025, 1e-9);
    CHECK_CLOSE(table->dec[2], -0.5, 1e-12);
    dm_cluster_table_free(table);
  }
  remove(path);

  /* Only positions, with prefixed names: labels are row numbers. */
  path = write_text("positions.csv", "ra_icrs,dec_icrs,flux\n10,20,1\n11,21,2\n12,22,3\n");
  table = dm_cluster_table_read(path, &error);
  CHECK_OK(table, error);
  if (table) {
    CHECK(table->n == 3);
    CHECK(strcmp(table->ra_column, "ra_icrs") == 0);
    CHECK(strcmp(table->dec_column, "dec_icrs") == 0);
    CHECK(strcmp(table->label_column, "") == 0 && strcmp(table->label[2], "3") == 0);
    CHECK(strcmp(table->mass_column, "") == 0 && isnan(table->mass[0]));
    CHECK(strcmp(table->z_column, "") == 0 && isnan(table->z[0]));
    CHECK_CLOSE(table->dec[2], 22.0, 0.0);
    dm_cluster_table_free(table);
  }
  remove(path);
}

static void write_fits_table(const char *path) {
  fitsfile *fits = NULL;
  int status = 0;
  char *names[] = {"CLUSTER", "ALPHA_J2000", "DELTA_J2000", "Z", "M200", "MAG_R"};
  char *forms[] = {"12A", "1D", "1E", "1D", "1D", "1E"};
  char *labels[] = {"XLSSC 101", "XLSSC 102", "XLSSC 103"};
  double ra[] = {35.4, 36.1, 34.9}, dec[] = {-4.5, -4.1, -5.0};
  double z[] = {0.76, 0.97, 0.23}, mass[] = {2.5e14, 1.1e14, 0.7e14}, mag[] = {19, 20, 18};
  remove(path);
  fits_create_diskfile(&fits, path, &status);
  fits_create_img(fits, BYTE_IMG, 0, NULL, &status);
  fits_create_tbl(fits, BINARY_TBL, 0, 6, names, forms, NULL, "CLUSTERS", &status);
  fits_write_col(fits, TSTRING, 1, 1, 1, 3, labels, &status);
  fits_write_col(fits, TDOUBLE, 2, 1, 1, 3, ra, &status);
  fits_write_col(fits, TDOUBLE, 3, 1, 1, 3, dec, &status);
  fits_write_col(fits, TDOUBLE, 4, 1, 1, 3, z, &status);
  fits_write_col(fits, TDOUBLE, 5, 1, 1, 3, mass, &status);
  fits_write_col(fits, TDOUBLE, 6, 1, 1, 3, mag, &status);
  fits_close_file(fits, &status);
  CHECK(status == 0);
}

static void test_fits_table(void) {
  DmError *error = NULL;
  const char *path = dm_test_tmp_path("clusters.fits");
  write_fits_table(path);
  DmClusterTable *table = dm_cluster_table_read(path, &error);
  CHECK_OK(table, error);
  if (table) {
    CHECK(table->n == 3);
    CHECK(strcmp(table->label_column, "CLUSTER") == 0);
    CHECK(strcmp(table->mass_column, "M200") == 0); /* not MAG_R */
    CHECK(strcmp(table->label[1], "XLSSC 102") == 0);
    CHECK_CLOSE(table->ra[2], 34.9, 1e-12);
    CHECK_CLOSE(table->dec[2], -5.0, 1e-6); /* 1E: float */
    CHECK_CLOSE(table->z[0], 0.76, 1e-12);
    CHECK_CLOSE(table->mass[0], 2.5e14, 1.0);
    dm_cluster_table_free(table);
  }
  remove(path);
}

static void expect_failure(const char *name, const char *text, DmErrorCode code,
                           const char *needle) {
  DmError *error = NULL;
  const char *path = write_text(name, text);
  DmClusterTable *table = dm_cluster_table_read(path, &error);
  CHECK(table == NULL);
  CHECK(error != NULL && error->code == code);
  if (error) {
    printf("expected failure: %s\n", error->message);
    CHECK(strstr(error->message, needle) != NULL);
  }
  dm_error_clear(&error);
  dm_cluster_table_free(table);
  remove(path);
}

static void test_bad_input(void) {
  DmError *error = NULL;
  expect_failure("no-ra.csv", "id,x,dec\n1,2,3\n", DM_ERROR_NOT_FOUND, "No RA column");
  expect_failure("no-dec.csv", "id,ra,y\n1,2,3\n", DM_ERROR_NOT_FOUND, "the table has: id, ra, y");
  expect_failure("nan.csv", "ra,dec\n1,2\nnan,3\n", DM_ERROR_FORMAT, "Row 2");
  expect_failure("text.csv", "ra,dec\n1,2\n3,north\n", DM_ERROR_FORMAT, "Row 2");
  expect_failure("pole.csv", "ra,dec\n1,95\n", DM_ERROR_FORMAT, "Row 1");
  expect_failure("minutes.csv", "ra,dec\n10:61:00,1\n", DM_ERROR_FORMAT, "Row 1");
  expect_failure("one-field.csv", "ra,dec\n1,2\n3h,4\n", DM_ERROR_FORMAT, "Row 2");
  expect_failure("empty.csv", "ra,dec\n", DM_ERROR_NO_DATA, "");

  /* A FITS image has no table; a string RA column is not a position. */
  const char *path = dm_test_tmp_path("image.fits");
  fitsfile *fits = NULL;
  int status = 0;
  long naxes[2] = {4, 4};
  remove(path);
  fits_create_diskfile(&fits, path, &status);
  fits_create_img(fits, FLOAT_IMG, 2, naxes, &status);
  fits_close_file(fits, &status);
  DmClusterTable *table = dm_cluster_table_read(path, &error);
  CHECK_FAILS(table, error, DM_ERROR_FORMAT);

  /* Text positions in FITS: sexagesimal parses, anything else is refused;
   * a vector column is no position. */
  char *names[] = {"RA", "DEC"}, *text_forms[] = {"12A", "12A"}, *vector_forms[] = {"1D", "2D"};
  char *ra_text[] = {"10:00:00", "150.5"}, *dec_text[] = {"-01:30:00", "north"};
  double ra_deg[] = {150.0, 151.0}, dec_pairs[] = {1.0, 2.0, 3.0, 4.0};
  status = 0;
  remove(path);
  fits_create_diskfile(&fits, path, &status);
  fits_create_img(fits, BYTE_IMG, 0, NULL, &status);
  fits_create_tbl(fits, BINARY_TBL, 0, 2, names, text_forms, NULL, "CLUSTERS", &status);
  fits_write_col(fits, TSTRING, 1, 1, 1, 2, ra_text, &status);
  fits_write_col(fits, TSTRING, 2, 1, 1, 2, dec_text, &status);
  fits_close_file(fits, &status);
  table = dm_cluster_table_read(path, &error);
  CHECK(table == NULL && error && strstr(error->message, "Row 2") != NULL);
  CHECK_FAILS(table, error, DM_ERROR_FORMAT);

  dec_text[1] = "+02 00 00";
  status = 0;
  remove(path);
  fits_create_diskfile(&fits, path, &status);
  fits_create_img(fits, BYTE_IMG, 0, NULL, &status);
  fits_create_tbl(fits, BINARY_TBL, 0, 2, names, text_forms, NULL, "CLUSTERS", &status);
  fits_write_col(fits, TSTRING, 1, 1, 1, 2, ra_text, &status);
  fits_write_col(fits, TSTRING, 2, 1, 1, 2, dec_text, &status);
  fits_close_file(fits, &status);
  table = dm_cluster_table_read(path, &error);
  CHECK_OK(table, error);
  if (table) {
    CHECK(table->n == 2);
    CHECK_CLOSE(table->ra[0], 150.0, 1e-12);
    CHECK_CLOSE(table->dec[0], -1.5, 1e-12);
    CHECK_CLOSE(table->ra[1], 150.5, 1e-12);
    CHECK_CLOSE(table->dec[1], 2.0, 1e-12);
    dm_cluster_table_free(table);
  }

  status = 0;
  remove(path);
  fits_create_diskfile(&fits, path, &status);
  fits_create_img(fits, BYTE_IMG, 0, NULL, &status);
  fits_create_tbl(fits, BINARY_TBL, 0, 2, names, vector_forms, NULL, "CLUSTERS", &status);
  fits_write_col(fits, TDOUBLE, 1, 1, 1, 2, ra_deg, &status);
  fits_write_col(fits, TDOUBLE, 2, 1, 1, 4, dec_pairs, &status);
  fits_close_file(fits, &status);
  table = dm_cluster_table_read(path, &error);
  CHECK(table == NULL && error && strstr(error->message, "does not hold one") != NULL);
  CHECK_FAILS(table, error, DM_ERROR_FORMAT);
  remove(path);

  table = dm_cluster_table_read(dm_test_tmp_path("absent.csv"), &error);
  CHECK_FAILS(table, error, DM_ERROR_NOT_FOUND);
}

int main(void) {
  test_shipped_table();
  test_csv_variants();
  test_fits_table();
  test_bad_input();
  return dm_test_result();
}
