/* The posterior model of the device samplers (score-device-private.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/ks.h"
#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "nn/nn-backend.h"
#include "score/score-device-private.h"

DmTensor *dm_score_network_tensor_residual(void *network, DmTensor *kappa, double sigma) {
  return dm_score_network_forward(network, kappa, sigma);
}

/* The context's pending error, or a generic one, into *error. */
static bool context_error(DmNn *nn, DmError **error) {
  if (!dm_nn_take_error(nn, error)) return false;
  return dm_error_set(error, DM_ERROR_FAILED, 0, "The score sampler's device work failed.");
}

/* Uploads the Kaiser-Squires kernel D and its conjugate. */
static bool upload_ks(DmScoreDevice *d) {
  size_t npix = d->npix;
  float *kernel = malloc(4 * npix * sizeof *kernel);  /* D (re, im), conj(D) (re, im) */
  if (!kernel) return dm_nn_fail(d->nn, DM_ERROR_NO_MEMORY, "Out of memory for the KS kernel.");
  for (int y = 0; y < d->ny; y++)
    for (int x = 0; x < d->nx; x++) {
      double a, b;
      dm_ks_kernel(x, y, d->nx, d->ny, &a, &b);
      size_t i = (size_t)y * d->nx + x;
      kernel[i] = kernel[2 * npix + i] = (float)a;
      kernel[npix + i] = (float)b;
      kernel[3 * npix + i] = (float)-b;
    }
  bool ok = dm_tensor_upload(d->ks, kernel, 2 * npix) &&
            dm_tensor_upload(d->ks_adjoint, kernel + 2 * npix, 2 * npix);
  free(kernel);
  return ok;
}

DmScoreDevice *dm_score_device_new(DmNn *nn, DmScorePrior *prior, DmScoreLikelihood *likelihood,
                                   DmScoreTensorResidualFunc residual, void *residual_data,
                                   DmError **error) {
  if (!nn || !prior || !likelihood) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The device sampler needs a context, a prior and a likelihood.");
    return NULL;
  }
  int nx, ny, lx, ly;
  dm_score_prior_size(prior, &nx, &ny);
  dm_score_likelihood_size(likelihood, &lx, &ly);
  if (nx != lx || ny != ly) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The prior (%d × %d) and the likelihood (%d × %d) are not on one grid.", nx, ny,
                 lx, ly);
    return NULL;
  }
  DmScoreDevice *d = calloc(1, sizeof *d);
  if (!d) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the device sampler.");
    return NULL;
  }
  *d = (DmScoreDevice){.nn = nn, .prior = prior, .likelihood = likelihood, .residual = residual,
                       .residual_data = residual_data, .theory_prior = true, .nx = nx, .ny = ny,
                       .npix = (size_t)nx * (size_t)ny};
  d->host_filter = malloc(d->npix * sizeof *d->host_filter);
  d->host_weights = malloc(2 * d->npix * sizeof *d->host_weights);
  if (!d->host_filter || !d->host_weights) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the device sampler.");
    dm_score_device_free(d);
    return NULL;
  }
  d->ks = dm_tensor_new(nn, 1, 2, ny, nx);
  d->ks_adjoint = dm_tensor_new(nn, 1, 2, ny, nx);
  if (!d->ks || !d->ks_adjoint || !upload_ks(d)) {
    context_error(nn, error);
    dm_error_prefix(error, "Device sampler");
    dm_score_device_free(d);
    return NULL;
  }
  return d;
}

void dm_score_device_free(DmScoreDevice *d) {
  if (!d) return;
  dm_tensor_free(d->ks);
  dm_tensor_free(d->ks_adjoint);
  free(d->host_filter);
  free(d->host_weights);
  free(d);
}

/* ---- Batches ------------------------------------------------------------- */

DmTensor *dm_score_device_chains(DmScoreDevice *d, const DmScoreDeviceBatch *b) {
  return dm_tensor_new(d->nn, b->n, 1, d->ny, d->nx);
}

