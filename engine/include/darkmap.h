/* libdarkmap-engine: every public header at once. */
#ifndef DARKMAP_H
#define DARKMAP_H

#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/cosmology.h"
#include "darkmap/csv.h"
#include "darkmap/dataset.h"
#include "darkmap/error.h"
#include "darkmap/fft.h"
#include "darkmap/field-from-power.h"
#include "darkmap/fits-cube-writer.h"
#include "darkmap/fits.h"
#include "darkmap/gaussian-field.h"
#include "darkmap/gpu.h"
#include "darkmap/halo-population.h"
#include "darkmap/ks.h"
#include "darkmap/lognormal.h"
#include "darkmap/map.h"
#include "darkmap/mass-function.h"
#include "darkmap/mock-survey.h"
#include "darkmap/nfw.h"
#include "darkmap/posterior.h"
#include "darkmap/progress.h"
#include "darkmap/pspec.h"
#include "darkmap/rng.h"
#include "darkmap/smooth.h"
#include "darkmap/theory.h"
#include "darkmap/version.h"
#include "darkmap/wcs.h"
#include "darkmap/wiener.h"

#endif
