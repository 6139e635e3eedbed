/* darkmap-cli sample-mmgan: posterior samples of the convergence from a
 * trained MMGAN generator (darkmap/mmgan.h), written as the shared
 * posterior file, with the cluster significance table on request. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-model-provenance.h"
#include "cli-progress.h"
#include "cli-shear-input.h"
#include "cli-significance.h"
#include "darkmap/mmgan.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/posterior.h"

static const CliOptionSpec sample_options[] = {
    {"model", true, "FILE     generator weights (from train-mmgan)"},
    {"shear", true, "FILE     shear file from 'bin' on the model's grid (or the catalogue options)"},
    {"samples", true, "K        posterior samples (default 64)"},
    {"batch", true, "B        samples per generator call (default 16)"},
    {"seed", true, "S        seed of the noise codes (default 1)"},
    {"out", true, "FILE     posterior file (FITS: mean, STD, SAMPLES, SIGNIF)"},
    {NULL, false, NULL},
};

/* The binned shear must be on the grid the generator was trained for. */
static bool check_grid(const DmMmgan *m, const DmBinnedShear *binned, DmError **error) {
  const DmMap *shear = binned->shear;
  if (shear->nx != m->config.nx || shear->ny != m->config.ny)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The shear map is %d × %d pixels; the generator was trained on %d × %d.",
                        shear->nx, shear->ny, m->config.nx, m->config.ny);
  if (shear->wcs) {
    double pixel = dm_wcs_pixel_scale_deg(shear->wcs) * 60.0;
    if (fabs(pixel / m->config.pixel_arcmin - 1.0) > 0.01)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "The shear map has pixels of %.4g'; the generator was trained on "
                          "%.4g'.",
                          pixel, m->config.pixel_arcmin);
  }
  return true;
}

static DmPosterior *run(const CliArgs *args, const DmBinnedShear *binned, int n, int batch,
                        int seed, DmError **error) {
  const char *model = cli_args_value(args, "model");
  DmNn *nn = cli_nn_from_options(args, error);
  DmMmgan *m = nn ? dm_mmgan_load(nn, model, error) : NULL;
  bool ok = m && check_grid(m, binned, error);
  size_t npix = dm_map_plane_size(binned->shear);
  float *samples = ok ? malloc((size_t)n * npix * sizeof(float)) : NULL;
  if (ok && !samples) ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  DmProgress progress = cli_progress_init();
  double start = dm_monotonic_seconds();
  ok = ok && dm_mmgan_sample(m, dm_map_plane(binned->shear, 0), dm_map_plane(binned->shear, 1),
                             binned->mask->data, n, batch, (uint64_t)seed, samples, &progress,
                             error);
  cli_progress_done();
  if (ok) {
    double seconds = dm_monotonic_seconds() - start;
    fprintf(stderr, "%d samples in %.2f s (%.1f samples/s, batch %d).\n", n, seconds,
            n / seconds, batch);
  }
  DmPosterior *posterior =
      ok ? dm_mmgan_posterior_new(m, samples, n, binned->shear->wcs, (uint64_t)seed, error)
         : NULL;
  if (posterior && !cli_record_model(posterior->mean, model, error)) {
    dm_posterior_free(posterior);
    posterior = NULL;
  }
  free(samples);
  dm_mmgan_free(m);
  dm_nn_free(nn);
  return posterior;
}

int cli_sample_mmgan_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {sample_options, cli_catalog_options, cli_device_options,
                                   cli_significance_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli sample-mmgan --model weights.safetensors --shear shear.fits\n"
           "                                [--samples K] [--seed S] [--batch B]\n"
           "                                [--device auto|cpu|cuda] --out posterior.fits\n"
           "                                [--clusters table.csv --significance-out sig.csv]\n"
           "Posterior samples of the convergence from an MMGAN generator trained for the\n"
           "survey (train-mmgan): one generator call per batch of samples.\n\n");
    cli_args_print_help(tables, 4);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  int n_samples = 64, batch = 16, seed = 1;
  if (!cli_args_parse(&args, argc, argv, tables, 4, &error)) return cli_fail("sample-mmgan", error);
  const char *out = cli_args_require(&args, "model", &error)
                        ? cli_args_require(&args, "out", &error)
                        : NULL;
  if (!out || !cli_args_int(&args, "samples", 1, 1000000, &n_samples, &error) ||
      !cli_args_int(&args, "batch", 1, 4096, &batch, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &seed, &error))
    return cli_fail("sample-mmgan", error);
  DmClusterSignificanceOptions sig_options;
  DmClusterTable *clusters = NULL;
  if (!cli_significance_parse(&args, n_samples, &sig_options, &clusters, &error))
    return cli_fail("sample-mmgan", error);
  DmBinnedShear *binned = cli_shear_from_options(&args, &error);
  DmPosterior *posterior = binned ? run(&args, binned, n_samples, batch, seed, &error) : NULL;
  bool ok = posterior &&
            cli_significance_write(&args, &sig_options, clusters, posterior, &error) &&
            dm_posterior_write(out, posterior, &error);
  dm_posterior_free(posterior);
  dm_cluster_table_free(clusters);
  dm_binned_shear_free(binned);
  if (!ok) return cli_fail("sample-mmgan", error);
  fprintf(stderr, "Wrote %s.\n", out);
  return 0;
}
