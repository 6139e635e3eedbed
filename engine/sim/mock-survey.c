/* Mock binned shear from convergence maps (see darkmap/mock-survey.h). */
#include "darkmap/mock-survey.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/ks.h"
#include "darkmap/rng.h"

struct DmMockSurvey {
  DmMockNoise noise;
  const DmCatalog *catalog;  /* borrowed; rotated noise only */
  DmGridSpec spec;           /* with its centre set; rotated noise only */
  DmBinnedShear *binned;     /* the template (owned) */
};

static DmBinnedShear *binned_copy(const DmBinnedShear *src, DmError **error) {
  DmBinnedShear *b = calloc(1, sizeof *b);
  if (!b) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a binned shear.");
    return NULL;
  }
  *b = (DmBinnedShear){.sigma_e = {src->sigma_e[0], src->sigma_e[1]},
                       .n_binned = src->n_binned,
                       .n_outside = src->n_outside};
  if (!(b->shear = dm_map_copy(src->shear, error)) ||
      !(b->counts = dm_map_copy(src->counts, error)) ||
      !(b->weight = dm_map_copy(src->weight, error)) ||
      !(b->noise = dm_map_copy(src->noise, error)) || !(b->mask = dm_map_copy(src->mask, error))) {
    dm_binned_shear_free(b);
    return NULL;
  }
  return b;
}

static DmMockSurvey *survey_new(DmMockNoise noise, DmError **error) {
  DmMockSurvey *s = calloc(1, sizeof *s);
  if (!s) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a mock survey.");
  else s->noise = noise;
  return s;
}

void dm_mock_survey_free(DmMockSurvey *survey) {
  if (!survey) return;
  dm_binned_shear_free(survey->binned);
  free(survey);
}

DmMockSurvey *dm_mock_survey_new_rotated(const DmCatalog *catalog, const DmGridSpec *spec,
                                         DmError **error) {
  DmMockSurvey *s = survey_new(DM_MOCK_NOISE_ROTATED, error);
  if (!s) return NULL;
  s->catalog = catalog;
  s->spec = *spec;
  bool ok = s->spec.has_center ||
            dm_catalog_median_center(catalog, &s->spec.center_ra, &s->spec.center_dec, error);
  s->spec.has_center = true;
  if (!ok || !(s->binned = dm_bin_catalog(catalog, &s->spec, NULL, error))) {
    dm_mock_survey_free(s);
    return NULL;
  }
  return s;
}

static bool check_template(const DmBinnedShear *b, DmError **error) {
  if (!b->shear || !b->noise || !b->mask || !b->counts || !b->weight)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The survey lacks its shear, noise, mask, counts or weight map.");
  int nx = b->shear->nx, ny = b->shear->ny;
  const DmMap *maps[] = {b->counts, b->weight, b->noise, b->mask};
  for (size_t i = 0; i < 4; i++)
    if (maps[i]->nx != nx || maps[i]->ny != ny)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "The survey's maps differ in size (%d × %d and %d × %d).", nx, ny,
                          maps[i]->nx, maps[i]->ny);
  if (b->shear->nplanes != 2 || b->noise->nplanes != 2)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The survey's shear and noise maps need 2 planes (g1, g2).");
  return true;
}

DmMockSurvey *dm_mock_survey_new_gaussian(const DmBinnedShear *survey, DmError **error) {
  if (!check_template(survey, error)) return NULL;
  DmMockSurvey *s = survey_new(DM_MOCK_NOISE_GAUSSIAN, error);
  if (s && !(s->binned = binned_copy(survey, error))) {
    dm_mock_survey_free(s);
    return NULL;
  }
  if (s) memset(s->binned->shear->data, 0, 2 * dm_map_plane_size(s->binned->shear) * sizeof(float));
  return s;
}

DmMockSurvey *dm_mock_survey_new_noiseless(int nx, int ny, const DmWcs *wcs, DmError **error) {
  DmMockSurvey *s = survey_new(DM_MOCK_NOISE_NONE, error);
  if (!s) return NULL;
  DmBinnedShear *b = s->binned = calloc(1, sizeof *b);
  if (!b) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a mock survey.");
  if (!b || !(b->shear = dm_map_new(nx, ny, 2, wcs, error)) ||
      !(b->counts = dm_map_new(nx, ny, 1, wcs, error)) ||
      !(b->weight = dm_map_new(nx, ny, 1, wcs, error)) ||
      !(b->noise = dm_map_new(nx, ny, 2, wcs, error)) ||
      !(b->mask = dm_map_new(nx, ny, 1, wcs, error))) {
    dm_mock_survey_free(s);
    return NULL;
  }
  size_t npix = dm_map_plane_size(b->mask);
  for (size_t p = 0; p < npix; p++) b->mask->data[p] = 1.0f;
  return s;
}

