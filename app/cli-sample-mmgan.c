/* darkmap-cli sample-mmgan: posterior samples of the convergence from a
 * trained MMGAN generator (darkmap/mmgan.h), written as the shared
 * posterior file, with the cluster significance table on request. */
#include <limits.h>
#include <stdio.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-peak-memory.h"
#include "cli-progress.h"
#include "cli-shear-input.h"
#include "cli-significance.h"
#include "darkmap/reconstruct.h"

static const CliOptionSpec sample_options[] = {
    {"model", true, "FILE     generator weights (from train-mmgan)"},
    {"shear", true, "FILE     shear file from 'bin' on the model's grid (or the catalogue options)"},
    {"samples", true, "K        posterior samples (default 64)"},
    {"batch", true, "B        samples per generator call (default: the fastest that fits in memory)"},
    {"seed", true, "S        seed of the noise codes (default 1)"},
    {"uncalibrated", false, "         keep the raw samples of a calibrated model (no factor)"},
    {"out", true, "FILE     posterior file (FITS: mean, STD, SAMPLES, SIGNIF)"},
    {NULL, false, NULL},
};

/* The samples; prints the device and the sampling rate. */
static DmReconstruction *run(const DmBinnedShear *binned, const DmReconstructRequest *request,
                             DmError **error) {
  DmProgress progress = cli_progress_init();
  DmReconstruction *mmgan = dm_reconstruct(binned, request, &progress, error);
  cli_progress_done();
  if (!mmgan) return NULL;
  const DmReconstructStats *stats = &mmgan->stats;
  fprintf(stderr, "Network engine on %s.\n", stats->device);
  fprintf(stderr, "%d samples in %.2f s (%.1f samples/s, batch %d).\n", request->n_samples,
          stats->seconds, request->n_samples / stats->seconds, stats->batch);
  cli_peak_memory_print(stats);
  return mmgan;
}

int cli_sample_mmgan_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {sample_options, cli_catalog_options, cli_device_options,
                                   cli_significance_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli sample-mmgan --model weights.safetensors --shear shear.fits\n"
           "                                [--samples K] [--seed S] [--batch B]\n"
           "                                [--device auto|cpu|cuda] --out posterior.fits\n"
           "                                [--clusters table.csv --significance-out sig.csv]\n"
           "Posterior samples of the convergence from an MMGAN generator trained for the\n"
           "survey (train-mmgan): one generator call per batch of samples.\n\n");
    cli_args_print_help(tables, 4);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  DmReconstructRequest request;
  dm_reconstruct_request_init(&request, DM_RECONSTRUCT_MMGAN);
  request.n_samples = 64;
  int seed = 1;
  if (!cli_args_parse(&args, argc, argv, tables, 4, &error)) return cli_fail("sample-mmgan", error);
  request.model_path = cli_args_require(&args, "model", &error);
  const char *out = request.model_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!out || !cli_args_int(&args, "samples", 1, INT_MAX, &request.n_samples, &error) ||
      !cli_args_int(&args, "batch", 1, 4096, &request.batch, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &seed, &error) ||
      !cli_device_from_options(&args, &request.device, &request.threads, &error))
    return cli_fail("sample-mmgan", error);
  request.seed = (uint64_t)seed;
  request.uncalibrated = cli_args_flag(&args, "uncalibrated");
  request.out_path = out;
  DmClusterSignificanceOptions sig_options;
  DmClusterTable *clusters = NULL;
  if (!cli_significance_parse(&args, request.n_samples, &sig_options, &clusters, &error))
    return cli_fail("sample-mmgan", error);
  DmBinnedShear *binned = cli_shear_from_options(&args, &error);
  DmReconstruction *result = binned ? run(binned, &request, &error) : NULL;
  const DmPosterior *posterior = result ? result->posterior : NULL;
  bool ok = posterior &&
            cli_significance_write(&args, &sig_options, clusters, posterior, &error) &&
            dm_posterior_write(out, posterior, &error);
  dm_reconstruction_free(result);
  dm_cluster_table_free(clusters);
  dm_binned_shear_free(binned);
  if (!ok) return cli_fail("sample-mmgan", error);
  fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
