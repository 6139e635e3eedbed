/* Growth factors and the FastPM step factors of the particle-mesh
 * integrator (sim/pm-private.h).
 *
 * D1 is dm_growth_factor; derivatives are differences over steps of 1e-4 in
 * ln a, one-sided (second order, points a e^−2h, a e^−h, a) so that a = 1
 * needs no redshift below 0: truncation ~1e-8 relative, rounding of the
 * 1e-12 accurate D1 ~1e-8, far below the particles' float precision. */
#include "sim/pm-private.h"

#include <math.h>

#define LOG_STEP 1e-4

double dm_pm_growth(const DmCosmology *cosmology, double a) {
  return dm_growth_factor(cosmology, 1.0 / a - 1.0);
}

/* d f / da at a by the one-sided second-order difference in ln a. */
static double derivative(double (*f)(const DmCosmology *, double), const DmCosmology *cosmology,
                         double a) {
  double f0 = f(cosmology, a), f1 = f(cosmology, a * exp(-LOG_STEP));
  double f2 = f(cosmology, a * exp(-2.0 * LOG_STEP));
  return (3.0 * f0 - 4.0 * f1 + f2) / (2.0 * LOG_STEP) / a;
}

double dm_pm_growth_derivative(const DmCosmology *cosmology, double a) {
  return derivative(dm_pm_growth, cosmology, a);
}

double dm_pm_growth2(const DmCosmology *cosmology, double a) {
  double d1 = dm_pm_growth(cosmology, a), e = dm_cosmology_efunc(cosmology, 1.0 / a - 1.0);
  double omega_m_a = cosmology->omega_m / (a * a * a * e * e);
  return -3.0 / 7.0 * d1 * d1 * pow(omega_m_a, -1.0 / 143.0);
}

double dm_pm_growth2_derivative(const DmCosmology *cosmology, double a) {
  return derivative(dm_pm_growth2, cosmology, a);
}

double dm_pm_momentum_growth(const DmCosmology *cosmology, double a) {
  return a * a * a * dm_cosmology_efunc(cosmology, 1.0 / a - 1.0) *
         dm_pm_growth_derivative(cosmology, a);
}
