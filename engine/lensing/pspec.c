/* Binned angular power spectra of flat-sky maps (darkmap/pspec.h).
 *
 * The map (times its window) goes through one real-to-complex FFT; the half
 * plane it returns stands for the full plane: columns 0 and, for even nx, nx/2
 * are their own partners and count once, the others count twice (for k and
 * −k).  A mode at (k1, k2) cycles per pixel has ell = 2 pi |k| / pixel (rad)
 * and power |F|² Omega_pix / N_pix, divided by f_sky,2 = <w²> with a window.
 * Along a row ell grows with the column: the modes are summed in runs of
 * columns that fall in one bin, listed once per grid and bins
 * (lensing/pspec-layout.h). */
#include "darkmap/pspec.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/omp-shares.h"
#include "darkmap/atomic-file.h"
#include "darkmap/fft.h"
#include "darkmap/smooth.h"
#include "darkmap/theory.h"
#include "lensing/pspec-layout.h"

#define DM_PI 3.14159265358979323846

void dm_pspec_options_init(DmPspecOptions *options) {
  *options = (DmPspecOptions){
      .n_bins = 20,
      .scale = DM_BINS_LOG,
      .ell_min = 0.0,
      .ell_max = 0.0,
      .pixel_arcmin = 0.0,
      .mask = NULL,
      .apodise_sigma_pixels = 0.0,
  };
}

static DmPowerSpectrum *spectrum_new(int n_bins) {
  DmPowerSpectrum *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->n_bins = n_bins;
  size_t n = (size_t)n_bins;
  s->ell_lo = calloc(n, sizeof *s->ell_lo);
  s->ell_hi = calloc(n, sizeof *s->ell_hi);
  s->ell = calloc(n, sizeof *s->ell);
  s->cl = calloc(n, sizeof *s->cl);
  s->cl_error = calloc(n, sizeof *s->cl_error);
  s->n_modes = calloc(n, sizeof *s->n_modes);
  if (!s->ell_lo || !s->ell_hi || !s->ell || !s->cl || !s->cl_error || !s->n_modes) {
    dm_power_spectrum_free(s);
    return NULL;
  }
  return s;
}

void dm_power_spectrum_free(DmPowerSpectrum *spectrum) {
  if (!spectrum) return;
  free(spectrum->ell_lo);
  free(spectrum->ell_hi);
  free(spectrum->ell);
  free(spectrum->cl);
  free(spectrum->cl_error);
  free(spectrum->n_modes);
  free(spectrum);
}

/* edges: n_bins + 1 values from lo to hi, uniform or geometric; the last one
 * is hi exactly. */
static void make_edges(double *edges, int n_bins, DmBinScale scale, double lo, double hi) {
  for (int i = 0; i < n_bins; i++)
    edges[i] = scale == DM_BINS_LOG ? lo * pow(hi / lo, (double)i / n_bins)
                                    : lo + (double)i * (hi - lo) / n_bins;
  edges[0] = lo;
  edges[n_bins] = hi;
}

/* The power (|F|², times its multiplicity) of each run of half-plane rows
 * [y0, y1) of spectrum, added to its bin in power (n_bins). */
static void sum_runs(const DmSpectrumLayout *l, const dm_complex *spectrum, int y0, int y1,
                     double *power) {
  int nx = l->nx, hx = nx / 2 + 1, nyquist = nx % 2 == 0 ? nx / 2 : -1;
  for (int y = y0; y < y1; y++) {
    const dm_complex *row = spectrum + (size_t)y * (size_t)hx;
    int x = l->row_first[y];
    for (int32_t r = l->row_runs[y]; r < l->row_runs[y + 1]; r++) {
      int start = x, end = l->run_end[r];
      double acc[4] = {0.0, 0.0, 0.0, 0.0};
      for (; x + 4 <= end; x += 4)
        for (int k = 0; k < 4; k++)
          acc[k] += (double)crealf(row[x + k]) * crealf(row[x + k]) +
                    (double)cimagf(row[x + k]) * cimagf(row[x + k]);
      for (; x < end; x++)
        acc[0] += (double)crealf(row[x]) * crealf(row[x]) + (double)cimagf(row[x]) * cimagf(row[x]);
      /* every column counts twice but column 0 and the Nyquist column */
      double sum = 2.0 * ((acc[0] + acc[1]) + (acc[2] + acc[3]));
      if (start == 0)
        sum -= (double)crealf(row[0]) * crealf(row[0]) + (double)cimagf(row[0]) * cimagf(row[0]);
      if (start <= nyquist && nyquist < end)
        sum -= (double)crealf(row[nyquist]) * crealf(row[nyquist]) +
               (double)cimagf(row[nyquist]) * cimagf(row[nyquist]);
      power[l->run_bin[r]] += sum;
    }
  }
}

