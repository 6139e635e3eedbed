/* Linear growth of the particle-mesh integrator: in a 2000 Mpc/h box run
 * from a = 0.1 to 1 in 10 steps, the measured power of the largest scales
 * grows as (D(1) / D(0.1))², the same modes' ratio cancelling cosmic
 * variance; the mean displacement from the lattice stays 0. */
#include <stdlib.h>
#include <string.h>

#include "darkmap/particle-mesh.h"
#include "test-util.h"

#define SIDE 64
#define BINS 3
#define TOLERANCE 0.01  /* measured 1.0009, 0.9979, 0.9983 of the expected growth */

typedef struct {
  float *positions;  /* SIDE³ × 3, the last snapshot's */
  int calls;
} Last;

static bool keep_last(const DmPmSnapshot *snapshot, void *user_data, DmError **error) {
  Last *last = user_data;
  memcpy(last->positions, snapshot->positions, 3 * snapshot->count * sizeof *last->positions);
  last->calls++;
  return true;
}

/* Mean of each displacement component from the lattice's cell centres (periodic). */
static void mean_displacement(const float *positions, double box, double mean[3]) {
  double spacing = box / SIDE;
  mean[0] = mean[1] = mean[2] = 0.0;
  size_t i = 0;
  for (int z = 0; z < SIDE; z++)
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++, i++) {
        int lattice[3] = {x, y, z};
        for (int d = 0; d < 3; d++) {
          double shift = positions[3 * i + d] - (lattice[d] + 0.5) * spacing;
          mean[d] += shift - box * round(shift / box);
        }
      }
  for (int d = 0; d < 3; d++) mean[d] /= (double)i;
}

int main(void) {
  DmPmRequest request;
  dm_pm_request_init(&request);
  request.box = 2000.0;
  request.mesh = request.particles = SIDE;
  request.steps = 10;
  request.seed = 7;
  size_t count = (size_t)SIDE * SIDE * SIDE;
  float *initial = malloc(3 * count * sizeof *initial);
  float *momenta = malloc(3 * count * sizeof *momenta);
  Last last = {malloc(3 * count * sizeof *last.positions), 0};
  DmError *error = NULL;
  CHECK_OK(dm_pm_initial_conditions(&request, initial, momenta, &error), error);
  double a_end = 1.0;
  CHECK_OK(dm_pm_run(&request, &a_end, 1, keep_last, &last, NULL, &error), error);
  CHECK(last.calls == 1);

  DmPmPowerBin before[BINS], after[BINS];
  CHECK_OK(dm_pm_power_spectrum(initial, count, request.box, SIDE, before, BINS, &error), error);
  CHECK_OK(dm_pm_power_spectrum(last.positions, count, request.box, SIDE, after, BINS, &error),
           error);
  double growth = 1.0 / dm_growth_factor(&request.cosmology, 1.0 / request.a_start - 1.0);
  for (int b = 0; b < BINS; b++) {
    double ratio = after[b].power / before[b].power / (growth * growth);
    printf("k %.4f h/Mpc: P(1) / P(0.1) / (D(1) / D(0.1))² = %.4f\n", after[b].k, ratio);
    CHECK_CLOSE(ratio, 1.0, TOLERANCE);
  }
  double mean[3];
  mean_displacement(last.positions, request.box, mean);
  printf("mean displacement at a = 1: %.3g %.3g %.3g Mpc/h\n", mean[0], mean[1], mean[2]);
  for (int d = 0; d < 3; d++) CHECK(fabs(mean[d]) < 1e-3 * request.box / SIDE);
  free(initial);
  free(momenta);
  free(last.positions);
  return dm_test_result();
}
