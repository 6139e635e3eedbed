/* The mock evaluation on a reduced COSMOS grid (64² pixels of 1.6', the real
 * mask and rotated real noise, a lognormal field with NFW haloes): the
 * score sampler with the theory prior alone targets the Wiener posterior,
 * so its mean scores as well as the filter and its 68 % intervals cover the
 * truth about 68 % of the time, and so do the probability-flow sampler's;
 * the metrics are checked on known inputs. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/catalog.h"
#include "darkmap/fft.h"
#include "darkmap/mock-evaluation.h"
#include "test-util.h"

static void check_metrics(void) {
  DmError *error = NULL;
  float truth[4] = {0, 1, 2, 3}, twice[4] = {0, 2, 4, 6}, mask[4] = {1, 1, 1, 0};
  double r = 0.0, rmse = 0.0, coverage = 0.0;
  CHECK_OK(dm_eval_compare(truth, twice, mask, 4, &r, &rmse, &error), error);
  CHECK_CLOSE(r, 1.0, 1e-12);
  CHECK_CLOSE(rmse, sqrt(5.0 / 3.0), 1e-12);
  /* Samples 0, 1, 2, 3 at every pixel: the 68 % interval is [0.48, 2.52]. */
  float samples[16];
  for (int j = 0; j < 4; j++)
    for (int i = 0; i < 4; i++) samples[j * 4 + i] = (float)j;
  float mask_all[4] = {1, 1, 1, 1};
  CHECK_OK(dm_eval_coverage(truth, samples, 4, mask_all, 4, 0.68, &coverage, &error), error);
  CHECK_CLOSE(coverage, 0.5, 1e-12);
  /* The 99.9 % interval [0.0015, 2.9985] holds 1, 2 and 3 of 0…3. */
  CHECK_OK(dm_eval_coverage(truth, samples, 4, mask_all, 4, 0.999, &coverage, &error), error);
  CHECK_CLOSE(coverage, 0.5, 1e-12);
  float none[4] = {0};
  CHECK_FAILS(dm_eval_compare(truth, twice, none, 4, &r, &rmse, &error), error, DM_ERROR_NO_DATA);
  CHECK_FAILS(dm_eval_coverage(truth, samples, 1, mask, 4, 0.68, &coverage, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_eval_coverage(truth, samples, 4, mask, 4, 1.0, &coverage, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
}

int main(void) {
  dm_fft_set_threads(1);
  check_metrics();
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmCatalog *catalog = dm_catalog_read(
      dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits"), 0, NULL, NULL, &error);
  CHECK_OK(catalog != NULL, error);
  if (!theory || !catalog) return dm_test_result();
  DmGridSpec spec;
  dm_grid_spec_init(&spec);
  spec.nx = spec.ny = 64;
  spec.pixel_arcmin = 1.6;
  DmMockSurvey *survey = dm_mock_survey_new_rotated(catalog, &spec, &error);
  CHECK_OK(survey != NULL, error);
  DmEvalConfig config;
  dm_eval_config_init(&config);
  config.theory = theory;
  config.survey = survey;
  config.seed = 2024;
  config.n_samples = 32;
  DmEvalResult result;
  CHECK_OK(survey && dm_eval_mock(&config, &result, NULL, &error), error);
  if (survey && result.method[DM_EVAL_SCORE].done) {
    static const char *const names[DM_EVAL_N_METHODS] = {"KS", "Wiener", "score (theory)", "",
                                                         "flow (theory)", "MMGAN"};
    printf("%zu pixels, truth std %.4f, %ld haloes, KS sigma %.1f px\n", result.n_pixels,
           result.truth_std, result.n_haloes, result.ks_sigma_pixels);
    for (int m = 0; m < DM_EVAL_N_METHODS; m++) {
      const DmEvalMetrics *e = &result.method[m];
      if (!e->done) continue;
      printf("%-15s r %.3f  RMSE %.4f  cov68 %.3f  cov95 %.3f  %.2f s\n", names[m], e->r,
             e->rmse, e->coverage68, e->coverage95, e->seconds);
    }
    const DmEvalMetrics *ks = &result.method[DM_EVAL_KS], *wf = &result.method[DM_EVAL_WIENER];
    const DmEvalMetrics *sc = &result.method[DM_EVAL_SCORE];
    CHECK(!result.method[DM_EVAL_SCORE_HYBRID].done);
    CHECK(wf->r > ks->r - 0.05);
    CHECK(sc->r >= wf->r - 0.02);
    CHECK(sc->coverage68 >= 0.6 && sc->coverage68 <= 0.76);
    CHECK(wf->coverage68 >= 0.6 && wf->coverage68 <= 0.76);
    CHECK(sc->coverage95 > sc->coverage68 && wf->coverage95 > wf->coverage68);
    CHECK(isnan(ks->coverage68));
    const DmEvalMetrics *fl = &result.method[DM_EVAL_SCORE_FLOW];
    CHECK(fl->done && fl->r >= wf->r - 0.02);
    CHECK(fl->coverage68 >= 0.6 && fl->coverage68 <= 0.76);
  }
  config.n_samples = 1;
  CHECK_FAILS(dm_eval_mock(&config, &result, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  dm_mock_survey_free(survey);
  dm_catalog_free(catalog);
  dm_theory_free(theory);
  return dm_test_result();
}
