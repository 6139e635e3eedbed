/* The Statistics page's measurements and the percentile band of a set of
 * maps. */
#include "darkmap-stats-band.h"

#include <math.h>
#include <stdlib.h>

#include "darkmap-spectrum-band.h"

void
darkmap_stats_options_init (DmMapStatsOptions *options)
{
  dm_map_stats_options_init (options);
  options->scale = DM_STATS_NU;
}

DmMapStats *
darkmap_stats_measure (const DmMap *map, int plane, const DmMap *mask, double pixel_arcmin,
                       DmError **error)
{
  DmMapStatsOptions options;

  g_return_val_if_fail (map != NULL && plane >= 0 && plane < map->nplanes, NULL);
  if (mask != NULL && (mask->nx != map->nx || mask->ny != map->ny))
    {
      dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                    "The mask (%d × %d) does not match the map (%d × %d)", mask->nx, mask->ny,
                    map->nx, map->ny);
      return NULL;
    }
  darkmap_stats_options_init (&options);
  return dm_map_stats (dm_map_plane (map, plane), mask != NULL ? dm_map_plane (mask, 0) : NULL,
                       NULL, map->nx, map->ny, pixel_arcmin, &options, error);
}

double
darkmap_stats_value (const DmMapStats *stats, DmStatKind kind, int i)
{
  double value = dm_map_stats_values (stats, kind)[i];

  if (kind == DM_STAT_PEAKS || kind == DM_STAT_MINIMA)
    return value / stats->interior_area_deg2;
  return value;
}

/* Simpson's rule for the peak density over the bin centred on nu. */
#define PEAK_BIN_INTERVALS 8

double
darkmap_stats_gaussian (const DmMapStats *stats, DmStatKind kind, double nu)
{
  double v[3], sum = 0.0, h = stats->bin_width / PEAK_BIN_INTERVALS;
  double sign = kind == DM_STAT_MINIMA ? -1.0 : 1.0;

  switch (kind)
    {
    case DM_STAT_PDF:
      return exp (-0.5 * nu * nu) / sqrt (2.0 * G_PI);
    case DM_STAT_PEAKS:
    case DM_STAT_MINIMA:
      for (int j = 0; j <= PEAK_BIN_INTERVALS; j++)
        {
          double weight = j == 0 || j == PEAK_BIN_INTERVALS ? 1.0 : j % 2 == 1 ? 4.0 : 2.0;
          double x = nu - 0.5 * stats->bin_width + j * h;

          sum += weight * dm_gaussian_peak_density (sign * x, stats->sigma0, stats->sigma1,
                                                    stats->sigma2);
        }
      return sum * h / 3.0;
    case DM_STAT_V0:
    case DM_STAT_V1:
    case DM_STAT_V2:
      dm_gaussian_minkowski (nu, stats->sigma0, stats->sigma1, v);
      return v[kind - DM_STAT_V0];
    default:
      return NAN;
    }
}

void
darkmap_stats_band_free (DarkmapStatsBand *band)
{
  if (band == NULL)
    return;
  g_free (band->threshold);
  for (int kind = 0; kind < DM_STAT_COUNT; kind++)
    {
      g_free (band->lo[kind]);
      g_free (band->hi[kind]);
    }
  dm_map_stats_free (band->mean);
  g_free (band);
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

DarkmapStatsBand *
darkmap_stats_band_compute (const DmMap *maps, const DmMap *mean, const DmMap *mask,
                            double pixel_arcmin, GCancellable *cancellable, DmError **error)
{
  g_autoptr (DarkmapStatsBand) band = NULL;
  /* values[(kind * n + i) * K + k]: value i of kind of map k */
  g_autofree double *values = NULL;
  int k_maps, n = 0;

  g_return_val_if_fail (maps != NULL && maps->nplanes >= 1, NULL);
  k_maps = maps->nplanes;
  if (mean != NULL && (mean->nx != maps->nx || mean->ny != maps->ny))
    {
      dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                    "The mean map (%d × %d) does not match the maps (%d × %d)", mean->nx,
                    mean->ny, maps->nx, maps->ny);
      return NULL;
    }
  band = g_new0 (DarkmapStatsBand, 1);
  band->n_maps = k_maps;
  for (int k = 0; k < k_maps; k++)
    {
      DmMapStats *s;

      if (g_cancellable_is_cancelled (cancellable))
        {
          dm_error_set (error, DM_ERROR_CANCELLED, 0, "The statistics were cancelled");
          return NULL;
        }
      if ((s = darkmap_stats_measure (maps, k, mask, pixel_arcmin, error)) == NULL)
        {
          dm_error_prefix (error, "Map %d of %d", k + 1, k_maps);
          return NULL;
        }
      if (k == 0)
        {
          n = band->n = s->n;
          band->threshold = g_memdup2 (s->threshold, (gsize) n * sizeof (double));
          values = g_new (double, (gsize) DM_STAT_COUNT * (gsize) n * (gsize) k_maps);
        }
      for (int kind = 0; kind < DM_STAT_COUNT; kind++)
        for (int i = 0; i < n; i++)
          values[((gsize) kind * (gsize) n + (gsize) i) * (gsize) k_maps + (gsize) k]
            = darkmap_stats_value (s, (DmStatKind) kind, i);
      dm_map_stats_free (s);
    }
  for (int kind = 0; kind < DM_STAT_COUNT; kind++)
    {
      band->lo[kind] = g_new (double, n);
      band->hi[kind] = g_new (double, n);
      for (int i = 0; i < n; i++)
        {
          double *v = values + ((gsize) kind * (gsize) n + (gsize) i) * (gsize) k_maps;

          qsort (v, (size_t) k_maps, sizeof *v, compare_doubles);
          band->lo[kind][i] = darkmap_spectrum_band_quantile (v, k_maps,
                                                              DARKMAP_SPECTRUM_BAND_LOW);
          band->hi[kind][i] = darkmap_spectrum_band_quantile (v, k_maps,
                                                              DARKMAP_SPECTRUM_BAND_HIGH);
        }
    }
  if (mean != NULL && (band->mean = darkmap_stats_measure (mean, 0, mask, pixel_arcmin, error))
                        == NULL)
    {
      dm_error_prefix (error, "The mean map");
      return NULL;
    }
  return g_steal_pointer (&band);
}
