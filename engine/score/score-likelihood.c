/* The tempered lensing likelihood and its gradient (darkmap/score.h). */
#include "darkmap/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/ks.h"

struct DmScoreLikelihood {
  int nx, ny;
  size_t npix;
  float *gamma[2];     /* observed shear per component, npix each */
  float *noise_var[2]; /* N per pixel and component, npix each (unused where !has_data) */
  unsigned char *has_data; /* npix */
  float *r[2];         /* npix each, work: residual / weighted residual */
  DmKsPlan *ks;
};

void dm_score_likelihood_free(DmScoreLikelihood *l) {
  if (!l) return;
  for (int c = 0; c < 2; c++) {
    free(l->gamma[c]);
    free(l->noise_var[c]);
    free(l->r[c]);
  }
  free(l->has_data);
  dm_ks_plan_free(l->ks);
  free(l);
}

DmScoreLikelihood *dm_score_likelihood_new(int nx, int ny, const float *g1, const float *g2,
                                           const float *noise_std1, const float *noise_std2,
                                           const float *mask, DmError **error) {
  if (!dm_map_check_size(nx, ny, 2, error)) return NULL;
  DmScoreLikelihood *l = calloc(1, sizeof *l);
  if (!l) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the likelihood.");
    return NULL;
  }
  l->nx = nx;
  l->ny = ny;
  l->npix = (size_t)nx * (size_t)ny;
  bool ok = (l->has_data = malloc(l->npix)) != NULL;
  for (int c = 0; ok && c < 2; c++)
    ok = (l->gamma[c] = malloc(l->npix * sizeof(float))) &&
         (l->noise_var[c] = malloc(l->npix * sizeof(float))) &&
         (l->r[c] = malloc(l->npix * sizeof(float)));
  if (!ok) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the likelihood.");
    dm_score_likelihood_free(l);
    return NULL;
  }
  const float *gs[2] = {g1, g2}, *stds[2] = {noise_std1, noise_std2};
  size_t n_data = 0;
  for (size_t i = 0; i < l->npix; i++) {
    bool data = !mask || mask[i] != 0.0f;
    for (int c = 0; c < 2; c++) data = data && isfinite(stds[c][i]) && stds[c][i] > 0.0f;
    l->has_data[i] = data;
    n_data += data;
    for (int c = 0; c < 2; c++) {
      l->gamma[c][i] = data ? gs[c][i] : 0.0f;
      l->noise_var[c][i] = data ? stds[c][i] * stds[c][i] : 0.0f;
    }
  }
  if (n_data == 0) {
    dm_error_set(error, DM_ERROR_NO_DATA, 0,
                 "The likelihood has no pixel with data (all masked or zero noise).");
    dm_score_likelihood_free(l);
    return NULL;
  }
  if (!(l->ks = dm_ks_plan_new(nx, ny, error))) {
    dm_score_likelihood_free(l);
    return NULL;
  }
  return l;
}

/* r = gamma − A kappa on pixels with data, 0 elsewhere. */
static void residual(DmScoreLikelihood *l, const float *kappa) {
  dm_ks_plan_kappa_to_shear(l->ks, kappa, NULL, l->r[0], l->r[1]);
  for (size_t i = 0; i < l->npix; i++)
    for (int c = 0; c < 2; c++)
      l->r[c][i] = l->has_data[i] ? l->gamma[c][i] - l->r[c][i] : 0.0f;
}

void dm_score_likelihood_gradient(DmScoreLikelihood *l, const float *kappa, double sigma,
                                  float *grad) {
  double var = sigma * sigma;
  residual(l, kappa);
  for (size_t i = 0; i < l->npix; i++)
    for (int c = 0; c < 2; c++)
      if (l->has_data[i]) l->r[c][i] = (float)(l->r[c][i] / (l->noise_var[c][i] + var));
  /* A^T is the E mode of the inverse Kaiser-Squires transform (ks.h). */
  dm_ks_plan_shear_to_kappa(l->ks, l->r[0], l->r[1], grad, NULL);
}

void dm_score_likelihood_size(const DmScoreLikelihood *l, int *nx, int *ny) {
  *nx = l->nx;
  *ny = l->ny;
}

void dm_score_likelihood_data(const DmScoreLikelihood *l, const float *gamma[2],
                              const float *noise_var[2], const unsigned char **has_data) {
  for (int c = 0; c < 2; c++) {
    gamma[c] = l->gamma[c];
    noise_var[c] = l->noise_var[c];
  }
  *has_data = l->has_data;
}

double dm_score_likelihood_log(DmScoreLikelihood *l, const float *kappa, double sigma) {
  double var = sigma * sigma, sum = 0.0;
  residual(l, kappa);
  for (size_t i = 0; i < l->npix; i++)
    for (int c = 0; c < 2; c++)
      if (l->has_data[i])
        sum += (double)l->r[c][i] * l->r[c][i] / (l->noise_var[c][i] + var);
  return -0.5 * sum;
}
