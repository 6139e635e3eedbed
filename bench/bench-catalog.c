/* Reading a large shape catalogue: time and peak memory.
 *
 * Writes a synthetic catalogue of N rows (float64 RA, DEC, E1, E2, WEIGHT;
 * default 10 million, 400 MB) to a scratch FITS file, then times
 * dm_catalog_read on it and reports how much the process's peak resident
 * memory grew during the read, against the size of the five kept arrays.
 * A ratio near 1 means the table was streamed in chunks straight into the
 * arrays: never held twice.  The peak is read once, after the read, so the
 * write step (which happens first) is excluded by sizing: the writer uses
 * one chunk of memory only.
 *
 *   build/bench/bench-catalog [ROWS] [SCRATCH_FILE]
 */
#include <fitsio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench-timing.h"
#include "darkmap/catalog.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/rng.h"

enum { WRITE_CHUNK = 1 << 16 };

/* Peak resident memory so far, in bytes. */
static double peak_rss(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_maxrss * 1024.0;
}

/* Current resident memory, in bytes (from /proc). */
static double current_rss(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

static int write_catalog(const char *path, long rows) {
  fitsfile *fits = NULL;
  int status = 0;
  char *names[] = {"RA", "DEC", "E1", "E2", "WEIGHT"};
  char *forms[] = {"D", "D", "D", "D", "D"};
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
        column[i] = c == 0 ? 150.0 + 1.5 * u : c == 1 ? 2.0 + 1.5 * u : c == 4 ? 0.5 + u : 0.6 * u - 0.3;
      }
      fits_write_col(fits, TDOUBLE, c + 1, start + 1, 1, n, column, &status);
    }
  }
  free(column);
  fits_close_file(fits, &status);
  if (status) {
    char text[FLEN_STATUS];
    fits_get_errstatus(status, text);
    fprintf(stderr, "bench-catalog: cannot write %s: %s\n", path, text);
  }
  return status;
}

int main(int argc, char **argv) {
  long rows = argc > 1 ? atol(argv[1]) : 10000000L;
  const char *path = argc > 2 ? argv[2] : "/tmp/darkmap-bench-catalog.fits";
  if (rows < 1) {
    fprintf(stderr, "usage: bench-catalog [ROWS] [SCRATCH_FILE]\n");
    return 2;
  }
  double t0 = dm_monotonic_seconds();
  if (write_catalog(path, rows)) return 1;
  printf("wrote %ld rows to %s in %.2f s\n", rows, path, dm_monotonic_seconds() - t0);

  double before = current_rss();
  DmError *error = NULL;
  t0 = dm_monotonic_seconds();
  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  double elapsed = dm_monotonic_seconds() - t0;
  if (!catalog) {
    fprintf(stderr, "bench-catalog: %s\n", error->message);
    dm_error_free(error);
    remove(path);
    return 1;
  }
  double arrays = 5.0 * 8.0 * (double)catalog->n;
  double growth = peak_rss() - before;
  printf("read %zu rows in %.2f s (%.1f M rows/s)\n", catalog->n, elapsed,
         (double)catalog->n / elapsed / 1e6);
  printf("peak memory growth %.0f MB for %.0f MB of kept arrays: ratio %.3f\n", growth / 1e6,
         arrays / 1e6, growth / arrays);
  dm_catalog_free(catalog);
  remove(path);
  return 0;
}
