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
 * Duffy et al. (2008) (nfw.h).  Everything comes from DmRng(seed, stream).
 *
 * Two options bring the haloes closer to those of N-body skies; both are
 * off by default:
 *  - concentration scatter: ln c ~ N(ln c_Duffy(M, z), sigma_lnc²), the
 *    normal deviate truncated at ±4 (redrawn beyond, and where c would
 *    exceed 100, the most a profile takes: the std is then 0.9995
 *    sigma_lnc, and the second bound only cuts haloes below 1e9 M_sun at
 *    sigma_lnc = 0.5, the largest allowed).  N-body
 *    haloes scatter about the median relation by sigma_c / c ~ 1/3 at fixed
 *    mass (Bhattacharya et al. 2013, ApJ 766, 32, all haloes); X-ray
 *    concentrations of relaxed clusters by sigma_lnc = 0.16 ± 0.03 (Mantz
 *    et al. 2016, MNRAS 462, 681).  0.25 lies between the two;
 *  - projected ellipticity: each halo painted elliptical (nfw.h,
 *    dm_nfw_add_elliptical_at_pixel), axis ratio q uniform in [0.3, 0.8]
 *    and position angle uniform in [0, pi).  The mean q, 0.55, is that
 *    measured by weak lensing on clusters: <1 − b/a> = 0.46 ± 0.04 (Oguri
 *    et al. 2010, MNRAS 405, 2215, 18 clusters), b/a = 0.48 +0.14 −0.09
 *    (Evans & Bridle 2009, ApJ 695, 1446, stacked SDSS clusters); the
 *    width of the interval is a choice, not a fit.
 * They draw from their own streams, DmRng(seed, stream ^ 2^63) for the
 * concentrations and DmRng(seed, stream ^ 2^62) for the shapes, one value
 * (and its redraws) or one pair per halo in order, so that switching either
 * on leaves every mass, redshift and position as it was, and the other
 * option's draws too (callers keep their streams below 2^62). */
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
  double concentration_scatter;  /* sigma of ln c about Duffy et al. (2008), 0 to 0.5;
                                    0 (default): none */
  bool elliptical;      /* elliptical projected haloes (default false: round) */
} DmHaloPopulationOptions;

void dm_halo_population_options_init(DmHaloPopulationOptions *options);

typedef struct {
  double m200c;          /* M_sun */
  double concentration;  /* c200c (Duffy et al. 2008, with the scatter if any) */
  double z;
  double x, y;           /* zero-based pixel coordinates of the centre */
  double axis_ratio;     /* projected minor / major axis; 1: round */
  double position_angle; /* of the major axis, radians from the pixel +x axis towards +y
                            (0 when round) */
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

/* Adds every halo's convergence to plane `plane` of map
 * (dm_nfw_add_elliptical_at_pixel with its axis ratio and position angle:
 * dm_nfw_add_at_pixel's for a round one). */
bool dm_halo_population_paint(const DmHaloPopulation *population, DmMap *map, int plane,
                              const DmCosmology *cosmology, const DmNfwPaintOptions *options,
                              DmError **error);

#ifdef __cplusplus
}
#endif

#endif
