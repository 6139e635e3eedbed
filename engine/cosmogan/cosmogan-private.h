/* What the CosmoGAN files share: the provenance keys of emulated maps. */
#ifndef DARKMAP_COSMOGAN_PRIVATE_H
#define DARKMAP_COSMOGAN_PRIVATE_H

#include "darkmap/cosmogan.h"

/* METHOD, MODEL and MODELSHA (when options->model_path is set), SEED,
 * NSAMPLES (n), ZDIM, GWIDTH, GPARAMS, TRANSFRM, TRANSFA, TRANSFC and
 * PIXSCALE into map's header, and a HISTORY line. */
bool dm_cosmogan_record_provenance(DmMap *map, const DmCosmogan *model, int n,
                                   const DmCosmoganCubeOptions *options, DmError **error);

#endif
