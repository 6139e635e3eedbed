/* MMGAN samples through dm_reconstruct (reconstruct-private.h): the
 * generator of the model file (on the shear's grid, which
 * dm_reconstruct_check made sure of) in batches of samples
 * (darkmap/mmgan.h). */
#include <stdlib.h>

#include "darkmap/mmgan.h"
#include "reconstruct/reconstruct-private.h"

bool dm_reconstruct_mmgan(const DmBinnedShear *binned, const DmReconstructRequest *request,
                          const DmProgress *progress, DmReconstruction *result, DmError **error) {
  const DmMap *shear = binned->shear;
  int n = request->n_samples;
  DmNn *nn = dm_reconstruct_nn_new(request, progress, &result->stats, error);
  DmMmgan *m = nn ? dm_mmgan_load(nn, request->model_path, error) : NULL;
  int batch = 0;
  DmReconstructMemory memory;
  bool planned = m && dm_reconstruct_batch(request, shear->nx, shear->ny, dm_nn_is_gpu(nn),
                                           &batch, &memory, error);
  result->stats.batch = batch;
  float *samples = planned ? malloc((size_t)n * dm_map_plane_size(shear) * sizeof(float)) : NULL;
  bool ok = samples != NULL;
  if (planned && !samples) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  DmProgressSegment segment;
  dm_progress_segment_init_samples(&segment, progress, 0.0, 1.0, "MMGAN sampling", 0, n, n, true);
  ok = ok && dm_mmgan_sample(m, dm_map_plane(shear, 0), dm_map_plane(shear, 1),
                             binned->mask->data, n, batch, request->seed, samples,
                             &segment.progress, error);
  if (ok) {
    result->stats.peak_bytes = (double)dm_nn_memory_peak(nn);
    result->stats.bound_bytes = dm_reconstruct_memory_bound(&memory, batch);
  }
  DmPosterior *posterior =
      ok ? dm_mmgan_posterior_new(m, samples, n, shear->wcs, request->seed, error) : NULL;
  ok = posterior && dm_reconstruct_record_model(posterior->mean, request->model_path, error) &&
       (n < 2 || dm_reconstruct_calibrate(posterior, request, "mmgan", error));
  free(samples);
  dm_mmgan_free(m);
  dm_nn_free(nn);
  if (!ok) {
    dm_posterior_free(posterior);
    return false;
  }
  result->posterior = posterior;
  return true;
}
