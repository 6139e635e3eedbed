/* Requests and the kick-drift-kick integrator of the particle-mesh
 * simulation (see darkmap/particle-mesh.h).
 *
 * Steps: boundaries a_start + i (a_last − a_start) / steps, each snapshot's
 * a put in (replacing a boundary closer than 1e-9 in a).  Momenta live at
 * the midpoints: the first kick takes p from a_0 to a_1/2, and the force at
 * each later boundary a_i kicks p from a_(i−1/2) to a_(i+1/2) at once; the
 * last boundary needs no force, the snapshots holding positions alone.  With
 * the force g = i k delta / k² (pm-mesh.c's gradient, spectral or by finite
 * differences) and f = 3/2 Omega_m g,
 * FastPM's kick f (G_p(a1) − G_p(a0)) / G_f(a) is g (G_p(a1) − G_p(a0)) / D1(a). */
#include "darkmap/particle-mesh.h"

#include <stdlib.h>

#include "core/omp-shares.h"
#include "darkmap/memory-budget.h"
#include "sim/pm-private.h"

#define SNAPSHOT_MATCH 1e-9

void dm_pm_request_init(DmPmRequest *request) {
  *request = (DmPmRequest){
      .box = 256.0, .mesh = 128, .particles = 128, .steps = 10, .a_start = 0.1, .seed = 1};
  dm_cosmology_init(&request->cosmology);
}

bool dm_pm_request_check(const DmPmRequest *request, DmError **error) {
  if (!request)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No simulation request was given.");
  if (!(request->box > 0.0 && isfinite(request->box)))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Box side %g Mpc/h is not a positive number.", request->box);
  if (request->mesh < DM_PM_MESH_MIN || request->mesh > DM_PM_MESH_MAX)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Mesh %d is out of range (%d to %d cells per side).", request->mesh,
                        DM_PM_MESH_MIN, DM_PM_MESH_MAX);
  if (request->particles < DM_PM_PARTICLES_MIN || request->particles > request->mesh)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%d particles per side are out of range (%d to the mesh's %d).",
                        request->particles, DM_PM_PARTICLES_MIN, request->mesh);
  if (request->steps < 1 || request->steps > DM_PM_STEPS_MAX)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%d steps are out of range (1 to %d).", request->steps,
                        DM_PM_STEPS_MAX);
  if (!(request->a_start > 0.0 && request->a_start < 1.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Initial scale factor %g is out of range (between 0 and 1).",
                        request->a_start);
  if (!dm_cosmology_check(&request->cosmology, error)) {
    dm_error_prefix(error, "Simulation cosmology");
    return false;
  }
  return true;
}

double dm_pm_memory_bytes(const DmPmRequest *request) {
  double n = request->particles;
  double particles = 6.0 * n * n * n * sizeof(float);
  double mesh = request->mesh, ic = dm_pm_initial_bytes(request->particles);
  double pm = dm_pm_mesh_bytes(request->mesh) + mesh * mesh * mesh * sizeof(float);
  return particles + (ic > pm ? ic : pm);
}

static bool check_snapshots(const DmPmRequest *request, const double *snapshot_a, int n,
                            DmPmSnapshotFunc snapshot_func, DmError **error) {
  if (n < 1 || !snapshot_a || !snapshot_func)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A simulation needs at least one snapshot and a function to take it.");
  for (int i = 0; i < n; i++) {
    double a = snapshot_a[i], previous = i ? snapshot_a[i - 1] : request->a_start;
    if (!(a > previous && a <= 1.0))
      return dm_error_set(
          error, DM_ERROR_INVALID_ARGUMENT, 0,
          i ? "Snapshot scale factor %g is out of order (after %g, up to 1)."
            : "Snapshot scale factor %g is out of range (after the initial %g, up to 1).",
          a, previous);
  }
  return true;
}

/* The step boundaries (malloc'ed, *count of them, the first a_start and
 * the last the last snapshot) and which of them are snapshots. */
static double *step_boundaries(const DmPmRequest *request, const double *snapshot_a, int n,
                               int *count, bool **is_snapshot) {
  int most = request->steps + n + 1;
  double *a = malloc((size_t)most * sizeof *a);
  *is_snapshot = malloc((size_t)most * sizeof **is_snapshot);
  if (!a || !*is_snapshot) {
    free(a);
    free(*is_snapshot);
    *is_snapshot = NULL;
    return NULL;
  }
  double first = request->a_start, last = snapshot_a[n - 1];
  int k = 0, s = 0;
  for (int i = 0; i <= request->steps; i++) {
    double uniform = i == request->steps
                         ? last
                         : first + (last - first) * (double)i / (double)request->steps;
    while (s < n && snapshot_a[s] < uniform - SNAPSHOT_MATCH) {
      a[k] = snapshot_a[s++];
      (*is_snapshot)[k++] = true;
    }
    bool match = s < n && snapshot_a[s] <= uniform + SNAPSHOT_MATCH;
    a[k] = match ? snapshot_a[s++] : uniform;
    (*is_snapshot)[k++] = match;
  }
  *count = k;
  return a;
}

/* x += factor p, wrapped into [0, box). */
static void drift(float *positions, const float *momenta, size_t count, double factor,
                  double box) {
  float box_f = (float)box;
  int threads = dm_omp_threads_for(count, DM_PM_PARTICLE_SHARE);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < 3 * count; i++) {
    double v = positions[i] + factor * momenta[i];
    if (v < 0.0 || v >= box) v -= box * floor(v / box);
    float f = (float)v;
    positions[i] = f >= box_f ? 0.0f : f;
  }
}

