/* Posteriors of one and two samples, for every sampling method of
 * dm_reconstruct (Wiener, score HMC, the probability flow, MMGAN) on the 32²
 * Gaussian case, and for CosmoGAN's file of emulated maps:
 *  - one sample: the mean is that sample bit for bit (Wiener: the filter),
 *    there is no STD or SIGNIF and the mean's HISTORY says why, and the
 *    posterior file read back holds the same;
 *  - two samples a and b: the mean is (a + b) / 2 rounded once to float
 *    (Wiener: the filter), STD is |a − b| / sqrt(2), the unbiased convention
 *    of darkmap/posterior.h, within a float's rounding, SIGNIF mean / STD,
 *    and the file read back holds the same bits. */
#include <math.h>
#include <string.h>

#include "cosmogan/cosmogan-test-util.h"
#include "darkmap/posterior.h"
#include "darkmap/reconstruct.h"
#include "mmgan/mmgan-test-util.h"
#include "reconstruct/reconstruct-test-util.h"
#include "score/score-gaussian-case.h"

static bool same(const float *a, const float *b, size_t n) {
  return memcmp(a, b, n * sizeof(float)) == 0;
}

/* Whether the map has a HISTORY line starting with text. */
static bool has_history(const DmMap *map, const char *text) {
  for (int i = 0; i < map->n_cards; i++)
    if (map->cards[i].type == DM_META_HISTORY &&
        strncmp(map->cards[i].text, text, strlen(text)) == 0)
      return true;
  return false;
}

/* The posterior of K = 1 or 2 samples against its samples; filter is the
 * Wiener filter (the mean then), or NULL for a mean of the samples. */
static void check_summary(const char *what, const DmPosterior *p, int k, const float *filter) {
  const DmMap *s = p->samples;
  CHECK(s && s->nplanes == k && s->nx == N && s->ny == N);
  if (!s || s->nplanes != k) return;
  const float *a = dm_map_plane(s, 0), *b = k > 1 ? dm_map_plane(s, 1) : NULL;
  if (k == 1) {
    CHECK(same(p->mean->data, filter ? filter : a, NPIX));
    CHECK(p->std == NULL && p->signif == NULL);
    CHECK(has_history(p->mean, "One sample: its standard deviation is undefined"));
    printf("%s, 1 sample: mean %s bit for bit, no STD\n", what,
           filter ? "the filter" : "the sample");
    return;
  }
  CHECK(p->std && p->signif);
  if (!p->std || !p->signif) return;
  double worst = 0.0;
  bool mean_exact = true, signif_right = true;
  for (size_t i = 0; i < NPIX; i++) {
    float mean = filter ? filter[i] : (float)(((double)a[i] + b[i]) / 2.0);
    mean_exact = mean_exact && memcmp(&p->mean->data[i], &mean, sizeof mean) == 0;
    double std = fabs((double)a[i] - b[i]) / sqrt(2.0);
    worst = fmax(worst, fabs(p->std->data[i] - std) / fmax(std, 1e-30));
    float signif = p->std->data[i] > 0.0f ? p->mean->data[i] / p->std->data[i] : 0.0f;
    signif_right = signif_right && fabsf(p->signif->data[i] - signif) <= 1e-6f * fabsf(signif);
  }
  CHECK(mean_exact);
  CHECK(worst < 1e-6);
  CHECK(signif_right);
  CHECK(!has_history(p->mean, "One sample"));
  printf("%s, 2 samples: mean %s, STD |a - b| / sqrt(2) within %.2g\n", what,
         filter ? "the filter" : "(a + b) / 2 bit for bit", worst);
}

/* The posterior written and read back: the same maps, bit for bit. */
static void check_file(const char *what, const DmPosterior *p) {
  DmError *error = NULL;
  const char *path = dm_test_tmp_path("few-samples.fits");
  CHECK_OK(dm_posterior_write(path, p, &error), error);
  DmPosterior *back = dm_posterior_read(path, &error);
  CHECK_OK(back != NULL, error);
  if (back) {
    CHECK(same(back->mean->data, p->mean->data, NPIX));
    CHECK(same(back->samples->data, p->samples->data, NPIX * p->samples->nplanes));
    CHECK((back->std == NULL) == (p->std == NULL));
    CHECK((back->signif == NULL) == (p->signif == NULL));
    if (back->std && p->std) CHECK(same(back->std->data, p->std->data, NPIX));
    if (p->samples->nplanes == 1)
      CHECK(has_history(back->mean, "One sample: its standard deviation is undefined"));
  }
  if (!back) printf("%s: not read back\n", what);
  dm_posterior_free(back);
  remove(path);
}

/* dm_reconstruct with 1 and 2 samples. */
static void check_method(const DmBinnedShear *binned, DmReconstructRequest *r, const char *what,
                         const float *filter) {
  for (int k = 1; k <= 2; k++) {
    DmError *error = NULL;
    r->n_samples = k;
    DmReconstruction *result = dm_reconstruct(binned, r, NULL, &error);
    CHECK_OK(result != NULL, error);
    if (!result) continue;
    check_summary(what, result->posterior, k, filter);
    check_file(what, result->posterior);
    dm_reconstruction_free(result);
  }
}

