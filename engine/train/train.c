/* dm_train (darkmap/train.h): the kinds, the presets, the request's checks
 * and the loop of steps, validations, checkpoints and reports around one
 * kind's training (train-score.c, train-mmgan.c, train-cosmogan.c). */
#include "darkmap/train.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "darkmap/map-tiles.h"
#include "darkmap/memory-budget.h"
#include "darkmap/model-card.h"
#include "darkmap/monotonic-clock.h"
#include "train/train-private.h"

/* The share of the progress fraction that the pool's making takes. */
#define POOL_SHARE 0.1

static const char *const kind_names[DM_TRAIN_N_KINDS] = {"score-hybrid", "score-plain", "mmgan",
                                                          "cosmogan"};

const char *dm_train_kind_name(DmTrainKind kind) {
  return kind >= 0 && kind < DM_TRAIN_N_KINDS ? kind_names[kind] : "unknown";
}

bool dm_train_kind_from_name(const char *name, DmTrainKind *kind) {
  for (int k = 0; name && k < DM_TRAIN_N_KINDS; k++)
    if (strcmp(name, kind_names[k]) == 0) {
      *kind = (DmTrainKind)k;
      return true;
    }
  return false;
}

void dm_train_request_init(DmTrainRequest *r, DmTrainKind kind, DmTrainPreset preset) {
  bool quick = preset == DM_TRAIN_PRESET_QUICK, mmgan = kind == DM_TRAIN_MMGAN;
  *r = (DmTrainRequest){.kind = kind,
                        .size = quick ? 64 : 128,
                        .pixel_arcmin = 0.29,
                        .haloes = true,
                        .shift = 0.02,
                        .width = quick ? 8 : 16,
                        .depth = quick ? 3 : 4,
                        .z_channels = 2,
                        .critic_width = quick ? 8 : 16,
                        .lr = 1e-3,
                        .sigma_min = 1e-3,
                        .sigma_max = 0.3,
                        .beta_adv = 1e-5,
                        .adapt_every = 100,
                        .seed = 1,
                        .steps = quick ? 2000 : mmgan ? 2000 : 1000,
                        .report_every = 10,
                        .validate_every = 100,
                        .checkpoint_every = 100};
  dm_grid_spec_init(&r->grid);
  if (kind == DM_TRAIN_COSMOGAN) {
    /* The paper's DCGAN (FULL), or a narrow one on 64² maps for a CPU. */
    r->size = quick ? 64 : 256;
    r->width = quick ? 8 : 64;
    r->depth = 4;
    r->z_channels = 64;
    r->pool_maps = quick ? 1024 : 4096;
    r->validation = quick ? 256 : 1000;
    r->batch = quick ? 32 : 64;
    r->lr = 2e-4;
    r->steps = quick ? 3000 : 20000;
    r->validate_every = r->checkpoint_every = quick ? 500 : 1000;
  } else if (mmgan) {
    if (quick) {
      r->grid.nx = r->grid.ny = 64;
      r->grid.pixel_arcmin = 1.6;
    }
    r->size = r->grid.nx;
    r->pixel_arcmin = r->grid.pixel_arcmin;
    r->pool_maps = quick ? 32 : 64;
    r->pool_noise = quick ? 16 : 32;
    r->validation = quick ? 4 : 8;
    r->batch = quick ? 2 : 4;
  } else {
    r->pool_maps = quick ? 64 : 256;
    r->validation = quick ? 8 : 32;
    r->batch = quick ? 4 : 8;
  }
}

void dm_train_fields(const DmTrainRequest *r, int nx, int ny, double pixel_arcmin,
                     DmDatasetConfig *fields) {
  dm_dataset_config_init(fields);
  fields->theory = r->theory;
  fields->nx = nx;
  fields->ny = ny;
  fields->pixel_arcmin = pixel_arcmin;
  fields->shift = r->shift;
  fields->haloes = r->haloes;
  fields->seed = r->seed;
}

int dm_train_norm_groups(int width) { return width % 4 == 0 ? 4 : width % 2 == 0 ? 2 : 1; }

char *dm_train_replace_suffix(const char *path, const char *suffix) {
  static const char model_suffix[] = ".safetensors";
  size_t length = strlen(path), stem = length;
  if (length >= sizeof model_suffix - 1 &&
      strcmp(path + length - (sizeof model_suffix - 1), model_suffix) == 0)
    stem = length - (sizeof model_suffix - 1);
  size_t n = stem + strlen(suffix) + 1;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%.*s%s", (int)stem, path, suffix);
  return out;
}

