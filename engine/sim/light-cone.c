/* Lens planes, box transforms and the Born projection (darkmap/light-cone.h). */
#include "darkmap/light-cone.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/rng.h"

/* The redshift at comoving distance chi [Mpc] (bisection to 1e-12 in z). */
static double redshift_at(const DmCosmology *cosmology, double chi) {
  double lo = 0.0, hi = 1.0;
  while (dm_comoving_distance(cosmology, hi) < chi && hi < 1e4) hi *= 2.0;
  while (hi - lo > 1e-12 * (1.0 + hi)) {
    double mid = 0.5 * (lo + hi);
    if (dm_comoving_distance(cosmology, mid) < chi) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

DmLensPlane *dm_lens_planes_new(const DmCosmology *cosmology,
                                const DmLensingEfficiency *efficiency, double max_thickness,
                                int *n_planes, DmError **error) {
  *n_planes = 0;
  if (!dm_cosmology_check(cosmology, error)) return NULL;
  double h = cosmology->h0 / 100.0, chi_max = dm_lensing_efficiency_chi_max(efficiency) * h;
  double count = ceil(chi_max / max_thickness);
  if (!(max_thickness > 0.0 && isfinite(max_thickness))) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Lens planes need a thickness > 0, not %g Mpc/h.", max_thickness);
    return NULL;
  }
  if (count > 100000) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "%.0f lens planes of %g Mpc/h to reach %g Mpc/h are too many.", count,
                 max_thickness, chi_max);
    return NULL;
  }
  int n = count > 1 ? (int)count : 1;
  DmLensPlane *planes = calloc((size_t)n, sizeof *planes);
  if (!planes) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %d lens planes.", n);
    return NULL;
  }
  double thickness = chi_max / n, hubble_over_c = 100.0 / DM_SPEED_OF_LIGHT_KMS;
  for (int i = 0; i < n; i++) {
    DmLensPlane *p = &planes[i];
    p->chi_near = i * thickness;
    p->chi_far = (i + 1) * thickness;
    p->chi = (i + 0.5) * thickness;
    p->z = redshift_at(cosmology, p->chi / h);
    p->a = 1.0 / (1.0 + p->z);
    p->kernel = 1.5 * cosmology->omega_m * hubble_over_c * hubble_over_c * p->chi / p->a *
                thickness;
    p->weight = p->kernel * dm_lensing_efficiency_at(efficiency, p->chi / h);
  }
  *n_planes = n;
  return planes;
}

void dm_box_transform_draw(double box, uint64_t seed, uint32_t map, uint32_t plane,
                           DmBoxTransform *transform) {
  static const int permutations[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                         {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  DmRng rng;
  dm_rng_init(&rng, seed, ((uint64_t)map << 32) | plane);
  int which = (int)(dm_rng_uniform(&rng) * 6.0);
  uint32_t flips = dm_rng_u32(&rng);
  for (int i = 0; i < 3; i++) {
    transform->axes[i] = permutations[which][i];
    transform->flip[i] = (flips >> i) & 1u;
    transform->shift[i] = dm_rng_uniform(&rng) * box;
    if (transform->shift[i] >= box) transform->shift[i] = 0.0;
  }
}

void dm_box_transform_apply(const DmBoxTransform *transform, double box, const float in[3],
                            double out[3]) {
  for (int i = 0; i < 3; i++) {
    double v = in[transform->axes[i]];
    if (transform->flip[i]) v = box - v;
    v += transform->shift[i];
    while (v >= box) v -= box;
    while (v < 0.0) v += box;
    out[i] = v;
  }
}

void dm_lens_plane_density(const DmLensPlane *plane, const DmBoxTransform *transform,
                           const float *positions, size_t count, double box, int nx, int ny,
                           double pixel_arcmin, double *delta) {
  size_t npix = (size_t)nx * (size_t)ny;
  memset(delta, 0, npix * sizeof *delta);
  double thickness = plane->chi_far - plane->chi_near;
  /* pixel side at the plane [Mpc/h]; the field's half widths */
  double side = plane->chi * pixel_arcmin * M_PI / (180.0 * 60.0);
  double half_x = 0.5 * nx * side, half_y = 0.5 * ny * side;
  for (size_t i = 0; i < count; i++) {
    double p[3];
    dm_box_transform_apply(transform, box, positions + 3 * i, p);
    if (p[2] >= thickness) continue;
    double x = p[0] - 0.5 * box, y = p[1] - 0.5 * box;
    /* the periodic images of (x, y) inside the field */
    for (double ix = x - box * floor((x + half_x) / box); ix < half_x; ix += box)
      for (double iy = y - box * floor((y + half_y) / box); iy < half_y; iy += box) {
        int px = (int)floor((ix + half_x) / side), py = (int)floor((iy + half_y) / side);
        if (px >= 0 && px < nx && py >= 0 && py < ny) delta[(size_t)py * nx + px] += 1.0;
      }
  }
  double mean = (double)count / (box * box * box) * side * side * thickness;
  for (size_t k = 0; k < npix; k++) delta[k] = delta[k] / mean - 1.0;
}

void dm_lens_plane_add_born(const DmLensPlane *plane, const DmBoxTransform *transform,
                            const float *positions, size_t count, double box, int nx, int ny,
                            double pixel_arcmin, double *delta, double *kappa) {
  dm_lens_plane_density(plane, transform, positions, count, box, nx, ny, pixel_arcmin, delta);
  size_t npix = (size_t)nx * (size_t)ny;
  for (size_t k = 0; k < npix; k++) kappa[k] += plane->weight * delta[k];
}
