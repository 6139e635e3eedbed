/* darkmap-cli wiener: Wiener-filter map and exact Gaussian posterior samples. */
#include <stdio.h>
#include <stdlib.h>

#include "cli-commands.h"
#include "cli-args.h"
#include "cli-progress.h"
#include "cli-significance.h"
#include "darkmap/binning.h"
#include "darkmap/posterior.h"
#include "darkmap/theory.h"
#include "darkmap/wiener.h"

static const CliOptionSpec wiener_options[] = {
    {"shear", true, "FILE     shear file from 'bin' (NOISE and MASK are used)"},
    {"theory", true, "FILE     prior C_ell table (CSV: ell, C_ell per sr)"},
    {"theory-column", true, "NAME     C_ell column of the theory table"},
    {"samples", true, "K        posterior samples to draw (default 0: the WF map only)"},
    {"seed", true, "S        seed of the samples (default 1)"},
    {"noise-std", true, "S        constant noise std per component, instead of NOISE"},
    {"tolerance", true, "T        relative residual of the solver (default 1e-5)"},
    {"max-iterations", true, "N        solver iteration limit (default 2000)"},
    {"out", true, "FILE     posterior file (FITS: mean, STD, SAMPLES, SIGNIF)"},
    {NULL, false, NULL},
};

/* Provenance on the mean map. */
static bool describe(DmMap *mean, const char *theory_path, const DmWienerOptions *options,
                     const DmWienerStats *stats, int samples, long seed, DmError **error) {
  return dm_map_set_string(mean, "METHOD", "WIENER", "Wiener filter (PCG)", error) &&
         dm_map_set_string(mean, "PRIOR", theory_path, "prior C_ell table", error) &&
         dm_map_set_double(mean, "WFTOL", options->tolerance, "solver tolerance |r|/|b|", error) &&
         dm_map_set_int(mean, "WFITER", stats->iterations, "solver iterations (WF map)", error) &&
         dm_map_set_double(mean, "WFRESID", stats->residual, "final |r|/|b| (WF map)", error) &&
         dm_map_set_int(mean, "NSAMPLES", samples, "constrained realisations", error) &&
         dm_map_set_int(mean, "SEED", seed, "seed of the samples", error);
}

/* Runs the filter and the samples; returns the posterior or NULL. */
static DmPosterior *run(const DmBinnedShear *binned, const DmTheorySpectrum *theory,
                        double noise_std, const DmWienerOptions *options, int n_samples,
                        long seed, const char *theory_path, DmError **error) {
  const DmMap *shear = binned->shear;
  int nx = shear->nx, ny = shear->ny;
  size_t npix = dm_map_plane_size(shear);
  if (!shear->wcs) {
    dm_error_set(error, DM_ERROR_FORMAT, 0, "The shear file has no WCS: pixel scale unknown.");
    return NULL;
  }
  double pixel_arcmin = dm_wcs_pixel_scale_deg(shear->wcs) * 60.0;
  float *constant = NULL;
  if (noise_std > 0.0) {
    if (!(constant = malloc(npix * sizeof(float)))) {
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
      return NULL;
    }
    for (size_t i = 0; i < npix; i++) constant[i] = (float)noise_std;
  }
  const float *std1 = constant ? constant : dm_map_plane(binned->noise, 0);
  const float *std2 = constant ? constant : dm_map_plane(binned->noise, 1);
  DmWiener *wiener = dm_wiener_new(nx, ny, pixel_arcmin, theory, std1, std2,
                                   binned->mask->data, options, error);
  free(constant);
  if (!wiener) return NULL;

  const float *g1 = dm_map_plane(shear, 0), *g2 = dm_map_plane(shear, 1);
  DmProgress progress = cli_progress_init();
  DmWienerStats stats;
  DmMap *mean = dm_map_new(nx, ny, 1, shear->wcs, error);
  DmMap *samples = mean && n_samples > 0 ? dm_map_new(nx, ny, n_samples, shear->wcs, error) : NULL;
  bool ok = mean && (n_samples == 0 || samples) && dm_map_copy_meta(mean, shear, error) &&
            dm_wiener_filter(wiener, g1, g2, mean->data, &stats, &progress, error);
  cli_progress_done();
  if (ok)
    fprintf(stderr, "Wiener filter: %d iterations, relative residual %.2e.\n", stats.iterations,
            stats.residual);
  long total_iterations = 0;
  for (int k = 0; ok && k < n_samples; k++) {
    DmWienerStats sample_stats;
    ok = dm_wiener_sample(wiener, g1, g2, (uint64_t)seed, (uint64_t)k, dm_map_plane(samples, k),
                          &sample_stats, NULL, error);
    total_iterations += ok ? sample_stats.iterations : 0;
    dm_progress_report(&progress, (k + 1.0) / n_samples, "Posterior samples");
  }
  cli_progress_done();
  if (ok && n_samples > 0)
    fprintf(stderr, "Drew %d constrained realisations (%.1f iterations each on average).\n",
            n_samples, (double)total_iterations / n_samples);
  dm_wiener_free(wiener);
  ok = ok && describe(mean, theory_path, options, &stats, n_samples, seed, error);
  if (!ok) {
    dm_map_free(mean);
    dm_map_free(samples);
    return NULL;
  }
  return dm_posterior_new(mean, samples, error);
}

