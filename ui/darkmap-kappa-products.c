/* DarkmapKappaProducts: a kappa E map's spectrum and contours. */
#include "darkmap-kappa-products.h"

#include "darkmap-spectrum-band.h"

DarkmapContours *
darkmap_kappa_contours_new (const DmMap *kappa_e, const DmMap *mask)
{
  static const double sigmas[] = DARKMAP_CONTOUR_SIGMAS;
  double levels[G_N_ELEMENTS (sigmas)];

  if (!darkmap_contours_sigma_levels (dm_map_plane (kappa_e, 0),
                                      mask != NULL ? dm_map_plane (mask, 0) : NULL,
                                      dm_map_plane_size (kappa_e), sigmas, G_N_ELEMENTS (sigmas),
                                      levels))
    return NULL;
  return darkmap_contours_new (dm_map_plane (kappa_e, 0), kappa_e->nx, kappa_e->ny, levels,
                               G_N_ELEMENTS (levels));
}

DarkmapKappaProducts *
darkmap_kappa_products_new (const DmMap *kappa_e, const DmMap *mask, DmError **error)
{
  DmPspecOptions options;
  DmPowerSpectrum *spectrum;
  DarkmapKappaProducts *products;

  darkmap_spectrum_options_init (&options, mask, 0.0);
  if ((spectrum = dm_power_spectrum (kappa_e, 0, &options, error)) == NULL)
    return NULL;
  products = g_new (DarkmapKappaProducts, 1);
  products->spectrum = spectrum;
  products->contours = darkmap_kappa_contours_new (kappa_e, mask);
  return products;
}

void
darkmap_kappa_products_free (DarkmapKappaProducts *products)
{
  if (products == NULL)
    return;
  dm_power_spectrum_free (products->spectrum);
  g_clear_pointer (&products->contours, darkmap_contours_free);
  g_free (products);
}