char *dm_train_checkpoint_path(const DmTrainRequest *request) {
  if (request->checkpoint_path) return strdup(request->checkpoint_path);
  return request->model_path ? dm_train_replace_suffix(request->model_path, ".checkpoint.safetensors")
                             : NULL;
}

static bool invalid(DmError **error, const char *format, ...) __attribute__((format(printf, 2, 3)));
static bool invalid(DmError **error, const char *format, ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "%s", message);
}

/* A CosmoGAN's maps and networks. */
static bool check_cosmogan(const DmTrainRequest *r, DmError **error) {
  if (r->size < 16 || r->size > 4096 || r->size % 16 != 0)
    return invalid(error, "A CosmoGAN's maps have a side that is a multiple of 16 from 16 to "
                          "4096 (four stride-2 layers from a 1/16 grid), not %d.",
                   r->size);
  if (!(r->pixel_arcmin > 0.0) || !isfinite(r->pixel_arcmin))
    return invalid(error, "The pixel side must be positive, not %g′.", r->pixel_arcmin);
  if (r->z_channels < 1 || r->z_channels > 64)
    return invalid(error, "A CosmoGAN's latent size must be 1 to 64, not %d.", r->z_channels);
  if (r->validation < 2)
    return invalid(error, "A CosmoGAN validation compares at least 2 generated maps, not %d.",
                   r->validation);
  return true;
}

/* The geometry: score maps' side and pixel, the MMGAN's grid, or the
 * CosmoGAN's maps. */
static bool check_geometry(const DmTrainRequest *r, DmError **error) {
  if (r->kind == DM_TRAIN_COSMOGAN) return check_cosmogan(r, error);
  if (r->kind == DM_TRAIN_MMGAN) {
    if (!r->catalog && !(r->catalog_path && *r->catalog_path))
      return invalid(error, "An MMGAN is trained for one survey: give its catalogue.");
    if (r->grid.nx < 4 || r->grid.ny < 4 || r->grid.nx > 8192 || r->grid.ny > 8192)
      return invalid(error, "The survey grid of %d × %d pixels is outside 4 to 8192 a side.",
                     r->grid.nx, r->grid.ny);
    if (!(r->grid.pixel_arcmin > 0.0) || !isfinite(r->grid.pixel_arcmin))
      return invalid(error, "The grid's pixel side must be positive, not %g′.",
                     r->grid.pixel_arcmin);
    if (r->depth < 1 || r->depth > 6)
      return invalid(error, "The generator's depth must be 1 to 6, not %d.", r->depth);
    if (r->z_channels < 1 || r->z_channels > 64 || r->critic_width < 1)
      return invalid(error, "%d noise-code channels and a critic width of %d: both must be "
                            "positive (at most 64 channels).",
                     r->z_channels, r->critic_width);
    if (r->pool_noise < 1)
      return invalid(error, "The pool needs at least one noise realisation, not %d.",
                     r->pool_noise);
    if (!(r->beta_adv >= 0.0) || !isfinite(r->beta_adv) || r->adapt_every < 0)
      return invalid(error, "The adversarial weight (%g) and the w_SD update interval (%d) "
                            "must not be negative.",
                     r->beta_adv, r->adapt_every);
    return true;
  }
  if (r->depth < 1 || r->depth > 8)
    return invalid(error, "The U-Net's depth must be 1 to 8, not %d.", r->depth);
  if (r->size < 4 || r->size > 8192 || r->size % (1 << r->depth) != 0)
    return invalid(error, "The training maps' side %d is not divisible by 2^%d = %d (the "
                          "U-Net's depth), or is outside 4 to 8192.",
                   r->size, r->depth, 1 << r->depth);
  if (!(r->pixel_arcmin > 0.0) || !isfinite(r->pixel_arcmin))
    return invalid(error, "The pixel side must be positive, not %g′.", r->pixel_arcmin);
  if (!(r->sigma_min > 0.0) || !(r->sigma_max >= r->sigma_min) || !isfinite(r->sigma_max))
    return invalid(error, "The noise levels must satisfy 0 < sigma_min <= sigma_max, not %g "
                          "and %g.",
                   r->sigma_min, r->sigma_max);
  if (r->cosine < 0)
    return invalid(error, "The cosine schedule's length must not be negative, not %d.",
                   r->cosine);
  return true;
}

