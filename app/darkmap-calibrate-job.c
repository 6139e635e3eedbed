/* DarkmapCalibrateJob: dm_calibrate_model on a worker thread. */
#include "darkmap-calibrate-job.h"

struct _DarkmapCalibrateJob
{
  DarkmapMockJob parent_instance;

  gboolean store;  /* the request's: write the factor into the model file and card */
};

G_DEFINE_FINAL_TYPE (DarkmapCalibrateJob, darkmap_calibrate_job, DARKMAP_TYPE_MOCK_JOB)

static bool
calibrate (DarkmapMockJob *job, const DmModelEvaluationRequest *mocks, void *result,
           const DmProgress *progress, DmError **error)
{
  DmCalibrationRequest request = { .mocks = *mocks,
                                   .store = DARKMAP_CALIBRATE_JOB (job)->store };

  return dm_calibrate_model (&request, result, progress, error);
}

static void
darkmap_calibrate_job_class_init (DarkmapCalibrateJobClass *klass)
{
  /* Once the engine has stored the factor, the model is calibrated. */
  darkmap_mock_job_class_set_call (DARKMAP_MOCK_JOB_CLASS (klass), calibrate,
                                   sizeof (DmCalibrationResult), "[darkmap] model calibration",
                                   FALSE);
}

static void
darkmap_calibrate_job_init (DarkmapCalibrateJob *self)
{
}

DarkmapCalibrateJob *
darkmap_calibrate_job_new (const DmCalibrationRequest *request, const char *theory_path,
                           GError **error)
{
  DarkmapCalibrateJob *self;

  g_return_val_if_fail (request != NULL && request->mocks.model_path != NULL, NULL);
  self = darkmap_mock_job_new (DARKMAP_TYPE_CALIBRATE_JOB, &request->mocks, theory_path, error);
  if (self != NULL)
    self->store = request->store;
  return self;
}

gboolean
darkmap_calibrate_job_run_finish (DarkmapCalibrateJob *self, GAsyncResult *result,
                                  DmCalibrationResult *calibration, GError **error)
{
  g_return_val_if_fail (DARKMAP_IS_CALIBRATE_JOB (self), FALSE);
  return darkmap_mock_job_run_finish (DARKMAP_MOCK_JOB (self), result, calibration, error);
}
