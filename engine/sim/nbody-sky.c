/* N-body convergence maps: one PM run projected through K light cones
 * (darkmap/nbody-sky.h). */
#include "darkmap/nbody-sky.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/omp-shares.h"
#include "darkmap/light-cone.h"
#include "darkmap/memory-budget.h"

void dm_nbody_sky_request_init(DmNbodySkyRequest *request) {
  *request = (DmNbodySkyRequest){.n_maps = 1};
  dm_pm_request_init(&request->pm);
}

/* What the snapshot callback projects into. */
typedef struct {
  const DmNbodySkyRequest *request;
  const DmLensPlane *planes;
  int n_planes;
  int snapshots_seen;   /* snapshots come farthest plane first */
  double *kappa;        /* n_maps × ny × nx */
  double *counts;       /* n_maps × ny × nx, scratch */
  const DmProgress *progress;
} Projection;

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
  int threads = dm_omp_threads_for((size_t)r->n_maps, 1);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int k = 0; k < r->n_maps; k++) {
    DmBoxTransform transform;
    dm_box_transform_draw(snapshot->box, r->seed, (uint32_t)k, (uint32_t)plane, &transform);
    dm_lens_plane_add_born(&p->planes[plane], &transform, snapshot->positions, snapshot->count,
                           snapshot->box, r->nx, r->ny, r->pixel_arcmin, p->counts + k * npix,
                           p->kappa + k * npix);
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
  return dm_map_set_string(maps, "FIELD", "nbody", "particle-mesh light cone, Born", error) &&
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

DmMap *dm_nbody_sky_run(const DmNbodySkyRequest *request, const DmProgress *progress,
                        DmError **error) {
  if (!check_request(request, error)) return NULL;
  const DmCosmology *c = &request->pm.cosmology;
  double thickness = request->plane_thickness > 0.0 ? request->plane_thickness : request->pm.box;
  int n_planes = 0;
  DmLensingEfficiency *efficiency = dm_lensing_efficiency_new(request->sources, c, error);
  DmLensPlane *planes =
      efficiency ? dm_lens_planes_new(c, efficiency, thickness, &n_planes, error) : NULL;
  dm_lensing_efficiency_free(efficiency);
  if (!planes) return NULL;
  if (!(planes[n_planes - 1].a > request->pm.a_start)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The simulation starts at a = %g, after the farthest lens plane (a = %.4f, "
                 "z = %.3f): give an earlier start.",
                 request->pm.a_start, planes[n_planes - 1].a, planes[n_planes - 1].z);
    free(planes);
    return NULL;
  }
  size_t values = (size_t)request->nx * request->ny * request->n_maps;
  double *snapshot_a = malloc((size_t)n_planes * sizeof *snapshot_a);
  Projection projection = {.request = request,
                           .planes = planes,
                           .n_planes = n_planes,
                           .kappa = calloc(values, sizeof(double)),
                           .counts = malloc(values * sizeof(double)),
                           .progress = progress};
  DmMap *maps = dm_map_new(request->nx, request->ny, request->n_maps, request->wcs, error);
  bool ok = maps != NULL;
  if (ok && (!snapshot_a || !projection.kappa || !projection.counts))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %d N-body maps.",
                      request->n_maps);
  for (int i = 0; ok && i < n_planes; i++) snapshot_a[i] = planes[n_planes - 1 - i].a;
  ok = ok && dm_pm_run(&request->pm, snapshot_a, n_planes, project_snapshot, &projection,
                       progress, error);
  if (ok)
    for (size_t i = 0; i < values; i++) maps->data[i] = (float)projection.kappa[i];
  ok = ok && describe(maps, request, planes, n_planes, error);
  free(snapshot_a);
  free(projection.kappa);
  free(projection.counts);
  free(planes);
  if (!ok) {
    dm_map_free(maps);
    return NULL;
  }
  return maps;
}
