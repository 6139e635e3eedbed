/* Flat Lambda-CDM distances, Sigma_crit and rho_c against astropy 5
 * (FlatLambdaCDM(H0=70, Om0=0.3), Tcmb0 = 0, CODATA 2018 / IAU 2015
 * constants), and the growth factor against Carroll, Press & Turner (1992). */
#include <math.h>

#include "darkmap/cosmology.h"
#include "test-util.h"

static void check_rel(const char *what, double value, double reference, double tol) {
  double rel = value / reference - 1.0;
  printf("%-28s %.10g (astropy %.10g, rel. diff %.1e)\n", what, value, reference, rel);
  CHECK(fabs(rel) < tol);
}

/* Carroll, Press & Turner (1992) eq. 29 growth suppression g(z), accurate to ~1 %. */
static double cpt92(double om0, double z) {
  double a3 = pow(1.0 + z, 3.0), e2 = om0 * a3 + 1.0 - om0;
  double om = om0 * a3 / e2, ol = (1.0 - om0) / e2;
  return 2.5 * om / (pow(om, 4.0 / 7.0) - ol + (1.0 + om / 2.0) * (1.0 + ol / 70.0));
}

int main(void) {
  DmCosmology c;
  dm_cosmology_init(&c);
  DmError *error = NULL;
  CHECK_OK(dm_cosmology_check(&c, &error), error);

  /* The brief's reference: D_A(z = 1) = 1651.9 Mpc within 0.1 %; measured
   * agreement with astropy is ~1e-14. */
  check_rel("D_A(1) [Mpc]", dm_angular_diameter_distance(&c, 1.0), 1651.9144029437352, 1e-9);
  CHECK(fabs(dm_angular_diameter_distance(&c, 1.0) / 1651.9 - 1.0) < 1e-3);
  check_rel("D_C(3) [Mpc]", dm_comoving_distance(&c, 3.0), 6355.685436297468, 1e-9);
  check_rel("D_A(0.3, 1) [Mpc]", dm_angular_diameter_distance_between(&c, 0.3, 1.0),
            1054.71596808612, 1e-9);
  check_rel("Sigma_crit(0.3, 1) [Msun/Mpc2]", dm_sigma_crit(&c, 0.3, 1.0), 2834765688247904.5,
            1e-9);
  check_rel("rho_c(0) [Msun/Mpc3]", dm_critical_density(&c, 0.0), 135992947350.45705, 1e-9);
  check_rel("rho_c(0.5) [Msun/Mpc3]", dm_critical_density(&c, 0.5), 232887922337.6577, 1e-9);
  check_rel("dV/dz/dOmega(0.5) [Mpc3/sr]", dm_comoving_volume_element(&c, 0.5),
            11673444513.055542, 1e-9);

  /* Limits and invalid input. */
  CHECK(dm_comoving_distance(&c, 0.0) == 0.0);
  CHECK(isinf(dm_sigma_crit(&c, 1.0, 0.5)) && isinf(dm_sigma_crit(&c, 1.0, 1.0)));
  CHECK(isnan(dm_comoving_distance(&c, -0.1)) && isnan(dm_critical_density(&c, NAN)));
  DmCosmology bad = c;
  bad.omega_m = 1.5;
  CHECK_FAILS(dm_cosmology_check(&bad, &error), error, DM_ERROR_INVALID_ARGUMENT);
  bad = c;
  bad.omega_b = 0.4;
  CHECK_FAILS(dm_cosmology_check(&bad, &error), error, DM_ERROR_INVALID_ARGUMENT);

  /* Growth: D(0) = 1; D(z) / a against the CPT92 fit, normalised at z = 0. */
  CHECK_CLOSE(dm_growth_factor(&c, 0.0), 1.0, 1e-12);
  for (double z = 0.5; z <= 3.0; z += 0.5) {
    double fit = cpt92(0.3, z) / cpt92(0.3, 0.0) / (1.0 + z);
    printf("D(%.1f) = %.6f, CPT92 %.6f\n", z, dm_growth_factor(&c, z), fit);
    CHECK(fabs(dm_growth_factor(&c, z) / fit - 1.0) < 0.01);
  }
  return dm_test_result();
}
