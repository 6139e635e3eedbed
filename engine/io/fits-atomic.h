/* cfitsio writing into a DmAtomicFile (private), so that a FITS output has
 * no name until it is complete (see darkmap/atomic-file.h). */
#ifndef DARKMAP_IO_FITS_ATOMIC_H
#define DARKMAP_IO_FITS_ATOMIC_H

#include <fitsio.h>

#include <stdbool.h>

#include "darkmap/atomic-file.h"

/* Creates a new FITS file in *fits that cfitsio writes into file's
 * descriptor (through a duplicate: closing *fits leaves file open).  Returns
 * and sets *status as cfitsio's calls do (0 on success). */
int dm_fits_create_atomic(fitsfile **fits, DmAtomicFile *file, int *status);

/* Ends a write: closes fits (NULL: never created), then commits file when
 * ok and the close succeeded, otherwise sets *error (unless already set)
 * from cfitsio's status as "Cannot write <path>" and aborts the file, so
 * that an existing file at path is left as it was.  Returns whether the
 * file was committed. */
bool dm_fits_finish_atomic(fitsfile *fits, DmAtomicFile *file, bool ok, int status,
                           const char *path, DmError **error);

#endif
