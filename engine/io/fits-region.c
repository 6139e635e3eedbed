/* Large FITS images read in parts (darkmap/fits-region.h): the list of a
 * file's 2-D images, a rectangle at full resolution, an overview binned a
 * band of rows at a time. */
#include "darkmap/fits-region.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/memory-budget.h"
#include "io/fits-common.h"

/* Rows a region is read in at most at once, between cancel checks. */
enum { REGION_BAND_ROWS = 256 };

/* ---- the planes of a file -------------------------------------------- */

/* The size of the current HDU when it is a 2-D image with data. */
static bool image_size_2d(fitsfile *fits, int *nx, int *ny) {
  int status = 0, bitpix = 0, naxis = 0;
  LONGLONG naxes[2] = {0, 0};
  if (fits_get_img_paramll(fits, 2, &bitpix, &naxis, naxes, &status) || naxis != 2 ||
      naxes[0] < 1 || naxes[0] > INT_MAX || naxes[1] < 1 || naxes[1] > INT_MAX)
    return false;
  *nx = (int)naxes[0];
  *ny = (int)naxes[1];
  return true;
}

DmFitsPlaneList *dm_fits_list_planes(const char *path, DmError **error) {
  fitsfile *fits = dm_fits_open_read(path, error);
  if (!fits) return NULL;
  int status = 0, n_hdus = 0;
  DmFitsPlaneList *list = calloc(1, sizeof *list);
  bool ok = list != NULL;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory listing %s", path);
  if (ok && fits_get_num_hdus(fits, &n_hdus, &status))
    ok = dm_fits_set_error(error, status, "Cannot read", path);
  if (ok && !(list->planes = calloc((size_t)n_hdus, sizeof *list->planes)))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory listing %s", path);
  for (int hdu = 1; ok && hdu <= n_hdus; hdu++) {
    int type = 0;
    if (fits_movabs_hdu(fits, hdu, &type, &status)) {
      ok = dm_fits_set_error(error, status, "Cannot read", path);
      break;
    }
    DmFitsPlane *plane = &list->planes[list->n_planes];
    if (type != IMAGE_HDU || !image_size_2d(fits, &plane->nx, &plane->ny)) continue;
    char *extname = dm_fits_read_string_key(fits, "EXTNAME");
    if (!extname) {
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory listing %s", path);
      break;
    }
    snprintf(plane->extname, sizeof plane->extname, "%s", extname);
    free(extname);
    plane->hdu = hdu;
    list->n_planes++;
  }
  dm_fits_close_read(fits);
  if (ok && list->n_planes == 0)
    ok = dm_error_set(error, DM_ERROR_NOT_FOUND, 0, "%s holds no 2-D image", path);
  if (!ok) {
    dm_fits_plane_list_free(list);
    return NULL;
  }
  return list;
}

void dm_fits_plane_list_free(DmFitsPlaneList *list) {
  if (!list) return;
  free(list->planes);
  free(list);
}

/* ---- one image, opened --------------------------------------------------- */

typedef struct {
  fitsfile *fits;
  int nx, ny;
  int bitpix;
  DmWcs *wcs;  /* owned, NULL without a celestial WCS */
} OpenImage;

static void close_image(OpenImage *image) {
  dm_fits_close_read(image->fits);
  dm_wcs_free(image->wcs);
}

