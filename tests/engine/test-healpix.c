/* HEALPix maps of flat maps (darkmap/healpix.h):
 *   - the pixels made are exactly those whose centres fall on the grid,
 *     against a brute-force pass over every pixel of the sphere: a TAN
 *     grid across RA 0/360, a TAN grid holding the north pole, a CAR grid;
 *     RING and NESTED;
 *   - values: a smooth field interpolated at the centres of pixels finer
 *     than the grid's, against the field itself, and averaged into coarser
 *     ones, against the grid pixels' mean summed directly; a constant
 *     stays that constant exactly;
 *   - a coverage plane with a hole: no pixel over the hole;
 *   - the file: written and read back bit for bit, bad input refused;
 *   - the reverse: full-sky files (RING, NESTED, UNSEEN pixels) and a
 *     partial one seen on a flat grid, pixel by pixel. */
#include <chealpix.h>
#include <fitsio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/healpix.h"
#include "darkmap/wcs.h"
#include "test-util.h"

static const double DEG = M_PI / 180.0;

/* A smooth field of the sky: a product of sines along two directions,
 * wavelength 2° (20 pixels of 6′). */
static double field_at(double ra, double dec) {
  double v[3] = {cos(dec * DEG) * cos(ra * DEG), cos(dec * DEG) * sin(ra * DEG), sin(dec * DEG)};
  double k = 2.0 * M_PI / (2.0 * DEG);
  return sin(k * (0.6 * v[0] + 0.8 * v[1])) * cos(k * (0.48 * v[0] - 0.36 * v[1] + 0.8 * v[2]));
}

/* A map of the field (or of a constant when constant is finite) on the
 * grid of wcs. */
static DmMap *field_map(const DmWcs *wcs, int nx, int ny, double constant) {
  DmError *error = NULL;
  DmMap *map = dm_map_new(nx, ny, 1, wcs, &error);
  CHECK_OK(map, error);
  if (!map) return NULL;
  size_t n = (size_t)nx * ny;
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  double *ra = malloc(n * sizeof *ra), *dec = malloc(n * sizeof *dec);
  for (size_t k = 0; k < n; k++) x[k] = (double)(k % nx), y[k] = (double)(k / nx);
  CHECK_OK(dm_wcs_pixel_to_world(wcs, n, x, y, ra, dec, &error), error);
  for (size_t k = 0; k < n; k++)
    map->data[k] = (float)(isfinite(constant) ? constant : field_at(ra[k], dec[k]));
  free(x), free(y), free(ra), free(dec);
  return map;
}

/* Every pixel of the sphere whose centre falls on the grid, by brute
 * force, in the ordering's numbering, ascending; *n receives the count. */
static int64_t *pixels_on_grid(const DmWcs *wcs, int nx, int ny, int64_t nside,
                               DmHealpixOrdering ordering, size_t *n) {
  int64_t n_sphere = 12 * nside * nside;
  double *ra = malloc(n_sphere * sizeof *ra), *dec = malloc(n_sphere * sizeof *dec);
  double *x = malloc(n_sphere * sizeof *x), *y = malloc(n_sphere * sizeof *y);
  int64_t *kept = malloc(n_sphere * sizeof *kept);
  for (int64_t p = 0; p < n_sphere; p++) {
    double theta, phi;
    if (ordering == DM_HEALPIX_RING) pix2ang_ring64(nside, p, &theta, &phi);
    else pix2ang_nest64(nside, p, &theta, &phi);
    ra[p] = phi / DEG;
    dec[p] = 90.0 - theta / DEG;
  }
  DmError *error = NULL;
  CHECK_OK(dm_wcs_world_to_pixel(wcs, (size_t)n_sphere, ra, dec, x, y, &error), error);
  *n = 0;
  for (int64_t p = 0; p < n_sphere; p++)
    if (x[p] >= -0.5 && x[p] < nx - 0.5 && y[p] >= -0.5 && y[p] < ny - 0.5) kept[(*n)++] = p;
  free(ra), free(dec), free(x), free(y);
  return kept;
}

