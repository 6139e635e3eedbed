/* Cluster significance options of darkmap-cli (cli-significance.h). */
#include "cli-significance.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const CliOptionSpec cli_significance_options[] = {
    {"clusters", true, "FILE     cluster table (CSV or FITS) for --significance-out"},
    {"significance-out", true, "FILE     per-cluster peak fraction and kappa (CSV, or .fits)"},
    {"aperture", true, "A        peak search radius around a cluster, arcmin (default 2)"},
    {"threshold", true, "T        peak threshold (default 3)"},
    {"threshold-unit", true, "U        std (per-pixel posterior std, default) or kappa"},
    {NULL, false, NULL},
};

bool cli_significance_parse(const CliArgs *args, int n_samples,
                            DmClusterSignificanceOptions *options, DmClusterTable **table,
                            DmError **error) {
  *table = NULL;
  dm_cluster_significance_options_init(options);
  const char *clusters = cli_args_value(args, "clusters");
  const char *out = cli_args_value(args, "significance-out");
  const char *unit = cli_args_value(args, "threshold-unit");
  if (!cli_args_double(args, "aperture", &options->aperture_arcmin, error) ||
      !cli_args_double(args, "threshold", &options->threshold, error))
    return false;
  if (!clusters != !out)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Options --clusters and --significance-out go together.");
  if (unit && strcmp(unit, "kappa") == 0)
    options->unit = DM_PEAK_THRESHOLD_KAPPA;
  else if (unit && strcmp(unit, "std") != 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --threshold-unit must be std or kappa, not '%s'.", unit);
  if (!(options->aperture_arcmin > 0.0) || !isfinite(options->threshold))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --aperture must be positive and --threshold finite.");
  if (clusters && n_samples < 2)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Cluster significances need --samples 2 or more.");
  return !clusters || (*table = dm_cluster_table_read(clusters, error)) != NULL;
}

bool cli_significance_write(const CliArgs *args, const DmClusterSignificanceOptions *options,
                            const DmClusterTable *table, const DmPosterior *posterior,
                            DmError **error) {
  if (!table) return true;
  const char *out = cli_args_value(args, "significance-out");
  if (!posterior->samples || posterior->samples->nplanes < 2)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Cluster significances need at least 2 posterior samples (--samples).");
  DmClusterSignificance *s =
      dm_cluster_significance_compute(posterior->samples, table, options, error);
  bool ok = s && dm_cluster_significance_write(s, out, error);
  if (ok) {
    size_t inside = 0, detected = 0;
    for (size_t i = 0; i < s->n; i++) {
      inside += s->inside[i];
      detected += s->inside[i] && s->peak_fraction[i] >= 0.5;
    }
    fprintf(stderr,
            "Clusters: %zu of %zu on the map, %zu with a peak in at least half the samples; "
            "wrote %s.\n",
            inside, s->n, detected, out);
  }
  dm_cluster_significance_free(s);
  return ok;
}
