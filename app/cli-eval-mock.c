/* darkmap-cli eval-mock: KS, Wiener filter, score samplers and MMGAN scored
 * against the truth of one simulated COSMOS-like survey
 * (darkmap/mock-evaluation.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-progress.h"
#include "darkmap/atomic-file.h"
#include "darkmap/model-evaluation.h"
#include "darkmap/theory.h"

static const CliOptionSpec eval_options[] = {
    {"catalog", true, "FILE     shear catalogue: the survey's mask and rotated real noise"},
    {"theory", true, "FILE     C_ell table: the mock's spectrum and the WF and score prior"},
    {"theory-column", true, "NAME     C_ell column of the theory table"},
    {"size", true, "N        pixels per side (default 128)"},
    {"pixel-arcmin", true, "P        pixel side in arcmin (default 0.8)"},
    {"seed", true, "S        seed of the mock, its noise and the samples (default 2024)"},
    {"index", true, "I        mock number of that seed (default 0)"},
    {"no-haloes", false, "         lognormal field without NFW haloes"},
    {"samples", true, "K        WF and score samples (default 32)"},
    {"model", true, "FILE     score network (from train-score): adds the hybrid prior"},
    {"mmgan", true, "FILE     MMGAN generator (from train-mmgan) of the same grid: adds MMGAN"},
    {"no-theory-samplers", false, "         leave out the theory-only score sampler and flow"},
    {"batch", true, "B        score chains (and MMGAN samples) per batch (default 16)"},
    {"levels", true, "L        sampler noise levels (default 40)"},
    {"leapfrog", true, "N        leapfrog steps per trajectory (default 10)"},
    {"final", true, "N        trajectories at the last level (default 20)"},
    {"sigma-max", true, "S        first sampler noise level (default 0.2)"},
    {"sigma-min", true, "S        last sampler noise level (default 1e-3)"},
    {"step-scale", true, "C        leapfrog step / sigma, theory prior (default 0.5)"},
    {"hybrid-step-scale", true, "C        leapfrog step / sigma with the network (default 0.2)"},
    {"out", true, "FILE     also write the table as CSV"},
    {NULL, false, NULL},
};

static const char *const method_names[DM_EVAL_N_METHODS] = {
    "ks", "wiener", "score", "score-hybrid", "score-flow", "mmgan"};

/* One row per method run; the samplers' r of the mean of the first 1, 2,
 * 4, … samples in columns r_mean_1, r_mean_2, … */
static void print_table(FILE *f, const DmEvalResult *result) {
  int counts = 0;
  for (int m = 0; m < DM_EVAL_N_METHODS; m++)
    if (result->method[m].done && result->method[m].n_counts > counts)
      counts = result->method[m].n_counts;
  fprintf(f, "method,r,rmse,coverage68,coverage95,seconds");
  for (int j = 0; j < counts; j++) fprintf(f, ",r_mean_%d", 1 << j);
  fprintf(f, "\n");
  for (int m = 0; m < DM_EVAL_N_METHODS; m++) {
    const DmEvalMetrics *e = &result->method[m];
    if (!e->done) continue;
    fprintf(f, "%s,%.4f,%.5f,%.4f,%.4f,%.2f", method_names[m], e->r, e->rmse, e->coverage68,
            e->coverage95, e->seconds);
    for (int j = 0; j < counts; j++)
      if (j < e->n_counts) fprintf(f, ",%.4f", e->r_by_count[j]);
      else fprintf(f, ",");
    fprintf(f, "\n");
  }
}

/* The table to path, atomically. */
static bool write_csv(const char *path, const DmEvalResult *result, DmError **error) {
  char *temp = dm_atomic_temp_name(path, error);
  if (!temp) return false;
  FILE *f = fopen(temp, "wx");
  bool ok = f != NULL;
  if (f) {
    print_table(f, result);
    ok = !ferror(f) && fflush(f) == 0;
    ok = fclose(f) == 0 && ok;
  }
  if (!ok) {
    int err = errno ? errno : EIO;
    unlink(temp);
    dm_error_set(error, DM_ERROR_IO, err, "Cannot write %s: %s.", path, strerror(err));
  } else {
    ok = dm_atomic_commit(temp, path, error);
  }
  free(temp);
  return ok;
}

/* The model of --model or --mmgan (one of them), the device and threads. */
static bool model_and_device(const CliArgs *args, DmModelEvaluationRequest *request,
                             DmError **error) {
  const char *model = cli_args_value(args, "model"), *mmgan = cli_args_value(args, "mmgan");
  if (model && mmgan)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Options --model and --mmgan evaluate one model each: give one.");
  request->model_path = model ? model : mmgan;
  return cli_device_from_options(args, &request->device, &request->threads, error);
}

