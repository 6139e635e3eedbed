/* The catalogue and grid options that `bin` and `ks` share, and how a
 * binned shear is obtained from them (binning a catalogue, or reading a
 * shear file written by `bin`). */
#ifndef DARKMAP_CLI_SHEAR_INPUT_H
#define DARKMAP_CLI_SHEAR_INPUT_H

#include "cli-args.h"
#include "darkmap/binning.h"

/* --catalog, --hdu, --ra/--dec/--e1/--e2/--weight, --size, --pixel-arcmin,
 * --center, --projection, --flip-e2, --noise. */
extern const CliOptionSpec cli_catalog_options[];

/* The grid the options describe (centre unset unless --center is given). */
bool cli_grid_from_options(const CliArgs *args, DmGridSpec *spec, DmError **error);

/* Reads the catalogue the options name (progress and a summary on stderr). */
DmCatalog *cli_catalog_from_options(const CliArgs *args, DmError **error);

/* Reads and bins the catalogue the options name (progress on stderr). */
DmBinnedShear *cli_bin_from_options(const CliArgs *args, DmError **error);

/* --shear FILE when given, else the catalogue options. */
DmBinnedShear *cli_shear_from_options(const CliArgs *args, DmError **error);

#endif
