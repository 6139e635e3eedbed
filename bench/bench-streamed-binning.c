/* Binning catalogues larger than memory: streamed binning against the
 * in-memory reader, time and peak memory.
 *
 * Writes synthetic catalogues of 10 M and 100 M galaxies (float64 RA, DEC,
 * E1, E2, WEIGHT, as COSMOS holds them; 0.4 and 4 GB) over a 10° × 10°
 * field to a scratch folder, bins each on a 1024² TAN grid of 0.6' pixels
 * and removes it.  Each run is a child process of its own, so that its
 * peak resident memory (getrusage) is its own:
 *   streamed, centre given   dm_bin_catalog_stream, one pass;
 *   streamed, median centre  the same with the centre found by the streamed
 *                            median's passes (darkmap-cli bin's default);
 *   in memory (the peer)     dm_catalog_read + dm_bin_catalog, median
 *                            centre, at 10 M only (100 M would need 4 GB
 *                            of arrays).
 * Figures: wall and processor seconds per million rows, peak RSS; the
 * streamed runs' ratios to the peer at 10 M.  The catalogues are read from
 * the page cache right after being written, every run alike.  A size whose
 * file does not fit the folder's free space (with 1 GB to spare) is skipped
 * with a message.
 *
 *   build/bench/bench-streamed-binning [SCRATCH_DIR (default /tmp)] [RUNS (default 3)]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "bench-catalog-file.h"
#include "bench-child.h"
#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/monotonic-clock.h"

enum { GRID = 1024 };
static const double PIXEL_ARCMIN = 0.6, FIELD_DEG = 10.0, ROW_BYTES = 40.0;

typedef enum { STREAM_GIVEN, STREAM_MEDIAN, IN_MEMORY } Mode;

static const char *const mode_names[] = {"streamed, centre given", "streamed, median centre",
                                         "in memory (peer)"};

typedef BenchFigure Figure;

/* A run: the catalogue and how it is binned. */
typedef struct {
  const char *path;
  Mode mode;
} Run;

/* The binning of a Run, in this (child) process. */
static Figure run_mode(const void *arg) {
  const char *path = ((const Run *)arg)->path;
  Mode mode = ((const Run *)arg)->mode;
  DmGridSpec spec;
  dm_grid_spec_init(&spec);
  spec.nx = spec.ny = GRID;
  spec.pixel_arcmin = PIXEL_ARCMIN;
  if (mode == STREAM_GIVEN) {
    spec.has_center = true;
    spec.center_ra = 150.0;
    spec.center_dec = 2.0;
  }
  DmError *error = NULL;
  DmBinnedShear *binned = NULL;
  Figure f = {0};
  double t0 = dm_monotonic_seconds(), c0 = bench_cpu_seconds();
  if (mode == IN_MEMORY) {
    DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
    if (catalog) binned = dm_bin_catalog(catalog, &spec, NULL, &error);
    dm_catalog_free(catalog);
  } else {
    DmCatalogStream *stream = dm_catalog_stream_open(path, 0, NULL, &error);
    if (stream) binned = dm_bin_catalog_stream(stream, &spec, NULL, &error);
    dm_catalog_stream_close(stream);
  }
  f.seconds = dm_monotonic_seconds() - t0;
  f.cpu_seconds = bench_cpu_seconds() - c0;
  f.ok = binned != NULL;
  if (!binned) fprintf(stderr, "bench-streamed-binning: %s\n", error->message);
  dm_error_free(error);
  dm_binned_shear_free(binned);
  return f;
}

static double load_average(void) {
  double load[1];
  return getloadavg(load, 1) == 1 ? load[0] : -1.0;
}

/* One table row: per million rows, and against the peer (time per row and
 * peak memory; blank without a peer). */
static void print_row(long rows, Mode mode, const Figure *f, const Figure *peer) {
  double per_million = 1e6 / (double)rows;
  printf("%-11ld %-25s %9.2f %9.3f %9.3f %9.0f", rows, mode_names[mode], f->seconds,
         f->seconds * per_million, f->cpu_seconds * per_million, f->peak_bytes / 1e6);
  if (peer->ok)
    printf(" %9.2f %9.3f", f->seconds * per_million / (peer->seconds * 1e6 / 10000000.0),
           f->peak_bytes / peer->peak_bytes);
  printf("\n");
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/tmp";
  int runs = argc > 2 ? atoi(argv[2]) : 3;
  if (runs < 1) {
    fprintf(stderr, "usage: bench-streamed-binning [SCRATCH_DIR] [RUNS]\n");
    return 2;
  }
  enum { N_SIZES = 2 };
  const long sizes[N_SIZES] = {10000000L, 100000000L};  /* the first is the peer's */
  Figure figures[N_SIZES][3] = {{{0}}};
  bool skipped[N_SIZES] = {false};
  for (int s = 0; s < N_SIZES; s++) {
    long rows = sizes[s];
    char path[4096];
    snprintf(path, sizeof path, "%s/darkmap-bench-stream-%d-%ld.fits", dir, (int)getpid(), rows);
    struct statvfs fs;
    double need = ROW_BYTES * (double)rows + 1e9;
    if (statvfs(dir, &fs) != 0 || (double)fs.f_bavail * (double)fs.f_frsize < need) {
      printf("# %ld rows skipped: %s has less than %.1f GB free\n", rows, dir, need / 1e9);
      skipped[s] = true;
      continue;
    }
    double t0 = dm_monotonic_seconds();
    bool ok = bench_write_catalog(path, rows, FIELD_DEG) == 0;
    if (ok)
      printf("# wrote %ld rows (%.1f GB) in %.1f s; load %.2f\n", rows, ROW_BYTES * rows / 1e9,
             dm_monotonic_seconds() - t0, load_average());
    for (Mode mode = STREAM_GIVEN; ok && mode <= (s == 0 ? IN_MEMORY : STREAM_MEDIAN); mode++) {
      Run run = {path, mode};
      figures[s][mode] = bench_best_of(run_mode, &run, runs);
      ok = figures[s][mode].ok;
    }
    remove(path);
    if (!ok) return 1;
  }

  const Figure *peer = &figures[0][IN_MEMORY];
  printf("grid %d² TAN, %.1f' pixels; field %.0f° × %.0f°; best of %d runs; load %.2f\n", GRID,
         PIXEL_ARCMIN, FIELD_DEG, FIELD_DEG, runs, load_average());
  printf("%-11s %-25s %9s %9s %9s %9s %9s %9s\n", "rows", "binning", "seconds", "s/M rows",
         "cpu s/M", "peak MB", "time/peer", "mem/peer");
  for (int s = 0; s < N_SIZES; s++)
    for (Mode mode = STREAM_GIVEN; !skipped[s] && mode <= (s == 0 ? IN_MEMORY : STREAM_MEDIAN);
         mode++)
      print_row(sizes[s], mode, &figures[s][mode], peer);
  return 0;
}
