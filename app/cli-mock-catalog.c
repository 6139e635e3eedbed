/* darkmap-cli mock-catalog: the galaxies of a simulated survey drawn over a
 * convergence map (darkmap/mock-catalog.h), as a FITS table like a real
 * catalogue: the input of bin, mosaic and the other commands, with a truth
 * to check their maps against. */
#include <limits.h>
#include <stdio.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-progress.h"
#include "darkmap/fits.h"
#include "darkmap/mock-catalog.h"

static const CliOptionSpec mock_catalog_options[] = {
    {"kappa", true, "FILE     convergence map with WCS (primary HDU, e.g. from 'simulate')"},
    {"density", true, "N        galaxies per arcmin² outside the holes (default 30)"},
    {"sigma-e", true, "S        shape noise per component (default 0.26)"},
    {"holes", true, "H        circular holes per deg² (default 3)"},
    {"hole-arcmin", true, "MIN,MAX  hole radii in arcmin (default 1,4)"},
    {"seed", true, "S        seed of the positions, holes and noise (default 1)"},
    {"out-mask", true, "FILE     also write the holes' mask on the map's grid (FITS)"},
    {"out", true, "FILE     output catalogue (FITS table RA, DEC, E1, E2, WEIGHT)"},
    {NULL, false, NULL},
};

static bool options_from_args(const CliArgs *args, DmMockCatalogOptions *options,
                              DmError **error) {
  dm_mock_catalog_options_init(options);
  int seed = 1;
  if (!cli_args_double(args, "density", &options->density_arcmin2, error) ||
      !cli_args_double(args, "sigma-e", &options->sigma_e, error) ||
      !cli_args_double(args, "holes", &options->holes_per_deg2, error) ||
      !cli_args_int(args, "seed", 0, INT_MAX, &seed, error))
    return false;
  options->seed = (uint64_t)seed;
  const char *radii = cli_args_value(args, "hole-arcmin");
  char tail = 0;
  if (radii && sscanf(radii, "%lf,%lf%c", &options->hole_min_arcmin, &options->hole_max_arcmin,
                      &tail) != 2)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --hole-arcmin needs MIN,MAX in arcmin, not '%s'.", radii);
  return true;
}

int cli_mock_catalog_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {mock_catalog_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli mock-catalog --kappa kappa.fits [--density N] [--sigma-e S]\n"
           "                                [--holes H] [--hole-arcmin MIN,MAX] [--seed S]\n"
           "                                [--out-mask mask.fits] --out catalog.fits\n"
           "Draws a survey's galaxies over a convergence map: uniform positions outside\n"
           "circular holes, ellipticity = the map's shear at the galaxy + shape noise.\n\n");
    cli_args_print_help(tables, 1);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  DmMockCatalogOptions options;
  if (!cli_args_parse(&args, argc, argv, tables, 1, &error) ||
      !options_from_args(&args, &options, &error))
    return cli_fail("mock-catalog", error);
  const char *kappa_path = cli_args_require(&args, "kappa", &error);
  const char *out = kappa_path ? cli_args_require(&args, "out", &error) : NULL;
  const char *out_mask = cli_args_value(&args, "out-mask");
  DmMap *kappa = out ? dm_fits_read_image(kappa_path, NULL, &error) : NULL;
  DmMap *mask = NULL;
  DmMockCatalogInfo info;
  DmProgress progress = cli_progress_init();
  bool ok = kappa && dm_mock_catalog_write(kappa, &options, out, out_mask ? &mask : NULL, &info,
                                           &progress, &error);
  cli_progress_done();
  ok = ok && (!out_mask || dm_fits_write_map(out_mask, mask, &error));
  if (ok)
    fprintf(stderr, "Drew %zu galaxies over %d × %d pixels (%d holes, %.1f %% masked).\n",
            info.n_galaxies, kappa->nx, kappa->ny, info.n_holes, 100 * info.masked_fraction);
  dm_map_free(kappa);
  dm_map_free(mask);
  if (!ok) return cli_fail("mock-catalog", error);
  fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