int cli_wiener_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {wiener_options, cli_significance_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli wiener --shear shear.fits --theory table.csv [--samples K]\n"
           "                          [--seed S] [--noise-std S] --out wf.fits\n"
           "                          [--clusters table.csv --significance-out sig.csv]\n"
           "Wiener-filter convergence (the posterior mean of the Gaussian model) and\n"
           "constrained realisations (exact Gaussian posterior samples).\n\n");
    cli_args_print_help(tables, 2);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  DmWienerOptions options;
  dm_wiener_options_init(&options);
  int n_samples = 0, seed = 1;
  double noise_std = 0.0;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error)) return cli_fail("wiener", error);
  const char *shear_path = cli_args_require(&args, "shear", &error);
  const char *theory_path = shear_path ? cli_args_require(&args, "theory", &error) : NULL;
  const char *out = theory_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!out || !cli_args_int(&args, "samples", 0, 100000, &n_samples, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &seed, &error) ||
      !cli_args_int(&args, "max-iterations", 1, 1000000, &options.max_iterations, &error) ||
      !cli_args_double(&args, "tolerance", &options.tolerance, &error) ||
      !cli_args_double(&args, "noise-std", &noise_std, &error))
    return cli_fail("wiener", error);
  if (!(options.tolerance > 0.0 && options.tolerance < 1.0) || noise_std < 0.0) {
    dm_error_set(&error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Options --tolerance must be in (0, 1) and --noise-std positive.");
    return cli_fail("wiener", error);
  }
  DmClusterSignificanceOptions sig_options;
  DmClusterTable *clusters = NULL;
  if (!cli_significance_parse(&args, n_samples, &sig_options, &clusters, &error))
    return cli_fail("wiener", error);
  DmBinnedShear *binned = dm_binned_shear_read(shear_path, &error);
  DmTheorySpectrum *theory =
      binned ? dm_theory_read_csv(theory_path, cli_args_value(&args, "theory-column"), &error)
             : NULL;
  DmPosterior *posterior = theory ? run(binned, theory, noise_std, &options, n_samples, seed,
                                        theory_path, &error)
                                  : NULL;
  bool ok = posterior &&
            cli_significance_write(&args, &sig_options, clusters, posterior, &error) &&
            dm_posterior_write(out, posterior, &error);
  dm_posterior_free(posterior);
  dm_theory_free(theory);
  dm_binned_shear_free(binned);
  dm_cluster_table_free(clusters);
  if (!ok) return cli_fail("wiener", error);
  fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