/* The pixels made over a grid are the brute-force ones, in both
 * orderings; the field interpolated at them is the field to within tol. */
static void check_grid(const char *what, DmProjection projection, double ra0, double dec0,
                       int nx, int ny, double tol) {
  const double pixel_arcmin = 6.0;
  const int64_t nside = 512; /* 6.9′ pixels: finer than twice the grid's */
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(projection, ra0, dec0, pixel_arcmin / 60.0, nx, ny, true, &error);
  CHECK_OK(wcs, error);
  DmMap *map = field_map(wcs, nx, ny, NAN);
  const char *names[] = {"KAPPA"};
  for (int o = 0; o < 2; o++) {
    DmHealpixOrdering ordering = o == 0 ? DM_HEALPIX_RING : DM_HEALPIX_NESTED;
    DmHealpixMap *healpix = dm_healpix_from_maps((const DmMap *const *)&map, names, 1, NULL,
                                                 nside, ordering, &error);
    CHECK_OK(healpix, error);
    size_t n_expected = 0;
    int64_t *expected = pixels_on_grid(wcs, nx, ny, nside, ordering, &n_expected);
    CHECK(healpix && (size_t)healpix->n_pixels == n_expected);
    bool same = healpix && (size_t)healpix->n_pixels == n_expected;
    for (size_t k = 0; same && k < n_expected; k++) same = healpix->pixels[k] == expected[k];
    CHECK(same);
    /* Lanczos-3 reaches 3 pixels: nearer the edge it leans on the edge
     * pixels (clamped), and is only as good as a shifted sample there. */
    double interior = 0.0, edge = 0.0;
    for (int64_t k = 0; healpix && k < healpix->n_pixels; k++) {
      double theta, phi, x, y, ra, dec;
      if (ordering == DM_HEALPIX_RING) pix2ang_ring64(nside, healpix->pixels[k], &theta, &phi);
      else pix2ang_nest64(nside, healpix->pixels[k], &theta, &phi);
      ra = phi / DEG, dec = 90 - theta / DEG;
      CHECK_OK(dm_wcs_world_to_pixel(wcs, 1, &ra, &dec, &x, &y, &error), error);
      double d = fabs(healpix->columns[0][k] - field_at(ra, dec));
      bool inside = x >= 2.5 && y >= 2.5 && x <= nx - 3.5 && y <= ny - 3.5;
      if (inside) interior = fmax(interior, d);
      else edge = fmax(edge, d);
    }
    printf("%s, %s: %lld pixels (brute force %zu), largest interpolation error %.1e inside, "
           "%.1e within 3 pixels of the edge\n",
           what, o == 0 ? "RING" : "NESTED", healpix ? (long long)healpix->n_pixels : -1LL,
           n_expected, interior, edge);
    CHECK(interior < tol && edge < 0.2);
    free(expected);
    dm_healpix_free(healpix);
  }
  dm_map_free(map);
  dm_wcs_free(wcs);
}

/* Pixels four times wider than the grid's average it: a constant stays
 * exactly itself, and the field's value in each pixel is the mean of the
 * grid pixels whose centres ang2pix puts in it, summed here directly. */
