/* Kaiser-Squires inversion and its forward model (darkmap/ks.h).
 *
 * One complex FFT carries both components: g = g1 + i g2 (or kappa_E +
 * i kappa_B).  In Fourier space the kernel D = a + i b with
 *   a = (k1² − k2²) / |k|²,  b = 2 k1 k2 / |k|²,
 * k1 the frequency along x (columns), k2 along y (rows), in cycles per pixel.
 * shear -> kappa multiplies by conj(D) = a − i b, kappa -> shear by D.
 *
 * For the real and imaginary parts of the result to be the E and B maps, a
 * and b must be even under k -> −k.  On the Nyquist row or column of an even
 * axis, fftfreq gives −1/2 for both k and its partner −k, which makes b odd
 * there; b is therefore zeroed on those lines, except at the self-conjugate
 * corner (both axes at Nyquist), where b is its own partner. */
#include "darkmap/ks.h"

#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/smooth.h"

struct DmKsPlan {
  int nx, ny;
  const DmFftPlan *forward;   /* c2c, sign −1, owned by the FFT cache */
  const DmFftPlan *backward;  /* c2c, sign +1, owned by the FFT cache */
  dm_complex *work;           /* ny × nx, FFT input (dm_fft_alloc) */
  dm_complex *spectrum;       /* ny × nx, FFT output (dm_fft_alloc) */
  float *a;                   /* ny × nx, real part of D times 1 / (nx ny) */
  float *b;                   /* ny × nx, imaginary part of D times 1 / (nx ny) */
};

void dm_ks_kernel(int kx, int ky, int nx, int ny, double *a, double *b) {
  double k1 = dm_fft_freq(kx, nx), k2 = dm_fft_freq(ky, ny), k_sq = k1 * k1 + k2 * k2;
  if (k_sq == 0.0) {
    *a = *b = 0.0;
    return;
  }
  bool x_nyquist = nx % 2 == 0 && kx == nx / 2, y_nyquist = ny % 2 == 0 && ky == ny / 2;
  *a = (k1 * k1 - k2 * k2) / k_sq;
  *b = x_nyquist != y_nyquist ? 0.0 : 2.0 * k1 * k2 / k_sq;
}

/* Fills plan->a and plan->b, with 1 / (nx ny) folded in. */
static void make_kernel(DmKsPlan *plan) {
  int nx = plan->nx, ny = plan->ny;
  double norm = 1.0 / ((double)nx * (double)ny);
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      double a, b;
      dm_ks_kernel(x, y, nx, ny, &a, &b);
      size_t i = (size_t)y * (size_t)nx + (size_t)x;
      plan->a[i] = (float)(a * norm);
      plan->b[i] = (float)(b * norm);
    }
}

DmKsPlan *dm_ks_plan_new(int nx, int ny, DmError **error) {
  if (!dm_map_check_size(nx, ny, 1, error)) return NULL;
  size_t n = (size_t)nx * (size_t)ny;
  DmKsPlan *plan = calloc(1, sizeof *plan);
  if (!plan) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d Kaiser-Squires plan.",
                 nx, ny);
    return NULL;
  }
  plan->nx = nx;
  plan->ny = ny;
  plan->work = dm_fft_alloc(n * sizeof *plan->work);
  plan->spectrum = dm_fft_alloc(n * sizeof *plan->spectrum);
  plan->a = malloc(n * sizeof *plan->a);
  plan->b = malloc(n * sizeof *plan->b);
  if (!plan->work || !plan->spectrum || !plan->a || !plan->b) {
    dm_ks_plan_free(plan);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d Kaiser-Squires plan.",
                 nx, ny);
    return NULL;
  }
  plan->forward = dm_fft_plan(nx, ny, DM_FFT_C2C_FORWARD, error);
  plan->backward = plan->forward ? dm_fft_plan(nx, ny, DM_FFT_C2C_BACKWARD, error) : NULL;
  if (!plan->backward) {
    dm_ks_plan_free(plan);
    return NULL;
  }
  make_kernel(plan);
  return plan;
}

