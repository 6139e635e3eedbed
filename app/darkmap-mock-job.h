/* DarkmapMockJob: what the model library's jobs on simulated surveys share
 * (DarkmapEvaluateJob: dm_evaluate_model; DarkmapCalibrateJob:
 * dm_calibrate_model): one engine call on the mocks of a
 * DmModelEvaluationRequest, run once on a worker thread.  Abstract: a
 * subclass gives the call and the size of its result.
 *
 * The job copies the request and its strings and reads its own theory
 * spectrum, so that nothing the caller holds must outlive it; the survey is
 * a catalogue file (request->catalog_path, read on the worker), not one in
 * memory.  Progress is coalesced onto the main context (the "fraction" and
 * "stage" properties; darkmap-progress-relay.h).  Cancelling the
 * GCancellable raises the engine's cancel flag: the call then fails with
 * DM_ERROR_CANCELLED, which the job returns as G_IO_ERROR_CANCELLED. */
#pragma once

#include <gio/gio.h>

#include "darkmap/model-evaluation.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_MOCK_JOB (darkmap_mock_job_get_type ())
G_DECLARE_DERIVABLE_TYPE (DarkmapMockJob, darkmap_mock_job, DARKMAP, MOCK_JOB, GObject)

/* The engine call, on the worker: request is the job's copy, result a
 * zero-filled block of the class's result_size bytes. */
typedef bool (*DarkmapMockCall) (DarkmapMockJob *self, const DmModelEvaluationRequest *request,
                                 void *result, const DmProgress *progress, DmError **error);

struct _DarkmapMockJobClass
{
  GObjectClass parent_class;

  DarkmapMockCall call;
  gsize result_size;
  const char *task_name;
  /* When the call succeeds but the job was cancelled meanwhile: TRUE, the
   * job fails with G_IO_ERROR_CANCELLED (the call changed nothing and its
   * result is not wanted); FALSE, the result stands (the call changed
   * something the caller must hear of). */
  gboolean late_cancel_discards;
};

/* For a subclass's class_init: the fields above. */
void darkmap_mock_job_class_set_call (DarkmapMockJobClass *klass, DarkmapMockCall call,
                                      gsize result_size, const char *task_name,
                                      gboolean late_cancel_discards);

/* For a subclass's constructor: a new job of type (a subclass) on a copy of
 * request (its theory is ignored: the job reads theory_path); NULL with
 * error set when the theory cannot be read. */
gpointer darkmap_mock_job_new (GType type, const DmModelEvaluationRequest *request,
                               const char *theory_path, GError **error);

/* Latest progress on the main context: fraction of the run in [0, 1] and
 * the engine's stage. */
double darkmap_mock_job_get_fraction (DarkmapMockJob *self);
const char *darkmap_mock_job_get_stage (DarkmapMockJob *self);
/* "Wiener samples: 8 of 16 samples — 12 s left". */
char *darkmap_mock_job_describe_progress (DarkmapMockJob *self);

/* A job runs once. */
void darkmap_mock_job_run_async (DarkmapMockJob *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* For a subclass's _finish: the call's result copied into out
 * (result_size bytes), or FALSE with error set. */
gboolean darkmap_mock_job_run_finish (DarkmapMockJob *self, GAsyncResult *result, void *out,
                                      GError **error);

G_END_DECLS