bool dm_score_device_batch_begin(DmScoreDevice *d, int first_chain, int n,
                                 DmScoreDeviceBatch *b, DmError **error) {
  memset(b, 0, sizeof *b);
  if (n < 1 || first_chain < 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Invalid chains %d (first %d).", n,
                        first_chain);
  b->n = n;
  b->first_chain = first_chain;
  b->recording = dm_nn_set_recording(d->nn, false);
  b->gamma = dm_tensor_new(d->nn, n, 2, d->ny, d->nx);
  b->weights = dm_tensor_new(d->nn, n, 2, d->ny, d->nx);
  b->prior_filter = dm_tensor_new(d->nn, 1, 1, d->ny, d->nx);
  const float *gamma[2], *noise_var[2];
  const unsigned char *has_data;
  dm_score_likelihood_data(d->likelihood, gamma, noise_var, &has_data);
  bool ok = b->gamma && b->weights && b->prior_filter;
  for (int c = 0; ok && c < n; c++) {
    DmTensor *chain = dm_tensor_sample_view(b->gamma, c, 1);
    for (int k = 0; ok && k < 2; k++)
      ok = chain && dm_tensor_upload(dm_tensor_channel_view(chain, k, 1), gamma[k], d->npix);
    dm_nn_clear(d->nn);
  }
  if (!ok) {
    context_error(d->nn, error);
    dm_error_prefix(error, "Device sampler, %d chains", n);
    dm_score_device_batch_end(d, b);
    return false;
  }
  return true;
}

void dm_score_device_batch_end(DmScoreDevice *d, DmScoreDeviceBatch *b) {
  dm_tensor_free(b->gamma);
  dm_tensor_free(b->weights);
  dm_tensor_free(b->prior_filter);
  b->gamma = b->weights = b->prior_filter = NULL;
  dm_nn_clear(d->nn);
  dm_nn_set_recording(d->nn, b->recording);
}

/* The prior filter −1 / (P + sigma²) on the full plane (P given on the
 * half plane: column kx > nx/2 is the conjugate of mode (−ky, nx − kx)) and
 * the weights W = 1 / (N + sigma²) of every chain, for sigma. */
static bool set_sigma(DmScoreDevice *d, DmScoreDeviceBatch *b, double sigma) {
  if (b->sigma == sigma) return true;
  const double *power = dm_score_prior_power(d->prior);
  int nkx = d->nx / 2 + 1;
  double var = sigma * sigma;
  for (int ky = 0; ky < d->ny; ky++)
    for (int kx = 0; kx < d->nx; kx++) {
      size_t half = kx < nkx ? (size_t)ky * nkx + kx
                             : (size_t)((d->ny - ky) % d->ny) * nkx + (size_t)(d->nx - kx);
      d->host_filter[(size_t)ky * d->nx + kx] = (float)(-1.0 / (power[half] + var));
    }
  const float *gamma[2], *noise_var[2];
  const unsigned char *has_data;
  dm_score_likelihood_data(d->likelihood, gamma, noise_var, &has_data);
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < d->npix; i++)
      d->host_weights[k * d->npix + i] =
          has_data[i] ? (float)(1.0 / (noise_var[k][i] + var)) : 0.0f;
  bool ok = dm_tensor_upload(b->prior_filter, d->host_filter, d->npix);
  for (int c = 0; ok && c < b->n; c++)
    ok = dm_tensor_upload(dm_tensor_sample_view(b->weights, c, 1), d->host_weights,
                          2 * d->npix);
  dm_nn_clear(d->nn);
  if (ok) b->sigma = sigma;
  return ok;
}

/* ---- Score and energy ------------------------------------------------------ */

/* The likelihood's weighted residual W (gamma − A x) [n, 2, ny, nx]; with
 * residual, gamma − A x too.  The intermediates not returned are released
 * (darkmap/nn.h, "Inference"). */
static DmTensor *weighted_residual(DmScoreDevice *d, DmScoreDeviceBatch *b, DmTensor *x,
                                   DmTensor **residual) {
  DmTensor *shear = dm_nn_fourier_filter(d->nn, x, d->ks, false);
  DmTensor *r = dm_nn_sub(d->nn, b->gamma, shear);
  dm_tensor_release(shear);
  DmTensor *weighted = dm_nn_mul(d->nn, r, b->weights);
  if (residual) *residual = r;
  else dm_tensor_release(r);
  return weighted;
}

