/* The engine's version and build features. */
#ifndef DARKMAP_VERSION_H
#define DARKMAP_VERSION_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

const char *dm_version(void);

/* True when the engine was compiled with the CUDA paths. */
bool dm_built_with_cuda(void);

#ifdef __cplusplus
}
#endif

#endif
