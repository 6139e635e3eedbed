/* Timings of the engine's classical lensing steps, the same figures as the
 * peers' bench/peers_lensing.py (in the shared folder) on the same inputs:
 *
 *   a. binning the COSMOS catalogue (417,117 galaxies) on the shipped flat
 *      RA/Dec grid at 360² (0.29') and 1024² (the same 1.74° field);
 *   b. Kaiser-Squires shear -> kappa and the inverse at 360² (the binned
 *      COSMOS shear), 1024², 2048², 4096² (noise maps), on FFTW with
 *      measured plans on 2 threads, and with cuFFT when a GPU is usable; the
 *      shear as one two-plane map and kappa_E, kappa_B as two maps, as
 *      darkmap-cli ks and the forward model hold them;
 *   c. the power spectrum of the KS kappa maps of every size in 40 linear
 *      ell bins (the peers' at 1024² in the shared folder, the float32 ones
 *      of every size in bench/peers_maps.py);
 *   d. Gaussian smoothing of the same maps, sigma = 2 pixels (the demo's
 *      --smooth-pixels 2), as darkmap-cli ks --smooth-pixels does it.
 *
 * Each figure is the wall time of one call: 1 untimed warm-up call, then N
 * timed calls (20 at 360², 10 at 1024², 5 at 2048², 3 at 4096², 10 for
 * binning); rows give median, min and max.  Plans are made
 * before timing; measured FFTW plans are kept in a wisdom file so that later
 * runs do not measure again.  The last line is one JSON object
 * {key: median seconds} with keys like the peers' (b.darkmap.ks.1024x1024). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-timing.h"
#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/fft.h"
#include "darkmap/gpu.h"
#include "darkmap/ks.h"
#include "darkmap/map.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/pspec.h"
#include "darkmap/rng.h"
#include "darkmap/smooth.h"
#include "darkmap/version.h"

#define MAX_RESULTS 64
#define FIELD_ARCMIN (360 * 0.29)  /* the shipped COSMOS grid: 1.74° wide */
#define SMOOTH_SIGMA_PIXELS 2.0    /* the demo's darkmap-cli ks --smooth-pixels 2 */

typedef struct {
  char key[96];
  double median;
} Result;

static Result results[MAX_RESULTS];
static int n_results = 0;

/* What a timed call needs: a function and its arguments. */
typedef struct Job Job;
struct Job {
  bool (*run)(Job *job, DmError **error);
  /* reading, binning */
  const char *path;
  const DmCatalog *catalog;
  const DmGridSpec *spec;
  /* KS */
  DmKsPlan *ks;
  DmGpuKsPlan *gpu_ks;
  const float *in_a, *in_b;
  float *out_a, *out_b;
  /* power spectrum */
  const DmMap *map;
  const DmPspecOptions *pspec;
  /* smoothing, in place */
  float *image;
  int nx, ny;
};

static void fail(const char *what, DmError *error) {
  fprintf(stderr, "bench-lensing: %s: %s\n", what, error ? error->message : "failed");
  dm_error_free(error);
  exit(1);
}

/* Times job->run n times after one untimed call; prints a row and records
 * its median under section.name.size. */
static void bench(const char *section, const char *name, const char *size, int threads, int n,
                  Job *job) {
  DmError *error = NULL;
  double times[64];
  if (n > 64) n = 64;
  if (!job->run(job, &error)) fail(name, error);
  for (int i = 0; i < n; i++) {
    double t0 = dm_monotonic_seconds();
    if (!job->run(job, &error)) fail(name, error);
    times[i] = dm_monotonic_seconds() - t0;
  }
  double median = bench_median(times, n);
  printf("%-28s %10s %3d %3d %11.5f %11.5f %11.5f\n", name, size, threads, n, median, times[0],
         times[n - 1]);
  fflush(stdout);
  if (n_results < MAX_RESULTS) {
    snprintf(results[n_results].key, sizeof results[n_results].key, "%s.%s.%s", section, name,
             size);
    results[n_results++].median = median;
  }
}

static void header(const char *title) {
  printf("\n## %s\n%-28s %10s %3s %3s %11s %11s %11s\n", title, "name", "size", "thr", "N",
         "median_s", "min_s", "max_s");
}

/* ---- the timed calls ---- */

static bool run_read(Job *job, DmError **error) {
  DmCatalog *catalog = dm_catalog_read(job->path, 0, NULL, NULL, error);
  dm_catalog_free(catalog);
  return catalog != NULL;
}

