/* Minimal assertions for Darkmap's C tests.
 *
 * Each check prints the failing expression with file:line and counts the
 * failure; a test's main returns dm_test_result() (0 pass, 1 fail).  Tests
 * that need something absent (a GPU) return DM_TEST_SKIP (77, meson's skip). */
#ifndef DARKMAP_TEST_UTIL_H
#define DARKMAP_TEST_UTIL_H

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "darkmap/cosmology.h"
#include "darkmap/binning.h"
#include "darkmap/error.h"
#include "darkmap/lognormal.h"
#include "darkmap/map.h"
#include "darkmap/theory.h"

#define DM_TEST_SKIP 77

static int dm_test_failures = 0;

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      dm_test_failures++;                                                     \
    }                                                                         \
  } while (0)

/* |a − b| <= tol, printing both values on failure. */
#define CHECK_CLOSE(a, b, tol)                                                 \
  do {                                                                         \
    double check_a_ = (double)(a), check_b_ = (double)(b);                     \
    if (!(fabs(check_a_ - check_b_) <= (tol))) {                               \
      fprintf(stderr, "%s:%d: %s = %.9g, %s = %.9g, differ by more than %g\n", \
              __FILE__, __LINE__, #a, check_a_, #b, check_b_, (double)(tol));   \
      dm_test_failures++;                                                      \
    }                                                                          \
  } while (0)

/* A call that must succeed: prints the DmError otherwise. */
#define CHECK_OK(call, err)                                                    \
  do {                                                                         \
    if (!(call)) {                                                             \
      fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call,     \
              (err) ? (err)->message : "(no error set)");                      \
      dm_test_failures++;                                                      \
      dm_error_clear(&(err));                                                  \
    }                                                                          \
  } while (0)

/* A call that must fail with the given code and a non-empty message. */
#define CHECK_FAILS(call, err, expected_code)                                  \
  do {                                                                         \
    if (call) {                                                                \
      fprintf(stderr, "%s:%d: %s succeeded, expected failure\n", __FILE__,     \
              __LINE__, #call);                                                \
      dm_test_failures++;                                                      \
    } else if (!(err) || (err)->code != (expected_code) || !(err)->message ||  \
               !(err)->message[0]) {                                           \
      fprintf(stderr, "%s:%d: %s failed with code %d (%s), expected %d\n",     \
              __FILE__, __LINE__, #call, (err) ? (int)(err)->code : -1,        \
              (err) ? (err)->message : "no error", (int)(expected_code));      \
      dm_test_failures++;                                                      \
    } else {                                                                   \
      printf("expected failure: %s\n", (err)->message);                        \
    }                                                                          \
    dm_error_clear(&(err));                                                    \
  } while (0)

static inline int dm_test_result(void) {
  if (dm_test_failures) fprintf(stderr, "%d check(s) failed\n", dm_test_failures);
  return dm_test_failures ? 1 : 0;
}

/* max |a − b| over n values (0 when they are equal bit for bit, NaN aside). */
static inline double dm_test_max_abs_difference(const float *a, const float *b, size_t n) {
  double worst = 0.0;
  for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - (double)b[i]));
  return worst;
}

/* max |a − b| over n values, relative to max |b|. */
static inline double dm_test_relative_error(const float *a, const float *b, size_t n) {
  double diff = 0.0, scale = 0.0;
  for (size_t i = 0; i < n; i++) {
    diff = fmax(diff, fabs((double)a[i] - b[i]));
    scale = fmax(scale, fabs((double)b[i]));
  }
  return diff / scale;
}

/* Path of a fixture under tests/data (DARKMAP_TEST_DATA, set by meson). */
static inline const char *dm_test_data_path(const char *name) {
  static char buffer[4096];
  const char *dir = getenv("DARKMAP_TEST_DATA");
  snprintf(buffer, sizeof buffer, "%s/%s", dir ? dir : "tests/data", name);
  return buffer;
}

/* Path of a file under data/ (DARKMAP_DATA, set by meson). */
static inline const char *dm_test_app_data_path(const char *name) {
  static char buffer[4096];
  const char *dir = getenv("DARKMAP_DATA");
  snprintf(buffer, sizeof buffer, "%s/%s", dir ? dir : "data", name);
  return buffer;
}

/* The shipped kappaTNG theory spectrum (data/theory/ktng_cl_theory.csv);
 * NULL, with the failure counted, when it cannot be read. */
