/* darkmap-cli eval-mock: KS, Wiener filter, score samplers and MMGAN scored
 * against the truth of one simulated COSMOS-like survey or several, with
 * the coverage diagnostics of their samples (darkmap/mock-evaluation.h). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-mock-request.h"
#include "cli-progress.h"
#include "darkmap/atomic-file.h"
#include "darkmap/model-evaluation.h"
#include "darkmap/theory.h"

/* Beside the mocks' options (cli-mock-request.h) and the device's. */
static const CliOptionSpec eval_options[] = {
    {"model", true, "FILE     score network (from train-score): adds the hybrid prior"},
    {"mmgan", true, "FILE     MMGAN generator (from train-mmgan) of the same grid: adds MMGAN"},
    {"truths", true,
     "FILE     the mocks' truths from a FITS cube or folder of maps (N-body maps: "
     "simulate --field nbody), tile i for mock i, instead of simulated ones"},
    {"uncalibrated", false, "         leave out the model's calibration factor"},
    {"no-theory-samplers", false, "         leave out the theory-only score sampler and flow"},
    {"step-scale", true, "C        leapfrog step / sigma, theory prior (default 0.5)"},
    {"aperture", true, "ARCMIN   radius of the aperture means (default 2)"},
    {"tarp-tile", true, "N        side of TARP's tiles in pixels (default 8)"},
    {"out", true, "FILE     also write every metric, its std and TARP's curve as CSV"},
    {NULL, false, NULL},
};

/* The seed of eval-mock's mocks and samples when --seed is not given. */
#define EVAL_SEED 2024

static const char *const method_names[DM_EVAL_N_METHODS] = {
    "ks", "wiener", "score", "score-hybrid", "score-flow", "mmgan"};

/* A metric of a row: its CSV name, its title in the printed table, its
 * decimals in each and where it is in DmEvalMetrics. */
typedef struct {
  const char *name, *title;
  int decimals, csv_decimals;
  size_t offset;
} Metric;

static const Metric metrics[] = {
    {"r", "r", 3, 4, offsetof(DmEvalMetrics, r)},
    {"rmse", "RMSE", 4, 5, offsetof(DmEvalMetrics, rmse)},
    {"bias", "bias", 5, 6, offsetof(DmEvalMetrics, bias)},
    {"coverage68", "68 %", 3, 4, offsetof(DmEvalMetrics, coverage68)},
    {"coverage95", "95 %", 3, 4, offsetof(DmEvalMetrics, coverage95)},
    {"coverage68_calibrated", "68 % calibrated", 3, 4,
     offsetof(DmEvalMetrics, coverage68_calibrated)},
    {"coverage95_calibrated", "95 % calibrated", 3, 4,
     offsetof(DmEvalMetrics, coverage95_calibrated)},
    {"aperture68", "aperture 68 %", 3, 4, offsetof(DmEvalMetrics, aperture68)},
    {"aperture95", "aperture 95 %", 3, 4, offsetof(DmEvalMetrics, aperture95)},
    {"tarp_error", "TARP error", 3, 4, offsetof(DmEvalMetrics, tarp_error)},
    {"seconds", "time (s)", 2, 2, offsetof(DmEvalMetrics, seconds)},
};
enum { N_METRICS = sizeof metrics / sizeof metrics[0] };

static double metric_of(const DmEvalMetrics *row, const Metric *metric) {
  return *(const double *)((const char *)row + metric->offset);
}

static bool is_calibrated_metric(const Metric *metric) {
  return metric->offset == offsetof(DmEvalMetrics, coverage68_calibrated) ||
         metric->offset == offsetof(DmEvalMetrics, coverage95_calibrated);
}

/* Whether a row that ran has a calibrated coverage. */
static bool any_calibrated(const DmEvalResult *result) {
  for (int m = 0; m < DM_EVAL_N_METHODS; m++)
    if (result->method[m].done && !isnan(result->method[m].coverage68_calibrated)) return true;
  return false;
}

/* Characters of UTF-8 text (what the terminal shows of it). */
static int text_width(const char *text) {
  int width = 0;
  for (const unsigned char *c = (const unsigned char *)text; *c; c++) width += (*c & 0xC0) != 0x80;
  return width;
}

enum { CELL = 40 };

/* A table cell: "–" for NaN, the mean, and "± std" over several mocks. */
static void format_cell(char cell[CELL], double mean, double std, int decimals, bool scatter) {
  if (isnan(mean)) snprintf(cell, CELL, "–");
  else if (scatter) snprintf(cell, CELL, "%.*f ± %.*f", decimals, mean, decimals, std);
  else snprintf(cell, CELL, "%.*f", decimals, mean);
}

