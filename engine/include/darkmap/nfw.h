/* NFW haloes (Navarro, Frenk & White 1997) and their lensing convergence.
 *
 * A halo is given by M200c [M_sun], the mass inside r200c, the radius within
 * which the mean density is 200 times the critical density rho_c(z_l), its
 * concentration c = r200c / r_s and its redshift z_l.  Radii are physical
 * Mpc; densities M_sun / Mpc³; surface densities M_sun / Mpc².  The
 * projected profile is the closed form of Wright & Brainerd (2000, ApJ 534,
 * 34) for the untruncated profile, with a series around x = R / r_s = 1
 * where the closed form cancels. */
#ifndef DARKMAP_NFW_H
#define DARKMAP_NFW_H

#include <stdbool.h>

#include "darkmap/cosmology.h"
#include "darkmap/error.h"
#include "darkmap/map.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double m200c;          /* M_sun */
  double concentration;  /* c200c */
  double z;              /* lens redshift */
  double r200c;          /* physical Mpc */
  double r_s;            /* scale radius r200c / c, physical Mpc */
  double rho_s;          /* characteristic density delta_c rho_c(z) [M_sun / Mpc³] */
} DmNfwProfile;

/* Duffy et al. (2008, MNRAS 390, L64) concentration for M200c, full sample
 * z = 0-2: c = 5.71 (M / M_pivot)^−0.084 (1 + z)^−0.47 with
 * M_pivot = 2e12 h⁻¹ M_sun (h = H0 / 100 from the cosmology). */
double dm_duffy08_concentration(const DmCosmology *cosmology, double m200c, double z);

/* Derives the profile.  concentration <= 0 selects Duffy et al. (2008).
 * Fails with DM_ERROR_INVALID_ARGUMENT for a mass outside 1e6–1e17 M_sun,
 * a concentration above 100 or a redshift outside 0–20. */
bool dm_nfw_profile_init(DmNfwProfile *profile, const DmCosmology *cosmology, double m200c,
                         double concentration, double z, DmError **error);

/* 3-D density at physical radius r [M_sun / Mpc³]. */
double dm_nfw_density(const DmNfwProfile *profile, double r);

/* Projected surface density at projected radius R [M_sun / Mpc²]
 * (Wright & Brainerd 2000, eq. 11).  It diverges logarithmically at R = 0:
 * radii below 1e-6 r_s are evaluated at 1e-6 r_s. */
double dm_nfw_sigma(const DmNfwProfile *profile, double radius);

/* Projected mass inside a cylinder of radius R [M_sun]. */
double dm_nfw_projected_mass(const DmNfwProfile *profile, double radius);

/* How a halo is drawn onto a map of convergence. */
typedef struct {
  double z_source;          /* source redshift (single plane); default 1.0 */
  double truncation_r200;   /* evaluated out to this many r200c, 0 beyond (default 5) */
  double subsample_radius;  /* pixels whose centre lies within this many pixels of the
                               halo centre are averaged over 4 × 4 sub-pixel points
                               (the cusp); 0 = pixel centres only (default 2) */
  double pixel_arcmin;      /* pixel side for maps without a WCS (ignored when the map
                               has one) */
} DmNfwPaintOptions;

/* z_source 1.0, truncation 5 r200c, sub-sampling radius 2 pixels, pixel 0 (none). */
void dm_nfw_paint_options_init(DmNfwPaintOptions *options);

/* Adds kappa = Sigma(R) / Sigma_crit(z_l, z_s) of a halo to plane `plane` of
 * map.  R = D_A(z_l) × theta, theta the angular distance from the halo
 * centre: on the sphere from each pixel's (RA, Dec) when the map has a WCS,
 * else theta = pixel_arcmin × pixel distance (flat grid).  A halo at or
 * behind the sources (z_l >= z_s) adds nothing.
 *   _at_sky:   centre at (RA, Dec) in degrees; the map needs a WCS.
 *   _at_pixel: centre at zero-based pixel coordinates (x, y) (may lie off
 *              the map, so that a neighbour's profile still reaches it). */
bool dm_nfw_add_at_sky(DmMap *map, int plane, const DmCosmology *cosmology,
                       const DmNfwProfile *profile, double ra, double dec,
                       const DmNfwPaintOptions *options, DmError **error);
bool dm_nfw_add_at_pixel(DmMap *map, int plane, const DmCosmology *cosmology,
                         const DmNfwProfile *profile, double x, double y,
                         const DmNfwPaintOptions *options, DmError **error);

/* A projected halo made elliptical in its convergence: in the frame of its major axis, rotated by
 * position_angle from the map's +x pixel axis towards +y, a point at
 * angular offset (x', y') gets kappa_circ(theta_e) with
 *   theta_e = sqrt(q x'² + y'² / q),
 * q = axis_ratio (minor / major axis, 0 < q <= 1).  The map
 * (x', y') -> (sqrt(q) x', y' / sqrt(q)) has Jacobian 1, so the mass inside
 * every iso-kappa ellipse, the truncation's included (theta_e at most the
 * circular truncation radius), is the circular halo's; the second moments
 * of kappa about the centre are those of the circular halo times 1 / q
 * along the major axis and q along the minor one.  On a map with a WCS the
 * angular distance is taken on the sphere and its direction from the pixel
 * offsets (the grid's local axes).  q = 1 paints exactly as
 * dm_nfw_add_at_pixel.  Fails with DM_ERROR_INVALID_ARGUMENT for q outside
 * (0, 1] or a position angle that is not finite. */
bool dm_nfw_add_elliptical_at_pixel(DmMap *map, int plane, const DmCosmology *cosmology,
                                    const DmNfwProfile *profile, double x, double y,
                                    double axis_ratio, double position_angle,
                                    const DmNfwPaintOptions *options, DmError **error);

#ifdef __cplusplus
}
#endif

#endif
