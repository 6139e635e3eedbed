/* What the pieces of dm_train (darkmap/train.h) share: one kind's training
 * behind a table of functions (train-score.c, train-mmgan.c,
 * train-cosmogan.c), the
 * checkpoint file (train-checkpoint.c) and the report's clock
 * (train-report.c). */
#ifndef DARKMAP_TRAIN_PRIVATE_H
#define DARKMAP_TRAIN_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/dataset.h"
#include "darkmap/nn.h"
#include "darkmap/safetensors.h"
#include "darkmap/train.h"

/* A request with everything dm_train leaves implicit made explicit: the
 * theory and (MMGAN) the catalogue read from their paths when the caller
 * gave none, the catalogue's HDU and columns as read, the device name, the
 * checkpoint path, the card's name, and for MMGAN the grid's centre (the
 * catalogue median when the caller set none) and pixel_arcmin and size
 * equal to the grid's.  The strings, theory and catalogue are owned or the
 * caller's. */
typedef struct {
  DmTrainRequest request;  /* its pointers go to the fields below or the caller's */
  char *checkpoint_path;
  char *name;
  DmTheorySpectrum *theory;  /* read here when the request had none; else NULL */
  DmCatalog *catalog;        /* the same */
  char maps_sha256[65];      /* the maps file's digest (request.maps_sha256 points here) */
} DmTrainResolved;

/* path with ".safetensors" replaced by suffix (appended when it has none),
 * malloc'ed. */
char *dm_train_replace_suffix(const char *path, const char *suffix);

/* progress: the catalogue's reading (its cancel flag). */
bool dm_train_resolve(const DmTrainRequest *request, const DmProgress *progress,
                      DmTrainResolved *resolved, DmError **error);
void dm_train_resolved_clear(DmTrainResolved *resolved);

/* The training fields of the request (darkmap/dataset.h): its theory,
 * shift, haloes and seed on nx × ny pixels of pixel_arcmin. */
void dm_train_fields(const DmTrainRequest *request, int nx, int ny, double pixel_arcmin,
                     DmDatasetConfig *fields);

/* GroupNorm groups of a U-Net of base width: 4, 2 or 1, the most that
 * divide it. */
int dm_train_norm_groups(int width);

/* One kind's training: the state (pool, context, networks, optimisers,
 * trainer) and what dm_train does with it.  step runs one step and puts its
 * losses into report; validate puts the validation numbers into report
 * (has_validation set); the state functions add or read the trainer's
 * tensors and w_SD (not the request: train-checkpoint.c); save_model writes
 * the model file reconstructions load.  curves and data point into the
 * state for COSMOGAN (its last validation's curves, what its maps are) and
 * are NULL for the others. */
typedef struct {
  void *state;
  DmNn *nn;                /* the state's network context */
  int64_t n_parameters;    /* the model's trainable weights */
  int64_t (*steps)(const void *state);
  bool (*step)(void *state, DmTrainReport *report, DmError **error);
  bool (*validate)(void *state, DmTrainReport *report, DmError **error);
  bool (*write_state)(const void *state, DmSafetensorsWriter *writer, DmError **error);
  bool (*read_state)(void *state, const DmSafetensors *st, DmError **error);
  bool (*save_model)(const void *state, const char *path, DmError **error);
  void (*free)(void *state);
  const DmCosmoganValidation *curves;
  const char *data;
} DmTrainMethod;

/* The methods of the kinds: the pool made with pool_progress (its fraction
 * and cancel flag), the network context on request->device. */
bool dm_train_score_new(const DmTrainRequest *request, const DmProgress *pool_progress,
                        DmTrainMethod *method, DmError **error);
bool dm_train_mmgan_new(const DmTrainRequest *request, const DmProgress *pool_progress,
                        DmTrainMethod *method, DmError **error);
bool dm_train_cosmogan_new(const DmTrainRequest *request, const DmProgress *pool_progress,
                           DmTrainMethod *method, DmError **error);

/* ---- The checkpoint (train-checkpoint.c) ---------------------------------- */

/* Writes the checkpoint of resolved's request at path (atomically): the
 * method's state, the step count, seconds (training time over every call)
 * and the request. */
bool dm_train_checkpoint_write(const DmTrainResolved *resolved, const DmTrainMethod *method,
                               double seconds, DmError **error);

/* Whether the checkpoint of resolved's request continues it: the same
 * kind, grid, networks and data (a sentence naming both otherwise,
 * DM_ERROR_INVALID_ARGUMENT) and not past its steps; *step and *seconds get
 * its step count and training time.  Read before any work. */
bool dm_train_checkpoint_check(const DmTrainResolved *resolved, int64_t *step, double *seconds,
                               DmError **error);

/* The checkpoint's trainer state into method, which must then be at step. */
bool dm_train_checkpoint_load(const DmTrainResolved *resolved, DmTrainMethod *method,
                              int64_t step, DmError **error);

/* "an MMGAN of 64 × 64 pixels of 1.6′", "a hybrid score network of maps
 * of 64 × 64 pixels of 0.29′" or "a CosmoGAN of 64 × 64 maps of 0.29′"
 * into text. */
void dm_train_describe(const DmTrainRequest *request, char *text, size_t size);

/* ---- Time (train-report.c) -------------------------------------------------- */

/* Training time of one call: the wall time since start less the pauses. */
typedef struct {
  double start, paused;
} DmTrainClock;

void dm_train_clock_start(DmTrainClock *clock);
double dm_train_clock_seconds(const DmTrainClock *clock);

/* Sleeps while monitor->pause is raised (polling it and progress's cancel
 * every 30 ms), adding the time to clock's pauses; false with
 * DM_ERROR_CANCELLED when cancelled meanwhile. */
bool dm_train_wait_while_paused(const DmTrainMonitor *monitor, const DmProgress *progress,
                                DmTrainClock *clock, DmError **error);

/* The report's step, rate, time left and the context's memory, for step of
 * total with first_step the call's first. */
void dm_train_report_timing(DmTrainReport *report, const DmTrainClock *clock, DmNn *nn,
                            int64_t first_step, int64_t step, int64_t total);

#endif
