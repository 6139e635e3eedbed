/* Large FITS images read in parts (darkmap/fits-region.h), on a 1000 × 700
 * image with NaN patches, an infinite pixel and a TAN WCS, written with a
 * STD extension by the engine's writer: the planes listed from the
 * headers; overviews binned by 3 (partial blocks at the right and top) and
 * by 8 (a block of only NaN) equal to block means computed here, and their
 * pixels' sky positions equal to those of the blocks' centres; a region
 * read in several bands equal to the whole image's pixels, with the same
 * sky positions, also through a rotated CD matrix; the overview factor for
 * a side limit; bad regions, HDUs, factors, a table, a cancelled read, a
 * truncated file and sizes beyond a map's side and the memory budget
 * refused with their messages. */
#include <fitsio.h>
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "darkmap/fits-region.h"
#include "darkmap/fits.h"
#include "test-util.h"

enum { NX = 1000, NY = 700 };

/* Kappa-like values with two NaN patches (one covering whole 8 × 8 blocks)
 * and one +inf pixel. */
static DmMap *make_image(float offset, DmError **error) {
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.1, 2.2, 0.29 / 60.0, NX, NY, true, error);
  DmMap *map = wcs ? dm_map_new(NX, NY, 1, wcs, error) : NULL;
  dm_wcs_free(wcs);
  if (!map) return NULL;
  for (int y = 0; y < NY; y++)
    for (int x = 0; x < NX; x++) {
      bool hole = (x >= 16 && x < 40 && y >= 24 && y < 48) ||
                  (x >= 995 && y >= 690) ||
                  ((x - 500) * (x - 500) + (y - 300) * (y - 300) < 50);
      map->data[(size_t)y * NX + x] =
          hole ? NAN : offset + (float)(sin(0.013 * x) * cos(0.021 * y) + 1e-4 * x);
    }
  map->data[(size_t)601 * NX + 77] = INFINITY;
  return map;
}

/* The mean of the pixels that are not NaN in block (bx, by), added row by
 * row as the reader does. */
static float block_mean(const DmMap *map, int factor, int bx, int by) {
  double sum = 0.0;
  long count = 0;
  for (int y = by * factor; y < by * factor + factor && y < map->ny; y++)
    for (int x = bx * factor; x < bx * factor + factor && x < map->nx; x++) {
      float v = map->data[(size_t)y * map->nx + x];
      if (isnan(v)) continue;
      sum += v;
      count++;
    }
  return count > 0 ? (float)(sum / (double)count) : NAN;
}

static bool same_value(float a, float b) { return (isnan(a) && isnan(b)) || a == b; }

/* Pixel (gx[k], gy[k]) of grid, cut and binned by factor from (x0, y0) of
 * wcs, is where the centre of its block is on the sky: wcs's point
 * (x0 + factor gx[k] + (factor − 1) / 2, likewise in y), for n <= 4
 * points. */
static void check_same_sky(const DmWcs *grid, const DmWcs *wcs, int x0, int y0, int factor,
                           int n, const double *gx, const double *gy) {
  double fx[4], fy[4], ra1[4], dec1[4], ra2[4], dec2[4];
  DmError *error = NULL;
  for (int k = 0; k < n; k++) {
    fx[k] = x0 + factor * gx[k] + 0.5 * (factor - 1);
    fy[k] = y0 + factor * gy[k] + 0.5 * (factor - 1);
  }
  CHECK(grid != NULL);
  if (!grid) return;
  CHECK_OK(dm_wcs_pixel_to_world(grid, (size_t)n, gx, gy, ra1, dec1, &error), error);
  CHECK_OK(dm_wcs_pixel_to_world(wcs, (size_t)n, fx, fy, ra2, dec2, &error), error);
  for (int k = 0; k < n; k++) {
    CHECK_CLOSE(ra1[k], ra2[k], 1e-10);
    CHECK_CLOSE(dec1[k], dec2[k], 1e-10);
  }
}

