/* Opening a wide survey's mosaic as the mosaic window does, against reading
 * its plane whole: time and peak memory.
 *
 * Writes a SIDE² float32 mosaic (one plane with a TAN WCS, 0.29' pixels,
 * 8000² = 256 MB by default) to a scratch folder and removes it after.
 * Each run is a child process of its own, so that its peak resident memory
 * (getrusage) is its own:
 *   overview      what the window does on opening: the planes listed from
 *                 the headers, then the overview binned to at most 2048
 *                 pixels a side (dm_fits_list_planes, dm_fits_read_overview);
 *   region        a full-resolution view (1600 × 1200 pixels, the most a
 *                 view of 1600 × 1200 screen pixels reads at the detail's
 *                 threshold) from the middle (dm_fits_read_region);
 *   whole (peer)  the plane read whole (dm_fits_read_image), what opening
 *                 the file as an ordinary map costs.
 * Figures: wall and processor seconds, peak RSS, and each against the
 * peer; the plane's own size.  The file is read from the page cache right
 * after being written, every run alike.
 *
 *   build/bench/bench-mosaic-browse [SCRATCH_DIR (default /tmp)] [RUNS (default 3)] [SIDE]
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "bench-child.h"
#include "bench-timing.h"
#include "darkmap/fits-region.h"
#include "darkmap/fits.h"
#include "darkmap/monotonic-clock.h"

enum { OVERVIEW_SIDE = 2048, VIEW_X = 1600, VIEW_Y = 1200 };

typedef enum { OVERVIEW, REGION, WHOLE, N_MODES } Mode;

static const char *const mode_names[N_MODES] = {"overview", "region", "whole (peer)"};

typedef struct {
  const char *path;
  int side;
  Mode mode;
} Run;

/* The mosaic: a smooth pattern, written from a child so that the parent
 * never holds the plane. */
static BenchFigure write_mosaic(const void *arg) {
  const Run *run = arg;
  BenchFigure f = {0};
  DmError *error = NULL;
  double t0 = dm_monotonic_seconds();
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.0, 2.0, 0.29 / 60.0, run->side, run->side,
                               true, &error);
  DmMap *map = wcs ? dm_map_new(run->side, run->side, 1, wcs, &error) : NULL;
  for (int y = 0; map && y < run->side; y++)
    for (int x = 0; x < run->side; x++)
      map->data[(size_t)y * (size_t)run->side + (size_t)x] =
          (float)(sin(0.0031 * x) * cos(0.0047 * y));
  f.ok = map && dm_fits_write_map(run->path, map, &error);
  f.seconds = dm_monotonic_seconds() - t0;
  if (!f.ok) fprintf(stderr, "bench-mosaic-browse: %s\n", error->message);
  dm_error_free(error);
  dm_map_free(map);
  dm_wcs_free(wcs);
  return f;
}

/* One way of opening the mosaic, in this (child) process. */
static BenchFigure open_mosaic(const void *arg) {
  const Run *run = arg;
  BenchFigure f = {0};
  DmError *error = NULL;
  DmMap *map = NULL;
  double t0 = dm_monotonic_seconds(), c0 = bench_cpu_seconds();
  if (run->mode == OVERVIEW) {
    DmFitsPlaneList *planes = dm_fits_list_planes(run->path, &error);
    if (planes)
      map = dm_fits_read_overview(
          run->path, planes->planes[0].hdu,
          dm_fits_overview_factor(planes->planes[0].nx, planes->planes[0].ny, OVERVIEW_SIDE),
          NULL, &error);
    dm_fits_plane_list_free(planes);
  } else if (run->mode == REGION) {
    int nx = run->side < VIEW_X ? run->side : VIEW_X, ny = run->side < VIEW_Y ? run->side : VIEW_Y;
    map = dm_fits_read_region(run->path, 1, (run->side - nx) / 2, (run->side - ny) / 2, nx, ny,
                              NULL, &error);
  } else {
    map = dm_fits_read_image(run->path, NULL, &error);
  }
  f.seconds = dm_monotonic_seconds() - t0;
  f.cpu_seconds = bench_cpu_seconds() - c0;
  f.ok = map != NULL;
  if (!map) fprintf(stderr, "bench-mosaic-browse: %s\n", error->message);
  dm_error_free(error);
  dm_map_free(map);
  return f;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/tmp";
  int runs = argc > 2 ? atoi(argv[2]) : 3;
  int side = argc > 3 ? atoi(argv[3]) : 8000;
  if (runs < 1 || side < 16 || side > DM_MAP_MAX_SIDE) {
    fprintf(stderr, "usage: bench-mosaic-browse [SCRATCH_DIR] [RUNS] [SIDE (16 to %d)]\n",
            DM_MAP_MAX_SIDE);
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/darkmap-bench-mosaic-%d.fits", dir, (int)getpid());
  double plane_bytes = 4.0 * side * side;
  struct statvfs fs;
  if (statvfs(dir, &fs) != 0 || (double)fs.f_bavail * (double)fs.f_frsize < plane_bytes + 1e9) {
    fprintf(stderr, "bench-mosaic-browse: %s has less than %.1f GB free\n", dir,
            (plane_bytes + 1e9) / 1e9);
    return 1;
  }
  Run run = {path, side, WHOLE};
  BenchFigure written = bench_measure_in_child(write_mosaic, &run);
  if (!written.ok) return 1;
  printf("# wrote a %d² mosaic (%.0f MB) in %.1f s; load %.2f\n", side, plane_bytes / 1e6,
         written.seconds, bench_load_average());

  BenchFigure figures[N_MODES];
  bool ok = true;
  for (Mode mode = OVERVIEW; ok && mode < N_MODES; mode++) {
    run.mode = mode;
    figures[mode] = bench_best_of(open_mosaic, &run, runs);
    ok = figures[mode].ok;
  }
  remove(path);
  if (!ok) return 1;

  const BenchFigure *peer = &figures[WHOLE];
  int factor = dm_fits_overview_factor(side, side, OVERVIEW_SIDE);
  printf("mosaic %d² (plane %.0f MB), overview binned %d × %d, region %d × %d; best of %d "
         "runs; load %.2f\n",
         side, plane_bytes / 1e6, factor, factor, side < VIEW_X ? side : VIEW_X,
         side < VIEW_Y ? side : VIEW_Y, runs, bench_load_average());
  printf("%-14s %9s %9s %9s %10s %9s %9s\n", "reading", "seconds", "cpu s", "peak MB",
         "peak/plane", "time/peer", "mem/peer");
  for (Mode mode = OVERVIEW; mode < N_MODES; mode++) {
    const BenchFigure *f = &figures[mode];
    printf("%-14s %9.3f %9.3f %9.0f %10.3f %9.3f %9.3f\n", mode_names[mode], f->seconds,
           f->cpu_seconds, f->peak_bytes / 1e6, f->peak_bytes / plane_bytes,
           f->seconds / peer->seconds, f->peak_bytes / peer->peak_bytes);
  }
  return 0;
}
