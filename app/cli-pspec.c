/* darkmap-cli pspec: binned power spectrum of a map, with theory beside it. */
#include <stdio.h>
#include <string.h>

#include "cli-commands.h"
#include "cli-args.h"
#include "darkmap/fits.h"
#include "darkmap/mask.h"
#include "darkmap/pspec.h"
#include "darkmap/theory.h"

static const CliOptionSpec pspec_options[] = {
    {"map", true, "FILE     map (FITS image; primary HDU or --ext)"},
    {"ext", true, "NAME     image extension to read (default: primary)"},
    {"plane", true, "K        plane of a cube (default 0)"},
    {"mask", true, "FILE     mask (FITS image, 1 = data, or weights; a file's MASK "
                   "extension when it has one), same grid as the map"},
    {"apodise-pixels", true, "S        apodise the mask edges with a Gaussian of S pixels"},
    {"bins", true, "N        number of ell bins (default 20)"},
    {"log", false, "         logarithmic bins (default linear)"},
    {"ell-min", true, "L        lowest bin edge (default: fundamental mode)"},
    {"ell-max", true, "L        highest bin edge (default: Nyquist)"},
    {"pixel-arcmin", true, "P        pixel side when the map has no WCS"},
    {"theory", true, "FILE     theory table (CSV: ell, C_ell per sr)"},
    {"theory-column", true, "NAME     C_ell column of the theory table"},
    {"out", true, "FILE     output table (CSV)"},
    {NULL, false, NULL},
};

int cli_pspec_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {pspec_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli pspec --map kappa.fits [--mask M] --bins N [--theory table.csv]\n"
           "                         --out spectrum.csv\n"
           "Angular power spectrum C_ell (per sr) in ell bins.\n\n");
    cli_args_print_help(tables, 1);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  if (!cli_args_parse(&args, argc, argv, tables, 1, &error)) return cli_fail("pspec", error);
  DmPspecOptions options;
  dm_pspec_options_init(&options);
  options.n_bins = 20;
  int plane = 0;
  const char *map_path = cli_args_require(&args, "map", &error);
  const char *out = map_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!out || !cli_args_int(&args, "bins", 1, 100000, &options.n_bins, &error) ||
      !cli_args_int(&args, "plane", 0, 1000000, &plane, &error) ||
      !cli_args_double(&args, "ell-min", &options.ell_min, &error) ||
      !cli_args_double(&args, "ell-max", &options.ell_max, &error) ||
      !cli_args_double(&args, "pixel-arcmin", &options.pixel_arcmin, &error) ||
      !cli_args_double(&args, "apodise-pixels", &options.apodise_sigma_pixels, &error))
    return cli_fail("pspec", error);
  if (cli_args_flag(&args, "log")) options.scale = DM_BINS_LOG;

  DmMap *map = dm_fits_read_image(map_path, cli_args_value(&args, "ext"), &error);
  DmMap *mask = NULL;
  DmTheorySpectrum *theory = NULL;
  DmPowerSpectrum *spectrum = NULL;
  bool ok = map != NULL;
  const char *mask_path = cli_args_value(&args, "mask");
  if (ok && mask_path) ok = (mask = dm_mask_read_image(mask_path, &error)) != NULL;
  const char *theory_path = cli_args_value(&args, "theory");
  if (ok && theory_path)
    ok = (theory = dm_theory_read_csv(theory_path, cli_args_value(&args, "theory-column"),
                                      &error)) != NULL;
  options.mask = mask;
  ok = ok && (spectrum = dm_power_spectrum(map, plane, &options, &error)) != NULL &&
       dm_power_spectrum_write_csv(spectrum, theory, out, &error);
  if (ok)
    fprintf(stderr, "Wrote %d bins (ell %.0f to %.0f, f_sky %.3f) to %s.\n", spectrum->n_bins,
            spectrum->ell_lo[0], spectrum->ell_hi[spectrum->n_bins - 1], spectrum->fsky, out);
  dm_power_spectrum_free(spectrum);
  dm_theory_free(theory);
  dm_map_free(mask);
  dm_map_free(map);
  return ok ? 0 : cli_fail("pspec", error);
}
