/* Training sets: tuples are functions of (seed, index), and a file written
 * and read back holds exactly the regenerated tuples. */
#include <stdio.h>
#include <string.h>

#include "darkmap/dataset.h"
#include "darkmap/theory.h"
#include "darkmap/wcs.h"
#include "test-util.h"

static bool same_map(const DmMap *a, const DmMap *b) {
  return a->nx == b->nx && a->ny == b->ny && a->nplanes == b->nplanes &&
         memcmp(a->data, b->data, (size_t)a->nplanes * dm_map_plane_size(a) * sizeof(float)) == 0;
}

int main(void) {
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return dm_test_result();

  /* A 64² survey with a WCS, a mask and Gaussian noise, haloes on. */
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.1, 2.2, 0.5 / 60.0, 64, 64, true, &error);
  DmBinnedShear survey = {0};
  survey.shear = dm_map_new(64, 64, 2, wcs, &error);
  survey.counts = dm_map_new(64, 64, 1, wcs, &error);
  survey.weight = dm_map_new(64, 64, 1, wcs, &error);
  survey.noise = dm_map_new(64, 64, 2, wcs, &error);
  survey.mask = dm_map_new(64, 64, 1, wcs, &error);
  for (int i = 0; i < 64 * 64; i++) {
    bool in = (i % 64) > 8;
    survey.mask->data[i] = in;
    survey.noise->data[i] = survey.noise->data[64 * 64 + i] = in ? 0.02f : 0.0f;
  }
  DmMockSurvey *mock = dm_mock_survey_new_gaussian(&survey, &error);
  CHECK_OK(mock != NULL, error);

  DmDatasetConfig config;
  dm_dataset_config_init(&config);
  config.theory = theory;
  config.survey = mock;
  config.haloes = true;
  config.halo_options.m_min = 5e13;
  config.seed = 42;
  DmDataset *set = mock ? dm_dataset_new(&config, &error) : NULL;
  CHECK_OK(set != NULL, error);
  if (!set) return dm_test_result();

  DmDatasetTuple *t3 = dm_dataset_tuple(set, 3, &error);
  DmDatasetTuple *t3b = dm_dataset_tuple(set, 3, &error);
  DmDatasetTuple *t4 = dm_dataset_tuple(set, 4, &error);
  CHECK(t3 && t3b && t4);
  if (t3 && t3b && t4) {
    printf("tuple 3: %ld haloes, tuple 4: %ld haloes\n", t3->n_haloes, t4->n_haloes);
    CHECK(same_map(t3->kappa, t3b->kappa) && same_map(t3->shear, t3b->shear));
    CHECK(!same_map(t3->kappa, t4->kappa) && !same_map(t3->shear, t4->shear));
    CHECK(t3->kappa->wcs && dm_wcs_equal(t3->kappa->wcs, wcs, 64, 64, 1e-9));
    CHECK(t3->shear->data[0] == 0.0f && t3->shear->data[20] != 0.0f);  /* masked / observed */
  }

  /* Tuples 2..5 to a file; each read back equals the regenerated one. */
  const char *path = dm_test_tmp_path("dataset.fits");
  CHECK_OK(dm_dataset_write(set, 2, 4, path, NULL, &error), error);
  DmDatasetFile *file = dm_dataset_file_read(path, &error);
  CHECK_OK(file != NULL, error);
  if (file) {
    uint64_t first;
    int count;
    dm_dataset_file_range(file, &first, &count);
    CHECK(first == 2 && count == 4);
    for (uint64_t i = 2; i < 6; i++) {
      DmDatasetTuple *read = dm_dataset_file_tuple(file, i, &error);
      DmDatasetTuple *made = dm_dataset_tuple(set, i, &error);
      CHECK(read && made);
      if (read && made) {
        CHECK(same_map(read->kappa, made->kappa));
        CHECK(same_map(read->shear, made->shear));
        CHECK(same_map(read->noise, made->noise) && same_map(read->mask, made->mask));
        CHECK(read->kappa->wcs && dm_wcs_equal(read->kappa->wcs, wcs, 64, 64, 1e-6));
      }
      dm_dataset_tuple_free(read);
      dm_dataset_tuple_free(made);
    }
    CHECK_FAILS(dm_dataset_file_tuple(file, 6, &error), error, DM_ERROR_INVALID_ARGUMENT);
    printf("tuples 2-5 written to and read back from %s: equal\n", path);
  }
  dm_dataset_file_free(file);
  remove(path);

  /* A Gaussian-field, noiseless, periodic set without a survey. */
  DmDatasetConfig plain;
  dm_dataset_config_init(&plain);
  plain.theory = theory;
  plain.field = DM_FIELD_GAUSSIAN;
  plain.nx = plain.ny = 32;
  DmDataset *gset = dm_dataset_new(&plain, &error);
  DmDatasetTuple *g = gset ? dm_dataset_tuple(gset, 0, &error) : NULL;
  CHECK_OK(g != NULL, error);
  CHECK(g && g->kappa->nx == 32 && !g->kappa->wcs && g->mask->data[0] == 1.0f);
  dm_dataset_tuple_free(g);
  dm_dataset_free(gset);
  plain.theory = NULL;
  CHECK_FAILS(dm_dataset_new(&plain, &error), error, DM_ERROR_INVALID_ARGUMENT);

  dm_dataset_tuple_free(t3);
  dm_dataset_tuple_free(t3b);
  dm_dataset_tuple_free(t4);
  dm_dataset_free(set);
  dm_mock_survey_free(mock);
  dm_map_free(survey.shear);
  dm_map_free(survey.counts);
  dm_map_free(survey.weight);
  dm_map_free(survey.noise);
  dm_map_free(survey.mask);
  dm_wcs_free(wcs);
  dm_theory_free(theory);
  return dm_test_result();
}