/* Whether the request's maps come from files (maps_path). */
static bool takes_files(const DmTrainRequest *r) { return r->maps_path && *r->maps_path; }

/* The training data held in memory against the memory budget
 * (darkmap/memory-budget.h): the pool's clean maps, the validation's and a
 * batch, each a map of the training grid; an MMGAN's noise realisations and
 * validation pairs add two shear planes each. */
static bool check_memory(const DmTrainRequest *r, DmError **error) {
  bool mmgan = r->kind == DM_TRAIN_MMGAN;
  int nx = mmgan ? r->grid.nx : r->size, ny = mmgan ? r->grid.ny : r->size;
  double maps = (double)r->pool_maps + r->validation + r->batch +
                (mmgan ? 2.0 * ((double)r->pool_noise + r->validation) : 0.0);
  return dm_memory_check(error, maps * nx * ny * sizeof(float),
                         "Training data of %.0f maps of %d × %d pixels", maps, nx, ny);
}

bool dm_train_check(const DmTrainRequest *r, DmError **error) {
  if (r->kind < 0 || r->kind >= DM_TRAIN_N_KINDS)
    return invalid(error, "Unknown kind of training %d.", (int)r->kind);
  if (!r->theory && !(r->theory_path && *r->theory_path) &&
      !(r->kind == DM_TRAIN_COSMOGAN && takes_files(r)))
    return invalid(error, "No theory C_ell: the training fields are drawn from it.");
  if (!r->model_path || !r->model_path[0])
    return invalid(error, "No model path: training writes its model there.");
  if (!check_geometry(r, error)) return false;
  if (r->kind == DM_TRAIN_MMGAN && takes_files(r) && r->grid.nx != r->grid.ny)
    return invalid(error, "Training maps from a file are cut into square tiles: the grid of "
                          "%d × %d pixels is not square.",
                   r->grid.nx, r->grid.ny);
  if (r->width < 1 || r->width > 1024)
    return invalid(error, "The U-Net's base width must be 1 to 1024, not %d.", r->width);
  if (r->pool_maps < 1 || r->validation < 1)
    return invalid(error, "The pool needs at least one training map and one validation map "
                          "(%d and %d asked for).",
                   r->pool_maps, r->validation);
  if (r->batch < 1) return invalid(error, "The batch must hold at least one map, not %d.", r->batch);
  if (dm_data_parallel_active(r->parallel) && r->kind == DM_TRAIN_COSMOGAN)
    return invalid(error, "A CosmoGAN trains in one process: its batch norms see the whole "
                          "batch, which data-parallel ranks would split.");
  if (!dm_data_parallel_check(r->parallel, r->batch, error)) return false;
  if (!check_memory(r, error)) return false;
  if (!(r->lr > 0.0) || !isfinite(r->lr))
    return invalid(error, "The learning rate must be positive, not %g.", r->lr);
  if (!(r->shift > 0.0) || !isfinite(r->shift))
    return invalid(error, "The lognormal shift must be positive, not %g.", r->shift);
  if (r->steps < 1) return invalid(error, "Training needs at least one step, not %lld.",
                                   (long long)r->steps);
  if (r->report_every < 1 || r->validate_every < 0 || r->checkpoint_every < 0)
    return invalid(error, "Reports every %d steps, validations every %d and checkpoints every "
                          "%d: reports need at least 1, the others 0 (at the end only) or more.",
                   r->report_every, r->validate_every, r->checkpoint_every);
  if (!(r->max_seconds >= 0.0))
    return invalid(error, "The time limit must not be negative, not %g s.", r->max_seconds);
  if (r->threads < 0)
    return invalid(error, "The thread count must be 0 (all cores) or more, not %d.", r->threads);
  DmNnDevice device;
  if (!dm_nn_device_from_name(r->device, &device, error)) return false;
  if (r->resume) {
    char *path = dm_train_checkpoint_path(r);
    bool exists = path && access(path, F_OK) == 0;
    if (!exists)
      invalid(error, "There is no checkpoint %s to resume from.", path ? path : "");
    free(path);
    if (!exists) return false;
  }
  return true;
}

/* The SHA-256 of the request's maps (a file or a folder) into resolved: a
 * resume refuses maps that changed. */
static bool maps_digest(DmTrainResolved *resolved, DmError **error) {
  DmTrainRequest *r = &resolved->request;
  if (!dm_map_tiles_digest(r->maps_path, resolved->maps_sha256, error)) return false;
  r->maps_sha256 = resolved->maps_sha256;
  return true;
}

