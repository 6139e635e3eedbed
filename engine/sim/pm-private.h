/* The particle-mesh simulation's internal pieces (darkmap/particle-mesh.h):
 * growth factors and the FastPM step factors (pm-growth.c), and the mesh:
 * CIC painting and reading, the Fourier-space gradient and Hessian kernels
 * (pm-mesh.c). */
#ifndef DARKMAP_SIM_PM_PRIVATE_H
#define DARKMAP_SIM_PM_PRIVATE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "darkmap/cosmology.h"
#include "darkmap/error.h"
#include "darkmap/fft.h"

/* Work of at least a time slice on one core (core/omp-shares.h): particles
 * painted or read, and mesh cells or modes visited. */
#define DM_PM_PARTICLE_SHARE 200000
#define DM_PM_CELL_SHARE 500000

/* Growth of the linear density with the scale factor a, D1 = 1 at a = 1
 * (dm_growth_factor), and its derivative dD1/da. */
double dm_pm_growth(const DmCosmology *cosmology, double a);
double dm_pm_growth_derivative(const DmCosmology *cosmology, double a);

/* The second-order growth D2 = −3/7 D1² Omega_m(a)^(−1/143) and dD2/da. */
double dm_pm_growth2(const DmCosmology *cosmology, double a);
double dm_pm_growth2_derivative(const DmCosmology *cosmology, double a);

/* G_p(a) = a³ E(a) dD1/da: the momentum p = a² dx/dt of a linear
 * displacement D1 Psi is G_p Psi (H0 = 1). */
double dm_pm_momentum_growth(const DmCosmology *cosmology, double a);

/* Signed frequency index of bin i on an axis of n points: i, or i − n past the middle. */
static inline int dm_pm_signed_index(int i, int n) { return i < (n + 1) / 2 ? i : i - n; }

/* The CIC window along one axis at signed index s of n, sinc²(pi s / n). */
static inline double dm_pm_cic_window(int s, int n) {
  if (s == 0) return 1.0;
  double u = M_PI * s / n, sinc = sin(u) / u;
  return sinc * sinc;
}

/* The CIC cell of coordinate x in [0, box) on an axis of n cells of side
 * box / n (scale = n / box): the lower cell's index, the upper one's
 * (periodic), and the upper one's weight.  u >= 0 truncates to its floor
 * without floorf, a library call where the target has no SSE4.1. */
static inline void dm_pm_cic_cell(float x, float scale, int n, int *lower, int *upper,
                                  float *weight) {
  float u = x * scale;
  int i = (int)u;
  *weight = u - (float)i;
  if (i >= n) i -= n;  /* u rounded up to n */
  *lower = i;
  *upper = i + 1 == n ? 0 : i + 1;
}

/* An n³ mesh's buffers and plans: real n³ (z, y, x; x fastest) and two
 * complex n × n × (n/2 + 1) arrays, modes and scratch. */
typedef struct {
  int n;
  double box;                  /* [Mpc/h] */
  float *real;
  dm_complex *modes;
  dm_complex *scratch;
  const DmFftPlan *forward;    /* real → modes */
  const DmFftPlan *backward;   /* scratch → real, destroying scratch */
} DmPmMesh;

/* Bytes of a mesh of side n. */
double dm_pm_mesh_bytes(int n);

bool dm_pm_mesh_init(DmPmMesh *mesh, int n, double box, DmError **error);
void dm_pm_mesh_clear(DmPmMesh *mesh);

/* Complex modes of an n³ mesh: n × n × (n/2 + 1). */
static inline size_t dm_pm_mode_count(int n) { return (size_t)n * (size_t)n * (size_t)(n / 2 + 1); }

/* Bytes the initial conditions of particles³ particles allocate besides
 * the positions and momenta (pm-initial.c). */
double dm_pm_initial_bytes(int particles);

/* Paints count particles of unit weight by CIC into mesh->real (set to the
 * counts), then turns it into the density contrast (counts × n³ / count − 1)
 * and transforms it into mesh->modes. */
void dm_pm_mesh_density_modes(DmPmMesh *mesh, const float *positions, size_t count);

/* One row of an n³ mesh's modes (n × n rows of n/2 + 1): its z and y
 * indices, their signed frequency indices, and its first mode's offset. */
typedef struct {
  int z, y, sz, sy;
  size_t offset;
} DmPmModeRow;

typedef void (*DmPmModeRowFunc)(const DmPmModeRow *row, void *data);

/* Calls row_func on every row, the rows shared among OpenMP threads. */
void dm_pm_for_each_mode_row(int n, DmPmModeRowFunc row_func, void *data);

/* The kernels of dm_pm_gradient_modes, with u = k Δ along an axis (Δ = box / n):
 * - spectral: i k / k², the exact gradient of the Poisson solve (2LPT);
 * - deconvolved: the same divided by the CIC window's square W(k)² = prod
 *   over axes of sinc⁴(u / 2) where it is 1/2 or more, and by 1/2 beyond,
 *   for the force of a CIC-painted density read back by CIC: dividing it
 *   out everywhere (up to (pi/2)^12 in the mesh's corner) amplifies the
 *   aliases of a particle lattice coarser than the mesh into spurious
 *   forces (64³ particles on a 128³ mesh grew 1.3 to 1.7 times too fast),
 *   while without it a 64³ mesh's force is weak enough to lose 35 % of
 *   halofit's power at half its Nyquist frequency;
 * - finite difference (FastPM's, Feng et al. 2016): i (8 sin u − sin 2u) /
 *   (6 Δ) per axis over the 3-point Laplacian sum over axes of
 *   (2 sin(u / 2) / Δ)², no window divided out: the gradient vanishes at
 *   the mesh's Nyquist frequency, where a lattice of half the mesh's size
 *   paints its displacements' images. */
typedef enum {
  DM_PM_GRADIENT_SPECTRAL,
  DM_PM_GRADIENT_DECONVOLVED,
  DM_PM_GRADIENT_FINITE_DIFFERENCE
} DmPmGradient;

/* dst = scale · i k_axis / k² · src on an n³ grid of side box (k in h/Mpc),
 * k_axis and k² as the gradient kernel says, 0 at k = 0 and where the
 * axis' index is the Nyquist one. */
void dm_pm_gradient_modes(const dm_complex *src, dm_complex *dst, int n, double box, int axis,
                          double scale, DmPmGradient gradient);

/* dst = k_i k_j / k² · src, 0 at k = 0. */
void dm_pm_hessian_modes(const dm_complex *src, dm_complex *dst, int n, int axis_i, int axis_j);

/* values[3 p + d] += factor · (CIC reading of grids[d] at particle p), for
 * d = 0, 1, 2 and count particles. */
void dm_pm_read_add(const float *const grids[3], int n, double box, const float *positions,
                    size_t count, double factor, float *values);

#endif
