/* Galaxy shape catalogues from FITS binary tables (cfitsio).
 *
 * The reader streams the table in row chunks (cfitsio's optimal row count)
 * straight into the kept arrays: a large catalogue is read once, never held
 * twice.  Rows with a NaN/inf coordinate or ellipticity, or a weight that is
 * not finite and positive, are skipped and counted. */
#ifndef DARKMAP_CATALOG_H
#define DARKMAP_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/error.h"
#include "darkmap/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Column names to use; NULL means "detect" (case-insensitive):
 *   ra:     RA, RA_DEG, RAJ2000, ALPHA_J2000, ALPHA
 *   dec:    DEC, DEC_DEG, DEJ2000, DECJ2000, DELTA_J2000, DELTA
 *   e1/e2:  E1/E2, G1/G2, GAMMA1/GAMMA2, E_1/E_2, SHEAR1/SHEAR2
 *   weight: WEIGHT, W, WEIGHTS, WT; no weight column: every weight is 1.
 * weight = "" asks for unit weights even when a weight column exists. */
typedef struct {
  const char *ra, *dec, *e1, *e2, *weight;
} DmCatalogColumns;

typedef struct {
  size_t n;              /* galaxies kept */
  double *ra, *dec;      /* degrees, n each (owned) */
  double *e1, *e2;       /* ellipticity components as stored in the file */
  double *weight;        /* > 0; all 1 when unweighted */
  size_t n_rows;         /* rows in the table */
  size_t n_skipped_nonfinite;  /* rows with NaN/inf in ra, dec, e1 or e2 */
  size_t n_skipped_weight;     /* rows with weight <= 0 or not finite */
  int hdu;               /* 1-based HDU number read (1 = primary) */
  char *column_names[5]; /* ra, dec, e1, e2, weight actually used ("" = unit weights) */
} DmCatalog;

/* Reads a catalogue.  hdu: 1-based HDU number, or 0 for the first binary or
 * ASCII table.  columns may be NULL (all detected).  Fails with
 * DM_ERROR_NOT_FOUND (file, HDU, column), DM_ERROR_FORMAT (not FITS,
 * truncated, not a table), DM_ERROR_NO_DATA (no usable rows),
 * DM_ERROR_CANCELLED. */
DmCatalog *dm_catalog_read(const char *path, int hdu, const DmCatalogColumns *columns,
                           const DmProgress *progress, DmError **error);

void dm_catalog_free(DmCatalog *catalog);

/* Median RA and Dec of the kept galaxies (NumPy's median: mean of the two
 * middle values for an even count). */
bool dm_catalog_median_center(const DmCatalog *catalog, double *ra, double *dec,
                              DmError **error);

/* What a FITS file's tables hold, for choosing columns in a dialog. */
typedef struct {
  int hdu;               /* 1-based */
  char *extname;         /* "" when absent */
  long n_rows;
  int n_columns;
  char **column_names;   /* n_columns */
  char **column_types;   /* cfitsio TFORM, n_columns */
} DmTableInfo;

/* Every table HDU of a file; *n_tables receives the count (0 when the file
 * has no table, which is not an error). */
DmTableInfo *dm_catalog_list_tables(const char *path, int *n_tables, DmError **error);
void dm_table_info_free(DmTableInfo *tables, int n_tables);

/* The columns dm_catalog_read would detect in this table (the same names,
 * in the same order of preference): pointers into table->column_names, NULL
 * for a role without a detected column (for the weight: unit weights). */
void dm_catalog_guess_columns(const DmTableInfo *table, DmCatalogColumns *guess);

#ifdef __cplusplus
}
#endif

#endif
