/* DarkmapReconstructJob: dm_reconstruct on a worker thread. */
#include "darkmap-reconstruct-job.h"

#include <glib/gi18n.h>

#include "darkmap-job.h"
#include "darkmap-progress-relay.h"
#include "darkmap/monotonic-clock.h"

struct _DarkmapReconstructJob
{
  GObject parent_instance;

  DmBinnedShear binned;           /* owned copies of shear, noise and mask */
  DmReconstructRequest request;   /* its strings point into the fields below */
  char *theory_path, *model_path, *device;
  gboolean started;

  double start_seconds;            /* main context: when the run started */

  DarkmapProgressRelay relay;      /* progress to the main context, cancel flag */
};

G_DEFINE_FINAL_TYPE (DarkmapReconstructJob, darkmap_reconstruct_job, G_TYPE_OBJECT)

enum { PROP_0, PROP_FRACTION, PROP_STAGE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
darkmap_reconstruct_job_finalize (GObject *object)
{
  DarkmapReconstructJob *self = DARKMAP_RECONSTRUCT_JOB (object);

  dm_map_free (self->binned.shear);
  dm_map_free (self->binned.noise);
  dm_map_free (self->binned.mask);
  g_free (self->theory_path);
  g_free (self->model_path);
  g_free (self->device);
  darkmap_progress_relay_clear (&self->relay);
  G_OBJECT_CLASS (darkmap_reconstruct_job_parent_class)->finalize (object);
}

static void
darkmap_reconstruct_job_get_property (GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec)
{
  DarkmapReconstructJob *self = DARKMAP_RECONSTRUCT_JOB (object);

  if (!darkmap_progress_relay_get_property (&self->relay, pspec, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
darkmap_reconstruct_job_class_init (DarkmapReconstructJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = darkmap_reconstruct_job_finalize;
  object_class->get_property = darkmap_reconstruct_job_get_property;
  darkmap_progress_relay_make_properties (&properties[PROP_FRACTION], &properties[PROP_STAGE]);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
darkmap_reconstruct_job_init (DarkmapReconstructJob *self)
{
  darkmap_progress_relay_init (&self->relay, G_OBJECT (self), properties[PROP_FRACTION],
                               properties[PROP_STAGE]);
}

DarkmapReconstructJob *
darkmap_reconstruct_job_new (const DmBinnedShear *binned, const DmReconstructRequest *request,
                             GError **error)
{
  g_autoptr (DarkmapReconstructJob) self = NULL;
  DmError *dm_error = NULL;

  g_return_val_if_fail (binned != NULL && request != NULL, NULL);

  self = g_object_new (DARKMAP_TYPE_RECONSTRUCT_JOB, NULL);
  if ((self->binned.shear = dm_map_copy (binned->shear, &dm_error)) == NULL
      || (self->binned.noise = dm_map_copy (binned->noise, &dm_error)) == NULL
      || (self->binned.mask = dm_map_copy (binned->mask, &dm_error)) == NULL)
    {
      darkmap_propagate_engine_error (error, dm_error);
      return NULL;
    }
  self->binned.sigma_e[0] = binned->sigma_e[0];
  self->binned.sigma_e[1] = binned->sigma_e[1];
  self->binned.n_binned = binned->n_binned;
  self->request = *request;
  self->theory_path = g_strdup (request->theory_path);
  self->model_path = g_strdup (request->model_path);
  self->device = g_strdup (request->device);
  self->request.theory_path = self->theory_path;
  self->request.model_path = self->model_path;
  self->request.device = self->device;
  return g_steal_pointer (&self);
}

double
darkmap_reconstruct_job_get_fraction (DarkmapReconstructJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_RECONSTRUCT_JOB (self), 0.0);
  return self->relay.fraction;
}

const char *
darkmap_reconstruct_job_get_stage (DarkmapReconstructJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_RECONSTRUCT_JOB (self), NULL);
  return self->relay.stage;
}

char *
darkmap_reconstruct_job_describe_progress (DarkmapReconstructJob *self)
{
  double elapsed, rate, left;
  int n = self->request.n_samples;

  g_return_val_if_fail (DARKMAP_IS_RECONSTRUCT_JOB (self), NULL);
  elapsed = dm_monotonic_seconds () - self->start_seconds;
  if (self->relay.fraction <= 0.0 || elapsed <= 0.0)
    return g_strdup (self->relay.stage != NULL ? self->relay.stage : "");
  left = elapsed * (1.0 - self->relay.fraction) / self->relay.fraction;
  if (n <= 0 || !dm_reconstruct_method_samples (self->request.method))
    /* TRANSLATORS: progress stage, then the time left */
    return g_strdup_printf (_("%s — %.0f s left"), self->relay.stage, left);
  rate = self->relay.fraction * n / elapsed;
  /* TRANSLATORS: progress stage, then samples per second and the time left */
  return g_strdup_printf (_("%s — %.2g samples/s, %.0f s left"), self->relay.stage, rate, left);
}

static void
job_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DarkmapReconstructJob *self = source_object;
  DmProgress progress = darkmap_progress_relay_engine_progress (&self->relay);
  DmError *dm_error = NULL;
  DmReconstruction *reconstruction;
  DarkmapPosteriorResult *result;
  gulong handler;

  darkmap_job_lower_thread_priority ();
  handler = darkmap_progress_relay_watch (&self->relay, cancellable);
  reconstruction = dm_reconstruct (&self->binned, &self->request, &progress, &dm_error);
  darkmap_progress_relay_unwatch (&self->relay, cancellable, handler);

  if (reconstruction == NULL)
    {
      GError *error = NULL;

      darkmap_propagate_engine_error (&error, dm_error);
      g_task_return_error (task, error);
      return;
    }
  result = darkmap_posterior_result_new (g_steal_pointer (&reconstruction->posterior),
                                         self->request.model_path,
                                         reconstruction->stats.device,
                                         reconstruction->stats.seconds, NULL);
  dm_reconstruction_free (reconstruction);
  /* Cancelled after the engine's last check: the result is not wanted. */
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (result);
      return;
    }
  g_task_return_pointer (task, result, g_object_unref);
}

void
darkmap_reconstruct_job_run_async (DarkmapReconstructJob *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (DARKMAP_IS_RECONSTRUCT_JOB (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->start_seconds = dm_monotonic_seconds ();
  darkmap_progress_relay_start (&self->relay);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (task, "[darkmap] posterior");
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, job_thread);
}

DarkmapPosteriorResult *
darkmap_reconstruct_job_run_finish (DarkmapReconstructJob *self, GAsyncResult *result,
                                    GError **error)
{
  g_return_val_if_fail (DARKMAP_IS_RECONSTRUCT_JOB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
