/* N-body convergence maps: one PM run projected through K light cones,
 * summed in the Born approximation or ray-traced (darkmap/nbody-sky.h). */
#include "darkmap/nbody-sky.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/omp-shares.h"
#include "darkmap/light-cone.h"
#include "darkmap/memory-budget.h"
#include "darkmap/ray-trace.h"

void dm_nbody_sky_request_init(DmNbodySkyRequest *request) {
  *request = (DmNbodySkyRequest){.n_maps = 1};
  dm_pm_request_init(&request->pm);
}

/* What the snapshot callback projects into: the Born sums, or for ray
 * tracing every plane's density on the widened grid. */
typedef struct {
  const DmNbodySkyRequest *request;
  const DmLensPlane *planes;
  int n_planes;
  int snapshots_seen;   /* snapshots come farthest plane first */
  int margin;           /* ray tracing's widening of the grid (0: Born) */
  double *kappa;        /* n_maps × ny × nx (Born) */
  double *scratch;      /* n_maps × the (widened) grid */
  float *densities;     /* ray tracing: n_maps × n_planes × the widened grid */
  const DmProgress *progress;
} Projection;

/* Ray tracing's widening of the grid on each side (nbody-sky.h). */
static int ray_margin(int nx, int ny) {
  int side = nx > ny ? nx : ny;
  return side / 8 > 16 ? side / 8 : 16;
}

static bool project_snapshot(const DmPmSnapshot *snapshot, void *user_data, DmError **error) {
  Projection *p = user_data;
  const DmNbodySkyRequest *r = p->request;
  int plane = p->n_planes - 1 - p->snapshots_seen++;
  if (plane < 0 || fabs(snapshot->a - p->planes[plane].a) > 1e-9)
    return dm_error_set(error, DM_ERROR_FAILED, 0,
                        "The simulation gave a snapshot at a = %g where the lens planes need "
                        "a = %g.",
                        snapshot->a, plane < 0 ? 1.0 : p->planes[plane].a);
  size_t npix = (size_t)r->nx * (size_t)r->ny;
  int wx = r->nx + 2 * p->margin, wy = r->ny + 2 * p->margin;
  size_t wide = (size_t)wx * (size_t)wy;
  int threads = dm_omp_threads_for((size_t)r->n_maps, 1);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int k = 0; k < r->n_maps; k++) {
    DmBoxTransform transform;
    dm_box_transform_draw(snapshot->box, r->seed, (uint32_t)k, (uint32_t)plane, &transform);
    double *scratch = p->scratch + k * wide;
    if (!r->ray_trace) {
      dm_lens_plane_add_born(&p->planes[plane], &transform, snapshot->positions,
                             snapshot->count, snapshot->box, r->nx, r->ny, r->pixel_arcmin,
                             scratch, p->kappa + k * npix);
      continue;
    }
    dm_lens_plane_density(&p->planes[plane], &transform, snapshot->positions, snapshot->count,
                          snapshot->box, wx, wy, r->pixel_arcmin, scratch);
    float *density = p->densities + ((size_t)k * p->n_planes + plane) * wide;
    for (size_t i = 0; i < wide; i++) density[i] = (float)scratch[i];
  }
  return dm_progress_check_cancel(p->progress, error);
}

static bool check_request(const DmNbodySkyRequest *r, DmError **error) {
  if (!dm_pm_request_check(&r->pm, error)) return false;
  if (!r->sources)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "N-body maps need the sources' redshift distribution.");
  if (r->n_maps < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "N-body maps: the number of maps must be at least 1, not %d.", r->n_maps);
  if (!(r->pixel_arcmin > 0.0 && isfinite(r->pixel_arcmin)))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "N-body maps need a pixel side > 0 arcmin, not %g.", r->pixel_arcmin);
  if (!(r->plane_thickness >= 0.0 && r->plane_thickness <= r->pm.box))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The lens planes' thickness must be in (0, box = %g] Mpc/h, not %g.",
                        r->pm.box, r->plane_thickness);
  return dm_map_check_size(r->nx, r->ny, r->n_maps, error) &&
         dm_memory_check(error, 2.0 * sizeof(double) * r->nx * r->ny * r->n_maps,
                         "%d N-body maps of %d × %d pixels", r->n_maps, r->nx, r->ny);
}

