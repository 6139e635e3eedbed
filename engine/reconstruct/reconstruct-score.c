/* The score posterior through dm_reconstruct (reconstruct-private.h): the
 * theory prior, plus the network of the model file (hybrid residual, or the
 * plain score alone), and the shear's likelihood on the network engine's
 * device; chains in batches by annealed HMC or the probability flow
 * (darkmap/score-device.h). */
#include <stdlib.h>

#include "darkmap/score-device.h"
#include "reconstruct/reconstruct-private.h"

void dm_reconstruct_score_options(const DmReconstructRequest *request, DmScoreSamplerOptions *hmc,
                                  DmScoreFlowOptions *flow) {
  *hmc = request->hmc;
  hmc->seed = request->seed;
  /* A network residual is stiffer than the Gaussian score (darkmap/score.h). */
  if (hmc->step_scale == 0.0) hmc->step_scale = request->model_path ? 0.2 : 0.5;
  *flow = request->flow;
  flow->sigma_max = hmc->sigma_max;
  flow->sigma_min = hmc->sigma_min;
  flow->seed = request->seed;
}

/* What a score run holds. */
typedef struct {
  DmScorePrior *prior;
  DmScoreLikelihood *likelihood;
  DmNn *nn;
  DmNnParams *params;
  DmScoreNetwork network;
  DmScoreDevice *device;
} ScoreModel;

static bool model_new(ScoreModel *m, const DmBinnedShear *binned,
                      const DmReconstructRequest *request, const DmProgress *progress,
                      DmReconstructStats *stats, DmError **error) {
  const DmMap *shear = binned->shear;
  int nx = shear->nx, ny = shear->ny;
  double pixel_arcmin = dm_wcs_pixel_scale_deg(shear->wcs) * 60.0;
  const char *path = request->model_path;
  m->prior = dm_score_prior_new(request->theory, nx, ny, pixel_arcmin, error);
  m->likelihood =
      m->prior ? dm_score_likelihood_new(nx, ny, dm_map_plane(shear, 0), dm_map_plane(shear, 1),
                                         dm_map_plane(binned->noise, 0),
                                         dm_map_plane(binned->noise, 1), binned->mask->data,
                                         error)
               : NULL;
  m->nn = m->likelihood ? dm_reconstruct_nn_new(request, progress, stats, error) : NULL;
  if (!m->nn || (path && !dm_score_network_load(m->nn, path, &m->params, &m->network, error)))
    return false;
  m->device = dm_score_device_new(m->nn, m->prior, m->likelihood,
                                  path ? dm_score_network_tensor_residual : NULL, &m->network,
                                  error);
  if (m->device && m->network.plain) dm_score_device_set_theory_prior(m->device, false);
  return m->device != NULL;
}

static void model_free(ScoreModel *m) {
  dm_score_device_free(m->device);
  dm_unet_free(m->network.unet);
  dm_nn_params_free(m->params);
  dm_nn_free(m->nn);
  dm_score_likelihood_free(m->likelihood);
  dm_score_prior_free(m->prior);
}

/* Every chain into samples (n maps), batch chains at a time; the score
 * evaluations per sample and the acceptance into stats. */
static bool run_chains(DmScoreDevice *device, bool flow, const DmScoreSamplerOptions *hmc,
                       const DmScoreFlowOptions *flow_options, int n, int batch, size_t npix,
                       float *samples, const DmProgress *progress, DmReconstructStats *stats,
                       DmError **error) {
  const char *what = flow ? "Probability flow" : "Score sampling";
  long accepted = 0, trajectories = 0;
  bool ok = true;
  for (int first = 0; ok && first < n; first += batch) {
    int count = n - first < batch ? n - first : batch;
    float *out = samples + (size_t)first * npix;
    DmProgressSegment segment;
    dm_progress_segment_init_samples(&segment, progress, (double)first / n,
                                     (double)(first + count) / n, what, first, count, n, false);
    DmScoreSamplerStats run;
    ok = flow ? dm_score_device_flow(device, flow_options, first, count, out,
                                     &stats->evaluations, &segment.progress, error)
              : dm_score_device_hmc(device, hmc, first, count, out, &run, &segment.progress,
                                    error);
    if (ok && !flow) {
      stats->evaluations = run.gradients;
      accepted += run.accepted;
      trajectories += run.trajectories;
    }
  }
  if (ok && !flow) stats->acceptance = (double)accepted / (double)trajectories;
  return ok;
}

bool dm_reconstruct_score(const DmBinnedShear *binned, const DmReconstructRequest *request,
                          const DmProgress *progress, DmReconstruction *result, DmError **error) {
  const DmMap *shear = binned->shear;
  int nx = shear->nx, ny = shear->ny, n = request->n_samples;
  size_t npix = dm_map_plane_size(shear);
  bool flow = request->method == DM_RECONSTRUCT_SCORE_FLOW;
  const char *path = request->model_path;
  DmScoreSamplerOptions hmc;
  DmScoreFlowOptions flow_options;
  dm_reconstruct_score_options(request, &hmc, &flow_options);
  ScoreModel m = {0};
  bool ok = model_new(&m, binned, request, progress, &result->stats, error);
  int batch = 0;
  DmReconstructMemory memory;
  ok = ok && dm_reconstruct_batch(request, nx, ny, dm_nn_is_gpu(m.nn), &batch, &memory, error);
  result->stats.batch = batch;
  float *samples = ok ? malloc((size_t)n * npix * sizeof(float)) : NULL;
  if (ok && !samples) ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  ok = ok && run_chains(m.device, flow, &hmc, &flow_options, n, batch, npix, samples, progress,
                        &result->stats, error);
  if (ok) {
    result->stats.peak_bytes = (double)dm_nn_memory_peak(m.nn);
    result->stats.bound_bytes = dm_reconstruct_memory_bound(&memory, batch);
  }
  bool hybrid = path && !m.network.plain;
  DmPosterior *posterior =
      !ok     ? NULL
      : flow  ? dm_score_flow_posterior_new(samples, n, nx, ny, shear->wcs, &flow_options, hybrid,
                                            error)
              : dm_score_posterior_new(samples, n, nx, ny, shear->wcs, &hmc, hybrid, error);
  const char *network_kind = !path ? "none" : m.network.plain ? "plain" : "hybrid";
  ok = posterior &&
       dm_map_set_string(posterior->mean, "SCORENET", network_kind,
                         "prior network: none, hybrid residual or plain", error) &&
       (!request->theory_path || dm_map_set_string(posterior->mean, "PRIOR", request->theory_path,
                                                   "prior C_ell table", error)) &&
       (!path || dm_reconstruct_record_model(posterior->mean, path, error)) &&
       (flow || n < 2 || dm_reconstruct_calibrate(posterior, request, "score-hmc", error));
  free(samples);
  model_free(&m);
  if (!ok) {
    dm_posterior_free(posterior);
    return false;
  }
  result->posterior = posterior;
  return true;
}
