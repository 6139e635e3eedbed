/* Initial conditions of the particle-mesh simulation: a Gaussian field with
 * the linear power spectrum and its 2LPT displacements (see
 * darkmap/particle-mesh.h).
 *
 * On the particles' lattice (n per side, box L): white noise w from the
 * Philox stream (seed, z plane), W = FFT(w) with E|W|² = n³, and the linear
 * density at a = 1 in Fourier space delta_k = W sqrt(P(k) / (V n³)), so that
 * an unnormalised inverse transform gives the field itself and
 * V |FFT(field)|² / n⁶ has expectation P(k).  Every displacement component
 * is one such inverse transform of a kernel times delta_k.
 *
 * Shapes: positions and momenta count × 3 (count = n³, particle i at the
 * lattice cell i in z, y, x order); fields n³ floats, modes n × n × (n/2 + 1). */
#include "darkmap/particle-mesh.h"

#include <stdlib.h>

#include "core/omp-shares.h"
#include "darkmap/memory-budget.h"
#include "darkmap/rng.h"
#include "sim/pm-private.h"

/* Buffers of the initial conditions: the lattice's mesh (a field, delta_k and
 * a scratch array) and two more fields. */
typedef struct {
  DmPmMesh mesh;
  float *second;   /* n³: a second Hessian component, then their sum */
  float *source;   /* n³: the 2LPT source S */
} Workspace;

double dm_pm_initial_bytes(int particles) {
  return dm_pm_mesh_bytes(particles) + 2.0 * (double)particles * particles * particles *
                                           sizeof(float);
}

/* White noise on the lattice, one Philox stream per z plane. */
static void draw_noise(float *field, int n, uint64_t seed) {
  size_t plane = (size_t)n * n;
  int threads = dm_omp_threads_for((size_t)n * plane, DM_PM_CELL_SHARE / 8);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int z = 0; z < n; z++) {
    DmRng rng;
    dm_rng_init(&rng, seed, (uint64_t)z);
    for (size_t i = 0; i < plane; i++) field[(size_t)z * plane + i] = (float)dm_rng_normal(&rng);
  }
}

typedef struct {
  dm_complex *modes;
  int n;
  const double *amplitude;   /* by integer |s|² */
} Colouring;

static void colour_row(const DmPmModeRow *row, void *data) {
  const Colouring *c = data;
  int half = c->n / 2;
  bool even = c->n % 2 == 0;
  for (int x = 0; x < half + 1; x++) {
    bool nyquist = even && (x == half || row->y == half || row->z == half);
    int m = x * x + row->sy * row->sy + row->sz * row->sz;
    c->modes[row->offset + x] *= nyquist ? 0.0f : (float)c->amplitude[m];
  }
}

/* modes ← modes × sqrt(P(k) / (V n³)), 0 at k = 0 and on the Nyquist planes.
 * P is tabulated once per integer |s|² of the signed indices s. */
static bool colour_modes(const DmCosmology *cosmology, dm_complex *modes, int n, double box,
                         DmError **error) {
  int half = n / 2, largest = 3 * half * half;
  double *k = malloc((size_t)(largest + 1) * sizeof *k);
  double *amplitude = malloc((size_t)(largest + 1) * sizeof *amplitude);
  bool ok = k && amplitude;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a power table.");
  double fundamental = 2.0 * M_PI / box;
  for (int m = 0; ok && m <= largest; m++) k[m] = fundamental * sqrt((double)m);
  ok = ok && dm_pm_linear_power(cosmology, k, amplitude, largest + 1, error);
  if (ok) {
    double volume_cells = box * box * box * (double)n * n * n;
    for (int m = 0; m <= largest; m++)
      amplitude[m] = m ? sqrt(amplitude[m] / volume_cells) : 0.0;
    Colouring colouring = {modes, n, amplitude};
    dm_pm_for_each_mode_row(n, colour_row, &colouring);
  }
  free(k);
  free(amplitude);
  return ok;
}

/* values[3 i + axis] = factor · field[i], or += when add. */
static void set_component(const float *field, size_t count, int axis, double factor, bool add,
                          float *values) {
  int threads = dm_omp_threads_for(count, DM_PM_PARTICLE_SHARE);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < count; i++) {
    float v = (float)factor * field[i];
    values[3 * i + axis] = add ? values[3 * i + axis] + v : v;
  }
}

/* field = inverse transform of the modes (mesh.scratch, destroyed). */
static void to_field(DmPmMesh *mesh, float *field) {
  dm_fft_execute(mesh->backward, mesh->scratch, field);
}

