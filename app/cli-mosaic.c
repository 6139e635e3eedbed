/* darkmap-cli mosaic: a wide survey's convergence as a mosaic of
 * overlapping tangent-plane tiles, each reconstructed with any method and
 * stitched with apodised overlaps (darkmap/mosaic.h).  The catalogue is
 * streamed: memory holds one chunk and the tiles, not the catalogue. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli-commands.h"
#include "cli-device.h"
#include "cli-healpix.h"
#include "cli-mosaic.h"
#include "cli-mpi.h"
#include "cli-progress.h"
#include "cli-shear-input.h"

static const CliOptionSpec mosaic_options[] = {
    {"tile-deg", true, "D        side of a tile's core in degrees (default 2)"},
    {"overlap-deg", true, "O        margin of each tile beyond its core, degrees (default 0.5)"},
    {"method", true, "M        ks, wiener, score-hmc, score-flow or mmgan (default ks)"},
    {"theory", true, "FILE     prior C_ell table (wiener, score)"},
    {"theory-column", true, "NAME     C_ell column of the theory table"},
    {"model", true, "FILE     model weights (mmgan: of the tiles' side; score: optional)"},
    {"samples", true, "K        posterior samples per tile (default 16; wiener 0: the filter)"},
    {"seed", true, "S        seed of the samples (default 1)"},
    {"smooth-pixels", true, "S        KS: Gaussian smoothing sigma in pixels (default 0)"},
    {"pad", false, "         KS: zero-pad each tile to twice its size"},
    {"out", true, "FILE     output mosaic (FITS: mean, STD, SIGNIF, COUNTS)"},
    {"healpix", true, "FILE     also the mosaic on HEALPix pixels, those with galaxies "
                      "(partial sky)"},
    {NULL, false, NULL},
};

/* Grid options of the catalogue table that a mosaic sizes itself. */
static const char *const grid_only_options[] = {"size", "center"};

/* The request the options describe; *theory receives the prior it reads
 * (freed by the caller). */
static bool request_from_options(const CliArgs *args, DmMosaicRequest *request,
                                 DmTheorySpectrum **theory, DmError **error) {
  DmReconstructMethod method = DM_RECONSTRUCT_KS;
  const char *name = cli_args_value(args, "method");
  if (name && !dm_reconstruct_method_from_name(name, &method))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --method is ks, wiener, score-hmc, score-flow or mmgan, not "
                        "'%s'.",
                        name);
  dm_mosaic_request_init(request, method);
  DmReconstructRequest *r = &request->reconstruct;
  if (method == DM_RECONSTRUCT_WIENER) r->n_samples = 0;
  int seed = 1;
  DmGridSpec grid;
  for (size_t i = 0; i < sizeof grid_only_options / sizeof grid_only_options[0]; i++)
    if (cli_args_value(args, grid_only_options[i]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Option --%s does not apply to a mosaic: its tiles are sized by "
                          "--tile-deg and --overlap-deg and centred on the survey.",
                          grid_only_options[i]);
  if (!cli_grid_from_options(args, &grid, error) ||
      !cli_args_double(args, "tile-deg", &request->tile_deg, error) ||
      !cli_args_double(args, "overlap-deg", &request->overlap_deg, error) ||
      !cli_args_int(args, "samples", 0, INT_MAX, &r->n_samples, error) ||
      !cli_args_int(args, "seed", 0, INT_MAX, &seed, error) ||
      !cli_args_double(args, "smooth-pixels", &r->ks.smooth_sigma_pixels, error) ||
      !cli_device_from_options(args, &r->device, &r->threads, error))
    return false;
  if (cli_args_value(args, "pixel-arcmin")) request->pixel_arcmin = grid.pixel_arcmin;
  request->projection = grid.projection;
  request->flip_e2 = grid.flip_e2;
  request->noise_model = grid.noise_model;
  r->seed = (uint64_t)seed;
  r->ks.pad = cli_args_flag(args, "pad");
  r->model_path = dm_reconstruct_method_needs_model(method) ? cli_args_require(args, "model", error)
                                                            : cli_args_value(args, "model");
  if (dm_reconstruct_method_needs_model(method) && !r->model_path) return false;
  r->theory_path = cli_args_value(args, "theory");
  if (dm_reconstruct_method_needs_theory(method)) {
    if (!cli_args_require(args, "theory", error)) return false;
    *theory = dm_theory_read_csv(r->theory_path, cli_args_value(args, "theory-column"), error);
    if (!*theory) return false;
    r->theory = *theory;
  }
  return true;
}

