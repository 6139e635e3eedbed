/* One call for a field of emulated universes (darkmap/cosmogan.h): the
 * model on a device, the maps batch by batch into the cube and/or memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosmogan/cosmogan-private.h"
#include "darkmap/memory-budget.h"
#include "darkmap/monotonic-clock.h"

/* Default batches: what fills a GPU, and what keeps two CPU cores busy
 * without holding many maps. */
enum { GPU_BATCH = 64, CPU_BATCH = 8 };

void dm_cosmogan_generate_request_init(DmCosmoganGenerateRequest *r) {
  *r = (DmCosmoganGenerateRequest){.n_maps = 16, .seed = 1, .device = "auto", .keep_maps = true};
}

void dm_cosmogan_generate_result_clear(DmCosmoganGenerateResult *result) {
  dm_map_free(result->maps);
  result->maps = NULL;
}

/* The batch's share of the whole progress. */
typedef struct {
  const DmProgress *outer;
  int first, count, total;
} BatchProgress;

static void batch_report(void *user_data, double fraction, const char *stage) {
  const BatchProgress *b = user_data;
  dm_progress_report(b->outer, (b->first + fraction * b->count) / b->total, stage);
}

/* The maps, batch by batch, into the cube and the kept maps (one of them at
 * least). */
static bool draw(DmCosmogan *m, const DmCosmoganGenerateRequest *r, int batch, DmCosmoganCube *cube,
                 DmMap *kept, const DmProgress *progress, DmError **error) {
  size_t npix = (size_t)m->config.size * (size_t)m->config.size;
  float *scratch = kept ? NULL : malloc((size_t)batch * npix * sizeof(float));
  if (!kept && !scratch) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  bool ok = true;
  for (int first = 0; ok && first < r->n_maps; first += batch) {
    int count = r->n_maps - first < batch ? r->n_maps - first : batch;
    float *maps = kept ? dm_map_plane(kept, first) : scratch;
    BatchProgress share = {progress, first, count, r->n_maps};
    DmProgress inner = {batch_report, &share, progress ? progress->cancel : NULL};
    ok = dm_cosmogan_sample(m, (uint64_t)first, count, count, r->seed, maps, &inner, error) &&
         (!cube || dm_cosmogan_cube_add(cube, maps, count, error));
  }
  free(scratch);
  return ok;
}

/* The request's checks before any work. */
static bool check(const DmCosmoganGenerateRequest *r, DmError **error) {
  if (!r->model_path || !r->model_path[0])
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No CosmoGAN model to sample.");
  if (r->n_maps < 1 || r->batch < 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Emulation needs at least one map and a batch of 0 (automatic) or "
                        "more, not %d maps in batches of %d.",
                        r->n_maps, r->batch);
  if (!r->out_path && !r->keep_maps)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Emulated maps must go to a file or be kept.");
  if (r->has_center && !(r->center_dec >= -90.0 && r->center_dec <= 90.0 &&
                         r->center_ra >= -360.0 && r->center_ra <= 360.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The centre RA %g°, Dec %g° is not on the sky.", r->center_ra,
                        r->center_dec);
  return true;
}

/* The maps in memory (all of them when kept, else a batch) against the
 * memory budget, and the cube file (mean, STD and the maps) against its
 * folder's free space (darkmap/memory-budget.h). */
static bool check_room(const DmCosmoganGenerateRequest *r, int size, int batch,
                       DmError **error) {
  double map_bytes = (double)size * size * sizeof(float);
  int held = r->keep_maps ? r->n_maps : batch;
  return dm_memory_check(error, held * map_bytes, "%d emulated maps of %d × %d pixels", held,
                         size, size) &&
         (!r->out_path || dm_disk_check(error, r->out_path, (r->n_maps + 2.0) * map_bytes,
                                        "A file of %d emulated maps of %d × %d pixels",
                                        r->n_maps, size, size));
}

bool dm_cosmogan_generate(const DmCosmoganGenerateRequest *r, const DmProgress *progress,
                          DmCosmoganGenerateResult *result, DmError **error) {
  *result = (DmCosmoganGenerateResult){0};
  if (!check(r, error)) return false;
  DmNn *nn = dm_nn_new_by_name(r->device, r->threads, error);
  if (!nn) return false;
  DmCosmogan *m = dm_cosmogan_load(nn, r->model_path, error);
  if (!m) {
    dm_nn_free(nn);
    return false;
  }
  dm_nn_set_cancel(nn, progress ? progress->cancel : NULL);
  const DmCosmoganConfig *c = &m->config;
  snprintf(result->device, sizeof result->device, "%s", dm_nn_device_name(nn));
  result->size = c->size;
  result->pixel_arcmin = c->pixel_arcmin;
  result->batch = r->batch > 0 ? r->batch : dm_nn_is_gpu(nn) ? GPU_BATCH : CPU_BATCH;
  if (result->batch > r->n_maps) result->batch = r->n_maps;
  DmCosmoganCubeOptions options = {.has_center = r->has_center,
                                   .center_ra = r->center_ra,
                                   .center_dec = r->center_dec,
                                   .model_path = r->model_path,
                                   .seed = r->seed};
  bool ok = check_room(r, c->size, result->batch, error);
  DmCosmoganCube *cube = ok && r->out_path
                             ? dm_cosmogan_cube_new(r->out_path, m, r->n_maps, &options, error)
                             : NULL;
  ok = ok && (cube || !r->out_path);
  DmMap *kept = NULL;
  if (ok && r->keep_maps) {
    DmWcs *wcs = dm_cosmogan_wcs(c, r->has_center ? r->center_ra : 0.0,
                                 r->has_center ? r->center_dec : 0.0, error);
    kept = wcs ? dm_map_new(c->size, c->size, r->n_maps, wcs, error) : NULL;
    ok = kept && dm_cosmogan_record_provenance(kept, m, r->n_maps, &options, error);
    dm_wcs_free(wcs);
  }
  double start = dm_monotonic_seconds();
  ok = ok && draw(m, r, result->batch, cube, kept, progress, error);
  result->seconds = dm_monotonic_seconds() - start;
  if (cube) {
    if (ok)
      ok = dm_cosmogan_cube_finish(cube, error);
    else
      dm_cosmogan_cube_abort(cube);
  }
  if (ok)
    result->maps = kept;
  else
    dm_map_free(kept);
  dm_cosmogan_free(m);
  dm_nn_free(nn);
  return ok;
}
