/* Halofit (Takahashi et al. 2012): the sigma = 1 scale and its derivatives,
 * the linear limits, and refused redshifts. */
#include <math.h>
#include <stdio.h>

#include "darkmap/halofit.h"
#include "test-util.h"

/* At z = 0, 1, 3: sigma(1 / k_sigma) = 1, and n_eff and C equal the finite
 * differences of ln sigma² in ln R (steps of 1e-3: errors ~1e-6). */
static void test_scale(const DmHalofit *halofit) {
  static const double redshifts[] = {0.0, 1.0, 3.0};
  DmError *error = NULL;
  for (int i = 0; i < 3; i++) {
    DmHalofitScale s;
    CHECK_OK(dm_halofit_scale(halofit, redshifts[i], &s, &error), error);
    CHECK(!s.linear && s.k_sigma > 0.0);
    double radius = 1.0 / s.k_sigma, h = 1e-3, z = redshifts[i];
    CHECK_CLOSE(dm_halofit_sigma_gaussian(halofit, radius, z), 1.0, 1e-9);
    double lo = 2.0 * log(dm_halofit_sigma_gaussian(halofit, radius * exp(-h), z));
    double hi = 2.0 * log(dm_halofit_sigma_gaussian(halofit, radius * exp(h), z));
    CHECK_CLOSE(s.n_eff, -3.0 - (hi - lo) / (2.0 * h), 1e-5);
    CHECK_CLOSE(s.curvature, -(hi + lo) / (h * h), 1e-4);
  }
  /* the non-linear scale moves to larger k with z: k_sigma(0) < k_sigma(1) */
  DmHalofitScale s0, s1;
  CHECK_OK(dm_halofit_scale(halofit, 0.0, &s0, &error), error);
  CHECK_OK(dm_halofit_scale(halofit, 1.0, &s1, &error), error);
  CHECK(s0.k_sigma < s1.k_sigma);
  /* for this cosmology k_sigma(0) = 0.3626 h/Mpc, n_eff = −1.755, C = 0.348 */
  CHECK_CLOSE(s0.k_sigma / 0.6774, 0.3626, 5e-4);
  CHECK_CLOSE(s0.n_eff, -1.755, 1e-3);
  CHECK_CLOSE(s0.curvature, 0.348, 1e-3);
}

/* P_NL → P_L on large scales; P_NL > P_L on small scales, more so at z = 0. */
static void test_limits(const DmHalofit *halofit) {
  DmError *error = NULL;
  DmHalofitScale s0, s2, early;
  CHECK_OK(dm_halofit_scale(halofit, 0.0, &s0, &error), error);
  CHECK_OK(dm_halofit_scale(halofit, 2.0, &s2, &error), error);
  double k_large = 1e-4, k_small = 1.0;  /* 1/Mpc */
  double ratio_large0 = dm_halofit_power(halofit, &s0, k_large) /
                        dm_halofit_linear_power(halofit, k_large, 0.0);
  double ratio_large2 = dm_halofit_power(halofit, &s2, k_large) /
                        dm_halofit_linear_power(halofit, k_large, 2.0);
  CHECK_CLOSE(ratio_large0, 1.0, 1e-3);
  CHECK_CLOSE(ratio_large2, 1.0, 1e-3);
  double boost0 = dm_halofit_power(halofit, &s0, k_small) /
                  dm_halofit_linear_power(halofit, k_small, 0.0);
  double boost2 = dm_halofit_power(halofit, &s2, k_small) /
                  dm_halofit_linear_power(halofit, k_small, 2.0);
  CHECK(boost0 > boost2 && boost2 > 1.0);
  /* the linear spectrum grows as D(z)² */
  double growth = dm_growth_factor(&(DmCosmology){.h0 = 67.74, .omega_m = 0.3089}, 2.0);
  CHECK_CLOSE(dm_halofit_linear_power(halofit, 0.1, 2.0) /
                  dm_halofit_linear_power(halofit, 0.1, 0.0),
              growth * growth, 1e-12);
  /* early enough, sigma < 1 at every radius: the linear spectrum itself */
  CHECK_OK(dm_halofit_scale(halofit, 200.0, &early, &error), error);
  CHECK(early.linear);
  CHECK(dm_halofit_power(halofit, &early, 3.0) == dm_halofit_linear_power(halofit, 3.0, 200.0));
}

static void test_refused(const DmHalofit *halofit) {
  DmError *error = NULL;
  DmHalofitScale s;
  CHECK(!dm_halofit_scale(halofit, -1.0, &s, &error));
  CHECK(error && error->code == DM_ERROR_INVALID_ARGUMENT &&
        strcmp(error->message, "Halofit needs a finite redshift >= 0, not -1.") == 0);
  dm_error_clear(&error);
  DmCosmology bad = dm_test_ktng_cosmology();
  bad.omega_m = 0.0;
  CHECK_FAILS(dm_halofit_new(&bad, &error) != NULL, error, DM_ERROR_INVALID_ARGUMENT);
}

int main(void) {
  DmCosmology cosmology = dm_test_ktng_cosmology();
  DmError *error = NULL;
  DmHalofit *halofit = dm_halofit_new(&cosmology, &error);
  CHECK_OK(halofit != NULL, error);
  if (halofit) {
    test_scale(halofit);
    test_limits(halofit);
    test_refused(halofit);
  }
  dm_halofit_free(halofit);
  return dm_test_result();
}
