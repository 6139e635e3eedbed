/* DarkmapEmulateJob: a field of emulated universes (darkmap/cosmogan.h's
 * dm_cosmogan_generate, the call darkmap-cli sample-cosmogan makes) on a
 * worker thread, for the window's Emulated Universes page: the maps kept
 * to be shown, or the cube of maps written to the request's out_path.
 *
 * The job copies the request and its strings, so that nothing the caller
 * holds must outlive it.  Progress is coalesced onto the main context (the
 * "fraction" and "stage" properties; darkmap-progress-relay.h).
 * Cancelling the GCancellable raises the engine's cancel flag: the engine
 * then stops between batches (or within a network pass), leaves no file,
 * and the job returns G_IO_ERROR_CANCELLED.  A cancel that comes after the
 * engine's last check drops maps that were only to be shown; a cube
 * written by then stands (its result is returned). */
#pragma once

#include <gio/gio.h>

#include "darkmap/cosmogan.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_EMULATE_JOB (darkmap_emulate_job_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapEmulateJob, darkmap_emulate_job, DARKMAP, EMULATE_JOB, GObject)

/* A job for a copy of request (its model_path is required). */
DarkmapEmulateJob *darkmap_emulate_job_new (const DmCosmoganGenerateRequest *request);

/* The request the job runs (its strings belong to the job). */
const DmCosmoganGenerateRequest *darkmap_emulate_job_get_request (DarkmapEmulateJob *self);

/* Latest progress on the main context: fraction of the run in [0, 1] and
 * the engine's stage. */
double darkmap_emulate_job_get_fraction (DarkmapEmulateJob *self);
const char *darkmap_emulate_job_get_stage (DarkmapEmulateJob *self);
/* "Emulated maps: 8 of 16 — 2 s left". */
char *darkmap_emulate_job_describe_progress (DarkmapEmulateJob *self);

/* A job runs once. */
void darkmap_emulate_job_run_async (DarkmapEmulateJob *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
/* The engine's result into *result (its maps then belong to the caller:
 * dm_cosmogan_generate_result_clear), or FALSE with error set (*result
 * zeroed). */
gboolean darkmap_emulate_job_run_finish (DarkmapEmulateJob *self, GAsyncResult *result,
                                         DmCosmoganGenerateResult *generated, GError **error);

G_END_DECLS
