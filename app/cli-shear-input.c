/* Catalogue + grid options shared by subcommands (see cli-shear-input.h). */
#include "cli-shear-input.h"

#include <stdio.h>
#include <string.h>

#include "cli-mpi.h"
#include "cli-progress.h"
#include "darkmap/catalog.h"

const CliOptionSpec cli_catalog_options[] = {
    {"catalog", true, "FILE     shear catalogue (FITS binary table)"},
    {"hdu", true, "N        1-based HDU of the table (default: first table)"},
    {"ra", true, "COL      RA column (default: detected)"},
    {"dec", true, "COL      Dec column"},
    {"e1", true, "COL      first ellipticity column"},
    {"e2", true, "COL      second ellipticity column"},
    {"weight", true, "COL      weight column ('' for unit weights)"},
    {"size", true, "N        grid side in pixels (default 360)"},
    {"pixel-arcmin", true, "P        pixel side in arcmin (default 0.29)"},
    {"center", true, "RA,DEC   grid centre in degrees (default: catalogue median)"},
    {"projection", true, "tan|flat projection (default tan, RA increasing to the left; car is "
                         "flat)"},
    {"flip-e2", false, "         negate e2 (for flat grids with RA increasing to the right)"},
    {"noise", true, "count|weighted  per-pixel noise model (default count)"},
    {NULL, false, NULL},
};

bool cli_grid_from_options(const CliArgs *args, DmGridSpec *spec, DmError **error) {
  dm_grid_spec_init(spec);
  int size = spec->nx;
  if (!cli_args_int(args, "size", 1, DM_GRID_MAX_SIDE, &size, error) ||
      !cli_args_double(args, "pixel-arcmin", &spec->pixel_arcmin, error))
    return false;
  spec->nx = spec->ny = size;
  const char *center = cli_args_value(args, "center");
  if (center) {
    char tail = 0;
    if (sscanf(center, "%lf,%lf%c", &spec->center_ra, &spec->center_dec, &tail) != 2)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Option --center needs RA,DEC in degrees, not '%s'.", center);
    spec->has_center = true;
  }
  const char *projection = cli_args_value(args, "projection");
  if (projection && (strcmp(projection, "flat") == 0 || strcmp(projection, "car") == 0)) {
    spec->projection = DM_PROJECTION_FLAT;
    spec->ra_left = false;  /* the shipped COSMOS convention */
  } else if (projection && strcmp(projection, "tan") != 0) {
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --projection is 'tan' or 'flat' ('car'), not '%s'.", projection);
  }
  spec->flip_e2 = cli_args_flag(args, "flip-e2");
  const char *noise = cli_args_value(args, "noise");
  if (noise && strcmp(noise, "weighted") == 0)
    spec->noise_model = DM_NOISE_WEIGHTED;
  else if (noise && strcmp(noise, "count") != 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --noise is 'count' or 'weighted', not '%s'.", noise);
  return true;
}

/* The catalogue file and columns the options name (hdu 0: the first table). */
static const char *catalog_source(const CliArgs *args, int *hdu, DmCatalogColumns *columns,
                                  DmError **error) {
  *hdu = 0;
  const char *path = cli_args_require(args, "catalog", error);
  if (!path || !cli_args_int(args, "hdu", 1, 100000, hdu, error)) return NULL;
  *columns = (DmCatalogColumns){cli_args_value(args, "ra"), cli_args_value(args, "dec"),
                                cli_args_value(args, "e1"), cli_args_value(args, "e2"),
                                cli_args_value(args, "weight")};
  return path;
}

/* "Read N galaxies from F (HDU, columns)" and the rows skipped; layout gives
 * the table's HDU, columns and skip counts.  Under an MPI launcher, rank 0's
 * alone (every rank reads the same catalogue). */
static void print_catalog_summary(const char *path, const DmCatalog *layout, size_t kept) {
  if (cli_mpi_launcher_rank() > 0) return;
  fprintf(stderr, "Read %zu galaxies from %s (HDU %d; columns %s, %s, %s, %s, %s)", kept, path,
          layout->hdu, layout->column_names[0], layout->column_names[1],
          layout->column_names[2], layout->column_names[3],
          layout->column_names[4][0] ? layout->column_names[4] : "unit weights");
  if (layout->n_skipped_nonfinite || layout->n_skipped_weight)
    fprintf(stderr, "; skipped %zu rows with NaN/inf and %zu with weight <= 0",
            layout->n_skipped_nonfinite, layout->n_skipped_weight);
  fprintf(stderr, ".\n");
}

DmCatalog *cli_catalog_from_options(const CliArgs *args, DmError **error) {
  int hdu;
  DmCatalogColumns columns;
  const char *path = catalog_source(args, &hdu, &columns, error);
  if (!path) return NULL;
  DmProgress progress = cli_progress_init();
  DmCatalog *catalog = dm_catalog_read(path, hdu, &columns, &progress, error);
  cli_progress_done();
  if (catalog) print_catalog_summary(path, catalog, catalog->n);
  return catalog;
}

DmCatalogStream *cli_catalog_stream_from_options(const CliArgs *args, DmError **error) {
  int hdu;
  DmCatalogColumns columns;
  const char *path = catalog_source(args, &hdu, &columns, error);
  return path ? dm_catalog_stream_open(path, hdu, &columns, error) : NULL;
}

void cli_print_stream_summary(const CliArgs *args, const DmCatalogStream *stream) {
  print_catalog_summary(cli_args_value(args, "catalog"), dm_catalog_stream_layout(stream),
                        dm_catalog_stream_kept(stream));
}

DmBinnedShear *cli_bin_from_options(const CliArgs *args, DmError **error) {
  DmGridSpec spec;
  if (!cli_args_require(args, "catalog", error) || !cli_grid_from_options(args, &spec, error))
    return NULL;
  DmCatalogStream *stream = cli_catalog_stream_from_options(args, error);
  if (!stream) return NULL;
  DmProgress progress = cli_progress_init();
  DmBinnedShear *binned = dm_bin_catalog_stream(stream, &spec, &progress, error);
  cli_progress_done();
  if (binned) {
    cli_print_stream_summary(args, stream);
    fprintf(stderr, "Binned %zu galaxies onto %d × %d pixels (%zu outside the grid).\n",
            binned->n_binned, binned->shear->nx, binned->shear->ny, binned->n_outside);
  }
  dm_catalog_stream_close(stream);
  return binned;
}

DmBinnedShear *cli_shear_from_options(const CliArgs *args, DmError **error) {
  const char *shear = cli_args_value(args, "shear");
  if (shear && cli_args_value(args, "catalog")) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Give either --shear or --catalog, not both.");
    return NULL;
  }
  if (shear) return dm_binned_shear_read(shear, error);
  return cli_bin_from_options(args, error);
}
