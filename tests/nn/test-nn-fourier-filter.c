/* The Fourier filter op (dm_nn_fourier_filter) on the CPU backend against
 * the engine's own Kaiser-Squires plan (ks.h): on a batch of 3 random maps
 * of 12 × 10 pixels (even axes, so the Nyquist rule of dm_ks_kernel is
 * exercised), the filter D gives kappa -> (g1, g2) of
 * dm_ks_plan_kappa_to_shear and conj(D) with the real part gives the E mode
 * of dm_ks_plan_shear_to_kappa, to 1e-5 of the maps' scale; the filter 1
 * is the identity; recording with an input that needs a gradient and bad
 * shapes are refused. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/ks.h"
#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "darkmap/nn.h"
#include "darkmap/rng.h"
#include "test-util.h"

enum { NX = 12, NY = 10, NPIX = NX * NY, BATCH = 3 };

int main(void) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  DmKsPlan *ks = dm_ks_plan_new(NX, NY, &error);
  CHECK_OK(nn && ks, error);
  if (!nn || !ks) return dm_test_result();

  static float kappa[BATCH * NPIX], shear[BATCH * 2 * NPIX], kernel[2][2 * NPIX], ones[NPIX];
  DmRng rng;
  dm_rng_init(&rng, 3, 0);
  for (int i = 0; i < BATCH * NPIX; i++) kappa[i] = (float)dm_rng_normal(&rng);
  for (int i = 0; i < BATCH * 2 * NPIX; i++) shear[i] = (float)dm_rng_normal(&rng);
  for (int y = 0; y < NY; y++)
    for (int x = 0; x < NX; x++) {
      double a, b;
      dm_ks_kernel(x, y, NX, NY, &a, &b);
      int i = y * NX + x;
      kernel[0][i] = kernel[1][i] = (float)a;
      kernel[0][NPIX + i] = (float)b;
      kernel[1][NPIX + i] = (float)-b;
      ones[i] = 1.0f;
    }
  DmTensor *k = dm_tensor_new(nn, BATCH, 1, NY, NX), *g = dm_tensor_new(nn, BATCH, 2, NY, NX);
  DmTensor *d = dm_tensor_new(nn, 1, 2, NY, NX), *d_conj = dm_tensor_new(nn, 1, 2, NY, NX);
  DmTensor *one = dm_tensor_new(nn, 1, 1, NY, NX);
  CHECK(dm_tensor_upload(k, kappa, BATCH * NPIX) && dm_tensor_upload(g, shear, BATCH * 2 * NPIX) &&
        dm_tensor_upload(d, kernel[0], 2 * NPIX) &&
        dm_tensor_upload(d_conj, kernel[1], 2 * NPIX) && dm_tensor_upload(one, ones, NPIX));

  static float got[BATCH * 2 * NPIX], want[BATCH * 2 * NPIX];
  /* A kappa = (g1, g2). */
  DmTensor *forward = dm_nn_fourier_filter(nn, k, d, false);
  CHECK(forward && forward->shape[1] == 2 && dm_tensor_download(forward, got, BATCH * 2 * NPIX));
  for (int n = 0; n < BATCH; n++)
    dm_ks_plan_kappa_to_shear(ks, kappa + n * NPIX, NULL, want + n * 2 * NPIX,
                              want + n * 2 * NPIX + NPIX);
  double e_forward = dm_test_relative_error(got, want, BATCH * 2 * NPIX);
  /* A^T (g1, g2) = the E mode. */
  DmTensor *adjoint = dm_nn_fourier_filter(nn, g, d_conj, true);
  CHECK(adjoint && adjoint->shape[1] == 1 && dm_tensor_download(adjoint, got, BATCH * NPIX));
  for (int n = 0; n < BATCH; n++)
    dm_ks_plan_shear_to_kappa(ks, shear + n * 2 * NPIX, shear + n * 2 * NPIX + NPIX,
                              want + n * NPIX, NULL);
  double e_adjoint = dm_test_relative_error(got, want, BATCH * NPIX);
  /* The filter 1: the identity, imaginary part 0. */
  DmTensor *same = dm_nn_fourier_filter(nn, k, one, false);
  CHECK(same && dm_tensor_download(same, got, BATCH * 2 * NPIX));
  double e_identity = 0.0;
  for (int n = 0; n < BATCH; n++)
    for (int i = 0; i < NPIX; i++)
      e_identity = fmax(e_identity, fmax(fabs(got[n * 2 * NPIX + i] - kappa[n * NPIX + i]),
                                         fabs(got[n * 2 * NPIX + NPIX + i])));
  printf("relative error: A %.2g, A^T %.2g; identity max error %.2g\n", e_forward, e_adjoint,
         e_identity);
  CHECK(e_forward < 1e-5 && e_adjoint < 1e-5 && e_identity < 1e-5);
  CHECK_OK(dm_nn_take_error(nn, &error), error);

  /* No gradient: refused while recording an input that needs one. */
  DmTensor *leaf = dm_tensor_new(nn, 1, 1, NY, NX);
  CHECK(dm_tensor_fill(leaf, 1.0f));
  dm_tensor_set_requires_grad(leaf, true);
  CHECK(dm_nn_fourier_filter(nn, leaf, one, true) == NULL);
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_UNSUPPORTED);
  bool recording = dm_nn_set_recording(nn, false);
  CHECK(dm_nn_fourier_filter(nn, leaf, one, true) != NULL);
  dm_nn_set_recording(nn, recording);
  /* Bad shapes: a filter of another grid, three channels. */
  DmTensor *small = dm_tensor_new(nn, 1, 1, NY, NX - 2), *three = dm_tensor_new(nn, 1, 3, NY, NX);
  CHECK(dm_nn_fourier_filter(nn, k, small, true) == NULL);
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  CHECK(dm_nn_fourier_filter(nn, three, one, true) == NULL);
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);

  dm_nn_clear(nn);
  DmTensor *persistent[] = {k, g, d, d_conj, one, leaf, small, three};
  for (size_t i = 0; i < sizeof persistent / sizeof persistent[0]; i++)
    dm_tensor_free(persistent[i]);
  dm_ks_plan_free(ks);
  dm_nn_free(nn);
  return dm_test_result();
}
