/* DarkmapReconstructJob: one mass-mapping method (darkmap/reconstruct.h's
 * dm_reconstruct, the call darkmap-cli makes) on a worker thread, for the
 * window's Reconstruct action.
 *
 * The job copies what the method reads of the binned shear (shear, noise,
 * mask), the request and its strings, so that the field shown may change
 * while it runs.  Progress is coalesced onto the main context (the
 * "fraction" and "stage" properties; darkmap-progress-relay.h), where
 * samples/s and the time left are derived.  Cancelling the GCancellable
 * raises the engine's cancel flag: the job then returns
 * G_IO_ERROR_CANCELLED and no result. */
#pragma once

#include <gio/gio.h>

#include "darkmap-posterior-result.h"
#include "darkmap/binning.h"
#include "darkmap/reconstruct.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_RECONSTRUCT_JOB (darkmap_reconstruct_job_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapReconstructJob, darkmap_reconstruct_job, DARKMAP,
                      RECONSTRUCT_JOB, GObject)

/* NULL with error set when the shear cannot be copied. */
DarkmapReconstructJob *darkmap_reconstruct_job_new (const DmBinnedShear *binned,
                                                    const DmReconstructRequest *request,
                                                    GError **error);

/* Latest progress on the main context: fraction of the run in [0, 1] and
 * the engine's stage. */
double darkmap_reconstruct_job_get_fraction (DarkmapReconstructJob *self);
const char *darkmap_reconstruct_job_get_stage (DarkmapReconstructJob *self);
/* "Score sampling: 16 of 64 samples — 2.1 samples/s, 23 s left". */
char *darkmap_reconstruct_job_describe_progress (DarkmapReconstructJob *self);

/* A job runs once. */
void darkmap_reconstruct_job_run_async (DarkmapReconstructJob *self, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
/* The result (a new reference), or NULL with error set. */
DarkmapPosteriorResult *darkmap_reconstruct_job_run_finish (DarkmapReconstructJob *self,
                                                            GAsyncResult *result,
                                                            GError **error);

G_END_DECLS
