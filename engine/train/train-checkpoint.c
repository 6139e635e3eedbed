/* The training checkpoint (darkmap/train.h): one safetensors file with the
 * trainer's state (train-score.c, train-mmgan.c, train-cosmogan.c: tensors
 * under "network." / "adam.", "generator." / "critic." / "adam_g." /
 * "adam_c." or "generator." / "discriminator." / "adam_g." / "adam_d.") and, as
 * metadata, "format" = "darkmap-training-checkpoint", "kind", "step",
 * "seconds" and the whole request under "request.<field>" (numbers with 17
 * significant digits, so that they read back exactly; a string absent when
 * NULL).  Reading checks every key strictly: a file that is not a
 * checkpoint fails with DM_ERROR_FORMAT. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/train-private.h"

#define FORMAT_NAME "darkmap-training-checkpoint"

/* ---- Writing ---------------------------------------------------------------- */

static bool put(DmSafetensorsWriter *w, const char *key, DmError **error, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static bool put(DmSafetensorsWriter *w, const char *key, DmError **error, const char *format, ...) {
  char value[64];
  va_list args;
  va_start(args, format);
  vsnprintf(value, sizeof value, format, args);
  va_end(args);
  return dm_safetensors_writer_add_metadata(w, key, value, error);
}

static bool put_string(DmSafetensorsWriter *w, const char *key, const char *value,
                       DmError **error) {
  return !value || dm_safetensors_writer_add_metadata(w, key, value, error);
}

static const char *projection_name(DmProjection projection) {
  return projection == DM_PROJECTION_FLAT ? "flat" : "tan";
}

static const char *noise_name(DmNoiseModel model) {
  return model == DM_NOISE_WEIGHTED ? "weighted" : "count";
}

static bool put_request(DmSafetensorsWriter *w, const DmTrainRequest *r, DmError **error) {
  const DmGridSpec *g = &r->grid;
  return put_string(w, "kind", dm_train_kind_name(r->kind), error) &&
         put_string(w, "request.theory_path", r->theory_path, error) &&
         put_string(w, "request.theory_column", r->theory_column, error) &&
         put(w, "request.size", error, "%d", r->size) &&
         put(w, "request.pixel_arcmin", error, "%.17g", r->pixel_arcmin) &&
         put_string(w, "request.maps_path", r->maps_path, error) &&
         put_string(w, "request.maps_sha256", r->maps_sha256, error) &&
         put_string(w, "request.catalog_path", r->catalog_path, error) &&
         put(w, "request.catalog_hdu", error, "%d", r->catalog_hdu) &&
         put_string(w, "request.catalog_columns.ra", r->catalog_columns.ra, error) &&
         put_string(w, "request.catalog_columns.dec", r->catalog_columns.dec, error) &&
         put_string(w, "request.catalog_columns.e1", r->catalog_columns.e1, error) &&
         put_string(w, "request.catalog_columns.e2", r->catalog_columns.e2, error) &&
         put_string(w, "request.catalog_columns.weight", r->catalog_columns.weight, error) &&
         put(w, "request.grid.nx", error, "%d", g->nx) &&
         put(w, "request.grid.ny", error, "%d", g->ny) &&
         put(w, "request.grid.pixel_arcmin", error, "%.17g", g->pixel_arcmin) &&
         put(w, "request.grid.has_center", error, "%s", g->has_center ? "true" : "false") &&
         put(w, "request.grid.center_ra", error, "%.17g", g->center_ra) &&
         put(w, "request.grid.center_dec", error, "%.17g", g->center_dec) &&
         put_string(w, "request.grid.projection", projection_name(g->projection), error) &&
         put(w, "request.grid.ra_left", error, "%s", g->ra_left ? "true" : "false") &&
         put(w, "request.grid.flip_e2", error, "%s", g->flip_e2 ? "true" : "false") &&
         put_string(w, "request.grid.noise_model", noise_name(g->noise_model), error) &&
         put(w, "request.haloes", error, "%s", r->haloes ? "true" : "false") &&
         put(w, "request.shift", error, "%.17g", r->shift) &&
         put(w, "request.pool_maps", error, "%d", r->pool_maps) &&
         put(w, "request.pool_noise", error, "%d", r->pool_noise) &&
         put(w, "request.validation", error, "%d", r->validation) &&
         put(w, "request.width", error, "%d", r->width) &&
         put(w, "request.depth", error, "%d", r->depth) &&
         put(w, "request.z_channels", error, "%d", r->z_channels) &&
         put(w, "request.critic_width", error, "%d", r->critic_width) &&
         put(w, "request.batch", error, "%d", r->batch) &&
         put(w, "request.lr", error, "%.17g", r->lr) &&
         put(w, "request.cosine", error, "%d", r->cosine) &&
         put(w, "request.sigma_min", error, "%.17g", r->sigma_min) &&
         put(w, "request.sigma_max", error, "%.17g", r->sigma_max) &&
         put(w, "request.beta_adv", error, "%.17g", r->beta_adv) &&
         put(w, "request.adapt_every", error, "%d", r->adapt_every) &&
         put(w, "request.seed", error, "%llu", (unsigned long long)r->seed) &&
         put(w, "request.steps", error, "%lld", (long long)r->steps) &&
         put(w, "request.max_seconds", error, "%.17g", r->max_seconds) &&
         put(w, "request.report_every", error, "%d", r->report_every) &&
         put(w, "request.validate_every", error, "%d", r->validate_every) &&
         put(w, "request.checkpoint_every", error, "%d", r->checkpoint_every) &&
         put_string(w, "request.device", r->device, error) &&
         put(w, "request.threads", error, "%d", r->threads) &&
         put_string(w, "request.model_path", r->model_path, error) &&
         put_string(w, "request.name", r->name, error);
}

bool dm_train_checkpoint_write(const DmTrainResolved *resolved, const DmTrainMethod *method,
                               double seconds, DmError **error) {
  const char *path = resolved->request.checkpoint_path;
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  bool ok = w != NULL;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  ok = ok && put_string(w, "format", FORMAT_NAME, error) &&
       put(w, "step", error, "%lld", (long long)method->steps(method->state)) &&
       put(w, "seconds", error, "%.17g", seconds) && put_request(w, &resolved->request, error) &&
       method->write_state(method->state, w, error) &&
       dm_safetensors_writer_write(w, path, error);
  if (!ok) dm_error_prefix(error, "Cannot write the checkpoint %s", path);
  dm_safetensors_writer_free(w);
  return ok;
}

/* ---- Reading ---------------------------------------------------------------- */

/* The metadata of an open checkpoint, read key by key: the first failure
 * is kept (DM_ERROR_FORMAT naming the key) and the rest do nothing. */
typedef struct {
  const DmSafetensors *st;
  const char *path;
  DmError **error;
  bool ok;
} Reader;

static const char *text(Reader *rd, const char *key) {
  const char *value = rd->ok ? dm_safetensors_metadata(rd->st, key) : NULL;
  if (rd->ok && !value)
    rd->ok = dm_error_set(rd->error, DM_ERROR_FORMAT, 0, "%s: the checkpoint has no \"%s\".",
                          rd->path, key);
  return value;
}

static bool malformed(Reader *rd, const char *key, const char *value) {
  return rd->ok = dm_error_set(rd->error, DM_ERROR_FORMAT, 0,
                               "%s: the checkpoint's \"%s\" is \"%s\", which is out of range or "
                               "not what it should be.",
                               rd->path, key, value);
}

static long long read_integer(Reader *rd, const char *key, long long min, long long max) {
  const char *value = text(rd, key);
  if (!value) return min;
  char *end = NULL;
  errno = 0;
  long long n = strtoll(value, &end, 10);
  if (end == value || *end || errno || n < min || n > max) {
    malformed(rd, key, value);
    return min;
  }
  return n;
}

static int read_int(Reader *rd, const char *key, int min, int max) {
  return (int)read_integer(rd, key, min, max);
}

static double read_double(Reader *rd, const char *key) {
  const char *value = text(rd, key);
  if (!value) return 0.0;
  char *end = NULL;
  double x = strtod(value, &end);
  if (end == value || *end || !isfinite(x)) {
    malformed(rd, key, value);
    return 0.0;
  }
  return x;
}

static bool read_bool(Reader *rd, const char *key) {
  const char *value = text(rd, key);
  if (value && strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
    malformed(rd, key, value);
  return value && strcmp(value, "true") == 0;
}

/* One of two names: false for the first, true for the second. */
static bool read_choice(Reader *rd, const char *key, const char *first, const char *second) {
  const char *value = text(rd, key);
  if (value && strcmp(value, first) != 0 && strcmp(value, second) != 0)
    malformed(rd, key, value);
  return value && strcmp(value, second) == 0;
}

/* An optional string into buffer (size bytes); *out = buffer, or NULL when
 * absent. */
static void read_string(Reader *rd, const char *key, char *buffer, size_t size, const char **out) {
  const char *value = rd->ok ? dm_safetensors_metadata(rd->st, key) : NULL;
  *out = NULL;
  if (!value) return;
  if (strlen(value) >= size) {
    rd->ok = dm_error_set(rd->error, DM_ERROR_FORMAT, 0,
                          "%s: the checkpoint's \"%s\" is too long.", rd->path, key);
    return;
  }
  snprintf(buffer, size, "%s", value);
  *out = buffer;
}

/* The checkpoint's metadata into info (the request's strings point into
 * info). */
static bool read_info(const DmSafetensors *st, const char *path, DmTrainCheckpointInfo *info,
                      DmError **error) {
  memset(info, 0, sizeof *info);
  const char *format = dm_safetensors_metadata(st, "format");
  if (!format || strcmp(format, FORMAT_NAME) != 0)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "%s is not a Darkmap training checkpoint.",
                        path);
  Reader rd = {st, path, error, true};
  DmTrainRequest *r = &info->request;
  DmGridSpec *g = &r->grid;
  const char *kind = text(&rd, "kind");
  if (kind && !dm_train_kind_from_name(kind, &r->kind)) malformed(&rd, "kind", kind);
  info->step = read_integer(&rd, "step", 0, INT64_MAX);
  info->seconds = read_double(&rd, "seconds");
  if (rd.ok && info->seconds < 0.0)
    malformed(&rd, "seconds", dm_safetensors_metadata(st, "seconds"));
  read_string(&rd, "request.theory_path", info->theory_path, sizeof info->theory_path,
              &r->theory_path);
  read_string(&rd, "request.theory_column", info->theory_column, sizeof info->theory_column,
              &r->theory_column);
  r->size = read_int(&rd, "request.size", 4, 8192);
  r->pixel_arcmin = read_double(&rd, "request.pixel_arcmin");
  read_string(&rd, "request.maps_path", info->maps_path, sizeof info->maps_path, &r->maps_path);
  read_string(&rd, "request.maps_sha256", info->maps_sha256, sizeof info->maps_sha256,
              &r->maps_sha256);
  read_string(&rd, "request.catalog_path", info->catalog_path, sizeof info->catalog_path,
              &r->catalog_path);
  r->catalog_hdu = read_int(&rd, "request.catalog_hdu", 0, 100000);
  const char *column_keys[5] = {"request.catalog_columns.ra", "request.catalog_columns.dec",
                                "request.catalog_columns.e1", "request.catalog_columns.e2",
                                "request.catalog_columns.weight"};
  const char *columns[5];
  for (int i = 0; i < 5; i++)
    read_string(&rd, column_keys[i], info->catalog_columns[i], sizeof info->catalog_columns[i],
                &columns[i]);
  r->catalog_columns = (DmCatalogColumns){columns[0], columns[1], columns[2], columns[3],
                                          columns[4]};
  g->nx = read_int(&rd, "request.grid.nx", 1, DM_GRID_MAX_SIDE);
  g->ny = read_int(&rd, "request.grid.ny", 1, DM_GRID_MAX_SIDE);
  g->pixel_arcmin = read_double(&rd, "request.grid.pixel_arcmin");
  g->has_center = read_bool(&rd, "request.grid.has_center");
  g->center_ra = read_double(&rd, "request.grid.center_ra");
  g->center_dec = read_double(&rd, "request.grid.center_dec");
  g->projection =
      read_choice(&rd, "request.grid.projection", "tan", "flat") ? DM_PROJECTION_FLAT : DM_PROJECTION_TAN;
  g->ra_left = read_bool(&rd, "request.grid.ra_left");
  g->flip_e2 = read_bool(&rd, "request.grid.flip_e2");
  g->noise_model = read_choice(&rd, "request.grid.noise_model", "count", "weighted")
                       ? DM_NOISE_WEIGHTED
                       : DM_NOISE_COUNT;
  r->haloes = read_bool(&rd, "request.haloes");
  r->shift = read_double(&rd, "request.shift");
  r->pool_maps = read_int(&rd, "request.pool_maps", 1, 100000000);
  r->pool_noise = read_int(&rd, "request.pool_noise", 0, 100000000);
  r->validation = read_int(&rd, "request.validation", 1, 100000000);
  r->width = read_int(&rd, "request.width", 1, 1024);
  r->depth = read_int(&rd, "request.depth", 1, 8);
  r->z_channels = read_int(&rd, "request.z_channels", 0, 64);
  r->critic_width = read_int(&rd, "request.critic_width", 0, 1024);
  r->batch = read_int(&rd, "request.batch", 1, 1000000);
  r->lr = read_double(&rd, "request.lr");
  r->cosine = read_int(&rd, "request.cosine", 0, 2147483647);
  r->sigma_min = read_double(&rd, "request.sigma_min");
  r->sigma_max = read_double(&rd, "request.sigma_max");
  r->beta_adv = read_double(&rd, "request.beta_adv");
  r->adapt_every = read_int(&rd, "request.adapt_every", 0, 2147483647);
  const char *seed = text(&rd, "request.seed");
  char *end = NULL;
  errno = 0;
  r->seed = seed ? strtoull(seed, &end, 10) : 0;
  if (seed && (end == seed || *end || errno || seed[0] == '-'))
    malformed(&rd, "request.seed", seed);
  r->steps = read_integer(&rd, "request.steps", 1, INT64_MAX);
  r->max_seconds = read_double(&rd, "request.max_seconds");
  r->report_every = read_int(&rd, "request.report_every", 1, 2147483647);
  r->validate_every = read_int(&rd, "request.validate_every", 0, 2147483647);
  r->checkpoint_every = read_int(&rd, "request.checkpoint_every", 0, 2147483647);
  read_string(&rd, "request.device", info->device, sizeof info->device, &r->device);
  r->threads = read_int(&rd, "request.threads", 0, 1000000);
  read_string(&rd, "request.model_path", info->model_path, sizeof info->model_path,
              &r->model_path);
  read_string(&rd, "request.name", info->name, sizeof info->name, &r->name);
  if (rd.ok && !r->model_path)
    rd.ok = dm_error_set(error, DM_ERROR_FORMAT, 0, "%s: the checkpoint names no model.", path);
  if (rd.ok && snprintf(info->checkpoint_path, sizeof info->checkpoint_path, "%s", path) >=
                   (int)sizeof info->checkpoint_path)
    rd.ok = dm_error_set(error, DM_ERROR_FORMAT, 0, "The checkpoint's path is too long.");
  r->checkpoint_path = info->checkpoint_path;
  return rd.ok;
}

bool dm_train_checkpoint_read(const char *path, DmTrainCheckpointInfo *info, DmError **error) {
  /* Its metadata alone: the header, not the networks' tensors. */
  DmSafetensors *st = dm_safetensors_read_header(path, error);
  if (!st) return false;
  bool ok = read_info(st, path, info, error);
  dm_safetensors_free(st);
  return ok;
}

/* ---- Resuming ----------------------------------------------------------------- */

void dm_train_describe(const DmTrainRequest *r, char *text_out, size_t size) {
  if (r->kind == DM_TRAIN_COSMOGAN)
    snprintf(text_out, size, "a CosmoGAN of %d × %d maps of %g′", r->size, r->size,
             r->pixel_arcmin);
  else if (r->kind == DM_TRAIN_MMGAN)
    snprintf(text_out, size, "an MMGAN of %d × %d pixels of %g′", r->grid.nx, r->grid.ny,
             r->grid.pixel_arcmin);
  else
    snprintf(text_out, size, "a %s score network on maps of %d × %d pixels of %g′",
             r->kind == DM_TRAIN_SCORE_PLAIN ? "plain" : "hybrid", r->size, r->size,
             r->pixel_arcmin);
}

/* Whether the checkpoint's request a continues into b: the same kind,
 * geometry, networks and data; DM_ERROR_INVALID_ARGUMENT naming the
 * difference otherwise. */
static bool same_training(const DmTrainRequest *a, const DmTrainRequest *b, DmError **error) {
  bool mmgan = a->kind == DM_TRAIN_MMGAN, cosmogan = a->kind == DM_TRAIN_COSMOGAN;
  const char *maps_a = a->maps_path ? a->maps_path : "the simulator";
  const char *maps_b = b->maps_path ? b->maps_path : "the simulator";
  if (a->kind == b->kind && strcmp(maps_a, maps_b) != 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The checkpoint trained on maps from %s; the request's come from %s (a "
                        "resume continues the same training).",
                        maps_a, maps_b);
  if (a->maps_sha256 && b->maps_sha256 && strcmp(a->maps_sha256, b->maps_sha256) != 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The training maps %s changed since the checkpoint (SHA-256 %s then, "
                        "%s now): a resume continues the same training.",
                        a->maps_path, a->maps_sha256, b->maps_sha256);
  bool same_geometry =
      a->kind == b->kind &&
      (mmgan ? a->grid.nx == b->grid.nx && a->grid.ny == b->grid.ny &&
                   a->grid.pixel_arcmin == b->grid.pixel_arcmin
             : a->size == b->size && a->pixel_arcmin == b->pixel_arcmin);
  if (!same_geometry) {
    char in_file[160], asked[160];
    dm_train_describe(a, in_file, sizeof in_file);
    dm_train_describe(b, asked, sizeof asked);
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The checkpoint is %s; the request is %s.", in_file, asked);
  }
  struct {
    const char *what;
    double in_file, asked;
  } settings[] = {
      {"network width", a->width, b->width},
      {"network depth", a->depth, b->depth},
      {mmgan ? "noise-code channels" : "latent size", mmgan || cosmogan ? a->z_channels : 0,
       mmgan || cosmogan ? b->z_channels : 0},
      {"critic width", mmgan ? a->critic_width : 0, mmgan ? b->critic_width : 0},
      {"grid centre's RA", mmgan ? a->grid.center_ra : 0, mmgan ? b->grid.center_ra : 0},
      {"grid centre's Dec", mmgan ? a->grid.center_dec : 0, mmgan ? b->grid.center_dec : 0},
      {"projection (0 TAN, 1 flat)", mmgan ? a->grid.projection : 0,
       mmgan ? b->grid.projection : 0},
      {"number of training maps", a->pool_maps, b->pool_maps},
      {"number of noise realisations", mmgan ? a->pool_noise : 0, mmgan ? b->pool_noise : 0},
      /* A CosmoGAN's validation maps are drawn by its generator: their number
       * does not change the training. */
      {"number of validation maps", cosmogan ? 0 : a->validation, cosmogan ? 0 : b->validation},
      {"batch", a->batch, b->batch},
      {"haloes (1: with)", a->haloes, b->haloes},
      {"lognormal shift", a->shift, b->shift},
  };
  if (a->seed != b->seed)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The checkpoint's seed is %llu; the request's is %llu (a resume "
                        "continues the same training).",
                        (unsigned long long)a->seed, (unsigned long long)b->seed);
  for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
    if (!(fabs(settings[i].in_file - settings[i].asked) <= 1e-9 * fabs(settings[i].in_file)))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "The checkpoint's %s is %.10g; the request's is %.10g (a resume "
                          "continues the same training).",
                          settings[i].what, settings[i].in_file, settings[i].asked);
  return true;
}

bool dm_train_checkpoint_check(const DmTrainResolved *resolved, int64_t *step, double *seconds,
                               DmError **error) {
  const DmTrainRequest *r = &resolved->request;
  DmTrainCheckpointInfo *info = malloc(sizeof *info);
  if (!info) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  bool ok = dm_train_checkpoint_read(r->checkpoint_path, info, error) &&
            same_training(&info->request, r, error);
  if (ok && info->step > r->steps)
    ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "The checkpoint is at step %lld, past the %lld steps asked for (the "
                      "steps count the resumed ones).",
                      (long long)info->step, (long long)r->steps);
  if (ok) {
    *step = info->step;
    *seconds = info->seconds;
  }
  free(info);
  return ok;
}

bool dm_train_checkpoint_load(const DmTrainResolved *resolved, DmTrainMethod *method,
                              int64_t step, DmError **error) {
  const char *path = resolved->request.checkpoint_path;
  DmSafetensors *st = dm_safetensors_read(path, error);
  if (!st) return false;
  bool ok = method->read_state(method->state, st, error);
  if (!ok) dm_error_prefix(error, "Cannot resume from %s", path);
  if (ok && method->steps(method->state) != step)
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s: the checkpoint was at step %lld, its optimiser now says %lld.", path,
                      (long long)step, (long long)method->steps(method->state));
  dm_safetensors_free(st);
  return ok;
}
