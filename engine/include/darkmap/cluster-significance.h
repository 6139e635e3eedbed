/* Detection significance of catalogued clusters in posterior samples.
 *
 * For each cluster of a table (darkmap/cluster-table.h) and a cube of K
 * posterior samples of the convergence (a DmMap of K planes with a WCS):
 *  - peak fraction: the fraction of the K samples that hold a peak above the
 *    threshold within the aperture, a peak being a pixel strictly above its
 *    (up to 8) neighbours inside the map, "above" meaning
 *    kappa > threshold (DM_PEAK_THRESHOLD_KAPPA) or
 *    kappa > threshold × std (DM_PEAK_THRESHOLD_STD, std the per-pixel
 *    standard deviation of the K samples, ddof 1; a pixel of std 0 never
 *    qualifies), and "within" meaning that the pixel's centre lies at most
 *    aperture_arcmin from the cluster (distance on the pixel grid, pixel side
 *    from the WCS: the flat-sky approximation of a small field);
 *  - kappa mean and std (ddof 1) over the samples at the cluster's nearest
 *    pixel, and their ratio (NaN where the std is 0).
 * A cluster whose position falls outside the map (beyond its outer pixel
 * edges) is reported with inside = false and NaN pixel coordinates and
 * statistics: it is not an error. */
#ifndef DARKMAP_CLUSTER_SIGNIFICANCE_H
#define DARKMAP_CLUSTER_SIGNIFICANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/cluster-table.h"
#include "darkmap/error.h"
#include "darkmap/map.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  DM_PEAK_THRESHOLD_STD,    /* threshold in units of the per-pixel posterior std */
  DM_PEAK_THRESHOLD_KAPPA,  /* threshold in units of kappa */
} DmPeakThresholdUnit;

typedef struct {
  double aperture_arcmin;    /* > 0; default 2 */
  double threshold;          /* finite; default 3 */
  DmPeakThresholdUnit unit;  /* default DM_PEAK_THRESHOLD_STD */
} DmClusterSignificanceOptions;

void dm_cluster_significance_options_init(DmClusterSignificanceOptions *options);

/* n rows, one per cluster in the table's order; every array owned, n long. */
typedef struct {
  size_t n;
  int n_samples;                         /* K */
  DmClusterSignificanceOptions options;  /* as used */
  char **label;                          /* copies of the table's labels */
  double *ra, *dec;                      /* degrees */
  bool *inside;                          /* the position falls on the map */
  double *x, *y;                         /* zero-based pixel position; NaN outside */
  double *peak_fraction;                 /* in [0, 1]; NaN outside */
  double *kappa_mean, *kappa_std;        /* at the nearest pixel; NaN outside */
  double *snr;                           /* kappa_mean / kappa_std; NaN outside or std 0 */
} DmClusterSignificance;

/* samples: nx × ny × K with K >= 2 and a WCS; table: the clusters.  Fails
 * with DM_ERROR_INVALID_ARGUMENT (NULL arguments, fewer than 2 samples, a
 * non-finite sample, no WCS, aperture not positive or threshold not finite,
 * an unknown unit), DM_ERROR_NO_MEMORY. */
DmClusterSignificance *dm_cluster_significance_compute(const DmMap *samples,
                                                       const DmClusterTable *table,
                                                       const DmClusterSignificanceOptions *options,
                                                       DmError **error);
void dm_cluster_significance_free(DmClusterSignificance *significance);

/* Writes the rows, atomically: CSV (header line label,ra,dec,inside,x,y,
 * peak_fraction,kappa_mean,kappa_std,snr; "nan" for NaN) or a FITS binary
 * table (extension CLUSTSIG, columns LABEL, RA, DEC, INSIDE (logical), X, Y,
 * PEAKFRAC, KAPMEAN, KAPSTD, SNR; keywords APERTURE (arcmin), THRESH,
 * THRUNIT ('STD' or 'KAPPA'), NSAMPLES).  dm_cluster_significance_write
 * picks FITS for a path ending in .fits or .fit (any case), CSV otherwise. */
bool dm_cluster_significance_write_csv(const DmClusterSignificance *significance,
                                       const char *path, DmError **error);
bool dm_cluster_significance_write_fits(const DmClusterSignificance *significance,
                                        const char *path, DmError **error);
bool dm_cluster_significance_write(const DmClusterSignificance *significance, const char *path,
                                   DmError **error);

#ifdef __cplusplus
}
#endif

#endif
