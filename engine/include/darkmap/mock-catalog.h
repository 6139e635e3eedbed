/* Mock shape catalogues drawn over a convergence map: the galaxies of a
 * simulated survey, as a FITS table like a real one, for wide fields whose
 * truth is known (a mosaic is checked against it).
 *
 * Galaxies are uniform over the map's grid at a given density (their
 * number is the density times the area outside the holes), none inside the
 * holes: circles (bright stars, defects) at uniform positions with radii
 * uniform between two bounds, a given number per square degree, a pixel
 * being masked when its centre lies in one.  A galaxy's shear is
 * the map's shear g = A kappa (Kaiser-Squires forward operator on the map's
 * periodic grid, darkmap/ks.h) at its pixel, its ellipticity
 * e = g + n with n ~ N(0, sigma_e²) per component, its weight 1.  Positions
 * come from the map's WCS (uniform within each pixel), so that binning the
 * catalogue on the map's own grid gives back the map's shear plus noise.
 * The table is written in blocks (RA, DEC, E1, E2, WEIGHT in float64, as
 * the COSMOS catalogue): memory holds the map, its shear and one block,
 * whatever the galaxy count.  Everything is drawn from DmRng(seed, 0). */
#ifndef DARKMAP_MOCK_CATALOG_H
#define DARKMAP_MOCK_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double density_arcmin2;    /* galaxies per arcmin² outside the holes; default 30 */
  double sigma_e;            /* shape noise per component; default 0.26 */
  double holes_per_deg2;     /* default 3 */
  double hole_min_arcmin, hole_max_arcmin;  /* hole radii; default 1 to 4 */
  uint64_t seed;             /* default 1 */
} DmMockCatalogOptions;

void dm_mock_catalog_options_init(DmMockCatalogOptions *options);

/* What was drawn. */
typedef struct {
  size_t n_galaxies;
  int n_holes;
  double masked_fraction;    /* of the map's pixels */
} DmMockCatalogInfo;

/* Draws the catalogue over kappa (1 plane with a celestial WCS) and writes
 * it to path (atomically).  mask (NULL: not wanted) receives the holes'
 * mask on kappa's grid (1 outside the holes, 0 inside).  Fails with
 * DM_ERROR_INVALID_ARGUMENT for options out of range or a map without WCS,
 * the FITS writer's errors, DM_ERROR_CANCELLED. */
bool dm_mock_catalog_write(const DmMap *kappa, const DmMockCatalogOptions *options,
                           const char *path, DmMap **mask, DmMockCatalogInfo *info,
                           const DmProgress *progress, DmError **error);

#ifdef __cplusplus
}
#endif

#endif
