/* The statistics of the Statistics page (darkmap/map-statistics.h) in the
 * units it draws, and the band of a set of maps on them: per threshold, the
 * 16th and 84th percentiles of the statistics of every map of the set
 * (posterior samples) and the statistics of one further map (the posterior
 * mean).
 *
 * Every map is measured by dm_map_stats with darkmap_stats_options_init:
 * the nu scale, each map on its own nu = (kappa − mean) / sigma0, with the
 * engine's default thresholds (33 from −4 to 4).  The units drawn
 * (darkmap_stats_value): the PDF per unit nu, peaks and minima per deg² in
 * the bin (its count over the interior area), V0 a fraction, V1 per degree,
 * V2 per deg².
 *
 * Percentiles as in darkmap-spectrum-band.h (linear between order
 * statistics, NumPy's default), at DARKMAP_SPECTRUM_BAND_LOW and _HIGH.
 *
 * No GTK here: the band is computed on a worker thread (it only reads the
 * maps given) and handed to the view (darkmap_stats_view_set_band). */
#pragma once

#include <gio/gio.h>

#include <darkmap/map-statistics.h>
#include <darkmap/map.h>

G_BEGIN_DECLS

/* The page's options: the nu scale and the engine's default thresholds. */
void darkmap_stats_options_init (DmMapStatsOptions *options);

/* The statistics of plane plane of map inside mask (1 plane of the map's
 * size, > 0 observed; NULL: every pixel) with pixels pixel_arcmin on a
 * side, with the page's options.  NULL with error set when the sizes
 * differ or the engine cannot measure the map. */
DmMapStats *darkmap_stats_measure (const DmMap *map, int plane, const DmMap *mask,
                                   double pixel_arcmin, DmError **error);

/* Value i of kind of stats in the units drawn (see above). */
double darkmap_stats_value (const DmMapStats *stats, DmStatKind kind, int i);

/* The expectation for a Gaussian field of the sigmas of stats at nu, in the
 * units drawn: the normal density for the PDF, dm_gaussian_minkowski for
 * V0, V1, V2, and for peaks (minima) dm_gaussian_peak_density at nu (−nu)
 * integrated over the bin [nu − Δ/2, nu + Δ/2] (Simpson's rule on 8
 * intervals), the bin's expected count per deg².  NaN where the sigmas
 * admit no Gaussian field (see dm_gaussian_peak_density). */
double darkmap_stats_gaussian (const DmMapStats *stats, DmStatKind kind, double nu);

typedef struct
{
  int n;                          /* thresholds */
  int n_maps;                     /* K, the maps of the set */
  double *threshold;              /* n, in nu */
  double *lo[DM_STAT_COUNT];      /* n each: the percentiles of the K maps' values, */
  double *hi[DM_STAT_COUNT];      /* in the units drawn */
  DmMapStats *mean;               /* the further map's statistics (owned), or NULL */
} DarkmapStatsBand;

/* The band of the maps (K >= 1 planes) and the statistics of mean (1 plane
 * of their size; NULL: none), inside mask, pixels pixel_arcmin on a side.
 * Only reads its arguments.  Stops between maps when cancellable is
 * cancelled (DM_ERROR_CANCELLED).  NULL with error set when a size differs
 * or the engine cannot measure a map (the plane named). */
DarkmapStatsBand *darkmap_stats_band_compute (const DmMap *maps, const DmMap *mean,
                                              const DmMap *mask, double pixel_arcmin,
                                              GCancellable *cancellable, DmError **error);
void darkmap_stats_band_free (DarkmapStatsBand *band);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DarkmapStatsBand, darkmap_stats_band_free)

G_END_DECLS