void dm_ks_plan_free(DmKsPlan *plan) {
  if (!plan) return;
  dm_fft_free(plan->work);
  dm_fft_free(plan->spectrum);
  free(plan->a);
  free(plan->b);
  free(plan);
}

/* work = re + i im (im NULL: 0), then FFT, multiply by a + i sign b, inverse
 * FFT; the result is left in plan->work. */
static void apply_kernel(DmKsPlan *plan, const float *re, const float *im, float sign) {
  size_t n = (size_t)plan->nx * (size_t)plan->ny;
  for (size_t i = 0; i < n; i++) plan->work[i] = dm_complex_make(re[i], im ? im[i] : 0.0f);
  dm_fft_execute(plan->forward, plan->work, plan->spectrum);
  for (size_t i = 0; i < n; i++) {
    float fr = crealf(plan->spectrum[i]), fi = cimagf(plan->spectrum[i]);
    float a = plan->a[i], b = sign * plan->b[i];
    plan->spectrum[i] = dm_complex_make(a * fr - b * fi, a * fi + b * fr);
  }
  dm_fft_execute(plan->backward, plan->spectrum, plan->work);
}

/* Splits plan->work into real (re) and imaginary (im, may be NULL) parts. */
static void split_work(const DmKsPlan *plan, float *re, float *im) {
  size_t n = (size_t)plan->nx * (size_t)plan->ny;
  for (size_t i = 0; i < n; i++) {
    re[i] = crealf(plan->work[i]);
    if (im) im[i] = cimagf(plan->work[i]);
  }
}

void dm_ks_plan_shear_to_kappa(DmKsPlan *plan, const float *g1, const float *g2,
                               float *kappa_e, float *kappa_b) {
  apply_kernel(plan, g1, g2, -1.0f);
  split_work(plan, kappa_e, kappa_b);
}

void dm_ks_plan_kappa_to_shear(DmKsPlan *plan, const float *kappa_e, const float *kappa_b,
                               float *g1, float *g2) {
  apply_kernel(plan, kappa_e, kappa_b, 1.0f);
  split_work(plan, g1, g2);
}

/* A zeroed nplanes map of the source's size, WCS and metadata. */
static DmMap *new_result(const DmMap *source, int nplanes, DmError **error) {
  DmMap *map = dm_map_new(source->nx, source->ny, nplanes, source->wcs, error);
  if (map && !dm_map_copy_meta(map, source, error)) {
    dm_map_free(map);
    return NULL;
  }
  return map;
}

/* Provenance of one kappa map of dm_ks_shear_to_kappa. */
static bool tag_kappa(DmMap *map, const DmKsOptions *options, bool b_mode, DmError **error) {
  return dm_map_set_string(map, "METHOD", "KS93", "Kaiser-Squires (1993) inversion", error) &&
         dm_map_set_bool(map, "KSPAD", options->pad, "zero padded to twice the size", error) &&
         dm_map_set_double(map, "KSSMOOTH", options->smooth_sigma_pixels,
                           "Gaussian smoothing sigma (pixels), 0 = none", error) &&
         dm_map_set_bool(map, "BMODE", b_mode, "T: B-mode map, F: E-mode (convergence)", error);
}

/* Copies an ny × nx block between images of row strides dst_stride and
 * src_stride (in floats). */
static void copy_block(float *dst, int dst_stride, const float *src, int src_stride, int nx,
                       int ny) {
  for (int y = 0; y < ny; y++)
    memcpy(dst + (size_t)y * (size_t)dst_stride, src + (size_t)y * (size_t)src_stride,
           (size_t)nx * sizeof *dst);
}

