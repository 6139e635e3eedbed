/* darkmap-cli sample-score: posterior samples of the convergence by annealed
 * HMC, or the probability flow, on the score (theory prior, optionally plus a
 * trained network residual), every chain of a batch together on the CPU or
 * the GPU (darkmap/score-device.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-model-provenance.h"
#include "cli-progress.h"
#include "cli-significance.h"
#include "darkmap/binning.h"
#include "darkmap/posterior.h"
#include "darkmap/score-device.h"
#include "darkmap/score-flow.h"
#include "darkmap/score-network.h"
#include "darkmap/theory.h"

/* Chains run together as one batch by default: on the CPU, and on a GPU. */
enum { CPU_CHAINS_PER_BATCH = 16, GPU_CHAINS_PER_BATCH = 64 };

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
    {"device", true, "D        auto (the GPU when usable), cpu or cuda (default auto)"},
    {"batch", true, "B        chains per batch (default 64 on a GPU, 16 on the CPU)"},
    {"out", true, "FILE     posterior file (FITS: mean, STD, SAMPLES, SIGNIF)"},
    {NULL, false, NULL},
};

/* The samples of every chain into samples (n maps), in batches of `batch`
 * chains: HMC, or the flow when flow is not NULL.  Prints the score (and
 * network) evaluations per sample and the acceptance rate. */
static bool run_chains(DmScoreDevice *device, const DmScoreSamplerOptions *hmc,
                       const DmScoreFlowOptions *flow, int n, int batch, size_t npix,
                       float *samples, DmError **error) {
  DmProgress progress = cli_progress_init();
  DmScoreSamplerStats stats = {0, 0, 0};
  long evaluations = 0;
  bool ok = true;
  for (int first = 0; ok && first < n; first += batch) {
    int count = n - first < batch ? n - first : batch;
    float *out = samples + (size_t)first * npix;
    DmScoreSamplerStats run_stats;
    ok = flow ? dm_score_device_flow(device, flow, first, count, out, &evaluations, NULL, error)
              : dm_score_device_hmc(device, hmc, first, count, out, &run_stats, NULL, error);
    if (ok && !flow) {
      evaluations = run_stats.gradients;
      stats.accepted += run_stats.accepted;
      stats.trajectories += run_stats.trajectories;
    }
    dm_progress_report(&progress, (double)(first + count) / n, "Score sampling");
  }
  cli_progress_done();
  if (ok) fprintf(stderr, "%ld score evaluations per sample", evaluations);
  if (ok && !flow)
    fprintf(stderr, ", acceptance %.4f (%ld trajectories)",
            (double)stats.accepted / (double)stats.trajectories, stats.trajectories);
  if (ok) fprintf(stderr, ".\n");
  return ok;
}

