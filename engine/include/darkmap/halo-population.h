/* Populations of NFW haloes over a field, drawn from the mass function.
 *
 * Haloes are drawn from dN / dz dln M = Omega dV_C/dz/dOmega (z)
 * dn/dln M (M, z) (mass-function.h) over the field's solid angle Omega:
 * redshifts are uniform in comoving volume weighted by the halo abundance at
 * each redshift, masses follow the mass function at that redshift.  The
 * density is tabulated on a 128 × 256 grid in (z, ln M) and sampled as
 * piecewise constant within each cell.  Positions are uniform in the pixel
 * grid, [−0.5, n − 0.5) on each axis (uniform on the sky for the small,
 * nearly flat fields of weak-lensing surveys).  Concentrations follow
 * Duffy et al. (2008) (nfw.h).  Everything comes from DmRng(seed, stream). */
#ifndef DARKMAP_HALO_POPULATION_H
#define DARKMAP_HALO_POPULATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/cosmology.h"
#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/mass-function.h"
#include "darkmap/nfw.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double m_min, m_max;  /* M200c range [M_sun]; defaults 1e13, 1e16 */
  double z_min, z_max;  /* redshift range; defaults 0.05, 1.5 */
  long count;           /* < 0 (default): a Poisson number with the expected mean;
                           >= 0: exactly this many from the same distribution */
} DmHaloPopulationOptions;

void dm_halo_population_options_init(DmHaloPopulationOptions *options);

typedef struct {
  double m200c;          /* M_sun */
  double concentration;  /* c200c (Duffy et al. 2008) */
  double z;
  double x, y;           /* zero-based pixel coordinates of the centre */
} DmHalo;

typedef struct {
  size_t n;
  DmHalo *haloes;        /* n, owned */
  double expected;       /* mean number of haloes in the field for these options */
} DmHaloPopulation;

/* The expected number of haloes in a solid angle [sr] for the options. */
bool dm_halo_population_expected(const DmMassFunction *mass_function,
                                 const DmHaloPopulationOptions *options, double solid_angle,
                                 double *expected, DmError **error);

/* Draws haloes over an nx × ny grid of pixel_arcmin pixels. */
DmHaloPopulation *dm_halo_population_draw(const DmMassFunction *mass_function,
                                          const DmHaloPopulationOptions *options, int nx,
                                          int ny, double pixel_arcmin, uint64_t seed,
                                          uint64_t stream, DmError **error);
void dm_halo_population_free(DmHaloPopulation *population);

/* Adds every halo's convergence to plane `plane` of map (dm_nfw_add_at_pixel). */
bool dm_halo_population_paint(const DmHaloPopulation *population, DmMap *map, int plane,
                              const DmCosmology *cosmology, const DmNfwPaintOptions *options,
                              DmError **error);

#ifdef __cplusplus
}
#endif

#endif
