/* Atomic replacement of output files.
 *
 * A writer creates its output under a temporary name beside the target,
 * then dm_atomic_commit flushes it to disk, renames it over the target and
 * syncs the directory: a failure at any point leaves no partial file and
 * never destroys an existing target. */
#ifndef DARKMAP_ATOMIC_FILE_H
#define DARKMAP_ATOMIC_FILE_H

#include <stdbool.h>

#include "darkmap/error.h"

/* A unique name "<path>.tmp-XXXXXX" beside path that no file has (malloc'ed;
 * free with free()).  Fails with DM_ERROR_IO when the directory is not
 * writable or does not exist. */
char *dm_atomic_temp_name(const char *path, DmError **error);

/* Flushes the closed file temp to disk and renames it to path.  On failure
 * temp is removed and path is untouched. */
bool dm_atomic_commit(const char *temp, const char *path, DmError **error);

#endif