static DmPosterior *run(const DmBinnedShear *binned, const DmTheorySpectrum *theory,
                        const char *model_path, DmNnDevice device_kind, int batch,
                        const DmScoreSamplerOptions *options, const DmScoreFlowOptions *flow,
                        int n_samples, DmError **error) {
  const DmMap *shear = binned->shear;
  int nx = shear->nx, ny = shear->ny;
  size_t npix = dm_map_plane_size(shear);
  if (!shear->wcs) {
    dm_error_set(error, DM_ERROR_FORMAT, 0, "The shear file has no WCS: pixel scale unknown.");
    return NULL;
  }
  double pixel_arcmin = dm_wcs_pixel_scale_deg(shear->wcs) * 60.0;
  DmScorePrior *prior = dm_score_prior_new(theory, nx, ny, pixel_arcmin, error);
  DmScoreLikelihood *likelihood =
      prior ? dm_score_likelihood_new(nx, ny, dm_map_plane(shear, 0), dm_map_plane(shear, 1),
                                      dm_map_plane(binned->noise, 0),
                                      dm_map_plane(binned->noise, 1), binned->mask->data, error)
            : NULL;
  DmNnParams *params = NULL;
  DmScoreNetwork network = {NULL, NULL, 0.0, false};
  DmNn *nn = likelihood ? dm_nn_new(device_kind, 0, error) : NULL;
  bool ok = nn != NULL;
  if (ok) fprintf(stderr, "Sampling on %s.\n", dm_nn_device_name(nn));
  if (ok && model_path) ok = dm_score_network_load(nn, model_path, &params, &network, error);
  DmScoreDevice *device =
      ok ? dm_score_device_new(nn, prior, likelihood,
                               model_path ? dm_score_network_tensor_residual : NULL, &network,
                               error)
         : NULL;
  if (device && network.plain) dm_score_device_set_theory_prior(device, false);
  if (batch == 0) batch = nn && dm_nn_is_gpu(nn) ? GPU_CHAINS_PER_BATCH : CPU_CHAINS_PER_BATCH;
  float *samples = device ? malloc((size_t)n_samples * npix * sizeof(float)) : NULL;
  if (device && !samples) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  DmPosterior *posterior = NULL;
  bool hybrid = model_path != NULL && !network.plain;
  if (samples && run_chains(device, options, flow, n_samples, batch, npix, samples, error))
    posterior = flow ? dm_score_flow_posterior_new(samples, n_samples, nx, ny, shear->wcs, flow,
                                                   hybrid, error)
                     : dm_score_posterior_new(samples, n_samples, nx, ny, shear->wcs, options,
                                              hybrid, error);
  const char *network_kind = !model_path ? "none" : network.plain ? "plain" : "hybrid";
  if (posterior && !dm_map_set_string(posterior->mean, "SCORENET", network_kind,
                                      "prior network: none, hybrid residual or plain", error)) {
    dm_posterior_free(posterior);
    posterior = NULL;
  }
  if (posterior && model_path && !cli_record_model(posterior->mean, model_path, error)) {
    dm_posterior_free(posterior);
    posterior = NULL;
  }
  free(samples);
  dm_score_device_free(device);
  dm_unet_free(network.unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  dm_score_likelihood_free(likelihood);
  dm_score_prior_free(prior);
  return posterior;
}

int cli_sample_score_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {sample_options, cli_significance_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli sample-score --shear shear.fits --theory table.csv\n"
           "                                [--model weights.safetensors] [--samples K]\n"
           "                                [--seed S] [--flow] [--device auto|cpu|cuda]\n"
           "                                --out posterior.fits\n"
           "                                [--clusters table.csv --significance-out sig.csv]\n"
           "Posterior samples of the convergence by annealed Hamiltonian Monte Carlo on\n"
           "the score: the Gaussian prior of the theory C_ell, plus a network residual\n"
           "(the hybrid prior) with --model; --flow samples by the probability flow with\n"
           "Langevin correctors instead (darkmap/score-flow.h).  The chains of a batch\n"
           "run together on the GPU when one is usable, else on the CPU (--device).\n\n");
    cli_args_print_help(tables, 2);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  DmScoreSamplerOptions options;
  dm_score_sampler_options_init(&options);
  int n_samples = 16, seed = 1, batch = 0;
  DmNnDevice device = DM_NN_DEVICE_AUTO;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error)) return cli_fail("sample-score", error);
  const char *shear_path = cli_args_require(&args, "shear", &error);
  const char *theory_path = shear_path ? cli_args_require(&args, "theory", &error) : NULL;
  const char *out = theory_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!out || !cli_args_int(&args, "samples", 1, 100000, &n_samples, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &seed, &error) ||
      !cli_args_int(&args, "batch", 1, 100000, &batch, &error) ||
      !cli_device_parse(cli_args_value(&args, "device"), &device, &error) ||
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
      theory ? run(binned, theory, cli_args_value(&args, "model"), device, batch, &options,
                   use_flow ? &flow : NULL, n_samples, &error)
             : NULL;
  bool ok = posterior && dm_map_set_string(posterior->mean, "PRIOR", theory_path,
                                           "prior C_ell table", &error) &&
            cli_significance_write(&args, &sig_options, clusters, posterior, &error) &&
            dm_posterior_write(out, posterior, &error);
  dm_posterior_free(posterior);
  dm_cluster_table_free(clusters);
  dm_theory_free(theory);
  dm_binned_shear_free(binned);
  if (!ok) return cli_fail("sample-score", error);
  fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