static void check_averaging(void) {
  const int nx = 200, ny = 160;
  const int64_t nside = 128; /* 27.5′ pixels over 6′ ones */
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.0, 2.0, 0.1, nx, ny, true, &error);
  CHECK_OK(wcs, error);
  const char *names[] = {"KAPPA"};
  DmMap *constant = field_map(wcs, nx, ny, 0.0123);
  DmHealpixMap *healpix = dm_healpix_from_maps((const DmMap *const *)&constant, names, 1, NULL,
                                               nside, DM_HEALPIX_RING, &error);
  CHECK_OK(healpix, error);
  bool exact = healpix != NULL;
  for (int64_t k = 0; exact && k < healpix->n_pixels; k++)
    exact = healpix->columns[0][k] == 0.0123f;
  CHECK(exact);
  dm_healpix_free(healpix);

  DmMap *field = field_map(wcs, nx, ny, NAN);
  healpix = dm_healpix_from_maps((const DmMap *const *)&field, names, 1, NULL, nside,
                                 DM_HEALPIX_RING, &error);
  CHECK_OK(healpix, error);
  int64_t n_sphere = 12 * nside * nside;
  double *sum = calloc((size_t)n_sphere, sizeof *sum), *count = calloc((size_t)n_sphere, 8);
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      double px = x, py = y, ra, dec;
      int64_t p;
      CHECK_OK(dm_wcs_pixel_to_world(wcs, 1, &px, &py, &ra, &dec, &error), error);
      ang2pix_ring64(nside, (90 - dec) * DEG, ra * DEG, &p);
      sum[p] += field->data[(size_t)y * nx + x];
      count[p] += 1;
    }
  double worst = 0.0, fewest = INFINITY;
  for (int64_t k = 0; healpix && k < healpix->n_pixels; k++) {
    int64_t p = healpix->pixels[k];
    worst = fmax(worst, fabs(healpix->columns[0][k] - sum[p] / count[p]));
    fewest = fmin(fewest, count[p]);
  }
  printf("NSIDE %lld over 6' pixels: %lld pixels of %g or more grid pixels, largest "
         "difference from their mean %.1e\n",
         (long long)nside, healpix ? (long long)healpix->n_pixels : -1LL, fewest, worst);
  CHECK(worst < 1e-6 && fewest >= 4);
  free(sum);
  free(count);
  dm_healpix_free(healpix);
  dm_map_free(constant);
  dm_map_free(field);
  dm_wcs_free(wcs);
}

/* A coverage plane with an empty square: no pixel whose nearest grid pixel
 * lies in it is made, every other pixel on the grid is. */
static void check_coverage(void) {
  const int nx = 120, ny = 100;
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 30.0, -40.0, 0.1, nx, ny, true, &error);
  CHECK_OK(wcs, error);
  DmMap *map = field_map(wcs, nx, ny, NAN), *coverage = field_map(wcs, nx, ny, 3.0);
  for (int y = 40; y < 60; y++)
    for (int x = 50; x < 80; x++) coverage->data[(size_t)y * nx + x] = 0.0f;
  const char *names[] = {"KAPPA"};
  DmHealpixMap *all = dm_healpix_from_maps((const DmMap *const *)&map, names, 1, NULL, 512,
                                           DM_HEALPIX_RING, &error);
  DmHealpixMap *covered = dm_healpix_from_maps((const DmMap *const *)&map, names, 1, coverage,
                                               512, DM_HEALPIX_RING, &error);
  CHECK_OK(all && covered, error);
  if (!all || !covered) return;
  double *ra = malloc(all->n_pixels * sizeof *ra), *dec = malloc(all->n_pixels * sizeof *dec);
  double *x = malloc(all->n_pixels * sizeof *x), *y = malloc(all->n_pixels * sizeof *y);
  for (int64_t k = 0; k < all->n_pixels; k++) {
    double theta, phi;
    pix2ang_ring64(512, all->pixels[k], &theta, &phi);
    ra[k] = phi / DEG, dec[k] = 90 - theta / DEG;
  }
  CHECK_OK(dm_wcs_world_to_pixel(wcs, (size_t)all->n_pixels, ra, dec, x, y, &error), error);
  int64_t outside_hole = 0, j = 0;
  bool same = true;
  for (int64_t k = 0; k < all->n_pixels; k++) {
    long px = lround(x[k]), py = lround(y[k]);
    if (px >= 50 && px < 80 && py >= 40 && py < 60) continue;
    outside_hole++;
    same = same && j < covered->n_pixels && covered->pixels[j] == all->pixels[k] &&
           covered->columns[0][j] == all->columns[0][k];
    j++;
  }
  printf("coverage with a 30 x 20 pixel hole: %lld of %lld pixels kept (%lld expected)\n",
         (long long)covered->n_pixels, (long long)all->n_pixels, (long long)outside_hole);
  CHECK(same && covered->n_pixels == outside_hole && outside_hole < all->n_pixels);
  free(ra), free(dec), free(x), free(y);
  dm_healpix_free(all);
  dm_healpix_free(covered);
  dm_map_free(map);
  dm_map_free(coverage);
  dm_wcs_free(wcs);
}

