/* Gaussian smoothing of maps in real space (separable, truncated at 4 sigma,
 * edges mirrored half-sample symmetric: d c b a | a b c d, as SciPy's
 * ndimage.gaussian_filter with mode='reflect' does). */
#ifndef DARKMAP_SMOOTH_H
#define DARKMAP_SMOOTH_H

#include <stdbool.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Smooths an ny × nx float image in place.  sigma_pixels <= 0 does nothing. */
bool dm_smooth_gaussian(float *image, int nx, int ny, double sigma_pixels, DmError **error);

#ifdef __cplusplus
}
#endif

#endif
