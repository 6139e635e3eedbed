/* One call per method (darkmap/reconstruct.h) against the engine calls it
 * composes, on the 32² Gaussian case of the score tests:
 *  - KS equals dm_ks_shear_to_kappa bit for bit (E and B);
 *  - the Wiener mean equals dm_wiener_filter and sample k
 *    dm_wiener_sample(seed, k), bit for bit;
 *  - score HMC (theory prior) equals a direct dm_score_device_hmc run with
 *    the same options, whatever the batch;
 *  - MMGAN equals dm_mmgan_sample of the same generator;
 *  - the provenance keywords, and the refusals of dm_reconstruct_check
 *    (no theory, no model, a model of another grid or kind, bad counts,
 *    no WCS, bad device and sampler settings);
 *  - model info of an MMGAN generator, the shipped score network and a
 *    plain one, and hostile files refused;
 *  - a cancel raised from another thread after 0.2 s stops a 360² score HMC
 *    within 1.5 s, with DM_ERROR_CANCELLED and no result. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "darkmap/binning.h"
#include "darkmap/mmgan.h"
#include "darkmap/model-info.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/reconstruct.h"
#include "darkmap/safetensors.h"
#include "darkmap/score-device.h"
#include "reconstruct/reconstruct-test-util.h"
#include "score/score-gaussian-case.h"

static DmBinnedShear *gaussian_case(void) {
  return dm_test_binned_new(N, N, PIXEL_ARCMIN, g1, g2, std1, std2, mask);
}

static bool same(const float *a, const float *b, size_t n) {
  return memcmp(a, b, n * sizeof(float)) == 0;
}

static void check_card(const DmMap *map, const char *key, const char *text) {
  const DmMetaCard *card = dm_map_find_card(map, key);
  CHECK(card != NULL);
  if (card && text) {
    CHECK(card->text && strcmp(card->text, text) == 0);
    if (!card->text || strcmp(card->text, text) != 0)
      fprintf(stderr, "%s = '%s', expected '%s'\n", key, card->text ? card->text : "", text);
  }
}

static void check_number(const DmMap *map, const char *key, double value) {
  const DmMetaCard *card = dm_map_find_card(map, key);
  CHECK(card != NULL);
  if (card) CHECK_CLOSE(card->number, value, 0.0);
}

static void check_ks(const DmBinnedShear *binned) {
  DmError *error = NULL;
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_KS);
  r.ks.pad = true;
  r.ks.smooth_sigma_pixels = 1.5;
  DmReconstruction *ks = dm_reconstruct(binned, &r, NULL, &error);
  CHECK_OK(ks != NULL, error);
  DmMap *e = NULL, *b = NULL;
  CHECK_OK(dm_ks_shear_to_kappa(binned->shear, &r.ks, &e, &b, &error), error);
  if (ks && e && b) {
    CHECK(ks->b_mode && ks->posterior->samples == NULL && ks->posterior->std == NULL);
    CHECK(same(ks->posterior->mean->data, e->data, NPIX));
    CHECK(ks->b_mode && same(ks->b_mode->data, b->data, NPIX));
    check_card(ks->posterior->mean, "METHOD", "KS93");
    check_number(ks->posterior->mean, "KSSMOOTH", 1.5);
  }
  dm_map_free(e);
  dm_map_free(b);
  dm_reconstruction_free(ks);
}

static void check_wiener(const DmBinnedShear *binned, const DmTheorySpectrum *theory) {
  DmError *error = NULL;
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_WIENER);
  r.theory = theory;
  r.theory_path = "ktng_cl_theory.csv";
  r.n_samples = 3;
  r.seed = 7;
  r.wiener.tolerance = 1e-6;
  DmReconstruction *wf = dm_reconstruct(binned, &r, NULL, &error);
  CHECK_OK(wf != NULL, error);
  DmWiener *w = dm_wiener_new(N, N, PIXEL_ARCMIN, theory, std1, std2, mask, &r.wiener, &error);
  CHECK_OK(w != NULL, error);
  if (!wf || !w) {
    dm_reconstruction_free(wf);
    dm_wiener_free(w);
    return;
  }
  float direct[NPIX];
  DmWienerStats stats;
  CHECK_OK(dm_wiener_filter(w, g1, g2, direct, &stats, NULL, &error), error);
  const DmPosterior *p = wf->posterior;
  CHECK(same(p->mean->data, direct, NPIX));
  CHECK(wf->stats.solver_iterations == stats.iterations && stats.iterations > 1);
  CHECK(p->samples && p->samples->nplanes == 3);
  for (int k = 0; p->samples && k < 3; k++) {
    CHECK_OK(dm_wiener_sample(w, g1, g2, 7, (uint64_t)k, direct, NULL, NULL, &error), error);
    CHECK(same(dm_map_plane(p->samples, k), direct, NPIX));
  }
  printf("wiener: %d iterations, %.1f per sample, %.3f s\n", wf->stats.solver_iterations,
         wf->stats.sample_iterations, wf->stats.seconds);
  CHECK(wf->stats.sample_iterations > 1.0);
  check_card(p->mean, "METHOD", "WIENER");
  check_card(p->mean, "PRIOR", "ktng_cl_theory.csv");
  check_number(p->mean, "NSAMPLES", 3);
  check_number(p->mean, "SEED", 7);
  check_number(p->mean, "WFTOL", 1e-6);
  check_number(p->mean, "WFITER", stats.iterations);
  dm_wiener_free(w);
  dm_reconstruction_free(wf);
}

/* Records the stages reported, to check the count of samples in them. */
typedef struct {
  int reports;
  double last;
  bool monotonic;
  char stage[160];
} Reports;

