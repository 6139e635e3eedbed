/* MMGAN training on the CPU, on a reduced COSMOS survey (32² pixels of 3',
 * the real mask and rotated real noise; lognormal fields with NFW haloes):
 *  1. exact resume: k steps, a checkpoint, a new trainer loading it and k
 *     more steps give bit for bit the weights, Adam state and w_SD of
 *     2k steps in one go (with a w_SD update inside);
 *  2. a short training (300 steps of 4 conditions, one CPU thread) whose
 *     8-sample mean beats the best-smoothed Kaiser-Squires map (Pearson r
 *     inside the mask) on validation maps that training never sees, with
 *     bounded losses and gradient penalty throughout and samples whose
 *     spread matches the error of their mean (std calibration). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "darkmap/catalog.h"
#include "darkmap/fft.h"
#include "darkmap/mmgan-train.h"
#include "darkmap/mock-evaluation.h"
#include "test-util.h"

enum { SIDE = 32 };
#define PIXEL_ARCMIN 3.0

typedef struct {
  DmTheorySpectrum *theory;
  DmCatalog *catalog;
  DmMockSurvey *survey;
  DmDataset *dataset;
  DmMmganPool *pool;
} Setup;

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static bool setup(Setup *s) {
  DmError *error = NULL;
  memset(s, 0, sizeof *s);
  s->theory = dm_test_load_ktng_theory();
  s->catalog = dm_catalog_read(
      dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits"), 0, NULL, NULL, &error);
  CHECK_OK(s->catalog != NULL, error);
  if (!s->theory || !s->catalog) return false;
  DmGridSpec spec;
  dm_grid_spec_init(&spec);
  spec.nx = spec.ny = SIDE;
  spec.pixel_arcmin = PIXEL_ARCMIN;
  s->survey = dm_mock_survey_new_rotated(s->catalog, &spec, &error);
  CHECK_OK(s->survey != NULL, error);
  DmDatasetConfig dc;
  dm_dataset_config_init(&dc);
  dc.theory = s->theory;
  dc.nx = dc.ny = SIDE;
  dc.pixel_arcmin = PIXEL_ARCMIN;
  dc.haloes = true;
  dc.seed = 2024;
  s->dataset = s->survey ? dm_dataset_new(&dc, &error) : NULL;
  CHECK_OK(s->dataset != NULL, error);
  DmMmganPoolOptions po;
  dm_mmgan_pool_options_init(&po);
  po.n_kappa = 96;
  po.n_noise = 24;
  po.n_validation = 4;
  s->pool = s->dataset ? dm_mmgan_pool_new(s->dataset, s->survey, &po, NULL, &error) : NULL;
  CHECK_OK(s->pool != NULL, error);
  return s->pool != NULL;
}

static void teardown(Setup *s) {
  dm_mmgan_pool_free(s->pool);
  dm_dataset_free(s->dataset);
  dm_mock_survey_free(s->survey);
  dm_catalog_free(s->catalog);
  dm_theory_free(s->theory);
}

static DmMmganConfig small_config(const DmMmganPool *pool) {
  DmMmganConfig c;
  dm_mmgan_config_init(&c);
  c.nx = c.ny = SIDE;
  c.pixel_arcmin = PIXEL_ARCMIN;
  c.depth = 2;
  c.base_width = 8;
  c.groups = 4;
  c.critic_base = 8;
  dm_mmgan_pool_statistics(pool, &c.kappa_mean, &c.kappa_std, &c.shear_scale);
  return c;
}

/* Every tensor of a and b (same layout) equal bit for bit. */
static bool same_params(const DmNnParams *a, const DmNnParams *b) {
  bool same = dm_nn_params_count(a) == dm_nn_params_count(b);
  for (int i = 0; same && i < dm_nn_params_count(a); i++) {
    const DmTensor *x = dm_nn_params_tensor(a, i), *y = dm_nn_params_tensor(b, i);
    size_t n = (size_t)dm_tensor_numel(x);
    float *hx = malloc(n * sizeof(float)), *hy = malloc(n * sizeof(float));
    same = hx && hy && dm_tensor_download(x, hx, n) && dm_tensor_download(y, hy, n) &&
           memcmp(hx, hy, n * sizeof(float)) == 0;
    free(hx);
    free(hy);
  }
  return same;
}

