/* Kaiser-Squires through dm_reconstruct (reconstruct-private.h): the E mode
 * as the posterior mean (no samples), the B mode beside it. */
#include <stdio.h>

#include "darkmap/ks.h"
#include "reconstruct/reconstruct-private.h"

bool dm_reconstruct_ks(const DmBinnedShear *binned, const DmReconstructRequest *request,
                       DmReconstruction *result, DmError **error) {
  DmMap *kappa_e = NULL;
  if (!dm_ks_shear_to_kappa(binned->shear, &request->ks, &kappa_e, &result->b_mode, error))
    return false;
  snprintf(result->stats.device, sizeof result->stats.device, "cpu: FFTW");
  result->posterior = dm_posterior_new(kappa_e, NULL, error);
  return result->posterior != NULL;
}