bool dm_ks_shear_to_kappa(const DmMap *shear, const DmKsOptions *options,
                          DmMap **kappa_e, DmMap **kappa_b, DmError **error) {
  static const DmKsOptions defaults = {.pad = false, .smooth_sigma_pixels = 0.0};
  if (!options) options = &defaults;
  if (!shear || shear->nplanes != 2 || !kappa_e)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Kaiser-Squires needs a shear map with two planes (g1, g2)%s.",
                        shear ? "" : ", got none");
  if (!(options->smooth_sigma_pixels >= 0.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Kaiser-Squires smoothing sigma must be >= 0 pixels, got %g.",
                        options->smooth_sigma_pixels);

  int nx = shear->nx, ny = shear->ny;
  /* Transform grid: the map itself, or twice its size with the map in the
   * first nx columns and ny rows and zeros elsewhere. */
  int fx = options->pad ? 2 * nx : nx, fy = options->pad ? 2 * ny : ny;
  size_t fn = (size_t)fx * (size_t)fy;
  const float *g1 = dm_map_plane(shear, 0), *g2 = dm_map_plane(shear, 1);

  DmMap *e_map = NULL, *b_map = NULL;
  float *padded = NULL; /* 4 planes of fy × fx: g1, g2, kappa_E, kappa_B */
  DmKsPlan *plan = dm_ks_plan_new(fx, fy, error);
  if (!plan) goto fail;
  e_map = new_result(shear, 1, error);
  if (!e_map) goto fail;
  if (kappa_b && !(b_map = new_result(shear, 1, error))) goto fail;

  if (options->pad) {
    padded = calloc(4 * fn, sizeof *padded);
    if (!padded) {
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                   "Out of memory for the %d × %d padded Kaiser-Squires grid.", fx, fy);
      goto fail;
    }
    copy_block(padded, fx, g1, nx, nx, ny);
    copy_block(padded + fn, fx, g2, nx, nx, ny);
    dm_ks_plan_shear_to_kappa(plan, padded, padded + fn, padded + 2 * fn,
                              b_map ? padded + 3 * fn : NULL);
    copy_block(dm_map_plane(e_map, 0), nx, padded + 2 * fn, fx, nx, ny);
    if (b_map) copy_block(dm_map_plane(b_map, 0), nx, padded + 3 * fn, fx, nx, ny);
  } else {
    dm_ks_plan_shear_to_kappa(plan, g1, g2, dm_map_plane(e_map, 0),
                              b_map ? dm_map_plane(b_map, 0) : NULL);
  }

  if (!dm_smooth_gaussian(dm_map_plane(e_map, 0), nx, ny, options->smooth_sigma_pixels, error) ||
      (b_map &&
       !dm_smooth_gaussian(dm_map_plane(b_map, 0), nx, ny, options->smooth_sigma_pixels, error)) ||
      !tag_kappa(e_map, options, false, error) ||
      (b_map && !tag_kappa(b_map, options, true, error)))
    goto fail;

  free(padded);
  dm_ks_plan_free(plan);
  *kappa_e = e_map;
  if (kappa_b) *kappa_b = b_map;
  return true;

fail:
  free(padded);
  dm_ks_plan_free(plan);
  dm_map_free(e_map);
  dm_map_free(b_map);
  return false;
}

bool dm_ks_kappa_to_shear(const DmMap *kappa_e, const DmMap *kappa_b, DmMap **shear,
                          DmError **error) {
  if (!kappa_e || !shear)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The Kaiser-Squires forward model needs a convergence map.");
  if (kappa_b && (kappa_b->nx != kappa_e->nx || kappa_b->ny != kappa_e->ny))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The B-mode map (%d × %d) does not match the E-mode map (%d × %d).",
                        kappa_b->nx, kappa_b->ny, kappa_e->nx, kappa_e->ny);

  DmKsPlan *plan = dm_ks_plan_new(kappa_e->nx, kappa_e->ny, error);
  if (!plan) return false;
  DmMap *result = new_result(kappa_e, 2, error);
  if (!result) {
    dm_ks_plan_free(plan);
    return false;
  }
  dm_ks_plan_kappa_to_shear(plan, dm_map_plane(kappa_e, 0),
                            kappa_b ? dm_map_plane(kappa_b, 0) : NULL, dm_map_plane(result, 0),
                            dm_map_plane(result, 1));
  dm_ks_plan_free(plan);
  if (!dm_map_set_string(result, "METHOD", "KS93-FORWARD",
                         "shear from convergence, Kaiser-Squires (1993) kernel", error)) {
    dm_map_free(result);
    return false;
  }
  *shear = result;
  return true;
}
