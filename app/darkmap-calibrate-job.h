/* DarkmapCalibrateJob: a learned model's error bars calibrated on simulated
 * surveys (darkmap/model-calibration.h's dm_calibrate_model, the call
 * darkmap-cli calibrate makes) on a worker thread, for the model library's
 * Calibrate on Mocks.  A DarkmapMockJob (darkmap-mock-job.h: the request's
 * mocks copied, the theory read, progress, cancel, running): start it with
 * darkmap_mock_job_run_async.
 *
 * With request->store the engine writes the factor into the model's
 * weights file and card, atomically and only once the fit has succeeded: a
 * failed or cancelled job leaves both files as they were.  A cancel that
 * comes after the engine's last check changes nothing: the model is then
 * calibrated and the job returns its result. */
#pragma once

#include "darkmap-mock-job.h"
#include "darkmap/model-calibration.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_CALIBRATE_JOB (darkmap_calibrate_job_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapCalibrateJob, darkmap_calibrate_job, DARKMAP, CALIBRATE_JOB,
                      DarkmapMockJob)

/* request->mocks.theory is ignored: the job reads theory_path.  NULL with
 * error set when the theory cannot be read. */
DarkmapCalibrateJob *darkmap_calibrate_job_new (const DmCalibrationRequest *request,
                                                const char *theory_path, GError **error);

/* The calibration into *calibration, or FALSE with error set. */
gboolean darkmap_calibrate_job_run_finish (DarkmapCalibrateJob *self, GAsyncResult *result,
                                           DmCalibrationResult *calibration, GError **error);

G_END_DECLS
