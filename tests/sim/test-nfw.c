/* NFW haloes: the Wright & Brainerd closed form against the line-of-sight
 * integral of the 3-D profile, masses, and the convergence drawn on maps. */
#include <math.h>

#include "darkmap/cosmology.h"
#include "darkmap/map.h"
#include "darkmap/nfw.h"
#include "darkmap/wcs.h"
#include "test-util.h"

/* Sigma(R) = 2 ∫_0^∞ rho(sqrt(R² + l²)) dl with l = R sinh(t) (smooth in t),
 * composite Simpson on t in [0, 40]. */
static double sigma_los(const DmNfwProfile *p, double radius) {
  const int n = 200000;
  const double t_max = 40.0, h = t_max / n;
  double sum = 0.0;
  for (int i = 0; i <= n; i++) {
    double t = i * h, l = radius * sinh(t), r = sqrt(radius * radius + l * l);
    double f = dm_nfw_density(p, r) * radius * cosh(t);
    sum += (i == 0 || i == n) ? f : (i % 2 ? 4.0 * f : 2.0 * f);
  }
  return 2.0 * sum * h / 3.0;
}

/* ∫_0^R 2 pi R' Sigma(R') dR' with R' = R u², Simpson in u (the integrand
 * stays finite at 0). */
static double mass_cylinder(const DmNfwProfile *p, double radius) {
  const int n = 20000;
  double sum = 0.0, h = 1.0 / n;
  for (int i = 1; i <= n; i++) {
    double u = i * h, r = radius * u * u;
    double f = 2.0 * M_PI * r * dm_nfw_sigma(p, r) * 2.0 * radius * u;
    sum += (i == n) ? f : (i % 2 ? 4.0 * f : 2.0 * f);
  }
  return sum * h / 3.0;
}

/* 4 pi ∫_0^r r'² rho dr', Simpson in u with r' = r u². */
static double mass_sphere(const DmNfwProfile *p, double radius) {
  const int n = 20000;
  double sum = 0.0, h = 1.0 / n;
  for (int i = 1; i <= n; i++) {
    double u = i * h, r = radius * u * u;
    double f = 4.0 * M_PI * r * r * dm_nfw_density(p, r) * 2.0 * radius * u;
    sum += (i == n) ? f : (i % 2 ? 4.0 * f : 2.0 * f);
  }
  return sum * h / 3.0;
}

/* Sum of kappa Sigma_crit Omega_pix D_A² over pixels within an aperture of
 * radius_mpc around (cx, cy). */
static double map_mass(const DmMap *map, double cx, double cy, double pixel_rad, double d_a,
                       double sigma_crit, double radius_mpc) {
  double sum = 0.0, r_pix = radius_mpc / d_a / pixel_rad;
  for (int y = 0; y < map->ny; y++)
    for (int x = 0; x < map->nx; x++)
      if (hypot(x - cx, y - cy) < r_pix) sum += map->data[(size_t)y * map->nx + x];
  return sum * sigma_crit * pixel_rad * pixel_rad * d_a * d_a;
}

