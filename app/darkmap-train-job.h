/* DarkmapTrainJob: one training (darkmap/train.h's dm_train, the call
 * darkmap-cli's train commands make) on a worker thread, for the window's
 * Train dialog and training dashboard.
 *
 * The job owns a copy of the request and of its strings.  The engine reads
 * the theory table from the request's theory_path (and column), for MMGAN
 * the catalogue from catalog_path with its HDU and columns, and for a
 * CosmoGAN its own training maps from maps_path, so that the window may
 * change field, or close, while the training runs.
 *
 * Reports.  The engine's DmTrainReports are never dropped: the worker
 * appends each one to a locked pending array, and at most one callback is
 * pending on the main context, DARKMAP_PROGRESS_INTERVAL_MS after the report
 * that scheduled it (at most 10 updates a second).  There the pending
 * reports move, in order, to the job's history and "reports-added" is
 * emitted once for them.  Finishing the run (darkmap_train_job_run_finish)
 * moves whatever is still pending first, so the history is whole when the
 * result is handled.  The fraction and stage (DmProgress) go through the
 * same kind of coalescing (darkmap-progress-relay.h).
 *
 * Controls.  Pause and "checkpoint now" are the engine's atomic flags,
 * polled between steps; darkmap_train_job_cancel raises its cancel flag:
 * the engine then saves the finished steps in the checkpoint and the job
 * returns G_IO_ERROR_CANCELLED. */
#pragma once

#include <gio/gio.h>

#include "darkmap/train.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_TRAIN_JOB (darkmap_train_job_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapTrainJob, darkmap_train_job, DARKMAP, TRAIN_JOB, GObject)

/* A job for request (its theory and catalog pointers are not used: the
 * engine reads them from theory_path and catalog_path, catalog_hdu and
 * catalog_columns).  NULL with error when the request has no model path,
 * no theory path, or (MMGAN) no catalogue path. */
DarkmapTrainJob *darkmap_train_job_new (const DmTrainRequest *request, GError **error);

/* The request the job runs (its strings belong to the job). */
const DmTrainRequest *darkmap_train_job_get_request (DarkmapTrainJob *self);
const char *darkmap_train_job_get_model_path (DarkmapTrainJob *self);
/* Where the checkpoint is written (dm_train_checkpoint_path). */
const char *darkmap_train_job_get_checkpoint_path (DarkmapTrainJob *self);

/* Latest progress on the main context: fraction of the run in [0, 1] and
 * the engine's stage ("Making the training maps", "Step 120 of 400"). */
double darkmap_train_job_get_fraction (DarkmapTrainJob *self);
const char *darkmap_train_job_get_stage (DarkmapTrainJob *self);

/* Every report published on the main context, in order (a GArray of
 * DmTrainReport, owned by the job), and the last one (NULL before the
 * first). */
GArray *darkmap_train_job_get_history (DarkmapTrainJob *self);
const DmTrainReport *darkmap_train_job_get_last_report (DarkmapTrainJob *self);
/* The step of the last checkpoint a published report announced; -1 before
 * the first. */
gint64 darkmap_train_job_get_checkpoint_step (DarkmapTrainJob *self);

/* Pauses (the engine waits between steps) or resumes; the "paused"
 * property follows. */
void darkmap_train_job_set_paused (DarkmapTrainJob *self, gboolean paused);
gboolean darkmap_train_job_get_paused (DarkmapTrainJob *self);
/* Asks for a checkpoint after the step in progress. */
void darkmap_train_job_checkpoint_now (DarkmapTrainJob *self);
/* Stops the training: its finished steps are saved in the checkpoint. */
void darkmap_train_job_cancel (DarkmapTrainJob *self);
gboolean darkmap_train_job_is_cancelled (DarkmapTrainJob *self);
/* Whether the job started and has not finished yet. */
gboolean darkmap_train_job_is_running (DarkmapTrainJob *self);

/* A job runs once. */
void darkmap_train_job_run_async (DarkmapTrainJob *self, GAsyncReadyCallback callback,
                                  gpointer user_data);
/* TRUE with the engine's result; FALSE with error (G_IO_ERROR_CANCELLED
 * after a cancellation, the checkpoint then written).  The history is
 * complete when it returns. */
gboolean darkmap_train_job_run_finish (DarkmapTrainJob *self, GAsyncResult *result,
                                       DmTrainResult *train_result, GError **error);

G_END_DECLS
