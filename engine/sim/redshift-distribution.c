/* n(z) tables and the lensing efficiency g(chi) (darkmap/redshift-distribution.h). */
#include "darkmap/redshift-distribution.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/csv.h"

struct DmLensingEfficiency {
  int n;
  double *z;        /* n, the distribution's rows */
  double *density;  /* n, normalised n(z) */
  double *chi;      /* n, chi(z_i) [Mpc] */
  double chi_max;
};

/* Checks row r (from 0) of the arrays; for messages, row r + 1. */
static bool check_row(const double *z, const double *n, int r, DmError **error) {
  if (!isfinite(z[r]) || z[r] < 0.0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "row %d: z = %g is not a finite redshift >= 0.", r + 1, z[r]);
  if (r > 0 && !(z[r] > z[r - 1]))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "row %d: z = %g does not increase (previous row: %g).", r + 1, z[r],
                        z[r - 1]);
  if (!isfinite(n[r]) || n[r] < 0.0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "row %d: n(z) = %g is not a finite number >= 0.", r + 1, n[r]);
  return true;
}

DmRedshiftDistribution *dm_redshift_distribution_new(const double *z, const double *n, int count,
                                                     DmError **error) {
  if (count < 2) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A redshift distribution needs at least two rows, found %d.", count);
    return NULL;
  }
  double total = 0.0;
  for (int r = 0; r < count; r++) {
    if (!check_row(z, n, r, error)) return NULL;
    if (r > 0) total += 0.5 * (n[r] + n[r - 1]) * (z[r] - z[r - 1]);
  }
  if (!(total > 0.0) || !isfinite(total)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The redshift distribution holds no sources: n(z) is 0 on every row.");
    return NULL;
  }
  DmRedshiftDistribution *d = calloc(1, sizeof *d);
  if (d) {
    d->n = count;
    d->z = malloc((size_t)count * sizeof *d->z);
    d->density = malloc((size_t)count * sizeof *d->density);
  }
  if (!d || !d->z || !d->density) {
    dm_redshift_distribution_free(d);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a redshift distribution.");
    return NULL;
  }
  for (int r = 0; r < count; r++) {
    d->z[r] = z[r];
    d->density[r] = n[r] / total;
  }
  return d;
}

DmRedshiftDistribution *dm_redshift_distribution_read_csv(const char *path, DmError **error) {
  DmCsvTable *table = dm_csv_read(path, error);
  if (!table) return NULL;
  int z_col = dm_csv_find_column(table, "z"), n_col = dm_csv_find_column(table, "n_of_z");
  if (z_col < 0) z_col = 0;
  if (n_col < 0) n_col = z_col == 0 ? 1 : 0;
  DmRedshiftDistribution *d = NULL;
  bool ok = table->n_columns >= 2 && n_col != z_col;
  if (!ok)
    dm_error_set(error, DM_ERROR_FORMAT, 0,
                 "%s: a redshift distribution needs two columns, z and n_of_z; the table has %d.",
                 path, table->n_columns);
  for (int r = 0; ok && r < table->n_rows; r++)
    for (int col = 0; ok && col < 2; col++) {
      int c = col == 0 ? z_col : n_col;
      if (isnan(table->values[c][r]))
        ok = dm_error_set(error, DM_ERROR_FORMAT, 0, "%s: row %d: %s = '%s' is not a number.",
                          path, r + 1, table->names[c], table->text[c][r]);
    }
  if (ok) {
    DmError *local = NULL;
    d = dm_redshift_distribution_new(table->values[z_col], table->values[n_col], table->n_rows,
                                     &local);
    if (!d) {
      if (local->code == DM_ERROR_INVALID_ARGUMENT) local->code = DM_ERROR_FORMAT;
      dm_error_propagate(error, local);
      dm_error_prefix(error, "%s", path);
    }
  }
  dm_csv_free(table);
  return d;
}

void dm_redshift_distribution_free(DmRedshiftDistribution *distribution) {
  if (!distribution) return;
  free(distribution->z);
  free(distribution->density);
  free(distribution);
}

