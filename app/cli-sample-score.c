/* darkmap-cli sample-score: posterior samples of the convergence by annealed
 * HMC, or the probability flow, on the score (theory prior, optionally plus a
 * trained network residual). */
#include <stdio.h>
#include <stdlib.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-model-provenance.h"
#include "cli-progress.h"
#include "cli-significance.h"
#include "darkmap/binning.h"
#include "darkmap/posterior.h"
#include "darkmap/score-flow.h"
#include "darkmap/score-network.h"
#include "darkmap/theory.h"

/* Chains run together through the network. */
enum { CHAINS_PER_BATCH = 16 };

static const CliOptionSpec sample_options[] = {
    {"shear", true, "FILE     shear file from 'bin' (NOISE and MASK are used)"},
    {"theory", true, "FILE     prior C_ell table (CSV: ell, C_ell per sr)"},
    {"theory-column", true, "NAME     C_ell column of the theory table"},
    {"model", true, "FILE     network residual (from train-score); default none"},
    {"samples", true, "K        posterior samples (chains; default 16)"},
    {"seed", true, "S        seed of the chains (default 1)"},
    {"sigma-max", true, "S        first noise level (default 0.2)"},
    {"sigma-min", true, "S        last noise level (default 1e-3)"},
    {"levels", true, "L        geometric noise levels (default 40)"},
    {"leapfrog", true, "N        leapfrog steps per trajectory (default 10)"},
    {"step-scale", true, "C        step size / sigma (default 0.5; with --model, 0.2)"},
    {"final", true, "N        trajectories at the last level (default 20)"},
    {"metropolis", false, "         Metropolis step with the Gaussian energy"},
    {"flow", false, "         probability-flow sampler with Langevin correctors, not HMC"},
    {"flow-steps", true, "N        Heun steps of the flow (default 32)"},
    {"correctors", true, "N        Langevin correctors per flow step (default 2)"},
    {"out", true, "FILE     posterior file (FITS: mean, STD, SAMPLES, SIGNIF)"},
    {NULL, false, NULL},
};

/* The score model every chain follows. */
typedef struct {
  DmScorePrior *prior;
  DmScoreLikelihood *likelihood;
  DmScoreResidualFunc residual;  /* NULL without --model */
  void *residual_data;
} Model;

/* The samples of every chain into samples (n maps), in batches: HMC, or the
 * flow when flow is not NULL. */
static bool run_chains(const Model *m, const DmScoreSamplerOptions *hmc,
                       const DmScoreFlowOptions *flow, int n, size_t npix, float *samples,
                       DmError **error) {
  DmScoreSampler *sampler =
      flow ? NULL
           : dm_score_sampler_new(m->prior, m->likelihood, m->residual, m->residual_data, hmc,
                                  error);
  if (!flow && !sampler) return false;
  DmProgress progress = cli_progress_init();
  bool ok = true;
  for (int first = 0; ok && first < n; first += CHAINS_PER_BATCH) {
    int count = n - first < CHAINS_PER_BATCH ? n - first : CHAINS_PER_BATCH;
    float *out = samples + (size_t)first * npix;
    ok = flow ? dm_score_flow_run(m->prior, m->likelihood, m->residual, m->residual_data, flow,
                                  first, count, out, NULL, NULL, error)
              : dm_score_sampler_run(sampler, first, count, out, NULL, NULL, error);
    dm_progress_report(&progress, (double)(first + count) / n, "Score sampling");
  }
  cli_progress_done();
  dm_score_sampler_free(sampler);
  return ok;
}

