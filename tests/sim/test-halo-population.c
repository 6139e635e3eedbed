/* Sheth-Tormen mass function on the Eisenstein-Hu spectrum, and halo
 * populations drawn from it. */
#include <math.h>
#include <string.h>

#include "darkmap/halo-population.h"
#include "darkmap/mass-function.h"
#include "test-util.h"

int main(void) {
  DmCosmology c;
  dm_cosmology_init(&c);
  DmError *error = NULL;
  DmMassFunction *mf = dm_mass_function_new(&c, &error);
  CHECK_OK(mf != NULL, error);
  if (!mf) return dm_test_result();

  /* Normalisation: sigma(8 h⁻¹ Mpc) = sigma8. */
  double s8 = dm_mass_function_sigma_r(mf, 8.0 / 0.7);
  printf("sigma(8/h Mpc) = %.8f\n", s8);
  CHECK_CLOSE(s8, 0.8, 1e-6);
  /* sigma(M) falls with mass and with redshift as the growth factor. */
  CHECK(dm_mass_function_sigma(mf, 1e13, 0.0) > dm_mass_function_sigma(mf, 1e14, 0.0));
  CHECK_CLOSE(dm_mass_function_sigma(mf, 1e14, 1.0) / dm_mass_function_sigma(mf, 1e14, 0.0),
              dm_growth_factor(&c, 1.0), 1e-9);
  /* The table matches direct integration between its points. */
  double m = 3.3e14, rho_m = 0.3 * dm_critical_density(&c, 0.0);
  double direct = dm_mass_function_sigma_r(mf, cbrt(3.0 * m / (4.0 * M_PI * rho_m)));
  printf("sigma(3.3e14) table %.6f, direct %.6f\n", dm_mass_function_sigma(mf, m, 0.0), direct);
  CHECK(fabs(dm_mass_function_sigma(mf, m, 0.0) / direct - 1.0) < 1e-4);
  for (double mass = 1e12; mass < 2e15; mass *= 10.0)
    printf("M = %.0e Msun: sigma %.4f, dn/dlnM(z=0) %.4e Mpc^-3\n", mass,
           dm_mass_function_sigma(mf, mass, 0.0), dm_mass_function_dndlnm(mf, mass, 0.0));
  CHECK(dm_mass_function_dndlnm(mf, 1e15, 0.0) < dm_mass_function_dndlnm(mf, 1e14, 0.0));
  CHECK(dm_mass_function_dndlnm(mf, 1e14, 1.0) < dm_mass_function_dndlnm(mf, 1e14, 0.0));

  /* Expected haloes above 1e14 Msun, z 0.05-1.5, per square degree. */
  DmHaloPopulationOptions o;
  dm_halo_population_options_init(&o);
  o.m_min = 1e14;
  double deg2 = pow(M_PI / 180.0, 2.0), expected = 0.0;
  CHECK_OK(dm_halo_population_expected(mf, &o, deg2, &expected, &error), error);
  printf("expected haloes above 1e14 Msun per deg² (z 0.05-1.5): %.2f\n", expected);
  CHECK(expected > 5.0 && expected < 60.0);

  /* Draws over a 2° × 2° field (240² at 0.5'): Poisson counts around the
   * mean, masses and redshifts in range, deterministic per seed. */
  double sum_n = 0.0;
  const int draws = 40;
  for (int s = 0; s < draws; s++) {
    DmHaloPopulation *pop = dm_halo_population_draw(mf, &o, 240, 240, 0.5, 1000 + s, 0, &error);
    CHECK_OK(pop != NULL, error);
    if (!pop) break;
    sum_n += (double)pop->n;
    for (size_t h = 0; h < pop->n; h++) {
      const DmHalo *halo = &pop->haloes[h];
      CHECK(halo->m200c >= 1e14 && halo->m200c <= 1e16 && halo->z >= 0.05 && halo->z <= 1.5);
      CHECK(halo->x >= -0.5 && halo->x < 239.5 && halo->y >= -0.5 && halo->y < 239.5);
    }
    dm_halo_population_free(pop);
  }
  double mean = sum_n / draws, expected_field = expected * 4.0;
  printf("mean count over %d draws %.2f, expected %.2f (Poisson error of the mean %.2f)\n", draws,
         mean, expected_field, sqrt(expected_field / draws));
  CHECK(fabs(mean - expected_field) < 4.0 * sqrt(expected_field / draws));

  /* A fixed count draws exactly that many; the mass distribution's median
   * is that of the tabulated distribution (most haloes near m_min). */
  o.count = 2000;
  DmHaloPopulation *a = dm_halo_population_draw(mf, &o, 240, 240, 0.5, 7, 0, &error);
  DmHaloPopulation *b = dm_halo_population_draw(mf, &o, 240, 240, 0.5, 7, 0, &error);
  DmHaloPopulation *other = dm_halo_population_draw(mf, &o, 240, 240, 0.5, 8, 0, &error);
  CHECK(a && b && other && a->n == 2000);
  if (a && b && other) {
    CHECK(memcmp(a->haloes, b->haloes, a->n * sizeof *a->haloes) == 0);
    CHECK(memcmp(a->haloes, other->haloes, a->n * sizeof *a->haloes) != 0);
    size_t below_2e14 = 0;
    double mean_x = 0.0;
    for (size_t h = 0; h < a->n; h++) {
      below_2e14 += a->haloes[h].m200c < 2e14;
      mean_x += a->haloes[h].x / a->n;
    }
    printf("fraction below 2e14 Msun %.3f, mean x %.2f (119.5 expected)\n",
           (double)below_2e14 / a->n, mean_x);
    CHECK(below_2e14 > a->n / 2);
    CHECK(fabs(mean_x - 119.5) < 5.0);
  }
  dm_halo_population_free(a);
  dm_halo_population_free(b);
  dm_halo_population_free(other);

  o.m_min = 1e18;
  CHECK_FAILS(dm_halo_population_draw(mf, &o, 240, 240, 0.5, 7, 0, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  dm_mass_function_free(mf);
  return dm_test_result();
}
