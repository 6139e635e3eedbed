/* Haloes closer to N-body ones: the concentration scatter and the projected
 * ellipticity of halo populations, and elliptical haloes drawn on maps
 * (darkmap/halo-population.h, darkmap/nfw.h). */
#include <math.h>
#include <string.h>

#include "darkmap/halo-population.h"
#include "darkmap/mass-function.h"
#include "darkmap/nfw.h"
#include "darkmap/wcs.h"
#include "test-util.h"

enum { N_HALOES = 20000 };

/* Whether two populations have the same masses, redshifts and centres. */
static bool same_haloes(const DmHaloPopulation *a, const DmHaloPopulation *b) {
  if (a->n != b->n) return false;
  for (size_t h = 0; h < a->n; h++) {
    const DmHalo *p = &a->haloes[h], *q = &b->haloes[h];
    if (p->m200c != q->m200c || p->z != q->z || p->x != q->x || p->y != q->y) return false;
  }
  return true;
}

static bool same_concentrations(const DmHaloPopulation *a, const DmHaloPopulation *b) {
  for (size_t h = 0; h < a->n; h++)
    if (a->haloes[h].concentration != b->haloes[h].concentration) return false;
  return true;
}

static bool same_shapes(const DmHaloPopulation *a, const DmHaloPopulation *b) {
  for (size_t h = 0; h < a->n; h++)
    if (a->haloes[h].axis_ratio != b->haloes[h].axis_ratio ||
        a->haloes[h].position_angle != b->haloes[h].position_angle)
      return false;
  return true;
}

static DmHaloPopulation *draw(const DmMassFunction *mf, double scatter, bool elliptical) {
  DmHaloPopulationOptions o;
  dm_halo_population_options_init(&o);
  o.count = N_HALOES;
  o.concentration_scatter = scatter;
  o.elliptical = elliptical;
  DmError *error = NULL;
  DmHaloPopulation *pop = dm_halo_population_draw(mf, &o, 240, 240, 0.5, 11, 3, &error);
  CHECK_OK(pop != NULL, error);
  return pop;
}

static void check_populations(const DmCosmology *c) {
  DmError *error = NULL;
  DmMassFunction *mf = dm_mass_function_new(c, &error);
  CHECK_OK(mf != NULL, error);
  if (!mf) return;
  const double sigma = 0.25;
  DmHaloPopulation *plain = draw(mf, 0.0, false), *scattered = draw(mf, sigma, false);
  DmHaloPopulation *elliptical = draw(mf, 0.0, true), *both = draw(mf, sigma, true);
  if (plain && scattered && elliptical && both) {
    /* Off: Duffy's concentration exactly and round haloes, as before the
     * options existed.  On: every mass, redshift and centre unchanged, and
     * each option's draws the same with or without the other. */
    bool duffy = true, round = true;
    for (size_t h = 0; h < plain->n; h++) {
      const DmHalo *p = &plain->haloes[h];
      duffy &= p->concentration == dm_duffy08_concentration(c, p->m200c, p->z);
      round &= p->axis_ratio == 1.0 && p->position_angle == 0.0;
    }
    CHECK(duffy && round);
    CHECK(same_haloes(plain, scattered) && same_haloes(plain, elliptical) &&
          same_haloes(plain, both));
    CHECK(same_shapes(plain, scattered) && same_concentrations(plain, elliptical));
    CHECK(same_concentrations(scattered, both) && same_shapes(elliptical, both));

    /* ln(c / c_Duffy): mean 0 and std sigma times 0.99946, the std of a
     * unit normal truncated at ±4, within 4 sampling errors: sigma /
     * sqrt(n) for the mean, sigma / sqrt(2 (n − 1)) for the std. */
    double sum = 0.0, sum2 = 0.0, n = (double)scattered->n;
    for (size_t h = 0; h < scattered->n; h++) {
      double d = log(scattered->haloes[h].concentration / plain->haloes[h].concentration);
      sum += d;
      sum2 += d * d;
    }
    double mean = sum / n, std = sqrt((sum2 - n * mean * mean) / (n - 1.0));
    double expected_std = sigma * 0.99946, std_error = sigma / sqrt(2.0 * (n - 1.0));
    printf("ln(c / c_Duffy) over %.0f haloes: mean %.5f (0 ± %.5f), std %.5f (%.5f ± %.5f)\n",
           n, mean, sigma / sqrt(n), std, expected_std, std_error);
    CHECK(fabs(mean) < 4.0 * sigma / sqrt(n));
    CHECK(fabs(std - expected_std) < 4.0 * std_error);

    /* Axis ratios uniform in [0.3, 0.8] (mean 0.55, std 0.5 / sqrt(12)),
     * position angles uniform in [0, pi) (mean pi / 2, std pi / sqrt(12)). */
    double q_sum = 0.0, pa_sum = 0.0;
    bool in_range = true;
    for (size_t h = 0; h < elliptical->n; h++) {
      const DmHalo *e = &elliptical->haloes[h];
      in_range &= e->axis_ratio >= 0.3 && e->axis_ratio <= 0.8 && e->position_angle >= 0.0 &&
                  e->position_angle < M_PI;
      q_sum += e->axis_ratio;
      pa_sum += e->position_angle;
    }
    printf("axis ratio mean %.4f (0.55), position angle mean %.4f (%.4f)\n", q_sum / n,
           pa_sum / n, M_PI / 2.0);
    CHECK(in_range);
    CHECK(fabs(q_sum / n - 0.55) < 4.0 * 0.5 / sqrt(12.0 * n));
    CHECK(fabs(pa_sum / n - M_PI / 2.0) < 4.0 * M_PI / sqrt(12.0 * n));
  }
  dm_halo_population_free(plain);
  dm_halo_population_free(scattered);
  dm_halo_population_free(elliptical);
  dm_halo_population_free(both);

  DmHaloPopulationOptions o;
  dm_halo_population_options_init(&o);
  const double bad[] = {-0.1, 0.51, NAN};
  for (int i = 0; i < 3; i++) {
    o.concentration_scatter = bad[i];
    CHECK_FAILS(dm_halo_population_draw(mf, &o, 240, 240, 0.5, 11, 3, &error), error,
                DM_ERROR_INVALID_ARGUMENT);
  }
  dm_mass_function_free(mf);
}