static DmPosterior *run(const DmBinnedShear *binned, const DmTheorySpectrum *theory,
                        const char *model_path, const DmScoreSamplerOptions *options,
                        const DmScoreFlowOptions *flow, int n_samples, DmError **error) {
  const DmMap *shear = binned->shear;
  int nx = shear->nx, ny = shear->ny;
  size_t npix = dm_map_plane_size(shear);
  if (!shear->wcs) {
    dm_error_set(error, DM_ERROR_FORMAT, 0, "The shear file has no WCS: pixel scale unknown.");
    return NULL;
  }
  double pixel_arcmin = dm_wcs_pixel_scale_deg(shear->wcs) * 60.0;
  Model m = {NULL, NULL, NULL, NULL};
  m.prior = dm_score_prior_new(theory, nx, ny, pixel_arcmin, error);
  m.likelihood =
      m.prior ? dm_score_likelihood_new(nx, ny, dm_map_plane(shear, 0), dm_map_plane(shear, 1),
                                        dm_map_plane(binned->noise, 0),
                                        dm_map_plane(binned->noise, 1), binned->mask->data, error)
              : NULL;
  DmNn *nn = NULL;
  DmNnParams *params = NULL;
  DmScoreNetwork network = {NULL, NULL, 0.0};
  bool ok = m.likelihood != NULL;
  if (ok && model_path) {
    ok = (nn = dm_nn_new(DM_NN_DEVICE_AUTO, 0, error)) &&
         dm_score_network_load(nn, model_path, &params, &network, error);
    if (ok) fprintf(stderr, "Network residual on %s.\n", dm_nn_device_name(nn));
    m.residual = dm_score_network_residual;
    m.residual_data = &network;
  }
  float *samples = ok ? malloc((size_t)n_samples * npix * sizeof(float)) : NULL;
  if (ok && !samples) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  DmPosterior *posterior = NULL;
  bool hybrid = model_path != NULL;
  if (samples && run_chains(&m, options, flow, n_samples, npix, samples, error))
    posterior = flow ? dm_score_flow_posterior_new(samples, n_samples, nx, ny, shear->wcs, flow,
                                                   hybrid, error)
                     : dm_score_posterior_new(samples, n_samples, nx, ny, shear->wcs, options,
                                              hybrid, error);
  if (posterior && model_path && !cli_record_model(posterior->mean, model_path, error)) {
    dm_posterior_free(posterior);
    posterior = NULL;
  }
  free(samples);
  dm_unet_free(network.unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  dm_score_likelihood_free(m.likelihood);
  dm_score_prior_free(m.prior);
  return posterior;
}

int cli_sample_score_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {sample_options, cli_significance_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli sample-score --shear shear.fits --theory table.csv\n"
           "                                [--model weights.safetensors] [--samples K]\n"
           "                                [--seed S] [--flow] --out posterior.fits\n"
           "                                [--clusters table.csv --significance-out sig.csv]\n"
           "Posterior samples of the convergence by annealed Hamiltonian Monte Carlo on\n"
           "the score: the Gaussian prior of the theory C_ell, plus a network residual\n"
           "(the hybrid prior) with --model; --flow samples by the probability flow with\n"
           "Langevin correctors instead (darkmap/score-flow.h).\n\n");
    cli_args_print_help(tables, 2);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  DmScoreSamplerOptions options;
  dm_score_sampler_options_init(&options);
  int n_samples = 16, seed = 1;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error)) return cli_fail("sample-score", error);
  const char *shear_path = cli_args_require(&args, "shear", &error);
  const char *theory_path = shear_path ? cli_args_require(&args, "theory", &error) : NULL;
  const char *out = theory_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!out || !cli_args_int(&args, "samples", 1, 100000, &n_samples, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &seed, &error) ||
      !cli_args_int(&args, "levels", 2, 100000, &options.n_levels, &error) ||
      !cli_args_int(&args, "leapfrog", 1, 100000, &options.n_leapfrog, &error) ||
      !cli_args_int(&args, "final", 0, 100000, &options.n_final, &error) ||
      !cli_args_double(&args, "sigma-max", &options.sigma_max, &error) ||
      !cli_args_double(&args, "sigma-min", &options.sigma_min, &error) ||
      !cli_args_double(&args, "step-scale", &options.step_scale, &error))
    return cli_fail("sample-score", error);
  /* A network residual is stiffer than the Gaussian score (darkmap/score.h). */
  if (cli_args_value(&args, "model") && !cli_args_value(&args, "step-scale"))
    options.step_scale = 0.2;
  options.seed = (uint64_t)seed;
  options.metropolis = cli_args_flag(&args, "metropolis");
  DmScoreFlowOptions flow;
  dm_score_flow_options_init(&flow);
  if (!cli_args_int(&args, "flow-steps", 1, 100000, &flow.n_steps, &error) ||
      !cli_args_int(&args, "correctors", 0, 100000, &flow.n_corrector, &error))
    return cli_fail("sample-score", error);
  flow.sigma_max = options.sigma_max;
  flow.sigma_min = options.sigma_min;
  flow.seed = options.seed;
  bool use_flow = cli_args_flag(&args, "flow");
  DmClusterSignificanceOptions sig_options;
  DmClusterTable *clusters = NULL;
  if (!cli_significance_parse(&args, n_samples, &sig_options, &clusters, &error))
    return cli_fail("sample-score", error);
  DmBinnedShear *binned = dm_binned_shear_read(shear_path, &error);
  DmTheorySpectrum *theory =
      binned ? dm_theory_read_csv(theory_path, cli_args_value(&args, "theory-column"), &error)
             : NULL;
  DmPosterior *posterior =
      theory ? run(binned, theory, cli_args_value(&args, "model"), &options,
                 use_flow ? &flow : NULL, n_samples, &error)
             : NULL;
  bool ok = posterior && dm_map_set_string(posterior->mean, "PRIOR", theory_path,
                                           "prior C_ell table", &error) &&
            (!clusters || cli_significance_write(&args, &sig_options, clusters, posterior, &error)) &&
            dm_posterior_write(out, posterior, &error);
  dm_posterior_free(posterior);
  dm_cluster_table_free(clusters);
  dm_theory_free(theory);
  dm_binned_shear_free(binned);
  if (!ok) return cli_fail("sample-score", error);
  fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
