/* darkmap-cli train-cosmogan: trains a CosmoGAN emulator of convergence
 * maps (darkmap/cosmogan.h) on a FITS cube or folder of maps, or on
 * simulated maps, through dm_train (darkmap/train.h). */
#include <stdio.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-train.h"
#include "darkmap/theory.h"

static const CliOptionSpec cosmogan_options[] = {
    {"maps", true,
     "PATH     training maps: a FITS cube or a folder of FITS images, cut into "
     "size² tiles (default: simulated, which needs --theory)"},
    {"size", true, "N        side of the maps in pixels, a multiple of 16 (quick 64, full 256)"},
    {"pixel-arcmin", true,
     "P        pixel side (default 0.29, COSMOS's; files with a WCS give "
     "their own)"},
    {"pool-maps", true, "N        maps simulated, or at most read (quick 1024, full 4096)"},
    {"validation", true, "N        maps generated per validation (quick 256, full 1000)"},
    {"latent", true, "Z        size of the latent vector (default 64)"},
    {NULL, false, NULL},
};

int cli_train_cosmogan_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {cli_train_options, cosmogan_options, cli_device_options};
  if (cli_wants_help(argc, argv)) {
    printf(
        "Usage: darkmap-cli train-cosmogan [--maps cube.fits|folder] [--theory table.csv]\n"
        "                                  [--size N] [--pixel-arcmin P]\n"
        "                                  [--preset quick|full] [--steps N] [--resume]\n"
        "                                  --out model.safetensors\n"
        "Trains a CosmoGAN (Mustafa et al. 2019: a DCGAN with the non-saturating loss, 1 %%\n"
        "label flips, Adam 2e-4 and beta1 0.5) that emulates convergence maps like its\n"
        "training maps: your own (--maps: N-body maps as a FITS cube or a folder of\n"
        "images) or, by default, lognormal fields of the theory C_ell with NFW haloes.\n"
        "--width is the networks' base width (the paper's 64: full preset); --depth does\n"
        "not apply (four layers).  Every validation compares generated maps with the\n"
        "training maps (C_ell, pixel PDF, Minkowski functionals, KS); the model, its\n"
        "card (.md) and one checkpoint file are written at every checkpoint; Ctrl+C\n"
        "stops after the step in progress and saves it.\n\n");
    cli_args_print_help(tables, 3);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  if (!cli_args_parse(&args, argc, argv, tables, 3, &error))
    return cli_fail("train-cosmogan", error);
  if (cli_args_value(&args, "depth")) {
    dm_error_set(&error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A CosmoGAN's networks have four layers: --depth does not apply.");
    return cli_fail("train-cosmogan", error);
  }
  DmTrainRequest request;
  DmTheorySpectrum *theory = NULL;
  bool ok = cli_train_request_from_options(&args, DM_TRAIN_COSMOGAN, &request, &theory, &error) &&
            cli_args_int(&args, "size", 16, 4096, &request.size, &error) &&
            cli_args_int(&args, "pool-maps", 1, 10000000, &request.pool_maps, &error) &&
            cli_args_int(&args, "validation", 2, 1000000, &request.validation, &error) &&
            cli_args_int(&args, "latent", 1, 64, &request.z_channels, &error) &&
            cli_args_double(&args, "pixel-arcmin", &request.pixel_arcmin, &error) &&
            cli_train_device_from_options(&args, &request, &error);
  request.maps_path = cli_args_value(&args, "maps");
  int status = ok ? cli_train_run("train-cosmogan", &request) : cli_fail("train-cosmogan", error);
  dm_theory_free(theory);
  return status;
}