/* The theory and the MMGAN's catalogue from their paths when the request
 * has none; the catalogue's HDU and columns as read, for the checkpoint;
 * the pixel side of a CosmoGAN's map files from their WCS (they need no
 * theory). */
static bool read_inputs(DmTrainResolved *resolved, const DmProgress *progress,
                        DmError **error) {
  DmTrainRequest *r = &resolved->request;
  if (takes_files(r) && !maps_digest(resolved, error)) return false;
  if (r->kind == DM_TRAIN_COSMOGAN && takes_files(r)) {
    double pixel = 0.0;
    if (!dm_map_tiles_probe(r->maps_path, &pixel, error)) return false;
    if (pixel > 0.0) r->pixel_arcmin = pixel;
    return true;
  }
  if (!r->theory) {
    resolved->theory = dm_theory_read_csv(r->theory_path, r->theory_column, error);
    if (!resolved->theory) return false;
    r->theory = resolved->theory;
  }
  if (r->kind != DM_TRAIN_MMGAN) return true;
  if (!r->catalog) {
    resolved->catalog =
        dm_catalog_read(r->catalog_path, r->catalog_hdu, &r->catalog_columns, progress, error);
    if (!resolved->catalog) return false;
    r->catalog = resolved->catalog;
  }
  char *const *names = r->catalog->column_names;
  r->catalog_hdu = r->catalog->hdu;
  r->catalog_columns = (DmCatalogColumns){names[0], names[1], names[2], names[3], names[4]};
  return true;
}

bool dm_train_resolve(const DmTrainRequest *request, const DmProgress *progress,
                      DmTrainResolved *resolved, DmError **error) {
  *resolved = (DmTrainResolved){.request = *request};
  DmTrainRequest *r = &resolved->request;
  if (!r->device) r->device = "auto";
  if (!takes_files(r)) r->maps_path = NULL;
  r->maps_sha256 = NULL;
  if (!read_inputs(resolved, progress, error)) {
    dm_train_resolved_clear(resolved);
    return false;
  }
  if (r->kind == DM_TRAIN_MMGAN) {
    if (!r->grid.has_center &&
        !dm_catalog_median_center(r->catalog, &r->grid.center_ra, &r->grid.center_dec, error)) {
      dm_train_resolved_clear(resolved);
      return false;
    }
    r->grid.has_center = true;
    r->size = r->grid.nx;
    r->pixel_arcmin = r->grid.pixel_arcmin;
  }
  resolved->checkpoint_path = dm_train_checkpoint_path(request);
  if (request->name) {
    resolved->name = strdup(request->name);
  } else {
    const char *base = strrchr(request->model_path, '/');
    char *stem = dm_train_replace_suffix(base ? base + 1 : request->model_path, "");
    resolved->name = stem;
  }
  if (!resolved->checkpoint_path || !resolved->name) {
    dm_train_resolved_clear(resolved);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  }
  r->checkpoint_path = resolved->checkpoint_path;
  r->name = resolved->name;
  return true;
}

void dm_train_resolved_clear(DmTrainResolved *resolved) {
  free(resolved->checkpoint_path);
  free(resolved->name);
  dm_theory_free(resolved->theory);
  dm_catalog_free(resolved->catalog);
  resolved->checkpoint_path = resolved->name = NULL;
  resolved->theory = NULL;
  resolved->catalog = NULL;
}

/* ---- The run ---------------------------------------------------------------- */

typedef struct {
  const DmTrainResolved *resolved;
  DmTrainMethod *method;
  const DmProgress *progress;
  const DmTrainMonitor *monitor;
  DmTrainClock clock;
  double seconds_before;   /* training time of the checkpoint resumed */
  int64_t first_step;
  DmTrainResult *result;
} Run;

/* The pool's share of the progress. */
static void pool_report(void *user_data, double fraction, const char *stage) {
  (void)stage;
  const DmProgress *outer = user_data;
  dm_progress_report(outer, POOL_SHARE * fraction, "Making the training maps");
}

static void report_step(const Run *run, int64_t step) {
  char stage[96];
  int64_t total = run->resolved->request.steps;
  snprintf(stage, sizeof stage, "Step %lld of %lld", (long long)step, (long long)total);
  dm_progress_report(run->progress, POOL_SHARE + (1.0 - POOL_SHARE) * (double)step / (double)total,
                     stage);
}