DmMockNoise dm_mock_survey_noise(const DmMockSurvey *survey) { return survey->noise; }

const DmBinnedShear *dm_mock_survey_template(const DmMockSurvey *survey) {
  return survey->binned;
}

/* The catalogue with every ellipticity rotated, binned on the survey grid;
 * its noise std maps replaced by the survey's. */
static DmBinnedShear *rotated_noise(const DmMockSurvey *s, uint64_t seed, uint64_t stream,
                                    DmError **error) {
  const DmCatalog *cat = s->catalog;
  DmCatalog rotated = *cat;
  double *e = malloc(2 * cat->n * sizeof *e);
  if (!e) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                 "Out of memory for %zu rotated ellipticities.", cat->n);
    return NULL;
  }
  rotated.e1 = e;
  rotated.e2 = e + cat->n;
  const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  for (size_t i = 0; i < cat->n; i++) {
    uint32_t ctr[4] = {(uint32_t)i, (uint32_t)((uint64_t)i >> 32), (uint32_t)stream,
                       (uint32_t)(stream >> 32)}, out[4];
    dm_philox4x32_10(ctr, key, out);
    uint64_t bits = ((uint64_t)(out[0] >> 5) << 26) | (out[1] >> 6);  /* 53 bits */
    double two_phi = 2.0 * M_PI * (((double)bits + 0.5) / 9007199254740992.0);
    double c = cos(two_phi), sn = sin(two_phi);
    rotated.e1[i] = cat->e1[i] * c - cat->e2[i] * sn;
    rotated.e2[i] = cat->e1[i] * sn + cat->e2[i] * c;
  }
  DmBinnedShear *b = dm_bin_catalog(&rotated, &s->spec, NULL, error);
  free(e);
  if (b) memcpy(b->noise->data, s->binned->noise->data,
                2 * dm_map_plane_size(b->noise) * sizeof(float));
  return b;
}

DmBinnedShear *dm_mock_survey_noise_only(const DmMockSurvey *s, uint64_t seed, uint64_t stream,
                                         DmError **error) {
  if (s->noise == DM_MOCK_NOISE_ROTATED) return rotated_noise(s, seed, stream, error);
  DmBinnedShear *b = binned_copy(s->binned, error);
  if (!b) return NULL;
  size_t npix = dm_map_plane_size(b->shear);
  float *g = b->shear->data;
  memset(g, 0, 2 * npix * sizeof *g);
  if (s->noise == DM_MOCK_NOISE_GAUSSIAN) {
    DmRng rng;
    dm_rng_init(&rng, seed, stream);
    for (int c = 0; c < 2; c++) {
      const float *sd = dm_map_plane(b->noise, c);
      for (size_t p = 0; p < npix; p++) {
        double z = dm_rng_normal(&rng);  /* drawn for every pixel: masks do not shift streams */
        if (b->mask->data[p] > 0.0f) g[c * npix + p] = (float)(sd[p] * z);
      }
    }
  }
  return b;
}

DmBinnedShear *dm_mock_survey_make(const DmMockSurvey *s, const DmMap *kappa,
                                   uint64_t noise_seed, uint64_t stream, DmError **error) {
  const DmMap *t = s->binned->shear;
  if (kappa->nx != t->nx || kappa->ny != t->ny || kappa->nplanes != 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The convergence map (%d × %d, %d planes) does not match the survey grid "
                 "(%d × %d, 1 plane).",
                 kappa->nx, kappa->ny, kappa->nplanes, t->nx, t->ny);
    return NULL;
  }
  if (kappa->wcs && t->wcs && !dm_wcs_equal(kappa->wcs, t->wcs, t->nx, t->ny, 0.01)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The convergence map's WCS differs from the survey grid's.");
    return NULL;
  }
  size_t npix = dm_map_plane_size(t);
  float *signal = malloc(2 * npix * sizeof *signal);
  DmKsPlan *plan = signal ? dm_ks_plan_new(t->nx, t->ny, error) : NULL;
  if (!signal) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a mock shear.");
  DmBinnedShear *b = plan ? dm_mock_survey_noise_only(s, noise_seed, stream, error) : NULL;
  if (b) {
    dm_ks_plan_kappa_to_shear(plan, kappa->data, NULL, signal, signal + npix);
    float *g = b->shear->data;
    for (int c = 0; c < 2; c++)
      for (size_t p = 0; p < npix; p++)
        if (b->mask->data[p] > 0.0f) g[c * npix + p] += signal[c * npix + p];
  }
  if (plan) dm_ks_plan_free(plan);
  free(signal);
  return b;
}
