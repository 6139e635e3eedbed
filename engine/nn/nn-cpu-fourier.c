/* CPU Fourier multiplication of a batch of maps (DM_NN_OP_FOURIER_FILTER,
 * nn-backend.h) with the engine's cached FFTW plans (darkmap/fft.h). */
#include <stdint.h>

#include "darkmap/fft.h"
#include "nn/nn-cpu-private.h"

bool dm_nn_cpu_fourier_filter(const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0], *filter = node->src[1];
  DmTensor *y = node->dst[0];
  const int ny = (int)x->shape[2], nx = (int)x->shape[3];
  const int64_t npix = (int64_t)nx * ny;
  const bool complex_in = x->shape[1] == 2, complex_filter = filter->shape[1] == 2;
  const bool complex_out = y->shape[1] == 2;
  const DmFftPlan *forward = dm_fft_plan(nx, ny, DM_FFT_C2C_FORWARD, error);
  const DmFftPlan *backward = forward ? dm_fft_plan(nx, ny, DM_FFT_C2C_BACKWARD, error) : NULL;
  if (!backward) return false;
  /* work: the map, then its spectrum's product; spectrum: the FFT output. */
  dm_complex *work = dm_fft_alloc((size_t)npix * sizeof *work);
  dm_complex *spectrum = dm_fft_alloc((size_t)npix * sizeof *spectrum);
  if (!work || !spectrum) {
    dm_fft_free(work);
    dm_fft_free(spectrum);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                        "Out of memory for a %d × %d Fourier filter.", nx, ny);
  }
  const float norm = (float)(1.0 / (double)npix);
  const float *h_re = filter->data, *h_im = complex_filter ? filter->data + npix : NULL;
  for (int64_t n = 0; n < x->shape[0]; n++) {
    const float *re = x->data + n * x->shape[1] * npix, *im = complex_in ? re + npix : NULL;
    for (int64_t i = 0; i < npix; i++) work[i] = dm_complex_make(re[i], im ? im[i] : 0.0f);
    dm_fft_execute(forward, work, spectrum);
    for (int64_t i = 0; i < npix; i++) {
      float fr = crealf(spectrum[i]), fi = cimagf(spectrum[i]);
      float a = h_re[i] * norm, b = h_im ? h_im[i] * norm : 0.0f;
      spectrum[i] = dm_complex_make(a * fr - b * fi, a * fi + b * fr);
    }
    dm_fft_execute(backward, spectrum, work);
    float *out = y->data + n * y->shape[1] * npix;
    for (int64_t i = 0; i < npix; i++) {
      out[i] = crealf(work[i]);
      if (complex_out) out[npix + i] = cimagf(work[i]);
    }
  }
  dm_fft_free(work);
  dm_fft_free(spectrum);
  return true;
}
