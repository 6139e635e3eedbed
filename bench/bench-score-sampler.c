/* Seconds per independent posterior sample of the score samplers at 360²
 * (the shipped COSMOS grid: 0.29' pixels, 1.74° wide): the COSMOS catalogue
 * binned on the flat grid gives the shear, the mask and the per-pixel noise;
 * the prior is the kTNG C_ell.  Rows: method (annealed HMC, probability
 * flow) × prior (theory alone, or plus an untrained noise-conditioned U-Net
 * residual of the shipped size: depth 4, base width 16) × chains per batch,
 * on the device of --device, through the device samplers
 * (darkmap/score-device.h).  Each row: one untimed warm-up batch (a short
 * schedule of the same chains: cuFFT plans, cuDNN algorithms, allocator),
 * then one timed batch; seconds per sample = batch wall time / chains, and
 * the score (= network) evaluations per sample.  Peers in the same run: the
 * host-array interface on the CPU (DmScoreSampler / dm_score_flow_run: the
 * same algorithm on a CPU context of its own, one thread plus FFTW's, the
 * network residual through host arrays on the bench's context, i.e. on the
 * GPU with --device cuda, as sample-score ran before) on the same
 * settings, and the published figure of Remy et al. (2023), 10
 * GPU-minutes per sample (vs_10min = 600 s / Darkmap's seconds per sample).
 * Ratio = host seconds per sample / the device's.  The host peer runs once
 * per method and prior, on --peer-chains chains (default 1: on the CPU a
 * sample costs the same in any batch), and its figure is repeated on that
 * method's rows.
 *
 *   bench-score-sampler [--device cpu|cuda] [--chains 1,8,32,64]
 *                       [--levels L] [--final F] [--flow-steps S]
 *                       [--no-network] [--no-peer] [--peer-chains P] [--threads T]
 *
 * The schedule defaults to the samplers' own (HMC: 40 levels, 10 leapfrog,
 * 20 final: 640 evaluations; flow: 32 Heun steps, 2 correctors: 127); a
 * shorter one (--levels, --final, --flow-steps) gives a per-evaluation cost
 * that is printed too, so that the default schedule's time per sample can be
 * read off (seconds per evaluation per chain × evaluations). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-timing.h"
#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/fft.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/nn-modules.h"
#include "darkmap/score-device.h"
#include "darkmap/theory.h"

enum { GRID = 360, MAX_CHAIN_COUNTS = 8 };
#define PIXEL_ARCMIN 0.29
#define PUBLISHED_SECONDS_PER_SAMPLE 600.0 /* Remy et al. 2023: 10 GPU-minutes */

typedef struct {
  DmNnDevice device;
  int threads;
  int chains[MAX_CHAIN_COUNTS], n_chain_counts;
  int levels, final, flow_steps;
  bool network, peer;
  int peer_chains;
} Options;

static _Noreturn void fail(const char *what, DmError *error) {
  fprintf(stderr, "bench-score-sampler: %s: %s\n", what, error ? error->message : "failed");
  exit(1);
}

static void usage(int status) {
  fprintf(status ? stderr : stdout,
          "usage: bench-score-sampler [--device cpu|cuda] [--chains 1,8,32,64] [--levels L]\n"
          "                           [--final F] [--flow-steps S] [--no-network] [--no-peer]\n"
          "                           [--peer-chains P] [--threads T]\n");
  exit(status);
}

static Options parse(int argc, char **argv) {
  Options o = {.device = DM_NN_DEVICE_CPU, .chains = {1, 8, 32, 64}, .n_chain_counts = 4,
               .levels = 40, .final = 20, .flow_steps = 32, .network = true, .peer = true,
               .peer_chains = 1};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--device") && v) {
      o.device = !strcmp(v, "cuda") ? DM_NN_DEVICE_CUDA : DM_NN_DEVICE_CPU;
      i++;
    } else if (!strcmp(a, "--chains") && v) {
      o.n_chain_counts = 0;
      for (char *s = argv[++i]; *s && o.n_chain_counts < MAX_CHAIN_COUNTS;) {
        char *end;
        long n = strtol(s, &end, 10);
        if (end == s || n < 1) usage(2);
        o.chains[o.n_chain_counts++] = (int)n;
        s = *end == ',' ? end + 1 : end;
      }
    } else if (!strcmp(a, "--levels") && v) {
      o.levels = atoi(argv[++i]);
    } else if (!strcmp(a, "--final") && v) {
      o.final = atoi(argv[++i]);
    } else if (!strcmp(a, "--flow-steps") && v) {
      o.flow_steps = atoi(argv[++i]);
    } else if (!strcmp(a, "--peer-chains") && v) {
      o.peer_chains = atoi(argv[++i]);
    } else if (!strcmp(a, "--threads") && v) {
      o.threads = atoi(argv[++i]);
    } else if (!strcmp(a, "--no-network")) {
      o.network = false;
    } else if (!strcmp(a, "--no-peer")) {
      o.peer = false;
    } else {
      usage(strcmp(a, "--help") ? 2 : 0);
    }
  }
  if (o.levels < 2 || o.final < 0 || o.flow_steps < 1 || o.peer_chains < 1) usage(2);
  return o;
}

