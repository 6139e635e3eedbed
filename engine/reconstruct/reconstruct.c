/* One call per mass-mapping method (darkmap/reconstruct.h): the request's
 * defaults, the method names, the checks made before any work, and the
 * dispatch to the method (reconstruct-ks.c, reconstruct-wiener.c,
 * reconstruct-score.c, reconstruct-mmgan.c) with its wall time. */
#include "darkmap/reconstruct.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/gpu.h"
#include "darkmap/memory-budget.h"
#include "darkmap/model-info.h"
#include "darkmap/monotonic-clock.h"
#include "reconstruct/reconstruct-private.h"

static const char *const method_names[DM_RECONSTRUCT_N_METHODS] = {
    "ks", "wiener", "score-hmc", "score-flow", "mmgan"};

/* What the messages call each method. */
static const char *const method_titles[DM_RECONSTRUCT_N_METHODS] = {
    "Kaiser-Squires", "The Wiener filter", "Score sampling", "The probability flow",
    "MMGAN sampling"};

const char *dm_reconstruct_method_name(DmReconstructMethod method) {
  return method >= 0 && method < DM_RECONSTRUCT_N_METHODS ? method_names[method] : NULL;
}

bool dm_reconstruct_method_from_name(const char *name, DmReconstructMethod *method) {
  for (int m = 0; name && m < DM_RECONSTRUCT_N_METHODS; m++)
    if (strcmp(name, method_names[m]) == 0) {
      *method = (DmReconstructMethod)m;
      return true;
    }
  return false;
}

bool dm_reconstruct_method_needs_theory(DmReconstructMethod method) {
  return method == DM_RECONSTRUCT_WIENER || method == DM_RECONSTRUCT_SCORE_HMC ||
         method == DM_RECONSTRUCT_SCORE_FLOW;
}

bool dm_reconstruct_method_needs_model(DmReconstructMethod method) {
  return method == DM_RECONSTRUCT_MMGAN;
}

bool dm_reconstruct_method_takes_model(DmReconstructMethod method) {
  return method == DM_RECONSTRUCT_SCORE_HMC || method == DM_RECONSTRUCT_SCORE_FLOW ||
         method == DM_RECONSTRUCT_MMGAN;
}

bool dm_reconstruct_method_samples(DmReconstructMethod method) {
  return method != DM_RECONSTRUCT_KS && method >= 0 && method < DM_RECONSTRUCT_N_METHODS;
}

void dm_reconstruct_request_init(DmReconstructRequest *request, DmReconstructMethod method) {
  memset(request, 0, sizeof *request);
  request->method = method;
  request->n_samples = 16;
  request->seed = 1;
  dm_wiener_options_init(&request->wiener);
  dm_score_sampler_options_init(&request->hmc);
  request->hmc.step_scale = 0.0;  /* by prior: dm_reconstruct_score_options */
  dm_score_flow_options_init(&request->flow);
}

void dm_reconstruction_free(DmReconstruction *reconstruction) {
  if (!reconstruction) return;
  dm_posterior_free(reconstruction->posterior);
  dm_map_free(reconstruction->b_mode);
  free(reconstruction);
}

/* The model file against the method and the shear's grid. */
static bool check_model(const DmBinnedShear *binned, const DmReconstructRequest *request,
                        DmError **error) {
  DmModelInfo info;
  if (!dm_model_info_read(request->model_path, &info, error)) return false;
  bool mmgan = request->method == DM_RECONSTRUCT_MMGAN;
  bool score = info.kind == DM_MODEL_SCORE_HYBRID || info.kind == DM_MODEL_SCORE_PLAIN;
  if (mmgan ? info.kind != DM_MODEL_MMGAN : !score)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "%s is not %s; it holds a model of kind: %s.",
                        request->model_path,
                        mmgan ? "an MMGAN generator" : "a score network",
                        dm_model_kind_describe(info.kind));
  return dm_model_info_check_grid(&info, binned, error);
}

/* The settings of the method's solver or sampler. */
static bool check_settings(const DmReconstructRequest *r, DmError **error) {
  switch (r->method) {
  case DM_RECONSTRUCT_KS:
    if (!(r->ks.smooth_sigma_pixels >= 0.0 && isfinite(r->ks.smooth_sigma_pixels)))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "The smoothing of Kaiser-Squires must be >= 0 pixels, not %g.",
                          r->ks.smooth_sigma_pixels);
    return true;
  case DM_RECONSTRUCT_WIENER:
    if (!(r->wiener.tolerance > 0.0 && r->wiener.tolerance < 1.0) ||
        r->wiener.max_iterations < 1 || !(r->noise_std >= 0.0 && isfinite(r->noise_std)))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "The Wiener filter needs a tolerance in (0, 1) (not %g), at least one "
                          "iteration (not %d) and a noise std >= 0 (not %g).",
                          r->wiener.tolerance, r->wiener.max_iterations, r->noise_std);
    return true;
  case DM_RECONSTRUCT_SCORE_HMC:
  case DM_RECONSTRUCT_SCORE_FLOW: {
    DmScoreSamplerOptions hmc;
    DmScoreFlowOptions flow;
    dm_reconstruct_score_options(r, &hmc, &flow);
    return r->method == DM_RECONSTRUCT_SCORE_HMC ? dm_score_sampler_options_check(&hmc, error)
                                                 : dm_score_flow_options_check(&flow, error);
  }
  default:
    return true;
  }
}

