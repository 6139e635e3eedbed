/* Mocks whose truths are maps of a FITS cube (DmEvalConfig.truths_path):
 * mock i's truth is the file's tile i less its mean (the truth's std and
 * removed mean are those of the file's maps, exactly), and its shear is the
 * survey's of that map (KS on a noiseless survey gives it back: r near 1);
 * a file with too few finite tiles, pixels of another side, a NaN and a
 * grid that is not square are refused with their messages. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/map-tiles.h"
#include "darkmap/map.h"
#include "darkmap/mock-evaluation.h"
#include "map-cube-test.h"

enum { SIDE = 32 };
#define PIXEL_ARCMIN 2.0

/* The std over the grid of map t of the cube less its mean, and that mean. */
static void tile_moments(const char *cube, int t, double *std, double *mean) {
  DmError *error = NULL;
  DmMapTiles *maps = dm_map_tiles_read(cube, SIDE, t + 1, PIXEL_ARCMIN, NULL, &error);
  CHECK_OK(maps != NULL, error);
  *std = *mean = NAN;
  if (!maps) return;
  float truth[SIDE * SIDE];
  *mean = dm_plane_remove_mean(dm_map_tiles_data(maps) + (size_t)t * SIDE * SIDE, truth,
                               SIDE * SIDE);
  dm_map_tiles_free(maps);
  double s = 0.0, s2 = 0.0, n = SIDE * SIDE;
  for (int i = 0; i < SIDE * SIDE; i++) {
    s += truth[i];
    s2 += (double)truth[i] * truth[i];
  }
  *std = sqrt(fmax(0.0, s2 / n - (s / n) * (s / n)));
}

static DmMockSurvey *noiseless_survey(int nx, int ny) {
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.0, 2.0, PIXEL_ARCMIN / 60.0, nx, ny, true,
                               &error);
  DmMockSurvey *survey = wcs ? dm_mock_survey_new_noiseless(nx, ny, wcs, &error) : NULL;
  dm_wcs_free(wcs);
  CHECK_OK(survey != NULL, error);
  return survey;
}

static void check_refused(const DmEvalConfig *config, const char *message) {
  DmError *error = NULL;
  DmEvalResult result;
  CHECK(!dm_eval_mock(config, &result, NULL, &error));
  CHECK(error && error->code == DM_ERROR_INVALID_ARGUMENT && strstr(error->message, message));
  printf("refused: %s\n", error ? error->message : "(no error)");
  dm_error_clear(&error);
}

int main(void) {
  dm_fft_set_threads(1);
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmMockSurvey *survey = noiseless_survey(SIDE, SIDE);
  char cube[4096];
  const char *path = map_cube_test_write("truths.fits", SIDE, 2, PIXEL_ARCMIN, -1, 11);
  if (!theory || !survey || !path) return dm_test_result();
  snprintf(cube, sizeof cube, "%s", path);
  DmError *error = NULL;
  DmEvalConfig config;
  dm_eval_config_init(&config);
  config.theory = theory;
  config.survey = survey;
  config.baselines = DM_EVAL_BIT(DM_EVAL_KS);
  config.truths_path = cube;
  config.n_mocks = 2;
  DmEvalResult result;
  CHECK_OK(dm_eval_mock(&config, &result, NULL, &error), error);
  double std0, mean0, std1, mean1;
  tile_moments(cube, 0, &std0, &mean0);
  tile_moments(cube, 1, &std1, &mean1);
  printf("truths from the cube: std %.6f (maps %.6f, %.6f), KS r %.4f\n", result.truth_std, std0,
         std1, result.method[DM_EVAL_KS].r);
  CHECK(result.n_mocks == 2 && result.n_pixels == SIDE * SIDE);
  CHECK_CLOSE(result.truth_std, (std0 + std1) / 2, 1e-12);
  CHECK_CLOSE(result.truth_mean, (mean0 + mean1) / 2, 1e-12);
  CHECK(result.method[DM_EVAL_KS].r > 0.9);

  /* Mock 1 alone takes the second map. */
  config.index = 1;
  config.n_mocks = 1;
  CHECK_OK(dm_eval_mock(&config, &result, NULL, &error), error);
  CHECK_CLOSE(result.truth_std, std1, 1e-12);

  config.n_mocks = 2;
  char text[4500];
  snprintf(text, sizeof text,
           "%s holds 2 finite tiles of 32 × 32 pixels; the mocks' truths need 3.", cube);
  check_refused(&config, text);
  config.index = 0;
  config.truths_path = map_cube_test_write("truths-nan.fits", SIDE, 2, PIXEL_ARCMIN, 0, 11);
  check_refused(&config, "holds 1 finite tile of 32 × 32 pixels; the mocks' truths need 2.");
  config.truths_path = map_cube_test_write("truths-wide.fits", SIDE, 2, 3.0, -1, 11);
  check_refused(&config, "has pixels of 3′; the mocks' truths are of 2′");
  remove(dm_test_tmp_path("truths-nan.fits"));
  remove(dm_test_tmp_path("truths-wide.fits"));
  DmMockSurvey *oblong = noiseless_survey(SIDE, SIDE / 2);
  config.survey = oblong;
  config.truths_path = cube;
  check_refused(&config, "the survey's grid of 32 x 16 pixels is not square");
  dm_mock_survey_free(oblong);
  remove(cube);
  dm_mock_survey_free(survey);
  dm_theory_free(theory);
  return dm_test_result();
}