/* The binned COSMOS field on the shipped flat grid. */
static DmBinnedShear *cosmos_field(void) {
  DmError *error = NULL;
  DmCatalog *catalog = dm_catalog_read(BENCH_CATALOG, 0, NULL, NULL, &error);
  double ra, dec;
  if (!catalog || !dm_catalog_median_center(catalog, &ra, &dec, &error)) fail("catalogue", error);
  DmGridSpec spec;
  dm_grid_spec_init(&spec);
  spec.nx = spec.ny = GRID;
  spec.pixel_arcmin = PIXEL_ARCMIN;
  spec.has_center = true;
  spec.center_ra = ra;
  spec.center_dec = dec;
  spec.projection = DM_PROJECTION_FLAT;
  spec.ra_left = false;
  spec.flip_e2 = true;
  DmBinnedShear *binned = dm_bin_catalog(catalog, &spec, NULL, &error);
  if (!binned) fail("binning", error);
  dm_catalog_free(catalog);
  return binned;
}

/* Everything one row runs on. */
typedef struct {
  DmScorePrior *prior;
  DmScoreLikelihood *likelihood;
  DmNn *nn;
  DmScoreNetwork network;  /* unet NULL: no residual */
  DmScoreSamplerOptions hmc;
  DmScoreFlowOptions flow;
} Setup;

/* One batch of `chains` chains: HMC or flow, on the device or the host
 * (peer); returns the wall time, *evaluations the score evaluations per
 * chain. */
static double run_batch(Setup *s, bool flow, bool residual, bool host, int chains,
                        const DmScoreSamplerOptions *hmc, const DmScoreFlowOptions *flow_options,
                        float *samples, long *evaluations) {
  DmError *error = NULL;
  bool ok;
  double start = dm_monotonic_seconds();
  if (host) {
    DmScoreResidualFunc func = residual ? dm_score_network_residual : NULL;
    if (flow) {
      ok = dm_score_flow_run(s->prior, s->likelihood, func, &s->network, flow_options, 0, chains,
                             samples, evaluations, NULL, &error);
    } else {
      DmScoreSampler *sampler =
          dm_score_sampler_new(s->prior, s->likelihood, func, &s->network, hmc, &error);
      DmScoreSamplerStats stats;
      ok = sampler && dm_score_sampler_run(sampler, 0, chains, samples, &stats, NULL, &error);
      if (ok) *evaluations = stats.gradients;
      dm_score_sampler_free(sampler);
    }
  } else {
    DmScoreDevice *device =
        dm_score_device_new(s->nn, s->prior, s->likelihood,
                            residual ? dm_score_network_tensor_residual : NULL, &s->network,
                            &error);
    DmScoreSamplerStats stats;
    ok = device && (flow ? dm_score_device_flow(device, flow_options, 0, chains, samples,
                                                evaluations, NULL, &error)
                         : dm_score_device_hmc(device, hmc, 0, chains, samples, &stats, NULL,
                                               &error));
    if (ok && !flow) *evaluations = stats.gradients;
    dm_score_device_free(device);
  }
  double seconds = dm_monotonic_seconds() - start;
  if (!ok) fail(host ? "host sampler" : "device sampler", error);
  return seconds;
}

/* One row: warm-up and timed batch; *peer_seconds (< 0: not yet measured)
 * the host peer's seconds per sample of this method and prior. */
