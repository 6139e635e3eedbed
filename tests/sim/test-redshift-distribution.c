/* Source n(z): the COSMOS table, refused tables with their messages, and
 * the lensing efficiency g(chi) against its closed form for one source
 * plane; the sources' tail (share and 1/chi moment) against g and that
 * plane. */
#include <math.h>
#include <stdio.h>

#include "darkmap/redshift-distribution.h"
#include "test-util.h"

static void test_cosmos(void) {
  DmError *error = NULL;
  DmRedshiftDistribution *nz =
      dm_redshift_distribution_read_csv(dm_test_app_data_path("cosmos/cosmos_nz.csv"), &error);
  CHECK_OK(nz != NULL, error);
  if (!nz) return;
  CHECK(nz->n == 550);
  CHECK(nz->z[0] == 0.0 && nz->z[549] == 5.49);
  double total = 0.0;
  for (int r = 1; r < nz->n; r++)
    total += 0.5 * (nz->density[r] + nz->density[r - 1]) * (nz->z[r] - nz->z[r - 1]);
  CHECK_CLOSE(total, 1.0, 1e-12);
  /* the last positive row is z = 5.45: sources end at the next row */
  CHECK(dm_redshift_distribution_z_max(nz) == 5.46);
  /* the rows keep their proportions: n(0.02) / n(0.01) = 298.377 / 91.8055 */
  CHECK_CLOSE(nz->density[2] / nz->density[1], 298.377 / 91.8055, 1e-12);

  DmCosmology c;
  dm_cosmology_init(&c);
  DmLensingEfficiency *g = dm_lensing_efficiency_new(nz, &c, &error);
  CHECK_OK(g != NULL, error);
  if (g) {
    CHECK_CLOSE(dm_lensing_efficiency_at(g, 0.0), 1.0, 1e-12);
    double chi_max = dm_lensing_efficiency_chi_max(g);
    CHECK_CLOSE(chi_max, dm_comoving_distance(&c, 5.46), 1e-9);
    CHECK(dm_lensing_efficiency_at(g, chi_max) == 0.0);
    /* decreasing with distance */
    CHECK(dm_lensing_efficiency_at(g, 1000.0) > dm_lensing_efficiency_at(g, 2000.0));
    /* the tail's share and 1/chi moment: g = P − chi Q, every source beyond 0, none
     * beyond the last */
    double p, q;
    dm_lensing_efficiency_tail(g, 0.0, &p, &q);
    CHECK_CLOSE(p, 1.0, 1e-12);
    for (double chi = 100.0; chi < chi_max; chi *= 1.7) {
      dm_lensing_efficiency_tail(g, chi, &p, &q);
      CHECK_CLOSE(p - chi * q, dm_lensing_efficiency_at(g, chi), 1e-12);
    }
    dm_lensing_efficiency_tail(g, chi_max, &p, &q);
    CHECK(p == 0.0 && q == 0.0);
  }
  dm_lensing_efficiency_free(g);
  dm_redshift_distribution_free(nz);
}

/* Sources in a narrow triangle around z_s = 1 (half-width 1e-4): g(chi)
 * = 1 − chi / chi(z_s) to second order in the width. */
static void test_single_plane(void) {
  const double z[] = {0.0, 0.9999, 1.0, 1.0001}, n[] = {0.0, 0.0, 1.0, 0.0};
  DmError *error = NULL;
  DmRedshiftDistribution *nz = dm_redshift_distribution_new(z, n, 4, &error);
  CHECK_OK(nz != NULL, error);
  if (!nz) return;
  CHECK_CLOSE(nz->density[2], 1e4, 1e-6);
  DmCosmology c;
  dm_cosmology_init(&c);
  DmLensingEfficiency *g = dm_lensing_efficiency_new(nz, &c, &error);
  CHECK_OK(g != NULL, error);
  double chi_s = dm_comoving_distance(&c, 1.0);
  for (double f = 0.0; g && f < 0.99; f += 0.1) {
    CHECK_CLOSE(dm_lensing_efficiency_at(g, f * chi_s), 1.0 - f, 1e-7);
    double p, q; /* all the sources, at chi_s */
    dm_lensing_efficiency_tail(g, f * chi_s, &p, &q);
    CHECK_CLOSE(p, 1.0, 1e-9);
    CHECK_CLOSE(q * chi_s, 1.0, 1e-7);
  }
  dm_lensing_efficiency_free(g);
  dm_redshift_distribution_free(nz);
}

/* Writes text as a CSV file and expects it refused with this code and message
 * (after "PATH: "). */
static void expect_refused(const char *text, DmErrorCode code, const char *message) {
  char path[4096], expected[8192];
  const char *scratch = dm_test_write_scratch("nz.csv", text);
  if (!scratch) return;
  snprintf(path, sizeof path, "%s", scratch);
  DmError *error = NULL;
  DmRedshiftDistribution *nz = dm_redshift_distribution_read_csv(path, &error);
  snprintf(expected, sizeof expected, "%s: %s", path, message);
  CHECK(nz == NULL);
  CHECK(error && error->code == code);
  if (error && strcmp(error->message, expected) != 0)
    fprintf(stderr, "message: %s\nexpected: %s\n", error->message, expected);
  CHECK(error && strcmp(error->message, expected) == 0);
  dm_error_clear(&error);
  dm_redshift_distribution_free(nz);
  unlink(path);
}

static void test_refused(void) {
  expect_refused("z,n_of_z\n0,0\n0.1,abc\n", DM_ERROR_FORMAT,
                 "row 2: n_of_z = 'abc' is not a number.");
  expect_refused("z,n_of_z\n0,0\n0.2,1\n0.1,1\n", DM_ERROR_FORMAT,
                 "row 3: z = 0.1 does not increase (previous row: 0.2).");
  expect_refused("z,n_of_z\n0,0\n0.1,-2\n", DM_ERROR_FORMAT,
                 "row 2: n(z) = -2 is not a finite number >= 0.");
  expect_refused("z,n_of_z\n-0.1,0\n0.1,2\n", DM_ERROR_FORMAT,
                 "row 1: z = -0.1 is not a finite redshift >= 0.");
  expect_refused("z,n_of_z\n0,0\n0.1,0\n", DM_ERROR_FORMAT,
                 "The redshift distribution holds no sources: n(z) is 0 on every row.");
  expect_refused("z,n_of_z\n0.5,1\n", DM_ERROR_FORMAT,
                 "A redshift distribution needs at least two rows, found 1.");
  expect_refused("z\n0.5\n1\n", DM_ERROR_FORMAT,
                 "a redshift distribution needs two columns, z and n_of_z; the table has 1.");
  DmError *error = NULL;
  CHECK_FAILS(dm_redshift_distribution_read_csv(dm_test_tmp_path("absent.csv"), &error) != NULL,
              error, DM_ERROR_NOT_FOUND);
}

int main(void) {
  test_cosmos();
  test_single_plane();
  test_refused();
  return dm_test_result();
}
