/* The cluster-significance options shared by the commands that draw
 * posterior samples (wiener, sample-score, sample-mmgan): --clusters table.csv
 * --significance-out sig.csv|sig.fits [--aperture A] [--threshold T]
 * [--threshold-unit std|kappa]. */
#ifndef DARKMAP_CLI_SIGNIFICANCE_H
#define DARKMAP_CLI_SIGNIFICANCE_H

#include <stdbool.h>

#include "cli-args.h"
#include "darkmap/cluster-significance.h"
#include "darkmap/posterior.h"

/* The option table (NULL-name terminated). */
extern const CliOptionSpec cli_significance_options[];

/* Reads and checks the options: *options gets the settings, *table the
 * cluster table (NULL when --clusters is absent).  --clusters and
 * --significance-out go together, and need n_samples >= 2 (the command's
 * --samples).  False with *error set otherwise (nothing left to free). */
bool cli_significance_parse(const CliArgs *args, int n_samples,
                            DmClusterSignificanceOptions *options, DmClusterTable **table,
                            DmError **error);

/* Computes the significances from the posterior's samples (at least 2) and
 * writes them to --significance-out, with a one-line summary on stderr;
 * without a table (no --clusters) does nothing. */
bool cli_significance_write(const CliArgs *args, const DmClusterSignificanceOptions *options,
                            const DmClusterTable *table, const DmPosterior *posterior,
                            DmError **error);

#endif
