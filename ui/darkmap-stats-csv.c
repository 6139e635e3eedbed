/* The Statistics page's CSV table. */
#include "darkmap-stats-csv.h"

#include <stdio.h>

#include <darkmap/atomic-file.h>

/* The per-threshold statistics of a map (the CLI's, and minima per deg²)
 * and those of the Gaussian expectation and the band (the units drawn). */
typedef struct
{
  const char *name;
  DmStatKind kind;
  gboolean per_deg2; /* peaks or minima over the interior area */
} Column;

static const Column map_columns[] = {
  { "pdf", DM_STAT_PDF, FALSE },         { "peaks", DM_STAT_PEAKS, FALSE },
  { "peaks_per_deg2", DM_STAT_PEAKS, TRUE }, { "minima", DM_STAT_MINIMA, FALSE },
  { "minima_per_deg2", DM_STAT_MINIMA, TRUE }, { "v0", DM_STAT_V0, FALSE },
  { "v1", DM_STAT_V1, FALSE },           { "v2", DM_STAT_V2, FALSE },
};

/* The statistics in the units drawn, in DmStatKind order. */
static const char *const drawn_names[DM_STAT_COUNT] = {
  "pdf", "peaks_per_deg2", "minima_per_deg2", "v0", "v1", "v2",
};

static void
append_number (GString *out, double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_dtostr (buffer, sizeof buffer, value));
}

static void
append_row (GString *out, const char *set, const char *plane, const char *statistic,
            const double *threshold, double value)
{
  g_string_append_printf (out, "%s,%s,%s,", set, plane, statistic);
  if (threshold != NULL)
    append_number (out, *threshold);
  g_string_append_c (out, ',');
  append_number (out, value);
  g_string_append_c (out, '\n');
}

/* The rows of a map's statistics: per threshold, then its numbers. */
static void
append_map (GString *out, const char *set, const DmMapStats *s)
{
  const struct
  {
    const char *name;
    double value;
  } numbers[] = {
    { "mean", s->mean },
    { "sigma0", s->sigma0 },
    { "sigma1", s->sigma1 },
    { "sigma2", s->sigma2 },
    { "n_peaks", (double) s->n_peaks },
    { "n_minima", (double) s->n_minima },
    { "n_inside", (double) s->n_inside },
    { "area_deg2", s->area_deg2 },
    { "interior_area_deg2", s->interior_area_deg2 },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (map_columns); c++)
    for (int i = 0; i < s->n; i++)
      {
        const Column *column = &map_columns[c];
        double value = column->per_deg2 ? darkmap_stats_value (s, column->kind, i)
                                        : dm_map_stats_values (s, column->kind)[i];

        append_row (out, set, "0", column->name, &s->threshold[i], value);
      }
  for (gsize q = 0; q < G_N_ELEMENTS (numbers); q++)
    append_row (out, set, "0", numbers[q].name, NULL, numbers[q].value);
}

/* A label on one comment line. */
static char *
one_line (const char *label)
{
  return g_strdelimit (g_strdup (label != NULL ? label : ""), "\r\n", ' ');
}

/* The rows of a band: the percentiles of each statistic as set's planes
 * "p16" and "p84", and its number of maps as count_name. */
static void
append_band (GString *out, const char *set, const DarkmapStatsBand *band, const char *count_name)
{
  for (int kind = 0; kind < DM_STAT_COUNT; kind++)
    for (int i = 0; i < band->n; i++)
      {
        append_row (out, set, "p16", drawn_names[kind], &band->threshold[i], band->lo[kind][i]);
        append_row (out, set, "p84", drawn_names[kind], &band->threshold[i], band->hi[kind][i]);
      }
  append_row (out, set, "p16", count_name, NULL, band->n_maps);
  append_row (out, set, "p84", count_name, NULL, band->n_maps);
}

static GString *
format_table (const DmMapStats *s, const char *label, const DarkmapStatsBand *band,
              const char *band_label, const DarkmapStatsBand *emulator,
              const char *emulator_label)
{
  GString *out = g_string_new (NULL);
  g_autofree char *map_line = one_line (label);
  g_autofree char *band_line = one_line (band_label);
  g_autofree char *emulator_line = one_line (emulator_label);
  char lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE], half[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (out,
                          "# Darkmap Statistics page: %s; thresholds in nu, %d from %s to %s "
                          "(bin i: threshold ± %s)\n",
                          map_line, s->n, g_ascii_dtostr (lo, sizeof lo, s->threshold[0]),
                          g_ascii_dtostr (hi, sizeof hi, s->threshold[s->n - 1]),
                          g_ascii_dtostr (half, sizeof half, s->bin_width / 2.0));
  if (band != NULL)
    g_string_append_printf (out, "# posterior: %s, %d samples\n", band_line, band->n_maps);
  if (emulator != NULL)
    g_string_append_printf (out, "# emulator: %s, %d maps\n", emulator_line, emulator->n_maps);
  g_string_append (out,
                   "# set: map (the map shown), gaussian (a Gaussian field of its sigma0, "
                   "sigma1, sigma2), samples (p16, p84: the posterior samples' 16th and 84th "
                   "percentiles), mean (the posterior mean map), emulator (p16, p84: the "
                   "emulated maps' percentiles)\n"
                   "# pdf per unit threshold; peaks, minima: counts in the bin; *_per_deg2: "
                   "per deg^2 in the bin; v0 fraction; v1 per deg; v2 per deg^2; sigma1 per "
                   "deg, sigma2 per deg^2\n"
                   "set,plane,statistic,threshold,value\n");
  append_map (out, "map", s);
  for (int kind = 0; kind < DM_STAT_COUNT; kind++)
    for (int i = 0; i < s->n; i++)
      append_row (out, "gaussian", "expected", drawn_names[kind], &s->threshold[i],
                  darkmap_stats_gaussian (s, (DmStatKind) kind, s->threshold[i]));
  if (band != NULL)
    {
      append_band (out, "samples", band, "n_samples");
      if (band->mean != NULL)
        append_map (out, "mean", band->mean);
    }
  if (emulator != NULL)
    append_band (out, "emulator", emulator, "n_maps");
  return out;
}

static bool
write_string (FILE *f, void *table)
{
  const GString *text = table;

  return fwrite (text->str, 1, text->len, f) == text->len;
}

gboolean
darkmap_stats_csv_write (const char *path, const DmMapStats *stats, const char *label,
                         const DarkmapStatsBand *band, const char *band_label,
                         const DarkmapStatsBand *emulator, const char *emulator_label,
                         DmError **error)
{
  g_autoptr (GString) table = NULL;

  g_return_val_if_fail (path != NULL && stats != NULL, FALSE);

  table = format_table (stats, label, band, band_label, emulator, emulator_label);
  return dm_atomic_write_text (path, "the statistics", write_string, table, error);
}