/* The result as it stands after report (the card's numbers). */
static void update_result(Run *run, const DmTrainReport *report) {
  DmTrainResult *result = run->result;
  result->steps = report->step;
  result->training_seconds = run->seconds_before + report->seconds;
  result->finished = report->step >= run->resolved->request.steps;
  result->last = *report;
  if (run->method->curves) result->cosmogan = *run->method->curves;
}

/* Whether this process writes the files and reports: one process, or rank
 * 0 of a data-parallel run. */
static bool writes_files(const DmTrainRequest *r) {
  return !dm_data_parallel_active(r->parallel) || r->parallel->rank == 0;
}

/* Checkpoint, model, card (rank 0's alone). */
static bool checkpoint(Run *run, DmTrainReport *report, DmError **error) {
  const DmTrainRequest *r = &run->resolved->request;
  update_result(run, report);
  if (!writes_files(r)) return true;
  if (!dm_train_checkpoint_write(run->resolved, run->method, run->result->training_seconds, error) ||
      !run->method->save_model(run->method->state, r->model_path, error) ||
      !dm_model_card_write_training(r, run->result, error))
    return false;
  report->checkpointed = true;
  return true;
}

static void send_report(Run *run, DmTrainReport *report) {
  update_result(run, report);
  if (run->monitor && run->monitor->report && writes_files(&run->resolved->request))
    run->monitor->report(run->monitor->user_data, report);
  report->has_validation = false;
  report->checkpointed = false;
}

/* What stops or saves a run after a step.  One process reads them itself;
 * the ranks of a data-parallel run sum them (rank 0's clock alone counts),
 * so that every rank takes the same decisions and none waits in an
 * exchange for one that stopped. */
typedef struct {
  bool cancel, checkpoint_now, out_of_time;
} StepFlags;

static bool agree_on_flags(const DmTrainRequest *r, StepFlags *flags, DmError **error) {
  const DmDataParallel *p = r->parallel;
  if (!dm_data_parallel_active(p)) return true;
  float sums[3] = {flags->cancel, flags->checkpoint_now, p->rank == 0 && flags->out_of_time};
  if (!p->sum(p->user_data, sums, 3, error)) {
    dm_error_prefix(error, "Agreeing with the other ranks");
    return false;
  }
  *flags = (StepFlags){sums[0] > 0.0f, sums[1] > 0.0f, sums[2] > 0.0f};
  return true;
}

/* Steps until the total, a time limit or a cancellation (which saves the
 * finished steps, then fails with DM_ERROR_CANCELLED).  One process polls
 * the cancel flag and the pause before each step; the ranks of a
 * data-parallel run agree on a cancel after each step and do not pause. */
static bool run_steps(Run *run, DmError **error_out) {
  DmError *failure = NULL, **error = &failure;  /* read back: was it a cancellation? */
  const DmTrainRequest *r = &run->resolved->request;
  DmTrainMethod *m = run->method;
  DmTrainReport report = {.total_steps = r->steps, .validation_loss = NAN, .theory_loss = NAN,
                          .r = NAN, .r_ks = NAN, .std_ratio = NAN, .psnr_gain = NAN,
                          .psnr_gain_target = NAN, .d_real = NAN, .d_fake = NAN,
                          .cl_inside = NAN, .pdf_inside = NAN, .mf_inside = NAN,
                          .pixel_ks = NAN};
  int64_t step = m->steps(m->state);
  bool parallel = dm_data_parallel_active(r->parallel);
  bool ok = true;
  while (ok && step < r->steps) {
    ok = (parallel ||
          (dm_train_wait_while_paused(run->monitor, run->progress, &run->clock, error) &&
           dm_progress_check_cancel(run->progress, error))) &&
         m->step(m->state, &report, error);
    if (!ok) break;
    step++;
    report_step(run, step);
    bool last = step == r->steps;
    bool validate_due = last || (r->validate_every > 0 && step % r->validate_every == 0);
    bool checkpoint_due = last || (r->checkpoint_every > 0 && step % r->checkpoint_every == 0);
    bool report_due = step % r->report_every == 0 || validate_due || checkpoint_due;
    dm_train_report_timing(&report, &run->clock, m->nn, run->first_step, step, r->steps);
    StepFlags flags = {
        .cancel = parallel && !dm_progress_check_cancel(run->progress, NULL),
        .checkpoint_now = run->monitor && run->monitor->checkpoint_now &&
                          atomic_exchange(run->monitor->checkpoint_now, 0),
        .out_of_time = report_due && r->max_seconds > 0.0 && report.seconds >= r->max_seconds &&
                       !last};
    if (!agree_on_flags(r, &flags, error)) {
      ok = false;
      break;
    }
    if (flags.cancel) {
      ok = dm_error_set(error, DM_ERROR_CANCELLED, 0, "Cancelled.");
      break;
    }
    checkpoint_due = checkpoint_due || flags.checkpoint_now;
    report_due = report_due || flags.checkpoint_now;
    bool out_of_time = flags.out_of_time;
    ok = (!(validate_due || out_of_time) || m->validate(m->state, &report, error)) &&
         (!(checkpoint_due || out_of_time) || checkpoint(run, &report, error));
    if (ok && report_due) send_report(run, &report);
    if (out_of_time) break;
  }
  if (!ok && failure && failure->code == DM_ERROR_CANCELLED && step > run->first_step) {
    /* Keep the finished steps. */
    DmError *cancelled = failure;
    failure = NULL;
    dm_train_report_timing(&report, &run->clock, m->nn, run->first_step, step, r->steps);
    if (checkpoint(run, &report, error)) {
      send_report(run, &report);
      failure = cancelled;
    } else {
      dm_error_free(cancelled);
    }
  }
  if (run->result->steps != step || step == run->first_step) {
    /* No report said where it stopped (nothing to do, or a failure). */
    dm_train_report_timing(&report, &run->clock, m->nn, run->first_step, step, r->steps);
    update_result(run, &report);
  }
  dm_error_propagate(error_out, failure);
  return ok;
}

