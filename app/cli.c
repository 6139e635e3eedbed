/* darkmap-cli: everything the application does, headless, for batch runs. */
#include <stdio.h>
#include <string.h>

#include "cli-commands.h"
#include "darkmap/version.h"

typedef struct {
  const char *name;
  int (*main)(int argc, char **argv);
  const char *summary;
} CliCommand;

static const CliCommand commands[] = {
    {"bin", cli_bin_main, "bin a shear catalogue onto a grid (shear file)"},
    {"ks", cli_ks_main, "Kaiser-Squires convergence map (E and B modes)"},
    {"pspec", cli_pspec_main, "angular power spectrum of a map"},
    {"stats", cli_stats_main, "PDF, peaks and Minkowski functionals of maps, two sets compared"},
    {"wiener", cli_wiener_main, "Wiener filter and exact Gaussian posterior samples"},
    {"mosaic", cli_mosaic_main, "a wide survey mapped as a mosaic of overlapping tiles"},
    {"healpix", cli_healpix_main, "a map put on HEALPix pixels (partial sky)"},
    {"train-score", cli_train_score_main, "train the network residual of the score prior"},
    {"sample-score", cli_sample_score_main, "posterior samples by annealed HMC on the score"},
    {"train-mmgan", cli_train_mmgan_main, "train an MMGAN posterior sampler for a survey"},
    {"sample-mmgan", cli_sample_mmgan_main, "posterior samples from an MMGAN generator"},
    {"train-cosmogan", cli_train_cosmogan_main, "train a CosmoGAN emulator of convergence maps"},
    {"sample-cosmogan", cli_sample_cosmogan_main, "emulated convergence maps from a CosmoGAN"},
    {"eval-mock", cli_eval_mock_main, "score KS, WF and score sampling on a simulated survey"},
    {"calibrate", cli_calibrate_main, "fit a learned model's interval calibration on mocks"},
    {"simulate", cli_simulate_main, "simulated convergence and mock shear of a survey"},
    {"mock-catalog", cli_mock_catalog_main, "a simulated survey's galaxies over a convergence map"},
    {"info", cli_info_main, "list the HDUs, columns and WCS of a FITS file"},
};

int cli_error_status(const DmError *error) {
  return error && error->code == DM_ERROR_INVALID_ARGUMENT ? 2 : 1;
}

int cli_fail(const char *command, DmError *error) {
  int status = cli_error_status(error);
  fprintf(stderr, "darkmap-cli %s: %s\n", command,
          error ? error->message : "failed for an unknown reason.");
  dm_error_free(error);
  return status;
}

_Bool cli_wants_help(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
  return 0;
}

static void usage(FILE *out) {
  fprintf(out, "Usage: darkmap-cli COMMAND [OPTIONS]   (darkmap-cli COMMAND --help)\n\n"
               "Weak-lensing mass mapping, headless.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("darkmap-cli %s%s\n", dm_version(), dm_built_with_cuda() ? " (CUDA)" : "");
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].main(argc - 2, argv + 2);
  fprintf(stderr, "darkmap-cli: unknown command '%s'.\n\n", argv[1]);
  usage(stderr);
  return 2;
}
