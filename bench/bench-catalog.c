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
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench-catalog-file.h"
#include "bench-timing.h"
#include "darkmap/catalog.h"
#include "darkmap/monotonic-clock.h"

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

int main(int argc, char **argv) {
  long rows = argc > 1 ? atol(argv[1]) : 10000000L;
  const char *path = argc > 2 ? argv[2] : "/tmp/darkmap-bench-catalog.fits";
  if (rows < 1) {
    fprintf(stderr, "usage: bench-catalog [ROWS] [SCRATCH_FILE]\n");
    return 2;
  }
  double t0 = dm_monotonic_seconds();
  if (bench_write_catalog(path, rows, 0)) return 1;
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
  double growth = bench_peak_rss() - before;
  printf("read %zu rows in %.2f s (%.1f M rows/s)\n", catalog->n, elapsed,
         (double)catalog->n / elapsed / 1e6);
  printf("peak memory growth %.0f MB for %.0f MB of kept arrays: ratio %.3f\n", growth / 1e6,
         arrays / 1e6, growth / arrays);
  dm_catalog_free(catalog);
  remove(path);
  return 0;
}
