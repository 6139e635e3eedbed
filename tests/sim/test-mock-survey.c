/* Mock surveys: the noiseless shear inverts back to kappa, rotated real
 * noise keeps COSMOS's per-pixel noise amplitude, and mocks are
 * deterministic per seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/field-from-power.h"
#include "darkmap/ks.h"
#include "darkmap/mock-survey.h"
#include "darkmap/theory.h"
#include "test-util.h"

enum { N = 128 };

/* std of g / sigma over the unmasked pixels, both components pooled. */
static double normalised_std(const DmBinnedShear *noise) {
  size_t npix = dm_map_plane_size(noise->shear), n = 0;
  double s1 = 0.0, s2 = 0.0;
  for (int c = 0; c < 2; c++)
    for (size_t p = 0; p < npix; p++)
      if (noise->mask->data[p] > 0.0f && dm_map_plane(noise->noise, c)[p] > 0.0f) {
        double r = dm_map_plane(noise->shear, c)[p] / dm_map_plane(noise->noise, c)[p];
        s1 += r;
        s2 += r * r;
        n++;
      }
  return sqrt(s2 / n - (s1 / n) * (s1 / n));
}

static bool same_shear(const DmBinnedShear *a, const DmBinnedShear *b) {
  return memcmp(a->shear->data, b->shear->data, 2 * dm_map_plane_size(a->shear) * sizeof(float)) == 0;
}

static void test_noiseless(void) {
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  double *power = theory ? dm_grid_power_from_theory(theory, N, N, 0.5, &error) : NULL;
  CHECK_OK(power != NULL, error);
  if (!power) return;
  /* No power on the Nyquist row and column: there the KS rule drops the
   * 2 k1 k2 term, so those modes do not survive a round trip. */
  for (int ky = 0; ky < N; ky++) power[ky * (N / 2 + 1) + N / 2] = 0.0;
  for (int kx = 0; kx <= N / 2; kx++) power[(N / 2) * (N / 2 + 1) + kx] = 0.0;
  DmMap *kappa = dm_map_new(N, N, 1, NULL, &error);
  CHECK_OK(kappa && dm_field_from_power(power, N, N, 3, 0, kappa->data, &error), error);
  DmMockSurvey *survey = dm_mock_survey_new_noiseless(N, N, NULL, &error);
  CHECK_OK(survey != NULL, error);
  DmBinnedShear *mock = survey && kappa ? dm_mock_survey_make(survey, kappa, 1, 0, &error) : NULL;
  CHECK_OK(mock != NULL, error);
  DmKsPlan *plan = dm_ks_plan_new(N, N, &error);
  CHECK_OK(plan != NULL, error);
  if (mock && plan) {
    float *rec = malloc(N * N * sizeof *rec);
    dm_ks_plan_shear_to_kappa(plan, dm_map_plane(mock->shear, 0), dm_map_plane(mock->shear, 1),
                              rec, NULL);
    double mk = 0.0, mr = 0.0, var = 0.0, err = 0.0;
    for (int i = 0; i < N * N; i++) {
      mk += kappa->data[i] / (double)(N * N);
      mr += rec[i] / (double)(N * N);
    }
    for (int i = 0; i < N * N; i++) {
      double d = (kappa->data[i] - mk) - (rec[i] - mr);
      var += (kappa->data[i] - mk) * (kappa->data[i] - mk);
      err = fmax(err, fabs(d));
    }
    double rel = err / sqrt(var / (N * N));
    printf("noiseless mock + KS: max |kappa − KS(A kappa)| / std(kappa) = %.2e\n", rel);
    CHECK(rel < 1e-4);
    free(rec);
  }
  CHECK_FAILS(dm_mock_survey_make(survey, mock ? mock->shear : NULL, 1, 0, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  if (plan) dm_ks_plan_free(plan);
  dm_binned_shear_free(mock);
  dm_mock_survey_free(survey);
  dm_map_free(kappa);
  free(power);
  dm_theory_free(theory);
}

static void test_cosmos(void) {
  DmError *error = NULL;
  DmCatalog *cat = dm_catalog_read(
      dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits"), 0, NULL, NULL, &error);
  CHECK_OK(cat != NULL, error);
  if (!cat) return;
  for (int model = 0; model < 2; model++) {
    DmGridSpec spec;
    dm_grid_spec_init(&spec);
    spec.noise_model = model ? DM_NOISE_WEIGHTED : DM_NOISE_COUNT;
    DmMockSurvey *survey = dm_mock_survey_new_rotated(cat, &spec, &error);
    CHECK_OK(survey != NULL, error);
    if (!survey) continue;
    DmBinnedShear *a = dm_mock_survey_noise_only(survey, 11, 0, &error);
    DmBinnedShear *b = dm_mock_survey_noise_only(survey, 11, 0, &error);
    DmBinnedShear *c = dm_mock_survey_noise_only(survey, 12, 0, &error);
    CHECK(a && b && c);
    if (a && b && c) {
      double r = normalised_std(a);
      printf("COSMOS rotated noise (%s noise map): std(noise / sigma) = %.4f, other seed %.4f\n",
             model ? "weighted" : "count", r, normalised_std(c));
      CHECK(fabs(r - 1.0) < 0.03);
      CHECK(same_shear(a, b));
      CHECK(!same_shear(a, c));
      const DmBinnedShear *t = dm_mock_survey_template(survey);
      CHECK(memcmp(a->mask->data, t->mask->data, dm_map_plane_size(t->mask) * sizeof(float)) == 0);
    }
    if (model && a) {
      /* Gaussian noise from the same std map has unit normalised std. */
      DmMockSurvey *g = dm_mock_survey_new_gaussian(dm_mock_survey_template(survey), &error);
      DmBinnedShear *gn = g ? dm_mock_survey_noise_only(g, 5, 0, &error) : NULL;
      CHECK_OK(gn != NULL, error);
      if (gn) printf("Gaussian noise: std(noise / sigma) = %.4f\n", normalised_std(gn));
      CHECK(gn && fabs(normalised_std(gn) - 1.0) < 0.01);
      /* A zero kappa leaves the noise alone. */
      DmMap *zero = dm_map_new(a->shear->nx, a->shear->ny, 1, a->shear->wcs, &error);
      DmBinnedShear *m = zero ? dm_mock_survey_make(survey, zero, 11, 0, &error) : NULL;
      CHECK_OK(m != NULL, error);
      CHECK(m && same_shear(m, a));
      dm_binned_shear_free(m);
      dm_map_free(zero);
      dm_binned_shear_free(gn);
      dm_mock_survey_free(g);
    }
    dm_binned_shear_free(a);
    dm_binned_shear_free(b);
    dm_binned_shear_free(c);
    dm_mock_survey_free(survey);
  }
  dm_catalog_free(cat);
}

int main(void) {
  test_noiseless();
  test_cosmos();
  return dm_test_result();
}
