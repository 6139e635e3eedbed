/* The catalogue benchmarks' synthetic catalogue and memory figure.
 *
 * The catalogue is a FITS binary
 * table of float64 RA, DEC, E1, E2 and WEIGHT columns, as the COSMOS
 * catalogue holds them, written in blocks (one block of memory whatever the
 * row count).  Galaxies are uniform over RA 150-151.5, Dec 2-3.5 (or over a
 * field of side_deg degrees centred on RA 150, Dec 2), ellipticities
 * uniform in [-0.3, 0.3), weights in [0.5, 1.5). */
#ifndef DARKMAP_BENCH_CATALOG_FILE_H
#define DARKMAP_BENCH_CATALOG_FILE_H

#include <fitsio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "darkmap/rng.h"

/* Writes rows galaxies over a field of side_deg degrees (uniform in RA and
 * Dec from its lower corner RA 150 − side/2, Dec 2 − side/2; 0: the 1.5°
 * field from RA 150, Dec 2); 0 on success, cfitsio's status otherwise
 * (printed). */
static inline int bench_write_catalog(const char *path, long rows, double side_deg) {
  enum { WRITE_CHUNK = 1 << 16 };
  fitsfile *fits = NULL;
  int status = 0;
  char *names[] = {"RA", "DEC", "E1", "E2", "WEIGHT"};
  char *forms[] = {"D", "D", "D", "D", "D"};
  double side = side_deg > 0 ? side_deg : 1.5;
  double ra0 = side_deg > 0 ? 150.0 - side / 2 : 150.0, dec0 = side_deg > 0 ? 2.0 - side / 2 : 2.0;
  remove(path);
  fits_create_file(&fits, path, &status);
  fits_create_tbl(fits, BINARY_TBL, 0, 5, names, forms, NULL, "SHEAR", &status);
  double *column = malloc(WRITE_CHUNK * sizeof *column);
  DmRng rng;
  dm_rng_init(&rng, 1, 0);
  for (long start = 0; start < rows && !status; start += WRITE_CHUNK) {
    long n = rows - start < WRITE_CHUNK ? rows - start : WRITE_CHUNK;
    for (int c = 0; c < 5 && !status; c++) {
      for (long i = 0; i < n; i++) {
        double u = dm_rng_uniform(&rng);
        column[i] = c == 0   ? ra0 + side * u
                    : c == 1 ? dec0 + side * u
                    : c == 4 ? 0.5 + u
                             : 0.6 * u - 0.3;
      }
      fits_write_col(fits, TDOUBLE, c + 1, start + 1, 1, n, column, &status);
    }
  }
  free(column);
  fits_close_file(fits, &status);
  if (status) {
    char text[FLEN_STATUS];
    fits_get_errstatus(status, text);
    fprintf(stderr, "cannot write %s: %s\n", path, text);
  }
  return status;
}

/* The process's peak resident memory so far, in bytes. */
static inline double bench_peak_rss(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_maxrss * 1024.0;
}

#endif