static void test_list(const char *path) {
  DmError *error = NULL;
  DmFitsPlaneList *list = dm_fits_list_planes(path, &error);
  CHECK_OK(list, error);
  if (!list) return;
  CHECK(list->n_planes == 2);
  CHECK(list->planes[0].hdu == 1 && strcmp(list->planes[0].extname, "") == 0);
  CHECK(list->planes[1].hdu == 2 && strcmp(list->planes[1].extname, "STD") == 0);
  for (int i = 0; i < list->n_planes; i++)
    CHECK(list->planes[i].nx == NX && list->planes[i].ny == NY);
  dm_fits_plane_list_free(list);
}

static void test_overview(const char *path, const DmMap *image, int hdu, int factor) {
  DmError *error = NULL;
  DmMap *overview = dm_fits_read_overview(path, hdu, factor, NULL, &error);
  CHECK_OK(overview, error);
  if (!overview) return;
  int onx = (NX + factor - 1) / factor, ony = (NY + factor - 1) / factor;
  CHECK(overview->nx == onx && overview->ny == ony && overview->nplanes == 1);
  int mismatches = 0, nan_blocks = 0;
  for (int by = 0; by < ony; by++)
    for (int bx = 0; bx < onx; bx++) {
      float want = block_mean(image, factor, bx, by);
      mismatches += !same_value(overview->data[(size_t)by * onx + bx], want);
      nan_blocks += isnan(want);
    }
  CHECK(mismatches == 0);
  CHECK(nan_blocks > 0);
  CHECK(isinf(overview->data[(size_t)(601 / factor) * onx + 77 / factor]));

  /* The centre of overview pixel (i, j) is the centre of its block. */
  double ox[4] = {0, onx - 1, 0.5 * onx, 17}, oy[4] = {0, ony - 1, 3, 0.5 * ony};
  check_same_sky(overview->wcs, image->wcs, 0, 0, factor, 4, ox, oy);
  if (overview->wcs) {
    CHECK_CLOSE(dm_wcs_pixel_scale_deg(overview->wcs),
                factor * dm_wcs_pixel_scale_deg(image->wcs), 1e-15);
  }
  dm_map_free(overview);
}

static void test_region(const char *path, const DmMap *image) {
  enum { X0 = 123, Y0 = 350, RX = 301, RY = 300 };
  DmError *error = NULL;
  DmMap *region = dm_fits_read_region(path, 1, X0, Y0, RX, RY, NULL, &error);
  CHECK_OK(region, error);
  if (!region) return;
  CHECK(region->nx == RX && region->ny == RY);
  int mismatches = 0;
  for (int j = 0; j < RY; j++)
    for (int i = 0; i < RX; i++)
      mismatches += !same_value(region->data[(size_t)j * RX + i],
                                image->data[(size_t)(Y0 + j) * NX + X0 + i]);
  CHECK(mismatches == 0);

  double rx[3] = {0, RX - 1, 150.25}, ry[3] = {0, RY - 1, 7.5};
  check_same_sky(region->wcs, image->wcs, X0, Y0, 1, 3, rx, ry);
  dm_map_free(region);

  /* The whole image as one region. */
  region = dm_fits_read_region(path, 1, 0, 0, NX, NY, NULL, &error);
  CHECK_OK(region, error);
  if (region) {
    int differ = 0;
    for (size_t i = 0; i < (size_t)NX * NY; i++)
      differ += !same_value(region->data[i], image->data[i]);
    CHECK(differ == 0);
  }
  dm_map_free(region);
}

static void test_factor(void) {
  CHECK(dm_fits_overview_factor(1000, 700, 2048) == 1);
  CHECK(dm_fits_overview_factor(13000, 13000, 2048) == 7);
  CHECK(dm_fits_overview_factor(1000, 700, 100) == 10);
  CHECK(dm_fits_overview_factor(700, 1000, 333) == 4);
  CHECK(dm_fits_overview_factor(1000, 700, 334) == 3);
  CHECK(dm_fits_overview_factor(INT_MAX, 1, 2) == INT_MAX / 2 + 1);
  CHECK(dm_fits_overview_factor(10, 10, 0) == 1);
}

/* Checks that the error's message contains text. */
static void check_message(DmError **error, DmErrorCode code, const char *text) {
  CHECK(*error != NULL && (*error)->code == code);
  CHECK(*error != NULL && strstr((*error)->message, text) != NULL);
  if (*error) printf("expected failure: %s\n", (*error)->message);
  dm_error_clear(error);
}

/* A WCS given by a rotated CD matrix, cut and binned: the centre of block
 * (i, j) keeps its sky position. */