static void row(Setup *s, const Options *o, bool flow, bool residual, int chains,
                double *peer_seconds) {
  int peer_chains = o->peer_chains;
  size_t most = (size_t)(chains > peer_chains ? chains : peer_chains);
  float *samples = malloc(most * GRID * GRID * sizeof(float));
  if (!samples) fail("samples", NULL);
  DmScoreSamplerOptions warm_hmc = s->hmc;
  warm_hmc.n_levels = 2;
  warm_hmc.n_leapfrog = 1;
  warm_hmc.n_final = 0;
  DmScoreFlowOptions warm_flow = s->flow;
  warm_flow.n_steps = 1;
  warm_flow.n_corrector = 0;
  long evaluations = 0;
  run_batch(s, flow, residual, false, chains, &warm_hmc, &warm_flow, samples, &evaluations);
  double seconds =
      run_batch(s, flow, residual, false, chains, &s->hmc, &s->flow, samples, &evaluations);
  double per_sample = seconds / chains;
  double per_eval = per_sample / (double)evaluations;
  char peer[64] = "-";
  if (o->peer) {
    long peer_evaluations = 0;
    if (*peer_seconds < 0.0)
      *peer_seconds = run_batch(s, flow, residual, true, peer_chains, &s->hmc, &s->flow,
                                samples, &peer_evaluations) /
                      peer_chains;
    snprintf(peer, sizeof peer, "%10.4f %7.2f", *peer_seconds, *peer_seconds / per_sample);
  }
  printf("%-5s %-7s %6d %6ld %12.4f %12.6f %10.1f  %s\n", flow ? "flow" : "hmc",
         residual ? "unet" : "theory", chains, evaluations, per_sample, per_eval,
         PUBLISHED_SECONDS_PER_SAMPLE / per_sample, peer);
  fflush(stdout);
  free(samples);
}

int main(int argc, char **argv) {
  Options o = parse(argc, argv);
  DmError *error = NULL;
  dm_fft_set_threads(o.threads > 0 ? o.threads : 2);
  DmBinnedShear *binned = cosmos_field();
  DmTheorySpectrum *theory = dm_theory_read_csv(BENCH_THEORY, NULL, &error);
  if (!theory) fail("theory", error);
  Setup s = {0};
  s.prior = dm_score_prior_new(theory, GRID, GRID, PIXEL_ARCMIN, &error);
  s.likelihood =
      s.prior ? dm_score_likelihood_new(GRID, GRID, dm_map_plane(binned->shear, 0),
                                        dm_map_plane(binned->shear, 1),
                                        dm_map_plane(binned->noise, 0),
                                        dm_map_plane(binned->noise, 1), binned->mask->data, &error)
              : NULL;
  s.nn = s.likelihood ? dm_nn_new(o.device, o.threads, &error) : NULL;
  if (!s.nn) fail("set-up", error);
  DmNnParams *params = NULL;
  if (o.network) {
    params = dm_nn_params_new(s.nn);
    DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = 4, .base_width = 16,
                           .groups = 4, .slope = 0.2f, .noise_features = 16};
    s.network = (DmScoreNetwork){.nn = s.nn, .unet = dm_unet_new(params, &config, 1, &error),
                                 .data_variance = dm_score_prior_variance(s.prior, 0.0)};
    if (!s.network.unet) fail("U-Net", error);
  }
  dm_score_sampler_options_init(&s.hmc);
  s.hmc.n_levels = o.levels;
  s.hmc.n_final = o.final;
  dm_score_flow_options_init(&s.flow);
  s.flow.n_steps = o.flow_steps;

  printf("# score samplers at %d² (%.2f'), COSMOS mask and noise, kTNG prior\n", GRID,
         PIXEL_ARCMIN);
  printf("# device: %s; host peer: a CPU context, FFTW on %d threads\n",
         dm_nn_device_name(s.nn), o.threads > 0 ? o.threads : 2);
  printf("# HMC: %d levels, %d leapfrog, %d final; flow: %d steps, %d correctors\n",
         s.hmc.n_levels, s.hmc.n_leapfrog, s.hmc.n_final, s.flow.n_steps, s.flow.n_corrector);
  printf("%-5s %-7s %6s %6s %12s %12s %10s  %10s %7s\n", "algo", "prior", "chains", "evals",
         "s/sample", "s/eval/chain", "vs_10min", "host_s/smp", "ratio");
  for (int residual = 0; residual <= (o.network ? 1 : 0); residual++)
    for (int flow = 0; flow <= 1; flow++) {
      double peer_seconds = -1.0;
      for (int c = 0; c < o.n_chain_counts; c++)
        row(&s, &o, flow, residual, o.chains[c], &peer_seconds);
    }

  dm_unet_free(s.network.unet);
  dm_nn_params_free(params);
  dm_nn_free(s.nn);
  dm_score_likelihood_free(s.likelihood);
  dm_score_prior_free(s.prior);
  dm_theory_free(theory);
  dm_binned_shear_free(binned);
  return 0;
}
