/* darkmap-cli healpix: a map or posterior file put on HEALPix pixels, so
 * that it can be combined with other surveys' maps, and the reverse (any
 * HEALPix map, partial or full-sky, seen on a map's grid); and the HEALPix
 * options `mosaic --healpix` shares (cli-healpix.h). */
#include "cli-healpix.h"

#include <stdio.h>

#include "cli-commands.h"
#include "darkmap/fits.h"

const CliOptionSpec cli_healpix_options[] = {
    {"nside", true, "N        HEALPix NSIDE, a power of two (default: the finest whose "
                    "pixels are no larger than the map's)"},
    {"nest", false, "         NESTED pixel numbering (default RING)"},
    {NULL, false, NULL},
};

static const CliOptionSpec healpix_command_options[] = {
    {"map", true, "FILE     map or posterior file (its mean, STD and SIGNIF; plane 0: a "
                  "KS map's E mode)"},
    {"coverage", true, "FILE     galaxies per pixel on the map's grid: only pixels with "
                       "galaxies are kept"},
    {"coverage-ext", true, "NAME     image extension of the coverage (a mosaic's: COUNTS)"},
    {"from", true, "FILE     the reverse: a HEALPix map (partial or full-sky) to see on a grid"},
    {"column", true, "NAME     --from: the column to project (default: the first value)"},
    {"like", true, "FILE     --from: the map whose grid it is seen on"},
    {"out", true, "FILE     output: HEALPix map (FITS binary table, partial sky), or with "
                  "--from a FITS image and its MASK"},
    {NULL, false, NULL},
};

/* healpix --from F --like M: F's values on M's grid, with their coverage as
 * the MASK extension. */
static bool project(const CliArgs *args, const char *from, const char *out, DmError **error) {
  const char *like = cli_args_require(args, "like", error);
  DmMap *grid = like ? dm_fits_read_image(like, NULL, error) : NULL;
  if (grid && !grid->wcs) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "%s has no WCS: a HEALPix map cannot be placed on its grid.", like);
    dm_map_free(grid);
    return false;
  }
  DmMap *coverage = NULL;
  DmMap *map = grid ? dm_healpix_project(from, cli_args_value(args, "column"), grid->wcs,
                                         grid->nx, grid->ny, &coverage, error)
                    : NULL;
  DmFitsImageHdu hdus[2] = {{map, NULL}, {coverage, "MASK"}};
  bool ok = map && dm_fits_write_images(out, hdus, 2, error);
  if (ok) {
    size_t covered = 0, n = dm_map_plane_size(coverage);
    for (size_t i = 0; i < n; i++) covered += coverage->data[i] > 0.0f;
    fprintf(stderr, "Wrote %s: %d × %d pixels, %zu of them covered by %s.\n", out, map->nx,
            map->ny, covered, from);
  }
  dm_map_free(map);
  dm_map_free(coverage);
  dm_map_free(grid);
  return ok;
}

bool cli_healpix_write(const CliArgs *args, const char *path, const DmPosterior *posterior,
                       const DmMap *coverage, DmError **error) {
  int nside = 0;
  if (!cli_args_int(args, "nside", 1, 1 << 29, &nside, error)) return false;
  DmHealpixOrdering ordering = cli_args_flag(args, "nest") ? DM_HEALPIX_NESTED : DM_HEALPIX_RING;
  int64_t used = 0, n_pixels = 0;
  if (!dm_healpix_write_posterior(path, posterior, coverage, nside, ordering, &used, &n_pixels,
                                  error))
    return false;
  fprintf(stderr, "Wrote %lld HEALPix pixels of NSIDE %lld (%.3g arcmin, %s) to %s.\n",
          (long long)n_pixels, (long long)used, dm_healpix_pixel_arcmin(used),
          ordering == DM_HEALPIX_NESTED ? "NESTED" : "RING", path);
  return true;
}

int cli_healpix_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {healpix_command_options, cli_healpix_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli healpix --map kappa.fits [--coverage counts.fits] [--nside N]\n"
           "                           [--nest] --out kappa-healpix.fits\n"
           "       darkmap-cli healpix --from survey-healpix.fits [--column NAME]\n"
           "                           --like kappa.fits --out survey-on-grid.fits\n"
           "Puts a map on HEALPix pixels (celestial RA/Dec), only those whose centres fall\n"
           "on its grid, in the partial-sky layout healpy reads (read_map(partial=True)).\n"
           "With --from, the reverse: a HEALPix map (partial, or full-sky as healpy writes\n"
           "them) seen on the grid of --like, each pixel the HEALPix pixel under its\n"
           "centre, with a MASK of where the map has values.\n\n");
    cli_args_print_help(tables, 2);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error)) return cli_fail("healpix", error);
  const char *from = cli_args_value(&args, "from");
  if (from && cli_args_value(&args, "map")) {
    dm_error_set(&error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Give --map (to HEALPix) or --from (from HEALPix), not both.");
    return cli_fail("healpix", error);
  }
  if (from) {
    const char *out = cli_args_require(&args, "out", &error);
    return out && project(&args, from, out, &error) ? 0 : cli_fail("healpix", error);
  }
  const char *map_path = cli_args_require(&args, "map", &error);
  const char *out = map_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!out) return cli_fail("healpix", error);
  DmPosterior *posterior = dm_posterior_read(map_path, &error);
  DmMap *coverage = NULL;
  const char *coverage_path = cli_args_value(&args, "coverage");
  bool ok = posterior != NULL;
  if (ok && coverage_path)
    ok = (coverage = dm_fits_read_image(coverage_path, cli_args_value(&args, "coverage-ext"),
                                        &error)) != NULL;
  ok = ok && cli_healpix_write(&args, out, posterior, coverage, &error);
  dm_map_free(coverage);
  dm_posterior_free(posterior);
  return ok ? 0 : cli_fail("healpix", error);
}