static void test_cd_block_grid(void) {
  const char *cards[] = {
      "CTYPE1  = 'RA---TAN'", "CTYPE2  = 'DEC--TAN'", "CRPIX1  = 100.5", "CRPIX2  = 80.25",
      "CRVAL1  = 35.0",       "CRVAL2  = -4.5",       "CD1_1   = -4.0E-4", "CD1_2   = 1.0E-4",
      "CD2_1   = 1.2E-4",     "CD2_2   = 3.9E-4",
  };
  char header[10 * 80 + 1];
  for (int i = 0; i < 10; i++) snprintf(header + 80 * i, 81, "%-80s", cards[i]);
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_from_header(header, 10, &error);
  CHECK_OK(wcs, error);
  DmWcs *grid = wcs ? dm_wcs_new_block_grid(wcs, 5, 7, 3, &error) : NULL;
  CHECK_OK(grid, error);
  double gx[3] = {0, 10, 41.5}, gy[3] = {0, 3, 20};
  if (wcs) check_same_sky(grid, wcs, 5, 7, 3, 3, gx, gy);
  CHECK(wcs && !dm_wcs_new_block_grid(wcs, 0, 0, 0, &error));
  check_message(&error, DM_ERROR_INVALID_ARGUMENT, "A block of 0 pixels is not a size.");
  dm_wcs_free(grid);
  dm_wcs_free(wcs);
}

/* A FITS file whose primary HDU is empty and whose only extension is a
 * binary table. */
static bool write_table(const char *path) {
  fitsfile *fits = NULL;
  int status = 0;
  char *names[] = {"RA"}, *forms[] = {"1D"};
  remove(path);
  fits_create_diskfile(&fits, path, &status);
  fits_create_img(fits, FLOAT_IMG, 0, NULL, &status);
  fits_create_tbl(fits, BINARY_TBL, 0, 1, names, forms, NULL, "CAT", &status);
  fits_close_file(fits, &status);
  return status == 0;
}

/* A file whose header (written here, byte by byte) promises an nx × ny
 * float image, extended to that length as a sparse file (no disk used);
 * false when the file system cannot. */
static bool write_sparse_image(const char *path, long nx, long ny) {
  char header[2880];
  memset(header, ' ', sizeof header);
  const char *cards[] = {"SIMPLE  =                    T", "BITPIX  =                  -32",
                         "NAXIS   =                    2", "NAXIS1  = ", "NAXIS2  = ", "END"};
  for (int i = 0; i < 6; i++) {
    char card[81];
    if (i == 3 || i == 4)
      snprintf(card, sizeof card, "%s%20ld", cards[i], i == 3 ? nx : ny);
    else
      snprintf(card, sizeof card, "%s", cards[i]);
    memcpy(header + 80 * i, card, strlen(card));
  }
  FILE *file = fopen(path, "wb");
  bool ok = file && fwrite(header, 1, sizeof header, file) == sizeof header &&
            ftruncate(fileno(file), (off_t)sizeof header + (off_t)nx * ny * 4) == 0;
  if (file) fclose(file);
  return ok;
}

