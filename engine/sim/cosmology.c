/* Flat Lambda-CDM background (see darkmap/cosmology.h). */
#include "darkmap/cosmology.h"

#include <math.h>

/* SI constants as astropy uses them: CODATA 2018 G, IAU 2015 nominal solar
 * mass and the IAU parsec. */
#define SI_C 299792458.0                /* m / s */
#define SI_G 6.67430e-11                /* m³ / (kg s²) */
#define SI_MSUN 1.988409870698051e30    /* kg */
#define SI_MPC 3.085677581491367e22     /* m */

/* 16-point Gauss-Legendre nodes and weights on [−1, 1] (positive half). */
static const double gl_node[8] = {
    0.0950125098376374, 0.2816035507792589, 0.4580167776572274, 0.6178762444026438,
    0.7554044083550030, 0.8656312023878318, 0.9445750230732326, 0.9894009349916499};
static const double gl_weight[8] = {
    0.1894506104550685, 0.1826034150449236, 0.1691565193950025, 0.1495959888165767,
    0.1246289712555339, 0.0951585116824928, 0.0622535239386479, 0.0271524594117541};

/* ∫_lo^hi f(t) dt by Gauss-Legendre on panels no wider than max_panel. */
static double integrate(double (*f)(const DmCosmology *, double), const DmCosmology *c,
                        double lo, double hi, double max_panel) {
  if (!(hi > lo)) return 0.0;
  int panels = (int)ceil((hi - lo) / max_panel);
  double width = (hi - lo) / panels, sum = 0.0;
  for (int p = 0; p < panels; p++) {
    double mid = lo + (p + 0.5) * width, half = 0.5 * width;
    for (int i = 0; i < 8; i++)
      sum += gl_weight[i] * half * (f(c, mid - half * gl_node[i]) + f(c, mid + half * gl_node[i]));
  }
  return sum;
}

void dm_cosmology_init(DmCosmology *cosmology) {
  *cosmology = (DmCosmology){
      .h0 = 70.0, .omega_m = 0.3, .omega_b = 0.046, .sigma8 = 0.8, .n_s = 0.96, .t_cmb = 2.7255};
}

bool dm_cosmology_check(const DmCosmology *c, DmError **error) {
  if (!(c->h0 > 0.0 && c->h0 <= 1000.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "H0 = %g km/s/Mpc is out of range (0 to 1000).", c->h0);
  if (!(c->omega_m > 0.0 && c->omega_m <= 1.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Omega_m = %g is out of range (0 to 1 for a flat universe).",
                        c->omega_m);
  if (!(c->omega_b >= 0.0 && c->omega_b < c->omega_m))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Omega_b = %g must be at least 0 and below Omega_m = %g.", c->omega_b,
                        c->omega_m);
  if (!(c->sigma8 > 0.0 && c->sigma8 < 10.0) || !(c->n_s > 0.0 && c->n_s < 3.0) ||
      !(c->t_cmb > 0.0 && c->t_cmb < 100.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "sigma8 = %g, n_s = %g or T_cmb = %g K is out of range.", c->sigma8,
                        c->n_s, c->t_cmb);
  return true;
}

double dm_cosmology_efunc(const DmCosmology *c, double z) {
  double a3 = (1.0 + z) * (1.0 + z) * (1.0 + z);
  return sqrt(c->omega_m * a3 + 1.0 - c->omega_m);
}

double dm_hubble_distance(const DmCosmology *c) { return DM_SPEED_OF_LIGHT_KMS / c->h0; }

/* dz / E(z) written in u = ln(1 + z): (1 + z) / E(z) du. */
static double comoving_integrand(const DmCosmology *c, double u) {
  double z = expm1(u);
  return (1.0 + z) / dm_cosmology_efunc(c, z);
}

static bool valid_z(double z) { return z >= 0.0 && isfinite(z); }

double dm_comoving_distance_between(const DmCosmology *c, double z1, double z2) {
  if (!valid_z(z1) || !valid_z(z2)) return NAN;
  if (z2 <= z1) return 0.0;
  return dm_hubble_distance(c) * integrate(comoving_integrand, c, log1p(z1), log1p(z2), 0.05);
}

double dm_comoving_distance(const DmCosmology *c, double z) {
  return dm_comoving_distance_between(c, 0.0, z);
}

double dm_angular_diameter_distance(const DmCosmology *c, double z) {
  return dm_comoving_distance(c, z) / (1.0 + z);
}

double dm_angular_diameter_distance_between(const DmCosmology *c, double z1, double z2) {
  return dm_comoving_distance_between(c, z1, z2) / (1.0 + z2);
}

double dm_comoving_volume_element(const DmCosmology *c, double z) {
  double dc = dm_comoving_distance(c, z);
  return dm_hubble_distance(c) * dc * dc / dm_cosmology_efunc(c, z);
}

double dm_sigma_crit(const DmCosmology *c, double z_lens, double z_source) {
  if (!valid_z(z_lens) || !valid_z(z_source)) return NAN;
  if (z_source <= z_lens) return INFINITY;
  /* c² / (4 pi G) in M_sun / Mpc. */
  const double factor = SI_C * SI_C / (4.0 * M_PI * SI_G) * SI_MPC / SI_MSUN;
  double dl = dm_angular_diameter_distance(c, z_lens);
  double ds = dm_angular_diameter_distance(c, z_source);
  double dls = dm_angular_diameter_distance_between(c, z_lens, z_source);
  return factor * ds / (dl * dls);
}

double dm_critical_density(const DmCosmology *c, double z) {
  if (!valid_z(z)) return NAN;
  double h = c->h0 * dm_cosmology_efunc(c, z) * 1000.0 / SI_MPC;  /* 1 / s */
  double rho_si = 3.0 * h * h / (8.0 * M_PI * SI_G);            /* kg / m³ */
  return rho_si * SI_MPC * SI_MPC * SI_MPC / SI_MSUN;
}

/* 1 / (a E(a))³ as a function of the scale factor a. */
static double growth_integrand(const DmCosmology *c, double a) {
  double ae = a * dm_cosmology_efunc(c, 1.0 / a - 1.0);
  return 1.0 / (ae * ae * ae);
}

/* Unnormalised growth E(a) ∫_0^a da' / (a' E(a'))³. */
static double growth_unnormalised(const DmCosmology *c, double a) {
  return dm_cosmology_efunc(c, 1.0 / a - 1.0) * integrate(growth_integrand, c, 0.0, a, 0.02);
}

double dm_growth_factor(const DmCosmology *c, double z) {
  if (!valid_z(z)) return NAN;
  return growth_unnormalised(c, 1.0 / (1.0 + z)) / growth_unnormalised(c, 1.0);
}