/* p += factor g, the force g of the particles' density.  Its components go
 * to mesh->real, extra (n³ floats) and, once the last is made from them,
 * mesh->modes, so that the particles are read once for all three. */
static void kick(DmPmMesh *mesh, DmPmGradient force, float *extra, const float *positions,
                 float *momenta, size_t count, double factor) {
  dm_pm_mesh_density_modes(mesh, positions, count);
  double scale = 1.0 / ((double)mesh->n * mesh->n * mesh->n);
  float *components[3] = {mesh->real, extra, (float *)mesh->modes};
  for (int d = 0; d < 3; d++) {
    dm_pm_gradient_modes(mesh->modes, mesh->scratch, mesh->n, mesh->box, d, scale, force);
    dm_fft_execute(mesh->backward, mesh->scratch, components[d]);
  }
  const float *const grids[3] = {components[0], components[1], components[2]};
  dm_pm_read_add(grids, mesh->n, mesh->box, positions, count, factor, momenta);
}

typedef struct {
  const DmPmRequest *request;
  double *a;                 /* step boundaries */
  bool *is_snapshot;
  int count;                 /* boundaries */
  float *positions, *momenta;
  size_t particles;
  DmPmMesh mesh;
  DmPmGradient force;        /* the force's kernel (see dm_pm_run) */
  float *extra;              /* mesh³: a force component */
} Run;

static bool integrate(Run *run, DmPmSnapshotFunc snapshot_func, void *user_data,
                      const DmProgress *progress, DmError **error) {
  const DmCosmology *cosmology = &run->request->cosmology;
  const double *a = run->a;
  int last = run->count - 1;
  double half = 0.5 * (a[0] + a[1]);
  kick(&run->mesh, run->force, run->extra, run->positions, run->momenta, run->particles,
       (dm_pm_momentum_growth(cosmology, half) - dm_pm_momentum_growth(cosmology, a[0])) /
           dm_pm_growth(cosmology, a[0]));
  for (int i = 0; i < last; i++) {
    if (!dm_progress_check_cancel(progress, error)) return false;
    double drift_factor = (dm_pm_growth(cosmology, a[i + 1]) - dm_pm_growth(cosmology, a[i])) /
                          dm_pm_momentum_growth(cosmology, half);
    drift(run->positions, run->momenta, run->particles, drift_factor, run->request->box);
    if (run->is_snapshot[i + 1]) {
      DmPmSnapshot snapshot = {a[i + 1], run->request->box, run->particles, run->positions};
      if (!snapshot_func(&snapshot, user_data, error))
        return dm_error_set(error, DM_ERROR_FAILED, 0,
                            "The simulation's snapshot at a = %g could not be taken.", a[i + 1]);
    }
    if (i + 1 < last) {
      double next_half = 0.5 * (a[i + 1] + a[i + 2]);
      kick(&run->mesh, run->force, run->extra, run->positions, run->momenta, run->particles,
           (dm_pm_momentum_growth(cosmology, next_half) -
            dm_pm_momentum_growth(cosmology, half)) /
               dm_pm_growth(cosmology, a[i + 1]));
      half = next_half;
    }
    dm_progress_report(progress, (double)(i + 1) / last, "Particle-mesh steps");
  }
  return true;
}

bool dm_pm_run(const DmPmRequest *request, const double *snapshot_a, int n_snapshots,
               DmPmSnapshotFunc snapshot_func, void *user_data, const DmProgress *progress,
               DmError **error) {
  if (!dm_pm_request_check(request, error) ||
      !check_snapshots(request, snapshot_a, n_snapshots, snapshot_func, error))
    return false;
  int n = request->particles;
  if (!dm_memory_check(error, dm_pm_memory_bytes(request),
                       "A particle-mesh simulation of %d³ particles on a %d³ mesh", n,
                       request->mesh))
    return false;
  /* The CIC-deconvolved spectral force keeps a lattice of the mesh's size
   * closest to halofit; on a finer mesh, it turns the lattice's images near
   * the mesh's Nyquist frequency into large-scale forces, which the finite
   * differences, vanishing there, do not (particle-mesh.h's measures). */
  Run run = {.request = request,
             .particles = (size_t)n * n * n,
             .force = n == request->mesh ? DM_PM_GRADIENT_DECONVOLVED
                                         : DM_PM_GRADIENT_FINITE_DIFFERENCE};
  run.a = step_boundaries(request, snapshot_a, n_snapshots, &run.count, &run.is_snapshot);
  run.positions = malloc(3 * run.particles * sizeof *run.positions);
  run.momenta = malloc(3 * run.particles * sizeof *run.momenta);
  bool ok = run.a && run.positions && run.momenta;
  if (!ok)
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %d³ particles.", n);
  dm_progress_report(progress, 0.0, "Initial conditions");
  ok = ok && dm_pm_initial_conditions(request, run.positions, run.momenta, error);
  ok = ok && dm_progress_check_cancel(progress, error);
  ok = ok && dm_pm_mesh_init(&run.mesh, request->mesh, request->box, error);
  size_t cells = (size_t)request->mesh * request->mesh * request->mesh;
  if (ok && !(run.extra = dm_fft_alloc(cells * sizeof *run.extra)))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d³ mesh.",
                      request->mesh);
  ok = ok && integrate(&run, snapshot_func, user_data, progress, error);
  dm_pm_mesh_clear(&run.mesh);
  dm_fft_free(run.extra);
  free(run.positions);
  free(run.momenta);
  free(run.a);
  free(run.is_snapshot);
  return ok;
}