double dm_redshift_distribution_z_max(const DmRedshiftDistribution *distribution) {
  int last = distribution->n - 1;
  while (last > 0 && distribution->density[last - 1] == 0.0 && distribution->density[last] == 0.0)
    last--;
  return distribution->z[last];
}

DmLensingEfficiency *dm_lensing_efficiency_new(const DmRedshiftDistribution *distribution,
                                               const DmCosmology *cosmology, DmError **error) {
  if (!dm_cosmology_check(cosmology, error)) return NULL;
  int n = distribution->n;
  DmLensingEfficiency *e = calloc(1, sizeof *e);
  if (e) {
    e->n = n;
    e->z = malloc((size_t)n * sizeof *e->z);
    e->density = malloc((size_t)n * sizeof *e->density);
    e->chi = malloc((size_t)n * sizeof *e->chi);
  }
  if (!e || !e->z || !e->density || !e->chi) {
    dm_lensing_efficiency_free(e);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a lensing efficiency table.");
    return NULL;
  }
  memcpy(e->z, distribution->z, (size_t)n * sizeof *e->z);
  memcpy(e->density, distribution->density, (size_t)n * sizeof *e->density);
  for (int r = 0; r < n; r++)
    e->chi[r] = r > 0 ? e->chi[r - 1] + dm_comoving_distance_between(cosmology, e->z[r - 1],
                                                                      e->z[r])
                      : dm_comoving_distance(cosmology, e->z[0]);
  e->chi_max = dm_comoving_distance(cosmology, dm_redshift_distribution_z_max(distribution));
  return e;
}

void dm_lensing_efficiency_free(DmLensingEfficiency *efficiency) {
  if (!efficiency) return;
  free(efficiency->z);
  free(efficiency->density);
  free(efficiency->chi);
  free(efficiency);
}

double dm_lensing_efficiency_chi_max(const DmLensingEfficiency *efficiency) {
  return efficiency->chi_max;
}

double dm_lensing_efficiency_at(const DmLensingEfficiency *e, double chi) {
  if (chi <= 0.0) chi = 0.0;
  double sum = 0.0;
  for (int r = 1; r < e->n; r++) {
    if (e->chi[r] <= chi) continue;
    double f1 = e->density[r] * (1.0 - chi / e->chi[r]);
    if (e->chi[r - 1] >= chi) {
      double f0 = e->chi[r - 1] > 0.0 ? e->density[r - 1] * (1.0 - chi / e->chi[r - 1])
                                      : e->density[r - 1];
      sum += 0.5 * (f0 + f1) * (e->z[r] - e->z[r - 1]);
    } else {
      /* the segment holding chi: from where chi(z) = chi (linear in z), where the integrand is 0 */
      double t = (chi - e->chi[r - 1]) / (e->chi[r] - e->chi[r - 1]);
      sum += 0.5 * f1 * (1.0 - t) * (e->z[r] - e->z[r - 1]);
    }
  }
  return sum;
}

void dm_lensing_efficiency_tail(const DmLensingEfficiency *e, double chi, double *p, double *q) {
  if (chi <= 0.0) chi = 0.0;
  *p = 0.0;
  *q = 0.0;
  for (int r = 1; r < e->n; r++) {
    if (e->chi[r] <= chi) continue;
    double dz = e->z[r] - e->z[r - 1];
    double n1 = e->density[r], q1 = n1 / e->chi[r];
    double n0 = e->density[r - 1], q0 = e->chi[r - 1] > 0.0 ? n0 / e->chi[r - 1] : 0.0;
    double from = 0.0; /* where in the segment chi(z) passes chi (linear in z) */
    if (e->chi[r - 1] < chi) {
      from = (chi - e->chi[r - 1]) / (e->chi[r] - e->chi[r - 1]);
      n0 += from * (n1 - n0);
      q0 = n0 / chi;
    }
    *p += 0.5 * (n0 + n1) * (1.0 - from) * dz;
    *q += 0.5 * (q0 + q1) * (1.0 - from) * dz;
  }
}
