/* darkmap-cli ks: Kaiser-Squires convergence (E mode, extension BMODE). */
#include <stdio.h>

#include "cli-commands.h"
#include "cli-shear-input.h"
#include "darkmap/fits.h"
#include "darkmap/reconstruct.h"

static const CliOptionSpec ks_options[] = {
    {"shear", true, "FILE     shear file from 'bin' (instead of --catalog)"},
    {"smooth-pixels", true, "S        Gaussian smoothing sigma in pixels (default 0)"},
    {"pad", false, "         zero-pad to twice the size before the FFT"},
    {"out", true, "FILE     output convergence map (FITS)"},
    {NULL, false, NULL},
};

int cli_ks_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {ks_options, cli_catalog_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli ks (--shear shear.fits | --catalog FILE [grid options])\n"
           "                      [--smooth-pixels S] [--pad] --out kappa.fits\n"
           "Kaiser-Squires reconstruction: primary HDU kappa E mode, extension BMODE.\n\n");
    cli_args_print_help(tables, 2);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error)) return cli_fail("ks", error);
  DmReconstructRequest request;
  dm_reconstruct_request_init(&request, DM_RECONSTRUCT_KS);
  request.ks.pad = cli_args_flag(&args, "pad");
  const char *out = cli_args_require(&args, "out", &error);
  if (!out || !cli_args_double(&args, "smooth-pixels", &request.ks.smooth_sigma_pixels, &error))
    return cli_fail("ks", error);
  if (request.ks.smooth_sigma_pixels < 0.0) {
    dm_error_set(&error, DM_ERROR_INVALID_ARGUMENT, 0, "Option --smooth-pixels must be >= 0.");
    return cli_fail("ks", error);
  }
  DmBinnedShear *binned = cli_shear_from_options(&args, &error);
  DmReconstruction *ks = binned ? dm_reconstruct(binned, &request, NULL, &error) : NULL;
  bool ok = ks != NULL;
  if (ok) {
    DmFitsImageHdu hdus[] = {{ks->posterior->mean, NULL}, {ks->b_mode, "BMODE"}};
    ok = dm_fits_write_images(out, hdus, 2, &error);
  }
  dm_reconstruction_free(ks);
  dm_binned_shear_free(binned);
  if (!ok) return cli_fail("ks", error);
  fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
