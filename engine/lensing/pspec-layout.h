/* Which ell bin each Fourier mode of a power spectrum falls in (engine-internal).
 *
 * On a row of the real-to-complex half plane (columns 0 .. nx/2, cycles per
 * pixel k1 = x / nx), ell grows with the column, so the modes inside the bins
 * form runs of consecutive columns, one run per bin met.  A layout lists
 * those runs for every row of one grid (nx, ny, pixel size) and one set of
 * bin edges, with each bin's mode count and summed ell (full-plane
 * multiplicities: columns 0 and, for even nx, nx/2 count once, the others
 * twice; the k = 0 mean left out).  The spectrum of any map of that grid is
 * then a sum of |F|² over each run.
 *
 * Making a layout evaluates every mode's ell once; the last few layouts are
 * kept for the life of the process, so that spectra of maps on the same grid
 * and bins (a posterior's samples, a window redrawn) skip that. */
#ifndef DARKMAP_LENSING_PSPEC_LAYOUT_H
#define DARKMAP_LENSING_PSPEC_LAYOUT_H

#include <stdint.h>

#include "darkmap/error.h"

typedef struct {
  int nx, ny, n_bins;
  double pixel_rad;
  double *edges;         /* n_bins + 1 ell bin edges */
  long *n_modes;         /* n_bins: modes in each bin */
  double *sum_ell;       /* n_bins: sum of the modes' ell */
  int32_t *row_runs;     /* ny + 1: row y's runs are row_runs[y] .. row_runs[y + 1] − 1 */
  int32_t *row_first;    /* ny: first column of row y's first run */
  int32_t *run_bin;      /* per run: its bin */
  int32_t *run_end;      /* per run: one past its last column (the next run starts there) */
} DmSpectrumLayout;

/* ell = 2 pi |k| / pixel size (radians) of the mode (k1, k2) in cycles per
 * pixel. */
double dm_spectrum_mode_ell(double k1, double k2, double pixel_rad);

/* The layout of an ny × nx grid of pixel_rad pixels for the n_bins bins
 * between edges (increasing; a mode on an edge belongs to the upper bin, the
 * last bin is closed), from the cache or made now; NULL when out of memory.
 * Hand it back with dm_spectrum_layout_release. */
const DmSpectrumLayout *dm_spectrum_layout_acquire(int nx, int ny, double pixel_rad,
                                                   const double *edges, int n_bins,
                                                   DmError **error);
void dm_spectrum_layout_release(const DmSpectrumLayout *layout);

#endif
