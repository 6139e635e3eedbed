/* Single-precision 2-D and 3-D FFTs on the CPU (FFTW 3), and the 1-D steps
 * of a 2-D transform for callers that share one between threads of their
 * own, with plans cached.
 *
 * Plans are made once per (shape, kind) and kept for the life of the
 * process; making them is serialised by a lock (FFTW's planner is not thread
 * safe) while executing them is safe from any thread, on any buffers from
 * dm_fft_alloc().  Transforms are unnormalised: forward then backward
 * multiplies by nx * ny (nx * ny * nz in 3-D).
 *
 * Planning effort: DM_FFT_ESTIMATE plans instantly; DM_FFT_MEASURE times
 * candidate algorithms (seconds at 1024²) and runs ~5× faster at large sizes.
 * Measured plans can be kept across runs with wisdom files. */
#ifndef DARKMAP_FFT_H
#define DARKMAP_FFT_H

#include <complex.h>
#include <stdbool.h>
#include <stddef.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef float _Complex dm_complex;

/* re + i im, through the layout C11 guarantees (an array of two floats);
 * unlike re + im * I this never mixes infinities into the other part. */
static inline dm_complex dm_complex_make(float re, float im) {
  dm_complex z;
  float *parts = (float *)&z;
  parts[0] = re;
  parts[1] = im;
  return z;
}

typedef enum { DM_FFT_ESTIMATE, DM_FFT_MEASURE } DmFftEffort;

typedef enum {
  DM_FFT_C2C_FORWARD,   /* complex ny×nx → complex ny×nx, sign −1 */
  DM_FFT_C2C_BACKWARD,  /* complex ny×nx → complex ny×nx, sign +1 */
  DM_FFT_R2C,           /* real ny×nx → complex ny×(nx/2+1) */
  DM_FFT_C2R,           /* complex ny×(nx/2+1) → real ny×nx (destroys input) */
  /* One-thread 1-D transforms, for callers that split a 2-D transform
   * between threads of their own (always run by the calling thread alone): */
  DM_FFT_ROW_R2C,       /* one row: real nx → complex nx/2+1 (ny is 1) */
  DM_FFT_ROW_C2R,       /* one row back (destroys input; ny is 1) */
  DM_FFT_LINES_FORWARD, /* in place: nx complex lines of ny points each, one
                           after the other (line x starts at x·ny), sign −1 */
  DM_FFT_LINES_BACKWARD /* the same, sign +1 */
} DmFftKind;

/* A count of elements rounded up to 32 bytes, so that what follows them in a
 * buffer from dm_fft_alloc (the next row or plane) keeps its alignment. */
static inline size_t dm_fft_aligned_count(size_t count, size_t element_bytes) {
  size_t per = 32 / element_bytes;
  return (count + per - 1) / per * per;
}

typedef struct DmFftPlan DmFftPlan;  /* owned by the cache: never freed by callers */

/* Effort and threads for plans made from now on (defaults: ESTIMATE, 1 thread
 * per core up to 8).  Already cached plans are kept. */
void dm_fft_set_effort(DmFftEffort effort);
void dm_fft_set_threads(int threads);

/* Plan for an ny × nx transform of that kind, from the cache or made now:
 * out of place, except the LINES kinds (in place). */
const DmFftPlan *dm_fft_plan(int nx, int ny, DmFftKind kind, DmError **error);

/* The FFTW threads plans made now get (1 where FFTW has no threads). */
int dm_fft_threads(void);

/* Out-of-place plan for a 3-D transform of nz × ny × nx points (x fastest),
 * DM_FFT_R2C (real nz×ny×nx → complex nz×ny×(nx/2+1)) or DM_FFT_C2R (the
 * reverse, destroying its input); the same cache, effort and threads. */
const DmFftPlan *dm_fft_plan_3d(int nx, int ny, int nz, DmFftKind kind, DmError **error);

/* Runs a plan on new buffers (from dm_fft_alloc, or aligned as dm_fft_is_aligned
 * says; not aliasing each other, except in == out for the LINES kinds). */
void dm_fft_execute(const DmFftPlan *plan, void *in, void *out);

/* SIMD-aligned buffers; free with dm_fft_free.  NULL when out of memory. */
void *dm_fft_alloc(size_t bytes);
void dm_fft_free(void *buffer);

/* Whether a buffer from elsewhere (a map's plane) has dm_fft_alloc's
 * alignment, so that dm_fft_execute may read or write it directly. */
bool dm_fft_is_aligned(const void *buffer);

/* Wisdom (measured plans) from/to a file.  Importing a missing file is not
 * an error (returns false without setting error); exporting writes the
 * file atomically (darkmap/atomic-file.h). */
bool dm_fft_import_wisdom(const char *path);
bool dm_fft_export_wisdom(const char *path, DmError **error);

/* Signed frequency index of bin i on an axis of n points, in cycles per
 * sample (NumPy's fftfreq): 0, 1/n, ..., −1/2 (even n), ..., −1/n. */
double dm_fft_freq(int i, int n);

#ifdef __cplusplus
}
#endif

#endif
