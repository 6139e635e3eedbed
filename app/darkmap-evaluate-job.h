/* DarkmapEvaluateJob: a model scored on a mock survey
 * (darkmap/model-evaluation.h's dm_evaluate_model, the call darkmap-cli
 * eval-mock makes) on a worker thread, for the model library's Evaluate on
 * a Mock.  A DarkmapMockJob (darkmap-mock-job.h: the request copied, the
 * theory read, progress, cancel, running) with nothing of its own: made
 * with darkmap_mock_job_new (DARKMAP_TYPE_EVALUATE_JOB, request,
 * theory_path, error), started with darkmap_mock_job_run_async.  A cancel
 * that comes after the engine's last check still ends the job with
 * G_IO_ERROR_CANCELLED and no result. */
#pragma once

#include "darkmap-mock-job.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_EVALUATE_JOB (darkmap_evaluate_job_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapEvaluateJob, darkmap_evaluate_job, DARKMAP, EVALUATE_JOB,
                      DarkmapMockJob)

/* The evaluation into *evaluation, or FALSE with error set. */
gboolean darkmap_evaluate_job_run_finish (DarkmapEvaluateJob *self, GAsyncResult *result,
                                          DmModelEvaluation *evaluation, GError **error);

G_END_DECLS
