/* DarkmapEvaluateJob: a model scored on a mock survey
 * (darkmap/model-evaluation.h's dm_evaluate_model, the call darkmap-cli
 * eval-mock makes) on a worker thread, for the model library's Evaluate on
 * a Mock.
 *
 * The job copies the request and its strings and reads its own theory
 * spectrum, so that nothing the caller holds must outlive it; the survey is
 * a catalogue file (request->catalog_path, read on the worker), not one in
 * memory.  Progress is coalesced onto the main context (the "fraction" and
 * "stage" properties; darkmap-progress-relay.h).  Cancelling the
 * GCancellable raises the engine's cancel flag: the job then returns
 * G_IO_ERROR_CANCELLED and no result. */
#pragma once

#include <gio/gio.h>

#include "darkmap/model-evaluation.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_EVALUATE_JOB (darkmap_evaluate_job_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapEvaluateJob, darkmap_evaluate_job, DARKMAP, EVALUATE_JOB, GObject)

/* request->theory is ignored: the job reads theory_path.  NULL with error
 * set when the theory cannot be read. */
DarkmapEvaluateJob *darkmap_evaluate_job_new (const DmModelEvaluationRequest *request,
                                              const char *theory_path, GError **error);

/* Latest progress on the main context: fraction of the run in [0, 1] and
 * the engine's stage. */
double darkmap_evaluate_job_get_fraction (DarkmapEvaluateJob *self);
const char *darkmap_evaluate_job_get_stage (DarkmapEvaluateJob *self);
/* "Wiener samples: 8 of 16 samples — 12 s left". */
char *darkmap_evaluate_job_describe_progress (DarkmapEvaluateJob *self);

/* A job runs once. */
void darkmap_evaluate_job_run_async (DarkmapEvaluateJob *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
/* The evaluation into *evaluation, or FALSE with error set. */
gboolean darkmap_evaluate_job_run_finish (DarkmapEvaluateJob *self, GAsyncResult *result,
                                          DmModelEvaluation *evaluation, GError **error);

G_END_DECLS
