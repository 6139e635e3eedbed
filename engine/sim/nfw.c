/* NFW profiles, their projection and their convergence on maps (see
 * darkmap/nfw.h). */
#include "darkmap/nfw.h"

#include <math.h>
#include <stdlib.h>

/* Below this |x − 1| the closed forms cancel: second-order series instead. */
#define NFW_SERIES_EPS 1e-3
/* Smallest x = R / r_s evaluated (the projected profile diverges at 0). */
#define NFW_X_MIN 1e-6
/* Sub-pixel points per axis where the cusp is sub-sampled. */
#define NFW_SUBSAMPLE 4

double dm_duffy08_concentration(const DmCosmology *cosmology, double m200c, double z) {
  double h = cosmology->h0 / 100.0;
  return 5.71 * pow(m200c * h / 2e12, -0.084) * pow(1.0 + z, -0.47);
}

bool dm_nfw_profile_init(DmNfwProfile *p, const DmCosmology *cosmology, double m200c,
                         double concentration, double z, DmError **error) {
  if (!(m200c >= 1e6 && m200c <= 1e17))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Halo mass M200c = %g M_sun is out of range (1e6 to 1e17).", m200c);
  if (!(z >= 0.0 && z <= 20.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Halo redshift %g is out of range (0 to 20).", z);
  if (!(concentration <= 100.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Halo concentration %g is out of range (0 to 100; <= 0 for Duffy et "
                        "al. 2008).", concentration);
  double c = concentration > 0.0 ? concentration : dm_duffy08_concentration(cosmology, m200c, z);
  double rho_c = dm_critical_density(cosmology, z);
  p->m200c = m200c;
  p->concentration = c;
  p->z = z;
  p->r200c = cbrt(3.0 * m200c / (4.0 * M_PI * 200.0 * rho_c));
  p->r_s = p->r200c / c;
  double delta_c = 200.0 / 3.0 * c * c * c / (log1p(c) - c / (1.0 + c));
  p->rho_s = delta_c * rho_c;
  return true;
}

double dm_nfw_density(const DmNfwProfile *p, double r) {
  double x = r / p->r_s;
  return p->rho_s / (x * (1.0 + x) * (1.0 + x));
}

/* F(x) = acosh(1/x) / sqrt(1 − x²) (x < 1), acos(1/x) / sqrt(x² − 1) (x > 1),
 * analytic through F(1) = 1: 1 − 2ε/3 + 7ε²/15 − 12ε³/35 with ε = x − 1. */
static double nfw_f(double x) {
  double e = x - 1.0;
  if (fabs(e) < NFW_SERIES_EPS) return 1.0 + e * (-2.0 / 3.0 + e * (7.0 / 15.0 - e * 12.0 / 35.0));
  if (x < 1.0) return acosh(1.0 / x) / sqrt(1.0 - x * x);
  return acos(1.0 / x) / sqrt(x * x - 1.0);
}

double dm_nfw_sigma(const DmNfwProfile *p, double radius) {
  double x = fmax(radius / p->r_s, NFW_X_MIN), e = x - 1.0;
  /* g(x) = (1 − F(x)) / (x² − 1) = 1/3 − 2ε/5 + 13ε²/35 + O(ε³) near x = 1. */
  double g = fabs(e) < NFW_SERIES_EPS ? 1.0 / 3.0 + e * (-2.0 / 5.0 + e * 13.0 / 35.0)
                                      : (1.0 - nfw_f(x)) / (x * x - 1.0);
  return 2.0 * p->rho_s * p->r_s * g;
}

double dm_nfw_projected_mass(const DmNfwProfile *p, double radius) {
  if (!(radius > 0.0)) return 0.0;
  double x = radius / p->r_s;
  /* 4 pi rho_s r_s³ (ln(x/2) + F(x)) (Bartelmann 1996).  The bracket is a
   * difference that vanishes like x² at small x: relative accuracy about
   * 1e-16 / x², ample for x >= 1e-4. */
  double r3 = p->r_s * p->r_s * p->r_s;
  return 4.0 * M_PI * p->rho_s * r3 * (log(x / 2.0) + nfw_f(x));
}

void dm_nfw_paint_options_init(DmNfwPaintOptions *options) {
  *options = (DmNfwPaintOptions){
      .z_source = 1.0, .truncation_r200 = 5.0, .subsample_radius = 2.0, .pixel_arcmin = 0.0};
}

/* Angular distance between two sky positions (radians; Vincenty's form,
 * accurate at all separations). */
static double angular_distance(double ra1, double dec1, double ra2, double dec2) {
  const double d2r = M_PI / 180.0;
  double d_ra = (ra2 - ra1) * d2r, s1 = sin(dec1 * d2r), c1 = cos(dec1 * d2r);
  double s2 = sin(dec2 * d2r), c2 = cos(dec2 * d2r);
  double a = c2 * sin(d_ra), b = c1 * s2 - s1 * c2 * cos(d_ra);
  return atan2(hypot(a, b), s1 * s2 + c1 * c2 * cos(d_ra));
}

/* Everything one halo's painting needs. */
typedef struct {
  const DmMap *map;
  const DmNfwProfile *profile;
  double sigma_crit;   /* M_sun / Mpc² */
  double d_a;          /* Mpc per radian at the lens */
  double theta_max;    /* truncation radius (radians) */
  double cx, cy;       /* halo centre (pixels) */
  double ra, dec;      /* halo centre (degrees; WCS maps) */
  double pixel_rad;    /* pixel side (radians) */
  bool elliptical;     /* axis ratio q below 1 (nfw.h) */
  double q;            /* minor / major axis */
  double cos_pa, sin_pa;  /* the major axis's direction in pixels */
} Painter;

/* Angular distances (radians) of n pixel positions from the halo: through
 * the WCS when the map has one, else on the flat grid.  NaN where a point
 * does not project. */
static bool distances(const Painter *pt, size_t n, const double *x, const double *y,
                      double *theta, double *scratch_ra, double *scratch_dec, DmError **error) {
  if (!pt->map->wcs) {
    for (size_t i = 0; i < n; i++) theta[i] = pt->pixel_rad * hypot(x[i] - pt->cx, y[i] - pt->cy);
    return true;
  }
  if (!dm_wcs_pixel_to_world(pt->map->wcs, n, x, y, scratch_ra, scratch_dec, error)) return false;
  for (size_t i = 0; i < n; i++)
    theta[i] = angular_distance(pt->ra, pt->dec, scratch_ra[i], scratch_dec[i]);
  return true;
}

/* An elliptical halo's radius theta_e (nfw.h) for n points at angular
 * distances theta from its centre (replaced), their direction from their
 * pixel offsets. */
static void stretch(const Painter *pt, size_t n, const double *x, const double *y,
                    double *theta) {
  for (size_t i = 0; i < n; i++) {
    double dx = x[i] - pt->cx, dy = y[i] - pt->cy, d = hypot(dx, dy);
    if (!(d > 0.0)) continue;
    double u = (dx * pt->cos_pa + dy * pt->sin_pa) / d;  /* along the major axis */
    double v = (dy * pt->cos_pa - dx * pt->sin_pa) / d;  /* along the minor axis */
    theta[i] *= sqrt(pt->q * u * u + v * v / pt->q);
  }
}

static double kappa_at(const Painter *pt, double theta) {
  if (!(theta <= pt->theta_max)) return 0.0;
  return dm_nfw_sigma(pt->profile, pt->d_a * theta) / pt->sigma_crit;
}

/* Adds the halo over the pixels of a bounding box around it.  Buffers:
 * 6 arrays of n_max doubles (x, y, theta, ra, dec, pixel index) used for
 * the box's pixel centres, then for the sub-sampled points of the central
 * pixels. */
static bool paint(const Painter *pt, float *plane, double subsample_radius, DmError **error) {
  int nx = pt->map->nx, ny = pt->map->ny;
  /* Half-sides of the box in pixels, with margin: an elliptical halo's are
   * those of the box around its truncation ellipse, semi-axes
   * R / sqrt(q) along the position angle and R sqrt(q) across. */
  double radius = 1.1 * pt->theta_max / pt->pixel_rad;
  double reach_x = radius + 2.0, reach_y = radius + 2.0;
  if (pt->elliptical) {
    double c2 = pt->cos_pa * pt->cos_pa, s2 = pt->sin_pa * pt->sin_pa;
    reach_x = radius * sqrt(c2 / pt->q + s2 * pt->q) + 2.0;
    reach_y = radius * sqrt(s2 / pt->q + c2 * pt->q) + 2.0;
  }
  double fx0 = fmax(floor(pt->cx - reach_x), 0.0), fx1 = fmin(ceil(pt->cx + reach_x), nx - 1.0);
  double fy0 = fmax(floor(pt->cy - reach_y), 0.0), fy1 = fmin(ceil(pt->cy + reach_y), ny - 1.0);
  if (!(fx0 <= fx1 && fy0 <= fy1)) return true;  /* entirely off the map */
  int x0 = (int)fx0, x1 = (int)fx1, y0 = (int)fy0, y1 = (int)fy1;
  int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  int sub = NFW_SUBSAMPLE * NFW_SUBSAMPLE;
  int rs = (int)ceil(subsample_radius);
  size_t n_box = (size_t)bw * (size_t)bh;
  size_t n_sub = subsample_radius > 0.0 ? (size_t)(2 * rs + 1) * (size_t)(2 * rs + 1) * sub : 0;
  size_t n_max = n_box > n_sub ? n_box : n_sub;
  double *buf = malloc(6 * n_max * sizeof *buf);
  if (!buf)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                        "Out of memory for a halo spanning %d × %d pixels.", bw, bh);
  double *x = buf, *y = buf + n_max, *theta = buf + 2 * n_max;
  double *sra = buf + 3 * n_max, *sdec = buf + 4 * n_max, *pixel = buf + 5 * n_max;
  bool ok = true;

  /* Pixel centres. */
  for (size_t k = 0; k < n_box; k++) {
    x[k] = x0 + (double)(k % (size_t)bw);
    y[k] = y0 + (double)(k / (size_t)bw);
  }
  ok = distances(pt, n_box, x, y, theta, sra, sdec, error);
  if (ok && pt->elliptical) stretch(pt, n_box, x, y, theta);
  for (int j = 0; ok && j < bh; j++)
    for (int i = 0; i < bw; i++) {
      double dx = x0 + i - pt->cx, dy = y0 + j - pt->cy;
      if (n_sub && dx * dx + dy * dy < subsample_radius * subsample_radius) continue;
      plane[(size_t)(y0 + j) * nx + x0 + i] += (float)kappa_at(pt, theta[(size_t)j * bw + i]);
    }

  /* Central pixels: mean over 4 × 4 sub-pixel points. */
  size_t n = 0;
  int px0 = (int)floor(pt->cx) - rs, py0 = (int)floor(pt->cy) - rs;
  for (int py = py0; ok && n_sub && py <= py0 + 2 * rs + 1; py++)
    for (int px = px0; px <= px0 + 2 * rs + 1; px++) {
      double dx = px - pt->cx, dy = py - pt->cy;
      if (px < 0 || py < 0 || px >= nx || py >= ny ||
          !(dx * dx + dy * dy < subsample_radius * subsample_radius))
        continue;
      for (int s = 0; s < sub; s++) {
        x[n] = px + ((s % NFW_SUBSAMPLE) + 0.5) / NFW_SUBSAMPLE - 0.5;
        y[n] = py + ((s / NFW_SUBSAMPLE) + 0.5) / NFW_SUBSAMPLE - 0.5;
        pixel[n] = (double)py * nx + px;
        n++;
      }
    }
  if (ok && n) ok = distances(pt, n, x, y, theta, sra, sdec, error);
  if (ok && n && pt->elliptical) stretch(pt, n, x, y, theta);
  for (size_t k = 0; ok && k < n; k += (size_t)sub) {
    double sum = 0.0;
    for (int s = 0; s < sub; s++) sum += kappa_at(pt, theta[k + s]);
    plane[(size_t)pixel[k]] += (float)(sum / sub);
  }
  free(buf);
  return ok;
}

/* Checks and fills what does not depend on where the centre is. */
static bool painter_init(Painter *pt, const DmMap *map, int plane, const DmCosmology *cosmology,
                         const DmNfwProfile *profile, double axis_ratio, double position_angle,
                         const DmNfwPaintOptions *options, DmError **error) {
  if (plane < 0 || plane >= map->nplanes)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Plane %d does not exist in a map of %d planes.", plane, map->nplanes);
  if (!(options->truncation_r200 > 0.0) || !(options->subsample_radius >= 0.0) ||
      options->subsample_radius > 64.0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Halo truncation (%g r200c) must be > 0 and the sub-sampling radius "
                        "(%g pixels) from 0 to 64.",
                        options->truncation_r200, options->subsample_radius);
  if (!(axis_ratio > 0.0 && axis_ratio <= 1.0) || !isfinite(position_angle))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A halo's axis ratio (%g) must be above 0 and at most 1, and its "
                        "position angle (%g rad) finite.",
                        axis_ratio, position_angle);
  if (!(options->z_source > 0.0 && options->z_source <= 20.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Source redshift %g is out of range (0 to 20).", options->z_source);
  double pixel_deg = map->wcs ? dm_wcs_pixel_scale_deg(map->wcs) : options->pixel_arcmin / 60.0;
  if (!(pixel_deg > 0.0 && pixel_deg < 180.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The map has no WCS: a pixel scale in arcmin is needed to draw a "
                        "halo on it.");
  *pt = (Painter){
      .map = map,
      .profile = profile,
      .sigma_crit = dm_sigma_crit(cosmology, profile->z, options->z_source),
      .d_a = dm_angular_diameter_distance(cosmology, profile->z),
      .pixel_rad = pixel_deg * M_PI / 180.0,
      .elliptical = axis_ratio < 1.0,
      .q = axis_ratio,
      .cos_pa = cos(position_angle),
      .sin_pa = sin(position_angle),
  };
  pt->theta_max = options->truncation_r200 * profile->r200c / pt->d_a;
  return true;
}

/* Adds a halo of axis ratio q and position angle pa (nfw.h; q = 1: round)
 * centred at (RA, Dec) on a map with a WCS. */
static bool add_at_sky(DmMap *map, int plane, const DmCosmology *cosmology,
                       const DmNfwProfile *profile, double ra, double dec, double q, double pa,
                       const DmNfwPaintOptions *options, DmError **error) {
  Painter pt;
  if (!painter_init(&pt, map, plane, cosmology, profile, q, pa, options, error)) return false;
  if (!isfinite(pt.sigma_crit)) return true;  /* behind the sources */
  if (!dm_wcs_world_to_pixel(map->wcs, 1, &ra, &dec, &pt.cx, &pt.cy, error)) return false;
  if (!isfinite(pt.cx) || !isfinite(pt.cy)) return true;  /* does not project */
  pt.ra = ra;
  pt.dec = dec;
  return paint(&pt, dm_map_plane(map, plane), options->subsample_radius, error);
}

/* Adds a halo of axis ratio q and position angle pa centred at pixel
 * (x, y): through its (RA, Dec) on a map with a WCS. */
static bool add_at_pixel(DmMap *map, int plane, const DmCosmology *cosmology,
                         const DmNfwProfile *profile, double x, double y, double q, double pa,
                         const DmNfwPaintOptions *options, DmError **error) {
  if (!isfinite(x) || !isfinite(y))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Halo pixel position is not finite.");
  if (map->wcs) {
    double ra, dec;
    if (!dm_wcs_pixel_to_world(map->wcs, 1, &x, &y, &ra, &dec, error)) return false;
    if (!isfinite(ra) || !isfinite(dec)) return true;
    return add_at_sky(map, plane, cosmology, profile, ra, dec, q, pa, options, error);
  }
  Painter pt;
  if (!painter_init(&pt, map, plane, cosmology, profile, q, pa, options, error)) return false;
  if (!isfinite(pt.sigma_crit)) return true;
  pt.cx = x;
  pt.cy = y;
  return paint(&pt, dm_map_plane(map, plane), options->subsample_radius, error);
}

bool dm_nfw_add_at_sky(DmMap *map, int plane, const DmCosmology *cosmology,
                       const DmNfwProfile *profile, double ra, double dec,
                       const DmNfwPaintOptions *options, DmError **error) {
  if (!map->wcs)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A halo at RA %g, Dec %g needs a map with a WCS.", ra, dec);
  return add_at_sky(map, plane, cosmology, profile, ra, dec, 1.0, 0.0, options, error);
}

bool dm_nfw_add_at_pixel(DmMap *map, int plane, const DmCosmology *cosmology,
                         const DmNfwProfile *profile, double x, double y,
                         const DmNfwPaintOptions *options, DmError **error) {
  return add_at_pixel(map, plane, cosmology, profile, x, y, 1.0, 0.0, options, error);
}

bool dm_nfw_add_elliptical_at_pixel(DmMap *map, int plane, const DmCosmology *cosmology,
                                    const DmNfwProfile *profile, double x, double y,
                                    double axis_ratio, double position_angle,
                                    const DmNfwPaintOptions *options, DmError **error) {
  return add_at_pixel(map, plane, cosmology, profile, x, y, axis_ratio, position_angle, options,
                      error);
}
