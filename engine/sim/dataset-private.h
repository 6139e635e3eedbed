/* The dataset generator's state, shared by its generator and file code
 * (private to the engine). */
#ifndef DARKMAP_SIM_DATASET_PRIVATE_H
#define DARKMAP_SIM_DATASET_PRIVATE_H

#include "darkmap/dataset.h"
#include "darkmap/lognormal.h"
#include "darkmap/mass-function.h"

struct DmDataset {
  DmDatasetConfig config;
  const DmMockSurvey *survey;       /* config's, or own_survey */
  DmMockSurvey *own_survey;         /* noiseless survey made when none is given */
  DmLognormalModel *lognormal;      /* lognormal fields only */
  DmMassFunction *mass_function;    /* with haloes only */
  int nx, ny;
  double pixel_arcmin;
  const DmWcs *wcs;                 /* the survey's (may be NULL) */
};

#endif