/* Ray tracing holds every plane's density until the end. */
static bool check_ray_memory(const DmNbodySkyRequest *r, int n_planes, DmError **error) {
  int margin = ray_margin(r->nx, r->ny);
  double wide = (double)(r->nx + 2 * margin) * (r->ny + 2 * margin);
  return dm_memory_check(error, wide * r->n_maps * (n_planes * sizeof(float) + sizeof(double)),
                         "Ray tracing %d N-body maps of %d × %d pixels through %d planes",
                         r->n_maps, r->nx, r->ny, n_planes);
}

/* Shot noise of the particles per sr: Σ w² / (nbar chi² dchi). */
static double shot_noise(const DmNbodySkyRequest *r, const DmLensPlane *planes, int n) {
  double nbar = pow(r->pm.particles / r->pm.box, 3.0), sum = 0.0;
  for (int i = 0; i < n; i++)
    sum += planes[i].weight * planes[i].weight /
           (nbar * planes[i].chi * planes[i].chi * (planes[i].chi_far - planes[i].chi_near));
  return sum;
}

static bool describe(DmMap *maps, const DmNbodySkyRequest *r, const DmLensPlane *planes, int n,
                     DmError **error) {
  const DmCosmology *c = &r->pm.cosmology;
  char seed[32], sky_seed[32];
  snprintf(seed, sizeof seed, "%" PRIu64, r->pm.seed);
  snprintf(sky_seed, sizeof sky_seed, "%" PRIu64, r->seed);
  const char *how = r->ray_trace ? "particle-mesh light cone, ray-traced"
                                 : "particle-mesh light cone, Born";
  return dm_map_set_string(maps, "FIELD", "nbody", how, error) &&
         dm_map_set_bool(maps, "RAYTRACE", r->ray_trace, "multi-plane ray tracing (F: Born)",
                         error) &&
         dm_map_set_double(maps, "BOX", r->pm.box, "simulation box side [Mpc/h]", error) &&
         dm_map_set_int(maps, "MESH", r->pm.mesh, "PM mesh cells per side", error) &&
         dm_map_set_int(maps, "NPART", r->pm.particles, "particles per side", error) &&
         dm_map_set_int(maps, "STEPS", r->pm.steps, "kick-drift-kick steps", error) &&
         dm_map_set_double(maps, "ASTART", r->pm.a_start, "initial scale factor (2LPT)",
                           error) &&
         dm_map_set_string(maps, "SEED", seed, "initial conditions' seed", error) &&
         dm_map_set_string(maps, "SKYSEED", sky_seed, "box transforms' seed", error) &&
         dm_map_set_int(maps, "NPLANES", n, "lens planes", error) &&
         dm_map_set_double(maps, "PLANEDCH", planes[0].chi_far - planes[0].chi_near,
                           "lens plane thickness [Mpc/h]", error) &&
         dm_map_set_double(maps, "ZMAX", dm_redshift_distribution_z_max(r->sources),
                           "last source redshift", error) &&
         dm_map_set_double(maps, "H0", c->h0, "Hubble constant [km/s/Mpc]", error) &&
         dm_map_set_double(maps, "OMEGAM", c->omega_m, "matter density", error) &&
         dm_map_set_double(maps, "OMEGAB", c->omega_b, "baryon density", error) &&
         dm_map_set_double(maps, "SIGMA8", c->sigma8, "linear sigma8", error) &&
         dm_map_set_double(maps, "NS", c->n_s, "spectral index", error) &&
         dm_map_set_double(maps, "SHOTNOIS", shot_noise(r, planes, n),
                           "particle shot noise C_ell [sr]", error);
}