/* Opens HDU hdu of path: a 2-D image whose data the file holds. */
static bool open_image(const char *path, int hdu, OpenImage *image, DmError **error) {
  *image = (OpenImage){0};
  if (!(image->fits = dm_fits_open_read(path, error))) return false;
  int status = 0, n_hdus = 0, type = 0, naxis = 0;
  if (fits_get_num_hdus(image->fits, &n_hdus, &status))
    return dm_fits_set_error(error, status, "Cannot read", path);
  if (hdu < 1 || hdu > n_hdus)
    return dm_error_set(error, DM_ERROR_NOT_FOUND, 0, "%s has no HDU %d: it has %d", path, hdu,
                        n_hdus);
  if (fits_movabs_hdu(image->fits, hdu, &type, &status) ||
      (type == IMAGE_HDU && fits_get_img_dim(image->fits, &naxis, &status)) ||
      (type == IMAGE_HDU && fits_get_img_type(image->fits, &image->bitpix, &status)))
    return dm_fits_set_error(error, status, "Cannot read", path);
  if (type != IMAGE_HDU)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "HDU %d of %s is a table, not an image", hdu,
                        path);
  if (!image_size_2d(image->fits, &image->nx, &image->ny))
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "HDU %d of %s is not a 2-D image (NAXIS = %d)",
                        hdu, path, naxis);
  if (!fits_is_compressed_image(image->fits, &status)) {
    /* In double: 8-byte pixels on sides up to INT_MAX overflow 64 bits. */
    double bytes = (double)abs(image->bitpix) / 8.0 * image->nx * image->ny;
    if (!dm_fits_check_data_present(image->fits, path,
                                    bytes < 9e18 ? (long long)bytes : LLONG_MAX, error))
      return false;
  }
  return dm_fits_read_wcs(image->fits, path, &image->wcs, error);
}

/* The value cfitsio writes for blank pixels: NaN for integer images; none
 * for float ones, whose null check would turn ±inf into NaN too. */
static float *blank_value(const OpenImage *image) {
  static float nan_value = NAN;
  return image->bitpix < 0 ? NULL : &nan_value;
}

/* A map of nx × ny pixels with image's WCS moved to its grid (pixel (i, j)
 * the block of factor² image pixels from (x0 + factor i, y0 + factor j)). */
static DmMap *new_grid_map(const OpenImage *image, int x0, int y0, int factor, int nx, int ny,
                           DmError **error) {
  DmWcs *wcs = NULL;
  if (image->wcs && !(wcs = dm_wcs_new_block_grid(image->wcs, x0, y0, factor, error)))
    return NULL;
  DmMap *map = dm_map_new(nx, ny, 1, wcs, error);
  dm_wcs_free(wcs);
  return map;
}

/* ---- a region at full resolution --------------------------------------- */

/* Whether [start, start + length) lies in [0, size), without overflow. */
static bool inside(int start, int length, int size) {
  return start >= 0 && length >= 1 && (long long)start + length <= size;
}

DmMap *dm_fits_read_region(const char *path, int hdu, int x0, int y0, int nx, int ny,
                           const DmProgress *progress, DmError **error) {
  OpenImage image;
  if (!open_image(path, hdu, &image, error)) {
    close_image(&image);
    return NULL;
  }
  DmMap *map = NULL;
  if (!inside(x0, nx, image.nx) || !inside(y0, ny, image.ny)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The region of %d × %d pixels from (%d, %d) is not inside the %d × %d image "
                 "in HDU %d of %s",
                 nx, ny, x0, y0, image.nx, image.ny, hdu, path);
  } else if (dm_map_check_size(nx, ny, 1, error)) {
    map = new_grid_map(&image, x0, y0, 1, nx, ny, error);
  } else {
    dm_error_prefix(error, "Cannot read a region of HDU %d of %s", hdu, path);
  }
  for (int row = 0; map && row < ny; row += REGION_BAND_ROWS) {
    int rows = ny - row < REGION_BAND_ROWS ? ny - row : REGION_BAND_ROWS;
    long first[2] = {x0 + 1L, y0 + row + 1L}, last[2] = {(long)x0 + nx, (long)y0 + row + rows};
    long step[2] = {1, 1};
    int status = 0, any_blank = 0;
    bool ok = dm_progress_check_cancel(progress, error);
    if (ok && fits_read_subset(image.fits, TFLOAT, first, last, step, blank_value(&image),
                               map->data + (size_t)row * (size_t)nx, &any_blank, &status))
      ok = dm_fits_set_error(error, status, "Cannot read the image in", path);
    if (!ok) {
      dm_map_free(map);
      map = NULL;
    } else {
      dm_progress_report(progress, (double)(row + rows) / ny, "Region");
    }
  }
  close_image(&image);
  return map;
}