/* The method of the request's kind. */
static bool method_new(const DmTrainRequest *r, const DmProgress *pool_progress,
                       DmTrainMethod *method, DmError **error) {
  switch (r->kind) {
  case DM_TRAIN_MMGAN:
    return dm_train_mmgan_new(r, pool_progress, method, error);
  case DM_TRAIN_COSMOGAN:
    return dm_train_cosmogan_new(r, pool_progress, method, error);
  case DM_TRAIN_SCORE_HYBRID:
  case DM_TRAIN_SCORE_PLAIN:
  case DM_TRAIN_N_KINDS:
    break;
  }
  return dm_train_score_new(r, pool_progress, method, error);
}

bool dm_train(const DmTrainRequest *request, const DmProgress *progress,
              const DmTrainMonitor *monitor, DmTrainResult *result, DmError **error) {
  DmTrainResult local;
  if (!result) result = &local;
  *result = (DmTrainResult){0};
  double start = dm_monotonic_seconds();
  DmTrainResolved resolved;
  /* The catalogue's reading can be cancelled; the fraction is the pool's. */
  /* The ranks of a data-parallel run stop only together, after a step (a
   * rank that stopped alone while reading or making its maps would leave
   * the others waiting in their first exchange): before the steps their
   * cancel flag waits. */
  atomic_int *cancel = progress && !dm_data_parallel_active(request->parallel) ? progress->cancel
                                                                               : NULL;
  DmProgress cancel_only = {NULL, NULL, cancel};
  if (!dm_train_check(request, error) ||
      !dm_train_resolve(request, &cancel_only, &resolved, error))
    return false;
  int64_t resumed_step = 0;
  double seconds_before = 0.0;
  if (request->resume &&
      !dm_train_checkpoint_check(&resolved, &resumed_step, &seconds_before, error)) {
    dm_train_resolved_clear(&resolved);
    return false;
  }
  DmProgress pool_progress = {pool_report, (void *)progress, cancel};
  dm_progress_report(progress, 0.0, "Making the training maps");
  DmTrainMethod method;
  bool ok = method_new(&resolved.request, &pool_progress, &method, error);
  if (!ok) {
    dm_train_resolved_clear(&resolved);
    return false;
  }
  Run run = {.resolved = &resolved, .method = &method, .progress = progress, .monitor = monitor,
             .seconds_before = seconds_before, .result = result};
  snprintf(result->device, sizeof result->device, "%s", dm_nn_device_name(method.nn));
  if (method.data) snprintf(result->maps, sizeof result->maps, "%s", method.data);
  result->n_parameters = method.n_parameters;
  if (request->resume) ok = dm_train_checkpoint_load(&resolved, &method, resumed_step, error);
  if (ok) {
    run.first_step = method.steps(method.state);
    dm_train_clock_start(&run.clock);
    ok = run_steps(&run, error);
  }
  result->seconds = dm_monotonic_seconds() - start;
  method.free(method.state);
  dm_train_resolved_clear(&resolved);
  return ok;
}
