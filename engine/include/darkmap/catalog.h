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

/* A catalogue read chunk by chunk, for catalogues larger than memory: only
 * one chunk of DM_CATALOG_STREAM_CHUNK kept galaxies is held at a time.
 * Rows are skipped as dm_catalog_read skips them, and the chunks hold the
 * kept galaxies in table order, each full but the last: the concatenated
 * chunks are the arrays dm_catalog_read returns. */
typedef struct DmCatalogStream DmCatalogStream;

/* Kept galaxies per chunk: 1 Mi rows, 40 MB of arrays. */
#define DM_CATALOG_STREAM_CHUNK ((size_t)1 << 20)

/* Opens the table (HDU and columns as for dm_catalog_read) and checks it
 * without reading rows.  Fails as dm_catalog_read does; a table whose rows
 * are all skipped fails (DM_ERROR_NO_DATA, dm_catalog_read's message) at
 * the end of the first pass. */
DmCatalogStream *dm_catalog_stream_open(const char *path, int hdu,
                                        const DmCatalogColumns *columns, DmError **error);

void dm_catalog_stream_close(DmCatalogStream *stream);

/* Reads the next chunk.  The returned catalogue (owned by the stream, valid
 * until the next call) holds the chunk's kept galaxies (n, 0 after the last
 * row); its hdu, n_rows and column_names are the table's and its skip
 * counts those of the rows read so far in this pass.  NULL on an error
 * (cfitsio's, DM_ERROR_CANCELLED when progress asks). */
const DmCatalog *dm_catalog_stream_next(DmCatalogStream *stream, const DmProgress *progress,
                                        DmError **error);

/* The table's HDU, n_rows and column_names, and the skip counts of the
 * rows read so far in this pass (owned by the stream). */
const DmCatalog *dm_catalog_stream_layout(const DmCatalogStream *stream);

/* Rows read and galaxies kept so far in this pass, and the rows of a pass
 * (the table's, or the range's). */
size_t dm_catalog_stream_rows_read(const DmCatalogStream *stream);
size_t dm_catalog_stream_kept(const DmCatalogStream *stream);
size_t dm_catalog_stream_pass_rows(const DmCatalogStream *stream);

/* Starts a new pass from the first row (counts back to zero). */
void dm_catalog_stream_rewind(DmCatalogStream *stream);

/* Restricts the passes that follow to the rows [first, first + count) of
 * the table (clipped to it), and rewinds: a table split between processes,
 * each reading its own rows.  A range whose rows are all skipped, or
 * empty, gives one empty chunk (not an error: another process may hold the
 * table's galaxies).  The streamed median of a stream so restricted is its
 * range's. */
void dm_catalog_stream_set_rows(DmCatalogStream *stream, size_t first, size_t count);

/* The median RA and Dec of the kept galaxies, exactly as
 * dm_catalog_median_center gives them, from passes over the stream that hold
 * at most 4 Mi values per coordinate: a pass finds each coordinate's range
 * and count; while more values than that remain in play, a pass makes a
 * 65536-bin histogram of them and keeps only the bins holding the middle
 * ranks; a last pass gathers the values left and selects the middle ones.
 * Two passes up to 4 Mi galaxies, three for a survey whose middle bins hold
 * fewer than 4 Mi (any survey below ~10^10 galaxies that is not piled onto
 * one line).  The stream is rewound before and after.  Progress: the
 * fraction of each pass's rows, the stage naming the pass. */
bool dm_catalog_stream_median_center(DmCatalogStream *stream, double *ra, double *dec,
                                     const DmProgress *progress, DmError **error);

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