/* ---- an overview ------------------------------------------------------- */

int dm_fits_overview_factor(int nx, int ny, int max_side) {
  if (max_side < 1) return 1;
  int side = nx > ny ? nx : ny;
  return side <= max_side ? 1 : (int)(((long long)side + max_side - 1) / max_side);
}

/* The sum and count of the pixels that are not NaN in each block of a band
 * of rows image rows (nx each): block b holds columns [b factor, b factor
 * + factor), the last one as many as there are.  Each block's pixels are
 * added row by row, left to right. */
static void bin_band(const float *band, int nx, int rows, int factor, double *sums,
                     long long *counts) {
  int n_blocks = (int)(((long long)nx + factor - 1) / factor);
  for (int b = 0; b < n_blocks; b++) {
    int start = (int)((long long)b * factor), end = nx - start < factor ? nx : start + factor;
    double sum = 0.0;
    long long count = 0;
    for (int r = 0; r < rows; r++) {
      const float *row = band + (size_t)r * (size_t)nx;
      for (int x = start; x < end; x++)
        if (!isnan(row[x])) {
          sum += row[x];
          count++;
        }
    }
    sums[b] = sum;
    counts[b] = count;
  }
}

DmMap *dm_fits_read_overview(const char *path, int hdu, int factor, const DmProgress *progress,
                             DmError **error) {
  if (factor < 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "An overview binned by %d pixels is not a size", factor);
    return NULL;
  }
  OpenImage image;
  if (!open_image(path, hdu, &image, error)) {
    close_image(&image);
    return NULL;
  }
  int onx = (int)(((long long)image.nx + factor - 1) / factor);
  int ony = (int)(((long long)image.ny + factor - 1) / factor);
  int band_rows = factor < image.ny ? factor : image.ny;
  /* The overview, a band of image rows, and a sum and count per column. */
  double need = 4.0 * onx * ony + 4.0 * band_rows * image.nx + 16.0 * onx;
  float *band = NULL;
  double *sums = NULL;
  long long *counts = NULL;
  DmMap *map = NULL;
  if (!dm_map_check_size(onx, ony, 1, error) ||
      !dm_memory_check(error, need, "An overview of %d × %d pixels from a %d × %d image", onx,
                       ony, image.nx, image.ny)) {
    dm_error_prefix(error, "Cannot bin HDU %d of %s by %d", hdu, path, factor);
  } else if (!(band = malloc((size_t)band_rows * (size_t)image.nx * sizeof *band)) ||
             !(sums = malloc((size_t)onx * sizeof *sums)) ||
             !(counts = malloc((size_t)onx * sizeof *counts))) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for an overview of %s", path);
  } else {
    map = new_grid_map(&image, 0, 0, factor, onx, ony, error);
  }

  for (int oy = 0; map && oy < ony; oy++) {
    long long y = (long long)oy * factor;
    int rows = image.ny - y < factor ? (int)(image.ny - y) : factor;
    int status = 0, any_blank = 0;
    bool ok = dm_progress_check_cancel(progress, error);
    if (ok && fits_read_img(image.fits, TFLOAT, y * image.nx + 1, (LONGLONG)rows * image.nx,
                            blank_value(&image), band, &any_blank, &status))
      ok = dm_fits_set_error(error, status, "Cannot read the image in", path);
    if (!ok) {
      dm_map_free(map);
      map = NULL;
      break;
    }
    bin_band(band, image.nx, rows, factor, sums, counts);
    float *out = map->data + (size_t)oy * (size_t)onx;
    for (int ox = 0; ox < onx; ox++)
      out[ox] = counts[ox] > 0 ? (float)(sums[ox] / (double)counts[ox]) : NAN;
    dm_progress_report(progress, (double)(y + rows) / image.ny, "Overview");
  }
  free(band);
  free(sums);
  free(counts);
  close_image(&image);
  return map;
}