/* The posterior in memory, with a CPU batch's network-engine memory
 * (dm_reconstruct_memory_bound), and in its file (darkmap/reconstruct.h). */
static bool check_room(const DmBinnedShear *binned, const DmReconstructRequest *r,
                       DmNnDevice device, DmError **error) {
  const DmMap *shear = binned->shear;
  int n = dm_reconstruct_method_samples(r->method) ? r->n_samples : 0;
  double map_bytes = (double)shear->nx * shear->ny * sizeof(float);
  bool cpu = device == DM_NN_DEVICE_CPU || (device == DM_NN_DEVICE_AUTO && !dm_gpu_available());
  bool chains = r->method != DM_RECONSTRUCT_KS && r->method != DM_RECONSTRUCT_WIENER;
  int batch = 0;
  DmReconstructMemory memory;
  if (chains && !dm_reconstruct_batch(r, shear->nx, shear->ny, !cpu, &batch, &memory, error))
    return false;
  if (batch > n) batch = n;
  bool fits = chains && cpu
                  ? dm_memory_check(error,
                                    (2.0 * n + 3.0) * map_bytes +
                                        dm_reconstruct_memory_bound(&memory, batch),
                                    "A posterior of %d samples of %d × %d pixels in batches "
                                    "of %d",
                                    n, shear->nx, shear->ny, batch)
                  : dm_memory_check(error, (2.0 * n + 3.0) * map_bytes,
                                    "A posterior of %d samples of %d × %d pixels", n, shear->nx,
                                    shear->ny);
  return fits && (!r->out_path ||
                  dm_disk_check(error, r->out_path, (n + 4.0) * map_bytes,
                                "A posterior file of %d samples of %d × %d pixels", n, shear->nx,
                                shear->ny));
}

bool dm_reconstruct_check(const DmBinnedShear *binned, const DmReconstructRequest *request,
                          DmError **error) {
  if (!binned || !binned->shear || !binned->noise || !binned->mask || !request)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A reconstruction needs a binned shear (with NOISE and MASK) and a "
                        "request.");
  DmReconstructMethod method = request->method;
  if (!dm_reconstruct_method_name(method))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Unknown method %d.", (int)method);
  const char *title = method_titles[method];
  DmNnDevice device;
  if (!dm_nn_device_from_name(request->device, &device, error)) return false;
  if (request->threads < 0 || request->batch < 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The threads (%d) and the batch (%d) must be >= 0.", request->threads,
                        request->batch);
  if (dm_reconstruct_method_needs_theory(method) && !request->theory)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%s needs a theory C_ell table (the prior).", title);
  if (dm_reconstruct_method_needs_model(method) && !request->model_path)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "%s needs a model file.", title);
  if (request->model_path && !dm_reconstruct_method_takes_model(method))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "%s takes no model file.", title);
  int min_samples = method == DM_RECONSTRUCT_WIENER ? 0 : 1;
  if (dm_reconstruct_method_samples(method) && request->n_samples < min_samples)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%s needs a sample count of at least %d, not %d.", title, min_samples,
                        request->n_samples);
  if (method != DM_RECONSTRUCT_KS && !binned->shear->wcs)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The shear has no WCS: its pixel scale is unknown.");
  return check_settings(request, error) && check_room(binned, request, device, error) &&
         (!request->model_path || check_model(binned, request, error));
}

DmReconstruction *dm_reconstruct(const DmBinnedShear *binned, const DmReconstructRequest *request,
                                 const DmProgress *progress, DmError **error) {
  if (!dm_reconstruct_check(binned, request, error)) return NULL;
  DmReconstruction *result = calloc(1, sizeof *result);
  if (!result) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
    return NULL;
  }
  double start = dm_monotonic_seconds();
  bool ok;
  switch (request->method) {
  case DM_RECONSTRUCT_KS:
    ok = dm_reconstruct_ks(binned, request, result, error);
    break;
  case DM_RECONSTRUCT_WIENER:
    ok = dm_reconstruct_wiener(binned, request, progress, result, error);
    break;
  case DM_RECONSTRUCT_MMGAN:
    ok = dm_reconstruct_mmgan(binned, request, progress, result, error);
    break;
  default:
    ok = dm_reconstruct_score(binned, request, progress, result, error);
    break;
  }
  if (!ok) {
    dm_reconstruction_free(result);
    return NULL;
  }
  result->stats.seconds = dm_monotonic_seconds() - start;
  return result;
}
