/* Which ell bin each Fourier mode of a power spectrum falls in
 * (lensing/pspec-layout.h).
 *
 * The cache is a list, most recently used first, of at most KEPT_LAYOUTS
 * layouts not in use (layouts in use are never freed: each counts its
 * holders), guarded by one mutex. */
#include "lensing/pspec-layout.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"

#define DM_PI 3.14159265358979323846

enum { KEPT_LAYOUTS = 4 };

typedef struct Entry {
  DmSpectrumLayout layout;
  int holders;          /* acquired and not yet released */
  struct Entry *next;
} Entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static Entry *cache = NULL; /* guarded by cache_lock */

double dm_spectrum_mode_ell(double k1, double k2, double pixel_rad) {
  return 2.0 * DM_PI * sqrt(k1 * k1 + k2 * k2) / pixel_rad;
}

static void entry_free(Entry *e) {
  if (!e) return;
  DmSpectrumLayout *l = &e->layout;
  free(l->edges);
  free(l->n_modes);
  free(l->sum_ell);
  free(l->row_runs);
  free(l->row_first);
  free(l->run_bin);
  free(l->run_end);
  free(e);
}

/* Appends a run (bin, end) to the layout's run arrays, of room *capacity. */
static bool append_run(DmSpectrumLayout *l, int32_t n_runs, size_t *capacity, int32_t bin,
                       int32_t end) {
  if ((size_t)n_runs == *capacity) {
    size_t grown = *capacity * 2;
    int32_t *bins = realloc(l->run_bin, grown * sizeof *bins);
    if (bins) l->run_bin = bins;
    int32_t *ends = bins ? realloc(l->run_end, grown * sizeof *ends) : NULL;
    if (!ends) return false;
    l->run_end = ends;
    *capacity = grown;
  }
  l->run_bin[n_runs] = bin;
  l->run_end[n_runs] = end;
  return true;
}

/* Walks every mode of the half plane, row by row, recording the runs and the
 * bins' mode counts and ell sums. */
static bool fill_runs(DmSpectrumLayout *l) {
  int nx = l->nx, ny = l->ny, hx = nx / 2 + 1, n_bins = l->n_bins;
  double lo = l->edges[0], hi = l->edges[n_bins];
  size_t capacity = (size_t)ny * 4 + 16;
  l->run_bin = malloc(capacity * sizeof *l->run_bin);
  l->run_end = malloc(capacity * sizeof *l->run_end);
  if (!l->run_bin || !l->run_end) return false;
  int32_t n_runs = 0;
  for (int y = 0; y < ny; y++) {
    double k2 = dm_fft_freq(y, ny);
    l->row_runs[y] = n_runs;
    l->row_first[y] = hx;
    int bin = 0, run_bin = -1, x = y == 0 ? 1 : 0; /* the mean (k = 0) is not a mode */
    for (; x < hx; x++) {
      double ell = dm_spectrum_mode_ell((double)x / nx, k2, l->pixel_rad);
      if (ell > hi) break;
      if (!(ell >= lo)) continue;
      while (bin < n_bins - 1 && ell >= l->edges[bin + 1]) bin++;
      if (bin != run_bin) {
        if (run_bin >= 0 && !append_run(l, n_runs++, &capacity, run_bin, x)) return false;
        if (run_bin < 0) l->row_first[y] = x;
        run_bin = bin;
      }
      long multiplicity = (x == 0 || (nx % 2 == 0 && x == nx / 2)) ? 1 : 2;
      l->n_modes[bin] += multiplicity;
      l->sum_ell[bin] += (double)multiplicity * ell;
    }
    if (run_bin >= 0 && !append_run(l, n_runs++, &capacity, run_bin, x)) return false;
  }
  l->row_runs[ny] = n_runs;
  return true;
}

static Entry *entry_new(int nx, int ny, double pixel_rad, const double *edges, int n_bins) {
  Entry *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  DmSpectrumLayout *l = &e->layout;
  *l = (DmSpectrumLayout){.nx = nx, .ny = ny, .n_bins = n_bins, .pixel_rad = pixel_rad};
  size_t nb = (size_t)n_bins;
  l->edges = malloc((nb + 1) * sizeof *l->edges);
  l->n_modes = calloc(nb, sizeof *l->n_modes);
  l->sum_ell = calloc(nb, sizeof *l->sum_ell);
  l->row_runs = malloc(((size_t)ny + 1) * sizeof *l->row_runs);
  l->row_first = malloc((size_t)ny * sizeof *l->row_first);
  if (!l->edges || !l->n_modes || !l->sum_ell || !l->row_runs || !l->row_first) {
    entry_free(e);
    return NULL;
  }
  memcpy(l->edges, edges, (nb + 1) * sizeof *edges);
  if (!fill_runs(l)) {
    entry_free(e);
    return NULL;
  }
  return e;
}

static bool entry_matches(const Entry *e, int nx, int ny, double pixel_rad, const double *edges,
                          int n_bins) {
  const DmSpectrumLayout *l = &e->layout;
  return l->nx == nx && l->ny == ny && l->pixel_rad == pixel_rad && l->n_bins == n_bins &&
         memcmp(l->edges, edges, ((size_t)n_bins + 1) * sizeof *edges) == 0;
}

/* Drops the least recently used layouts not in use beyond KEPT_LAYOUTS.
 * Called with cache_lock held. */
static void trim_locked(void) {
  int kept = 0;
  for (Entry **link = &cache; *link;) {
    Entry *e = *link;
    if (e->holders == 0 && ++kept > KEPT_LAYOUTS) {
      *link = e->next;
      entry_free(e);
    } else {
      link = &e->next;
    }
  }
}

const DmSpectrumLayout *dm_spectrum_layout_acquire(int nx, int ny, double pixel_rad,
                                                   const double *edges, int n_bins,
                                                   DmError **error) {
  pthread_mutex_lock(&cache_lock);
  Entry *found = NULL;
  for (Entry **link = &cache; *link; link = &(*link)->next)
    if (entry_matches(*link, nx, ny, pixel_rad, edges, n_bins)) {
      found = *link;
      *link = found->next; /* moved to the front below */
      break;
    }
  if (!found) found = entry_new(nx, ny, pixel_rad, edges, n_bins);
  if (found) {
    found->holders++;
    found->next = cache;
    cache = found;
    trim_locked();
  }
  pthread_mutex_unlock(&cache_lock);
  if (!found)
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                 "Out of memory for the mode layout of a %d × %d power spectrum.", nx, ny);
  return found ? &found->layout : NULL;
}

void dm_spectrum_layout_release(const DmSpectrumLayout *layout) {
  if (!layout) return;
  Entry *e = (Entry *)((char *)layout - offsetof(Entry, layout));
  pthread_mutex_lock(&cache_lock);
  e->holders--;
  trim_locked();
  pthread_mutex_unlock(&cache_lock);
}
