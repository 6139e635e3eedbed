/* Wiener filter by preconditioned conjugate gradients, and constrained
 * realisations (see darkmap/wiener.h for the model and the method). */
#include "darkmap/wiener.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/field-from-power.h"
#include "darkmap/ks.h"
#include "darkmap/rng.h"

struct DmWiener {
  int nx, ny, nkx;          /* grid; nkx = nx/2 + 1 columns of the half plane */
  size_t npix, nmodes;      /* nx*ny; ny*nkx */
  float *inv_var[2];        /* N⁻¹ per pixel and component (0: no data), npix each */
  float *noise_std[2];      /* sigma per pixel and component (0: no data), npix each */
  float *sqrt_p;            /* sqrt(p(k)) / npix per half-plane mode (FFT normalisation folded in) */
  float *inv_precond;       /* 1 / (1 + p(k) <N⁻¹>) / npix per half-plane mode */
  DmKsPlan *ks;
  const DmFftPlan *r2c, *c2r;
  dm_complex *spectrum;     /* nmodes, work */
  float *real_work;         /* npix, aligned work for the FFTs */
  float *x, *r, *z, *d, *q, *g1, *g2;  /* npix each: CG vectors and shear work */
  DmWienerOptions options;
};

void dm_wiener_options_init(DmWienerOptions *options) {
  options->tolerance = 1e-5;
  options->max_iterations = 2000;
}

void dm_wiener_free(DmWiener *w) {
  if (!w) return;
  for (int c = 0; c < 2; c++) {
    free(w->inv_var[c]);
    free(w->noise_std[c]);
  }
  free(w->sqrt_p);
  free(w->inv_precond);
  dm_ks_plan_free(w->ks);
  dm_fft_free(w->spectrum);
  dm_fft_free(w->real_work);
  float *vectors[] = {w->x, w->r, w->z, w->d, w->q, w->g1, w->g2};
  for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) free(vectors[i]);
  free(w);
}

DmWiener *dm_wiener_new(int nx, int ny, double pixel_arcmin, const DmTheorySpectrum *theory,
                        const float *noise_std1, const float *noise_std2, const float *mask,
                        const DmWienerOptions *options, DmError **error) {
  if (!dm_map_check_size(nx, ny, 1, error)) return NULL;
  if (!(pixel_arcmin > 0.0) || !isfinite(pixel_arcmin)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Invalid pixel scale %g arcmin.",
                 pixel_arcmin);
    return NULL;
  }
  DmWiener *w = calloc(1, sizeof *w);
  if (!w) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the Wiener filter.");
    return NULL;
  }
  w->nx = nx;
  w->ny = ny;
  w->nkx = nx / 2 + 1;
  w->npix = (size_t)nx * (size_t)ny;
  w->nmodes = (size_t)ny * (size_t)w->nkx;
  if (options) w->options = *options;
  else dm_wiener_options_init(&w->options);

  bool ok = true;
  for (int c = 0; c < 2; c++) {
    ok = ok && (w->inv_var[c] = malloc(w->npix * sizeof(float))) &&
         (w->noise_std[c] = malloc(w->npix * sizeof(float)));
  }
  float **vectors[] = {&w->x, &w->r, &w->z, &w->d, &w->q, &w->g1, &w->g2};
  for (size_t i = 0; ok && i < sizeof vectors / sizeof vectors[0]; i++)
    ok = (*vectors[i] = malloc(w->npix * sizeof(float))) != NULL;
  ok = ok && (w->sqrt_p = malloc(w->nmodes * sizeof(float))) &&
       (w->inv_precond = malloc(w->nmodes * sizeof(float))) &&
       (w->spectrum = dm_fft_alloc(w->nmodes * sizeof(dm_complex))) &&
       (w->real_work = dm_fft_alloc(w->npix * sizeof(float)));
  if (!ok) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d Wiener filter.", nx,
                 ny);
    dm_wiener_free(w);
    return NULL;
  }

  /* Noise: pixels without data get N⁻¹ = 0. */
  double mean_inv_var = 0.0;
  size_t n_data = 0;
  const float *stds[2] = {noise_std1, noise_std2};
  for (size_t i = 0; i < w->npix; i++) {
    bool has_data = (!mask || mask[i] != 0.0f);
    for (int c = 0; c < 2; c++) has_data = has_data && isfinite(stds[c][i]) && stds[c][i] > 0.0f;
    for (int c = 0; c < 2; c++) {
      w->noise_std[c][i] = has_data ? stds[c][i] : 0.0f;
      w->inv_var[c][i] = has_data ? 1.0f / (stds[c][i] * stds[c][i]) : 0.0f;
    }
    if (has_data) {
      n_data++;
      mean_inv_var += 0.5 * (w->inv_var[0][i] + w->inv_var[1][i]);
    }
  }
  if (n_data == 0) {
    dm_error_set(error, DM_ERROR_NO_DATA, 0,
                 "The Wiener filter has no pixel with data (all masked or zero noise).");
    dm_wiener_free(w);
    return NULL;
  }
  mean_inv_var /= (double)w->npix;

  /* Prior variance per half-plane mode p(k) = C(ell_k) / Omega_pix. */
  double *power = dm_grid_power_from_theory(theory, nx, ny, pixel_arcmin, error);
  if (!power) {
    dm_wiener_free(w);
    return NULL;
  }
  for (size_t m = 0; m < w->nmodes; m++) {
    w->sqrt_p[m] = (float)(sqrt(power[m]) / (double)w->npix);
    w->inv_precond[m] = (float)(1.0 / (1.0 + power[m] * mean_inv_var) / (double)w->npix);
  }
  free(power);

  if (!(w->ks = dm_ks_plan_new(nx, ny, error)) ||
      !(w->r2c = dm_fft_plan(nx, ny, DM_FFT_R2C, error)) ||
      !(w->c2r = dm_fft_plan(nx, ny, DM_FFT_C2R, error))) {
    dm_wiener_free(w);
    return NULL;
  }
  return w;
}