static void check_resume(DmNn *nn, const Setup *s) {
  DmError *error = NULL;
  DmMmganConfig c = small_config(s->pool);
  DmMmganTrainOptions o;
  dm_mmgan_train_options_init(&o);
  o.batch = 2;
  o.adapt_every = 2;
  o.validation_p = 2;
  enum { K = 3 };
  DmMmgan *a = dm_mmgan_new(nn, &c, true, 9, &error), *b = dm_mmgan_new(nn, &c, true, 9, &error);
  DmMmganTrainer *ta = a ? dm_mmgan_trainer_new(a, s->pool, &o, &error) : NULL;
  DmMmganTrainer *tb = b ? dm_mmgan_trainer_new(b, s->pool, &o, &error) : NULL;
  CHECK_OK(ta && tb, error);
  if (!ta || !tb) return;
  CHECK_OK(dm_mmgan_trainer_run(ta, 2 * K, NULL, NULL, &error), error);
  char state_path[4096];
  snprintf(state_path, sizeof state_path, "%s", dm_test_tmp_path("resume-state.safetensors"));
  CHECK_OK(dm_mmgan_trainer_run(tb, K, NULL, NULL, &error), error);
  DmSafetensorsWriter *writer = dm_safetensors_writer_new();
  CHECK_OK(dm_mmgan_trainer_write_state(tb, writer, &error) &&
               dm_safetensors_writer_write(writer, state_path, &error),
           error);
  dm_safetensors_writer_free(writer);
  dm_mmgan_trainer_free(tb);
  dm_mmgan_free(b);
  /* A new process's view: fresh networks from another seed, then the
   * checkpoint. */
  b = dm_mmgan_new(nn, &c, true, 1234, &error);
  tb = b ? dm_mmgan_trainer_new(b, s->pool, &o, &error) : NULL;
  DmSafetensors *state = tb ? dm_safetensors_read(state_path, &error) : NULL;
  CHECK_OK(state && dm_mmgan_trainer_read_state(tb, state, &error), error);
  dm_safetensors_free(state);
  if (tb) {
    CHECK(dm_mmgan_trainer_steps(tb) == K);
    CHECK_OK(dm_mmgan_trainer_run(tb, K, NULL, NULL, &error), error);
    CHECK(dm_mmgan_trainer_steps(tb) == 2 * K);
    CHECK(same_params(a->generator_params, b->generator_params));
    CHECK(same_params(a->critic_params, b->critic_params));
    printf("resume: w_SD %.9f and %.9f after %d steps\n", dm_mmgan_trainer_std_weight(ta),
           dm_mmgan_trainer_std_weight(tb), 2 * K);
    CHECK(dm_mmgan_trainer_std_weight(ta) == dm_mmgan_trainer_std_weight(tb));
    CHECK(dm_mmgan_trainer_std_weight(ta) != o.std_weight);
  }
  remove(state_path);
  dm_mmgan_trainer_free(ta);
  dm_mmgan_trainer_free(tb);
  dm_mmgan_free(a);
  dm_mmgan_free(b);
}

