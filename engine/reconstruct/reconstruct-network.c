/* The network engine of a reconstruction (reconstruct-private.h): its
 * context on the requested device, the provenance of the weights file and
 * its calibration. */
#include <stdio.h>
#include <string.h>

#include "darkmap/model-info.h"
#include "darkmap/sha256.h"
#include "reconstruct/reconstruct-private.h"

DmNn *dm_reconstruct_nn_new(const DmReconstructRequest *request, const DmProgress *progress,
                            DmReconstructStats *stats, DmError **error) {
  DmNn *nn = dm_nn_new_by_name(request->device, request->threads, error);
  if (!nn) return NULL;
  dm_nn_set_cancel(nn, progress ? progress->cancel : NULL);
  snprintf(stats->device, sizeof stats->device, "%s", dm_nn_device_name(nn));
  return nn;
}

bool dm_reconstruct_record_model(DmMap *mean, const char *model_path, DmError **error) {
  char digest[65];
  return dm_sha256_file(model_path, digest, error) &&
         dm_map_set_string(mean, "MODEL", model_path, "network weights", error) &&
         dm_map_set_string(mean, "MODELSHA", digest, "SHA-256 of the network weights", error);
}

bool dm_reconstruct_calibrate(DmPosterior *posterior, const DmReconstructRequest *request,
                              const char *sampler, DmError **error) {
  if (!request->model_path || request->uncalibrated) return true;
  DmModelInfo info;
  if (!dm_model_info_read(request->model_path, &info, error)) return false;
  if (!info.calibration.present || strcmp(info.calibration.sampler, sampler) != 0) return true;
  return dm_posterior_calibrate(posterior, &info.calibration, error);
}
