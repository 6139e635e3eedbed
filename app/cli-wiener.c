/* darkmap-cli wiener: Wiener-filter map and exact Gaussian posterior samples. */
#include <limits.h>
#include <stdio.h>

#include "cli-commands.h"
#include "cli-args.h"
#include "cli-progress.h"
#include "cli-significance.h"
#include "darkmap/reconstruct.h"

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

/* The filter and the samples; prints the solver's iterations. */
static DmReconstruction *run(const DmBinnedShear *binned,
                             const DmReconstructRequest *request, DmError **error) {
  DmProgress progress = cli_progress_init();
  DmReconstruction *wiener = dm_reconstruct(binned, request, &progress, error);
  cli_progress_done();
  if (!wiener) return NULL;
  const DmReconstructStats *stats = &wiener->stats;
  fprintf(stderr, "Wiener filter: %d iterations, relative residual %.2e.\n",
          stats->solver_iterations, stats->solver_residual);
  if (request->n_samples > 0)
    fprintf(stderr, "Drew %d constrained realisations (%.1f iterations each on average).\n",
            request->n_samples, stats->sample_iterations);
  return wiener;
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
  DmReconstructRequest request;
  dm_reconstruct_request_init(&request, DM_RECONSTRUCT_WIENER);
  DmWienerOptions *options = &request.wiener;
  request.n_samples = 0;
  int seed = 1;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error)) return cli_fail("wiener", error);
  const char *shear_path = cli_args_require(&args, "shear", &error);
  const char *theory_path = shear_path ? cli_args_require(&args, "theory", &error) : NULL;
  const char *out = theory_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!out || !cli_args_int(&args, "samples", 0, INT_MAX, &request.n_samples, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &seed, &error) ||
      !cli_args_int(&args, "max-iterations", 1, 1000000, &options->max_iterations, &error) ||
      !cli_args_double(&args, "tolerance", &options->tolerance, &error) ||
      !cli_args_double(&args, "noise-std", &request.noise_std, &error))
    return cli_fail("wiener", error);
  DmClusterSignificanceOptions sig_options;
  DmClusterTable *clusters = NULL;
  if (!cli_significance_parse(&args, request.n_samples, &sig_options, &clusters, &error))
    return cli_fail("wiener", error);
  DmBinnedShear *binned = dm_binned_shear_read(shear_path, &error);
  DmTheorySpectrum *theory =
      binned ? dm_theory_read_csv(theory_path, cli_args_value(&args, "theory-column"), &error)
             : NULL;
  request.theory = theory;
  request.theory_path = theory_path;
  request.out_path = out;
  request.seed = (uint64_t)seed;
  DmReconstruction *result = theory ? run(binned, &request, &error) : NULL;
  const DmPosterior *posterior = result ? result->posterior : NULL;
  bool ok = posterior &&
            cli_significance_write(&args, &sig_options, clusters, posterior, &error) &&
            dm_posterior_write(out, posterior, &error);
  dm_reconstruction_free(result);
  dm_theory_free(theory);
  dm_binned_shear_free(binned);
  dm_cluster_table_free(clusters);
  if (!ok) return cli_fail("wiener", error);
  fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
