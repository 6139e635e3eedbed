/* darkmap-cli train-mmgan: trains an MMGAN generator (darkmap/mmgan.h) for
 * one survey geometry, on pairs drawn from a pool of lognormal (+ NFW
 * haloes) maps and rotated real noise of the catalogue
 * (darkmap/mmgan-train.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-device.h"
#include "cli-progress.h"
#include "cli-shear-input.h"
#include "darkmap/catalog.h"
#include "darkmap/mmgan-train.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/theory.h"

static const CliOptionSpec train_options[] = {
    {"theory", true, "FILE     C_ell table of the training fields"},
    {"theory-column", true, "NAME     C_ell column of the theory table"},
    {"shift", true, "L        lognormal shift lambda (default 0.02)"},
    {"no-haloes", false, "         lognormal fields without NFW haloes"},
    {"pool-maps", true, "N        clean maps in the training pool (default 64)"},
    {"pool-noise", true, "N        noise realisations in the pool (default 32)"},
    {"validation", true, "N        validation pairs (default 8)"},
    {"steps", true, "N        training steps to run (default 2000)"},
    {"batch", true, "B        conditions per step (default 4; 2 samples each)"},
    {"width", true, "W        generator U-Net base width (default 16)"},
    {"depth", true, "D        generator U-Net levels (default 4)"},
    {"z-channels", true, "C        noise code channels (default 2)"},
    {"critic-width", true, "W        critic base width (default 16)"},
    {"lr", true, "R        Adam learning rate of both networks (default 1e-3)"},
    {"beta-adv", true, "B        weight of the adversarial loss (default 1e-5)"},
    {"adapt-every", true, "N        steps between w_SD updates (default 100; 0: fixed)"},
    {"seed", true, "S        seed of the weights, pool and draws (default 1)"},
    {"log-every", true, "N        steps between progress lines (default 50)"},
    {"max-seconds", true, "S        stop after the step chunk that passes S seconds of training"},
    {"checkpoint-every", true, "N        validate and save every N steps (default: at the end)"},
    {"state", true, "PREFIX   checkpoint state files (default: OUT)"},
    {"resume", false, "         continue from OUT and the state files"},
    {"out", true, "FILE     generator weights (safetensors)"},
    {NULL, false, NULL},
};

typedef struct {
  int steps, batch, width, depth, z_channels, critic_width, adapt_every, seed, log_every, every;
  int pool_maps, pool_noise, validation;
  double lr, beta_adv, shift, max_seconds;
  bool haloes, resume;
  const char *out, *state;
} TrainSettings;

/* The pool of the survey the catalogue and grid options describe. */
static DmMmganPool *make_pool(const CliArgs *args, const TrainSettings *s,
                              const DmTheorySpectrum *theory, DmError **error) {
  DmGridSpec spec;
  if (!cli_grid_from_options(args, &spec, error)) return NULL;
  DmCatalog *catalog = cli_catalog_from_options(args, error);
  DmMockSurvey *survey = catalog ? dm_mock_survey_new_rotated(catalog, &spec, error) : NULL;
  DmDatasetConfig dc;
  dm_dataset_config_init(&dc);
  dc.theory = theory;
  dc.nx = spec.nx;
  dc.ny = spec.ny;
  dc.pixel_arcmin = spec.pixel_arcmin;
  dc.shift = s->shift;
  dc.haloes = s->haloes;
  dc.seed = (uint64_t)s->seed;
  DmDataset *dataset = survey ? dm_dataset_new(&dc, error) : NULL;
  DmMmganPoolOptions po;
  dm_mmgan_pool_options_init(&po);
  po.n_kappa = s->pool_maps;
  po.n_noise = s->pool_noise;
  po.n_validation = s->validation;
  po.noise_seed = (uint64_t)s->seed;
  double start = dm_monotonic_seconds();
  DmProgress progress = cli_progress_init();
  DmMmganPool *pool = dataset ? dm_mmgan_pool_new(dataset, survey, &po, &progress, error) : NULL;
  cli_progress_done();
  if (pool)
    fprintf(stderr, "Pool of %d maps and %d noise realisations (+ %d validation pairs) on "
                    "%d × %d pixels of %g' made in %.1f s.\n",
            s->pool_maps, s->pool_noise, s->validation, spec.nx, spec.ny, spec.pixel_arcmin,
            dm_monotonic_seconds() - start);
  dm_dataset_free(dataset);
  dm_mock_survey_free(survey);
  dm_catalog_free(catalog);
  return pool;
}

