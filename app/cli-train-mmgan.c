/* darkmap-cli train-mmgan: trains an MMGAN generator (darkmap/mmgan.h) for
 * one survey geometry, on pairs drawn from a pool of lognormal (+ NFW
 * haloes) maps and rotated real noise of the catalogue, through dm_train
 * (darkmap/train.h). */
#include <stdio.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-shear-input.h"
#include "cli-train.h"
#include "darkmap/catalog.h"
#include "darkmap/theory.h"

static const CliOptionSpec mmgan_options[] = {
    {"maps", true,
     "FILE     clean maps from a FITS cube or folder of N-body maps, cut into tiles of "
     "the (square) grid: the first N (--pool-maps) train, the next (--validation) "
     "validate (default: simulated)"},
    {"pool-maps", true, "N        clean maps in the training pool (quick 32, full 64)"},
    {"pool-noise", true, "N        noise realisations in the pool (quick 16, full 32)"},
    {"validation", true, "N        validation pairs (quick 4, full 8)"},
    {"z-channels", true, "C        noise code channels (default 2)"},
    {"critic-width", true, "W        critic base width (quick 8, full 16)"},
    {"beta-adv", true, "B        weight of the adversarial loss (default 1e-5)"},
    {"adapt-every", true, "N        steps between w_SD updates (quick 50, full 100; 0: fixed)"},
    {NULL, false, NULL},
};

/* The grid options over the preset's grid: --size and --pixel-arcmin only
 * where given (the quick preset's grid is 64 × 64 pixels of 1.6′). */
static bool grid_from_options(const CliArgs *args, DmGridSpec *grid, DmError **error) {
  DmGridSpec given;
  if (!cli_grid_from_options(args, &given, error)) return false;
  if (!cli_args_value(args, "size")) given.nx = given.ny = grid->nx;
  if (!cli_args_value(args, "pixel-arcmin")) given.pixel_arcmin = grid->pixel_arcmin;
  *grid = given;
  return true;
}

int cli_train_mmgan_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {cli_train_options, mmgan_options, cli_catalog_options,
                                   cli_device_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli train-mmgan --catalog F --theory table.csv [--preset quick|full]\n"
           "                               [--size N] [--pixel-arcmin P] [--steps N]\n"
           "                               [--checkpoint-every N] [--resume]\n"
           "                               --out model.safetensors\n"
           "Trains an MMGAN conditional GAN (rcGAN losses, exact WGAN gradient penalty)\n"
           "that draws posterior samples of kappa for the survey geometry of the\n"
           "catalogue on the grid given: its mask and rotated real noise, its truths\n"
           "simulated or tiles of N-body maps (--maps cube.fits).  The quick\n"
           "preset's grid is 64 × 64 pixels of 1.6′, the full one's 360 × 360 of 0.29′.\n"
           "The model, its card (.md) and one checkpoint file are written at every\n"
           "checkpoint; Ctrl+C (or SIGUSR1) stops after the step in progress and saves it.\n"
           "Under mpirun -np N (when built with MPI) the N processes train one model:\n"
           "each takes --batch / N of every step and their gradients are averaged.\n\n");
    cli_args_print_help(tables, 4);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  if (!cli_args_parse(&args, argc, argv, tables, 4, &error)) return cli_fail("train-mmgan", error);
  DmTrainRequest request;
  DmTheorySpectrum *theory = NULL;
  DmCatalog *catalog = NULL;
  bool ok = cli_train_request_from_options(&args, DM_TRAIN_MMGAN, &request, &theory, &error) &&
            cli_args_int(&args, "pool-maps", 1, 1000000, &request.pool_maps, &error) &&
            cli_args_int(&args, "pool-noise", 1, 1000000, &request.pool_noise, &error) &&
            cli_args_int(&args, "validation", 1, 100000, &request.validation, &error) &&
            cli_args_int(&args, "z-channels", 1, 64, &request.z_channels, &error) &&
            cli_args_int(&args, "critic-width", 1, 1024, &request.critic_width, &error) &&
            cli_args_int(&args, "adapt-every", 0, 100000000, &request.adapt_every, &error) &&
            cli_args_double(&args, "beta-adv", &request.beta_adv, &error) &&
            cli_train_device_from_options(&args, &request, &error) &&
            grid_from_options(&args, &request.grid, &error) &&
            (catalog = cli_catalog_from_options(&args, &error)) != NULL;
  request.catalog = catalog;
  request.maps_path = cli_args_value(&args, "maps");
  request.catalog_path = cli_args_value(&args, "catalog");
  int status = ok ? cli_train_run("train-mmgan", &request) : cli_fail("train-mmgan", error);
  dm_catalog_free(catalog);
  dm_theory_free(theory);
  return status;
}
