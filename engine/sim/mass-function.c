/* Sheth-Tormen mass function on the Eisenstein-Hu no-wiggle spectrum (see
 * darkmap/mass-function.h). */
#include "darkmap/mass-function.h"

#include <math.h>
#include <stdlib.h>

/* sigma(M, 0) tabulated at ln M steps of (ln M_MAX − ln M_MIN) / (TABLE − 1). */
enum { TABLE = 361, K_STEPS = 2000 };

/* Sheth-Tormen constants and the spherical-collapse threshold. */
#define ST_A 0.3222
#define ST_SMALL_A 0.707
#define ST_P 0.3
#define DELTA_C 1.686

struct DmMassFunction {
  DmCosmology cosmology;
  double amplitude;        /* normalisation of P(k) = amplitude k^n_s T²(k) */
  double rho_m;            /* mean comoving matter density [M_sun / Mpc³] */
  double ln_m0, ln_step;   /* table abscissae */
  double ln_sigma[TABLE];  /* ln sigma(M, 0) */
};

/* Eisenstein & Hu (1998) eqs. 26-31, k in 1/Mpc. */
static double transfer_no_wiggle(const DmCosmology *c, double k) {
  double h = c->h0 / 100.0, om = c->omega_m * h * h, ob = c->omega_b * h * h;
  double fb = c->omega_b / c->omega_m, theta = c->t_cmb / 2.7;
  double s = 44.5 * log(9.83 / om) / sqrt(1.0 + 10.0 * pow(ob, 0.75));
  double alpha = 1.0 - 0.328 * log(431.0 * om) * fb + 0.38 * log(22.3 * om) * fb * fb;
  double ks4 = pow(0.43 * k * s, 4.0);
  double gamma = c->omega_m * h * (alpha + (1.0 - alpha) / (1.0 + ks4));
  double q = k / h * theta * theta / gamma;
  double l0 = log(2.0 * M_E + 1.8 * q), c0 = 14.2 + 731.0 / (1.0 + 62.5 * q);
  return l0 / (l0 + c0 * q * q);
}

/* Fourier transform of the top-hat, 3 (sin x − x cos x) / x³. */
static double top_hat(double x) {
  if (x < 1e-3) return 1.0 - x * x / 10.0;
  return 3.0 * (sin(x) - x * cos(x)) / (x * x * x);
}

double dm_mass_function_linear_power(const DmMassFunction *mf, double k) {
  double t = transfer_no_wiggle(&mf->cosmology, k);
  return mf->amplitude * pow(k, mf->cosmology.n_s) * t * t;
}

/* sigma² = ∫ dln k k³ P(k) W²(kR) / (2 pi²), trapezoid in ln(kR) over
 * kR in [1e-4, 1e2] (the integrand is ~1e-9 of its peak at both ends). */
static double sigma2(const DmMassFunction *mf, double radius) {
  const double lo = log(1e-4), hi = log(1e2), step = (hi - lo) / K_STEPS;
  double sum = 0.0;
  for (int i = 0; i <= K_STEPS; i++) {
    double x = exp(lo + i * step), k = x / radius, w = top_hat(x);
    double term = k * k * k * dm_mass_function_linear_power(mf, k) * w * w;
    sum += (i == 0 || i == K_STEPS) ? 0.5 * term : term;
  }
  return sum * step / (2.0 * M_PI * M_PI);
}

double dm_mass_function_sigma_r(const DmMassFunction *mf, double radius) {
  return sqrt(sigma2(mf, radius));
}

DmMassFunction *dm_mass_function_new(const DmCosmology *cosmology, DmError **error) {
  if (!dm_cosmology_check(cosmology, error)) return NULL;
  DmMassFunction *mf = malloc(sizeof *mf);
  if (!mf) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a mass function table.");
    return NULL;
  }
  mf->cosmology = *cosmology;
  mf->amplitude = 1.0;
  double r8 = 8.0 / (cosmology->h0 / 100.0);
  mf->amplitude = cosmology->sigma8 * cosmology->sigma8 / sigma2(mf, r8);
  mf->rho_m = cosmology->omega_m * dm_critical_density(cosmology, 0.0);
  mf->ln_m0 = log(DM_MASS_FUNCTION_M_MIN);
  mf->ln_step = (log(DM_MASS_FUNCTION_M_MAX) - mf->ln_m0) / (TABLE - 1);
  for (int i = 0; i < TABLE; i++) {
    double m = exp(mf->ln_m0 + i * mf->ln_step);
    double radius = cbrt(3.0 * m / (4.0 * M_PI * mf->rho_m));
    mf->ln_sigma[i] = 0.5 * log(sigma2(mf, radius));
  }
  return mf;
}

void dm_mass_function_free(DmMassFunction *mass_function) { free(mass_function); }

const DmCosmology *dm_mass_function_cosmology(const DmMassFunction *mass_function) {
  return &mass_function->cosmology;
}

/* ln sigma(M, 0) and its slope d ln sigma / d ln M, linear between table
 * points (slope from the neighbouring points: central differences). */
static bool ln_sigma_at(const DmMassFunction *mf, double m, double *value, double *slope) {
  double t = (log(m) - mf->ln_m0) / mf->ln_step;
  if (!(t >= 0.0 && t <= TABLE - 1)) return false;
  int i = (int)t;
  if (i > TABLE - 2) i = TABLE - 2;
  double f = t - i;
  *value = (1.0 - f) * mf->ln_sigma[i] + f * mf->ln_sigma[i + 1];
  int a = i > 0 ? i - 1 : 0, b = i + 2 < TABLE ? i + 2 : TABLE - 1;
  double slope_i = (mf->ln_sigma[i + 1] - mf->ln_sigma[a]) / ((i + 1 - a) * mf->ln_step);
  double slope_j = (mf->ln_sigma[b] - mf->ln_sigma[i]) / ((b - i) * mf->ln_step);
  *slope = (1.0 - f) * slope_i + f * slope_j;
  return true;
}

double dm_mass_function_sigma(const DmMassFunction *mf, double m, double z) {
  double ln_sigma, slope;
  if (!ln_sigma_at(mf, m, &ln_sigma, &slope)) return 0.0;
  return exp(ln_sigma) * dm_growth_factor(&mf->cosmology, z);
}

double dm_mass_function_dndlnm_growth(const DmMassFunction *mf, double m, double growth) {
  double ln_sigma, slope;
  if (!ln_sigma_at(mf, m, &ln_sigma, &slope)) return 0.0;
  double nu = DELTA_C / (exp(ln_sigma) * growth);
  double anu2 = ST_SMALL_A * nu * nu;
  double f = ST_A * sqrt(2.0 * ST_SMALL_A / M_PI) * (1.0 + pow(anu2, -ST_P)) * nu *
             exp(-0.5 * anu2);
  return mf->rho_m / m * f * fabs(slope);
}

double dm_mass_function_dndlnm(const DmMassFunction *mf, double m, double z) {
  return dm_mass_function_dndlnm_growth(mf, m, dm_growth_factor(&mf->cosmology, z));
}