static void record(void *user_data, double fraction, const char *stage) {
  Reports *r = user_data;
  if (fraction < r->last) r->monotonic = false;
  r->last = fraction;
  r->reports++;
  snprintf(r->stage, sizeof r->stage, "%s", stage);
}

static void check_score(const DmBinnedShear *binned, const DmTheorySpectrum *theory) {
  DmError *error = NULL;
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_SCORE_HMC);
  r.theory = theory;
  r.theory_path = "ktng_cl_theory.csv";
  r.device = "cpu";
  r.threads = 1;
  r.n_samples = 4;
  r.seed = 5;
  r.batch = 4;
  r.hmc.n_levels = 4;
  r.hmc.n_leapfrog = 3;
  r.hmc.n_final = 1;
  Reports reports = {0, 0.0, true, ""};
  DmProgress progress = {record, &reports, NULL};
  DmReconstruction *one = dm_reconstruct(binned, &r, &progress, &error);
  CHECK_OK(one != NULL, error);
  CHECK(reports.monotonic && reports.last == 1.0);
  CHECK(strcmp(reports.stage, "Score sampling: 4 of 4 samples") == 0);
  printf("score: last stage '%s' after %d reports\n", reports.stage, reports.reports);
  r.batch = 3;
  DmReconstruction *two = dm_reconstruct(binned, &r, NULL, &error);
  CHECK_OK(two != NULL, error);

  /* The same chains run directly. */
  DmScorePrior *prior = dm_score_prior_new(theory, N, N, PIXEL_ARCMIN, &error);
  DmScoreLikelihood *likelihood = dm_score_likelihood_new(N, N, g1, g2, std1, std2, mask, &error);
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  DmScoreDevice *device = prior && likelihood && nn
                              ? dm_score_device_new(nn, prior, likelihood, NULL, NULL, &error)
                              : NULL;
  CHECK_OK(device != NULL, error);
  DmScoreSamplerOptions options = r.hmc;
  options.step_scale = 0.5;  /* the theory prior's default */
  options.seed = 5;
  float direct[4 * NPIX];
  DmScoreSamplerStats stats;
  if (device)
    CHECK_OK(dm_score_device_hmc(device, &options, 0, 4, direct, &stats, NULL, &error), error);
  if (one && two && device) {
    const DmPosterior *p = one->posterior;
    CHECK(same(p->samples->data, direct, 4 * NPIX));
    CHECK(same(two->posterior->samples->data, direct, 4 * NPIX));
    CHECK(one->stats.evaluations == stats.gradients && one->stats.acceptance == 1.0);
    CHECK(one->stats.batch == 4 && two->stats.batch == 3);
    CHECK(strncmp(one->stats.device, "cpu", 3) == 0);
    check_card(p->mean, "METHOD", "SCORE-HMC");
    check_card(p->mean, "SCORENET", "none");
    check_card(p->mean, "PRIOR", "ktng_cl_theory.csv");
    check_number(p->mean, "NSAMPLES", 4);
    check_number(p->mean, "SEED", 5);
    check_number(p->mean, "STEPSC", 0.5);
    CHECK(dm_map_find_card(p->mean, "MODEL") == NULL);
  }
  dm_score_device_free(device);
  dm_nn_free(nn);
  dm_score_likelihood_free(likelihood);
  dm_score_prior_free(prior);
  dm_reconstruction_free(one);
  dm_reconstruction_free(two);
}

