/* The particle-mesh tests' lattice: where particle i started (particles
 * keep their lattice order, darkmap/particle-mesh.h) and how far it is from
 * there, periodically. */
#ifndef DARKMAP_TEST_PM_LATTICE_H
#define DARKMAP_TEST_PM_LATTICE_H

#include <math.h>
#include <stddef.h>

/* Lattice point of particle i along axis d (x fastest) of side³ particles in
 * a box of side box: its cell centre, as with particles = mesh. */
static inline double pm_test_lattice_point(size_t i, int d, int side, double box) {
  size_t index = d == 0 ? i % (size_t)side : d == 1 ? i / (size_t)side % (size_t)side
                                                      : i / ((size_t)side * (size_t)side);
  return ((double)index + 0.5) * box / side;
}

/* A shift along one axis of a periodic box wrapped into [−box/2, box/2]. */
static inline double pm_test_periodic(double shift, double box) {
  return shift - box * round(shift / box);
}

/* positions[3 i + d] minus its lattice point, wrapped into [−box/2, box/2]. */
static inline double pm_test_displacement(const float *positions, size_t i, int d, int side,
                                          double box) {
  return pm_test_periodic(positions[3 * i + d] - pm_test_lattice_point(i, d, side, box), box);
}

#endif