/* Modes of one thread's share: about 2 ms of summing (core/omp-shares.h). */
enum { SHARE_MODES = 1 << 21 };

/* The summed power of every bin into power (n_bins, zeroed): rows shared
 * between the threads, each thread's sums added in thread order. */
static bool add_bin_powers(const DmSpectrumLayout *l, const dm_complex *spectrum, double *power) {
  size_t modes = (size_t)l->ny * (size_t)(l->nx / 2 + 1), nb = (size_t)l->n_bins;
  int threads = dm_omp_threads_for(modes, SHARE_MODES);
  double *partial = calloc((size_t)threads * nb, sizeof *partial);
  if (!partial) return false;
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), team = omp_get_num_threads();
    sum_runs(l, spectrum, (int)((long)l->ny * t / team), (int)((long)l->ny * (t + 1) / team),
             partial + (size_t)t * nb);
  }
  for (int t = 0; t < threads; t++)
    for (size_t b = 0; b < nb; b++) power[b] += partial[(size_t)t * nb + b];
  free(partial);
  return true;
}

/* The window: the mask (plane 0), or for an apodised mask the mask times its
 * Gaussian-smoothed copy, so that the weight falls off smoothly inside the
 * observed region and stays zero outside it.  Returns a malloc'ed nx × ny
 * array, or NULL with error set. */
static float *make_window(const DmMap *mask, double sigma, DmError **error) {
  size_t n = dm_map_plane_size(mask);
  const float *m = dm_map_plane(mask, 0);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(m[i]) || m[i] < 0.0f) {
      dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                   "The mask holds %g at pixel (%zu, %zu); mask values must be finite and >= 0.",
                   (double)m[i], i % (size_t)mask->nx, i / (size_t)mask->nx);
      return NULL;
    }
  float *w = malloc(n * sizeof *w);
  if (!w) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d mask window.",
                 mask->nx, mask->ny);
    return NULL;
  }
  memcpy(w, m, n * sizeof *w);
  if (sigma > 0.0) {
    if (!dm_smooth_gaussian(w, mask->nx, mask->ny, sigma, error)) {
      free(w);
      return NULL;
    }
    for (size_t i = 0; i < n; i++) w[i] *= m[i];
  }
  return w;
}

/* Checks the options against the map and works out the pixel size. */
static bool check_options(const DmMap *map, int plane, const DmPspecOptions *o,
                          double *pixel_arcmin, DmError **error) {
  if (!map || plane < 0 || plane >= map->nplanes)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Power spectrum: plane %d does not exist (the map has %d).", plane,
                        map ? map->nplanes : 0);
  if (o->n_bins <= 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Power spectrum: the number of ell bins must be positive, got %d.",
                        o->n_bins);
  if (o->scale != DM_BINS_LINEAR && o->scale != DM_BINS_LOG)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Power spectrum: unknown bin scale %d.", (int)o->scale);
  if (!(o->ell_min >= 0.0) || !(o->ell_max >= 0.0) || !isfinite(o->ell_min) ||
      !isfinite(o->ell_max))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Power spectrum: ell limits must be finite and >= 0 (0 = automatic), "
                        "got %g to %g.",
                        o->ell_min, o->ell_max);
  if (!(o->apodise_sigma_pixels >= 0.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Power spectrum: the apodisation sigma must be >= 0 pixels, got %g.",
                        o->apodise_sigma_pixels);
  if (o->mask && (o->mask->nx != map->nx || o->mask->ny != map->ny))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Power spectrum: the mask is %d × %d but the map is %d × %d.",
                        o->mask->nx, o->mask->ny, map->nx, map->ny);
  if (o->pixel_arcmin > 0.0 && isfinite(o->pixel_arcmin)) {
    *pixel_arcmin = o->pixel_arcmin;
    return true;
  }
  if (o->pixel_arcmin != 0.0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Power spectrum: the pixel size must be positive, got %g arcmin.",
                        o->pixel_arcmin);
  if (!map->wcs)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Power spectrum: the map has no WCS, so its pixel size is unknown; "
                        "give the pixel size in arcmin.");
  *pixel_arcmin = dm_wcs_pixel_scale_deg(map->wcs) * 60.0;
  if (!(*pixel_arcmin > 0.0) || !isfinite(*pixel_arcmin))
    return dm_error_set(error, DM_ERROR_WCS, 0,
                        "Power spectrum: the map's WCS gives no usable pixel size (%g arcmin); "
                        "give the pixel size in arcmin.",
                        *pixel_arcmin);
  return true;
}