/* The maps by ray tracing each through its planes' densities. */
static bool ray_trace_maps(const DmNbodySkyRequest *r, const Projection *p,
                           const DmLensingEfficiency *efficiency, DmError **error) {
  size_t npix = (size_t)r->nx * r->ny;
  size_t wide = (size_t)(r->nx + 2 * p->margin) * (r->ny + 2 * p->margin);
  double h = r->pm.cosmology.h0 / 100.0;
  for (int k = 0; k < r->n_maps; k++)
    if (!dm_ray_trace_kappa(p->planes, p->n_planes, efficiency, h,
                            p->densities + (size_t)k * p->n_planes * wide, r->nx, r->ny,
                            p->margin, r->pixel_arcmin, p->kappa + k * npix, error))
      return false;
  return true;
}

DmMap *dm_nbody_sky_run(const DmNbodySkyRequest *request, const DmProgress *progress,
                        DmError **error) {
  if (!check_request(request, error)) return NULL;
  const DmCosmology *c = &request->pm.cosmology;
  double thickness = request->plane_thickness > 0.0 ? request->plane_thickness : request->pm.box;
  int n_planes = 0;
  DmLensingEfficiency *efficiency = dm_lensing_efficiency_new(request->sources, c, error);
  DmLensPlane *planes =
      efficiency ? dm_lens_planes_new(c, efficiency, thickness, &n_planes, error) : NULL;
  bool ok = planes != NULL;
  if (ok && !(planes[n_planes - 1].a > request->pm.a_start))
    ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "The simulation starts at a = %g, after the farthest lens plane (a = %.4f, "
                      "z = %.3f): give an earlier start.",
                      request->pm.a_start, planes[n_planes - 1].a, planes[n_planes - 1].z);
  ok = ok && (!request->ray_trace || check_ray_memory(request, n_planes, error));
  int margin = request->ray_trace ? ray_margin(request->nx, request->ny) : 0;
  size_t values = (size_t)request->nx * request->ny * request->n_maps;
  size_t wide = (size_t)(request->nx + 2 * margin) * (request->ny + 2 * margin);
  double *snapshot_a = ok ? malloc((size_t)n_planes * sizeof *snapshot_a) : NULL;
  Projection projection = {.request = request,
                           .planes = planes,
                           .n_planes = n_planes,
                           .margin = margin,
                           .kappa = ok ? calloc(values, sizeof(double)) : NULL,
                           .scratch = ok ? malloc(wide * request->n_maps * sizeof(double)) : NULL,
                           .progress = progress};
  if (ok && request->ray_trace)
    projection.densities = malloc(wide * request->n_maps * (size_t)n_planes * sizeof(float));
  DmMap *maps = ok ? dm_map_new(request->nx, request->ny, request->n_maps, request->wcs, error)
                   : NULL;
  ok = maps != NULL;
  if (ok && (!snapshot_a || !projection.kappa || !projection.scratch ||
             (request->ray_trace && !projection.densities)))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %d N-body maps.",
                      request->n_maps);
  for (int i = 0; ok && i < n_planes; i++) snapshot_a[i] = planes[n_planes - 1 - i].a;
  ok = ok && dm_pm_run(&request->pm, snapshot_a, n_planes, project_snapshot, &projection,
                       progress, error);
  ok = ok && (!request->ray_trace || ray_trace_maps(request, &projection, efficiency, error));
  if (ok)
    for (size_t i = 0; i < values; i++) maps->data[i] = (float)projection.kappa[i];
  ok = ok && describe(maps, request, planes, n_planes, error);
  free(snapshot_a);
  free(projection.kappa);
  free(projection.scratch);
  free(projection.densities);
  free(planes);
  dm_lensing_efficiency_free(efficiency);
  if (!ok) {
    dm_map_free(maps);
    return NULL;
  }
  return maps;
}
