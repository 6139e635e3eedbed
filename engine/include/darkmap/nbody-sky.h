/* N-body convergence maps: one particle-mesh simulation (particle-mesh.h)
 * seen through a light cone of lens planes (light-cone.h), in the Born
 * approximation or by multi-plane ray tracing (ray-trace.h), for sources
 * with a redshift distribution (redshift-distribution.h).
 *
 * The planes are dchi <= the box side thick and reach the last source; the
 * simulation is asked for one snapshot per plane, at the scale factor of the
 * plane's middle, and every map sees each snapshot through its own box
 * transform (seed, map, plane), so that K maps cost one simulation and K
 * projections.  The maps are flat-sky grids of nx × ny pixels centred on
 * the cone's axis.
 *
 * Resolution.  A map holds the multipoles from its field, ell_min = 2 pi /
 * (the field's side in radians), up to the smaller of the pixels' Nyquist,
 * pi / pixel, and the simulation's: the mesh resolves k up to about half
 * its Nyquist, pi mesh / (2 box), i.e. ell ~ k chi at the distance where the
 * lensing efficiency weighs most (about 1000 Mpc/h for COSMOS sources),
 * while the box side caps the largest structures (ell >~ 2 pi chi / box).
 * Particles add shot noise, white: C_shot = Σ_planes w_i² / (nbar chi_i²
 * dchi) per sr for Poisson particles (the SHOTNOIS card); particles still
 * near their initial lattice (the far planes, at high z) make less, so that
 * it bounds the shot noise from above (measured: the maps' C_ell at ell >
 * 15,000 falls below it for 128³ particles in 205 Mpc/h).  Each slab's
 * nearest-grid-point counts smooth nothing: pixels smaller than the mean
 * particle spacing at the plane's distance are noisy. */
#ifndef DARKMAP_NBODY_SKY_H
#define DARKMAP_NBODY_SKY_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/particle-mesh.h"
#include "darkmap/progress.h"
#include "darkmap/redshift-distribution.h"
#include "darkmap/wcs.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  DmPmRequest pm;            /* the simulation; its cosmology is the maps' */
  int nx, ny;                /* map size [pixels] */
  double pixel_arcmin;       /* pixel side */
  const DmWcs *wcs;          /* borrowed, may be NULL: copied onto the maps */
  const DmRedshiftDistribution *sources;  /* borrowed: the sources' n(z) */
  int n_maps;                /* K >= 1 */
  uint64_t seed;             /* the box transforms' seed */
  double plane_thickness;    /* largest dchi [Mpc/h]; 0: the box side */
  bool ray_trace;            /* multi-plane ray tracing (darkmap/ray-trace.h) instead of
                                the Born sum: every plane's density is held (floats) on
                                the map's grid widened on each side by an eighth of its
                                larger side, at least 16 pixels, until the simulation
                                ends */
} DmNbodySkyRequest;

/* dm_pm_request_init's simulation, no grid, no sources, one map, seed 0,
 * planes of the box side. */
void dm_nbody_sky_request_init(DmNbodySkyRequest *request);

/* K convergence maps as the planes of one nx × ny × K map with the
 * request's WCS and provenance cards: FIELD = 'nbody', BOX, MESH, NPART,
 * STEPS, ASTART, SEED (initial conditions), SKYSEED (box transforms),
 * NPLANES, PLANEDCH (plane thickness [Mpc/h]), ZMAX (last source), H0,
 * OMEGAM, OMEGAB, SIGMA8, NS, SHOTNOIS (C_shot per sr) and RAYTRACE (T:
 * ray-traced, F: Born).  Fails with
 * DM_ERROR_INVALID_ARGUMENT for a bad request (a_start after the farthest
 * plane's scale factor included), as dm_pm_run for the simulation, and with
 * DM_ERROR_CANCELLED when progress asks. */
DmMap *dm_nbody_sky_run(const DmNbodySkyRequest *request, const DmProgress *progress,
                        DmError **error);

#ifdef __cplusplus
}
#endif

#endif