/* A tiny generator for nx × ny pixels of pixel_arcmin, saved to path. */
static DmMmgan *tiny_mmgan(DmNn *nn, int nx, int ny, double pixel_arcmin, const char *path) {
  DmError *error = NULL;
  DmMmganConfig c;
  dm_mmgan_config_init(&c);
  c.nx = nx;
  c.ny = ny;
  c.pixel_arcmin = pixel_arcmin;
  c.depth = 2;
  c.base_width = 4;
  c.groups = 2;
  c.kappa_std = 0.02;
  DmMmgan *m = dm_mmgan_new(nn, &c, false, 3, &error);
  CHECK_OK(m != NULL, error);
  if (m) CHECK_OK(dm_mmgan_save(m, path, &error), error);
  return m;
}

static void check_mmgan(const DmBinnedShear *binned, DmNn *nn) {
  DmError *error = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("mmgan.safetensors"));
  DmMmgan *m = tiny_mmgan(nn, N, N, PIXEL_ARCMIN, path);
  if (!m) return;
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_MMGAN);
  r.model_path = path;
  r.device = "cpu";
  r.threads = 1;
  r.n_samples = 3;
  r.seed = 9;
  DmReconstruction *gan = dm_reconstruct(binned, &r, NULL, &error);
  CHECK_OK(gan != NULL, error);
  float direct[3 * NPIX];
  CHECK_OK(dm_mmgan_sample(m, g1, g2, mask, 3, 3, 9, direct, NULL, &error), error);
  if (gan) {
    const DmPosterior *p = gan->posterior;
    CHECK(gan->stats.batch == 3); /* the CPU's 4, no more than the 3 samples */
    CHECK(same(p->samples->data, direct, 3 * NPIX));
    check_card(p->mean, "METHOD", "MMGAN");
    check_card(p->mean, "MODEL", path);
    check_card(p->mean, "MODELSHA", NULL);
    const DmMetaCard *sha = dm_map_find_card(p->mean, "MODELSHA");
    CHECK(sha && sha->text && strlen(sha->text) == 64);
    check_number(p->mean, "SEED", 9);
  }
  dm_reconstruction_free(gan);

  DmModelInfo info;
  CHECK_OK(dm_model_info_read(path, &info, &error), error);
  CHECK(info.kind == DM_MODEL_MMGAN && info.nx == N && info.ny == N);
  CHECK_CLOSE(info.pixel_arcmin, PIXEL_ARCMIN, 0.0);
  CHECK(info.n_parameters == dm_mmgan_generator_size(m));
  CHECK(strcmp(dm_model_kind_describe(info.kind), "MMGAN generator") == 0);

  /* A truncated copy is refused. */
  FILE *in = fopen(path, "rb");
  char truncated[4096];
  snprintf(truncated, sizeof truncated, "%s", dm_test_tmp_path("truncated.safetensors"));
  FILE *out = fopen(truncated, "wb");
  char bytes[600];
  size_t got = in ? fread(bytes, 1, sizeof bytes, in) : 0;
  CHECK(got == sizeof bytes && out && fwrite(bytes, 1, got, out) == got);
  if (in) fclose(in);
  if (out) fclose(out);
  CHECK_FAILS(dm_model_info_read(truncated, &info, &error), error, DM_ERROR_FORMAT);
  r.model_path = truncated;
  CHECK_FAILS(dm_reconstruct_check(binned, &r, &error), error, DM_ERROR_FORMAT);
  remove(truncated);
  dm_mmgan_free(m);
  remove(path);
}