/* The sum of a plane and its second moments about (cx, cy), in pixels. */
typedef struct {
  double sum, xx, yy, xy;
} Moments;

static Moments moments(const DmMap *map, int plane, double cx, double cy) {
  Moments m = {0};
  const float *k = dm_map_plane(map, plane);
  for (int y = 0; y < map->ny; y++)
    for (int x = 0; x < map->nx; x++) {
      double v = k[(size_t)y * map->nx + x], dx = x - cx, dy = y - cy;
      m.sum += v;
      m.xx += v * dx * dx;
      m.yy += v * dy * dy;
      m.xy += v * dx * dy;
    }
  return m;
}

/* |Q| / trace Q and the major axis's angle in [0, pi) of the moments. */
static void shape_of(const Moments *m, double *chi, double *angle) {
  *chi = hypot(m->xx - m->yy, 2.0 * m->xy) / (m->xx + m->yy);
  *angle = 0.5 * atan2(2.0 * m->xy, m->xx - m->yy);
  if (*angle < 0.0) *angle += M_PI;
}

static bool same_plane(const DmMap *map, int a, int b) {
  return memcmp(dm_map_plane(map, a), dm_map_plane(map, b),
                dm_map_plane_size(map) * sizeof(float)) == 0;
}

static void check_painting(const DmCosmology *c) {
  DmError *error = NULL;
  DmNfwProfile p;
  CHECK_OK(dm_nfw_profile_init(&p, c, 5e14, 4.0, 0.3, &error), error);
  DmNfwPaintOptions options;
  dm_nfw_paint_options_init(&options);
  options.pixel_arcmin = 0.25;

  /* A flat 360² map of 0.25': the truncation radius, 5 r200c, is 107
   * pixels, 151 along the major axis of q = 0.5, so every halo lies wholly
   * on the map.  Planes: round, round through the elliptical call,
   * elliptical. */
  const double cx = 180.3, cy = 179.6, q = 0.5, angle = 0.6;
  DmMap *map = dm_map_new(360, 360, 3, NULL, &error);
  CHECK_OK(map != NULL, error);
  if (!map) return;
  CHECK_OK(dm_nfw_add_at_pixel(map, 0, c, &p, cx, cy, &options, &error), error);
  CHECK_OK(dm_nfw_add_elliptical_at_pixel(map, 1, c, &p, cx, cy, 1.0, 2.0, &options, &error),
           error);
  CHECK_OK(dm_nfw_add_elliptical_at_pixel(map, 2, c, &p, cx, cy, q, angle, &options, &error),
           error);
  CHECK(same_plane(map, 0, 1));

  /* Mass: x' -> sqrt(q) x', y' -> y' / sqrt(q) has Jacobian 1, so both
   * haloes hold M_2D(5 r200c) / (Sigma_crit Omega_pix D_A²) in pixel units
   * exactly in the continuum.  On the grid the sums differ from it mostly
   * by the pixels the truncation's edge cuts, each by at most the largest
   * kappa in it, within 3 % of kappa_edge (kappa falls no faster than
   * R^−3 there, and a pixel is under 1 % of R): at most kappa_edge ×
   * (sqrt(2) P + 4), P the edge's length in pixels (a convex curve of
   * length P crosses at most sqrt(2) P + 4 pixels), here taken 1.5 times
   * for the margin of the sub-sampled centre's error.  Their difference is
   * then below the sum of the two bounds. */
  double d_a = dm_angular_diameter_distance(c, 0.3), sc = dm_sigma_crit(c, 0.3, 1.0);
  double pixel_rad = 0.25 / 60.0 * M_PI / 180.0, r_trunc = 5.0 * p.r200c;
  double pixel_mpc = pixel_rad * d_a, r_pix = r_trunc / pixel_mpc;
  double analytic = dm_nfw_projected_mass(&p, r_trunc) / (sc * pixel_mpc * pixel_mpc);
  double kappa_edge = dm_nfw_sigma(&p, r_trunc) / sc;
  double a = r_pix / sqrt(q), b = r_pix * sqrt(q), h = pow((a - b) / (a + b), 2.0);
  double perimeter_ellipse = M_PI * (a + b) * (1.0 + 3.0 * h / (10.0 + sqrt(4.0 - 3.0 * h)));
  double bound_circle = 1.5 * kappa_edge * (sqrt(2.0) * 2.0 * M_PI * r_pix + 4.0);
  double bound_ellipse = 1.5 * kappa_edge * (sqrt(2.0) * perimeter_ellipse + 4.0);
  Moments round = moments(map, 0, cx, cy), ell = moments(map, 2, cx, cy);
  printf("mass (pixel kappa): analytic %.4f, round %.4f (bound %.4f), elliptical %.4f "
         "(bound %.4f); elliptical / round − 1 = %.2e\n",
         analytic, round.sum, bound_circle, ell.sum, bound_ellipse, ell.sum / round.sum - 1.0);
  CHECK(fabs(round.sum - analytic) < bound_circle);
  CHECK(fabs(ell.sum - analytic) < bound_ellipse);
  CHECK(fabs(ell.sum - round.sum) < bound_circle + bound_ellipse);

  /* Second moments: those of the round halo, I / 2 on each axis, become
   * I / (2 q) along the major axis and q I / 2 along the minor one, so
   * |Q| / trace Q = (1 − q²) / (1 + q²) (0.6 for q = 0.5), with the major
   * axis at the position angle.  The grid moves them (the round map's
   * ratio is 5e-5, the elliptical one's off by 1e-5): tolerances 5e-3 on
   * the ratio and the angle, 1e-2 on the trace's ratio, far from the
   * values a wrong q or angle would give. */
  double chi_round, angle_round, chi, measured_angle;
  shape_of(&round, &chi_round, &angle_round);
  shape_of(&ell, &chi, &measured_angle);
  printf("second moments: round |Q|/trQ %.2e; elliptical %.5f (%.5f), angle %.5f (%.5f); "
         "trace elliptical / round %.5f ((1/q + q) / 2 = %.5f)\n",
         chi_round, chi, (1.0 - q * q) / (1.0 + q * q), measured_angle, angle,
         (ell.xx + ell.yy) / (round.xx + round.yy), (1.0 / q + q) / 2.0);
  CHECK(chi_round < 1e-3);
  CHECK(fabs(chi - (1.0 - q * q) / (1.0 + q * q)) < 5e-3);
  CHECK(fabs(measured_angle - angle) < 5e-3);
  CHECK(fabs((ell.xx + ell.yy) / (round.xx + round.yy) / ((1.0 / q + q) / 2.0) - 1.0) < 1e-2);

  CHECK_FAILS(dm_nfw_add_elliptical_at_pixel(map, 2, c, &p, cx, cy, 0.0, 0.0, &options, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_nfw_add_elliptical_at_pixel(map, 2, c, &p, cx, cy, 1.2, 0.0, &options, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_nfw_add_elliptical_at_pixel(map, 2, c, &p, cx, cy, 0.5, NAN, &options, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  dm_map_free(map);

  /* On a TAN grid with a WCS (150.1, 2.2): q = 1 paints as the round
   * call, and the elliptical halo's angle is the same in pixels. */
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.1, 2.2, 0.25 / 60.0, 360, 360, true, &error);
  CHECK_OK(wcs != NULL, error);
  DmMap *sky = wcs ? dm_map_new(360, 360, 3, wcs, &error) : NULL;
  if (sky) {
    CHECK_OK(dm_nfw_add_at_pixel(sky, 0, c, &p, cx, cy, &options, &error), error);
    CHECK_OK(dm_nfw_add_elliptical_at_pixel(sky, 1, c, &p, cx, cy, 1.0, 2.0, &options, &error),
             error);
    CHECK_OK(dm_nfw_add_elliptical_at_pixel(sky, 2, c, &p, cx, cy, q, angle, &options, &error),
             error);
    CHECK(same_plane(sky, 0, 1));
    Moments tan = moments(sky, 2, cx, cy);
    shape_of(&tan, &chi, &measured_angle);
    printf("TAN map: elliptical |Q|/trQ %.5f, angle %.5f, mass / flat map's − 1 = %.2e\n", chi,
           measured_angle, tan.sum / ell.sum - 1.0);
    CHECK(fabs(chi - (1.0 - q * q) / (1.0 + q * q)) < 5e-3);
    CHECK(fabs(measured_angle - angle) < 5e-3);
  }
  dm_map_free(sky);
  dm_wcs_free(wcs);
}

int main(void) {
  DmCosmology c;
  dm_cosmology_init(&c);
  check_populations(&c);
  check_painting(&c);
  return dm_test_result();
}