/* out = F⁻¹ diag(filter) F in, for a real map and a real, even filter given
 * on the half plane (with 1/npix folded in).  in and out may alias. */
static void apply_fourier_filter(DmWiener *w, const float *filter, const float *in, float *out) {
  memcpy(w->real_work, in, w->npix * sizeof(float));
  dm_fft_execute(w->r2c, w->real_work, w->spectrum);
  for (size_t m = 0; m < w->nmodes; m++) w->spectrum[m] *= filter[m];
  dm_fft_execute(w->c2r, w->spectrum, w->real_work);
  memcpy(out, w->real_work, w->npix * sizeof(float));
}

/* q = (I + S^½ A† N⁻¹ A S^½) d (w->g1, w->g2 as scratch). */
static void apply_system(DmWiener *w, const float *d, float *q) {
  apply_fourier_filter(w, w->sqrt_p, d, q);              /* q = S^½ d */
  dm_ks_plan_kappa_to_shear(w->ks, q, NULL, w->g1, w->g2);
  for (size_t i = 0; i < w->npix; i++) {
    w->g1[i] *= w->inv_var[0][i];
    w->g2[i] *= w->inv_var[1][i];
  }
  dm_ks_plan_shear_to_kappa(w->ks, w->g1, w->g2, q, NULL); /* q = A† N⁻¹ A S^½ d */
  apply_fourier_filter(w, w->sqrt_p, q, q);
  for (size_t i = 0; i < w->npix; i++) q[i] += d[i];
}

static double dot(const float *a, const float *b, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; i++) sum += (double)a[i] * (double)b[i];
  return sum;
}

/* Solves for the WF map of the shear in (g1, g2) — which the call consumes
 * as work space — into kappa. */
static bool solve(DmWiener *w, float *g1, float *g2, float *kappa, DmWienerStats *stats,
                  const DmProgress *progress, DmError **error) {
  size_t n = w->npix;
  /* b = S^½ A† N⁻¹ gamma, into r (x = 0 so r = b). */
  for (size_t i = 0; i < n; i++) {
    g1[i] *= w->inv_var[0][i];
    g2[i] *= w->inv_var[1][i];
  }
  dm_ks_plan_shear_to_kappa(w->ks, g1, g2, w->r, NULL);
  apply_fourier_filter(w, w->sqrt_p, w->r, w->r);
  memset(w->x, 0, n * sizeof(float));
  double b_norm = sqrt(dot(w->r, w->r, n));
  DmWienerStats result = {0, 0.0};
  if (b_norm > 0.0) {
    apply_fourier_filter(w, w->inv_precond, w->r, w->z);
    memcpy(w->d, w->z, n * sizeof(float));
    double rz = dot(w->r, w->z, n);
    result.residual = 1.0;
    while (result.residual >= w->options.tolerance) {
      if (result.iterations >= w->options.max_iterations) {
        if (stats) *stats = result;
        return dm_error_set(error, DM_ERROR_FAILED, 0,
                            "The Wiener filter did not converge: relative residual %.3g after "
                            "%d iterations (tolerance %.3g).",
                            result.residual, result.iterations, w->options.tolerance);
      }
      if (!dm_progress_check_cancel(progress, error)) return false;
      apply_system(w, w->d, w->q);
      double alpha = rz / dot(w->d, w->q, n);
      for (size_t i = 0; i < n; i++) {
        w->x[i] += (float)(alpha * w->d[i]);
        w->r[i] -= (float)(alpha * w->q[i]);
      }
      result.iterations++;
      result.residual = sqrt(dot(w->r, w->r, n)) / b_norm;
      dm_progress_report(progress,
                         fmin(1.0, log(result.residual) / log(w->options.tolerance)),
                         "Wiener filter");
      apply_fourier_filter(w, w->inv_precond, w->r, w->z);
      double rz_next = dot(w->r, w->z, n);
      double beta = rz_next / rz;
      rz = rz_next;
      for (size_t i = 0; i < n; i++) w->d[i] = w->z[i] + (float)(beta * w->d[i]);
    }
  }
  apply_fourier_filter(w, w->sqrt_p, w->x, kappa);  /* kappa = S^½ x */
  if (stats) *stats = result;
  return true;
}

