/* The FFTW plan cache (see darkmap/fft.h).
 *
 * Plans live in a singly linked list for the life of the process, keyed by
 * (nx, ny, nz, kind, threads, effort), nz 0 for the 2-D plans; FFTW's planner
 * is serialised by one mutex.
 * Executing a plan uses FFTW's new-array interface, which is thread safe. */
#include "darkmap/fft.h"

#include <fftw3.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/huge-pages.h"
#include "darkmap/atomic-file.h"

struct DmFftPlan {
  int nx, ny, nz, threads;  /* nz 0: a 2-D plan */
  DmFftKind kind;
  DmFftEffort effort;
  fftwf_plan plan;
  struct DmFftPlan *next;
};

static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;
static struct DmFftPlan *plans = NULL;  /* guarded by planner_lock */
static DmFftEffort current_effort = DM_FFT_ESTIMATE;
static int current_threads = 0;         /* 0: not chosen yet */
static bool threads_initialised = false;
static bool threads_ready = false;       /* FFTW's threads could be initialised */

/* Initialises FFTW's threads once, before any other use of its planner:
 * wisdom records the planner's configuration, so wisdom exported or
 * imported before this would never match the plans made after it.
 * Called with planner_lock held. */
static void init_threads_locked(void) {
  if (threads_initialised) return;
  threads_initialised = true;
  threads_ready = fftwf_init_threads() != 0;
}

static int default_threads(void) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores < 1 ? 1 : cores > 8 ? 8 : (int)cores;
}

void dm_fft_set_effort(DmFftEffort effort) {
  pthread_mutex_lock(&planner_lock);
  current_effort = effort;
  pthread_mutex_unlock(&planner_lock);
}

void dm_fft_set_threads(int threads) {
  pthread_mutex_lock(&planner_lock);
  current_threads = threads < 1 ? 1 : threads;
  pthread_mutex_unlock(&planner_lock);
}

/* Makes a 2-D FFTW plan, or a 1-D one of the ROW and LINES kinds, on scratch
 * buffers of the right sizes (MEASURE overwrites them).  Called with
 * planner_lock held. */
static fftwf_plan make_plan(int nx, int ny, DmFftKind kind, unsigned flags) {
  bool half = kind != DM_FFT_C2C_FORWARD && kind != DM_FFT_C2C_BACKWARD &&
              kind != DM_FFT_LINES_FORWARD && kind != DM_FFT_LINES_BACKWARD;
  size_t n_complex = (size_t)ny * (size_t)(half ? nx / 2 + 1 : nx);
  size_t n_real = (size_t)nx * (size_t)ny;
  fftwf_complex *complex_a = fftwf_alloc_complex(n_complex);
  fftwf_complex *complex_b = fftwf_alloc_complex(n_complex);
  float *real = fftwf_alloc_real(n_real);
  fftwf_plan plan = NULL;
  if (complex_a && complex_b && real) {
    switch (kind) {
      case DM_FFT_C2C_FORWARD:
        plan = fftwf_plan_dft_2d(ny, nx, complex_a, complex_b, FFTW_FORWARD, flags);
        break;
      case DM_FFT_C2C_BACKWARD:
        plan = fftwf_plan_dft_2d(ny, nx, complex_a, complex_b, FFTW_BACKWARD, flags);
        break;
      case DM_FFT_R2C:
        plan = fftwf_plan_dft_r2c_2d(ny, nx, real, complex_a, flags);
        break;
      case DM_FFT_C2R:
        plan = fftwf_plan_dft_c2r_2d(ny, nx, complex_a, real, flags | FFTW_DESTROY_INPUT);
        break;
      case DM_FFT_ROW_R2C:
        plan = fftwf_plan_dft_r2c_1d(nx, real, complex_a, flags);
        break;
      case DM_FFT_ROW_C2R:
        plan = fftwf_plan_dft_c2r_1d(nx, complex_a, real, flags | FFTW_DESTROY_INPUT);
        break;
      case DM_FFT_LINES_FORWARD:
      case DM_FFT_LINES_BACKWARD:
        plan = fftwf_plan_many_dft(1, &ny, nx, complex_a, NULL, 1, ny, complex_a, NULL, 1, ny,
                                   kind == DM_FFT_LINES_FORWARD ? FFTW_FORWARD : FFTW_BACKWARD,
                                   flags);
        break;
    }
  }
  fftwf_free(complex_a);
  fftwf_free(complex_b);
  fftwf_free(real);
  return plan;
}

/* Makes a 3-D FFTW plan (R2C or C2R) on scratch buffers, as make_plan.
 * Called with planner_lock held. */
static fftwf_plan make_plan_3d(int nx, int ny, int nz, DmFftKind kind, unsigned flags) {
  size_t n_real = (size_t)nx * (size_t)ny * (size_t)nz;
  size_t n_complex = (size_t)(nx / 2 + 1) * (size_t)ny * (size_t)nz;
  fftwf_complex *complex_a = fftwf_alloc_complex(n_complex);
  float *real = fftwf_alloc_real(n_real);
  fftwf_plan plan = NULL;
  if (complex_a && real) {
    if (kind == DM_FFT_R2C)
      plan = fftwf_plan_dft_r2c_3d(nz, ny, nx, real, complex_a, flags);
    else
      plan = fftwf_plan_dft_c2r_3d(nz, ny, nx, complex_a, real, flags | FFTW_DESTROY_INPUT);
  }
  fftwf_free(complex_a);
  fftwf_free(real);
  return plan;
}

/* The FFTW threads of plans made now: the setting (chosen on first use),
 * 1 where FFTW has no threads.  Called with planner_lock held. */
