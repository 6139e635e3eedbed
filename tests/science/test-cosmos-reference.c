/* The real COSMOS field against the references made by other codes:
 *  - binning the shipped catalogue on the flat grid (e2 negated) reproduces
 *    the shipped binned maps and noise maps;
 *  - Kaiser-Squires of it, smoothed by 2 pixels and mirrored (RA to the
 *    left), reproduces jax-lensing's map;
 *  - the same flat grid drawn with RA to the left and the catalogue's e2 as
 *    it is bins exactly the mirror image (g1 mirrored, g2 mirrored and
 *    negated): the e2 flip is the mirror;
 *  - the astronomer's default (TAN, RA to the left, catalogue e2) gives the
 *    same map up to the projection's small distortion (galaxies near pixel
 *    edges change pixel), which checks the sign conventions end to end: with
 *    a wrong e2 sign the correlation drops to about 0.01. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/fits.h"
#include "darkmap/ks.h"
#include "test-util.h"

static double correlation(const float *a, const float *b, size_t n) {
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; i++) ma += a[i], mb += b[i];
  ma /= (double)n;
  mb /= (double)n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / sqrt(saa * sbb);
}

static DmMap *read_fixture(const char *name) {
  DmError *error = NULL;
  DmMap *map = dm_fits_read_image(dm_test_data_path(name), NULL, &error);
  CHECK_OK(map != NULL, error);
  return map;
}

/* KS E mode of a binned shear, smoothed by sigma = 2 pixels. */
static DmMap *ks_smoothed(const DmBinnedShear *binned) {
  DmError *error = NULL;
  DmKsOptions options = {false, 2.0};
  DmMap *kappa = NULL;
  CHECK_OK(dm_ks_shear_to_kappa(binned->shear, &options, &kappa, NULL, &error), error);
  return kappa;
}

static void mirror_columns(DmMap *map) {
  for (int y = 0; y < map->ny; y++) {
    float *row = map->data + (size_t)y * map->nx;
    for (int x = 0; x < map->nx / 2; x++) {
      float t = row[x];
      row[x] = row[map->nx - 1 - x];
      row[map->nx - 1 - x] = t;
    }
  }
}

int main(void) {
  DmError *error = NULL;
  DmCatalog *catalog = dm_catalog_read(
      dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits"), 0, NULL, NULL, &error);
  CHECK_OK(catalog != NULL, error);
  if (!catalog) return dm_test_result();
  CHECK(catalog->n == 417117);

  DmGridSpec spec;
  dm_grid_spec_init(&spec);
  spec.projection = DM_PROJECTION_FLAT;
  spec.ra_left = false;
  spec.flip_e2 = true;
  DmBinnedShear *flat = dm_bin_catalog(catalog, &spec, NULL, &error);
  CHECK_OK(flat != NULL, error);
  DmMap *e1 = read_fixture("cosmos_binned_e1_0.29arcmin_360.fits");
  DmMap *e2 = read_fixture("cosmos_binned_e2neg_0.29arcmin_360.fits");
  DmMap *n1 = read_fixture("cosmos_noise_std1_0.29arcmin_360.fits");
  DmMap *n2 = read_fixture("cosmos_noise_std2_0.29arcmin_360.fits");
  DmMap *reference = read_fixture("cosmos_ks_0.29arcmin_360.fits");
  if (!flat || !e1 || !e2 || !n1 || !n2 || !reference) return dm_test_result();

  size_t npix = 360 * 360;
  CHECK(flat->n_binned == 417117 && flat->n_outside == 0);
  double d1 = dm_test_max_abs_difference(dm_map_plane(flat->shear, 0), e1->data, npix);
  double d2 = dm_test_max_abs_difference(dm_map_plane(flat->shear, 1), e2->data, npix);
  printf("binned shear vs shipped maps: max |diff| g1 %.2e, g2 %.2e\n", d1, d2);
  CHECK(d1 < 1e-5 && d2 < 1e-5);
  CHECK_CLOSE(flat->sigma_e[0], 0.30516134685184965, 1e-9);
  CHECK_CLOSE(flat->sigma_e[1], 0.3056300308120206, 1e-9);
  double dn1 = dm_test_max_abs_difference(dm_map_plane(flat->noise, 0), n1->data, npix);
  double dn2 = dm_test_max_abs_difference(dm_map_plane(flat->noise, 1), n2->data, npix);
  printf("noise maps: max |diff| %.2e, %.2e\n", dn1, dn2);
  CHECK(dn1 < 1e-6 && dn2 < 1e-6);
  size_t unmasked = 0;
  for (size_t i = 0; i < npix; i++) unmasked += flat->mask->data[i] > 0.5f;
  printf("unmasked fraction %.4f\n", (double)unmasked / npix);
  CHECK_CLOSE((double)unmasked / npix, 0.534, 0.0005);

  DmMap *kappa = ks_smoothed(flat);
  if (kappa) {
    mirror_columns(kappa);
    double r = correlation(kappa->data, reference->data, npix);
    double d = dm_test_max_abs_difference(kappa->data, reference->data, npix);
    printf("KS (flat grid) vs jax-lensing: correlation %.7f, max |diff| %.2e\n", r, d);
    CHECK(r > 0.999);
    CHECK(d < 1e-5);
  }

  /* Flat grid, RA to the left, catalogue e2: the mirror image, exactly. */
  spec.ra_left = true;
  spec.flip_e2 = false;
  DmBinnedShear *mirrored = dm_bin_catalog(catalog, &spec, NULL, &error);
  CHECK_OK(mirrored != NULL, error);
  if (mirrored) {
    size_t mismatches = 0;
    for (int y = 0; y < 360; y++)
      for (int x = 0; x < 360; x++) {
        size_t i = (size_t)y * 360 + x, m = (size_t)y * 360 + (359 - x);
        mismatches += dm_map_plane(mirrored->shear, 0)[i] != dm_map_plane(flat->shear, 0)[m] ||
                      dm_map_plane(mirrored->shear, 1)[i] != -dm_map_plane(flat->shear, 1)[m] ||
                      mirrored->counts->data[i] != flat->counts->data[m];
      }
    printf("RA-left flat grid vs mirrored flip-e2 grid: %zu differing pixels\n", mismatches);
    CHECK(mismatches == 0);
  }

  /* TAN grid, RA to the left, catalogue e2 as it is. */
  dm_grid_spec_init(&spec);
  DmBinnedShear *tan = dm_bin_catalog(catalog, &spec, NULL, &error);
  CHECK_OK(tan != NULL, error);
  DmMap *kappa_tan = tan ? ks_smoothed(tan) : NULL;
  if (kappa_tan) {
    double r = correlation(kappa_tan->data, reference->data, npix);
    printf("KS (TAN grid) vs jax-lensing (flat grid): correlation %.4f\n", r);
    CHECK(r > 0.95);
  }

  dm_map_free(kappa_tan);
  dm_binned_shear_free(mirrored);
  dm_map_free(kappa);
  dm_binned_shear_free(tan);
  dm_binned_shear_free(flat);
  dm_map_free(e1);
  dm_map_free(e2);
  dm_map_free(n1);
  dm_map_free(n2);
  dm_map_free(reference);
  dm_catalog_free(catalog);
  return dm_test_result();
}