bool dm_wiener_filter(DmWiener *w, const float *g1, const float *g2, float *kappa,
                      DmWienerStats *stats, const DmProgress *progress, DmError **error) {
  float *work1 = malloc(w->npix * sizeof(float)), *work2 = malloc(w->npix * sizeof(float));
  bool ok = work1 && work2;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the Wiener filter.");
  if (ok) {
    memcpy(work1, g1, w->npix * sizeof(float));
    memcpy(work2, g2, w->npix * sizeof(float));
    ok = solve(w, work1, work2, kappa, stats, progress, error);
  }
  free(work1);
  free(work2);
  return ok;
}

bool dm_wiener_sample(DmWiener *w, const float *g1, const float *g2, uint64_t seed,
                      uint64_t index, float *sample, DmWienerStats *stats,
                      const DmProgress *progress, DmError **error) {
  size_t n = w->npix;
  float *prior = malloc(n * sizeof(float));
  float *work1 = malloc(n * sizeof(float)), *work2 = malloc(n * sizeof(float));
  bool ok = prior && work1 && work2;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a Wiener sample.");
  if (ok) {
    /* kappa_s = S^½ w with w white; its shear plus a noise draw. */
    DmRng rng;
    dm_rng_init(&rng, seed, index);
    for (size_t i = 0; i < n; i++) prior[i] = (float)dm_rng_normal(&rng);
    apply_fourier_filter(w, w->sqrt_p, prior, prior);
    dm_ks_plan_kappa_to_shear(w->ks, prior, NULL, work1, work2);
    for (size_t i = 0; i < n; i++) {
      double n1 = dm_rng_normal(&rng), n2 = dm_rng_normal(&rng);
      work1[i] = g1[i] - work1[i] - (float)(w->noise_std[0][i] * n1);
      work2[i] = g2[i] - work2[i] - (float)(w->noise_std[1][i] * n2);
    }
    ok = solve(w, work1, work2, sample, stats, progress, error);
  }
  if (ok)
    for (size_t i = 0; i < n; i++) sample[i] += prior[i];
  free(prior);
  free(work1);
  free(work2);
  return ok;
}

/* |D(k)|² of the Kaiser-Squires kernel: 1, but less on the Nyquist lines. */
static double kernel_norm2(int kx, int ky, int nx, int ny) {
  double a, b;
  dm_ks_kernel(kx, ky, nx, ny, &a, &b);
  return a * a + b * b;
}

bool dm_wiener_stationary(int nx, int ny, double pixel_arcmin, const DmTheorySpectrum *theory,
                          double sigma, const float *g1, const float *g2, float *kappa,
                          double *posterior_std, DmError **error) {
  if (!(sigma > 0.0) || !isfinite(sigma))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Invalid noise std %g.", sigma);
  float *ones = malloc((size_t)nx * (size_t)ny * sizeof(float));
  if (!ones) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  for (size_t i = 0; i < (size_t)nx * (size_t)ny; i++) ones[i] = (float)sigma;
  DmWiener *w = dm_wiener_new(nx, ny, pixel_arcmin, theory, ones, ones, NULL, NULL, error);
  free(ones);
  if (!w) return false;

  double var = sigma * sigma;
  double *power = dm_grid_power_from_theory(theory, nx, ny, pixel_arcmin, error);
  float *filter = calloc(w->nmodes, sizeof(float));
  if (!power || !filter) {
    free(power);
    free(filter);
    dm_wiener_free(w);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  }
  /* kappa = F⁻¹ [p / (sigma² + p |D|²)] F A† gamma; per-pixel posterior
   * variance: the mean over all modes of p sigma² / (sigma² + p |D|²), the
   * half-plane columns 1 … (nx − 1)/2 standing for two modes each. */
  double variance_sum = 0.0;
  for (int ky = 0; ky < ny; ky++)
    for (int kx = 0; kx < w->nkx; kx++) {
      size_t m = (size_t)ky * w->nkx + kx;
      double p = power[m], d2 = kernel_norm2(kx, ky, nx, ny);
      filter[m] = (float)(p / (var + p * d2) / (double)w->npix);
      int multiplicity = (kx == 0 || 2 * kx == nx) ? 1 : 2;
      variance_sum += multiplicity * p * var / (var + p * d2);
    }
  dm_ks_plan_shear_to_kappa(w->ks, g1, g2, w->x, NULL);
  apply_fourier_filter(w, filter, w->x, kappa);
  free(filter);
  free(power);
  if (posterior_std) *posterior_std = sqrt(variance_sum / (double)w->npix);
  dm_wiener_free(w);
  return true;
}
