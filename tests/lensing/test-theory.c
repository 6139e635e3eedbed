/* Theory spectra: the kTNG table, log-log interpolation, rejected tables. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "darkmap/theory.h"
#include "test-util.h"

static void test_ktng(void) {
  DmError *error = NULL;
  DmTheorySpectrum *t = dm_theory_read_csv(dm_test_app_data_path("theory/ktng_cl_theory.csv"),
                                           NULL, &error);
  CHECK_OK(t != NULL, error);
  if (!t) return;
  CHECK(t->n == 50);
  CHECK(strcmp(t->column, "cl_kappa_per_sr") == 0);
  CHECK_CLOSE(t->ell[0], 10.0, 1e-9);
  CHECK_CLOSE(t->ell[49], 1e5, 1e-4);
  CHECK_CLOSE(t->cl[0], 4.27714255e-08, 1e-17);

  /* exact at the table's points, the last one included */
  int exact = 1;
  for (int i = 0; i < t->n; i++) exact &= dm_theory_eval(t, t->ell[i]) == t->cl[i];
  CHECK(exact);

  /* log-log midpoint: the geometric mean of the neighbours */
  for (int i = 0; i + 1 < t->n; i += 7) {
    double ell = sqrt(t->ell[i] * t->ell[i + 1]);
    double expected = sqrt(t->cl[i] * t->cl[i + 1]);
    CHECK_CLOSE(dm_theory_eval(t, ell) / expected, 1.0, 1e-12);
  }

  /* beyond the ends: the power law of the end segments */
  double slope_hi = log(t->cl[49] / t->cl[48]) / log(t->ell[49] / t->ell[48]);
  CHECK_CLOSE(dm_theory_eval(t, 2e5) / (t->cl[49] * pow(2e5 / t->ell[49], slope_hi)), 1.0, 1e-9);
  double slope_lo = log(t->cl[1] / t->cl[0]) / log(t->ell[1] / t->ell[0]);
  CHECK_CLOSE(dm_theory_eval(t, 5.0) / (t->cl[0] * pow(0.5, slope_lo)), 1.0, 1e-9);
  CHECK(dm_theory_eval(t, 0.0) == 0.0);

  /* the column can be chosen by name (case-insensitive) */
  DmTheorySpectrum *named = dm_theory_read_csv(
      dm_test_app_data_path("theory/ktng_cl_theory.csv"), "CL_KAPPA_PER_SR", &error);
  CHECK_OK(named != NULL, error);
  if (named) CHECK(named->n == 50 && named->cl[10] == t->cl[10]);
  dm_theory_free(named);
  dm_theory_free(t);
}

/* Writes text to a scratch file and reads it as a theory table, expecting a
 * failure with the given code whose message names the file and contains
 * detail. */
static void expect_rejected(const char *text, const char *column, DmErrorCode code,
                            const char *detail) {
  char path[4096];
  const char *scratch = dm_test_write_scratch("theory.csv", text);
  if (!scratch) return;
  snprintf(path, sizeof path, "%s", scratch);
  DmError *error = NULL;
  DmTheorySpectrum *t = dm_theory_read_csv(path, column, &error);
  CHECK(t == NULL);
  dm_theory_free(t);
  CHECK(error && error->code == code);
  if (error) {
    printf("rejected: %s\n", error->message);
    CHECK(strstr(error->message, path) != NULL);
    CHECK(strstr(error->message, detail) != NULL);
  }
  dm_error_clear(&error);
  unlink(path);
}

static void test_rejected(void) {
  expect_rejected("ell,cl\n10,1e-8\n20,2e-9\n15,1e-9\n", NULL, DM_ERROR_FORMAT, "row 3");
  expect_rejected("ell,cl\n10,1e-8\n10,2e-9\n", NULL, DM_ERROR_FORMAT, "row 2");
  expect_rejected("ell,cl\n10,1e-8\n20,-2e-9\n", NULL, DM_ERROR_FORMAT, "row 2");
  expect_rejected("ell,cl\n10,1e-8\n20,nan\n", NULL, DM_ERROR_FORMAT, "row 2");
  expect_rejected("ell,cl\n0,1e-8\n20,1e-9\n", NULL, DM_ERROR_FORMAT, "row 1");
  expect_rejected("ell,cl\n10,1e-8\nabc,1e-9\n", NULL, DM_ERROR_FORMAT, "abc");
  expect_rejected("ell\n10\n20\n", NULL, DM_ERROR_NOT_FOUND, "C_ell column");
  expect_rejected("ell,cl\n10,1e-8\n20,1e-9\n", "cl_missing", DM_ERROR_NOT_FOUND, "cl_missing");
  expect_rejected("ell,cl\n10,1e-8\n", NULL, DM_ERROR_NO_DATA, "two rows");

  DmError *error = NULL;
  CHECK_FAILS(dm_theory_read_csv("/nonexistent/theory.csv", NULL, &error) != NULL, error,
              DM_ERROR_NOT_FOUND);
}

/* Zeros in the table: exact zeros at their points, linear next to them. */
static void test_zeros(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("zeros.csv"));
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs("# a comment line\nell,other,cl\n10,1,0\n20,1,4\n40,1,1\n", f);
  fclose(f);
  DmError *error = NULL;
  DmTheorySpectrum *t = dm_theory_read_csv(path, "cl", &error);
  CHECK_OK(t != NULL, error);
  unlink(path);
  if (!t) return;
  CHECK(dm_theory_eval(t, 10.0) == 0.0);
  CHECK_CLOSE(dm_theory_eval(t, 15.0), 2.0, 1e-12);
  CHECK(dm_theory_eval(t, 5.0) == 0.0);
  CHECK_CLOSE(dm_theory_eval(t, 80.0), 0.25, 1e-12); /* power law ell^-2 */
  dm_theory_free(t);
}

int main(void) {
  test_ktng();
  test_rejected();
  test_zeros();
  return dm_test_result();
}
