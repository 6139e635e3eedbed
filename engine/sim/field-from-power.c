/* Gaussian fields from grid power, and cropped generation (see
 * darkmap/field-from-power.h). */
#include "darkmap/field-from-power.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/gaussian-field.h"
#include "darkmap/map.h"
#include "darkmap/rng.h"

static bool check_grid(int nx, int ny, double pixel_arcmin, DmError **error) {
  if (!dm_map_check_size(nx, ny, 1, error)) return false;
  if (!(pixel_arcmin > 0.0 && pixel_arcmin < 600.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Pixel scale %g arcmin is out of range (0 to 600).", pixel_arcmin);
  return true;
}

double *dm_grid_power_from_theory(const DmTheorySpectrum *theory, int nx, int ny,
                                  double pixel_arcmin, DmError **error) {
  if (!check_grid(nx, ny, pixel_arcmin, error)) return NULL;
  int hx = nx / 2 + 1;
  double *power = malloc((size_t)ny * hx * sizeof *power);
  if (!power) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d power grid.", nx, ny);
    return NULL;
  }
  double pixel_rad = pixel_arcmin / 60.0 * M_PI / 180.0;
  double omega_pix = pixel_rad * pixel_rad;
  for (int ky = 0; ky < ny; ky++) {
    double fy = dm_fft_freq(ky, ny);
    for (int kx = 0; kx < hx; kx++) {
      double fx = dm_fft_freq(kx, nx), ell = 2.0 * M_PI * hypot(fx, fy) / pixel_rad;
      power[(size_t)ky * hx + kx] = (kx || ky) ? dm_theory_eval(theory, ell) / omega_pix : 0.0;
    }
  }
  return power;
}

bool dm_field_from_power(const double *power, int nx, int ny, uint64_t seed, uint64_t stream,
                         float *field, DmError **error) {
  if (!dm_map_check_size(nx, ny, 1, error)) return false;
  int hx = nx / 2 + 1;
  size_t npix = (size_t)nx * ny, nhalf = (size_t)ny * hx;
  for (size_t k = 0; k < nhalf; k++)
    if (!(power[k] >= 0.0) || !isfinite(power[k]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Grid power %g at mode %zu is negative or not finite.", power[k], k);
  const DmFftPlan *forward = dm_fft_plan(nx, ny, DM_FFT_R2C, error);
  const DmFftPlan *backward = forward ? dm_fft_plan(nx, ny, DM_FFT_C2R, error) : NULL;
  if (!backward) return false;
  float *real = dm_fft_alloc(npix * sizeof *real);
  dm_complex *modes = dm_fft_alloc(nhalf * sizeof *modes);
  if (!real || !modes) {
    dm_fft_free(real);
    dm_fft_free(modes);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d field.", nx,
                        ny);
  }
  DmRng rng;
  dm_rng_init(&rng, seed, stream);
  for (size_t i = 0; i < npix; i++) real[i] = (float)dm_rng_normal(&rng);
  dm_fft_execute(forward, real, modes);
  /* White noise has E|W(k)|² = N_pix; sqrt(P) / N_pix undoes the unnormalised
   * round trip, leaving E|FFT(field)|² = N_pix P. */
  for (size_t k = 0; k < nhalf; k++) modes[k] *= (float)(sqrt(power[k]) / (double)npix);
  dm_fft_execute(backward, modes, real);
  memcpy(field, real, npix * sizeof *field);
  dm_fft_free(real);
  dm_fft_free(modes);
  return true;
}

void dm_crop_centre(const float *box, int bx, int by, float *field, int nx, int ny) {
  int ox = (bx - nx) / 2, oy = (by - ny) / 2;
  for (int y = 0; y < ny; y++)
    memcpy(field + (size_t)y * nx, box + (size_t)(y + oy) * bx + ox, (size_t)nx * sizeof *field);
}

bool dm_gaussian_field_cropped(const DmTheorySpectrum *theory, int nx, int ny,
                               double pixel_arcmin, int box_factor, uint64_t seed, float *field,
                               DmError **error) {
  if (box_factor < 1 || box_factor > DM_MAX_BOX_FACTOR)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Box factor %d is out of range (1 to %d).", box_factor,
                        DM_MAX_BOX_FACTOR);
  if (box_factor == 1)
    return dm_gaussian_field(theory, nx, ny, pixel_arcmin, seed, field, error);
  int bx = nx * box_factor, by = ny * box_factor;
  if (!dm_map_check_size(bx, by, 1, error)) return false;
  float *box = malloc((size_t)bx * by * sizeof *box);
  if (!box)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d box.", bx, by);
  bool ok = dm_gaussian_field(theory, bx, by, pixel_arcmin, seed, box, error);
  if (ok) dm_crop_centre(box, bx, by, field, nx, ny);
  free(box);
  return ok;
}
