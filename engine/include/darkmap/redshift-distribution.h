/* Source redshift distributions n(z) and their lensing efficiency.
 *
 * n(z) is a table of rows (z_i, n_i), read as piecewise linear between
 * rows and zero outside them, normalised to ∫ n dz = 1 (trapezoid).  The
 * lensing efficiency of a comoving distance chi is
 *   g(chi) = ∫_{chi' > chi} n(chi') (chi' − chi) / chi' dchi'
 *          = ∫_{z(chi)} n(z) (1 − chi / chi(z)) dz,
 * 1 at chi = 0 and 0 beyond the last source (the weight of a lens at chi in
 * the Born convergence of darkmap/light-cone.h and the Limber C_ell of
 * darkmap/limber.h).  Units: chi in Mpc (darkmap/cosmology.h). */
#ifndef DARKMAP_REDSHIFT_DISTRIBUTION_H
#define DARKMAP_REDSHIFT_DISTRIBUTION_H

#include <stdbool.h>

#include "darkmap/cosmology.h"
#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int n;            /* rows, >= 2 */
  double *z;        /* n, strictly increasing, >= 0 */
  double *density;  /* n, >= 0, normalised: trapezoid of density over z = 1 */
} DmRedshiftDistribution;

/* From arrays of count rows (copied): fails with DM_ERROR_INVALID_ARGUMENT
 * for fewer than 2 rows, a negative, non-finite or non-increasing z, a
 * negative or non-finite n, or an n(z) without any positive value. */
DmRedshiftDistribution *dm_redshift_distribution_new(const double *z, const double *n, int count,
                                                     DmError **error);

/* From a CSV table with a header line (darkmap/csv.h) whose columns named
 * "z" and "n_of_z" (else the first two) hold the rows, as
 * data/cosmos/cosmos_nz.csv.  A bad table fails with DM_ERROR_FORMAT (or
 * DM_ERROR_NO_DATA) naming the file, and the row (1 = first after the
 * header) and its text where one is at fault. */
DmRedshiftDistribution *dm_redshift_distribution_read_csv(const char *path, DmError **error);

void dm_redshift_distribution_free(DmRedshiftDistribution *distribution);

/* The largest z with a source: the row after the last positive n (or the
 * last row). */
double dm_redshift_distribution_z_max(const DmRedshiftDistribution *distribution);

/* g(chi) tabulated on the distribution's rows for one cosmology. */
typedef struct DmLensingEfficiency DmLensingEfficiency;

DmLensingEfficiency *dm_lensing_efficiency_new(const DmRedshiftDistribution *distribution,
                                               const DmCosmology *cosmology, DmError **error);
void dm_lensing_efficiency_free(DmLensingEfficiency *efficiency);

/* g(chi), chi in Mpc: ∫ n(z) max(0, 1 − chi / chi(z)) dz by the trapezoid
 * on the rows (exact for n(z) linear and 1 − chi / chi(z) linear between
 * rows; the error is of order the rows' spacing squared). */
double dm_lensing_efficiency_at(const DmLensingEfficiency *efficiency, double chi);

/* The sources beyond chi (Mpc): their share P = ∫ n(z) dz and Q = ∫ n(z) /
 * chi(z) dz [1/Mpc], both over chi(z) > chi, by the same trapezoids as g,
 * so that g(chi) = P − chi Q (a row at z = 0 adds nothing to Q).  The
 * lensing of sources between two distances (multi-plane ray tracing,
 * darkmap/ray-trace.h) needs both. */
void dm_lensing_efficiency_tail(const DmLensingEfficiency *efficiency, double chi, double *p,
                                double *q);

/* The comoving distance of the last source, chi(z_max) [Mpc]: g is 0 beyond. */
double dm_lensing_efficiency_chi_max(const DmLensingEfficiency *efficiency);

#ifdef __cplusplus
}
#endif

#endif
