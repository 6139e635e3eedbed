/* The engine's version, and the one place that knows whether CUDA was
 * compiled in (DM_WITH_CUDA comes from engine/gpu/meson.build). */
#include "darkmap/version.h"

const char *dm_version(void) { return DM_VERSION; }

bool dm_built_with_cuda(void) { return DM_WITH_CUDA != 0; }
