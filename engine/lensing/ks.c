/* Kaiser-Squires inversion and its forward model (darkmap/ks.h).
 *
 * The two components travel as one complex map, g = g1 + i g2 (or kappa_E +
 * i kappa_B).  In Fourier space the kernel D = a + i b with
 *   a = (k1² − k2²) / |k|²,  b = 2 k1 k2 / |k|²,
 * k1 the frequency along x (columns), k2 along y (rows), in cycles per pixel.
 * shear -> kappa multiplies by conj(D) = a − i b, kappa -> shear by D.
 *
 * For the real and imaginary parts of the result to be the E and B maps, a
 * and b must be even under k -> −k.  On the Nyquist row or column of an even
 * axis, fftfreq gives −1/2 for both k and its partner −k, which makes b odd
 * there; b is therefore zeroed on those lines, except at the self-conjugate
 * corner (both axes at Nyquist), where b is its own partner.
 *
 * With a and b even, the two components separate: writing X1, X2 for the
 * transforms of the two real inputs, the outputs' transforms are
 *   a X1 − s b X2   and   a X2 + s b X1     (s = −1 for conj(D), +1 for D),
 * each the transform of a real map.  The plan therefore runs real-to-complex
 * transforms of each input and complex-to-real transforms of each output, on
 * half planes (ny × (nx/2 + 1)): the same arithmetic as one complex transform
 * each way, without interleaving the inputs into a complex buffer and
 * splitting the result, and with one transform fewer for each component that
 * is zero (an input) or not wanted (an output).  The two components'
 * transforms are independent and run at once, one per thread:
 *  - two planes laid out as a pair (a two-plane map's planes) run as one
 *    pair transform, which FFTW shares between its threads;
 *  - two separate planes of a large grid run as two one-thread transforms,
 *    directly on the planes: the second on a thread started for it, the
 *    first on the calling thread;
 *  - two separate planes of a small grid (under a share of work:
 *    core/omp-shares.h) are copied into the plan's buffer, laid out as a
 *    pair: copying them costs less than starting a thread.
 * (Copying large planes instead costs up to a quarter of the whole: 2048²,
 * bench/README.md.)  The thread is a plain one, not an OpenMP team's: a
 * team's threads spin for milliseconds after their work, on the core that
 * FFTW's own threads need for the next pair transform. */
#include "darkmap/ks.h"

#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "darkmap/fft.h"
#include "darkmap/smooth.h"

/* Pixels of a plane from which its transform (some 2.5 ms on one core) is a
 * share of work worth a thread of its own (core/omp-shares.h's measure). */
enum { SHARE_PIXELS = 1 << 19 };

struct DmKsPlan {
  int nx, ny, hx;                 /* hx = nx / 2 + 1 columns of the half planes */
  size_t real_stride;             /* floats from plane to plane of real */
  size_t complex_stride;          /* complex values from plane to plane of spectrum */
  /* Owned by the FFT cache: r2c and c2r of one component, of both at once,
   * and of one component on the calling thread alone (NULL where the two
   * components' transforms do not run on threads of their own). */
  const DmFftPlan *forward, *backward, *forward_pair, *backward_pair;
  const DmFftPlan *forward_one_thread, *backward_one_thread;
  dm_complex *spectrum;           /* 2 planes of ny × hx, the components (dm_fft_alloc) */
  float *real;                    /* 2 planes of ny × nx, for inputs and outputs that are
                                     not laid out as a pair (dm_fft_alloc) */
  float *a;                       /* ny × hx, real part of D times 1 / (nx ny) */
  float *b;                       /* ny × hx, imaginary part of D times 1 / (nx ny) */
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

/* Fills plan->a and plan->b on the half plane, with 1 / (nx ny) folded in. */
static void make_kernel(DmKsPlan *plan) {
  int nx = plan->nx, ny = plan->ny, hx = plan->hx;
  double norm = 1.0 / ((double)nx * (double)ny);
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < hx; x++) {
      double a, b;
      dm_ks_kernel(x, y, nx, ny, &a, &b);
      size_t i = (size_t)y * (size_t)hx + (size_t)x;
      plan->a[i] = (float)(a * norm);
      plan->b[i] = (float)(b * norm);
    }
}

