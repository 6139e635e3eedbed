/* darkmap-cli sample-score: posterior samples of the convergence by annealed
 * HMC, or the probability flow, on the score (theory prior, optionally plus a
 * trained network residual), every chain of a batch together on the CPU or
 * the GPU (darkmap/reconstruct.h). */
#include <limits.h>
#include <stdio.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-peak-memory.h"
#include "cli-progress.h"
#include "cli-significance.h"
#include "darkmap/reconstruct.h"

static const CliOptionSpec sample_options[] = {
    {"shear", true, "FILE     shear file from 'bin' (NOISE and MASK are used)"},
    {"theory", true, "FILE     prior C_ell table (CSV: ell, C_ell per sr)"},
    {"theory-column", true, "NAME     C_ell column of the theory table"},
    {"model", true, "FILE     network residual (from train-score); default none"},
    {"samples", true, "K        posterior samples (chains; default 16)"},
    {"seed", true, "S        seed of the chains (default 1)"},
    {"uncalibrated", false, "         keep the raw samples of a calibrated model (no factor)"},
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
    {"batch", true, "B        chains per batch (default: the fastest that fits in memory)"},
    {"out", true, "FILE     posterior file (FITS: mean, STD, SAMPLES, SIGNIF)"},
    {NULL, false, NULL},
};

/* The samples; prints the device, the score evaluations per sample and the
 * HMC's acceptance. */
static DmReconstruction *run(const DmBinnedShear *binned,
                             const DmReconstructRequest *request, DmError **error) {
  DmProgress progress = cli_progress_init();
  DmReconstruction *score = dm_reconstruct(binned, request, &progress, error);
  cli_progress_done();
  if (!score) return NULL;
  const DmReconstructStats *stats = &score->stats;
  fprintf(stderr, "Sampled on %s (batch %d).\n", stats->device, stats->batch);
  fprintf(stderr, "%ld score evaluations per sample", stats->evaluations);
  if (request->method == DM_RECONSTRUCT_SCORE_HMC)
    fprintf(stderr, ", acceptance %.4f (%ld trajectories)", stats->acceptance,
            (long)request->n_samples * (request->hmc.n_levels + request->hmc.n_final));
  fprintf(stderr, ".\n");
  cli_peak_memory_print(stats);
  return score;
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
  DmReconstructRequest request;
  dm_reconstruct_request_init(&request, DM_RECONSTRUCT_SCORE_HMC);
  DmScoreSamplerOptions *options = &request.hmc;
  int seed = 1;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error)) return cli_fail("sample-score", error);
  const char *shear_path = cli_args_require(&args, "shear", &error);
  const char *theory_path = shear_path ? cli_args_require(&args, "theory", &error) : NULL;
  const char *out = theory_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!out || !cli_args_int(&args, "samples", 1, INT_MAX, &request.n_samples, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &seed, &error) ||
      !cli_args_int(&args, "batch", 1, 100000, &request.batch, &error) ||
      !cli_args_int(&args, "levels", 2, 100000, &options->n_levels, &error) ||
      !cli_args_int(&args, "leapfrog", 1, 100000, &options->n_leapfrog, &error) ||
      !cli_args_int(&args, "final", 0, 100000, &options->n_final, &error) ||
      !cli_args_double(&args, "sigma-max", &options->sigma_max, &error) ||
      !cli_args_double(&args, "sigma-min", &options->sigma_min, &error) ||
      !cli_args_double(&args, "step-scale", &options->step_scale, &error) ||
      !cli_args_int(&args, "flow-steps", 1, 100000, &request.flow.n_steps, &error) ||
      !cli_args_int(&args, "correctors", 0, 100000, &request.flow.n_corrector, &error))
    return cli_fail("sample-score", error);
  options->metropolis = cli_args_flag(&args, "metropolis");
  if (cli_args_flag(&args, "flow")) request.method = DM_RECONSTRUCT_SCORE_FLOW;
  request.seed = (uint64_t)seed;
  request.uncalibrated = cli_args_flag(&args, "uncalibrated");
  request.out_path = out;
  request.device = cli_args_value(&args, "device");
  request.model_path = cli_args_value(&args, "model");
  request.theory_path = theory_path;
  DmClusterSignificanceOptions sig_options;
  DmClusterTable *clusters = NULL;
  if (!cli_significance_parse(&args, request.n_samples, &sig_options, &clusters, &error))
    return cli_fail("sample-score", error);
  DmBinnedShear *binned = dm_binned_shear_read(shear_path, &error);
  DmTheorySpectrum *theory =
      binned ? dm_theory_read_csv(theory_path, cli_args_value(&args, "theory-column"), &error)
             : NULL;
  request.theory = theory;
  DmReconstruction *result = theory ? run(binned, &request, &error) : NULL;
  const DmPosterior *posterior = result ? result->posterior : NULL;
  bool ok = posterior &&
            cli_significance_write(&args, &sig_options, clusters, posterior, &error) &&
            dm_posterior_write(out, posterior, &error);
  dm_reconstruction_free(result);
  dm_cluster_table_free(clusters);
  dm_theory_free(theory);
  dm_binned_shear_free(binned);
  if (!ok) return cli_fail("sample-score", error);
  fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
