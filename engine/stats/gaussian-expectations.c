/* Minkowski functionals and peak density of Gaussian random fields in 2D
 * (darkmap/map-statistics.h, where the formulae are written out). */
#include "darkmap/map-statistics.h"

#include <math.h>

void dm_gaussian_minkowski(double nu, double sigma0, double sigma1, double v[3]) {
  double tau = sigma1 / (M_SQRT2 * sigma0);
  double gauss = exp(-0.5 * nu * nu);
  v[0] = 0.5 * erfc(nu / M_SQRT2);
  v[1] = tau * gauss / 8.0;
  v[2] = tau * tau * nu * gauss / pow(2.0 * M_PI, 1.5);
}

double dm_gaussian_peak_density(double nu, double sigma0, double sigma1, double sigma2) {
  double gamma = sigma1 * sigma1 / (sigma0 * sigma2);
  if (!(gamma > 0.0 && gamma < 1.0)) return NAN;
  double theta2 = 2.0 * sigma1 * sigma1 / (sigma2 * sigma2);
  double g2 = gamma * gamma, one_minus = 1.0 - g2, three_minus = 3.0 - 2.0 * g2;
  double x = gamma * nu;
  double g = (x * x - g2) * (1.0 - 0.5 * erfc(x / sqrt(2.0 * one_minus))) +
             x * one_minus * exp(-x * x / (2.0 * one_minus)) / sqrt(2.0 * M_PI * one_minus) +
             exp(-x * x / three_minus) / sqrt(three_minus) *
                 (1.0 - 0.5 * erfc(x / sqrt(2.0 * one_minus * three_minus)));
  return exp(-0.5 * nu * nu) / (pow(2.0 * M_PI, 1.5) * theta2) * g;
}