bool cli_mosaic_command_open(CliMosaicCommand *command, int argc, char **argv, DmError **error) {
  *command = (CliMosaicCommand){0};
  const CliOptionSpec *tables[] = {mosaic_options, cli_catalog_options, cli_device_options,
                                   cli_healpix_options};
  return cli_args_parse(&command->args, argc, argv, tables, 4, error) &&
         (command->out = cli_args_require(&command->args, "out", error)) != NULL &&
         cli_args_require(&command->args, "catalog", error) &&
         request_from_options(&command->args, &command->request, &command->theory, error) &&
         (command->stream = cli_catalog_stream_from_options(&command->args, error)) != NULL;
}

bool cli_mosaic_command_write(const CliMosaicCommand *command, const DmMosaic *mosaic,
                              DmError **error) {
  const char *healpix = cli_args_value(&command->args, "healpix");
  bool ok = dm_mosaic_write(command->out, mosaic, error) &&
            (!healpix || cli_healpix_write(&command->args, healpix, mosaic->posterior,
                                           mosaic->counts, error));
  cli_print_stream_summary(&command->args, command->stream);
  fprintf(stderr,
          "Mosaic of %d tiles (%d without galaxies) of %d × %d pixels: %d × %d pixels of "
          "%g arcmin, in %.2f s (%.2f tiles/s).\n",
          mosaic->n_tiles, mosaic->n_empty, mosaic->tile_pixels, mosaic->tile_pixels,
          mosaic->posterior->mean->nx, mosaic->posterior->mean->ny,
          command->request.pixel_arcmin, mosaic->seconds, mosaic->n_tiles / mosaic->seconds);
  return ok;
}

void cli_mosaic_command_close(CliMosaicCommand *command) {
  dm_catalog_stream_close(command->stream);
  dm_theory_free(command->theory);
  command->stream = NULL;
  command->theory = NULL;
}

int cli_mosaic_main(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    const CliOptionSpec *tables[] = {mosaic_options, cli_catalog_options, cli_device_options,
                                     cli_healpix_options};
    printf("Usage: darkmap-cli mosaic --catalog FILE [--tile-deg D] [--overlap-deg O]\n"
           "                          [--method ks|wiener|...] [--pixel-arcmin P]\n"
           "                          --out mosaic.fits [--healpix F [--nside N] [--nest]]\n"
           "       mpirun -np N darkmap-cli mosaic ...   (when built with MPI)\n"
           "Maps a wide survey as a mosaic: overlapping TAN tiles, each binned from the\n"
           "streamed catalogue and reconstructed, their offsets matched, stitched with\n"
           "cos² tapers across the overlaps into one TAN map centred on the survey\n"
           "(1' pixels by default).  Under mpirun the ranks share the tiles and rank 0\n"
           "stitches and writes the same mosaic.\n"
           "--projection car (or flat) makes a plate carree mosaic, linear in RA and Dec,\n"
           "for surveys too long for one tangent plane (up to Dec ±80°).\n"
           "--size and --center do not apply.\n\n");
    cli_args_print_help(tables, 4);
    return 0;
  }
#if DARKMAP_MPI
  if (cli_mpi_launched()) return cli_mosaic_mpi_main(argc, argv);
#endif
  DmError *error = NULL;
  CliMosaicCommand command;
  bool ok = cli_mosaic_command_open(&command, argc, argv, &error);
  DmProgress progress = cli_progress_init();
  DmMosaic *mosaic = ok ? dm_mosaic_run(&command.request, command.stream, &progress, &error)
                        : NULL;
  cli_progress_done();
  ok = mosaic && cli_mosaic_command_write(&command, mosaic, &error);
  dm_mosaic_free(mosaic);
  cli_mosaic_command_close(&command);
  if (!ok) return cli_fail("mosaic", error);
  fprintf(stderr, "Wrote %s.\n", command.out);
  return 0;
}
