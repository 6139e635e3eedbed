/* CSV tables: the shipped theory spectrum, quoted fields, comments and blank
 * lines, numbers and text, and malformed files (ragged rows with their line
 * number, unterminated quotes, no rows, missing file). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/csv.h"
#include "test-util.h"

/* Writes text to the scratch file `name` and returns its path (static). */
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

static void test_theory_table(void) {
  DmError *error = NULL;
  DmCsvTable *table = dm_csv_read(dm_test_app_data_path("theory/ktng_cl_theory.csv"), &error);
  CHECK_OK(table, error);
  if (!table) return;
  CHECK(table->n_columns == 2);
  CHECK(table->n_rows == 50);
  CHECK(dm_csv_find_column(table, "ELL") == 0);
  CHECK(dm_csv_find_column(table, "cl_kappa_per_sr") == 1);
  CHECK(dm_csv_find_column(table, "missing") == -1);
  CHECK_CLOSE(table->values[0][0], 10.0, 1e-12);
  CHECK_CLOSE(table->values[0][49], 1e5, 1e-6);
  CHECK_CLOSE(table->values[1][0], 4.27714255e-08, 1e-20);
  CHECK(strcmp(table->text[0][0], "1.00000000e+01") == 0);
  for (int r = 0; r < table->n_rows; r++) CHECK(isfinite(table->values[1][r]));
  dm_csv_free(table);
}

static void test_quotes_and_comments(void) {
  DmError *error = NULL;
  const char *path = write_text("quoted.csv",
                                "\xEF\xBB\xBF# clusters, hand-made\n"
                                "\n"
                                " name , \"ra\",dec \r\n"
                                "\"Abell \"\"1689\"\"\", 197.87 ,-1.34\n"
                                "   # an indented comment\n"
                                "\"a, b\" , 10,  \n"
                                "plain,1e-3,\"2\"");
  DmCsvTable *table = dm_csv_read(path, &error);
  CHECK_OK(table, error);
  if (table) {
    CHECK(table->n_columns == 3 && table->n_rows == 3);
    CHECK(strcmp(table->names[0], "name") == 0);
    CHECK(strcmp(table->names[1], "ra") == 0);
    CHECK(strcmp(table->names[2], "dec") == 0);
    CHECK(strcmp(table->text[0][0], "Abell \"1689\"") == 0);
    CHECK(isnan(table->values[0][0]));
    CHECK(table->values[1][0] == 197.87 && table->values[2][0] == -1.34);
    CHECK(strcmp(table->text[0][1], "a, b") == 0);
    CHECK(table->values[1][1] == 10.0);
    CHECK(strcmp(table->text[2][1], "") == 0 && isnan(table->values[2][1]));
    CHECK(table->values[1][2] == 1e-3 && table->values[2][2] == 2.0);
    dm_csv_free(table);
  }
  remove(path);
}

static void test_malformed(void) {
  DmError *error = NULL;
  const char *path = write_text("ragged.csv", "a,b\n1,2\n# fine\n3\n");
  DmCsvTable *table = dm_csv_read(path, &error);
  CHECK(table == NULL);
  CHECK(error && error->code == DM_ERROR_FORMAT && strstr(error->message, "line 4"));
  if (error) printf("expected failure: %s\n", error->message);
  dm_error_clear(&error);
  remove(path);

  path = write_text("long-row.csv", "a,b\n1,2,3\n");
  CHECK_FAILS(dm_csv_read(path, &error), error, DM_ERROR_FORMAT);
  remove(path);

  path = write_text("unterminated.csv", "a,b\n\"1,2\n");
  CHECK_FAILS(dm_csv_read(path, &error), error, DM_ERROR_FORMAT);
  remove(path);

  path = write_text("after-quote.csv", "a,b\n\"1\"x,2\n");
  CHECK_FAILS(dm_csv_read(path, &error), error, DM_ERROR_FORMAT);
  remove(path);

  path = write_text("header-only.csv", "# nothing but a header\nell,cl\n\n");
  CHECK_FAILS(dm_csv_read(path, &error), error, DM_ERROR_NO_DATA);
  remove(path);

  path = write_text("empty.csv", "");
  CHECK_FAILS(dm_csv_read(path, &error), error, DM_ERROR_NO_DATA);
  remove(path);

  CHECK_FAILS(dm_csv_read(dm_test_tmp_path("missing.csv"), &error), error, DM_ERROR_NOT_FOUND);

  /* A binary file (a NUL byte) is not a table. */
  path = dm_test_tmp_path("binary.csv");
  FILE *file = fopen(path, "wb");
  fwrite("a,b\n1,\0002\n", 1, 10, file);
  fclose(file);
  CHECK_FAILS(dm_csv_read(path, &error), error, DM_ERROR_FORMAT);
  remove(path);
}

int main(void) {
  test_theory_table();
  test_quotes_and_comments();
  test_malformed();
  return dm_test_result();
}
