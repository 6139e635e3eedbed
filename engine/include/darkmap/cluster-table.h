/* Galaxy-cluster catalogues (X-ray, SZ, optical) to overlay on a map.
 *
 * A table is a CSV file with a header line (darkmap/csv.h) or the first
 * table HDU of a FITS file; the format is recognised from the file's first
 * bytes ("SIMPLE  =" is FITS), not its name.  Columns are found by name,
 * case-insensitively:
 *   RA:    RA, RA_DEG, RAJ2000, RA_J2000, ALPHA_J2000, ALPHA, then any name
 *          starting with "RA_"  (degrees)
 *   Dec:   DEC, DEC_DEG, DEJ2000, DECJ2000, DEC_J2000, DELTA_J2000, DELTA,
 *          then any name starting with "DEC_"  (degrees)
 *   z:     Z, REDSHIFT, Z_SPEC, ZSPEC, Z_PHOT, ZPHOT, Z_CL  (optional)
 *   mass:  MASS, then the first name starting with M that is not a
 *          magnitude or mask (M*, e.g. M500_1E13MSUN)  (optional, the
 *          table's own unit)
 *   label: NAME, CLUSTER, OBJECT, ID, OBJID, SOURCE  (optional; text or
 *          numbers)
 * RA and Dec are required, in degrees, or as text in sexagesimal
 * ("10:03:12.6" or "10h03m12.6s" hours for RA, "-01:59:23" or "-01d59m23s"
 * for Dec; CSV cells and FITS string columns).  Every row must hold a finite position with
 * |Dec| <= 90. */
#ifndef DARKMAP_CLUSTER_TABLE_H
#define DARKMAP_CLUSTER_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  size_t n;          /* clusters (rows), > 0 */
  char **label;      /* n strings: the name or id as written; the 1-based row
                        number when the table has no label column */
  double *ra, *dec;  /* n each, degrees; RA in [0, 360) */
  double *z;         /* n; NaN where blank or without a z column */
  double *mass;      /* n; NaN where blank, not positive or without a mass column */
  /* The column names used, as the file spells them; "" when absent. */
  char *label_column, *ra_column, *dec_column, *z_column, *mass_column;
} DmClusterTable;

/* Reads a cluster table.  Fails with DM_ERROR_NOT_FOUND (missing file, no
 * RA or Dec column: the message lists the table's columns),
 * DM_ERROR_FORMAT (a row without a finite position or with |Dec| > 90,
 * named by its row number; a FITS column that does not hold one number
 * (or, for RA and Dec, one text) per row; a FITS file without a table),
 * DM_ERROR_NO_DATA (no rows). */
DmClusterTable *dm_cluster_table_read(const char *path, DmError **error);
void dm_cluster_table_free(DmClusterTable *table);

#ifdef __cplusplus
}
#endif

#endif
