/* Theory C_ell tables: reading, validation and log-log interpolation
 * (darkmap/theory.h). */
#include "darkmap/theory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/csv.h"

static char *copy_string(const char *text) {
  size_t len = strlen(text) + 1;
  char *copy = malloc(len);
  if (copy) memcpy(copy, text, len);
  return copy;
}

/* Checks the two columns row by row; rows are numbered from 1 (the first row
 * after the header line). */
static bool validate(const char *path, const DmCsvTable *table, int ell_col, int cl_col,
                     DmError **error) {
  const double *ell = table->values[ell_col], *cl = table->values[cl_col];
  const char *ell_name = table->names[ell_col], *cl_name = table->names[cl_col];
  for (int r = 0; r < table->n_rows; r++) {
    if (!isfinite(ell[r]) || ell[r] <= 0.0)
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "%s: row %d: %s = '%s' is not a positive number.", path, r + 1,
                          ell_name, table->text[ell_col][r]);
    if (r > 0 && !(ell[r] > ell[r - 1]))
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "%s: row %d: %s = %g does not increase (previous row: %g); the "
                          "table must be sorted by strictly increasing %s.",
                          path, r + 1, ell_name, ell[r], ell[r - 1], ell_name);
    if (!isfinite(cl[r]) || cl[r] < 0.0)
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "%s: row %d: %s = '%s' is not a finite non-negative number.", path,
                          r + 1, cl_name, table->text[cl_col][r]);
  }
  if (table->n_rows < 2)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "%s: a theory spectrum needs at least two rows to interpolate, found %d.",
                        path, table->n_rows);
  return true;
}

DmTheorySpectrum *dm_theory_read_csv(const char *path, const char *column, DmError **error) {
  DmCsvTable *table = dm_csv_read(path, error);
  if (!table) return NULL;

  int ell_col = dm_csv_find_column(table, "ell");
  if (ell_col < 0) ell_col = 0;
  int cl_col;
  if (column) {
    cl_col = dm_csv_find_column(table, column);
    if (cl_col < 0) {
      dm_error_set(error, DM_ERROR_NOT_FOUND, 0, "%s: no column named '%s' in the table.", path,
                   column);
      dm_csv_free(table);
      return NULL;
    }
  } else {
    cl_col = ell_col + 1;
    if (cl_col >= table->n_columns) {
      dm_error_set(error, DM_ERROR_NOT_FOUND, 0,
                   "%s: no C_ell column after the '%s' column (the table has %d column%s).",
                   path, table->names[ell_col], table->n_columns,
                   table->n_columns == 1 ? "" : "s");
      dm_csv_free(table);
      return NULL;
    }
  }
  if (cl_col == ell_col) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "%s: the C_ell column '%s' is the ell column.", path, table->names[cl_col]);
    dm_csv_free(table);
    return NULL;
  }
  if (!validate(path, table, ell_col, cl_col, error)) {
    dm_csv_free(table);
    return NULL;
  }

  int n = table->n_rows;
  DmTheorySpectrum *theory = calloc(1, sizeof *theory);
  if (theory) {
    theory->n = n;
    theory->ell = malloc((size_t)n * sizeof *theory->ell);
    theory->cl = malloc((size_t)n * sizeof *theory->cl);
    theory->column = copy_string(table->names[cl_col]);
  }
  if (!theory || !theory->ell || !theory->cl || !theory->column) {
    dm_theory_free(theory);
    dm_csv_free(table);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading the theory table %s.", path);
    return NULL;
  }
  memcpy(theory->ell, table->values[ell_col], (size_t)n * sizeof *theory->ell);
  memcpy(theory->cl, table->values[cl_col], (size_t)n * sizeof *theory->cl);
  dm_csv_free(table);
  return theory;
}

void dm_theory_free(DmTheorySpectrum *theory) {
  if (!theory) return;
  free(theory->ell);
  free(theory->cl);
  free(theory->column);
  free(theory);
}

/* Interpolation on segment i (between rows i and i + 1), extended beyond the
 * segment for the table's ends: a power law between two positive values.  A
 * segment touching a zero is linear in ell inside the table; outside the table
 * such an end segment continues as the constant end value (a power law
 * through zero has no finite slope). */
double dm_theory_eval(const DmTheorySpectrum *theory, double ell) {
  int n = theory->n;
  const double *x = theory->ell, *c = theory->cl;
  if (!(ell > 0.0)) return 0.0;
  if (ell == x[n - 1]) return c[n - 1];

  int i;
  if (ell < x[0]) {
    i = 0;
  } else if (ell > x[n - 1]) {
    i = n - 2;
  } else {
    /* x[lo] <= ell < x[hi] */
    int lo = 0, hi = n - 1;
    while (hi - lo > 1) {
      int mid = lo + (hi - lo) / 2;
      if (x[mid] <= ell)
        lo = mid;
      else
        hi = mid;
    }
    i = lo;
  }

  double x0 = x[i], x1 = x[i + 1], c0 = c[i], c1 = c[i + 1];
  if (c0 > 0.0 && c1 > 0.0) return c0 * pow(c1 / c0, log(ell / x0) / log(x1 / x0));
  if (ell < x[0]) return c0;
  if (ell > x[n - 1]) return c1;
  return c0 + (c1 - c0) * (ell - x0) / (x1 - x0);
}