static void check_training(DmNn *nn, const Setup *s) {
  DmError *error = NULL;
  DmMmganConfig c = small_config(s->pool);
  DmMmganTrainOptions o;
  dm_mmgan_train_options_init(&o);
  o.batch = 4;
  o.adapt_every = 50;
  DmMmgan *m = dm_mmgan_new(nn, &c, true, 3, &error);
  DmMmganTrainer *t = m ? dm_mmgan_trainer_new(m, s->pool, &o, &error) : NULL;
  CHECK_OK(t != NULL, error);
  if (!t) return;
  printf("generator %lld parameters, kappa mean %.5f std %.5f, shear scale %.5f\n",
         (long long)dm_mmgan_generator_size(m), c.kappa_mean, c.kappa_std, c.shear_scale);
  double start = now_seconds(), max_gp = 0.0;
  enum { STEPS = 300, CHUNK = 100 };
  bool ok = true;
  DmMmganValidation v = {0};
  for (int done = 0; ok && done < STEPS; done += CHUNK) {
    DmMmganLosses l;
    ok = dm_mmgan_trainer_run(t, CHUNK, &l, NULL, &error);
    CHECK_OK(ok, error);
    if (!ok) break;
    max_gp = fmax(max_gp, l.gradient_penalty);
    CHECK_OK(dm_mmgan_trainer_validate(t, &v, &error), error);
    printf("step %d: critic %.4f GP %.4f adv %.4f L1 %.4f SD %.4f w_SD %.3f | "
           "PSNR mean %.2f single %.2f gain %.2f (target %.2f) std ratio %.2f r %.3f\n",
           done + CHUNK, l.critic, l.gradient_penalty, l.adversarial, l.l1, l.std_reward,
           l.std_weight, v.psnr_mean, v.psnr_single, v.psnr_gain, v.psnr_gain_target,
           v.std_ratio, v.r);
    CHECK(isfinite(l.critic) && fabs(l.critic) < 100.0 && l.std_reward > 0.0);
  }
  printf("%d steps in %.1f s, largest gradient penalty %.3f\n", STEPS, now_seconds() - start,
         max_gp);
  /* Stable: the penalty keeps the critic near 1-Lipschitz, and the samples'
   * spread is that of the errors of their mean within 40 %. */
  CHECK(max_gp < 1.0);
  CHECK(v.std_ratio > 0.6 && v.std_ratio < 1.4);
  size_t npix = (size_t)SIDE * SIDE;
  float *mean = malloc(npix * sizeof(float)), *truth = malloc(npix * sizeof(float));
  float *g1 = malloc(npix * sizeof(float)), *g2 = malloc(npix * sizeof(float));
  DmKsPlan *plan = dm_ks_plan_new(SIDE, SIDE, &error);
  CHECK_OK(plan != NULL, error);
  int wins = 0, n_val = dm_mmgan_pool_validation_count(s->pool);
  for (int j = 0; ok && plan && j < n_val; j++) {
    double r_gan = 0.0, rmse_gan = 0.0, r_ks = 0.0, rmse_ks = 0.0, sigma = 0.0;
    dm_mmgan_pool_validation_pair(s->pool, plan, j, truth, g1, g2);
    const float *mask = dm_mmgan_pool_mask(s->pool);
    CHECK_OK(dm_mmgan_trainer_validation_mean(t, j, mean, truth, &error) &&
                 dm_eval_compare(truth, mean, mask, npix, &r_gan, &rmse_gan, &error) &&
                 dm_eval_best_ks(truth, g1, g2, mask, SIDE, SIDE, &r_ks, &rmse_ks, &sigma,
                                 &error),
             error);
    printf("validation map %d: MMGAN mean r %.3f RMSE %.4f, best KS (sigma %.1f px) r %.3f "
           "RMSE %.4f\n",
           j, r_gan, rmse_gan, sigma, r_ks, rmse_ks);
    wins += r_gan > r_ks;
    if (j == 0) CHECK(r_gan > r_ks);
  }
  CHECK(wins >= n_val - 1);
  printf("validation: mean r per map %.3f against the best KS map's %.3f\n", v.r_map, v.r_ks);
  CHECK(v.r_map > v.r_ks);
  dm_ks_plan_free(plan);
  free(mean);
  free(truth);
  free(g1);
  free(g2);
  dm_mmgan_trainer_free(t);
  dm_mmgan_free(m);
}

int main(void) {
  dm_fft_set_threads(1);
  Setup s;
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn != NULL, error);
  double start = now_seconds();
  if (nn && setup(&s)) {
    printf("pool made in %.1f s\n", now_seconds() - start);
    check_resume(nn, &s);
    printf("resume checked at %.1f s\n", now_seconds() - start);
    check_training(nn, &s);
  }
  teardown(&s);
  dm_nn_free(nn);
  return dm_test_result();
}