/* The table of the methods that ran, columns aligned; the calibrated
 * coverage only when a method has it; then the samplers' r of the mean of
 * the first 1, 2, 4, … samples. */
static void print_table(FILE *f, const DmEvalResult *result) {
  bool calibrated = any_calibrated(result), scatter = result->n_mocks > 1;
  char cells[DM_EVAL_N_METHODS][N_METRICS][CELL];
  int widths[N_METRICS], name_width = (int)strlen("method");
  for (int c = 0; c < N_METRICS; c++) widths[c] = text_width(metrics[c].title);
  for (int m = 0; m < DM_EVAL_N_METHODS; m++) {
    if (!result->method[m].done) continue;
    name_width = (int)fmax(name_width, (double)strlen(method_names[m]));
    for (int c = 0; c < N_METRICS; c++) {
      format_cell(cells[m][c], metric_of(&result->method[m], &metrics[c]),
                  metric_of(&result->scatter[m], &metrics[c]), metrics[c].decimals, scatter);
      widths[c] = (int)fmax(widths[c], text_width(cells[m][c]));
    }
  }
  fprintf(f, "%-*s", name_width, "method");
  for (int c = 0; c < N_METRICS; c++)
    if (calibrated || !is_calibrated_metric(&metrics[c]))
      fprintf(f, "  %s%*s", metrics[c].title,
              c + 1 < N_METRICS ? widths[c] - text_width(metrics[c].title) : 0, "");
  fprintf(f, "\n");
  for (int m = 0; m < DM_EVAL_N_METHODS; m++) {
    if (!result->method[m].done) continue;
    fprintf(f, "%-*s", name_width, method_names[m]);
    for (int c = 0; c < N_METRICS; c++)
      if (calibrated || !is_calibrated_metric(&metrics[c]))
        fprintf(f, "  %s%*s", cells[m][c],
                c + 1 < N_METRICS ? widths[c] - text_width(cells[m][c]) : 0, "");
    fprintf(f, "\n");
  }
  for (int m = 0; m < DM_EVAL_N_METHODS; m++) {
    const DmEvalMetrics *e = &result->method[m];
    if (!e->done || e->n_counts == 0) continue;
    fprintf(f, "%s: r of the mean of the first", method_names[m]);
    for (int j = 0; j < e->n_counts; j++) fprintf(f, "%s %d", j ? "," : "", 1 << j);
    fprintf(f, " samples:");
    for (int j = 0; j < e->n_counts; j++) fprintf(f, " %.3f", e->r_by_count[j]);
    fprintf(f, "\n");
  }
}

/* One row per method run: every metric and its std over the mocks (0 for
 * one), TARP's ECP at 0.05, 0.10, … 0.95 (columns tarp_0.05 …) and the
 * samplers' r of the mean of the first 1, 2, 4, … samples (r_mean_1 …). */
static void print_csv(FILE *f, const DmEvalResult *result) {
  int counts = 0;
  for (int m = 0; m < DM_EVAL_N_METHODS; m++)
    if (result->method[m].done && result->method[m].n_counts > counts)
      counts = result->method[m].n_counts;
  fprintf(f, "method,mocks");
  for (int c = 0; c < N_METRICS; c++) fprintf(f, ",%s,%s_std", metrics[c].name, metrics[c].name);
  for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++) fprintf(f, ",tarp_%.2f", dm_eval_tarp_alpha(i));
  for (int j = 0; j < counts; j++) fprintf(f, ",r_mean_%d", 1 << j);
  fprintf(f, "\n");
  for (int m = 0; m < DM_EVAL_N_METHODS; m++) {
    const DmEvalMetrics *e = &result->method[m];
    if (!e->done) continue;
    fprintf(f, "%s,%d", method_names[m], result->n_mocks);
    for (int c = 0; c < N_METRICS; c++)
      fprintf(f, ",%.*f,%.*f", metrics[c].csv_decimals, metric_of(e, &metrics[c]),
              metrics[c].csv_decimals, metric_of(&result->scatter[m], &metrics[c]));
    for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++) fprintf(f, ",%.4f", e->tarp_ecp[i]);
    for (int j = 0; j < counts; j++)
      if (j < e->n_counts) fprintf(f, ",%.4f", e->r_by_count[j]);
      else fprintf(f, ",");
    fprintf(f, "\n");
  }
}

/* print_csv for dm_atomic_write_text. */
static bool print_csv_data(FILE *f, void *result) {
  print_csv(f, result);
  return true;
}