/* The shipped score network, and a plain one of another architecture name. */
static void check_score_model_info(DmNn *nn) {
  DmError *error = NULL;
  const char *shipped = dm_test_app_data_path("models/score-cosmos.safetensors");
  DmModelInfo info;
  CHECK_OK(dm_model_info_read(shipped, &info, &error), error);
  DmNnParams *params = NULL;
  DmScoreNetwork network = {NULL, NULL, 0.0, false};
  CHECK_OK(dm_score_network_load(nn, shipped, &params, &network, &error), error);
  CHECK(info.kind == DM_MODEL_SCORE_HYBRID && info.nx == 0 && info.ny == 0 &&
        info.pixel_arcmin == 0.0);
  /* Every tensor of the loaded network: the trainable ones and the buffers. */
  int64_t loaded = 0;
  for (int i = 0; params && i < dm_nn_params_count(params); i++)
    loaded += dm_tensor_numel(dm_nn_params_tensor(params, i));
  CHECK(params && info.n_parameters == loaded && loaded > dm_nn_params_numel(params));
  printf("score-cosmos: %s, %lld parameters\n", dm_model_kind_describe(info.kind),
         (long long)info.n_parameters);
  dm_unet_free(network.unet);
  dm_nn_params_free(params);

  /* Hand-written metadata: plain with a pixel scale, another arch, a bad flag. */
  const char *metas[][3] = {{"unet", "true", "1.5"}, {"cosmogan", "false", NULL},
                            {"unet", "maybe", NULL}};
  for (int i = 0; i < 3; i++) {
    const char *path = dm_test_tmp_path("meta.safetensors");
    DmSafetensorsWriter *w = dm_safetensors_writer_new();
    float weights[6] = {1, 2, 3, 4, 5, 6};
    int64_t shape[2] = {2, 3};
    CHECK_OK(dm_safetensors_writer_add_metadata(w, "arch", metas[i][0], &error) &&
                 dm_safetensors_writer_add_metadata(w, "score_plain", metas[i][1], &error) &&
                 (!metas[i][2] ||
                  dm_safetensors_writer_add_metadata(w, "pixel_arcmin", metas[i][2], &error)) &&
                 dm_safetensors_writer_add(w, "w", DM_ST_F32, 2, shape, weights, &error) &&
                 dm_safetensors_writer_write(w, path, &error),
             error);
    dm_safetensors_writer_free(w);
    if (i == 0) {
      CHECK_OK(dm_model_info_read(path, &info, &error), error);
      CHECK(info.kind == DM_MODEL_SCORE_PLAIN && info.nx == 0 && info.n_parameters == 6);
      CHECK_CLOSE(info.pixel_arcmin, 1.5, 0.0);
      /* Any grid, but pixels of 1.5′: refused on 2′ pixels. */
      DmBinnedShear *b = gaussian_case();
      CHECK_FAILS(dm_model_info_check_grid(&info, b, &error), error,
                  DM_ERROR_INVALID_ARGUMENT);
      dm_binned_shear_free(b);
    } else {
      CHECK_FAILS(dm_model_info_read(path, &info, &error), error, DM_ERROR_FORMAT);
    }
    remove(path);
  }
}

/* A request that dm_reconstruct_check refuses with code, with a message
 * holding each of the words. */
static void expect_refused(const DmBinnedShear *binned, const DmReconstructRequest *r,
                           DmErrorCode code, const char *word1, const char *word2) {
  DmError *error = NULL;
  bool ok = dm_reconstruct_check(binned, r, &error);
  CHECK(!ok && error && error->code == code);
  if (error) {
    printf("refused: %s\n", error->message);
    CHECK(!word1 || strstr(error->message, word1));
    CHECK(!word2 || strstr(error->message, word2));
  }
  dm_error_clear(&error);
  /* dm_reconstruct refuses it the same way, with nothing returned. */
  DmReconstruction *result = dm_reconstruct(binned, r, NULL, &error);
  CHECK(result == NULL && error && error->code == code);
  dm_error_free(error);
}

static void check_refusals(const DmBinnedShear *binned, const DmTheorySpectrum *theory,
                           DmNn *nn) {
  DmReconstructRequest r;
  for (int m = DM_RECONSTRUCT_WIENER; m <= DM_RECONSTRUCT_SCORE_FLOW; m++) {
    dm_reconstruct_request_init(&r, (DmReconstructMethod)m);
    expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, "theory", NULL);
  }
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_MMGAN);
  expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, "model", NULL);

  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_WIENER);
  r.theory = theory;
  r.n_samples = -1;
  expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, "sample", NULL);
  r.n_samples = 0;
  r.wiener.tolerance = 2.0;
  expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, "tolerance", NULL);
  r.wiener.tolerance = 1e-5;
  r.model_path = "weights.safetensors";
  expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, "model", NULL);

  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_SCORE_HMC);
  r.theory = theory;
  r.n_samples = 0;
  expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, "sample", NULL);
  r.n_samples = 2;
  r.hmc.n_levels = 1;
  expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, NULL, NULL);
  r.hmc.n_levels = 4;
  r.device = "tpu";
  expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, "auto, cpu or cuda", "tpu");
  r.device = NULL;
  r.method = DM_RECONSTRUCT_SCORE_FLOW;
  r.flow.n_steps = 0;
  expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, NULL, NULL);
  r.flow.n_steps = 4;
  r.model_path = dm_test_tmp_path("missing.safetensors");
  DmError *error = NULL;
  CHECK(!dm_reconstruct_check(binned, &r, &error) && error &&
        error->code != DM_ERROR_INVALID_ARGUMENT && strstr(error->message, "missing"));
  dm_error_clear(&error);

  /* No WCS: no pixel scale. */
  DmBinnedShear *flat = gaussian_case();
  dm_map_set_wcs(flat->shear, NULL, NULL);
  r.model_path = NULL;
  expect_refused(flat, &r, DM_ERROR_INVALID_ARGUMENT, "WCS", NULL);
  dm_binned_shear_free(flat);

  /* Generators made for another grid, and for other pixels. */
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("other.safetensors"));
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_MMGAN);
  r.model_path = path;
  dm_mmgan_free(tiny_mmgan(nn, 16, 24, PIXEL_ARCMIN, path));
  expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, "16 × 24 pixels of 2′", "32 × 32");
  dm_mmgan_free(tiny_mmgan(nn, N, N, 3.0, path));
  expect_refused(binned, &r, DM_ERROR_INVALID_ARGUMENT, "pixels of 3′", "pixels of 2′");
  /* A generator is not a score network, nor the reverse. */
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_SCORE_HMC);
  r.theory = theory;
  r.model_path = path;
  expect_refused(binned, &r, DM_ERROR_FORMAT, "not a score network", "MMGAN generator");
  remove(path);
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_MMGAN);
  r.model_path = dm_test_app_data_path("models/score-cosmos.safetensors");
  expect_refused(binned, &r, DM_ERROR_FORMAT, "not an MMGAN generator", NULL);
  /* An emulator is neither. */
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_SCORE_FLOW);
  r.theory = theory;
  r.model_path = dm_test_app_data_path("models/cosmogan-cosmos.safetensors");
  expect_refused(binned, &r, DM_ERROR_FORMAT, "not a score network", "CosmoGAN");
}