static void test_errors(const char *path, const char *scratch) {
  DmError *error = NULL;
  CHECK(!dm_fits_read_region(path, 1, 900, 0, 200, 10, NULL, &error));
  check_message(&error, DM_ERROR_INVALID_ARGUMENT,
                "The region of 200 × 10 pixels from (900, 0) is not inside the 1000 × 700 image "
                "in HDU 1 of ");
  CHECK(!dm_fits_read_region(path, 1, -1, 0, 10, 10, NULL, &error));
  check_message(&error, DM_ERROR_INVALID_ARGUMENT, "from (-1, 0) is not inside");
  CHECK(!dm_fits_read_region(path, 1, 0, 0, 10, 0, NULL, &error));
  check_message(&error, DM_ERROR_INVALID_ARGUMENT, "10 × 0 pixels");
  CHECK(!dm_fits_read_region(path, 1, INT_MAX - 5, 0, 10, 10, NULL, &error));
  check_message(&error, DM_ERROR_INVALID_ARGUMENT, "is not inside");
  CHECK(!dm_fits_read_region(path, 1, 0, INT_MAX, 1, INT_MAX, NULL, &error));
  check_message(&error, DM_ERROR_INVALID_ARGUMENT, "is not inside");
  CHECK(!dm_fits_read_region(path, 3, 0, 0, 10, 10, NULL, &error));
  check_message(&error, DM_ERROR_NOT_FOUND, "has no HDU 3: it has 2");
  CHECK(!dm_fits_read_overview(path, 0, 4, NULL, &error));
  check_message(&error, DM_ERROR_NOT_FOUND, "has no HDU 0: it has 2");
  CHECK(!dm_fits_read_overview(path, 1, 0, NULL, &error));
  check_message(&error, DM_ERROR_INVALID_ARGUMENT, "An overview binned by 0 pixels");

  atomic_int cancel = 1;
  DmProgress progress = {.report = NULL, .user_data = NULL, .cancel = &cancel};
  CHECK(!dm_fits_read_overview(path, 1, 4, &progress, &error));
  check_message(&error, DM_ERROR_CANCELLED, "");
  CHECK(!dm_fits_read_region(path, 1, 0, 0, 10, 10, &progress, &error));
  check_message(&error, DM_ERROR_CANCELLED, "");

  char table[4200];
  snprintf(table, sizeof table, "%s-table.fits", scratch);
  CHECK(write_table(table));
  CHECK(!dm_fits_list_planes(table, &error));
  check_message(&error, DM_ERROR_NOT_FOUND, "holds no 2-D image");
  CHECK(!dm_fits_read_region(table, 2, 0, 0, 1, 1, NULL, &error));
  check_message(&error, DM_ERROR_FORMAT, "is a table, not an image");
  CHECK(!dm_fits_read_overview(table, 1, 2, NULL, &error));
  check_message(&error, DM_ERROR_FORMAT, "is not a 2-D image (NAXIS = 0)");
  remove(table);

  /* A side beyond what a map holds, and an overview beyond the memory
   * budget (a 1 TiB image, sparse, binned by 1). */
  char big[4200];
  snprintf(big, sizeof big, "%s-big.fits", scratch);
  if (write_sparse_image(big, 40000, 1)) {
    CHECK(!dm_fits_read_region(big, 1, 0, 0, 40000, 1, NULL, &error));
    check_message(&error, DM_ERROR_INVALID_ARGUMENT, "at most 32768 pixels per side");
    DmMap *overview = dm_fits_read_overview(big, 1, 2, NULL, &error);
    CHECK_OK(overview, error);
    CHECK(overview && overview->nx == 20000 && overview->ny == 1 && overview->data[0] == 0.0f);
    dm_map_free(overview);
  }
  if (write_sparse_image(big, 30000, 30000L * 300)) {
    CHECK(!dm_fits_read_overview(big, 1, 1, NULL, &error));
    check_message(&error, DM_ERROR_NO_MEMORY, "would need");
  } else {
    printf("no sparse 1 TiB file here: the memory budget is not checked\n");
  }
  remove(big);

  /* A header promising more than the file holds. */
  FILE *file = fopen(path, "r+b");
  CHECK(file != NULL);
  if (file) {
    CHECK(ftruncate(fileno(file), 2880 * 50) == 0);
    fclose(file);
  }
  CHECK(!dm_fits_read_overview(path, 1, 2, NULL, &error));
  check_message(&error, DM_ERROR_FORMAT, "is truncated");
}

int main(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("region.fits"));
  DmError *error = NULL;
  DmMap *kappa = make_image(0.0f, &error);
  CHECK_OK(kappa, error);
  DmMap *std = make_image(2.0f, &error);
  CHECK_OK(std, error);
  if (!kappa || !std) return dm_test_result();
  DmFitsImageHdu hdus[2] = {{kappa, NULL}, {std, "STD"}};
  CHECK_OK(dm_fits_write_images(path, hdus, 2, &error), error);

  test_list(path);
  test_overview(path, kappa, 1, 3);
  test_overview(path, kappa, 1, 8);
  test_overview(path, std, 2, 8);
  test_overview(path, kappa, 1, 1);
  test_region(path, kappa);
  test_factor();
  test_cd_block_grid();
  test_errors(path, path);

  remove(path);
  dm_map_free(kappa);
  dm_map_free(std);
  return dm_test_result();
}
