/* Kaiser-Squires (1993): shear <-> convergence in Fourier space.
 *
 * With D(k) = ((k1² − k2²) + 2i k1 k2) / |k|² (k1 along columns):
 *   shear -> kappa:  kappa_E + i kappa_B = IFFT( conj(D) FFT(g1 + i g2) )
 *   kappa -> shear:  g1 + i g2           = IFFT( D FFT(kappa_E + i kappa_B) )
 * k = 0 is set to 0, and on the Nyquist row and column of an even axis the
 * 2 k1 k2 term is zeroed (self-conjugate corner kept) so that E and B modes
 * do not mix. */
#ifndef DARKMAP_KS_H
#define DARKMAP_KS_H

#include <stdbool.h>

#include "darkmap/error.h"
#include "darkmap/map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel D = a + i b for FFT mode (kx, ky) of an ny × nx grid (indices
 * in FFT order), with the k = 0 and Nyquist rules above; no normalisation. */
void dm_ks_kernel(int kx, int ky, int nx, int ny, double *a, double *b);

typedef struct DmKsPlan DmKsPlan;

/* A reusable plan for ny × nx grids (FFT plans from the cache, the kernel and
 * the work buffer made once).  Not to be used by two threads at once. */
DmKsPlan *dm_ks_plan_new(int nx, int ny, DmError **error);
void dm_ks_plan_free(DmKsPlan *plan);

/* Raw arrays of nx * ny floats, row-major.  kappa_b / g may be NULL where a
 * component is not wanted (kappa_b) or zero (kappa_b input). */
void dm_ks_plan_shear_to_kappa(DmKsPlan *plan, const float *g1, const float *g2,
                               float *kappa_e, float *kappa_b);
void dm_ks_plan_kappa_to_shear(DmKsPlan *plan, const float *kappa_e, const float *kappa_b,
                               float *g1, float *g2);

typedef struct {
  bool pad;                    /* zero-pad to twice the size before the FFT */
  double smooth_sigma_pixels;  /* Gaussian smoothing of the result; 0 = none */
} DmKsOptions;

/* Map-level: shear is a 2-plane map (g1, g2); results are new 1-plane maps
 * with the shear's WCS and metadata plus the cards METHOD = 'KS93', KSPAD,
 * KSSMOOTH (sigma in pixels) and BMODE (T on the B-mode map).  options may be
 * NULL (no padding, no smoothing); kappa_b may be NULL.  With pad, the map
 * sits in the corner of a zero grid of twice its size and the result is
 * cropped back; smoothing follows darkmap/smooth.h. */
bool dm_ks_shear_to_kappa(const DmMap *shear, const DmKsOptions *options,
                          DmMap **kappa_e, DmMap **kappa_b, DmError **error);

/* Plane 0 of kappa_e (and of kappa_b, which may be NULL: taken as zero);
 * shear is a new 2-plane map with kappa_e's WCS and metadata and
 * METHOD = 'KS93-FORWARD'. */
bool dm_ks_kappa_to_shear(const DmMap *kappa_e, const DmMap *kappa_b, DmMap **shear,
                          DmError **error);

#ifdef __cplusplus
}
#endif

#endif
