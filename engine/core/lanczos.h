/* Lanczos-3 interpolation of a map plane (private to the engine): the
 * resampling of mosaic tiles onto the mosaic and of flat maps onto HEALPix
 * pixels. */
#ifndef DARKMAP_CORE_LANCZOS_H
#define DARKMAP_CORE_LANCZOS_H

/* The plane (nx × ny floats, row-major) at (x, y), pixel centres at
 * integers, by Lanczos-3 interpolation (sinc(u) sinc(u / 3) for |u| < 3 on
 * each axis): the taps beyond the plane's edge take its edge pixels, the
 * weights are normalised to 1. */
double dm_lanczos3(const float *plane, int nx, int ny, double x, double y);

#endif
