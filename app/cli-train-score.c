/* darkmap-cli train-score: denoising score matching of the hybrid prior's
 * network residual (or of the plain prior score) on simulated convergence
 * maps of a survey's pixel scale, through dm_train (darkmap/train.h). */
#include <stdio.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-train.h"
#include "darkmap/theory.h"

static const CliOptionSpec score_options[] = {
    {"size", true, "N        side of the training maps in pixels (quick 64, full 128)"},
    {"pixel-arcmin", true, "P        pixel side (default 0.29, the COSMOS grid's)"},
    {"plain", false, "         train the whole prior score (no theory term), not the hybrid residual"},
    {"maps", true,
     "FILE     training maps from a FITS cube or folder of N-body maps, cut into size² "
     "tiles: the first K (--pool) train, the next (--validation-pool) validate "
     "(default: simulated)"},
    {"pool", true, "K        training maps made once, then shifted, flipped, transposed "
                   "(quick 64, full 256)"},
    {"validation-pool", true, "K        held-out maps of the validation loss (quick 8, full 32)"},
    {"cosine", true, "N        warm-up and cosine decay of the rate to 5 % at step N "
                     "(default: constant)"},
    {"sigma-min", true, "S        smallest noise level (default 1e-3)"},
    {"sigma-max", true, "S        largest noise level (default 0.3)"},
    {NULL, false, NULL},
};

int cli_train_score_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {cli_train_options, score_options, cli_device_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli train-score --theory table.csv [--preset quick|full] [--size N]\n"
           "                               [--steps N] [--resume] --out model.safetensors\n"
           "Trains the network residual of the hybrid prior score by denoising score\n"
           "matching on lognormal fields of the theory C_ell plus NFW haloes (a pool of\n"
           "maps made once, randomly shifted, flipped and transposed at every draw), or\n"
           "on tiles of N-body maps (--maps cube.fits: darkmap-cli simulate --field nbody).\n"
           "The model, its card (.md) and one checkpoint file are written at every\n"
           "checkpoint; Ctrl+C (or SIGUSR1) stops after the step in progress and saves it.\n"
           "Under mpirun -np N (when built with MPI) the N processes train one model:\n"
           "each takes --batch / N of every step and their gradients are averaged.\n\n");
    cli_args_print_help(tables, 3);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  if (!cli_args_parse(&args, argc, argv, tables, 3, &error)) return cli_fail("train-score", error);
  DmTrainKind kind = cli_args_flag(&args, "plain") ? DM_TRAIN_SCORE_PLAIN : DM_TRAIN_SCORE_HYBRID;
  DmTrainRequest request;
  DmTheorySpectrum *theory = NULL;
  bool ok = cli_train_request_from_options(&args, kind, &request, &theory, &error) &&
            cli_args_int(&args, "size", 4, 8192, &request.size, &error) &&
            cli_args_int(&args, "pool", 1, 1000000, &request.pool_maps, &error) &&
            cli_args_int(&args, "validation-pool", 1, 1000000, &request.validation, &error) &&
            cli_args_int(&args, "cosine", 1, 100000000, &request.cosine, &error) &&
            cli_args_double(&args, "pixel-arcmin", &request.pixel_arcmin, &error) &&
            cli_args_double(&args, "sigma-min", &request.sigma_min, &error) &&
            cli_args_double(&args, "sigma-max", &request.sigma_max, &error) &&
            cli_train_device_from_options(&args, &request, &error);
  request.maps_path = cli_args_value(&args, "maps");
  int status = ok ? cli_train_run("train-score", &request) : cli_fail("train-score", error);
  dm_theory_free(theory);
  return status;
}
