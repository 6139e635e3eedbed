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
 * each the transform of a real map: the half planes (ny × (nx/2 + 1)) of
 * real-to-complex transforms of each input and complex-to-real transforms of
 * each output, the same arithmetic as one complex transform each way, with
 * one transform fewer for each component that is zero (an input) or not
 * wanted (an output).
 *
 * A plan runs the 2-D transforms as their 1-D steps, in three passes shared
 * between its threads (one team per call, which meets after the first two
 * passes; every row and column is computed the same way whatever thread runs
 * it, so the maps are the same bits for any number of threads):
 *  1. rows: the real-to-complex transform of each input row, read where it
 *     lies (a map's plane of any layout), into the spectrum planes;
 *  2. columns, in blocks of COLUMN_BLOCK: each block of both spectra copied
 *     into the thread's buffer as contiguous lines, transformed down the
 *     columns, multiplied by the kernel (stored column by column), transformed
 *     back and copied home, while it is in the core's cache;
 *  3. rows: the complex-to-real transform of each spectrum row, written
 *     straight into the output planes.
 * The 2-D transforms' own passes, the kernel's pass over the whole spectra
 * and any copy of the maps into or out of an FFT buffer are thus avoided
 * (bench/README.md: 1.1 to 1.6 times pyFFTW's 2-D complex transforms at
 * equal precision, 360² to 4096²).  A row that is not aligned for the FFT
 * goes through the thread's row buffer, so that the same plan, with the same
 * rounding, serves every row. */
#include "darkmap/ks.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>
#include <pthread.h>

#include "darkmap/fft.h"
#include "darkmap/smooth.h"

/* Columns of the spectra transformed together: 8 complex values are one
 * 64-byte cache line of each row, and a block of both spectra (16 × ny
 * complex values, 128 KiB at 1024 rows) stays in a core's cache.  The
 * spectra's rows start on cache lines, so that blocks handled by different
 * threads share no line. */
enum { COLUMN_BLOCK = 8, CACHE_LINE = 64 };

/* Pixels from which a grid's transforms are worth one more thread (some
 * 0.2 ms of work: starting a thread and meeting it twice cost tens of
 * microseconds). */
enum { PIXELS_PER_THREAD = 1 << 15 };

/* One thread's buffers: two blocks of lines (the spectra's columns) and a
 * row for inputs and outputs that are not aligned for the FFT (dm_fft_alloc). */
typedef struct {
  dm_complex *lines[2];  /* COLUMN_BLOCK × ny each, line c at c · ny */
  float *row;            /* nx */
} ThreadBuffers;

struct DmKsPlan {
  int nx, ny, hx;       /* hx = nx / 2 + 1 columns of the half planes */
  size_t row_stride;    /* complex values from one spectrum row to the next:
                           hx rounded up to whole blocks (cache lines) */
  int threads;          /* the team of a call, the caller included */
  int blocks;           /* column blocks: hx / COLUMN_BLOCK rounded up */
  /* Owned by the FFT cache: the rows' transforms, and the columns' of a
   * whole block and of the last, narrower one (NULL where hx is a multiple
   * of COLUMN_BLOCK). */
  const DmFftPlan *row_forward, *row_backward;
  const DmFftPlan *lines_forward, *lines_backward, *last_forward, *last_backward;
  dm_complex *spectrum[2];  /* ny × row_stride each: the components (aligned_alloc
                               on cache lines, which keeps the FFT's alignment) */
  float *a, *b;             /* hx × ny, column x at x · ny: the kernel D = a + i b
                               times 1 / (nx ny) (dm_fft_alloc) */
  ThreadBuffers *buffers;   /* one per thread */
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

/* Fills plan->a and plan->b, column by column, with 1 / (nx ny) folded in. */
static void make_kernel(DmKsPlan *plan) {
  int nx = plan->nx, ny = plan->ny;
  double norm = 1.0 / ((double)nx * (double)ny);
  for (int x = 0; x < plan->hx; x++)
    for (int y = 0; y < ny; y++) {
      double a, b;
      dm_ks_kernel(x, y, nx, ny, &a, &b);
      size_t i = (size_t)x * (size_t)ny + (size_t)y;
      plan->a[i] = (float)(a * norm);
      plan->b[i] = (float)(b * norm);
    }
}

/* The team of a call: one thread per PIXELS_PER_THREAD pixels, at most the
 * FFT threads and the column blocks. */
static int team_size(int nx, int ny, int blocks) {
  size_t shares = (size_t)nx * (size_t)ny / PIXELS_PER_THREAD;
  int threads = dm_fft_threads();
  if (shares < (size_t)threads) threads = shares < 1 ? 1 : (int)shares;
  if (threads > blocks) threads = blocks;
  if (threads > ny) threads = ny;
  return threads;
}

/* The plan's FFT plans; false with error set when one cannot be made. */
static bool make_fft_plans(DmKsPlan *plan, DmError **error) {
  int last = plan->hx % COLUMN_BLOCK;
  return (plan->row_forward = dm_fft_plan(plan->nx, 1, DM_FFT_ROW_R2C, error)) &&
         (plan->row_backward = dm_fft_plan(plan->nx, 1, DM_FFT_ROW_C2R, error)) &&
         (plan->lines_forward =
              dm_fft_plan(COLUMN_BLOCK, plan->ny, DM_FFT_LINES_FORWARD, error)) &&
         (plan->lines_backward =
              dm_fft_plan(COLUMN_BLOCK, plan->ny, DM_FFT_LINES_BACKWARD, error)) &&
         (!last || ((plan->last_forward = dm_fft_plan(last, plan->ny, DM_FFT_LINES_FORWARD,
                                                      error)) &&
                    (plan->last_backward = dm_fft_plan(last, plan->ny, DM_FFT_LINES_BACKWARD,
                                                       error))));
}

DmKsPlan *dm_ks_plan_new(int nx, int ny, DmError **error) {
  if (!dm_map_check_size(nx, ny, 1, error)) return NULL;
  DmKsPlan *plan = calloc(1, sizeof *plan);
  if (!plan) goto out_of_memory;
  plan->nx = nx;
  plan->ny = ny;
  plan->hx = nx / 2 + 1;
  plan->blocks = (plan->hx + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
  plan->row_stride = (size_t)plan->blocks * COLUMN_BLOCK;
  plan->threads = team_size(nx, ny, plan->blocks);
  size_t spectrum = (size_t)ny * plan->row_stride, kernel = (size_t)ny * (size_t)plan->hx;
  size_t lines = (size_t)COLUMN_BLOCK * (size_t)ny;
  for (int c = 0; c < 2; c++)
    if (!(plan->spectrum[c] = aligned_alloc(CACHE_LINE, spectrum * sizeof(dm_complex))))
      goto out_of_memory;
  if (!(plan->a = dm_fft_alloc(kernel * sizeof *plan->a)) ||
      !(plan->b = dm_fft_alloc(kernel * sizeof *plan->b)) ||
      !(plan->buffers = calloc((size_t)plan->threads, sizeof *plan->buffers)))
    goto out_of_memory;
  for (int t = 0; t < plan->threads; t++) {
    ThreadBuffers *buffers = &plan->buffers[t];
    if (!(buffers->lines[0] = dm_fft_alloc(lines * sizeof(dm_complex))) ||
        !(buffers->lines[1] = dm_fft_alloc(lines * sizeof(dm_complex))) ||
        !(buffers->row = dm_fft_alloc((size_t)nx * sizeof(float))))
      goto out_of_memory;
  }
  if (!make_fft_plans(plan, error)) {
    dm_ks_plan_free(plan);
    return NULL;
  }
  make_kernel(plan);
  return plan;

out_of_memory:
  dm_ks_plan_free(plan);
  dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d Kaiser-Squires plan.",
               nx, ny);
  return NULL;
}

void dm_ks_plan_free(DmKsPlan *plan) {
  if (!plan) return;
  for (int c = 0; c < 2; c++) free(plan->spectrum[c]);
  dm_fft_free(plan->a);
  dm_fft_free(plan->b);
  if (plan->buffers)
    for (int t = 0; t < plan->threads; t++) {
      dm_fft_free(plan->buffers[t].lines[0]);
      dm_fft_free(plan->buffers[t].lines[1]);
      dm_fft_free(plan->buffers[t].row);
    }
  free(plan->buffers);
  free(plan);
}

/* One call: out1 + i out2 = IFFT((a + i sign b) FFT(in1 + i in2)), in2 NULL
 * for zero, out2 NULL for a component not wanted.  Its team claims the rows
 * and column blocks of each pass in turn (ROWS_PER_CLAIM rows, BLOCKS_PER_CLAIM
 * blocks: the pair of cache lines a core's prefetcher fetches together), so
 * that a thread slowed by other work takes fewer, and meets after passes 1
 * and 2. */
enum { ROWS_PER_CLAIM = 16, BLOCKS_PER_CLAIM = 2 };

typedef struct {
  DmKsPlan *plan;
  const float *in[2];
  float *out[2];
  float sign;
  atomic_int next[3];       /* each pass's next row or block to claim */
  pthread_mutex_t lock;     /* guards members and arrived */
  pthread_cond_t changed;
  int members;              /* the team, 0 until every thread is started */
  int arrived[2];           /* threads done with pass 1, pass 2 */
} Call;

/* Waits until the whole team is done with pass (0 or 1). */
static void meet(Call *call, int pass) {
  pthread_mutex_lock(&call->lock);
  call->arrived[pass]++;
  pthread_cond_broadcast(&call->changed);
  while (call->members == 0 || call->arrived[pass] < call->members)
    pthread_cond_wait(&call->changed, &call->lock);
  pthread_mutex_unlock(&call->lock);
}

/* Claims the next share of a pass of count units, [*first, *end); false when
 * none is left. */
static bool claim(atomic_int *next, int per_claim, int count, int *first, int *end) {
  *first = atomic_fetch_add(next, per_claim);
  *end = *first + per_claim < count ? *first + per_claim : count;
  return *first < count;
}

/* Pass 1: the half-plane transform of each input row. */
static void transform_rows_in(Call *call, float *row_buffer) {
  const DmKsPlan *plan = call->plan;
  size_t nx = (size_t)plan->nx;
  int y0, y1;
  while (claim(&call->next[0], ROWS_PER_CLAIM, plan->ny, &y0, &y1))
    for (int c = 0; c < 2 && call->in[c]; c++)
      for (int y = y0; y < y1; y++) {
        float *row = (float *)call->in[c] + (size_t)y * nx;
        if (!dm_fft_is_aligned(row)) row = memcpy(row_buffer, row, nx * sizeof *row);
        dm_fft_execute(plan->row_forward, row,
                       plan->spectrum[c] + (size_t)y * plan->row_stride);
      }
}

/* Pass 3: each wanted output row from its spectrum row (destroyed). */
static void transform_rows_out(Call *call, float *row_buffer) {
  const DmKsPlan *plan = call->plan;
  size_t nx = (size_t)plan->nx;
  int y0, y1;
  while (claim(&call->next[2], ROWS_PER_CLAIM, plan->ny, &y0, &y1))
    for (int c = 0; c < 2 && call->out[c]; c++)
      for (int y = y0; y < y1; y++) {
        float *row = call->out[c] + (size_t)y * nx;
        dm_complex *spectrum_row = plan->spectrum[c] + (size_t)y * plan->row_stride;
        if (dm_fft_is_aligned(row)) {
          dm_fft_execute(plan->row_backward, spectrum_row, row);
        } else {
          dm_fft_execute(plan->row_backward, spectrum_row, row_buffer);
          memcpy(row, row_buffer, nx * sizeof *row);
        }
      }
}

/* Copies columns [x0, x0 + width) of a spectrum into lines (line c at c · ny)
 * or, home, back.  Inlined with the width a constant where it is a whole
 * block, so that the copy of each row's block is unrolled. */
static inline __attribute__((always_inline)) void copy_columns(const DmKsPlan *plan,
                                                               dm_complex *spectrum, int x0,
                                                               int width, dm_complex *lines,
                                                               bool home) {
  size_t ny = (size_t)plan->ny;
  for (size_t y = 0; y < ny; y++) {
    dm_complex *row = spectrum + y * plan->row_stride + x0;
    for (int c = 0; c < width; c++)
      if (home) row[c] = lines[(size_t)c * ny + y];
      else lines[(size_t)c * ny + y] = row[c];
  }
}

static void gather_columns(const DmKsPlan *plan, dm_complex *spectrum, int x0, int width,
                           dm_complex *lines) {
  if (width == COLUMN_BLOCK) copy_columns(plan, spectrum, x0, COLUMN_BLOCK, lines, false);
  else copy_columns(plan, spectrum, x0, width, lines, false);
}

static void scatter_columns(const DmKsPlan *plan, dm_complex *lines, int x0, int width,
                            dm_complex *spectrum) {
  if (width == COLUMN_BLOCK) copy_columns(plan, spectrum, x0, COLUMN_BLOCK, lines, true);
  else copy_columns(plan, spectrum, x0, width, lines, true);
}

/* Multiplies n spectral values by the kernel: x1, x2 become a x1 − s b x2
 * and a x2 + s b x1 (x2 zero without in2, not made without out2). */
static void multiply(dm_complex *x1, dm_complex *x2, const float *a, const float *b, size_t n,
                     float sign, bool in2, bool out2) {
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

/* Column block k down the columns, through the kernel and back. */
static void filter_block(const Call *call, dm_complex *const lines[2], int k) {
  const DmKsPlan *plan = call->plan;
  bool in2 = call->in[1] != NULL, out2 = call->out[1] != NULL;
  int x0 = k * COLUMN_BLOCK;
  int width = plan->hx - x0 < COLUMN_BLOCK ? plan->hx - x0 : COLUMN_BLOCK;
  bool whole = width == COLUMN_BLOCK;
  const DmFftPlan *forward = whole ? plan->lines_forward : plan->last_forward;
  const DmFftPlan *backward = whole ? plan->lines_backward : plan->last_backward;
  for (int c = 0; c < 1 + in2; c++) {
    gather_columns(plan, plan->spectrum[c], x0, width, lines[c]);
    dm_fft_execute(forward, lines[c], lines[c]);
  }
  size_t offset = (size_t)x0 * (size_t)plan->ny;
  multiply(lines[0], lines[1], plan->a + offset, plan->b + offset,
           (size_t)width * (size_t)plan->ny, call->sign, in2, out2);
  for (int c = 0; c < 1 + out2; c++) {
    dm_fft_execute(backward, lines[c], lines[c]);
    scatter_columns(plan, lines[c], x0, width, plan->spectrum[c]);
  }
}

/* Pass 2: every column block. */
static void filter_columns(Call *call, dm_complex *const lines[2]) {
  int first, end;
  while (claim(&call->next[1], BLOCKS_PER_CLAIM, call->plan->blocks, &first, &end))
    for (int k = first; k < end; k++) filter_block(call, lines, k);
}

/* One thread's part of a call, with its buffers. */
typedef struct {
  Call *call;
  ThreadBuffers *buffers;
} Member;

static void *run_member(void *data) {
  const Member *member = data;
  transform_rows_in(member->call, member->buffers->row);
  meet(member->call, 0);
  filter_columns(member->call, member->buffers->lines);
  meet(member->call, 1);
  transform_rows_out(member->call, member->buffers->row);
  return NULL;
}

/* out1 + i out2 = IFFT((a + i sign b) FFT(in1 + i in2)), component by
 * component (see the top of this file); in2 NULL stands for zero, out2 NULL
 * for a component not wanted.  The team's other threads are started for the
 * call; a thread that cannot be started leaves its share to the others.  A
 * call from inside an OpenMP team (plans used one per thread, as MMGAN's
 * training pairs are made) runs on its thread alone: the cores are taken. */
static void apply_kernel(DmKsPlan *plan, const float *in1, const float *in2, float sign,
                         float *out1, float *out2) {
  Call call = {.plan = plan, .in = {in1, in2}, .out = {out1, out2}, .sign = sign};
  for (int pass = 0; pass < 3; pass++) atomic_init(&call.next[pass], 0);
  pthread_mutex_init(&call.lock, NULL);
  pthread_cond_init(&call.changed, NULL);
  int threads = omp_in_parallel() ? 1 : plan->threads;
  Member members[threads];
  pthread_t ids[threads];
  int started = 1;
  for (int t = 1; t < threads; t++) {
    members[started] = (Member){&call, &plan->buffers[started]};
    if (pthread_create(&ids[started], NULL, run_member, &members[started]) == 0) started++;
  }
  pthread_mutex_lock(&call.lock);
  call.members = started;
  pthread_cond_broadcast(&call.changed);
  pthread_mutex_unlock(&call.lock);
  members[0] = (Member){&call, &plan->buffers[0]};
  run_member(&members[0]);
  for (int t = 1; t < started; t++) pthread_join(ids[t], NULL);
  pthread_cond_destroy(&call.changed);
  pthread_mutex_destroy(&call.lock);
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