int cli_eval_mock_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {eval_options, cli_device_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli eval-mock --catalog shear.fits --theory table.csv [--size N]\n"
           "                             [--pixel-arcmin P] [--samples K] [--model w.safetensors]\n"
           "Simulates one survey (lognormal field + NFW haloes, the catalogue's mask and\n"
           "rotated real noise), reconstructs it by KS, Wiener filter, score sampling and\n"
           "MMGAN (--mmgan), and prints r, RMSE and the 68/95 %% coverage of each against\n"
           "the truth, and r of the mean of the first 1, 2, 4, ... samples.\n\n");
    cli_args_print_help(tables, 2);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  DmModelEvaluationRequest request;
  dm_model_evaluation_request_init(&request);
  DmGridSpec *spec = &request.grid;
  spec->nx = 128;
  spec->pixel_arcmin = 0.8;
  request.batch = 16;
  int seed = 2024, index = 0;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error)) return cli_fail("eval-mock", error);
  request.catalog_path = cli_args_require(&args, "catalog", &error);
  const char *theory_path = request.catalog_path ? cli_args_require(&args, "theory", &error) : NULL;
  if (!theory_path || !cli_args_int(&args, "size", 8, 4096, &spec->nx, &error) ||
      !cli_args_double(&args, "pixel-arcmin", &spec->pixel_arcmin, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &seed, &error) ||
      !cli_args_int(&args, "index", 0, 2147483647, &index, &error) ||
      !cli_args_int(&args, "samples", 2, 100000, &request.n_samples, &error) ||
      !cli_args_int(&args, "batch", 1, 4096, &request.batch, &error) ||
      !cli_args_int(&args, "levels", 2, 100000, &request.sampler.n_levels, &error) ||
      !cli_args_int(&args, "leapfrog", 1, 100000, &request.sampler.n_leapfrog, &error) ||
      !cli_args_int(&args, "final", 0, 100000, &request.sampler.n_final, &error) ||
      !cli_args_double(&args, "sigma-max", &request.sampler.sigma_max, &error) ||
      !cli_args_double(&args, "sigma-min", &request.sampler.sigma_min, &error) ||
      !cli_args_double(&args, "step-scale", &request.sampler.step_scale, &error) ||
      !cli_args_double(&args, "hybrid-step-scale", &request.hybrid_step_scale, &error) ||
      !model_and_device(&args, &request, &error))
    return cli_fail("eval-mock", error);
  if (!(spec->pixel_arcmin > 0.0) || !(request.sampler.sigma_min > 0.0) ||
      !(request.sampler.sigma_max > request.sampler.sigma_min) ||
      !(request.sampler.step_scale > 0.0) || !(request.hybrid_step_scale > 0.0)) {
    dm_error_set(&error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Options --pixel-arcmin, --sigma-min, --step-scale and --hybrid-step-scale "
                 "must be positive, and --sigma-max above --sigma-min.");
    return cli_fail("eval-mock", error);
  }
  spec->ny = spec->nx;
  request.seed = (uint64_t)seed;
  request.index = (uint64_t)index;
  request.haloes = !cli_args_flag(&args, "no-haloes");
  request.baselines = cli_args_flag(&args, "no-theory-samplers")
                          ? DM_EVAL_BIT(DM_EVAL_KS) | DM_EVAL_BIT(DM_EVAL_WIENER)
                          : DM_EVAL_ALL_BASELINES;
  DmTheorySpectrum *theory =
      dm_theory_read_csv(theory_path, cli_args_value(&args, "theory-column"), &error);
  request.theory = theory;
  DmModelEvaluation evaluation;
  const DmEvalResult *result = &evaluation.table;
  DmProgress progress = cli_progress_init();
  bool ok = theory && dm_evaluate_model(&request, &evaluation, &progress, &error);
  cli_progress_done();
  const char *out = cli_args_value(&args, "out");
  if (ok) {
    fprintf(stderr, "Network engine on %s.\n", evaluation.device);
    fprintf(stderr,
            "%d² pixels of %.2f'; %zu with data; truth std %.4f (grid mean %.4f removed); "
            "%ld haloes; best KS smoothing %.1f pixels.\n",
            spec->nx, spec->pixel_arcmin, result->n_pixels, result->truth_std,
            result->truth_mean, result->n_haloes, result->ks_sigma_pixels);
    print_table(stdout, result);
    ok = !out || write_csv(out, result, &error);
  }
  dm_theory_free(theory);
  if (!ok) return cli_fail("eval-mock", error);
  if (out) fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