/* The table to path, atomically. */
static bool write_csv(const char *path, const DmEvalResult *result, DmError **error) {
  return dm_atomic_write_text(path, "the table", print_csv_data, (void *)result, error);
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
  const CliOptionSpec *tables[] = {cli_mock_request_options, eval_options, cli_device_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli eval-mock --catalog shear.fits --theory table.csv [--size N]\n"
           "                             [--pixel-arcmin P] [--samples K] [--mocks N]\n"
           "                             [--model w.safetensors] [--out table.csv]\n"
           "Simulates one survey or several (lognormal field + NFW haloes, the catalogue's\n"
           "mask and rotated real noise; seed %d unless --seed), reconstructs each by KS,\n"
           "Wiener filter, score sampling and MMGAN (--mmgan), and prints for each method\n"
           "against the truth r, RMSE and bias; for the samplers the 68/95 %% coverage of\n"
           "per-pixel intervals and of aperture means (discs of --aperture arcmin), TARP's\n"
           "largest distance to the diagonal (tiles of --tarp-tile pixels), a calibrated\n"
           "model's coverage after its calibration (unless --uncalibrated), and r of the\n"
           "mean of the first 1, 2, 4, ... samples.  Over several mocks (--mocks) each\n"
           "value is the mean ± std.  With --truths cube.fits each mock's truth is a map\n"
           "of the file (mock i: its tile i of the grid's size; the shear, mask and noise\n"
           "as simulated), so that the table can be made for N-body truths too.\n\n",
           EVAL_SEED);
    cli_args_print_help(tables, 3);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  DmModelEvaluationRequest request;
  dm_model_evaluation_request_init(&request);
  DmEvalConfig defaults;
  dm_eval_config_init(&defaults);
  request.aperture_arcmin = defaults.aperture_arcmin;
  request.tarp_tile = defaults.tarp_tile;
  DmTheorySpectrum *theory = NULL;
  if (!cli_args_parse(&args, argc, argv, tables, 3, &error) ||
      !cli_mock_request_read(&args, EVAL_SEED, &request, &theory, &error) ||
      !cli_args_double(&args, "step-scale", &request.sampler.step_scale, &error) ||
      !cli_args_double(&args, "aperture", &request.aperture_arcmin, &error) ||
      !cli_args_int(&args, "tarp-tile", 1, 4096, &request.tarp_tile, &error) ||
      !model_and_device(&args, &request, &error)) {
    dm_theory_free(theory);
    return cli_fail("eval-mock", error);
  }
  if (!(request.sampler.step_scale > 0.0) || !(request.aperture_arcmin > 0.0)) {
    dm_theory_free(theory);
    dm_error_set(&error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Options --step-scale and --aperture must be positive.");
    return cli_fail("eval-mock", error);
  }
  request.uncalibrated = cli_args_flag(&args, "uncalibrated");
  request.truths_path = cli_args_value(&args, "truths");
  request.baselines = cli_args_flag(&args, "no-theory-samplers")
                          ? DM_EVAL_BIT(DM_EVAL_KS) | DM_EVAL_BIT(DM_EVAL_WIENER)
                          : DM_EVAL_ALL_BASELINES;
  DmModelEvaluation evaluation;
  const DmEvalResult *result = &evaluation.table;
  DmProgress progress = cli_progress_init();
  bool ok = dm_evaluate_model(&request, &evaluation, &progress, &error);
  cli_progress_done();
  const char *out = cli_args_value(&args, "out");
  if (ok) {
    fprintf(stderr, "Network engine on %s.\n", evaluation.device);
    fprintf(stderr,
            "%d² pixels of %.2f'; %zu with data; truth std %.4f (grid mean %.4f removed); ",
            request.grid.nx, request.grid.pixel_arcmin, result->n_pixels, result->truth_std,
            result->truth_mean);
    if (request.truths_path)
      fprintf(stderr, "truths from %s; ", request.truths_path);
    else
      fprintf(stderr, "%ld haloes; ", result->n_haloes);
    fprintf(stderr, "best KS smoothing %.1f pixels.\n", result->ks_sigma_pixels);
    if (result->n_apertures > 0 || result->n_tarp_tiles > 0)
      fprintf(stderr, "Per mock: %d aperture means of %.3g', %d TARP tiles of %d x %d pixels.\n",
              result->n_apertures, request.aperture_arcmin, result->n_tarp_tiles,
              request.tarp_tile, request.tarp_tile);
    if (result->n_mocks > 1)
      fprintf(stderr,
              "Mean ± std (n − 1) over %d mocks, indices %llu to %llu of seed %llu (pixels, "
              "truth and haloes: their mean; KS smoothing: the first mock's).\n",
              result->n_mocks, (unsigned long long)request.index,
              (unsigned long long)request.index + (unsigned long long)result->n_mocks - 1,
              (unsigned long long)request.seed);
    print_table(stdout, result);
    ok = !out || write_csv(out, result, &error);
  }
  dm_theory_free(theory);
  if (!ok) return cli_fail("eval-mock", error);
  if (out) fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
