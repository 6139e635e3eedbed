/* The options and run that train-score, train-mmgan and train-cosmogan
 * share (see cli-train.h). */
#include "cli-train.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-commands.h"
#include "cli-device.h"
#include "cli-mpi.h"
#include "cli-progress.h"
#include "darkmap/model-card.h"

const CliOptionSpec cli_train_options[] = {
    {"theory", true, "FILE     C_ell table of the training fields"},
    {"theory-column", true, "NAME     C_ell column of the theory table"},
    {"preset", true, "quick|full sizes: quick learns in minutes on a CPU, full is the "
                     "published size for a GPU (default full)"},
    {"shift", true, "L        lognormal shift lambda (default 0.02)"},
    {"no-haloes", false, "         lognormal fields without NFW haloes"},
    {"steps", true, "N        steps of the whole training, resumed ones included (quick 300; "
                    "full: score 1000, MMGAN 2000)"},
    {"batch", true, "B        maps (score) or conditions (MMGAN) per step"},
    {"lr", true, "R        Adam learning rate (default 1e-3)"},
    {"width", true, "W        U-Net base width (quick 8, full 16)"},
    {"depth", true, "D        U-Net levels (quick 3, full 4)"},
    {"seed", true, "S        seed of the weights, the maps and every draw (default 1)"},
    {"log-every", true, "N        steps between progress lines (default 10)"},
    {"validate-every", true, "N        steps between validations (quick 50, full 100; 0: at the "
                             "end)"},
    {"checkpoint-every", true, "N        steps between checkpoints (quick 50, full 100; 0: at "
                               "the end)"},
    {"max-seconds", true, "S        stop after the progress line that passes S seconds of "
                          "training, with a checkpoint"},
    {"checkpoint", true, "FILE     the checkpoint (default: OUT with .checkpoint.safetensors)"},
    {"resume", false, "         continue from the checkpoint"},
    {"name", true, "TEXT     the model card's title (default: OUT's name)"},
    {"out", true, "FILE     the model (safetensors); its card goes beside it (.md)"},
    {NULL, false, NULL},
};