static bool run_median(Job *job, DmError **error) {
  double ra, dec;
  return dm_catalog_median_center(job->catalog, &ra, &dec, error);
}

static bool run_binning(Job *job, DmError **error) {
  DmBinnedShear *binned = dm_bin_catalog(job->catalog, job->spec, NULL, error);
  dm_binned_shear_free(binned);
  return binned != NULL;
}

static bool run_ks(Job *job, DmError **error) {
  dm_ks_plan_shear_to_kappa(job->ks, job->in_a, job->in_b, job->out_a, job->out_b);
  return true;
}

static bool run_ks_inverse(Job *job, DmError **error) {
  dm_ks_plan_kappa_to_shear(job->ks, job->in_a, job->in_b, job->out_a, job->out_b);
  return true;
}

static bool run_gpu_ks(Job *job, DmError **error) {
  return dm_gpu_ks_shear_to_kappa(job->gpu_ks, job->in_a, job->in_b, job->out_a, job->out_b,
                                  error);
}

static bool run_gpu_ks_inverse(Job *job, DmError **error) {
  return dm_gpu_ks_kappa_to_shear(job->gpu_ks, job->in_a, job->in_b, job->out_a, job->out_b,
                                  error);
}

static bool run_pspec(Job *job, DmError **error) {
  DmPowerSpectrum *spectrum = dm_power_spectrum(job->map, 0, job->pspec, error);
  dm_power_spectrum_free(spectrum);
  return spectrum != NULL;
}

static bool run_smooth(Job *job, DmError **error) {
  return dm_smooth_gaussian(job->image, job->nx, job->ny, SMOOTH_SIGMA_PIXELS, error);
}

/* ---- inputs ---- */

static float *alloc_plane(size_t n) {
  float *plane = dm_fft_alloc(n * sizeof(float));
  if (!plane) {
    fprintf(stderr, "bench-lensing: out of memory\n");
    exit(1);
  }
  return plane;
}

static void fill_noise(float *plane, size_t n, uint64_t seed) {
  DmRng rng;
  dm_rng_init(&rng, seed, 0);
  for (size_t i = 0; i < n; i++) plane[i] = (float)(0.3 * dm_rng_normal(&rng));
}

/* The shipped convention: flat RA/Dec, RA to the right, −e2, centred on the
 * catalogue median (computed once, as the peers do). */
static void flat_grid(DmGridSpec *spec, int npix, double ra, double dec) {
  dm_grid_spec_init(spec);
  spec->nx = spec->ny = npix;
  spec->pixel_arcmin = FIELD_ARCMIN / npix;
  spec->has_center = true;
  spec->center_ra = ra;
  spec->center_dec = dec;
  spec->projection = DM_PROJECTION_FLAT;
  spec->ra_left = false;
  spec->flip_e2 = true;
}

static int repeats(int size) {
  return size <= 360 ? 20 : size <= 1024 ? 10 : size <= 2048 ? 5 : 3;
}

typedef struct {
  const char *catalog_path;
  const char *wisdom_path;
  bool with_4096;
  bool with_gpu;
  int ks_size;  /* Kaiser-Squires at this size alone (run-ks-pairs.py); 0: everything */
} Options;

static void usage(int status) {
  fprintf(status ? stderr : stdout,
          "usage: bench-lensing [--catalog FITS] [--wisdom FILE] [--no-4096] [--no-gpu]\n"
          "                     [--ks-size N]\n"
          "  --catalog  the COSMOS shear catalogue (default: %s)\n"
          "  --wisdom   FFTW wisdom file, read before planning and written after\n"
          "  --no-4096  skip the 4096x4096 KS sizes\n"
          "  --no-gpu   skip the cuFFT rows even when a GPU is usable\n"
          "  --ks-size  time Kaiser-Squires at N x N alone (360, 1024, 2048 or 4096)\n",
          BENCH_CATALOG);
  exit(status);
}

static Options parse_options(int argc, char **argv) {
  Options options = {BENCH_CATALOG, NULL, true, true, 0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--catalog") && i + 1 < argc) options.catalog_path = argv[++i];
    else if (!strcmp(argv[i], "--wisdom") && i + 1 < argc) options.wisdom_path = argv[++i];
    else if (!strcmp(argv[i], "--no-4096")) options.with_4096 = false;
    else if (!strcmp(argv[i], "--no-gpu")) options.with_gpu = false;
    else if (!strcmp(argv[i], "--ks-size") && i + 1 < argc) options.ks_size = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--help")) usage(0);
    else usage(2);
  }
  return options;
}

