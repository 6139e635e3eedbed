/* darkmap-cli sample-cosmogan: emulated convergence maps from a trained
 * CosmoGAN generator (darkmap/cosmogan.h), written as a cube with the TAN
 * WCS of the model's grid and the provenance. */
#include <limits.h>
#include <stdio.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-progress.h"
#include "darkmap/cosmogan.h"

static const CliOptionSpec sample_options[] = {
    {"model", true, "FILE     generator weights (from train-cosmogan)"},
    {"samples", true, "K        maps to draw (default 16)"},
    {"seed", true, "S        seed of the latent vectors: map k is stream k (default 1)"},
    {"center", true, "RA,DEC   centre of the maps' TAN grid in degrees (default 0,0)"},
    {"batch", true, "B        maps per generator call (default 64 on a GPU, 8 on the CPU)"},
    {"out", true, "FILE     the cube (FITS: mean, STD, SAMPLES)"},
    {NULL, false, NULL},
};

static bool center_from_options(const CliArgs *args, DmCosmoganGenerateRequest *r,
                                DmError **error) {
  const char *center = cli_args_value(args, "center");
  if (!center) return true;
  char tail;
  if (sscanf(center, "%lf,%lf%c", &r->center_ra, &r->center_dec, &tail) != 2)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --center needs RA,DEC in degrees, not '%s'.", center);
  r->has_center = true;
  return true;
}

int cli_sample_cosmogan_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {sample_options, cli_device_options};
  if (cli_wants_help(argc, argv)) {
    printf(
        "Usage: darkmap-cli sample-cosmogan --model weights.safetensors --samples K\n"
        "                                  [--seed S] [--center RA,DEC] [--batch B]\n"
        "                                  [--device auto|cpu|cuda] --out cube.fits\n"
        "Emulated convergence maps from a CosmoGAN generator (train-cosmogan): map k\n"
        "comes from latent vector k of the seed, whatever the batch.  The cube holds\n"
        "their mean (primary), their std (STD) and the maps (SAMPLES) on a TAN grid of\n"
        "the model's pixel scale, with the model, its SHA-256 and the seed.\n\n");
    cli_args_print_help(tables, 2);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  DmCosmoganGenerateRequest request;
  dm_cosmogan_generate_request_init(&request);
  request.keep_maps = false;
  int seed = 1;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error))
    return cli_fail("sample-cosmogan", error);
  request.model_path = cli_args_require(&args, "model", &error);
  request.out_path = request.model_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!request.out_path || !cli_args_int(&args, "samples", 1, INT_MAX, &request.n_maps, &error) ||
      !cli_args_int(&args, "batch", 1, 4096, &request.batch, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &seed, &error) ||
      !center_from_options(&args, &request, &error) ||
      !cli_device_from_options(&args, &request.device, &request.threads, &error))
    return cli_fail("sample-cosmogan", error);
  request.seed = (uint64_t)seed;
  DmProgress progress = cli_progress_init();
  DmCosmoganGenerateResult result;
  bool ok = dm_cosmogan_generate(&request, &progress, &result, &error);
  cli_progress_done();
  if (!ok) return cli_fail("sample-cosmogan", error);
  fprintf(stderr, "Network engine on %s.\n", result.device);
  fprintf(stderr, "%d maps of %d × %d pixels of %g′ in %.2f s (%.1f maps/s, batch %d).\n",
          request.n_maps, result.size, result.size, result.pixel_arcmin, result.seconds,
          request.n_maps / result.seconds, result.batch);
  fprintf(stderr, "Wrote %s.\n", request.out_path);
  dm_cosmogan_generate_result_clear(&result);
  return 0;
}