/* The 2LPT source S = sum over i < j of (phi,ii phi,jj − phi,ij²) into ws->source. */
static void second_order_source(Workspace *ws, size_t count) {
  DmPmMesh *mesh = &ws->mesh;
  float *first = mesh->real, *second = ws->second, *source = ws->source;
  int n = mesh->n;
  int threads = dm_omp_threads_for(count, DM_PM_CELL_SHARE);
  dm_pm_hessian_modes(mesh->modes, mesh->scratch, n, 0, 0);
  to_field(mesh, first);
  dm_pm_hessian_modes(mesh->modes, mesh->scratch, n, 1, 1);
  to_field(mesh, second);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < count; i++) {
    source[i] = first[i] * second[i];
    second[i] += first[i];
  }
  dm_pm_hessian_modes(mesh->modes, mesh->scratch, n, 2, 2);
  to_field(mesh, first);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < count; i++) source[i] += first[i] * second[i];
  static const int off_diagonal[3][2] = {{0, 1}, {0, 2}, {1, 2}};
  for (int c = 0; c < 3; c++) {
    dm_pm_hessian_modes(mesh->modes, mesh->scratch, n, off_diagonal[c][0], off_diagonal[c][1]);
    to_field(mesh, first);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < count; i++) source[i] -= first[i] * first[i];
  }
}

/* Adds the lattice points i box / n + offset to the displacements and wraps
 * them into [0, box). */
static void place_on_lattice(float *positions, int n, double box, double offset) {
  double spacing = box / n;
  float box_f = (float)box;
  int threads = dm_omp_threads_for((size_t)n * n * n, DM_PM_PARTICLE_SHARE);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int z = 0; z < n; z++)
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++) {
        float *p = positions + 3 * (((size_t)z * n + y) * n + x);
        int lattice[3] = {x, y, z};
        for (int d = 0; d < 3; d++) {
          double v = lattice[d] * spacing + offset + p[d];
          v -= box * floor(v / box);
          float f = (float)v;
          p[d] = f >= box_f ? 0.0f : f;
        }
      }
}

static bool initial_conditions(const DmPmRequest *request, Workspace *ws, float *positions,
                               float *momenta, DmError **error) {
  int n = request->particles;
  size_t count = (size_t)n * n * n;
  const DmCosmology *cosmology = &request->cosmology;
  DmPmMesh *mesh = &ws->mesh;
  draw_noise(mesh->real, n, request->seed);
  dm_fft_execute(mesh->forward, mesh->real, mesh->modes);
  if (!colour_modes(cosmology, mesh->modes, n, request->box, error)) return false;

  double a = request->a_start, e = dm_cosmology_efunc(cosmology, 1.0 / a - 1.0);
  double d1 = dm_pm_growth(cosmology, a), d2 = dm_pm_growth2(cosmology, a);
  double velocity = a * a * a * e;
  double v1 = velocity * dm_pm_growth_derivative(cosmology, a);
  double v2 = velocity * dm_pm_growth2_derivative(cosmology, a);
  /* Psi1 = i k delta / k² */
  for (int d = 0; d < 3; d++) {
    dm_pm_gradient_modes(mesh->modes, mesh->scratch, n, request->box, d, 1.0,
                         DM_PM_GRADIENT_SPECTRAL);
    to_field(mesh, mesh->real);
    set_component(mesh->real, count, d, d1, false, positions);
    set_component(mesh->real, count, d, v1, false, momenta);
  }
  /* Psi2 = −i k S / k², S's transform unnormalised */
  second_order_source(ws, count);
  dm_fft_execute(mesh->forward, ws->source, mesh->modes);
  for (int d = 0; d < 3; d++) {
    dm_pm_gradient_modes(mesh->modes, mesh->scratch, n, request->box, d, -1.0 / (double)count,
                         DM_PM_GRADIENT_SPECTRAL);
    to_field(mesh, mesh->real);
    set_component(mesh->real, count, d, d2, true, positions);
    set_component(mesh->real, count, d, v2, true, momenta);
  }
  place_on_lattice(positions, n, request->box, 0.5 * request->box / request->mesh);
  return true;
}

bool dm_pm_initial_conditions(const DmPmRequest *request, float *positions, float *momenta,
                              DmError **error) {
  if (!positions || !momenta)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Initial conditions need arrays for positions and momenta.");
  if (!dm_pm_request_check(request, error)) return false;
  int n = request->particles;
  if (!dm_memory_check(error, dm_pm_initial_bytes(n), "Initial conditions of %d³ particles", n))
    return false;
  Workspace ws = {0};
  size_t count = (size_t)n * n * n;
  bool ok = dm_pm_mesh_init(&ws.mesh, n, request->box, error);
  if (ok) {
    ws.second = dm_fft_alloc(count * sizeof *ws.second);
    ws.source = dm_fft_alloc(count * sizeof *ws.source);
    if (!ws.second || !ws.source)
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                        "Out of memory for the initial conditions of %d³ particles.", n);
  }
  ok = ok && initial_conditions(request, &ws, positions, momenta, error);
  dm_fft_free(ws.second);
  dm_fft_free(ws.source);
  dm_pm_mesh_clear(&ws.mesh);
  return ok;
}
