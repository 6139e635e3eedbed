/* Mock shape catalogues over a convergence map (darkmap/mock-catalog.h):
 * the map's shear, the holes' pixel mask, then the galaxies drawn and
 * written block by block into an atomic FITS file. */
#include "darkmap/mock-catalog.h"

#include <math.h>
#include <stdlib.h>

#include "darkmap/atomic-file.h"
#include "darkmap/ks.h"
#include "darkmap/rng.h"
#include "io/fits-atomic.h"
#include "io/fits-common.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Galaxies drawn and written at a time. */
enum { BLOCK = 1 << 16 };

void dm_mock_catalog_options_init(DmMockCatalogOptions *options) {
  *options = (DmMockCatalogOptions){
      .density_arcmin2 = 30.0,
      .sigma_e = 0.26,
      .holes_per_deg2 = 3.0,
      .hole_min_arcmin = 1.0,
      .hole_max_arcmin = 4.0,
      .seed = 1,
  };
}

static bool check_options(const DmMap *kappa, const DmMockCatalogOptions *o, DmError **error) {
  if (!kappa->wcs || kappa->nplanes != 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mock catalogue is drawn over a one-plane convergence map with a WCS.");
  if (!(o->density_arcmin2 > 0.0 && o->density_arcmin2 <= 1e4))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Galaxy density %g per arcmin² is out of range (0 to 10000).",
                        o->density_arcmin2);
  if (!(o->sigma_e >= 0.0 && o->sigma_e <= 1.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Shape noise %g is out of range (0 to 1).", o->sigma_e);
  if (!(o->holes_per_deg2 >= 0.0 && o->holes_per_deg2 <= 1e4) ||
      !(o->hole_min_arcmin >= 0.0 && o->hole_max_arcmin >= o->hole_min_arcmin &&
        o->hole_max_arcmin <= 600.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Holes: %g per deg² of radius %g to %g arcmin are out of range (0 to "
                        "10000 per deg², radii 0 <= min <= max <= 600).",
                        o->holes_per_deg2, o->hole_min_arcmin, o->hole_max_arcmin);
  return true;
}

/* The holes' mask on kappa's grid (1 outside, 0 inside), drawn from rng;
 * *n_holes receives their number. */
static DmMap *draw_holes(const DmMap *kappa, const DmMockCatalogOptions *o, double pixel_arcmin,
                         DmRng *rng, int *n_holes, DmError **error) {
  DmMap *mask = dm_map_new(kappa->nx, kappa->ny, 1, kappa->wcs, error);
  if (!mask) return NULL;
  for (size_t p = 0; p < dm_map_plane_size(mask); p++) mask->data[p] = 1.0f;
  double area_deg2 = kappa->nx * kappa->ny * pow(pixel_arcmin / 60.0, 2);
  *n_holes = (int)lround(o->holes_per_deg2 * area_deg2);
  for (int h = 0; h < *n_holes; h++) {
    double cx = dm_rng_uniform(rng) * kappa->nx - 0.5, cy = dm_rng_uniform(rng) * kappa->ny - 0.5;
    double r = (o->hole_min_arcmin + dm_rng_uniform(rng) * (o->hole_max_arcmin -
                                                             o->hole_min_arcmin)) /
               pixel_arcmin;
    int x0 = (int)floor(cx - r), x1 = (int)ceil(cx + r), y0 = (int)floor(cy - r);
    int y1 = (int)ceil(cy + r);
    for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < kappa->ny; y++)
      for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < kappa->nx; x++)
        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
          mask->data[(size_t)y * kappa->nx + x] = 0.0f;
  }
  return mask;
}

/* One block of count galaxies into the columns (RA, DEC, E1, E2, WEIGHT):
 * positions uniform over the grid outside the holes. */
static bool draw_block(const DmMap *kappa, const DmMap *shear, const DmMap *mask,
                       const DmMockCatalogOptions *o, DmRng *rng, size_t count,
                       double *columns[5], double *x, double *y, size_t *pixel,
                       DmError **error) {
  int nx = kappa->nx, ny = kappa->ny;
  const float *g1 = dm_map_plane(shear, 0), *g2 = dm_map_plane(shear, 1);
  for (size_t i = 0; i < count; i++) {
    size_t p;
    do {
      x[i] = dm_rng_uniform(rng) * nx - 0.5;
      y[i] = dm_rng_uniform(rng) * ny - 0.5;
      int ix = (int)floor(x[i] + 0.5), iy = (int)floor(y[i] + 0.5);
      ix = ix < 0 ? 0 : ix >= nx ? nx - 1 : ix;
      iy = iy < 0 ? 0 : iy >= ny ? ny - 1 : iy;
      p = (size_t)iy * nx + ix;
    } while (mask->data[p] == 0.0f);
    pixel[i] = p;
  }
  if (!dm_wcs_pixel_to_world(kappa->wcs, count, x, y, columns[0], columns[1], error))
    return false;
  for (size_t i = 0; i < count; i++) {
    size_t p = pixel[i];
    columns[2][i] = g1[p] + o->sigma_e * dm_rng_normal(rng);
    columns[3][i] = g2[p] + o->sigma_e * dm_rng_normal(rng);
    columns[4][i] = 1.0;
  }
  return true;
}

/* Draws and writes every block into the open table. */
static bool write_galaxies(fitsfile *fits, const DmMap *kappa, const DmMap *shear,
                           const DmMap *mask, const DmMockCatalogOptions *o, DmRng *rng,
                           size_t n, const DmProgress *progress, int *status, DmError **error) {
  /* Columns, then the positions in pixels: 7 blocks of doubles. */
  double *block = malloc(7 * (size_t)BLOCK * sizeof(double));
  size_t *pixel = malloc((size_t)BLOCK * sizeof *pixel);
  if (!block || !pixel) {
    free(block);
    free(pixel);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for galaxies.");
  }
  double *columns[5] = {block, block + BLOCK, block + 2 * BLOCK, block + 3 * BLOCK,
                        block + 4 * BLOCK};
  bool ok = true;
  for (size_t done = 0; ok && done < n;) {
    size_t count = n - done < BLOCK ? n - done : BLOCK;
    ok = dm_progress_check_cancel(progress, error) &&
         draw_block(kappa, shear, mask, o, rng, count, columns, block + 5 * BLOCK,
                    block + 6 * BLOCK, pixel, error);
    for (int c = 0; ok && c < 5; c++)
      ok = fits_write_col(fits, TDOUBLE, c + 1, (LONGLONG)done + 1, 1, (LONGLONG)count,
                          columns[c], status) == 0;
    if (!ok && *status) dm_fits_set_error(error, *status, "Cannot write", "the mock catalogue");
    done += count;
    dm_progress_report(progress, (double)done / (double)n, "Drawing galaxies");
  }
  free(block);
  free(pixel);
  return ok;
}

bool dm_mock_catalog_write(const DmMap *kappa, const DmMockCatalogOptions *options,
                           const char *path, DmMap **mask_out, DmMockCatalogInfo *info,
                           const DmProgress *progress, DmError **error) {
  if (mask_out) *mask_out = NULL;
  if (!check_options(kappa, options, error)) return false;
  double pixel_arcmin = dm_wcs_pixel_scale_deg(kappa->wcs) * 60.0;
  DmRng rng;
  dm_rng_init(&rng, options->seed, 0);
  DmMockCatalogInfo drawn = {0};
  DmMap *shear = NULL, *mask = draw_holes(kappa, options, pixel_arcmin, &rng, &drawn.n_holes,
                                          error);
  bool ok = mask && dm_ks_kappa_to_shear(kappa, NULL, &shear, error);
  size_t open = 0;
  for (size_t p = 0; ok && p < dm_map_plane_size(kappa); p++) open += mask->data[p] != 0.0f;
  if (ok && open == 0)
    ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "The holes cover the whole map: no galaxy can be drawn.");
  if (ok) {
    drawn.masked_fraction = 1.0 - (double)open / (double)dm_map_plane_size(kappa);
    drawn.n_galaxies =
        (size_t)llround(options->density_arcmin2 * (double)open * pixel_arcmin * pixel_arcmin);
  }
  DmAtomicFile *file = ok ? dm_atomic_file_new(path, error) : NULL;
  ok = ok && file;
  fitsfile *fits = NULL;
  int status = 0;
  char *names[] = {"RA", "DEC", "E1", "E2", "WEIGHT"};
  char *forms[] = {"D", "D", "D", "D", "D"};
  if (ok && (dm_fits_create_atomic(&fits, file, &status) ||
             fits_create_tbl(fits, BINARY_TBL, 0, 5, names, forms, NULL, "SHEAR", &status)))
    ok = dm_fits_set_error(error, status, "Cannot write", path);
  ok = ok && write_galaxies(fits, kappa, shear, mask, options, &rng, drawn.n_galaxies, progress,
                            &status, error);
  if (fits) {
    int close_status = 0;
    if (fits_close_file(fits, &close_status) && ok)
      ok = dm_fits_set_error(error, close_status, "Cannot write", path);
  }
  if (file) {
    if (ok)
      ok = dm_atomic_file_commit(file, error);
    else
      dm_atomic_file_abort(file);
  }
  dm_map_free(shear);
  if (ok && info) *info = drawn;
  if (ok && mask_out)
    *mask_out = mask;
  else
    dm_map_free(mask);
  return ok;
}
