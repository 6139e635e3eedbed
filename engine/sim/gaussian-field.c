/* Gaussian random fields from a theory C_ell (darkmap/gaussian-field.h).
 *
 * White noise n ~ N(0, 1) is drawn in real space, pixel by pixel in row-major
 * order from the Philox stream (seed, 0), then coloured in Fourier space:
 *   field = IFFT( FFT(n) sqrt(C(ell_k) / Omega_pix) ) / N_pix,
 * with the k = 0 mode set to zero.  FFT(n) has <|F|²> = N_pix and Hermitian
 * symmetry, so every mode of the field has variance C(ell) N_pix / Omega_pix
 * and the field is real: dm_power_spectrum of it has expectation C(ell). */
#include "darkmap/gaussian-field.h"

#include <math.h>
#include <stdlib.h>

#include "darkmap/fft.h"
#include "darkmap/map.h"
#include "darkmap/rng.h"

#define DM_PI 3.14159265358979323846

bool dm_gaussian_field(const DmTheorySpectrum *theory, int nx, int ny, double pixel_arcmin,
                       uint64_t seed, float *field, DmError **error) {
  if (!theory || !field)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A Gaussian field needs a theory spectrum and an output array.");
  if (!(pixel_arcmin > 0.0) || !isfinite(pixel_arcmin))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A Gaussian field needs a positive pixel size, got %g arcmin.",
                        pixel_arcmin);
  if (!dm_map_check_size(nx, ny, 1, error)) return false;

  int hx = nx / 2 + 1; /* columns of the half plane */
  size_t n_pix = (size_t)nx * (size_t)ny;
  float *noise = dm_fft_alloc(n_pix * sizeof *noise);                          /* ny × nx */
  dm_complex *modes = dm_fft_alloc((size_t)ny * (size_t)hx * sizeof *modes);  /* ny × hx */
  float *result = dm_fft_alloc(n_pix * sizeof *result);                       /* ny × nx */
  bool ok = false;
  if (!noise || !modes || !result) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d Gaussian field.", nx,
                 ny);
    goto done;
  }
  const DmFftPlan *forward = dm_fft_plan(nx, ny, DM_FFT_R2C, error);
  const DmFftPlan *backward = forward ? dm_fft_plan(nx, ny, DM_FFT_C2R, error) : NULL;
  if (!backward) goto done;

  DmRng rng;
  dm_rng_init(&rng, seed, 0);
  for (size_t i = 0; i < n_pix; i++) noise[i] = (float)dm_rng_normal(&rng);
  dm_fft_execute(forward, noise, modes);

  double pixel_rad = pixel_arcmin / 60.0 * DM_PI / 180.0;
  double omega_pix = pixel_rad * pixel_rad;
  for (int y = 0; y < ny; y++) {
    double k2 = dm_fft_freq(y, ny);
    for (int x = 0; x < hx; x++) {
      double k1 = (double)x / nx;
      double ell = 2.0 * DM_PI * sqrt(k1 * k1 + k2 * k2) / pixel_rad;
      double cl = dm_theory_eval(theory, ell); /* 0 at ell = 0 */
      modes[(size_t)y * (size_t)hx + (size_t)x] *= (float)(sqrt(cl / omega_pix) / (double)n_pix);
    }
  }
  dm_fft_execute(backward, modes, result);
  for (size_t i = 0; i < n_pix; i++) field[i] = result[i];
  ok = true;

done:
  dm_fft_free(noise);
  dm_fft_free(modes);
  dm_fft_free(result);
  return ok;
}
