/* HEALPix output of darkmap-cli (darkmap/healpix.h): the options that
 * `healpix` and `mosaic --healpix` share, and their writing. */
#ifndef DARKMAP_CLI_HEALPIX_H
#define DARKMAP_CLI_HEALPIX_H

#include <stdbool.h>

#include "cli-args.h"
#include "darkmap/healpix.h"

/* --nside and --nest. */
extern const CliOptionSpec cli_healpix_options[];

/* Writes the posterior's maps to path as HEALPix, NSIDE and numbering from
 * args, coverage (NULL: the whole grid) as mask, and says what it wrote. */
bool cli_healpix_write(const CliArgs *args, const char *path, const DmPosterior *posterior,
                       const DmMap *coverage, DmError **error);

#endif
