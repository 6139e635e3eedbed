/* Initial conditions of the particle-mesh simulation: the particles' measured
 * power spectrum at a_start is the linear one grown by D(a_start)², bin by
 * bin, to the scatter of the bin's modes; the 3-D transforms round-trip.
 *
 * The spectrum is measured on a mesh twice as fine as the particles'
 * lattice: on the lattice's own mesh, CIC aliasing adds some 4 % at half
 * its Nyquist frequency (6 seeds averaged: 1.037 against 0.997 on the finer
 * mesh at k = 0.1 h/Mpc). */
#include <stdlib.h>

#include "darkmap/fft.h"
#include "darkmap/particle-mesh.h"
#include "test-util.h"

#define PARTICLES 64
#define BINS 16   /* k up to half the lattice's Nyquist frequency */
#define MEASURE_MESH (2 * PARTICLES)

/* A 3-D R2C then C2R multiplies a field by n³ (fft.h). */
static void test_round_trip(void) {
  DmError *error = NULL;
  int nx = 8, ny = 6, nz = 4;
  size_t count = (size_t)nx * ny * nz;
  const DmFftPlan *forward = dm_fft_plan_3d(nx, ny, nz, DM_FFT_R2C, &error);
  const DmFftPlan *backward = dm_fft_plan_3d(nx, ny, nz, DM_FFT_C2R, &error);
  CHECK(forward && backward);
  float *field = dm_fft_alloc(count * sizeof *field), *back = dm_fft_alloc(count * sizeof *back);
  dm_complex *modes = dm_fft_alloc((size_t)(nx / 2 + 1) * ny * nz * sizeof *modes);
  double sum = 0.0;
  for (size_t i = 0; i < count; i++) {
    field[i] = (float)((i * 7919) % 23) - 11.0f;
    sum += field[i];
  }
  dm_fft_execute(forward, field, modes);
  CHECK_CLOSE(crealf(modes[0]), sum, 1e-4);
  CHECK_CLOSE(cimagf(modes[0]), 0.0, 1e-4);
  dm_fft_execute(backward, modes, back);
  double worst = 0.0;
  for (size_t i = 0; i < count; i++) worst = fmax(worst, fabs(back[i] / count - field[i]));
  CHECK(worst < 1e-5);
  CHECK_FAILS(dm_fft_plan_3d(8, 8, 8, DM_FFT_C2C_FORWARD, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  dm_fft_free(field);
  dm_fft_free(back);
  dm_fft_free(modes);
}

/* The mean linear power at a = 1 over each bin's modes, as dm_pm_power_spectrum bins them. */
static void expected_power(const DmCosmology *cosmology, double box, double *expected) {
  int n = PARTICLES, half = n / 2;
  double k_f = 2.0 * M_PI / box;
  int largest = 3 * half * half;
  double *k = malloc((size_t)(largest + 1) * sizeof *k);
  double *p = malloc((size_t)(largest + 1) * sizeof *p);
  for (int m = 0; m <= largest; m++) k[m] = k_f * sqrt(m);
  DmError *error = NULL;
  CHECK_OK(dm_pm_linear_power(cosmology, k, p, largest + 1, &error), error);
  double sum[BINS] = {0}, modes[BINS] = {0};
  for (int z = -half; z < half; z++)
    for (int y = -half; y < half; y++)
      for (int x = -half; x < half; x++) {
        int m = x * x + y * y + z * z, b = (int)floor(sqrt(m) - 0.5);
        if (m == 0 || b >= BINS) continue;
        sum[b] += p[m];
        modes[b] += 1.0;
      }
  for (int b = 0; b < BINS; b++) expected[b] = sum[b] / modes[b];
  free(k);
  free(p);
}

static void test_initial_power(void) {
  DmPmRequest request;
  dm_pm_request_init(&request);
  request.box = 1000.0;
  request.particles = request.mesh = PARTICLES;
  request.seed = 19;
  size_t count = (size_t)PARTICLES * PARTICLES * PARTICLES;
  float *positions = malloc(3 * count * sizeof *positions);
  float *momenta = malloc(3 * count * sizeof *momenta);
  DmError *error = NULL;
  CHECK_OK(dm_pm_initial_conditions(&request, positions, momenta, &error), error);
  for (size_t i = 0; i < 3 * count; i++)
    if (!(positions[i] >= 0.0f && positions[i] < (float)request.box)) {
      CHECK(positions[i] >= 0.0f && positions[i] < (float)request.box);
      break;
    }
  DmPmPowerBin bins[BINS];
  CHECK_OK(dm_pm_power_spectrum(positions, count, request.box, MEASURE_MESH, bins, BINS, &error),
           error);
  double expected[BINS];
  expected_power(&request.cosmology, request.box, expected);
  double growth = dm_growth_factor(&request.cosmology, 1.0 / request.a_start - 1.0);
  for (int b = 0; b < BINS; b++) {
    /* a bin's mean of |delta|² over m modes (m / 2 independent) scatters by sqrt(2 / m) */
    double ratio = bins[b].power / (expected[b] * growth * growth);
    double scatter = sqrt(2.0 / bins[b].modes);
    printf("k %.4f h/Mpc  modes %6.0f  measured / linear %.4f  (scatter %.4f)\n", bins[b].k,
           bins[b].modes, ratio, scatter);
    CHECK(fabs(ratio - 1.0) < 4.0 * scatter + 0.02);
  }
  free(positions);
  free(momenta);
}

int main(void) {
  test_round_trip();
  test_initial_power();
  return dm_test_result();
}