static inline DmTheorySpectrum *dm_test_load_ktng_theory(void) {
  DmError *error = NULL;
  DmTheorySpectrum *theory =
      dm_theory_read_csv(dm_test_app_data_path("theory/ktng_cl_theory.csv"), NULL, &error);
  CHECK_OK(theory != NULL, error);
  return theory;
}

/* The TAN WCS of an nx × ny grid of pixel_arcmin centred on (ra, dec), as
 * dm_grid_spec_wcs makes it; NULL with error set on a failure. */
static inline DmWcs *dm_test_tan_wcs(int nx, int ny, double pixel_arcmin, double ra, double dec,
                                     DmError **error) {
  DmGridSpec spec;
  dm_grid_spec_init(&spec);
  spec.nx = nx;
  spec.ny = ny;
  spec.pixel_arcmin = pixel_arcmin;
  spec.has_center = true;
  spec.center_ra = ra;
  spec.center_dec = dec;
  return dm_grid_spec_wcs(&spec, error);
}

/* A map of nplanes lognormal fields of theory's C_ell (the default
 * options; plane k of seed + k) on a TAN grid of nx × ny pixels of
 * pixel_arcmin centred on (ra, dec): a truth to draw galaxies or mocks
 * from.  NULL (the check failed) on an error. */
static inline DmMap *dm_test_lognormal_map(const DmTheorySpectrum *theory, int nx, int ny,
                                           int nplanes, double pixel_arcmin, double ra,
                                           double dec, uint64_t seed) {
  DmError *error = NULL;
  DmWcs *wcs = dm_test_tan_wcs(nx, ny, pixel_arcmin, ra, dec, &error);
  DmMap *map = wcs ? dm_map_new(nx, ny, nplanes, wcs, &error) : NULL;
  DmLognormalOptions options;
  dm_lognormal_options_init(&options);
  bool ok = map != NULL;
  for (int k = 0; ok && k < nplanes; k++)
    ok = dm_lognormal_field(theory, nx, ny, pixel_arcmin, &options, seed + (uint64_t)k,
                            dm_map_plane(map, k), NULL, &error);
  CHECK_OK(ok, error);
  dm_wcs_free(wcs);
  if (!ok) {
    dm_map_free(map);
    return NULL;
  }
  return map;
}

/* kappaTNG's cosmology (Osato et al. 2021), that of the shipped theory table. */
static inline DmCosmology dm_test_ktng_cosmology(void) {
  DmCosmology c;
  dm_cosmology_init(&c);
  c.h0 = 67.74;
  c.omega_m = 0.3089;
  c.omega_b = 0.0486;
  c.sigma8 = 0.8159;
  c.n_s = 0.9667;
  return c;
}

/* How many times needle occurs in text (overlapping occurrences too). */
static inline unsigned dm_test_count_substrings(const char *text, const char *needle) {
  unsigned n = 0;
  for (const char *at = strstr(text, needle); at != NULL; at = strstr(at + 1, needle)) n++;
  return n;
}

/* A scratch file path unique to this test process (under MESON_BUILD_ROOT or /tmp). */
static inline const char *dm_test_tmp_path(const char *name) {
  static char buffer[4096];
  const char *dir = getenv("DARKMAP_TEST_TMP");
  snprintf(buffer, sizeof buffer, "%s/darkmap-test-%d-%s", dir ? dir : "/tmp", (int)getpid(), name);
  return buffer;
}

/* Writes text to the scratch file dm_test_tmp_path(name) and returns its path (that
 * function's buffer), or NULL, the failure counted, when it cannot be written. */
static inline const char *dm_test_write_scratch(const char *name, const char *text) {
  const char *path = dm_test_tmp_path(name);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return NULL;
  fputs(text, f);
  fclose(f);
  return path;
}

/* Number of temporary files ("<name>.tmp-XXXXXX") an atomic write left
 * beside path; −1 when path has no directory part. */
static inline int dm_test_count_temporaries(const char *path) {
  char dir_path[4096], prefix[4096];
  snprintf(dir_path, sizeof dir_path, "%s", path);
  char *slash = strrchr(dir_path, '/');
  if (!slash) return -1;
  *slash = '\0';
  snprintf(prefix, sizeof prefix, "%s.tmp-", slash + 1);
  DIR *dir = opendir(dir_path);
  int count = 0;
  for (struct dirent *entry; dir && (entry = readdir(dir));)
    if (strncmp(entry->d_name, prefix, strlen(prefix)) == 0) count++;
  if (dir) closedir(dir);
  return count;
}

#endif
