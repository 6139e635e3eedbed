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

/* Opens the catalogue the options name as a stream (darkmap/catalog.h). */
DmCatalogStream *cli_catalog_stream_from_options(const CliArgs *args, DmError **error);

/* The summary cli_catalog_from_options prints, for a stream after a pass. */
void cli_print_stream_summary(const CliArgs *args, const DmCatalogStream *stream);

/* Bins the catalogue the options name, streamed in chunks (progress on
 * stderr): the grid of dm_bin_catalog on the whole catalogue, in the memory
 * of one chunk. */
DmBinnedShear *cli_bin_from_options(const CliArgs *args, DmError **error);

/* --shear FILE when given, else the catalogue options. */
DmBinnedShear *cli_shear_from_options(const CliArgs *args, DmError **error);

#endif
