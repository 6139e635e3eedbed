/* darkmap-cli calibrate: a learned model's split-conformal interval factor
 * fitted on simulated surveys and stored in its weights file and card
 * (darkmap/model-calibration.h). */
#include <stdio.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-mock-request.h"
#include "cli-progress.h"
#include "darkmap/model-calibration.h"

static const CliOptionSpec calibrate_options[] = {
    {"model", true, "FILE     the model: an MMGAN generator or a score network (HMC)"},
    {"dry-run", false, "         fit and print the factor, leave the model file as it is"},
    {NULL, false, NULL},
};

int cli_calibrate_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {calibrate_options, cli_mock_request_options,
                                   cli_device_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli calibrate --model w.safetensors --catalog shear.fits\n"
           "                             --theory table.csv [--size N] [--pixel-arcmin P]\n"
           "                             [--mocks N] [--samples K] [--seed S] [--dry-run]\n"
           "Samples the model on N simulated surveys (default 4; seed %d, not the\n"
           "evaluation's) and fits the split-conformal factor of its samples' spread at\n"
           "68 %% and 95 %%; writes the 68 %% factor (applied whenever the model samples)\n"
           "into the weights file's metadata and its model card.\n\n",
           DM_CALIBRATION_SEED);
    cli_args_print_help(tables, 3);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  DmCalibrationRequest request;
  dm_calibration_request_init(&request);
  DmTheorySpectrum *theory = NULL;
  if (!cli_args_parse(&args, argc, argv, tables, 3, &error) ||
      !(request.mocks.model_path = cli_args_require(&args, "model", &error)) ||
      !cli_mock_request_read(&args, DM_CALIBRATION_SEED, &request.mocks, &theory, &error) ||
      !cli_device_from_options(&args, &request.mocks.device, &request.mocks.threads, &error)) {
    dm_theory_free(theory);
    return cli_fail("calibrate", error);
  }
  request.store = !cli_args_flag(&args, "dry-run");
  DmCalibrationResult result;
  DmProgress progress = cli_progress_init();
  bool ok = dm_calibrate_model(&request, &result, &progress, &error);
  cli_progress_done();
  dm_theory_free(theory);
  if (!ok) return cli_fail("calibrate", error);
  const DmCalibration *c = &result.calibration;
  fprintf(stderr, "Network engine on %s; %.1f s.\n", result.device, result.seconds);
  printf("level,factor,coverage_raw,coverage_calibrated\n0.68,%.4f,%.4f,%.4f\n0.95,%.4f,%.4f,%.4f\n",
         c->factor, result.coverage68_raw, result.coverage68, c->factor95, result.coverage95_raw,
         result.coverage95);
  fprintf(stderr, "%d mocks of %dx%d at %.3g', %d samples each, %lld pixels.\n", c->n_mocks,
          c->nx, c->ny, c->pixel_arcmin, c->n_samples, (long long)c->n_pixels);
  if (request.store)
    fprintf(stderr, "Stored the factor %.4f in %s and its card.\n", c->factor,
            request.mocks.model_path);
  return 0;
}
