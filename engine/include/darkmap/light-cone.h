/* A light cone from periodic simulation boxes, and its Born convergence.
 *
 * The cone's axis runs along the third axis of a box; the comoving distance
 * to the last source chi_max (darkmap/redshift-distribution.h) is cut into
 * lens planes of equal thickness dchi <= the box side.  Each plane takes one
 * snapshot of the box, at the scale factor of its middle chi, seen through a
 * box transform of its own (kappaTNG's way of making many independent maps
 * from one simulation, Osato et al. 2021): a permutation of the three axes,
 * a flip of each, and a periodic shift.  The particles whose transformed
 * line-of-sight coordinate lies in [0, dchi) form the plane's slab; they are
 * projected onto the map's flat-sky grid at the plane's middle distance,
 * theta = (x_perp − box / 2) / chi (periodic images fill a field wider than
 * the box), and counted per pixel (nearest grid point).  The slab's density
 * contrast per pixel is
 *   delta = N_pixel / (nbar chi² Omega_pixel dchi) − 1,  nbar = count / box³,
 * and the Born approximation sums the planes:
 *   kappa(theta) = Σ_planes w_i delta_i(theta),
 *   w_i = (3/2) Omega_m (H0/c)² g(chi_i) chi_i / a_i dchi.
 *
 * Units: comoving distances and positions in Mpc/h (particle-mesh.h), the
 * map's pixels in arcmin; the pixel (x, y) has its centre at
 * theta = ((x + 1/2 − nx/2), (y + 1/2 − ny/2)) × pixel. */
#ifndef DARKMAP_LIGHT_CONE_H
#define DARKMAP_LIGHT_CONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/cosmology.h"
#include "darkmap/error.h"
#include "darkmap/redshift-distribution.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double chi_near, chi_far;  /* the slab's comoving distances [Mpc/h] */
  double chi;                /* its middle [Mpc/h] */
  double z, a;               /* redshift and scale factor at chi */
  double kernel;             /* (3/2) Omega_m (H0/c)² chi / a dchi: the plane's kappa per
                                unit density contrast for a source at infinity */
  double weight;             /* w = kernel g(chi): kappa per unit density contrast for
                                the sources' n(z) */
} DmLensPlane;

/* The planes, nearest first, covering [0, chi_max] in *n_planes slabs of
 * equal thickness, the fewest of at most max_thickness [Mpc/h] > 0.  The
 * caller frees the array. */
DmLensPlane *dm_lens_planes_new(const DmCosmology *cosmology,
                                const DmLensingEfficiency *efficiency, double max_thickness,
                                int *n_planes, DmError **error);

/* A box transform: out[i] = the input's coordinate axes[i], reflected
 * (box − v) where flip[i], plus shift[i], modulo box.  An isometry of the
 * periodic box onto itself. */
typedef struct {
  int axes[3];      /* a permutation of 0, 1, 2 */
  bool flip[3];
  double shift[3];  /* [0, box) */
} DmBoxTransform;

/* The transform of plane `plane` of map `map`: uniform over the 6
 * permutations, 8 flips and the shifts, from the Philox stream
 * (seed, map × 2³² + plane): the same arguments give the same transform. */
void dm_box_transform_draw(double box, uint64_t seed, uint32_t map, uint32_t plane,
                           DmBoxTransform *transform);

/* out = the transform of in, each coordinate in [0, box). */
void dm_box_transform_apply(const DmBoxTransform *transform, double box, const float in[3],
                            double out[3]);

/* The slab's density contrast delta per pixel of an nx × ny grid (x
 * fastest, centred on the cone's axis: the map's, or one widened around it
 * for ray tracing, darkmap/ray-trace.h) into delta, for count particles
 * (positions count × 3 in [0, box)) seen through transform.
 * pixel_arcmin > 0. */
void dm_lens_plane_density(const DmLensPlane *plane, const DmBoxTransform *transform,
                           const float *positions, size_t count, double box, int nx, int ny,
                           double pixel_arcmin, double *delta);

/* Adds plane's Born term w delta to kappa (nx × ny doubles, x fastest), the
 * density as dm_lens_plane_density makes it into delta (scratch of nx × ny
 * doubles). */
void dm_lens_plane_add_born(const DmLensPlane *plane, const DmBoxTransform *transform,
                            const float *positions, size_t count, double box, int nx, int ny,
                            double pixel_arcmin, double *delta, double *kappa);

#ifdef __cplusplus
}
#endif

#endif