DmKsPlan *dm_ks_plan_new(int nx, int ny, DmError **error) {
  if (!dm_map_check_size(nx, ny, 1, error)) return NULL;
  DmKsPlan *plan = calloc(1, sizeof *plan);
  if (!plan) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d Kaiser-Squires plan.",
                 nx, ny);
    return NULL;
  }
  plan->nx = nx;
  plan->ny = ny;
  plan->hx = nx / 2 + 1;
  size_t n = (size_t)nx * (size_t)ny, half = (size_t)ny * (size_t)plan->hx;
  plan->real_stride = dm_fft_pair_stride(n, sizeof(float));
  plan->complex_stride = dm_fft_pair_stride(half, sizeof(dm_complex));
  plan->spectrum = dm_fft_alloc(2 * plan->complex_stride * sizeof *plan->spectrum);
  plan->real = dm_fft_alloc(2 * plan->real_stride * sizeof *plan->real);
  plan->a = malloc(half * sizeof *plan->a);
  plan->b = malloc(half * sizeof *plan->b);
  if (!plan->spectrum || !plan->real || !plan->a || !plan->b) {
    dm_ks_plan_free(plan);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d Kaiser-Squires plan.",
                 nx, ny);
    return NULL;
  }
  if (!(plan->forward = dm_fft_plan(nx, ny, DM_FFT_R2C, error)) ||
      !(plan->backward = dm_fft_plan(nx, ny, DM_FFT_C2R, error)) ||
      !(plan->forward_pair = dm_fft_plan(nx, ny, DM_FFT_R2C_PAIR, error)) ||
      !(plan->backward_pair = dm_fft_plan(nx, ny, DM_FFT_C2R_PAIR, error))) {
    dm_ks_plan_free(plan);
    return NULL;
  }
  if (dm_fft_threads() >= 2 && n >= SHARE_PIXELS &&
      (!(plan->forward_one_thread = dm_fft_plan_one_thread(nx, ny, DM_FFT_R2C, error)) ||
       !(plan->backward_one_thread = dm_fft_plan_one_thread(nx, ny, DM_FFT_C2R, error)))) {
    dm_ks_plan_free(plan);
    return NULL;
  }
  make_kernel(plan);
  return plan;
}

void dm_ks_plan_free(DmKsPlan *plan) {
  if (!plan) return;
  dm_fft_free(plan->spectrum);
  dm_fft_free(plan->real);
  free(plan->a);
  free(plan->b);
  free(plan);
}

/* The half-plane transform of one real ny × nx map into the first spectrum
 * plane, read in place when it has the FFT buffers' alignment (the
 * real-to-complex transform leaves its input as it was), through plan->real
 * otherwise. */
static void transform_one_in(DmKsPlan *plan, const float *map) {
  if (!dm_fft_is_aligned(map)) {
    memcpy(plan->real, map, (size_t)plan->nx * (size_t)plan->ny * sizeof *map);
    map = plan->real;
  }
  dm_fft_execute(plan->forward, (float *)map, plan->spectrum);
}

/* The real ny × nx map of the first spectrum plane (which the transform
 * destroys), written to map directly or through plan->real. */
static void transform_one_out(DmKsPlan *plan, float *map) {
  if (dm_fft_is_aligned(map)) {
    dm_fft_execute(plan->backward, plan->spectrum, map);
    return;
  }
  dm_fft_execute(plan->backward, plan->spectrum, plan->real);
  memcpy(map, plan->real, (size_t)plan->nx * (size_t)plan->ny * sizeof *map);
}

/* Whether two maps are laid out as a pair transform's planes: aligned, the
 * second one plane stride after the first (a two-plane map's planes, when
 * the stride is the plane's size). */
static bool is_pair(const DmKsPlan *plan, const float *first, const float *second) {
  return second == first + plan->real_stride && dm_fft_is_aligned(first);
}

/* Whether two separate maps are transformed directly, each by a one-thread
 * plan on a thread of its own: the grid is large enough and both maps have
 * the FFT buffers' alignment. */
static bool runs_apart(const DmKsPlan *plan, const float *map1, const float *map2) {
  return plan->forward_one_thread && dm_fft_is_aligned(map1) && dm_fft_is_aligned(map2);
}

/* One transform of a pair run apart. */
typedef struct {
  const DmFftPlan *plan;
  void *in, *out;
} Transform;

static void *run_transform(void *data) {
  const Transform *t = data;
  dm_fft_execute(t->plan, t->in, t->out);
  return NULL;
}

/* Runs the two transforms at once: the second on a new thread, the first
 * here; both here, one after the other, where no thread can be started. */