static void check_names(void) {
  for (int m = 0; m < DM_RECONSTRUCT_N_METHODS; m++) {
    DmReconstructMethod back;
    CHECK(dm_reconstruct_method_from_name(dm_reconstruct_method_name((DmReconstructMethod)m),
                                          &back) &&
          back == (DmReconstructMethod)m);
  }
  DmReconstructMethod method;
  CHECK(!dm_reconstruct_method_from_name("cosmogan", &method));
  CHECK(strcmp(dm_reconstruct_method_name(DM_RECONSTRUCT_SCORE_FLOW), "score-flow") == 0);
  CHECK(!dm_reconstruct_method_samples(DM_RECONSTRUCT_KS) &&
        dm_reconstruct_method_samples(DM_RECONSTRUCT_WIENER));
  CHECK(dm_reconstruct_method_needs_model(DM_RECONSTRUCT_MMGAN) &&
        !dm_reconstruct_method_needs_model(DM_RECONSTRUCT_SCORE_HMC) &&
        dm_reconstruct_method_takes_model(DM_RECONSTRUCT_SCORE_HMC));
}

/* ---- Cancellation ---------------------------------------------------------- */

typedef struct {
  atomic_int cancel;
  double raised;  /* monotonic seconds when the flag went up */
} Canceller;

static void *raise_cancel(void *data) {
  Canceller *c = data;
  struct timespec wait = {0, 200000000};
  nanosleep(&wait, NULL);
  c->raised = dm_monotonic_seconds();
  atomic_store(&c->cancel, 1);
  return NULL;
}

static void check_cancel(const DmTheorySpectrum *theory) {
  enum { SIDE = 360 };
  DmBinnedShear *big = dm_test_binned_new(SIDE, SIDE, 0.29, NULL, NULL, NULL, NULL, NULL);
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_SCORE_HMC);
  r.theory = theory;
  r.device = "cpu";
  Canceller canceller = {0, 0.0};
  DmProgress progress = {NULL, NULL, &canceller.cancel};
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, raise_cancel, &canceller) == 0);
  DmError *error = NULL;
  DmReconstruction *result = dm_reconstruct(big, &r, &progress, &error);
  double returned = dm_monotonic_seconds();
  pthread_join(thread, NULL);
  CHECK(result == NULL && error && error->code == DM_ERROR_CANCELLED);
  double latency = returned - canceller.raised;
  printf("cancel of a 360² score HMC (16 chains): returned %.3f s after the flag\n", latency);
  CHECK(latency >= 0.0 && latency < 1.5);
  dm_error_free(error);
  dm_reconstruction_free(result);
  dm_binned_shear_free(big);
}

int main(void) {
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return dm_test_result();
  make_data(theory);
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn != NULL, error);
  DmBinnedShear *binned = gaussian_case();
  check_names();
  check_ks(binned);
  check_wiener(binned, theory);
  check_score(binned, theory);
  if (nn) {
    check_mmgan(binned, nn);
    check_score_model_info(nn);
    check_refusals(binned, theory, nn);
  }
  check_cancel(theory);
  dm_binned_shear_free(binned);
  dm_nn_free(nn);
  dm_theory_free(theory);
  return dm_test_result();
}
