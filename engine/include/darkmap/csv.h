/* Small CSV tables with a header line (theory spectra, cluster lists).
 * Comma-separated; '#' lines and blank lines are skipped; fields may be
 * double-quoted.  Every cell is kept as text and as a number (NaN when it
 * does not parse). */
#ifndef DARKMAP_CSV_H
#define DARKMAP_CSV_H

#include <stdbool.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int n_columns, n_rows;
  char **names;      /* n_columns, trimmed */
  char ***text;      /* text[column][row] */
  double **values;   /* values[column][row] */
} DmCsvTable;

/* Fails with DM_ERROR_FORMAT for rows whose field count differs from the
 * header's (with the line number), DM_ERROR_NO_DATA without rows. */
DmCsvTable *dm_csv_read(const char *path, DmError **error);
void dm_csv_free(DmCsvTable *table);

/* Column index by case-insensitive name, or −1. */
int dm_csv_find_column(const DmCsvTable *table, const char *name);

#ifdef __cplusplus
}
#endif

#endif