DmPowerSpectrum *dm_power_spectrum(const DmMap *map, int plane, const DmPspecOptions *options,
                                   DmError **error) {
  DmPspecOptions defaults;
  if (!options) {
    dm_pspec_options_init(&defaults);
    options = &defaults;
  }
  double pixel_arcmin = 0.0;
  if (!check_options(map, plane, options, &pixel_arcmin, error)) return NULL;

  int nx = map->nx, ny = map->ny, n_bins = options->n_bins;
  int hx = nx / 2 + 1; /* columns of the half plane */
  size_t n_pix = (size_t)nx * (size_t)ny;
  double pixel_rad = pixel_arcmin / 60.0 * DM_PI / 180.0;
  double omega_pix = pixel_rad * pixel_rad;

  double lo = options->ell_min, hi = options->ell_max;
  if (lo == 0.0 && options->scale == DM_BINS_LOG)
    lo = dm_spectrum_mode_ell(1.0 / (nx > ny ? nx : ny), 0.0, pixel_rad);
  if (hi == 0.0) hi = dm_spectrum_mode_ell(0.5, 0.0, pixel_rad);
  if (!(hi > lo)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Power spectrum: the ell range %g to %g is empty.", lo, hi);
    return NULL;
  }

  DmPowerSpectrum *s = spectrum_new(n_bins);
  double *edges = malloc((size_t)(n_bins + 1) * sizeof *edges);
  const DmSpectrumLayout *layout = NULL;
  float *window = NULL;
  float *real = NULL;                                                       /* ny × nx */
  dm_complex *spectrum = dm_fft_alloc((size_t)ny * (size_t)hx * sizeof *spectrum); /* ny × hx */
  if (!s || !edges || !spectrum) goto out_of_memory;
  const DmFftPlan *fft = dm_fft_plan(nx, ny, DM_FFT_R2C, error);
  if (!fft) goto fail;

  /* The FFT reads the map in place (a real-to-complex transform leaves its
   * input as it was) unless a window applies or the plane is not aligned. */
  const float *data = dm_map_plane(map, plane);
  double fsky = 1.0;
  if (options->mask || !dm_fft_is_aligned(data)) {
    if (!(real = dm_fft_alloc(n_pix * sizeof *real))) goto out_of_memory;
  }
  if (options->mask) {
    window = make_window(options->mask, options->apodise_sigma_pixels, error);
    if (!window) goto fail;
    double sum_w2 = 0.0;
    for (size_t i = 0; i < n_pix; i++) {
      sum_w2 += (double)window[i] * window[i];
      real[i] = data[i] * window[i];
    }
    fsky = sum_w2 / (double)n_pix;
    if (!(fsky > 0.0)) {
      dm_error_set(error, DM_ERROR_NO_DATA, 0, "Power spectrum: the mask excludes every pixel.");
      goto fail;
    }
  } else if (real) {
    memcpy(real, data, n_pix * sizeof *real);
  }
  dm_fft_execute(fft, real ? real : (float *)data, spectrum);

  make_edges(edges, n_bins, options->scale, lo, hi);
  layout = dm_spectrum_layout_acquire(nx, ny, pixel_rad, edges, n_bins, error);
  if (!layout) goto fail;
  double *sum_power = s->cl; /* accumulated in place, normalised below */
  if (!add_bin_powers(layout, spectrum, sum_power)) goto out_of_memory;

  double norm = omega_pix / (double)n_pix / fsky;
  for (int b = 0; b < n_bins; b++) {
    s->ell_lo[b] = edges[b];
    s->ell_hi[b] = edges[b + 1];
    long count = s->n_modes[b] = layout->n_modes[b];
    if (count > 0) {
      s->ell[b] = layout->sum_ell[b] / (double)count;
      s->cl[b] = sum_power[b] / (double)count * norm;
      s->cl_error[b] = s->cl[b] * sqrt(2.0 / (double)count);
    } else {
      s->ell[b] = s->cl[b] = s->cl_error[b] = NAN;
    }
  }
  s->fsky = fsky;
  s->pixel_arcmin = pixel_arcmin;

  free(edges);
  dm_spectrum_layout_release(layout);
  free(window);
  dm_fft_free(real);
  dm_fft_free(spectrum);
  return s;

out_of_memory:
  dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
               "Out of memory for the power spectrum of a %d × %d map.", nx, ny);