bool dm_score_device_score(DmScoreDevice *d, DmScoreDeviceBatch *b, DmTensor *x, double sigma,
                           DmTensor *score) {
  DmNn *nn = d->nn;
  if (!set_sigma(d, b, sigma)) return false;
  /* The network first, while nothing else is held (its forward is the
   * peak), then the likelihood and the prior, each intermediate released
   * once consumed; the sum is ((likelihood + prior) + network) either way. */
  DmTensor *network = d->residual ? d->residual(d->residual_data, x, sigma) : NULL;
  DmTensor *weighted = weighted_residual(d, b, x, NULL);
  DmTensor *total = dm_nn_fourier_filter(nn, weighted, d->ks_adjoint, true);
  dm_tensor_release(weighted);
  if (d->theory_prior) {
    DmTensor *prior = dm_nn_fourier_filter(nn, x, b->prior_filter, true);
    DmTensor *sum = dm_nn_add(nn, total, prior);
    dm_tensor_release(total);
    dm_tensor_release(prior);
    total = sum;
  }
  if (total && d->residual) {
    DmTensor *sum = dm_nn_add(nn, total, network);
    dm_tensor_release(total);
    dm_tensor_release(network);
    total = sum;
  }
  bool ok = total && dm_tensor_copy(score, total);
  dm_nn_clear(nn);
  return ok && dm_nn_ok(nn);
}

/* Sum over each chain's n_per_chain values of t, in double, added to sums. */
static bool add_chain_sums(const DmTensor *t, int n, double scale, float *host, double *sums) {
  size_t per_chain = (size_t)dm_tensor_numel(t) / (size_t)n;
  if (!dm_tensor_download(t, host, per_chain * (size_t)n)) return false;
  for (int c = 0; c < n; c++) {
    double s = 0.0;
    for (size_t i = 0; i < per_chain; i++) s += host[(size_t)c * per_chain + i];
    sums[c] += scale * s;
  }
  return true;
}

bool dm_score_device_energy(DmScoreDevice *d, DmScoreDeviceBatch *b, DmTensor *x, DmTensor *p,
                            double sigma, double *energy, DmError **error) {
  DmNn *nn = d->nn;
  float *host = malloc((size_t)b->n * 2 * d->npix * sizeof *host);
  if (!host) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for energies.");
  for (int c = 0; c < b->n; c++) energy[c] = 0.0;
  bool ok = set_sigma(d, b, sigma);
  DmTensor *r = NULL, *wr = ok ? weighted_residual(d, b, x, &r) : NULL;
  /* x · C⁻¹ x = −x · prior score. */
  DmTensor *prior = ok ? dm_nn_mul(nn, x, dm_nn_fourier_filter(nn, x, b->prior_filter, true))
                       : NULL;
  ok = ok && wr && prior && add_chain_sums(dm_nn_mul(nn, wr, r), b->n, 0.5, host, energy) &&
       add_chain_sums(prior, b->n, -0.5, host, energy) &&
       add_chain_sums(dm_nn_mul(nn, p, p), b->n, 0.5, host, energy);
  free(host);
  dm_nn_clear(nn);
  if (!ok) return context_error(nn, error);
  return true;
}

/* ---- Random maps and updates ----------------------------------------------- */

bool dm_score_device_fill_normal(DmScoreDevice *d, const DmScoreDeviceBatch *b, DmTensor *dst,
                                 uint64_t seed, uint32_t draw, double std) {
  bool ok = true;
  for (int c = 0; ok && c < b->n; c++) {
    uint64_t stream = ((uint64_t)(b->first_chain + c) << 32) | draw;
    ok = dm_tensor_fill_normal(dm_tensor_sample_view(dst, c, 1), seed, stream, 0.0f,
                               (float)std);
  }
  dm_nn_clear(d->nn);
  return ok;
}

bool dm_score_device_finish(DmScoreDevice *d, bool ok, DmError *local, DmError **error) {
  if (ok) return true;
  if (local) {
    dm_nn_take_error(d->nn, NULL);
    dm_error_propagate(error, local);
    return false;
  }
  context_error(d->nn, error);
  dm_error_prefix(error, "Score sampler on %s", dm_nn_device_name(d->nn));
  return false;
}

bool dm_score_device_axpby(DmNn *nn, DmTensor *y, double alpha, const DmTensor *x,
                           double beta) {
  DmNnNode node = {.op = DM_NN_OP_ADD, .alpha = (float)alpha, .beta = (float)beta};
  node.src[0] = y;
  node.src[1] = x;
  node.dst[0] = y;
  return dm_nn_compute(nn, &node);
}

void dm_score_device_set_theory_prior(DmScoreDevice *device, bool on) { device->theory_prior = on; }