static void run_apart(const Transform transforms[2]) {
  pthread_t thread;
  bool started = pthread_create(&thread, NULL, run_transform, (void *)&transforms[1]) == 0;
  run_transform((void *)&transforms[0]);
  if (started) pthread_join(thread, NULL);
  else run_transform((void *)&transforms[1]);
}

/* The two half-plane transforms of two real maps into the spectrum planes. */
static void transform_pair_in(DmKsPlan *plan, const float *map1, const float *map2) {
  if (is_pair(plan, map1, map2)) {
    dm_fft_execute(plan->forward_pair, (float *)map1, plan->spectrum);
  } else if (runs_apart(plan, map1, map2)) {
    Transform transforms[2] = {
        {plan->forward_one_thread, (float *)map1, plan->spectrum},
        {plan->forward_one_thread, (float *)map2, plan->spectrum + plan->complex_stride}};
    run_apart(transforms);
  } else {
    size_t bytes = (size_t)plan->nx * (size_t)plan->ny * sizeof *map1;
    memcpy(plan->real, map1, bytes);
    memcpy(plan->real + plan->real_stride, map2, bytes);
    dm_fft_execute(plan->forward_pair, plan->real, plan->spectrum);
  }
}

/* The two real maps of the spectrum planes (destroyed). */
static void transform_pair_out(DmKsPlan *plan, float *map1, float *map2) {
  if (is_pair(plan, map1, map2)) {
    dm_fft_execute(plan->backward_pair, plan->spectrum, map1);
  } else if (runs_apart(plan, map1, map2)) {
    Transform transforms[2] = {
        {plan->backward_one_thread, plan->spectrum, map1},
        {plan->backward_one_thread, plan->spectrum + plan->complex_stride, map2}};
    run_apart(transforms);
  } else {
    dm_fft_execute(plan->backward_pair, plan->spectrum, plan->real);
    size_t bytes = (size_t)plan->nx * (size_t)plan->ny * sizeof *map1;
    memcpy(map1, plan->real, bytes);
    memcpy(map2, plan->real + plan->real_stride, bytes);
  }
}

/* Multiplies the spectra by the kernel: x1, x2 become a x1 − s b x2 and
 * a x2 + s b x1 (x2 zero without in2, not made without out2). */
static void multiply(DmKsPlan *plan, float sign, bool in2, bool out2) {
  size_t n = (size_t)plan->ny * (size_t)plan->hx;
  dm_complex *x1 = plan->spectrum, *x2 = plan->spectrum + plan->complex_stride;
  const float *a = plan->a, *b = plan->b;
  if (in2 && out2) {
    for (size_t i = 0; i < n; i++) {
      dm_complex u = x1[i], v = x2[i];
      float sb = sign * b[i];
      x1[i] = a[i] * u - sb * v;
      x2[i] = a[i] * v + sb * u;
    }
  } else if (in2) {
    for (size_t i = 0; i < n; i++) x1[i] = a[i] * x1[i] - sign * b[i] * x2[i];
  } else {
    if (out2)
      for (size_t i = 0; i < n; i++) x2[i] = sign * b[i] * x1[i];
    for (size_t i = 0; i < n; i++) x1[i] = a[i] * x1[i];
  }
}

/* out1 + i out2 = IFFT((a + i sign b) FFT(in1 + i in2)), component by
 * component (see the top of this file); in2 NULL stands for zero, out2 NULL
 * for a component not wanted. */
static void apply_kernel(DmKsPlan *plan, const float *in1, const float *in2, float sign,
                         float *out1, float *out2) {
  if (in2) transform_pair_in(plan, in1, in2);
  else transform_one_in(plan, in1);
  multiply(plan, sign, in2 != NULL, out2 != NULL);
  if (out2) transform_pair_out(plan, out1, out2);
  else transform_one_out(plan, out1);
}

void dm_ks_plan_shear_to_kappa(DmKsPlan *plan, const float *g1, const float *g2,
                               float *kappa_e, float *kappa_b) {
  apply_kernel(plan, g1, g2, -1.0f, kappa_e, kappa_b);
}

void dm_ks_plan_kappa_to_shear(DmKsPlan *plan, const float *kappa_e, const float *kappa_b,
                               float *g1, float *g2) {
  apply_kernel(plan, kappa_e, kappa_b, 1.0f, g1, g2);
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