fail:
  dm_power_spectrum_free(s);
  free(edges);
  dm_spectrum_layout_release(layout);
  free(window);
  dm_fft_free(real);
  dm_fft_free(spectrum);
  return NULL;
}

/* Writes the table to an open stream; false when a write failed.  The column
 * names come first (so that NumPy's genfromtxt(names=True), pandas and
 * dm_csv_read all find them), then '#' lines describing them, then one row
 * per bin. */
static bool write_table(FILE *f, const DmPowerSpectrum *s, const DmTheorySpectrum *theory) {
  fprintf(f, "ell_lo,ell_hi,ell,cl,cl_error,n_modes%s\n", theory ? ",cl_theory" : "");
  fprintf(f, "# Angular power spectrum, flat sky: C_ell = <|FFT|^2> Omega_pix / N_pix / fsky\n");
  fprintf(f, "# pixel_arcmin = %.10g, fsky = %.10g\n", s->pixel_arcmin, s->fsky);
  fprintf(f, "# ell_lo, ell_hi: bin edges; ell: mean ell of the bin's Fourier modes; "
             "cl: C_ell (per sr); cl_error: Gaussian sample variance, cl sqrt(2 / n_modes); "
             "n_modes: Fourier modes of the full plane in the bin%s\n",
          theory ? "; cl_theory: the theory C_ell at the bin's mean ell" : "");
  if (theory) fprintf(f, "# theory column: %s\n", theory->column ? theory->column : "");
  for (int b = 0; b < s->n_bins; b++) {
    fprintf(f, "%.10g,%.10g,%.10g,%.10g,%.10g,%ld", s->ell_lo[b], s->ell_hi[b], s->ell[b],
            s->cl[b], s->cl_error[b], s->n_modes[b]);
    if (theory)
      fprintf(f, ",%.10g", isfinite(s->ell[b]) ? dm_theory_eval(theory, s->ell[b]) : NAN);
    fputc('\n', f);
  }
  return !ferror(f);
}

/* write_table for dm_atomic_write_text. */
typedef struct {
  const DmPowerSpectrum *spectrum;
  const DmTheorySpectrum *theory;
} TableData;

static bool write_table_data(FILE *f, void *data) {
  const TableData *t = data;
  return write_table(f, t->spectrum, t->theory);
}

bool dm_power_spectrum_write_csv(const DmPowerSpectrum *spectrum,
                                 const struct DmTheorySpectrum *theory, const char *path,
                                 DmError **error) {
  if (!spectrum || !path)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Writing a power spectrum needs a spectrum and a path.");
  TableData table = {spectrum, theory};
  return dm_atomic_write_text(path, "the power spectrum", write_table_data, &table, error);
}
