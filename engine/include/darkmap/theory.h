/* Theory convergence power spectra from CSV tables (ell, C_ell per sr). */
#ifndef DARKMAP_THEORY_H
#define DARKMAP_THEORY_H

#include <stdbool.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DmTheorySpectrum {
  int n;
  double *ell;   /* strictly increasing, > 0 */
  double *cl;    /* >= 0, per sr */
  char *column;  /* the C_ell column used */
} DmTheorySpectrum;

/* Reads a CSV table with a header line.  The ell column is the one named
 * "ell" (else the first); column selects the C_ell column by name (NULL: the
 * first column after ell, e.g. "cl_kappa_per_sr").  Rejects non-increasing
 * ell, negative or non-finite values, and tables of fewer than two rows, with
 * the file and the row (1 = first after the header) in the message. */
DmTheorySpectrum *dm_theory_read_csv(const char *path, const char *column, DmError **error);
void dm_theory_free(DmTheorySpectrum *theory);

/* C_ell at any ell >= 0: linear interpolation in log ell - log C_ell inside
 * the table (exact at its rows); outside it, the power law of the nearest end
 * segment; 0 at ell = 0 and where the table holds zeros.  A segment with a
 * zero end is interpolated linearly in ell, and continued beyond the table as
 * its end value. */
double dm_theory_eval(const DmTheorySpectrum *theory, double ell);

#ifdef __cplusplus
}
#endif

#endif
