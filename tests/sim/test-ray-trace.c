/* Multi-plane ray tracing (darkmap/ray-trace.h) through the lens planes of
 * the COSMOS n(z) to z = 5.46 in slabs of 500 Mpc/h, each holding a smooth
 * random density contrast:
 *   - the Born limit: with the contrasts scaled by eps, the ray-traced
 *     kappa / eps is the Born sum Σ w_k delta_k to a relative difference
 *     that shrinks as eps (second order): 1e-3 and 1e-4 apart by 10 ×;
 *   - at strength (delta's rms 0.5 on 2' pixels), the rays' deflections
 *     and the planes' coupling change kappa by a few per cent of its rms,
 *     and kappa stays correlated with Born's above 0.995. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/light-cone.h"
#include "darkmap/ray-trace.h"
#include "darkmap/rng.h"
#include "test-util.h"

enum { NX = 48, NY = 40, MARGIN = 12, SMOOTH = 3 };
static const double PIXEL_ARCMIN = 2.0;

/* White noise smoothed by SMOOTH passes of a 3-point average on each axis
 * (periodic), scaled to rms 1. */
static void smooth_field(DmRng *rng, int nx, int ny, double *field, double *scratch) {
  size_t n = (size_t)nx * ny;
  for (size_t k = 0; k < n; k++) field[k] = dm_rng_normal(rng);
  for (int pass = 0; pass < SMOOTH; pass++) {
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++)
        scratch[(size_t)y * nx + x] =
            (field[(size_t)y * nx + (x + nx - 1) % nx] + field[(size_t)y * nx + x] +
             field[(size_t)y * nx + (x + 1) % nx]) / 3.0;
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++)
        field[(size_t)y * nx + x] =
            (scratch[(size_t)((y + ny - 1) % ny) * nx + x] + scratch[(size_t)y * nx + x] +
             scratch[(size_t)((y + 1) % ny) * nx + x]) / 3.0;
  }
  double sum2 = 0.0;
  for (size_t k = 0; k < n; k++) sum2 += field[k] * field[k];
  double scale = 1.0 / sqrt(sum2 / (double)n);
  for (size_t k = 0; k < n; k++) field[k] *= scale;
}

/* Ray-traced and Born kappa for contrasts eps delta; *relative receives
 * rms(ray − Born) / rms(Born), *correlation their correlation. */
static void compare(const DmLensPlane *planes, int n_planes, const DmLensingEfficiency *efficiency,
                    double h, const double *delta, double eps, double *relative,
                    double *correlation) {
  int wx = NX + 2 * MARGIN, wy = NY + 2 * MARGIN;
  size_t plane_size = (size_t)wx * wy;
  float *scaled = malloc((size_t)n_planes * plane_size * sizeof *scaled);
  double *ray = malloc((size_t)NX * NY * sizeof *ray), *born = calloc((size_t)NX * NY, 8);
  for (size_t k = 0; k < (size_t)n_planes * plane_size; k++) scaled[k] = (float)(eps * delta[k]);
  for (int p = 0; p < n_planes; p++)
    for (int y = 0; y < NY; y++)
      for (int x = 0; x < NX; x++)
        born[(size_t)y * NX + x] += planes[p].weight * (double)scaled[p * plane_size +
                                                                      (size_t)(y + MARGIN) * wx +
                                                                      x + MARGIN];
  DmError *error = NULL;
  CHECK_OK(dm_ray_trace_kappa(planes, n_planes, efficiency, h, scaled, NX, NY, MARGIN,
                              PIXEL_ARCMIN, ray, &error),
           error);
  double sum_d2 = 0, sum_b2 = 0, sum_r2 = 0, sum_rb = 0, mean_r = 0, mean_b = 0;
  size_t n = (size_t)NX * NY;
  for (size_t k = 0; k < n; k++) mean_r += ray[k] / n, mean_b += born[k] / n;
  for (size_t k = 0; k < n; k++) {
    double r = ray[k] - mean_r, b = born[k] - mean_b;
    sum_d2 += (ray[k] - born[k]) * (ray[k] - born[k]);
    sum_b2 += b * b;
    sum_r2 += r * r;
    sum_rb += r * b;
  }
  *relative = sqrt(sum_d2 / sum_b2);
  *correlation = sum_rb / sqrt(sum_r2 * sum_b2);
  free(scaled);
  free(ray);
  free(born);
}

int main(void) {
  DmCosmology cosmology;
  dm_cosmology_init(&cosmology);
  DmError *error = NULL;
  DmRedshiftDistribution *nz =
      dm_redshift_distribution_read_csv(dm_test_app_data_path("cosmos/cosmos_nz.csv"), &error);
  CHECK_OK(nz, error);
  DmLensingEfficiency *efficiency = nz ? dm_lensing_efficiency_new(nz, &cosmology, &error) : NULL;
  CHECK_OK(efficiency, error);
  int n_planes = 0;
  DmLensPlane *planes =
      efficiency ? dm_lens_planes_new(&cosmology, efficiency, 500.0, &n_planes, &error) : NULL;
  CHECK_OK(planes, error);
  if (!planes) return dm_test_result();
  double h = cosmology.h0 / 100.0;
  int wx = NX + 2 * MARGIN, wy = NY + 2 * MARGIN;
  size_t plane_size = (size_t)wx * wy;
  double *delta = malloc((size_t)n_planes * plane_size * sizeof *delta);
  double *scratch = malloc(plane_size * sizeof *scratch);
  DmRng rng;
  dm_rng_init(&rng, 42, 0);
  for (int p = 0; p < n_planes; p++) smooth_field(&rng, wx, wy, delta + p * plane_size, scratch);

  double relative[2], correlation;
  const double eps[2] = {1e-3, 1e-4};
  for (int i = 0; i < 2; i++) {
    compare(planes, n_planes, efficiency, h, delta, eps[i], &relative[i], &correlation);
    printf("%d planes, contrasts scaled by %g: ray-traced against Born, rms difference %.3e of "
           "Born's\n",
           n_planes, eps[i], relative[i]);
  }
  CHECK(relative[0] < 1e-2 && relative[1] < 1e-3);
  CHECK(relative[0] / relative[1] > 8.0 && relative[0] / relative[1] < 12.0);

  compare(planes, n_planes, efficiency, h, delta, 0.5, &relative[0], &correlation);
  printf("contrasts of rms 0.5: rms difference %.3f of Born's, correlation %.4f\n",
         relative[0], correlation);
  CHECK(relative[0] > 1e-3 && relative[0] < 0.1 && correlation > 0.995);

  free(delta);
  free(scratch);
  free(planes);
  dm_lensing_efficiency_free(efficiency);
  dm_redshift_distribution_free(nz);
  return dm_test_result();
}