/* Written and read back: the same pixels and values, bit for bit; a file
 * whose pixels are out of order is refused, as are bad NSIDEs. */
static void check_file(void) {
  const int nx = 60, ny = 50;
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 10.0, 10.0, 0.1, nx, ny, true, &error);
  DmMap *mean = field_map(wcs, nx, ny, NAN), *std = field_map(wcs, nx, ny, 0.02);
  CHECK_OK(dm_map_set_string(mean, "METHOD", "ks", "reconstruction method", &error), error);
  const DmMap *planes[] = {mean, std};
  const char *names[] = {"KAPPA", "STD"};
  DmHealpixMap *written = dm_healpix_from_maps(planes, names, 2, NULL, 1024,
                                               DM_HEALPIX_NESTED, &error);
  CHECK_OK(written, error);
  const char *path = dm_test_tmp_path("healpix.fits");
  CHECK_OK(written && dm_healpix_write(path, written, &error), error);
  DmHealpixMap *read = dm_healpix_read(path, &error);
  CHECK_OK(read, error);
  bool same = written && read && read->nside == 1024 && read->ordering == DM_HEALPIX_NESTED &&
              read->n_pixels == written->n_pixels && read->n_columns == 2 &&
              strcmp(read->column_names[0], "KAPPA") == 0 &&
              strcmp(read->column_names[1], "STD") == 0;
  same = same && memcmp(read->pixels, written->pixels, written->n_pixels * sizeof(int64_t)) == 0;
  for (int c = 0; same && c < 2; c++)
    same = memcmp(read->columns[c], written->columns[c], written->n_pixels * sizeof(float)) == 0;
  CHECK(same);
  printf("file round trip: %lld pixels of NSIDE 1024, NESTED, 2 columns: %s\n",
         written ? (long long)written->n_pixels : -1LL, same ? "bit for bit" : "DIFFERENT");

  /* The first row's PIXEL (big-endian int64 at the start of the table's
   * data, after the primary and table headers) set past the last. */
  FILE *file = fopen(path, "r+b");
  CHECK(file != NULL);
  if (file) {
    unsigned char big[8];
    int64_t value = written->pixels[written->n_pixels - 1] + 1;
    for (int b = 0; b < 8; b++) big[b] = (unsigned char)(value >> (56 - 8 * b));
    CHECK(fseek(file, 2 * 2880, SEEK_SET) == 0 && fwrite(big, 1, 8, file) == 8);
    fclose(file);
  }
  DmHealpixMap *shuffled = dm_healpix_read(path, &error);
  CHECK(!shuffled && error && error->code == DM_ERROR_FORMAT &&
        strstr(error->message, "(row 2) is out of order or outside the"));
  if (error) printf("out of order: %s\n", error->message);
  dm_healpix_free(shuffled);
  dm_error_clear(&error);
  remove(path);

  CHECK_FAILS(dm_healpix_from_maps(planes, names, 2, NULL, 1000, DM_HEALPIX_RING, &error),
              error, DM_ERROR_INVALID_ARGUMENT);

  /* A column name with bytes a header cannot hold (found by
   * fuzz-healpix-file: cfitsio wrote them back as blanks, so the name did
   * not survive a round trip) is read with '?' for them and written back
   * as read; a name the writer cannot keep is refused. */
  CHECK_OK(written && dm_healpix_write(path, written, &error), error);
  file = fopen(path, "r+b");
  CHECK(file != NULL);
  if (file) {
    char header[2880];
    CHECK(fseek(file, 2880, SEEK_SET) == 0 && fread(header, 1, 2880, file) == 2880);
    char *name = memmem(header, sizeof header, "'STD     '", 10);
    CHECK(name != NULL);
    if (name) name[1] = (char)0xD9, name[2] = (char)0xB0;
    CHECK(fseek(file, 2880, SEEK_SET) == 0 && fwrite(header, 1, 2880, file) == 2880);
    fclose(file);
  }
  DmHealpixMap *odd = dm_healpix_read(path, &error), *again = NULL;
  CHECK_OK(odd, error);
  CHECK(odd && strcmp(odd->column_names[1], "??D") == 0);
  CHECK_OK(odd && dm_healpix_write(path, odd, &error), error);
  CHECK_OK((again = dm_healpix_read(path, &error)), error);
  CHECK(again && strcmp(again->column_names[1], "??D") == 0);
  free(odd ? odd->column_names[1] : NULL);
  if (odd) odd->column_names[1] = strdup("STD ");
  CHECK_FAILS(odd && dm_healpix_write(path, odd, &error), error, DM_ERROR_INVALID_ARGUMENT);
  dm_healpix_free(odd);
  dm_healpix_free(again);
  remove(path);
  dm_error_clear(&error);
  dm_healpix_free(written);
  dm_healpix_free(read);
  dm_map_free(mean);
  dm_map_free(std);
  dm_wcs_free(wcs);
}

