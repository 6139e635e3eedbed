/* The raw pre-scan of a FITS file's headers, run before cfitsio opens it
 * (private to engine/io).
 *
 * cfitsio 4.2 trusts the cards it parses: some fill fixed buffers without a
 * bound (a column name into 70 bytes, a value into 71, a comment into 73),
 * and a hostile file can make it overflow them and abort or corrupt the
 * process.  This scan reads every header cfitsio can reach, parsing each
 * card as cfitsio does, and refuses the file before cfitsio sees it when a
 * card is one of those. */
#ifndef DARKMAP_IO_FITS_HEADER_SCAN_H
#define DARKMAP_IO_FITS_HEADER_SCAN_H

#include <stdbool.h>

#include "darkmap/error.h"

/* False with DM_ERROR_FORMAT when a header of the file at path holds a
 * control character, a value or comment longer than cfitsio's buffers, or
 * an unquoted column name longer than a quoted one can be (68 characters);
 * the message names the card and HDU.  Whatever the scan cannot follow
 * (not FITS at all, a truncated file, odd sizes) is left to cfitsio to
 * report: true then. */
bool dm_fits_check_raw_headers(const char *path, DmError **error);

#endif