bool cli_train_request_from_options(const CliArgs *args, DmTrainKind kind, DmTrainRequest *r,
                                    DmTheorySpectrum **theory, DmError **error) {
  *theory = NULL;
  const char *preset = cli_args_value(args, "preset");
  if (preset && strcmp(preset, "quick") != 0 && strcmp(preset, "full") != 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --preset is 'quick' or 'full', not '%s'.", preset);
  dm_train_request_init(r, kind,
                        preset && strcmp(preset, "quick") == 0 ? DM_TRAIN_PRESET_QUICK
                                                               : DM_TRAIN_PRESET_FULL);
  int steps = (int)r->steps, seed = (int)r->seed;
  /* A CosmoGAN trained on map files draws no field: it needs no theory. */
  bool files = kind == DM_TRAIN_COSMOGAN && cli_args_value(args, "maps");
  r->theory_path = files ? NULL : cli_args_require(args, "theory", error);
  r->model_path = files || r->theory_path ? cli_args_require(args, "out", error) : NULL;
  if (!r->model_path || !cli_args_int(args, "steps", 1, 100000000, &steps, error) ||
      !cli_args_int(args, "batch", 1, 4096, &r->batch, error) ||
      !cli_args_int(args, "width", 1, 1024, &r->width, error) ||
      !cli_args_int(args, "depth", 1, 8, &r->depth, error) ||
      !cli_args_int(args, "seed", 0, 2147483647, &seed, error) ||
      !cli_args_int(args, "log-every", 1, 100000000, &r->report_every, error) ||
      !cli_args_int(args, "validate-every", 0, 100000000, &r->validate_every, error) ||
      !cli_args_int(args, "checkpoint-every", 0, 100000000, &r->checkpoint_every, error) ||
      !cli_args_double(args, "max-seconds", &r->max_seconds, error) ||
      !cli_args_double(args, "lr", &r->lr, error) ||
      !cli_args_double(args, "shift", &r->shift, error))
    return false;
  r->steps = steps;
  r->seed = (uint64_t)seed;
  r->theory_column = cli_args_value(args, "theory-column");
  r->haloes = !cli_args_flag(args, "no-haloes");
  r->resume = cli_args_flag(args, "resume");
  r->checkpoint_path = cli_args_value(args, "checkpoint");
  r->name = cli_args_value(args, "name");
  if (files) return true;
  *theory = dm_theory_read_csv(r->theory_path, r->theory_column, error);
  r->theory = *theory;
  return *theory != NULL;
}

bool cli_train_device_from_options(const CliArgs *args, DmTrainRequest *request,
                                   DmError **error) {
  int threads = 0;
  if (!cli_device_from_options(args, &request->device, &threads, error)) return false;
  if (cli_args_value(args, "threads")) request->threads = threads;
  return true;
}

/* ---- The run ------------------------------------------------------------------ */

static atomic_int interrupted;

static void on_interrupt(int signal_number) {
  (void)signal_number;
  atomic_store(&interrupted, 1);
}

static void format_time_left(double seconds, char *out, size_t size) {
  if (!isfinite(seconds)) snprintf(out, size, "?");
  else snprintf(out, size, "%d:%02d", (int)(seconds / 60.0), (int)fmod(seconds, 60.0));
}

/* One line per report, and one per validation. */
static void print_report(void *user_data, const DmTrainReport *r) {
  const DmTrainRequest *request = user_data;
  char left[32];
  format_time_left(r->seconds_left, left, sizeof left);
  cli_progress_done();
  if (request->kind == DM_TRAIN_COSMOGAN)
    fprintf(stderr,
            "Step %lld of %lld: discriminator %.4f, generator %.4f, D(real) %.3f, D(generated) "
            "%.3f | %.2f steps/s, %.0f maps/s, ETA %s%s\n",
            (long long)r->step, (long long)r->total_steps, r->critic_loss, r->train_loss,
            r->d_real, r->d_fake, r->steps_per_second, r->steps_per_second * request->batch,
            left, r->checkpointed ? "; checkpoint saved" : "");
  else if (request->kind == DM_TRAIN_MMGAN)
    fprintf(stderr,
            "Step %lld of %lld: critic %.4f, GP %.4f, adversarial %.4f, L1 %.4f, L_SD %.4f, "
            "w_SD %.4f | %.2f steps/s, %.1f pairs/s, ETA %s%s\n",
            (long long)r->step, (long long)r->total_steps, r->critic_loss, r->gradient_penalty,
            r->adversarial_loss, r->train_loss, r->std_reward, r->std_weight, r->steps_per_second,
            r->steps_per_second * request->batch, left, r->checkpointed ? "; checkpoint saved" : "");
  else
    fprintf(stderr, "Step %lld of %lld: training loss %.5f | %.2f steps/s, ETA %s%s\n",
            (long long)r->step, (long long)r->total_steps, r->train_loss, r->steps_per_second,
            left, r->checkpointed ? "; checkpoint saved" : "");
  if (!r->has_validation) return;
  if (request->kind == DM_TRAIN_COSMOGAN)
    fprintf(stderr,
            "Validation at step %lld: C_ell %.1f %% from the training maps' on average over the "
            "resolved ell bins, %.0f %% of the bins inside their 1-sigma scatter; PDF %.0f %%, "
            "Minkowski functionals %.0f %% inside; pixel KS distance %.4f.\n",
            (long long)r->step, 100.0 * r->validation_loss, 100.0 * r->cl_inside,
            100.0 * r->pdf_inside, 100.0 * r->mf_inside, r->pixel_ks);
  else if (request->kind == DM_TRAIN_MMGAN)
    fprintf(stderr,
            "Validation at step %lld: r %.3f (best KS map %.3f), RMSE %.5f, PSNR gain %.2f dB "
            "(target %.2f), std calibration %.3f.\n",
            (long long)r->step, r->r, r->r_ks, r->validation_loss, r->psnr_gain,
            r->psnr_gain_target, r->std_ratio);
  else
    fprintf(stderr, "Validation at step %lld: loss %.5f (theory score alone %.5f).\n",
            (long long)r->step, r->validation_loss, r->theory_loss);
}

bool cli_train_execute(const DmTrainRequest *request, DmError **error) {
  bool prints = !dm_data_parallel_active(request->parallel) || request->parallel->rank == 0;
  char *checkpoint = dm_train_checkpoint_path(request);
  char *card = dm_model_card_path(request->model_path);
  if (!checkpoint || !card) {
    free(checkpoint);
    free(card);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  }
  DmTrainCheckpointInfo *info = prints && request->resume ? malloc(sizeof *info) : NULL;
  if (info && dm_train_checkpoint_read(checkpoint, info, NULL))
    fprintf(stderr, "Resuming at step %lld from %s.\n", (long long)info->step, checkpoint);
  free(info);
  atomic_store(&interrupted, 0);
  struct sigaction action = {.sa_handler = on_interrupt}, previous_int, previous_usr1;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGUSR1, &action, &previous_usr1);
  DmProgress progress = prints ? cli_progress_init() : (DmProgress){0};
  progress.cancel = &interrupted;
  DmTrainMonitor monitor = {print_report, (void *)request, NULL, NULL};
  DmTrainResult result;
  bool ok = dm_train(request, &progress, &monitor, &result, error);
  sigaction(SIGINT, &previous_int, NULL);
  sigaction(SIGUSR1, &previous_usr1, NULL);
  if (prints) cli_progress_done();
  if (prints && result.last.checkpointed)
    fprintf(stderr, "Wrote %s (%lld weights, %s), its card %s and the checkpoint %s at step %lld "
                    "of %lld (%.1f s).\n",
            request->model_path, (long long)result.n_parameters, result.device, card, checkpoint,
            (long long)result.steps, (long long)request->steps, result.seconds);
  else if (prints && ok)
    fprintf(stderr, "The checkpoint %s is at step %lld of %lld already: nothing to train.\n",
            checkpoint, (long long)result.steps, (long long)request->steps);
  if (prints && ok && !result.finished)
    fprintf(stderr, "Stopped on --max-seconds: continue with --resume.\n");
  free(checkpoint);
  free(card);
  return ok;
}

int cli_train_run(const char *command, const DmTrainRequest *request) {
  DmError *error = NULL;
  if (cli_mpi_launched()) {
#if DARKMAP_MPI
    return cli_train_mpi_run(command, request);
#else
    dm_error_set(&error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "This darkmap-cli was built without MPI, so its processes under mpirun "
                 "would each train alone and write the same files: run it without mpirun, "
                 "or build Darkmap with MPI (meson setup -Dmpi=enabled).");
    return cli_fail(command, error);
#endif
  }
  return cli_train_execute(request, &error) ? 0 : cli_fail(command, error);
}
