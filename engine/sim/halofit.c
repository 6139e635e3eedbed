/* Takahashi et al. (2012) halofit on the Eisenstein-Hu linear spectrum (see
 * darkmap/halofit.h). */
#include "darkmap/halofit.h"

#include <math.h>
#include <stdlib.h>

#include "darkmap/mass-function.h"

/* Delta²_L(k, 0) tabulated at ln k = LN_K_MIN + i LN_K_STEP: k from 1e-5 to
 * 1e4 1/Mpc, enough for the Gaussian filter's integrals at every radius in
 * [R_MIN, R_MAX] (exp(−k² R²) < 1e-30 beyond the table for R >= R_MIN, and
 * Delta² ∝ k^(3 + n_s) below it). */
enum { TABLE = 4001 };
#define LN_K_MIN (-5.0 * M_LN10)
#define LN_K_MAX (4.0 * M_LN10)
#define LN_K_STEP ((LN_K_MAX - LN_K_MIN) / (TABLE - 1))
#define R_MIN 1e-3
#define R_MAX 1e3

struct DmHalofit {
  DmCosmology cosmology;
  double delta2[TABLE];  /* Delta²_L(k, 0) = k³ P_L(k, 0) / (2 pi²) */
};

DmHalofit *dm_halofit_new(const DmCosmology *cosmology, DmError **error) {
  DmMassFunction *mass_function = dm_mass_function_new(cosmology, error);
  if (!mass_function) return NULL;
  DmHalofit *halofit = malloc(sizeof *halofit);
  if (!halofit) {
    dm_mass_function_free(mass_function);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a halofit table.");
    return NULL;
  }
  halofit->cosmology = *cosmology;
  for (int i = 0; i < TABLE; i++) {
    double k = exp(LN_K_MIN + i * LN_K_STEP);
    halofit->delta2[i] =
        k * k * k * dm_mass_function_linear_power(mass_function, k) / (2.0 * M_PI * M_PI);
  }
  dm_mass_function_free(mass_function);
  return halofit;
}

void dm_halofit_free(DmHalofit *halofit) { free(halofit); }

/* Delta²_L(k, 0), linear in ln Delta² between table points (0 outside). */
static double linear_delta2(const DmHalofit *halofit, double k) {
  double t = (log(k) - LN_K_MIN) / LN_K_STEP;
  if (!(t >= 0.0 && t <= TABLE - 1)) return 0.0;
  int i = (int)t;
  if (i > TABLE - 2) i = TABLE - 2;
  double f = t - i;
  return exp((1.0 - f) * log(halofit->delta2[i]) + f * log(halofit->delta2[i + 1]));
}

double dm_halofit_linear_power(const DmHalofit *halofit, double k, double z) {
  double growth = dm_growth_factor(&halofit->cosmology, z);
  return linear_delta2(halofit, k) * 2.0 * M_PI * M_PI / (k * k * k) * growth * growth;
}

/* The moments of the Gaussian filter at z = 0 (trapezoid in ln k):
 * moments[j] = ∫ dln k Delta²_L (kR)^(2j) exp(−k² R²), j = 0, 1, 2. */
static void filter_moments(const DmHalofit *halofit, double radius, double moments[3]) {
  moments[0] = moments[1] = moments[2] = 0.0;
  for (int i = 0; i < TABLE; i++) {
    double k = exp(LN_K_MIN + i * LN_K_STEP), y2 = k * k * radius * radius;
    if (y2 > 80.0) break;
    double term = halofit->delta2[i] * exp(-y2) * ((i == 0) ? 0.5 : 1.0);
    moments[0] += term;
    moments[1] += term * y2;
    moments[2] += term * y2 * y2;
  }
  for (int j = 0; j < 3; j++) moments[j] *= LN_K_STEP;
}

double dm_halofit_sigma_gaussian(const DmHalofit *halofit, double radius, double z) {
  double moments[3];
  filter_moments(halofit, radius, moments);
  return sqrt(moments[0]) * dm_growth_factor(&halofit->cosmology, z);
}

