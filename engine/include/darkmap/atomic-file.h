/* Atomic replacement of output files.
 *
 * A writer creates its output under a temporary name beside the target,
 * then dm_atomic_commit flushes it to disk, renames it over the target and
 * syncs the directory: a failure at any point leaves no partial file and
 * never destroys an existing target. */
#ifndef DARKMAP_ATOMIC_FILE_H
#define DARKMAP_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "darkmap/error.h"

/* A unique name "<path>.tmp-XXXXXX" beside path that no file has (malloc'ed;
 * free with free()).  Fails with DM_ERROR_IO when the directory is not
 * writable or does not exist. */
char *dm_atomic_temp_name(const char *path, DmError **error);

/* Flushes the closed file temp to disk and renames it to path.  On failure
 * temp is removed and path is untouched. */
bool dm_atomic_commit(const char *temp, const char *path, DmError **error);

/* Writes a text file atomically: write(f, data) prints it into the
 * temporary file (returning false on a failure of its own) and the file
 * replaces path only when every write, flush and close succeeded.  what
 * names the content in the message ("the power spectrum"); on failure the
 * error is DM_ERROR_IO with the system's reason, and path is untouched. */
bool dm_atomic_write_text(const char *path, const char *what,
                          bool (*write)(FILE *f, void *data), void *data, DmError **error);

#endif
