/* The Wiener filter and its constrained realisations through dm_reconstruct
 * (reconstruct-private.h): the filter is the posterior mean, sample k is
 * dm_wiener_sample(seed, k).  Progress: the filter, then each sample, as
 * equal parts of the call. */
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/wiener.h"
#include "reconstruct/reconstruct-private.h"

/* Provenance on the mean map. */
static bool describe(DmMap *mean, const DmReconstructRequest *r, const DmReconstructStats *stats,
                     DmError **error) {
  return dm_map_set_string(mean, "METHOD", "WIENER", "Wiener filter (PCG)", error) &&
         (!r->theory_path ||
          dm_map_set_string(mean, "PRIOR", r->theory_path, "prior C_ell table", error)) &&
         dm_map_set_double(mean, "WFTOL", r->wiener.tolerance, "solver tolerance |r|/|b|",
                           error) &&
         dm_map_set_int(mean, "WFITER", stats->solver_iterations, "solver iterations (WF map)",
                        error) &&
         dm_map_set_double(mean, "WFRESID", stats->solver_residual, "final |r|/|b| (WF map)",
                           error) &&
         dm_map_set_int(mean, "NSAMPLES", r->n_samples, "constrained realisations", error) &&
         dm_map_set_int(mean, "SEED", (long)r->seed, "seed of the samples", error);
}

/* The problem of the shear's noise (or the request's constant noise std). */
static DmWiener *wiener_new(const DmBinnedShear *binned, const DmReconstructRequest *r,
                            DmError **error) {
  const DmMap *shear = binned->shear;
  size_t npix = dm_map_plane_size(shear);
  float *constant = NULL;
  if (r->noise_std > 0.0) {
    if (!(constant = malloc(npix * sizeof(float)))) {
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
      return NULL;
    }
    for (size_t i = 0; i < npix; i++) constant[i] = (float)r->noise_std;
  }
  const float *std1 = constant ? constant : dm_map_plane(binned->noise, 0);
  const float *std2 = constant ? constant : dm_map_plane(binned->noise, 1);
  double pixel_arcmin = dm_wcs_pixel_scale_deg(shear->wcs) * 60.0;
  DmWiener *wiener = dm_wiener_new(shear->nx, shear->ny, pixel_arcmin, r->theory, std1, std2,
                                   binned->mask->data, &r->wiener, error);
  free(constant);
  return wiener;
}

bool dm_reconstruct_wiener(const DmBinnedShear *binned, const DmReconstructRequest *request,
                           const DmProgress *progress, DmReconstruction *result,
                           DmError **error) {
  const DmMap *shear = binned->shear;
  int n = request->n_samples;
  DmReconstructStats *stats = &result->stats;
  snprintf(stats->device, sizeof stats->device, "cpu: FFTW");
  DmWiener *wiener = wiener_new(binned, request, error);
  if (!wiener) return false;
  const float *g1 = dm_map_plane(shear, 0), *g2 = dm_map_plane(shear, 1);
  DmMap *mean = dm_map_new(shear->nx, shear->ny, 1, shear->wcs, error);
  DmMap *samples = mean && n > 0 ? dm_map_new(shear->nx, shear->ny, n, shear->wcs, error) : NULL;
  DmProgressSegment segment;
  dm_progress_segment_init(&segment, progress, 0.0, 1.0 / (n + 1.0), "Wiener filter");
  DmWienerStats filter;
  bool ok = mean && (n == 0 || samples) && dm_map_copy_meta(mean, shear, error) &&
            dm_wiener_filter(wiener, g1, g2, mean->data, &filter, &segment.progress, error);
  if (ok) {
    stats->solver_iterations = filter.iterations;
    stats->solver_residual = filter.residual;
  }
  long sample_iterations = 0;
  for (int k = 0; ok && k < n; k++) {
    DmWienerStats sample;
    dm_progress_segment_init_samples(&segment, progress, (k + 1.0) / (n + 1.0),
                                     (k + 2.0) / (n + 1.0), "Wiener samples", k, 1, n, false);
    ok = dm_wiener_sample(wiener, g1, g2, request->seed, (uint64_t)k, dm_map_plane(samples, k),
                          &sample, &segment.progress, error);
    sample_iterations += ok ? sample.iterations : 0;
  }
  dm_wiener_free(wiener);
  if (ok && n > 0) stats->sample_iterations = (double)sample_iterations / n;
  ok = ok && describe(mean, request, stats, error);
  if (!ok) {
    dm_map_free(mean);
    dm_map_free(samples);
    return false;
  }
  result->posterior = dm_posterior_new(mean, samples, error);
  return result->posterior != NULL;
}