int main(int argc, char **argv) {
  Options options = parse_options(argc, argv);
  DmError *error = NULL;
  bool gpu = options.with_gpu && dm_gpu_available();
  time_t t = time(NULL);
  char date[64];
  strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
  printf("# bench-lensing %s (Darkmap %s, CUDA %s, GPU %s)\n", date, dm_version(),
         dm_built_with_cuda() ? "compiled in" : "not compiled in", gpu ? "used" : "not used");
  printf("# thr = threads a step may use (FFTW's, OpenMP's: work smaller than two time slices runs "
         "on one); FFTW: measured plans, 2 threads; wisdom file: %s\n",
         options.wisdom_path ? options.wisdom_path : "(none)");

  /* ---- a. binning ---- */
  header("a. binning the COSMOS catalogue (weighted mean e1, -e2 per pixel)");
  DmCatalog *catalog = dm_catalog_read(options.catalog_path, 0, NULL, NULL, &error);
  if (!catalog) fail(options.catalog_path, error);
  char ngal[32];
  snprintf(ngal, sizeof ngal, "%zu", catalog->n);
  Job job = {.run = run_read, .path = options.catalog_path};
  bool timed = options.ks_size == 0; /* section a, else only the 360 shear made */
  if (timed) bench("a", "darkmap.read_fits", ngal, 1, 5, &job);
  job = (Job){.run = run_median, .catalog = catalog};
  if (timed) bench("a", "darkmap.median_center", ngal, 1, 10, &job);
  double ra0, dec0;
  if (!dm_catalog_median_center(catalog, &ra0, &dec0, &error)) fail("median centre", error);

  float *shear_360[2] = {NULL, NULL};
  const int grids[] = {360, 1024};
  for (size_t g = 0; g < sizeof grids / sizeof grids[0]; g++) {
    int npix = grids[g];
    DmGridSpec spec;
    flat_grid(&spec, npix, ra0, dec0);
    char size[32];
    snprintf(size, sizeof size, "%dx%d", npix, npix);
    job = (Job){.run = run_binning, .catalog = catalog, .spec = &spec};
    if (timed) bench("a", "darkmap.bin", size, 2, 10, &job);
    DmBinnedShear *binned = dm_bin_catalog(catalog, &spec, NULL, &error);
    if (!binned) fail("binning", error);
    printf("   info: %s: %zu of %zu galaxies in the field, pixel %.4f arcmin\n", size,
           binned->n_binned, catalog->n, spec.pixel_arcmin);
    if (npix == 360) {
      for (int c = 0; c < 2; c++) {
        shear_360[c] = alloc_plane(360 * 360);
        memcpy(shear_360[c], dm_map_plane(binned->shear, c), 360 * 360 * sizeof(float));
      }
    }
    dm_binned_shear_free(binned);
  }
  dm_catalog_free(catalog);

  /* ---- b. Kaiser-Squires ---- */
  dm_fft_set_effort(DM_FFT_MEASURE);
  dm_fft_set_threads(2);
  if (options.wisdom_path && dm_fft_import_wisdom(options.wisdom_path))
    printf("   info: FFTW wisdom read from %s\n", options.wisdom_path);
  header("b. Kaiser-Squires shear -> (kE, kB) and back; 360 = COSMOS shear, larger = noise");
  enum { N_SIZES = 4 };
  const int sizes[N_SIZES] = {360, 1024, 2048, 4096};
  float *kappa[N_SIZES] = {NULL}; /* each size's kappa_E, for the spectrum and smoothing */
  for (size_t s = 0; s < N_SIZES; s++) {
    int npix = sizes[s];
    if ((npix == 4096 && !options.with_4096) || (options.ks_size && npix != options.ks_size))
      continue;
    size_t n = (size_t)npix * (size_t)npix;
    char size[32];
    snprintf(size, sizeof size, "%dx%d", npix, npix);
    /* The layouts of darkmap-cli ks and of the forward model: the shear in
     * and out as the two planes of one map, kappa_E and kappa_B as two maps. */
    size_t stride = dm_fft_aligned_count(n, sizeof(float));
    float *shear = alloc_plane(2 * stride), *back = alloc_plane(2 * stride);
    float *g1 = shear, *g2 = shear + stride, *back_1 = back, *back_2 = back + stride;
    float *kappa_e = alloc_plane(n), *kappa_b = alloc_plane(n);
    if (npix == 360) {
      memcpy(g1, shear_360[0], n * sizeof(float));
      memcpy(g2, shear_360[1], n * sizeof(float));
    } else {
      fill_noise(g1, n, 42 + 2 * s);
      fill_noise(g2, n, 43 + 2 * s);
    }

    double t0 = dm_monotonic_seconds();
    DmKsPlan *ks = dm_ks_plan_new(npix, npix, &error);
    if (!ks) fail("KS plan", error);
    printf("   info: KS plan for %s: %.2f s (not timed)\n", size, dm_monotonic_seconds() - t0);
    if (options.wisdom_path && !dm_fft_export_wisdom(options.wisdom_path, &error))
      fail("writing FFTW wisdom", error);

    job = (Job){.run = run_ks, .ks = ks, .in_a = g1, .in_b = g2, .out_a = kappa_e,
                .out_b = kappa_b};
    bench("b", "darkmap.ks", size, 2, repeats(npix), &job);
    job = (Job){.run = run_ks_inverse, .ks = ks, .in_a = kappa_e, .in_b = kappa_b,
                .out_a = back_1, .out_b = back_2};
    bench("b", "darkmap.ks_inv", size, 2, repeats(npix), &job);
    dm_ks_plan_free(ks);

    if (gpu) {
      DmGpuKsPlan *gpu_ks = dm_gpu_ks_plan_new(npix, npix, &error);
      if (!gpu_ks) fail("GPU KS plan", error);
      job = (Job){.run = run_gpu_ks, .gpu_ks = gpu_ks, .in_a = g1, .in_b = g2, .out_a = back_1,
                  .out_b = back_2};
      bench("b", "darkmap_gpu.ks", size, 1, repeats(npix), &job);
      job = (Job){.run = run_gpu_ks_inverse, .gpu_ks = gpu_ks, .in_a = kappa_e,
                  .in_b = kappa_b, .out_a = back_1, .out_b = back_2};
      bench("b", "darkmap_gpu.ks_inv", size, 1, repeats(npix), &job);
      dm_gpu_ks_plan_free(gpu_ks);
    }

    kappa[s] = kappa_e;
    kappa_e = NULL;
    dm_fft_free(shear);
    dm_fft_free(kappa_e);
    dm_fft_free(kappa_b);
    dm_fft_free(back);
  }
  dm_fft_free(shear_360[0]);
  dm_fft_free(shear_360[1]);

  /* ---- c. power spectrum ---- */
  header("c. power spectrum of the kappa maps, 40 linear ell bins");
  DmPspecOptions pspec;
  dm_pspec_options_init(&pspec);
  pspec.n_bins = 40;
  pspec.scale = DM_BINS_LINEAR;
  for (size_t s = 0; s < N_SIZES && timed; s++) {
    if (!kappa[s]) continue;
    int npix = sizes[s];
    char size[32];
    snprintf(size, sizeof size, "%dx%d", npix, npix);
    DmMap *map = dm_map_new(npix, npix, 1, NULL, &error);
    if (!map) fail("map", error);
    memcpy(map->data, kappa[s], (size_t)npix * (size_t)npix * sizeof(float));
    pspec.pixel_arcmin = FIELD_ARCMIN / npix;
    job = (Job){.run = run_pspec, .map = map, .pspec = &pspec};
    bench("c", "darkmap.ps", size, 2, repeats(npix), &job);
    dm_map_free(map);
  }

  /* ---- d. smoothing ---- */
  header("d. Gaussian smoothing of the kappa maps, sigma = 2 pixels, reflect edges");
  for (size_t s = 0; s < N_SIZES; s++) {
    if (!kappa[s]) continue;
    int npix = sizes[s];
    char size[32];
    snprintf(size, sizeof size, "%dx%d", npix, npix);
    /* Each call smooths the previous call's result: the work does not depend
     * on the values. */
    job = (Job){.run = run_smooth, .image = kappa[s], .nx = npix, .ny = npix};
    if (timed) bench("d", "darkmap.smooth", size, 2, repeats(npix), &job);
    dm_fft_free(kappa[s]);
  }
  if (options.wisdom_path && !dm_fft_export_wisdom(options.wisdom_path, &error))
    fail("writing FFTW wisdom", error);

  printf("\n{");
  for (int i = 0; i < n_results; i++)
    printf("%s\"%s\": %.7f", i ? ", " : "", results[i].key, results[i].median);
  printf("}\n");
  return 0;
}
