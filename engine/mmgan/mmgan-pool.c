/* The pool of clean maps and noise realisations MMGAN training pairs are
 * drawn from (darkmap/mmgan-train.h). */
#include "darkmap/mmgan-train.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/rng.h"

struct DmMmganPool {
  int nx, ny;
  size_t npix;
  int n_kappa, n_noise, n_validation;
  float *kappa;       /* n_kappa maps */
  float *noise;       /* n_noise × (g1, g2) */
  float *val_kappa;   /* n_validation maps */
  float *val_noise;   /* n_validation × (g1, g2) */
  float *mask;        /* 1 map */
  double kappa_mean, kappa_std, shear_scale;
};

void dm_mmgan_pool_options_init(DmMmganPoolOptions *o) {
  *o = (DmMmganPoolOptions){.n_kappa = 64, .n_noise = 32, .n_validation = 8, .noise_seed = 1};
}

void dm_mmgan_pool_free(DmMmganPool *p) {
  if (!p) return;
  free(p->kappa);
  free(p->noise);
  free(p->val_kappa);
  free(p->val_noise);
  free(p->mask);
  free(p);
}

/* Item i of the pool: maps 0 … n_kappa − 1, validation maps (the dataset's
 * or o->maps), noise, then validation noise; into its place.  Thread-safe
 * (pure functions). */
static bool make_item(DmMmganPool *p, const DmDataset *dataset, const DmMockSurvey *survey,
                      const DmMmganPoolOptions *o, int i, DmError **error) {
  int n_maps = p->n_kappa + p->n_validation;
  uint64_t noise_seed = o->noise_seed;
  if (i < n_maps) {
    bool validation = i >= p->n_kappa;
    int j = validation ? i - p->n_kappa : i;
    float *dst = (validation ? p->val_kappa : p->kappa) + (size_t)j * p->npix;
    if (o->maps) {
      dm_plane_remove_mean(o->maps + (size_t)i * p->npix, dst, p->npix);
      return true;
    }
    uint64_t index = validation ? DM_MMGAN_VALIDATION_INDEX + (uint64_t)j : (uint64_t)j;
    DmDatasetTuple *t = dm_dataset_tuple(dataset, index, error);
    if (!t) return false;
    bool ok = t->kappa->nx == p->nx && t->kappa->ny == p->ny;
    if (ok)
      dm_plane_remove_mean(t->kappa->data, dst, p->npix);
    else
      dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                   "The dataset's grid (%d x %d) is not the survey's (%d x %d).", t->kappa->nx,
                   t->kappa->ny, p->nx, p->ny);
    dm_dataset_tuple_free(t);
    return ok;
  }
  int k = i - n_maps;
  bool validation = k >= p->n_noise;
  int j = validation ? k - p->n_noise : k;
  uint64_t stream = validation ? DM_MMGAN_VALIDATION_INDEX + (uint64_t)j : (uint64_t)j;
  DmBinnedShear *noise = dm_mock_survey_noise_only(survey, noise_seed, stream, error);
  if (!noise) return false;
  float *dst = (validation ? p->val_noise : p->noise) + (size_t)j * 2 * p->npix;
  memcpy(dst, noise->shear->data, 2 * p->npix * sizeof(float));
  dm_binned_shear_free(noise);
  return true;
}

/* Mean and std of the training maps, rms of the training shear (pair i:
 * map i with noise i mod n_noise) inside the mask. */
static bool measure(DmMmganPool *p, DmError **error) {
  DmKsPlan *plan = dm_ks_plan_new(p->nx, p->ny, error);
  float *g = plan ? malloc(2 * p->npix * sizeof(float)) : NULL;
  if (!g) {
    dm_ks_plan_free(plan);
    return plan ? dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.") : false;
  }
  double sum = 0.0, sum2 = 0.0, shear2 = 0.0, inside = 0.0;
  size_t total = (size_t)p->n_kappa * p->npix;
  for (size_t i = 0; i < total; i++) sum += p->kappa[i];
  double mean = sum / (double)total;
  for (size_t i = 0; i < total; i++) sum2 += (p->kappa[i] - mean) * (p->kappa[i] - mean);
  for (int i = 0; i < p->n_kappa; i++) {
    const float *noise = p->noise + (size_t)(i % p->n_noise) * 2 * p->npix;
    dm_ks_plan_kappa_to_shear(plan, p->kappa + (size_t)i * p->npix, NULL, g, g + p->npix);
    for (size_t q = 0; q < p->npix; q++) {
      if (!(p->mask[q] > 0.0f)) continue;
      double a = g[q] + noise[q], b = g[p->npix + q] + noise[p->npix + q];
      shear2 += a * a + b * b;
      inside += 2.0;
    }
  }
  free(g);
  dm_ks_plan_free(plan);
  p->kappa_mean = mean;
  p->kappa_std = sqrt(sum2 / (double)total);
  p->shear_scale = inside > 0.0 ? sqrt(shear2 / inside) : 0.0;
  if (!(p->kappa_std > 0.0) || !(p->shear_scale > 0.0))
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "The training pool is degenerate (kappa std %g, shear rms %g inside "
                        "the mask).",
                        p->kappa_std, p->shear_scale);
  return true;
}