/* Writes a full-sky map of NSIDE 64 as healpy does (rows of 1024 values,
 * INDXSCHM = 'IMPLICIT'), each pixel's value its own number, except the
 * numbers divisible by 7, which are UNSEEN. */
static bool write_full_sky(const char *path, DmHealpixOrdering ordering) {
  enum { NSIDE = 64, PER_ROW = 1024 };
  long n = 12L * NSIDE * NSIDE;
  float *values = malloc((size_t)n * sizeof *values);
  for (long p = 0; p < n; p++) values[p] = p % 7 == 0 ? -1.6375e30f : (float)p;
  fitsfile *fits = NULL;
  int status = 0;
  char *ttype[] = {"SIGNAL"}, *tform[] = {"1024E"};
  long nside = NSIDE;
  remove(path);
  fits_create_file(&fits, path, &status);
  fits_create_img(fits, BYTE_IMG, 0, NULL, &status);
  fits_create_tbl(fits, BINARY_TBL, n / PER_ROW, 1, ttype, tform, NULL, "xtension", &status);
  fits_write_key(fits, TSTRING, "PIXTYPE", "HEALPIX", NULL, &status);
  fits_write_key(fits, TSTRING, "ORDERING", ordering == DM_HEALPIX_RING ? "RING" : "NESTED",
                 NULL, &status);
  fits_write_key(fits, TLONG, "NSIDE", &nside, NULL, &status);
  fits_write_key(fits, TSTRING, "INDXSCHM", "IMPLICIT", NULL, &status);
  fits_write_col(fits, TFLOAT, 1, 1, 1, n, values, &status);
  fits_close_file(fits, &status);
  free(values);
  return status == 0;
}

/* HEALPix maps seen on a flat grid: a full-sky one (RING and NESTED),
 * each grid pixel the number of the pixel under its centre as ang2pix
 * gives it, or uncovered where that pixel is UNSEEN; and a partial map
 * made from a grid, back on it: each grid pixel the map's value at the
 * pixel under its centre, uncovered where the map has none. */