static void print_validation(DmMmganTrainer *t, const DmMmganValidation *v) {
  fprintf(stderr,
          "Validation at step %lld: PSNR of the mean %.2f dB, one sample %.2f dB (gain %.2f, "
          "target %.2f), std calibration %.3f, r %.3f (per map %.3f, best KS %.3f), "
          "RMSE %.5f, w_SD %.4f.\n",
          (long long)dm_mmgan_trainer_steps(t), v->psnr_mean, v->psnr_single, v->psnr_gain,
          v->psnr_gain_target, v->std_ratio, v->r, v->r_map, v->r_ks, v->rmse,
          dm_mmgan_trainer_std_weight(t));
}

static bool train(const CliArgs *args, const TrainSettings *s, const DmTheorySpectrum *theory,
                  DmError **error) {
  DmMmganPool *pool = make_pool(args, s, theory, error);
  const char *device;
  int threads;
  DmNn *nn = pool && cli_device_from_options(args, &device, &threads, error)
                 ? dm_nn_new_by_name(device, threads, error)
                 : NULL;
  if (nn) fprintf(stderr, "Network engine on %s.\n", dm_nn_device_name(nn));
  DmMmganConfig config;
  dm_mmgan_config_init(&config);
  bool ok = nn != NULL;
  if (ok) {
    DmGridSpec spec;
    cli_grid_from_options(args, &spec, NULL);
    dm_mmgan_pool_size(pool, &config.nx, &config.ny);
    config.pixel_arcmin = spec.pixel_arcmin;
    config.depth = s->depth;
    config.base_width = s->width;
    config.groups = s->width % 4 == 0 ? 4 : s->width % 2 == 0 ? 2 : 1;
    config.z_channels = s->z_channels;
    config.critic_base = s->critic_width;
    dm_mmgan_pool_statistics(pool, &config.kappa_mean, &config.kappa_std, &config.shear_scale);
  }
  DmMmgan *m = ok ? dm_mmgan_new(nn, &config, true, (uint64_t)s->seed, error) : NULL;
  DmMmganTrainOptions o;
  dm_mmgan_train_options_init(&o);
  o.batch = s->batch;
  o.lr = (float)s->lr;
  o.beta_adv = s->beta_adv;
  o.adapt_every = s->adapt_every;
  o.seed = (uint64_t)s->seed;
  DmMmganTrainer *t = m ? dm_mmgan_trainer_new(m, pool, &o, error) : NULL;
  ok = t != NULL;
  if (ok) {
    int64_t params = dm_mmgan_generator_size(m);
    fprintf(stderr,
            "Generator: U-Net depth %d, width %d, %lld parameters (%.2f MiB in float32); "
            "grid padded to %d × %d; kappa mean %.5f, std %.5f; shear scale %.5f.\n",
            config.depth, config.base_width, (long long)params,
            (double)params * 4.0 / 1048576.0, m->px, m->py, config.kappa_mean,
            config.kappa_std, config.shear_scale);
  }
  if (ok && s->resume) {
    ok = dm_mmgan_trainer_load(t, s->out, s->state, error);
    if (ok)
      fprintf(stderr, "Resumed at step %lld (w_SD %.4f).\n",
              (long long)dm_mmgan_trainer_steps(t), dm_mmgan_trainer_std_weight(t));
  }
  DmProgress progress = cli_progress_init();
  double start = dm_monotonic_seconds();
  int since_checkpoint = 0;
  for (int done = 0; ok && done < s->steps;) {
    int chunk = s->log_every < s->steps - done ? s->log_every : s->steps - done;
    if (s->every > 0 && chunk > s->every - since_checkpoint) chunk = s->every - since_checkpoint;
    DmMmganLosses l;
    ok = dm_mmgan_trainer_run(t, chunk, &l, &progress, error);
    cli_progress_done();
    if (!ok) break;
    done += chunk;
    since_checkpoint += chunk;
    double elapsed = dm_monotonic_seconds() - start, rate = done / elapsed;
    double eta = (s->steps - done) / rate;
    fprintf(stderr,
            "Step %lld (%d/%d): critic %.4f, GP %.4f, adversarial %.4f, L1 %.4f, L_SD %.4f, "
            "w_SD %.4f | %.2f steps/s, %.1f pairs/s, ETA %d:%02d\n",
            (long long)dm_mmgan_trainer_steps(t), done, s->steps, l.critic,
            l.gradient_penalty, l.adversarial, l.l1, l.std_reward, l.std_weight, rate,
            rate * s->batch, (int)(eta / 60.0), (int)fmod(eta, 60.0));
    bool out_of_time = s->max_seconds > 0.0 && elapsed >= s->max_seconds && done < s->steps;
    if (out_of_time)
      fprintf(stderr, "Stopping after %.0f s of training (--max-seconds).\n", elapsed);
    if (done == s->steps || out_of_time || (s->every > 0 && since_checkpoint == s->every)) {
      DmMmganValidation v;
      ok = dm_mmgan_trainer_validate(t, &v, error) &&
           dm_mmgan_trainer_save(t, s->out, s->state, error);
      if (ok) print_validation(t, &v);
      since_checkpoint = 0;
    }
    if (out_of_time) break;
  }
  dm_mmgan_trainer_free(t);
  dm_mmgan_free(m);
  dm_nn_free(nn);
  dm_mmgan_pool_free(pool);
  return ok;
}