DmMmganPool *dm_mmgan_pool_new(const DmDataset *dataset, const DmMockSurvey *survey,
                               const DmMmganPoolOptions *options, const DmProgress *progress,
                               DmError **error) {
  DmMmganPoolOptions o;
  if (options) o = *options;
  else dm_mmgan_pool_options_init(&o);
  if (o.n_kappa < 1 || o.n_noise < 1 || o.n_validation < 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The MMGAN pool needs maps, noise realisations and validation pairs "
                 "(%d, %d, %d).",
                 o.n_kappa, o.n_noise, o.n_validation);
    return NULL;
  }
  if (!dataset && !o.maps) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The MMGAN pool needs a dataset or maps to draw its truths from.");
    return NULL;
  }
  const DmBinnedShear *template = dm_mock_survey_template(survey);
  DmMmganPool *p = calloc(1, sizeof *p);
  if (!p) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the MMGAN pool.");
    return NULL;
  }
  p->nx = template->mask->nx;
  p->ny = template->mask->ny;
  p->npix = (size_t)p->nx * (size_t)p->ny;
  p->n_kappa = o.n_kappa;
  p->n_noise = o.n_noise;
  p->n_validation = o.n_validation;
  bool ok = (p->kappa = malloc((size_t)o.n_kappa * p->npix * sizeof(float))) &&
            (p->noise = malloc((size_t)o.n_noise * 2 * p->npix * sizeof(float))) &&
            (p->val_kappa = malloc((size_t)o.n_validation * p->npix * sizeof(float))) &&
            (p->val_noise = malloc((size_t)o.n_validation * 2 * p->npix * sizeof(float))) &&
            (p->mask = malloc(p->npix * sizeof(float)));
  if (!ok) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the MMGAN pool.");
    dm_mmgan_pool_free(p);
    return NULL;
  }
  memcpy(p->mask, template->mask->data, p->npix * sizeof(float));
  int items = o.n_kappa + 2 * o.n_validation + o.n_noise;
  DmError *first_error = NULL;
  atomic_int done = 0, failed = 0;
#pragma omp parallel for schedule(dynamic, 1)
  for (int i = 0; i < items; i++) {
    if (atomic_load(&failed)) continue;
    if (progress && progress->cancel && atomic_load(progress->cancel)) {
      atomic_store(&failed, 1);
      continue;
    }
    DmError *item_error = NULL;
    if (!make_item(p, dataset, survey, &o, i, &item_error)) {
#pragma omp critical(dm_mmgan_pool_error)
      {
        if (!first_error) first_error = item_error;
        else dm_error_free(item_error);
      }
      atomic_store(&failed, 1);
      continue;
    }
    int count = atomic_fetch_add(&done, 1) + 1;
#pragma omp critical(dm_mmgan_pool_progress)
    dm_progress_report(progress, (double)count / items, "MMGAN training pool");
  }
  if (atomic_load(&failed)) {
    if (first_error) {
      if (error) *error = first_error;
      else dm_error_free(first_error);
    } else {
      dm_progress_check_cancel(progress, error);
    }
    dm_mmgan_pool_free(p);
    return NULL;
  }
  if (!measure(p, error)) {
    dm_mmgan_pool_free(p);
    return NULL;
  }
  return p;
}

void dm_mmgan_pool_size(const DmMmganPool *p, int *nx, int *ny) {
  *nx = p->nx;
  *ny = p->ny;
}

const float *dm_mmgan_pool_mask(const DmMmganPool *p) { return p->mask; }

int dm_mmgan_pool_validation_count(const DmMmganPool *p) { return p->n_validation; }

void dm_mmgan_pool_statistics(const DmMmganPool *p, double *kappa_mean, double *kappa_std,
                              double *shear_scale) {
  *kappa_mean = p->kappa_mean;
  *kappa_std = p->kappa_std;
  *shear_scale = p->shear_scale;
}

/* g = (A kappa + noise) × mask. */
static void observe(const DmMmganPool *p, DmKsPlan *plan, const float *kappa, const float *noise,
                    float *g1, float *g2) {
  dm_ks_plan_kappa_to_shear(plan, kappa, NULL, g1, g2);
  for (size_t q = 0; q < p->npix; q++) {
    float m = p->mask[q] > 0.0f ? 1.0f : 0.0f;
    g1[q] = m * (g1[q] + noise[q]);
    g2[q] = m * (g2[q] + noise[p->npix + q]);
  }
}

void dm_mmgan_pool_training_pair(const DmMmganPool *p, DmKsPlan *plan, uint64_t seed,
                                 uint64_t index, float *kappa, float *g1, float *g2) {
  DmRng rng;
  dm_rng_init(&rng, seed, index);
  const float *map = p->kappa + (size_t)(dm_rng_u32(&rng) % (uint32_t)p->n_kappa) * p->npix;
  uint32_t transform = dm_rng_u32(&rng) % (p->nx == p->ny ? 8u : 4u);
  const float *noise = p->noise + (size_t)(dm_rng_u32(&rng) % (uint32_t)p->n_noise) * 2 * p->npix;
  bool flip_x = transform & 1u, flip_y = transform & 2u, transpose = transform & 4u;
  for (int i = 0; i < p->ny; i++)
    for (int j = 0; j < p->nx; j++) {
      int si = transpose ? j : i, sj = transpose ? i : j;
      if (flip_y) si = p->ny - 1 - si;
      if (flip_x) sj = p->nx - 1 - sj;
      kappa[(size_t)i * p->nx + j] = map[(size_t)si * p->nx + sj];
    }
  observe(p, plan, kappa, noise, g1, g2);
}

void dm_mmgan_pool_validation_pair(const DmMmganPool *p, DmKsPlan *plan, int j, float *kappa,
                                   float *g1, float *g2) {
  memcpy(kappa, p->val_kappa + (size_t)j * p->npix, p->npix * sizeof(float));
  observe(p, plan, kappa, p->val_noise + (size_t)j * 2 * p->npix, g1, g2);
}
