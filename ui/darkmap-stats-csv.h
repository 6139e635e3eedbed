/* The Statistics page as a CSV table, in the long layout of `darkmap-cli
 * stats` (app/cli-stats.c): a header of '#' comments, then
 *   set,plane,statistic,threshold,value
 * one row per statistic and threshold (threshold empty for a number of the
 * whole map).  Sets:
 *  - map, plane 0: the map shown, with the CLI's statistics (pdf, peaks,
 *    peaks_per_deg2, minima, v0, v1, v2), minima_per_deg2, and its numbers
 *    (mean, sigma0, sigma1, sigma2, n_peaks, n_minima, n_inside, area_deg2,
 *    interior_area_deg2);
 *  - gaussian, plane "expected": a Gaussian field of the map's sigmas in the
 *    units drawn (pdf, peaks_per_deg2, minima_per_deg2, v0, v1, v2;
 *    darkmap_stats_gaussian);
 *  - samples, planes "p16" and "p84": the posterior band, the same
 *    statistics, and n_samples;
 *  - mean, plane 0: the posterior mean map, as map;
 *  - emulator, planes "p16" and "p84": the emulated maps' band, the same
 *    statistics, and n_maps.
 * Numbers are written in the C locale, with the digits that read back to the
 * same double (g_ascii_dtostr). */
#pragma once

#include <glib.h>

#include <darkmap/map-statistics.h>

#include "darkmap-stats-band.h"

G_BEGIN_DECLS

/* Writes the table to path atomically: stats (required) labelled label,
 * band (NULL: none) labelled band_label and emulator (NULL: none) labelled
 * emulator_label.  FALSE with error set when the file cannot be written
 * (nothing is left at path then). */
gboolean darkmap_stats_csv_write (const char *path, const DmMapStats *stats, const char *label,
                                  const DarkmapStatsBand *band, const char *band_label,
                                  const DarkmapStatsBand *emulator, const char *emulator_label,
                                  DmError **error);

G_END_DECLS
