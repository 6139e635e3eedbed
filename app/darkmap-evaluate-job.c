/* DarkmapEvaluateJob: dm_evaluate_model on a worker thread. */
#include "darkmap-evaluate-job.h"

struct _DarkmapEvaluateJob
{
  DarkmapMockJob parent_instance;
};

G_DEFINE_FINAL_TYPE (DarkmapEvaluateJob, darkmap_evaluate_job, DARKMAP_TYPE_MOCK_JOB)

static bool
evaluate (DarkmapMockJob *job, const DmModelEvaluationRequest *request, void *result,
          const DmProgress *progress, DmError **error)
{
  return dm_evaluate_model (request, result, progress, error);
}

static void
darkmap_evaluate_job_class_init (DarkmapEvaluateJobClass *klass)
{
  /* A late cancel drops the table: nothing was written yet. */
  darkmap_mock_job_class_set_call (DARKMAP_MOCK_JOB_CLASS (klass), evaluate,
                                   sizeof (DmModelEvaluation), "[darkmap] mock evaluation", TRUE);
}

static void
darkmap_evaluate_job_init (DarkmapEvaluateJob *self)
{
}

gboolean
darkmap_evaluate_job_run_finish (DarkmapEvaluateJob *self, GAsyncResult *result,
                                 DmModelEvaluation *evaluation, GError **error)
{
  g_return_val_if_fail (DARKMAP_IS_EVALUATE_JOB (self), FALSE);
  return darkmap_mock_job_run_finish (DARKMAP_MOCK_JOB (self), result, evaluation, error);
}
