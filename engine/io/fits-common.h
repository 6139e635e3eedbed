/* cfitsio plumbing shared by Darkmap's FITS readers and writers (private).
 *
 * Files are opened and created with cfitsio's "disk file" calls, which take
 * the path literally: a name with brackets or a leading '!' is just a name,
 * never cfitsio's extended filename syntax. */
#ifndef DARKMAP_IO_FITS_COMMON_H
#define DARKMAP_IO_FITS_COMMON_H

#include <fitsio.h>
#include <stdbool.h>

#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/wcs.h"

/* Sets *error from a cfitsio status: DM_ERROR_NOT_FOUND for a missing file,
 * HDU or column, DM_ERROR_FORMAT for a file that is not (valid) FITS or is
 * truncated, DM_ERROR_NO_MEMORY for cfitsio's allocation failures,
 * DM_ERROR_FITS otherwise.  The message is "what path: " followed by
 * cfitsio's status text and its pending error messages, which are consumed.
 * lib_code is the status.  Always returns false. */
bool dm_fits_set_error(DmError **error, int status, const char *what, const char *path);

/* Opens path read-only.  A file whose headers hold control characters is
 * refused with DM_ERROR_FORMAT before cfitsio parses it (cfitsio 4.2 can
 * overflow on those).  Any stale cfitsio messages are discarded first, so
 * that a later error carries only its own. */
fitsfile *dm_fits_open_read(const char *path, DmError **error);

/* Closes a file opened for reading; errors on close are irrelevant there. */
void dm_fits_close_read(fitsfile *fits);

/* Checks that the current HDU's data, data_bytes long from its data start,
 * lies inside the file at path: a header that promises more than the file
 * holds fails with DM_ERROR_FORMAT before anything is allocated for it. */
bool dm_fits_check_data_present(fitsfile *fits, const char *path, long long data_bytes,
                                DmError **error);

/* Writes one metadata card into the current HDU (updating a key already
 * there; a HISTORY card is appended), bytes a header cannot hold replaced
 * by '?', a NaN double as an undefined value, doubles with the digits that
 * read back the same.  False when memory runs out (*status untouched);
 * cfitsio's failures set *status. */
bool dm_fits_write_meta_card(fitsfile *fits, const DmMetaCard *card, int *status);

/* A malloc'ed copy of an optional string keyword's value ("" when the
 * keyword is absent or not a string), or NULL when out of memory.  The
 * second form reads the indexed keyword "<root><index>" (TTYPE3...). */
char *dm_fits_read_string_key(fitsfile *fits, const char *key);
char *dm_fits_read_indexed_string_key(fitsfile *fits, const char *root, int index);

/* True for keywords that describe the FITS structure of an HDU (SIMPLE,
 * BITPIX, NAXISn, EXTEND, XTENSION, PCOUNT, GCOUNT, EXTNAME, BSCALE, BZERO,
 * BLANK, END, the long-string convention's CONTINUE and LONGSTRN) or its
 * world coordinates (CTYPEn, CRVALn, PCi_j, RADESYS...): Darkmap writes
 * those itself and does not keep them as metadata. */
bool dm_fits_key_is_reserved(const char *key);

/* The current HDU's header cards, 80 characters each with no END, as
 * dm_wcs_new_from_header takes them (it keeps only the cards wcslib can
 * parse safely); *n_cards receives their number.  malloc'ed; free with
 * free(). */
char *dm_fits_header_for_wcs(fitsfile *fits, const char *path, int *n_cards, DmError **error);

/* The current HDU's celestial WCS into *wcs (owned by the caller); *wcs
 * stays NULL when the header names none.  A WCS that does not parse fails
 * with wcslib's message, prefixed "Cannot read the WCS of <path>". */
bool dm_fits_read_wcs(fitsfile *fits, const char *path, DmWcs **wcs, DmError **error);

/* True when the current HDU's CTYPE1 or CTYPE2 names a celestial axis
 * (RA--, DEC-, xLON, xLAT, xyLN, xyLT, as wcslib recognises them). */
bool dm_fits_has_celestial_ctype(fitsfile *fits);

#endif
