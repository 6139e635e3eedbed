/* The exact score of the noise-smoothed Gaussian prior (darkmap/score.h). */
#include "darkmap/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/field-from-power.h"

struct DmScorePrior {
  int nx, ny, nkx;          /* grid; nkx = nx/2 + 1 half-plane columns */
  size_t npix, nmodes;      /* nx*ny; ny*nkx */
  double *power;            /* P(k) per half-plane mode (nmodes) */
  const DmFftPlan *r2c, *c2r;
  dm_complex *spectrum;     /* nmodes, work */
  float *real_work;         /* npix, work */
};

void dm_score_prior_free(DmScorePrior *p) {
  if (!p) return;
  free(p->power);
  dm_fft_free(p->spectrum);
  dm_fft_free(p->real_work);
  free(p);
}

DmScorePrior *dm_score_prior_new(const DmTheorySpectrum *theory, int nx, int ny,
                                 double pixel_arcmin, DmError **error) {
  if (!dm_map_check_size(nx, ny, 1, error)) return NULL;
  DmScorePrior *p = calloc(1, sizeof *p);
  if (!p) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the prior score.");
    return NULL;
  }
  p->nx = nx;
  p->ny = ny;
  p->nkx = nx / 2 + 1;
  p->npix = (size_t)nx * (size_t)ny;
  p->nmodes = (size_t)ny * (size_t)p->nkx;
  if (!(p->power = dm_grid_power_from_theory(theory, nx, ny, pixel_arcmin, error)) ||
      !(p->r2c = dm_fft_plan(nx, ny, DM_FFT_R2C, error)) ||
      !(p->c2r = dm_fft_plan(nx, ny, DM_FFT_C2R, error))) {
    dm_score_prior_free(p);
    return NULL;
  }
  if (!(p->spectrum = dm_fft_alloc(p->nmodes * sizeof(dm_complex))) ||
      !(p->real_work = dm_fft_alloc(p->npix * sizeof(float)))) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the prior score.");
    dm_score_prior_free(p);
    return NULL;
  }
  return p;
}

DmScorePrior *dm_score_prior_copy(const DmScorePrior *prior, DmError **error) {
  DmScorePrior *p = calloc(1, sizeof *p);
  if (p) {
    *p = (DmScorePrior){prior->nx, prior->ny, prior->nkx, prior->npix, prior->nmodes,
                        malloc(prior->nmodes * sizeof(double)), prior->r2c, prior->c2r,
                        dm_fft_alloc(prior->nmodes * sizeof(dm_complex)),
                        dm_fft_alloc(prior->npix * sizeof(float))};
    if (p->power) memcpy(p->power, prior->power, prior->nmodes * sizeof(double));
  }
  if (!p || !p->power || !p->spectrum || !p->real_work) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the prior score.");
    dm_score_prior_free(p);
    return NULL;
  }
  return p;
}

/* Half-plane column kx stands for this many modes of the full plane. */
static int multiplicity(int kx, int nx) {
  return (kx == 0 || 2 * kx == nx) ? 1 : 2;
}

void dm_score_prior_score(DmScorePrior *p, const float *kappa, double sigma, float *score) {
  double var = sigma * sigma;
  memcpy(p->real_work, kappa, p->npix * sizeof(float));
  dm_fft_execute(p->r2c, p->real_work, p->spectrum);
  /* The 1/N_pix of the inverse transform folded into the filter. */
  for (size_t m = 0; m < p->nmodes; m++)
    p->spectrum[m] *= (float)(-1.0 / ((p->power[m] + var) * (double)p->npix));
  dm_fft_execute(p->c2r, p->spectrum, p->real_work);
  memcpy(score, p->real_work, p->npix * sizeof(float));
}

double dm_score_prior_log_density(DmScorePrior *p, const float *kappa, double sigma) {
  double var = sigma * sigma;
  memcpy(p->real_work, kappa, p->npix * sizeof(float));
  dm_fft_execute(p->r2c, p->real_work, p->spectrum);
  double sum = 0.0;
  for (int ky = 0; ky < p->ny; ky++)
    for (int kx = 0; kx < p->nkx; kx++) {
      size_t m = (size_t)ky * p->nkx + kx;
      double re = crealf(p->spectrum[m]), im = cimagf(p->spectrum[m]);
      sum += multiplicity(kx, p->nx) * (re * re + im * im) / (p->power[m] + var);
    }
  return -0.5 * sum / (double)p->npix;
}

void dm_score_prior_size(const DmScorePrior *p, int *nx, int *ny) {
  *nx = p->nx;
  *ny = p->ny;
}

const double *dm_score_prior_power(const DmScorePrior *p) {
  return p->power;
}

double dm_score_prior_variance(const DmScorePrior *p, double sigma) {
  double sum = 0.0;
  for (int ky = 0; ky < p->ny; ky++)
    for (int kx = 0; kx < p->nkx; kx++)
      sum += multiplicity(kx, p->nx) * p->power[(size_t)ky * p->nkx + kx];
  return sum / (double)p->npix + sigma * sigma;
}
