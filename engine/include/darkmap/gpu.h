/* GPU paths (CUDA, cuFFT).
 *
 * Compiled in only when the CUDA toolkit was found at build time
 * (dm_built_with_cuda()).  Without it, dm_gpu_available() is false and every
 * other function fails with DM_ERROR_UNSUPPORTED.  CUDA runtime failures are
 * reported as DM_ERROR_GPU and cuFFT failures as DM_ERROR_FFT, with the
 * library's message, the failing call and its place in the source.
 *
 * The work runs on the CUDA device current in the thread that made the plan
 * (device 0 unless the caller chose another). */
#ifndef DARKMAP_GPU_H
#define DARKMAP_GPU_H

#include <stdbool.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* True when the engine was built with CUDA and at least one CUDA device is
 * usable (a driver is loaded and a device is present).  Never fails. */
bool dm_gpu_available(void);

/* Kaiser-Squires with cuFFT: the same transform as darkmap/ks.h.
 *
 * One complex FFT of (g1 + i g2), one multiply by conj(D) (shear -> kappa) or
 * D (kappa -> shear) with the 1/(nx ny) of the inverse transform folded in,
 * one inverse FFT.  k = 0 is set to 0 and the 2 k1 k2 term is zeroed on the
 * Nyquist row and column of an even axis, except at the self-conjugate
 * corner.  The kernel is computed on the fly inside the multiply. */
typedef struct DmGpuKsPlan DmGpuKsPlan;

/* A plan for ny × nx grids: the cuFFT plan, a CUDA stream and the device
 * buffers (16 bytes per pixel) are made once.  Not to be used by two threads
 * at once. */
DmGpuKsPlan *dm_gpu_ks_plan_new(int nx, int ny, DmError **error);
void dm_gpu_ks_plan_free(DmGpuKsPlan *plan);

/* Host arrays of nx * ny floats, row-major; returns when the results are in
 * the output arrays.  kappa_b may be NULL when not wanted. */
bool dm_gpu_ks_shear_to_kappa(DmGpuKsPlan *plan, const float *g1, const float *g2,
                              float *kappa_e, float *kappa_b, DmError **error);

/* kappa_b may be NULL (taken as zero). */
bool dm_gpu_ks_kappa_to_shear(DmGpuKsPlan *plan, const float *kappa_e, const float *kappa_b,
                              float *g1, float *g2, DmError **error);

#ifdef __cplusplus
}
#endif

#endif