int main(void) {
  DmCosmology c;
  dm_cosmology_init(&c);
  DmError *error = NULL;
  DmNfwProfile p;
  CHECK_OK(dm_nfw_profile_init(&p, &c, 5e14, 4.0, 0.3, &error), error);
  printf("M200c 5e14, c 4, z 0.3: r200c %.4f Mpc, r_s %.4f Mpc, rho_s %.4e Msun/Mpc3\n",
         p.r200c, p.r_s, p.rho_s);

  /* Closed form vs line-of-sight integral, through and around x = 1. */
  const double xs[] = {0.01, 0.1, 0.5, 0.99, 0.9995, 0.99999, 1.0, 1.00001, 1.0005, 1.01, 2.0,
                       10.0, 50.0};
  double worst = 0.0;
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    double closed = dm_nfw_sigma(&p, xs[i] * p.r_s), numeric = sigma_los(&p, xs[i] * p.r_s);
    double rel = fabs(closed / numeric - 1.0);
    printf("x = %-8g Sigma %.10e, LOS integral %.10e, rel. diff %.1e\n", xs[i], closed, numeric,
           rel);
    worst = fmax(worst, rel);
    CHECK(rel < 1e-4);
  }
  printf("worst relative difference %.1e\n", worst);
  /* Continuity across the series boundary (|x − 1| = 1e-3). */
  double below = dm_nfw_sigma(&p, (1.0 - 1e-3 * (1 - 1e-9)) * p.r_s);
  double above = dm_nfw_sigma(&p, (1.0 - 1e-3 * (1 + 1e-9)) * p.r_s);
  CHECK(fabs(below / above - 1.0) < 1e-9);

  /* Masses: M_3D(r200c) = M200c; the cylinder of radius r200c holds more
   * (the line of sight beyond r200c), and its closed form matches the
   * integral of Sigma. */
  double m3 = mass_sphere(&p, p.r200c), m2 = dm_nfw_projected_mass(&p, p.r200c);
  double m2_num = mass_cylinder(&p, p.r200c);
  printf("M_3D(r200c)/M200c = %.8f, M_2D(r200c)/M200c = %.6f, closed/integral − 1 = %.1e\n",
         m3 / p.m200c, m2 / p.m200c, m2 / m2_num - 1.0);
  CHECK(fabs(m3 / p.m200c - 1.0) < 1e-6);
  CHECK(fabs(m2 / m2_num - 1.0) < 1e-6);
  CHECK(m2 > p.m200c && m2 < 1.5 * p.m200c);

  /* Duffy et al. (2008): c(2e12/h Msun, z = 0) = 5.71 exactly. */
  CHECK_CLOSE(dm_duffy08_concentration(&c, 2e12 / 0.7, 0.0), 5.71, 1e-12);
  DmNfwProfile duffy;
  CHECK_OK(dm_nfw_profile_init(&duffy, &c, 1e14, 0.0, 0.5, &error), error);
  CHECK_CLOSE(duffy.concentration, dm_duffy08_concentration(&c, 1e14, 0.5), 1e-12);
  CHECK_FAILS(dm_nfw_profile_init(&duffy, &c, -1.0, 4.0, 0.3, &error), error,
              DM_ERROR_INVALID_ARGUMENT);

  /* Drawn on a flat 256² map without WCS at 0.5': the pixels inside r200c
   * hold M_2D(r200c) (to the pixelisation of the aperture's edge). */
  DmNfwPaintOptions options;
  dm_nfw_paint_options_init(&options);
  options.pixel_arcmin = 0.5;
  DmMap *map = dm_map_new(256, 256, 1, NULL, &error);
  CHECK_OK(map != NULL, error);
  double pixel_rad = 0.5 / 60.0 * M_PI / 180.0, d_a = dm_angular_diameter_distance(&c, 0.3);
  double sc = dm_sigma_crit(&c, 0.3, options.z_source);
  if (map) {
    CHECK_OK(dm_nfw_add_at_pixel(map, 0, &c, &p, 127.3, 128.6, &options, &error), error);
    double m = map_mass(map, 127.3, 128.6, pixel_rad, d_a, sc, p.r200c);
    printf("flat map: mass inside r200c / M_2D(r200c) − 1 = %.2e\n", m / m2 - 1.0);
    CHECK(fabs(m / m2 - 1.0) < 5e-3);
    /* A pixel 20 pixels away holds Sigma / Sigma_crit at its centre. */
    double r = hypot(148 - 127.3, 128 - 128.6) * pixel_rad * d_a;
    CHECK_CLOSE(map->data[(size_t)128 * 256 + 148] / (dm_nfw_sigma(&p, r) / sc), 1.0, 1e-5);
    /* Behind the sources: nothing added. */
    DmNfwProfile far;
    CHECK_OK(dm_nfw_profile_init(&far, &c, 1e15, 4.0, 1.2, &error), error);
    DmMap *copy = dm_map_copy(map, &error);
    CHECK_OK(dm_nfw_add_at_pixel(map, 0, &c, &far, 100, 100, &options, &error), error);
    bool same = copy != NULL;
    for (size_t i = 0; copy && i < dm_map_plane_size(map); i++) same &= copy->data[i] == map->data[i];
    CHECK(same);
    dm_map_free(copy);
    CHECK_FAILS(dm_nfw_add_at_sky(map, 0, &c, &p, 150.0, 2.0, &options, &error), error,
                DM_ERROR_INVALID_ARGUMENT);
    dm_map_free(map);
  }

  /* On a TAN grid with a WCS: a halo at the grid centre given by (RA, Dec)
   * and one given by its pixel agree, and the aperture mass holds. */
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.1, 2.2, 0.5 / 60.0, 256, 256, true, &error);
  CHECK_OK(wcs != NULL, error);
  DmMap *sky = wcs ? dm_map_new(256, 256, 2, wcs, &error) : NULL;
  if (sky) {
    CHECK_OK(dm_nfw_add_at_sky(sky, 0, &c, &p, 150.1, 2.2, &options, &error), error);
    CHECK_OK(dm_nfw_add_at_pixel(sky, 1, &c, &p, 127.5, 127.5, &options, &error), error);
    double max_diff = 0.0, peak = 0.0;
    for (size_t i = 0; i < dm_map_plane_size(sky); i++) {
      max_diff = fmax(max_diff, fabs(dm_map_plane(sky, 0)[i] - dm_map_plane(sky, 1)[i]));
      peak = fmax(peak, dm_map_plane(sky, 0)[i]);
    }
    printf("TAN map: peak kappa %.4f, |sky − pixel| max %.1e\n", peak, max_diff);
    CHECK(max_diff < 1e-6 * peak);
    double m = map_mass(sky, 127.5, 127.5, pixel_rad, d_a, sc, p.r200c);
    printf("TAN map: mass inside r200c / M_2D(r200c) − 1 = %.2e\n", m / m2 - 1.0);
    CHECK(fabs(m / m2 - 1.0) < 5e-3);
  }
  dm_map_free(sky);
  dm_wcs_free(wcs);
  return dm_test_result();
}
