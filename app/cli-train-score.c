/* darkmap-cli train-score: denoising score matching of the hybrid prior's
 * network residual on simulated convergence maps of a survey's pixel scale:
 * lognormal fields of a theory C_ell plus NFW haloes, a pool made once and
 * augmented by the grid's symmetries (darkmap/score-train-pool.h). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli-args.h"
#include "cli-commands.h"
#include "cli-progress.h"
#include "darkmap/dataset.h"
#include "darkmap/score-network.h"
#include "darkmap/score-train-pool.h"
#include "darkmap/theory.h"

static const CliOptionSpec train_options[] = {
    {"theory", true, "FILE     C_ell table of the training fields and of the theory score"},
    {"theory-column", true, "NAME     C_ell column of the theory table"},
    {"size", true, "N        side of the training maps in pixels (default 128)"},
    {"pixel-arcmin", true, "P        pixel side (default 0.29, the COSMOS grid's)"},
    {"shift", true, "L        lognormal shift lambda (default 0.02)"},
    {"no-haloes", false, "         lognormal fields without NFW haloes"},
    {"plain", false, "         train the whole prior score (no theory term), not the hybrid residual"},
    {"pool", true, "K        training maps made once, then shifted, flipped, transposed "
                   "(default 256)"},
    {"validation-pool", true, "K        held-out maps of the validation loss (default 32)"},
    {"threads", true, "T        threads making the maps and each step's noisy maps (default: "
                      "the CPUs)"},
    {"steps", true, "N        training steps to run (default 1000)"},
    {"batch", true, "B        maps per step (default 8)"},
    {"lr", true, "R        Adam learning rate (default 1e-3)"},
    {"cosine", true, "N        warm-up and cosine decay of the rate to 5 % at step N "
                     "(default: constant)"},
    {"width", true, "W        U-Net base width (default 16)"},
    {"depth", true, "D        U-Net levels (default 4)"},
    {"sigma-min", true, "S        smallest noise level (default 1e-3)"},
    {"sigma-max", true, "S        largest noise level (default 0.5)"},
    {"seed", true, "S        seed of the weights, noise and fields (default 1)"},
    {"checkpoint-every", true, "N        save every N steps (default: at the end only)"},
    {"state", true, "FILE     Adam state (default: OUT.adam)"},
    {"resume", false, "         continue from OUT and the state file"},
    {"out", true, "FILE     network weights (safetensors)"},
    {NULL, false, NULL},
};

typedef struct {
  int size, steps, every, width, depth, seed, pool, validation_pool, threads, cosine;
  DmDatasetConfig fields;
  DmScoreTrainOptions train;
  bool resume, plain;
  const char *out, *state;
} TrainSettings;

static bool train(const TrainSettings *s, DmError **error) {
  DmProgress progress = cli_progress_init();
  DmScoreTrainPool *pool = dm_score_train_pool_new(&s->fields, s->pool, s->validation_pool,
                                                   (uint64_t)s->seed, s->threads, &progress,
                                                   error);
  cli_progress_done();
  if (pool)
    fprintf(stderr, "Made %d + %d maps of %d² pixels of %.3g'%s.\n", s->pool, s->validation_pool,
            s->size, s->fields.pixel_arcmin, s->fields.haloes ? " with haloes" : "");
  DmScorePrior *prior = pool ? dm_score_prior_new(s->fields.theory, s->size, s->size,
                                                  s->fields.pixel_arcmin, error)
                             : NULL;
  DmNn *nn = prior ? dm_nn_new(DM_NN_DEVICE_AUTO, 0, error) : NULL;
  DmNnParams *params = nn ? dm_nn_params_new(nn) : NULL;
  DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = s->depth,
                         .base_width = s->width,
                         .groups = s->width % 4 == 0 ? 4 : s->width % 2 == 0 ? 2 : 1,
                         .slope = 0.2f, .noise_features = 16};
  DmUNet *unet = params ? dm_unet_new(params, &config, (uint64_t)s->seed, error) : NULL;
  DmAdamConfig adam_config = dm_adam_config_default();
  adam_config.lr = s->train.schedule.base_lr;
  adam_config.clip_norm = 1.0f;
  DmAdam *adam = unet ? dm_adam_new(params, &adam_config, error) : NULL;
  DmScoreNetwork network = {nn, unet, prior ? dm_score_prior_variance(prior, 0.0) : 0.0,
                            s->plain};
  DmScoreTrainer *trainer =
      adam ? dm_score_trainer_new(prior, &network, params, adam, dm_score_train_pool_map, pool,
                                  &s->train, error)
           : NULL;
  bool ok = trainer != NULL;
  if (ok && s->resume) {
    ok = dm_score_trainer_load(trainer, s->out, s->state, error);
    if (ok) fprintf(stderr, "Resumed at step %lld.\n", (long long)dm_adam_steps(adam));
  }
  if (ok)
    fprintf(stderr, "Training %lld weights on %s.\n", (long long)dm_nn_params_numel(params),
            dm_nn_device_name(nn));
  double loss = 0.0, theory_loss = 0.0, last = 0.0;
  ok = ok && dm_score_trainer_validate(trainer, &loss, &theory_loss, error);
  if (ok)
    fprintf(stderr, "Validation loss %.5f (theory score alone %.5f).\n", loss, theory_loss);
  for (int done = 0; ok && done < s->steps;) {
    int chunk = s->every > 0 && s->every < s->steps - done ? s->every : s->steps - done;
    ok = dm_score_trainer_run(trainer, chunk, &last, &progress, error) &&
         dm_score_trainer_validate(trainer, &loss, &theory_loss, error) &&
         dm_score_trainer_save(trainer, s->out, s->state, error);
    done += chunk;
    cli_progress_done();
    if (ok)
      fprintf(stderr, "Step %lld: training loss %.5f, validation %.5f (theory alone %.5f).\n",
              (long long)dm_adam_steps(adam), last, loss, theory_loss);
  }
  dm_score_trainer_free(trainer);
  dm_adam_free(adam);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  dm_score_prior_free(prior);
  dm_score_train_pool_free(pool);
  return ok;
}

int cli_train_score_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {train_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli train-score --theory table.csv [--size N] [--steps N]\n"
           "                               [--resume] --out weights.safetensors\n"
           "Trains the network residual of the hybrid prior score by denoising score\n"
           "matching on lognormal fields of the theory C_ell plus NFW haloes (a pool of\n"
           "maps made once, randomly shifted, flipped and transposed at every draw).\n\n");
    cli_args_print_help(tables, 1);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  TrainSettings s = {.size = 128, .steps = 1000, .every = 0, .width = 16, .depth = 4, .seed = 1,
                     .pool = 256, .validation_pool = 32,
                     .threads = cpus > 0 && cpus < 1024 ? (int)cpus : 1, .cosine = 0};
  dm_dataset_config_init(&s.fields);
  s.fields.pixel_arcmin = 0.29;
  dm_score_train_options_init(&s.train);
  s.train.sigma_max = 0.3;
  double lr = 1e-3;
  if (!cli_args_parse(&args, argc, argv, tables, 1, &error)) return cli_fail("train-score", error);
  const char *theory_path = cli_args_require(&args, "theory", &error);
  s.out = theory_path ? cli_args_require(&args, "out", &error) : NULL;
  if (!s.out || !cli_args_int(&args, "size", 4, 4096, &s.size, &error) ||
      !cli_args_int(&args, "steps", 0, 100000000, &s.steps, &error) ||
      !cli_args_int(&args, "batch", 1, 4096, &s.train.batch, &error) ||
      !cli_args_int(&args, "width", 1, 1024, &s.width, &error) ||
      !cli_args_int(&args, "depth", 1, 8, &s.depth, &error) ||
      !cli_args_int(&args, "seed", 0, 2147483647, &s.seed, &error) ||
      !cli_args_int(&args, "checkpoint-every", 1, 100000000, &s.every, &error) ||
      !cli_args_int(&args, "pool", 1, 1000000, &s.pool, &error) ||
      !cli_args_int(&args, "validation-pool", 1, 1000000, &s.validation_pool, &error) ||
      !cli_args_int(&args, "threads", 1, 1024, &s.threads, &error) ||
      !cli_args_int(&args, "cosine", 1, 100000000, &s.cosine, &error) ||
      !cli_args_double(&args, "pixel-arcmin", &s.fields.pixel_arcmin, &error) ||
      !cli_args_double(&args, "shift", &s.fields.shift, &error) ||
      !cli_args_double(&args, "lr", &lr, &error) ||
      !cli_args_double(&args, "sigma-min", &s.train.sigma_min, &error) ||
      !cli_args_double(&args, "sigma-max", &s.train.sigma_max, &error))
    return cli_fail("train-score", error);
  if (s.size % (1 << s.depth) != 0 || !(lr > 0.0) || !(s.fields.pixel_arcmin > 0.0)) {
    dm_error_set(&error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "--size must be divisible by 2^depth, --lr and --pixel-arcmin positive.");
    return cli_fail("train-score", error);
  }
  s.train.seed = (uint64_t)s.seed;
  s.train.threads = s.threads;
  s.train.schedule = (DmLrSchedule){.kind = DM_LR_CONSTANT, .base_lr = (float)lr};
  if (s.cosine > 0)
    s.train.schedule = (DmLrSchedule){.kind = DM_LR_WARMUP_COSINE, .base_lr = (float)lr,
                                      .warmup = s.cosine / 50, .total = s.cosine,
                                      .min_factor = 0.05f};
  s.fields.nx = s.fields.ny = s.size;
  s.fields.haloes = !cli_args_flag(&args, "no-haloes");
  s.fields.seed = (uint64_t)s.seed;
  s.resume = cli_args_flag(&args, "resume");
  s.plain = cli_args_flag(&args, "plain");
  char state_default[4096];
  snprintf(state_default, sizeof state_default, "%s.adam", s.out);
  s.state = cli_args_value(&args, "state") ? cli_args_value(&args, "state") : state_default;
  DmTheorySpectrum *theory =
      dm_theory_read_csv(theory_path, cli_args_value(&args, "theory-column"), &error);
  s.fields.theory = theory;
  bool ok = theory && train(&s, &error);
  dm_theory_free(theory);
  if (!ok) return cli_fail("train-score", error);
  fprintf(stderr, "Wrote %s and %s.\n", s.out, s.state);
  return 0;
}