static int current_threads_locked(void) {
  init_threads_locked();
  if (current_threads == 0) current_threads = default_threads();
  return threads_ready ? current_threads : 1;
}

/* The cached plan of that shape (nz 0: 2-D) with the given FFTW threads (0:
 * the current setting), or a new one; NULL when FFTW could not plan it. */
static const DmFftPlan *cached_plan(int nx, int ny, int nz, DmFftKind kind, int wanted_threads) {
  pthread_mutex_lock(&planner_lock);
  int threads = current_threads_locked();
  if (threads_ready && wanted_threads > 0) threads = wanted_threads;
  struct DmFftPlan *found = NULL;
  for (struct DmFftPlan *p = plans; p && !found; p = p->next)
    if (p->nx == nx && p->ny == ny && p->nz == nz && p->kind == kind && p->threads == threads &&
        p->effort == current_effort)
      found = p;
  if (!found) {
    if (threads_ready) fftwf_plan_with_nthreads(threads);
    unsigned flags = current_effort == DM_FFT_MEASURE ? FFTW_MEASURE : FFTW_ESTIMATE;
    fftwf_plan plan =
        nz ? make_plan_3d(nx, ny, nz, kind, flags) : make_plan(nx, ny, kind, flags);
    found = plan ? malloc(sizeof *found) : NULL;
    if (found) {
      *found = (struct DmFftPlan){nx, ny, nz, threads, kind, current_effort, plan, plans};
      plans = found;
    } else if (plan) {
      fftwf_destroy_plan(plan);
    }
  }
  pthread_mutex_unlock(&planner_lock);
  return found;
}

/* The 2-D (or ROW, LINES) plan with the given FFTW threads (0: the current
 * setting). */
static const DmFftPlan *plan_2d(int nx, int ny, DmFftKind kind, int wanted_threads,
                                DmError **error) {
  if (nx <= 0 || ny <= 0) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Invalid FFT size %d × %d.", nx, ny);
    return NULL;
  }
  const DmFftPlan *found = cached_plan(nx, ny, 0, kind, wanted_threads);
  if (!found)
    dm_error_set(error, DM_ERROR_FFT, 0,
                 "FFTW could not plan a %d × %d transform (out of memory?).", nx, ny);
  return found;
}

const DmFftPlan *dm_fft_plan(int nx, int ny, DmFftKind kind, DmError **error) {
  /* the 1-D steps run on their caller's thread: FFTW's threads cost more
   * than such a transform */
  bool one_thread = kind == DM_FFT_ROW_R2C || kind == DM_FFT_ROW_C2R ||
                    kind == DM_FFT_LINES_FORWARD || kind == DM_FFT_LINES_BACKWARD;
  return plan_2d(nx, ny, kind, one_thread ? 1 : 0, error);
}

int dm_fft_threads(void) {
  pthread_mutex_lock(&planner_lock);
  int threads = current_threads_locked();
  pthread_mutex_unlock(&planner_lock);
  return threads;
}

const DmFftPlan *dm_fft_plan_3d(int nx, int ny, int nz, DmFftKind kind, DmError **error) {
  if (nx <= 0 || ny <= 0 || nz <= 0) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Invalid FFT size %d × %d × %d.", nx, ny,
                 nz);
    return NULL;
  }
  if (kind != DM_FFT_R2C && kind != DM_FFT_C2R) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "3-D transforms are real-to-complex or complex-to-real only.");
    return NULL;
  }
  const DmFftPlan *found = cached_plan(nx, ny, nz, kind, 0);
  if (!found)
    dm_error_set(error, DM_ERROR_FFT, 0,
                 "FFTW could not plan a %d × %d × %d transform (out of memory?).", nx, ny, nz);
  return found;
}

void dm_fft_execute(const DmFftPlan *plan, void *in, void *out) {
  switch (plan->kind) {
    case DM_FFT_C2C_FORWARD:
    case DM_FFT_C2C_BACKWARD:
    case DM_FFT_LINES_FORWARD:
    case DM_FFT_LINES_BACKWARD:
      fftwf_execute_dft(plan->plan, in, out);
      break;
    case DM_FFT_R2C:
    case DM_FFT_ROW_R2C:
      fftwf_execute_dft_r2c(plan->plan, in, out);
      break;
    case DM_FFT_C2R:
    case DM_FFT_ROW_C2R:
      fftwf_execute_dft_c2r(plan->plan, in, out);
      break;
  }
}

void *dm_fft_alloc(size_t bytes) {
  void *buffer = fftwf_malloc(bytes);
  dm_advise_huge_pages(buffer, bytes);
  return buffer;
}

void dm_fft_free(void *buffer) { fftwf_free(buffer); }

bool dm_fft_is_aligned(const void *buffer) {
  return fftwf_alignment_of((float *)buffer) == 0;
}

bool dm_fft_import_wisdom(const char *path) {
  pthread_mutex_lock(&planner_lock);
  init_threads_locked();
  bool ok = fftwf_import_wisdom_from_filename(path) != 0;
  pthread_mutex_unlock(&planner_lock);
  return ok;
}

/* Prints the planner's wisdom into f, for dm_atomic_write_text. */
static bool write_wisdom(FILE *f, void *data) {
  (void)data;
  pthread_mutex_lock(&planner_lock);
  init_threads_locked();
  fftwf_export_wisdom_to_file(f);
  pthread_mutex_unlock(&planner_lock);
  return true;
}

bool dm_fft_export_wisdom(const char *path, DmError **error) {
  return dm_atomic_write_text(path, "FFT wisdom", write_wisdom, NULL, error);
}

double dm_fft_freq(int i, int n) {
  int k = i < (n + 1) / 2 ? i : i - n;
  return (double)k / (double)n;
}