static void check_samplers(const DmBinnedShear *binned, const DmTheorySpectrum *theory,
                           DmNn *nn) {
  DmError *error = NULL;
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_WIENER);
  r.theory = theory;
  r.seed = 3;
  float filter[NPIX];
  DmWiener *w = dm_wiener_new(N, N, PIXEL_ARCMIN, theory, std1, std2, mask, &r.wiener, &error);
  CHECK_OK(w && dm_wiener_filter(w, g1, g2, filter, NULL, NULL, &error), error);
  dm_wiener_free(w);
  check_method(binned, &r, "wiener", filter);

  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_SCORE_HMC);
  r.theory = theory;
  r.device = "cpu";
  r.threads = 1;
  r.hmc.n_levels = 3;
  r.hmc.n_leapfrog = 2;
  r.hmc.n_final = 0;
  check_method(binned, &r, "score-hmc", NULL);
  r.method = DM_RECONSTRUCT_SCORE_FLOW;
  r.flow.n_steps = 3;
  r.flow.n_corrector = 1;
  check_method(binned, &r, "score-flow", NULL);

  char model[4096];
  snprintf(model, sizeof model, "%s", dm_test_tmp_path("few-samples-mmgan.safetensors"));
  if (dm_test_save_tiny_mmgan(nn, N, N, PIXEL_ARCMIN, 4, model)) {
    dm_reconstruct_request_init(&r, DM_RECONSTRUCT_MMGAN);
    r.model_path = model;
    r.device = "cpu";
    r.threads = 1;
    check_method(binned, &r, "mmgan", NULL);
  }
  remove(model);
}

/* CosmoGAN's file of 1 and 2 maps against the maps kept. */
static void check_cosmogan(DmNn *nn) {
  DmError *error = NULL;
  DmCosmogan *m = cosmogan_test_model(nn, 6);
  char model[4096];
  snprintf(model, sizeof model, "%s", dm_test_tmp_path("few-samples-cosmogan.safetensors"));
  if (!m) return;
  CHECK_OK(dm_cosmogan_save(m, model, &error), error);
  dm_cosmogan_free(m);
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("few-samples-cosmogan.fits"));
  for (int k = 1; k <= 2; k++) {
    DmCosmoganGenerateRequest r;
    dm_cosmogan_generate_request_init(&r);
    r.model_path = model;
    r.n_maps = k;
    r.device = "cpu";
    r.threads = 1;
    r.out_path = path;
    DmCosmoganGenerateResult result;
    CHECK_OK(dm_cosmogan_generate(&r, NULL, &result, &error), error);
    DmPosterior *p = result.maps ? dm_posterior_read(path, &error) : NULL;
    CHECK_OK(!result.maps || p != NULL, error);
    size_t npix = (size_t)result.size * result.size;
    if (p && p->samples && p->samples->nplanes == k) {
      const float *a = result.maps->data, *b = k > 1 ? dm_map_plane(result.maps, 1) : NULL;
      CHECK(same(p->samples->data, a, npix * k));
      bool mean_right = true;
      double worst = 0.0;
      for (size_t i = 0; i < npix; i++) {
        float mean = k == 1 ? a[i] : (float)(((double)a[i] + b[i]) / 2.0);
        mean_right = mean_right && fabsf(p->mean->data[i] - mean) <= 1e-7f * fabsf(mean);
        if (k == 2 && p->std) {
          double std = fabs((double)a[i] - b[i]) / sqrt(2.0);
          worst = fmax(worst, fabs(p->std->data[i] - std) / fmax(std, 1e-30));
        }
      }
      CHECK(mean_right);
      if (k == 1)
        CHECK(same(p->mean->data, a, npix) &&
              has_history(p->mean, "One map: its standard deviation is undefined"));
      CHECK(k == 1 ? p->std == NULL : p->std != NULL && worst < 1e-6);
      printf("cosmogan, %d map%s: mean right, %s\n", k, k == 1 ? "" : "s",
             k == 1 ? "no STD" : "STD |a - b| / sqrt(2)");
    } else {
      CHECK(p && p->samples && p->samples->nplanes == k);
    }
    dm_posterior_free(p);
    dm_cosmogan_generate_result_clear(&result);
    remove(path);
  }
  remove(model);
}

int main(void) {
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return dm_test_result();
  make_data(theory);
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn != NULL, error);
  DmBinnedShear *binned = dm_test_binned_new(N, N, PIXEL_ARCMIN, g1, g2, std1, std2, mask);
  if (nn) {
    check_samplers(binned, theory, nn);
    check_cosmogan(nn);
  }
  dm_binned_shear_free(binned);
  dm_nn_free(nn);
  dm_theory_free(theory);
  return dm_test_result();
}
