/* Mock shape catalogues over a convergence map (darkmap/mock-catalog.h):
 * the galaxy count is the density times the open area, no galaxy falls in
 * a hole, and without shape noise the catalogue binned on the map's own
 * grid gives back the map's shear (g = A kappa) in every pixel that has
 * galaxies; with noise the ellipticities' spread is sigma_e.  Options out
 * of range are refused with their message and leave no file. */
#include <unistd.h>

#include "darkmap/binning.h"
#include "darkmap/ks.h"
#include "darkmap/mock-catalog.h"
#include "test-util.h"

enum { SIDE = 64 };

/* A smooth convergence map on a TAN grid of 1' pixels at RA 10, Dec 20. */
static DmMap *make_kappa(DmGridSpec *spec) {
  DmError *error = NULL;
  dm_grid_spec_init(spec);
  spec->nx = spec->ny = SIDE;
  spec->pixel_arcmin = 1.0;
  spec->has_center = true;
  spec->center_ra = 10.0;
  spec->center_dec = 20.0;
  DmWcs *wcs = dm_grid_spec_wcs(spec, &error);
  DmMap *kappa = dm_map_new(SIDE, SIDE, 1, wcs, &error);
  CHECK_OK(kappa != NULL, error);
  for (int y = 0; kappa && y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      kappa->data[y * SIDE + x] = (float)(0.05 * sin(2 * M_PI * 3 * x / SIDE) *
                                          cos(2 * M_PI * 2 * y / SIDE));
  dm_wcs_free(wcs);
  return kappa;
}

int main(void) {
  DmError *error = NULL;
  DmGridSpec spec;
  DmMap *kappa = make_kappa(&spec);
  if (!kappa) return dm_test_result();
  const char *path = dm_test_tmp_path("mock-catalog.fits");
  DmMockCatalogOptions options;
  dm_mock_catalog_options_init(&options);
  options.sigma_e = 0.0;
  options.holes_per_deg2 = 20.0;
  options.hole_min_arcmin = 2.0;
  options.hole_max_arcmin = 5.0;
  DmMockCatalogInfo info;
  DmMap *mask = NULL;
  CHECK_OK(dm_mock_catalog_write(kappa, &options, path, &mask, &info, NULL, &error), error);
  if (!mask) return dm_test_result();

  /* 64² arcmin² is 1.14 deg²: 23 holes. */
  size_t open = 0;
  for (int p = 0; p < SIDE * SIDE; p++) open += mask->data[p] == 1.0f;
  printf("%zu galaxies, %d holes, %.1f %% masked\n", info.n_galaxies, info.n_holes,
         100 * info.masked_fraction);
  CHECK(info.n_holes == 23);
  CHECK(open < SIDE * SIDE && open > SIDE * SIDE / 2);
  CHECK(info.n_galaxies == (size_t)llround(30.0 * open));
  CHECK(info.masked_fraction == 1.0 - (double)open / (SIDE * SIDE));

  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK_OK(catalog != NULL, error);
  DmBinnedShear *binned = catalog ? dm_bin_catalog(catalog, &spec, NULL, &error) : NULL;
  CHECK_OK(binned != NULL, error);
  DmMap *shear = NULL;
  CHECK_OK(dm_ks_kappa_to_shear(kappa, NULL, &shear, &error), error);
  if (binned && shear) {
    CHECK(catalog->n == info.n_galaxies && binned->n_binned == info.n_galaxies);
    double worst = 0.0;
    size_t in_holes = 0, empty_open = 0;
    for (int p = 0; p < SIDE * SIDE; p++) {
      if (mask->data[p] == 0.0f) in_holes += binned->counts->data[p] > 0;
      if (binned->counts->data[p] == 0.0f) {
        empty_open += mask->data[p] == 1.0f;
        continue;
      }
      for (int c = 0; c < 2; c++)
        worst = fmax(worst, fabs(dm_map_plane(binned->shear, c)[p] -
                                 dm_map_plane(shear, c)[p]));
    }
    printf("largest shear difference %.3g; %zu open pixels without galaxies\n", worst,
           empty_open);
    CHECK(worst < 1e-7);
    CHECK(in_holes == 0);
    /* 30 galaxies per pixel: an open pixel is empty once in e^30. */
    CHECK(empty_open == 0);
  }
  dm_catalog_free(catalog);
  dm_binned_shear_free(binned);
  dm_map_free(shear);
  dm_map_free(mask);

  /* Shape noise: the ellipticities about the shear have std sigma_e. */
  options.sigma_e = 0.26;
  options.holes_per_deg2 = 0.0;
  CHECK_OK(dm_mock_catalog_write(kappa, &options, path, NULL, &info, NULL, &error), error);
  catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK_OK(catalog != NULL, error);
  if (catalog) {
    CHECK(catalog->n == SIDE * SIDE * 30 && info.n_holes == 0);
    double sum2 = 0.0;
    for (size_t i = 0; i < catalog->n; i++) sum2 += catalog->e1[i] * catalog->e1[i];
    /* The shear adds at most 0.05² / 2 of variance. */
    CHECK_CLOSE(sqrt(sum2 / catalog->n), 0.26, 0.004);
  }
  dm_catalog_free(catalog);

  const char *refused = dm_test_tmp_path("refused.fits");
  options.density_arcmin2 = 0.0;
  CHECK(!dm_mock_catalog_write(kappa, &options, refused, NULL, NULL, NULL, &error) && error &&
        strcmp(error->message, "Galaxy density 0 per arcmin² is out of range (0 to 10000).") ==
            0);
  dm_error_clear(&error);
  dm_mock_catalog_options_init(&options);
  options.hole_min_arcmin = 5.0;
  options.hole_max_arcmin = 1.0;
  CHECK_FAILS(dm_mock_catalog_write(kappa, &options, refused, NULL, NULL, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK(access(refused, F_OK) != 0);
  remove(path);
  dm_map_free(kappa);
  return dm_test_result();
}
