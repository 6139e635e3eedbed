/* The simulated surveys of eval-mock and calibrate (cli-mock-request.h). */
#include "cli-mock-request.h"

#include <stdio.h>

const CliOptionSpec cli_mock_request_options[] = {
    {"catalog", true, "FILE     shear catalogue: the survey's mask and rotated real noise"},
    {"theory", true, "FILE     C_ell table: the mock's spectrum and the WF and score prior"},
    {"theory-column", true, "NAME     C_ell column of the theory table"},
    {"size", true, "N        pixels per side (default 128)"},
    {"pixel-arcmin", true, "P        pixel side in arcmin (default 0.8)"},
    {"seed", true, "S        seed of the mocks, their noise and the samples"},
    {"index", true, "I        first mock number of that seed (default 0)"},
    {"mocks", true, "N        mocks I, I + 1, ... (metrics: mean and std over them)"},
    {"no-haloes", false, "         lognormal field without NFW haloes"},
    {"halo-c-scatter", true,
     "S        haloes' sigma of ln c about Duffy et al. 2008 (default 0; N-body: 0.25)"},
    {"halo-ellipticity", false, "         elliptical haloes (axis ratio 0.3-0.8, random angle)"},
    {"samples", true, "K        samples per method and mock (default 32)"},
    {"batch", true, "B        score chains (and MMGAN samples) per batch (default: fastest)"},
    {"levels", true, "L        sampler noise levels (default 40)"},
    {"leapfrog", true, "N        leapfrog steps per trajectory (default 10)"},
    {"final", true, "N        trajectories at the last level (default 20)"},
    {"sigma-max", true, "S        first sampler noise level (default 0.2)"},
    {"sigma-min", true, "S        last sampler noise level (default 1e-3)"},
    {"hybrid-step-scale", true, "C        leapfrog step / sigma with the network (default 0.2)"},
    {NULL, false, NULL},
};

bool cli_mock_request_read(const CliArgs *args, uint64_t default_seed,
                           DmModelEvaluationRequest *request, DmTheorySpectrum **theory,
                           DmError **error) {
  DmGridSpec *spec = &request->grid;
  spec->nx = 128;
  spec->pixel_arcmin = 0.8;
  int seed = (int)default_seed, index = 0;
  *theory = NULL;
  request->catalog_path = cli_args_require(args, "catalog", error);
  const char *theory_path = request->catalog_path ? cli_args_require(args, "theory", error) : NULL;
  if (!theory_path || !cli_args_int(args, "size", 8, 4096, &spec->nx, error) ||
      !cli_args_double(args, "pixel-arcmin", &spec->pixel_arcmin, error) ||
      !cli_args_int(args, "seed", 0, 2147483647, &seed, error) ||
      !cli_args_int(args, "index", 0, 2147483647, &index, error) ||
      !cli_args_int(args, "mocks", 1, 100000, &request->n_mocks, error) ||
      !cli_args_int(args, "samples", 2, 100000, &request->n_samples, error) ||
      !cli_args_int(args, "batch", 1, 4096, &request->batch, error) ||
      !cli_args_int(args, "levels", 2, 100000, &request->sampler.n_levels, error) ||
      !cli_args_int(args, "leapfrog", 1, 100000, &request->sampler.n_leapfrog, error) ||
      !cli_args_int(args, "final", 0, 100000, &request->sampler.n_final, error) ||
      !cli_args_double(args, "sigma-max", &request->sampler.sigma_max, error) ||
      !cli_args_double(args, "sigma-min", &request->sampler.sigma_min, error) ||
      !cli_args_double(args, "hybrid-step-scale", &request->hybrid_step_scale, error) ||
      !cli_args_double(args, "halo-c-scatter", &request->halo_concentration_scatter, error))
    return false;
  if (!(spec->pixel_arcmin > 0.0) || !(request->sampler.sigma_min > 0.0) ||
      !(request->sampler.sigma_max > request->sampler.sigma_min) ||
      !(request->hybrid_step_scale > 0.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Options --pixel-arcmin, --sigma-min and --hybrid-step-scale must be "
                        "positive, and --sigma-max above --sigma-min.");
  spec->ny = spec->nx;
  request->seed = (uint64_t)seed;
  request->index = (uint64_t)index;
  request->haloes = !cli_args_flag(args, "no-haloes");
  request->halo_elliptical = cli_args_flag(args, "halo-ellipticity");
  *theory = dm_theory_read_csv(theory_path, cli_args_value(args, "theory-column"), error);
  request->theory = *theory;
  return *theory != NULL;
}