int cli_train_mmgan_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {train_options, cli_catalog_options, cli_device_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli train-mmgan --catalog F --theory table.csv [--size N]\n"
           "                               [--pixel-arcmin P] [--steps N] [--batch B]\n"
           "                               [--checkpoint-every N] [--resume]\n"
           "                               --out weights.safetensors\n"
           "Trains an MMGAN conditional GAN (rcGAN losses, exact WGAN gradient penalty)\n"
           "that draws posterior samples of kappa for the survey geometry of the\n"
           "catalogue on the grid given: its mask and rotated real noise.\n\n");
    cli_args_print_help(tables, 3);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  TrainSettings s = {.steps = 2000, .batch = 4, .width = 16, .depth = 4, .z_channels = 2,
                     .critic_width = 16, .adapt_every = 100, .seed = 1, .log_every = 50,
                     .every = 0, .pool_maps = 64, .pool_noise = 32, .validation = 8,
                     .lr = 1e-3, .beta_adv = 1e-5, .shift = 0.02};
  if (!cli_args_parse(&args, argc, argv, tables, 3, &error)) return cli_fail("train-mmgan", error);
  const char *theory_path = cli_args_require(&args, "theory", &error);
  s.out = theory_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!s.out || !cli_args_require(&args, "catalog", &error) ||
      !cli_args_int(&args, "steps", 1, 100000000, &s.steps, &error) ||
      !cli_args_int(&args, "batch", 1, 4096, &s.batch, &error) ||
      !cli_args_int(&args, "width", 1, 1024, &s.width, &error) ||
      !cli_args_int(&args, "depth", 1, 6, &s.depth, &error) ||
      !cli_args_int(&args, "z-channels", 1, 64, &s.z_channels, &error) ||
      !cli_args_int(&args, "critic-width", 1, 1024, &s.critic_width, &error) ||
      !cli_args_int(&args, "adapt-every", 0, 100000000, &s.adapt_every, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &s.seed, &error) ||
      !cli_args_int(&args, "log-every", 1, 100000000, &s.log_every, &error) ||
      !cli_args_int(&args, "checkpoint-every", 1, 100000000, &s.every, &error) ||
      !cli_args_int(&args, "pool-maps", 1, 1000000, &s.pool_maps, &error) ||
      !cli_args_int(&args, "pool-noise", 1, 1000000, &s.pool_noise, &error) ||
      !cli_args_int(&args, "validation", 1, 100000, &s.validation, &error) ||
      !cli_args_double(&args, "lr", &s.lr, &error) ||
      !cli_args_double(&args, "beta-adv", &s.beta_adv, &error) ||
      !cli_args_double(&args, "shift", &s.shift, &error) ||
      !cli_args_double(&args, "max-seconds", &s.max_seconds, &error))
    return cli_fail("train-mmgan", error);
  if (!(s.lr > 0.0) || !(s.beta_adv >= 0.0)) {
    dm_error_set(&error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "--lr must be positive and --beta-adv not negative.");
    return cli_fail("train-mmgan", error);
  }
  s.haloes = !cli_args_flag(&args, "no-haloes");
  s.resume = cli_args_flag(&args, "resume");
  s.state = cli_args_value(&args, "state") ? cli_args_value(&args, "state") : s.out;
  DmTheorySpectrum *theory =
      dm_theory_read_csv(theory_path, cli_args_value(&args, "theory-column"), &error);
  bool ok = theory && train(&args, &s, theory, &error);
  dm_theory_free(theory);
  if (!ok) return cli_fail("train-mmgan", error);
  fprintf(stderr, "Wrote %s and the training state %s.{critic,adam-g,adam-c}.safetensors.\n",
          s.out, s.state);
  return 0;
}