/* Takahashi et al. (2012) eqs. A6-A13 at w = −1 (mu_n = 0). */
static void fit_coefficients(DmHalofitScale *s, double omega_m_z) {
  double n = s->n_eff, n2 = n * n, c = s->curvature;
  s->a_n = pow(10.0, 1.5222 + 2.8553 * n + 2.3706 * n2 + 0.9903 * n2 * n + 0.2250 * n2 * n2 -
                         0.6038 * c);
  s->b_n = pow(10.0, -0.5642 + 0.5864 * n + 0.5716 * n2 - 1.5474 * c);
  s->c_n = pow(10.0, 0.3698 + 2.0404 * n + 0.8161 * n2 + 0.5869 * c);
  s->gamma_n = 0.1971 - 0.0843 * n + 0.8460 * c;
  s->alpha_n = fabs(6.0835 + 1.3373 * n - 0.1959 * n2 - 5.5274 * c);
  s->beta_n = 2.0379 - 0.7354 * n + 0.3157 * n2 + 1.2490 * n2 * n + 0.3980 * n2 * n2 - 0.1682 * c;
  s->nu_n = pow(10.0, 5.2105 + 3.6902 * n);
  s->f1 = pow(omega_m_z, -0.0307);
  s->f2 = pow(omega_m_z, -0.0585);
  s->f3 = pow(omega_m_z, 0.0743);
}

bool dm_halofit_scale(const DmHalofit *halofit, double z, DmHalofitScale *scale,
                      DmError **error) {
  if (!(z >= 0.0 && isfinite(z)))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Halofit needs a finite redshift >= 0, not %g.", z);
  const DmCosmology *c = &halofit->cosmology;
  *scale = (DmHalofitScale){.z = z, .growth = dm_growth_factor(c, z)};
  /* sigma²(R, z) = 1 <=> moments[0](R) = 1 / D²; sigma decreases with R */
  double target = 1.0 / (scale->growth * scale->growth), moments[3];
  filter_moments(halofit, R_MIN, moments);
  if (moments[0] < target) {
    scale->linear = true;
    return true;
  }
  filter_moments(halofit, R_MAX, moments);
  if (moments[0] > target)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Halofit: the linear variance exceeds 1 on scales of %g Mpc at z = %g; "
                        "sigma8 = %g is out of the fit's range.",
                        R_MAX, z, c->sigma8);
  /* Newton's method on ln sigma² against ln R (slope −2 moments[1] / moments[0]), kept in
   * the bracket [lo, hi] by bisection */
  double lo = log(R_MIN), hi = log(R_MAX), x = 0.0;
  for (int it = 0; it < 200; it++) {
    filter_moments(halofit, exp(x), moments);
    double f = log(moments[0] / target);
    if (fabs(f) < 1e-12) break;
    if (f > 0.0) lo = x;
    else hi = x;
    double next = x + f * moments[0] / (2.0 * moments[1]);
    x = next > lo && next < hi ? next : 0.5 * (lo + hi);
  }
  double radius = exp(x);
  filter_moments(halofit, radius, moments);
  double s = moments[0], i1 = moments[1] / s, i2 = moments[2] / s;
  scale->k_sigma = 1.0 / radius;
  scale->n_eff = -3.0 + 2.0 * i1;
  scale->curvature = 4.0 * i1 + 4.0 * i1 * i1 - 4.0 * i2;
  double e = dm_cosmology_efunc(c, z);
  fit_coefficients(scale, c->omega_m * pow(1.0 + z, 3.0) / (e * e));
  return true;
}

double dm_halofit_power(const DmHalofit *halofit, const DmHalofitScale *s, double k) {
  if (s->linear) return dm_halofit_linear_power(halofit, k, s->z);
  double to_power = 2.0 * M_PI * M_PI / (k * k * k);
  double delta2_l = linear_delta2(halofit, k) * s->growth * s->growth;
  double y = k / s->k_sigma;
  double quasi = delta2_l * pow(1.0 + delta2_l, s->beta_n) / (1.0 + s->alpha_n * delta2_l) *
                 exp(-y / 4.0 - y * y / 8.0);
  double halo_prime = s->a_n * pow(y, 3.0 * s->f1) /
                      (1.0 + s->b_n * pow(y, s->f2) + pow(s->c_n * s->f3 * y, 3.0 - s->gamma_n));
  double halo = halo_prime / (1.0 + s->nu_n / (y * y));
  return (quasi + halo) * to_power;
}