static void check_projection(void) {
  const int nx = 90, ny = 70;
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 200.0, 60.0, 0.2, nx, ny, true, &error);
  CHECK_OK(wcs, error);
  size_t n = (size_t)nx * ny;
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  double *ra = malloc(n * sizeof *ra), *dec = malloc(n * sizeof *dec);
  for (size_t k = 0; k < n; k++) x[k] = (double)(k % nx), y[k] = (double)(k / nx);
  CHECK_OK(dm_wcs_pixel_to_world(wcs, n, x, y, ra, dec, &error), error);
  const char *path = dm_test_tmp_path("full-sky.fits");
  for (int o = 0; o < 2; o++) {
    DmHealpixOrdering ordering = o ? DM_HEALPIX_NESTED : DM_HEALPIX_RING;
    CHECK(write_full_sky(path, ordering));
    DmMap *coverage = NULL;
    DmMap *map = dm_healpix_project(path, NULL, wcs, nx, ny, &coverage, &error);
    CHECK_OK(map, error);
    size_t wrong = 0, unseen = 0;
    for (size_t k = 0; map && k < n; k++) {
      int64_t p;
      if (o) ang2pix_nest64(64, (90 - dec[k]) * DEG, ra[k] * DEG, &p);
      else ang2pix_ring64(64, (90 - dec[k]) * DEG, ra[k] * DEG, &p);
      bool seen = p % 7 != 0;
      unseen += !seen;
      wrong += coverage->data[k] != (seen ? 1.0f : 0.0f) ||
               map->data[k] != (seen ? (float)p : 0.0f);
    }
    printf("full sky, %s: %zu grid pixels, %zu under UNSEEN pixels, %zu wrong\n",
           o ? "NESTED" : "RING", n, unseen, wrong);
    CHECK(map && wrong == 0 && unseen > 0 && unseen < n);
    dm_map_free(map);
    dm_map_free(coverage);
  }
  remove(path);

  /* A partial map of the field at NSIDE 512 (6.9' pixels over 12' ones),
   * with a coverage hole, back on the grid. */
  DmMap *field = field_map(wcs, nx, ny, NAN), *cover = field_map(wcs, nx, ny, 1.0);
  for (int j = 20; j < 40; j++)
    for (int i = 30; i < 60; i++) cover->data[(size_t)j * nx + i] = 0.0f;
  const char *names[] = {"KAPPA"};
  DmHealpixMap *healpix = dm_healpix_from_maps((const DmMap *const *)&field, names, 1, cover,
                                               512, DM_HEALPIX_RING, &error);
  CHECK_OK(healpix, error);
  CHECK_OK(healpix && dm_healpix_write(path, healpix, &error), error);
  DmMap *coverage = NULL;
  DmMap *back = dm_healpix_project(path, "KAPPA", wcs, nx, ny, &coverage, &error);
  CHECK_OK(back, error);
  size_t wrong = 0, covered = 0;
  for (size_t k = 0; back && healpix && k < n; k++) {
    int64_t p;
    ang2pix_ring64(512, (90 - dec[k]) * DEG, ra[k] * DEG, &p);
    int64_t lo = 0, hi = healpix->n_pixels; /* p among the map's pixels */
    while (lo < hi) {
      int64_t mid = (lo + hi) / 2;
      if (healpix->pixels[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    bool present = lo < healpix->n_pixels && healpix->pixels[lo] == p;
    covered += present;
    wrong += coverage->data[k] != (present ? 1.0f : 0.0f) ||
             back->data[k] != (present ? healpix->columns[0][lo] : 0.0f);
  }
  printf("partial map back on its grid: %zu of %zu grid pixels covered, %zu wrong\n", covered, n,
         wrong);
  CHECK(back && wrong == 0 && covered > n / 2 && covered < n);
  const DmMetaCard *card = back ? dm_map_find_card(back, "HPXNSIDE") : NULL;
  CHECK(card && card->number == 512);
  DmMap *no_coverage = NULL;
  CHECK_FAILS(dm_healpix_project(path, "NOPE", wcs, nx, ny, &no_coverage, &error), error,
              DM_ERROR_NOT_FOUND);
  CHECK(no_coverage == NULL);
  dm_map_free(back);
  dm_map_free(coverage);
  dm_healpix_free(healpix);
  dm_map_free(field);
  dm_map_free(cover);
  remove(path);
  free(x), free(y), free(ra), free(dec);
  dm_wcs_free(wcs);
}

int main(void) {
  CHECK(dm_healpix_nside_for_pixel(1.0) == 4096);
  CHECK(dm_healpix_nside_for_pixel(0.29) == 16384);
  CHECK_CLOSE(dm_healpix_pixel_arcmin(4096), 0.8588, 1e-4);
  check_grid("TAN across RA 0/360", DM_PROJECTION_TAN, 359.0, 20.0, 100, 80, 0.01);
  check_grid("TAN holding the north pole", DM_PROJECTION_TAN, 45.0, 87.0, 120, 120, 0.01);
  check_grid("CAR stripe", DM_PROJECTION_FLAT, 180.0, -5.0, 240, 40, 0.01);
  check_averaging();
  check_coverage();
  check_file();
  check_projection();
  return dm_test_result();
}
