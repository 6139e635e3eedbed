/* DarkmapEvaluateJob: dm_evaluate_model on a worker thread. */
#include "darkmap-evaluate-job.h"

#include <glib/gi18n.h>

#include "darkmap-job.h"
#include "darkmap-progress-relay.h"
#include "darkmap/monotonic-clock.h"

struct _DarkmapEvaluateJob
{
  GObject parent_instance;

  DmModelEvaluationRequest request;  /* its strings and theory point into the fields below */
  DmTheorySpectrum *theory;
  char *model_path, *catalog_path, *device;
  char *columns[5];                  /* ra, dec, e1, e2, weight; NULL: detect */
  gboolean started;

  double start_seconds;              /* main context: when the run started */

  DarkmapProgressRelay relay;        /* progress to the main context, cancel flag */
};

G_DEFINE_FINAL_TYPE (DarkmapEvaluateJob, darkmap_evaluate_job, G_TYPE_OBJECT)

enum { PROP_0, PROP_FRACTION, PROP_STAGE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
darkmap_evaluate_job_finalize (GObject *object)
{
  DarkmapEvaluateJob *self = DARKMAP_EVALUATE_JOB (object);

  dm_theory_free (self->theory);
  g_free (self->model_path);
  g_free (self->catalog_path);
  g_free (self->device);
  for (guint i = 0; i < G_N_ELEMENTS (self->columns); i++)
    g_free (self->columns[i]);
  darkmap_progress_relay_clear (&self->relay);
  G_OBJECT_CLASS (darkmap_evaluate_job_parent_class)->finalize (object);
}

static void
darkmap_evaluate_job_get_property (GObject *object, guint prop_id, GValue *value,
                                   GParamSpec *pspec)
{
  DarkmapEvaluateJob *self = DARKMAP_EVALUATE_JOB (object);

  if (!darkmap_progress_relay_get_property (&self->relay, pspec, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
darkmap_evaluate_job_class_init (DarkmapEvaluateJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = darkmap_evaluate_job_finalize;
  object_class->get_property = darkmap_evaluate_job_get_property;
  darkmap_progress_relay_make_properties (&properties[PROP_FRACTION], &properties[PROP_STAGE]);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
darkmap_evaluate_job_init (DarkmapEvaluateJob *self)
{
  darkmap_progress_relay_init (&self->relay, G_OBJECT (self), properties[PROP_FRACTION],
                               properties[PROP_STAGE]);
}

DarkmapEvaluateJob *
darkmap_evaluate_job_new (const DmModelEvaluationRequest *request, const char *theory_path,
                          GError **error)
{
  g_autoptr (DarkmapEvaluateJob) self = NULL;
  DmCatalogColumns *columns;
  DmError *dm_error = NULL;

  g_return_val_if_fail (request != NULL && theory_path != NULL, NULL);
  g_return_val_if_fail (request->catalog_path != NULL, NULL);
  g_return_val_if_fail (request->catalog == NULL && request->binned == NULL, NULL);

  self = g_object_new (DARKMAP_TYPE_EVALUATE_JOB, NULL);
  if ((self->theory = dm_theory_read_csv (theory_path, NULL, &dm_error)) == NULL)
    {
      darkmap_propagate_engine_error (error, dm_error);
      return NULL;
    }
  self->request = *request;
  self->request.theory = self->theory;
  self->model_path = g_strdup (request->model_path);
  self->catalog_path = g_strdup (request->catalog_path);
  self->device = g_strdup (request->device);
  self->request.model_path = self->model_path;
  self->request.catalog_path = self->catalog_path;
  self->request.device = self->device;
  columns = &self->request.catalog_columns;
  self->columns[0] = g_strdup (columns->ra);
  self->columns[1] = g_strdup (columns->dec);
  self->columns[2] = g_strdup (columns->e1);
  self->columns[3] = g_strdup (columns->e2);
  self->columns[4] = g_strdup (columns->weight);
  *columns = (DmCatalogColumns) { self->columns[0], self->columns[1], self->columns[2],
                                  self->columns[3], self->columns[4] };
  return g_steal_pointer (&self);
}

double
darkmap_evaluate_job_get_fraction (DarkmapEvaluateJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_EVALUATE_JOB (self), 0.0);
  return self->relay.fraction;
}

const char *
darkmap_evaluate_job_get_stage (DarkmapEvaluateJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_EVALUATE_JOB (self), NULL);
  return self->relay.stage;
}

char *
darkmap_evaluate_job_describe_progress (DarkmapEvaluateJob *self)
{
  double elapsed, left;

  g_return_val_if_fail (DARKMAP_IS_EVALUATE_JOB (self), NULL);
  elapsed = dm_monotonic_seconds () - self->start_seconds;
  if (self->relay.fraction <= 0.0 || elapsed <= 0.0)
    return g_strdup (self->relay.stage != NULL ? self->relay.stage : "");
  left = elapsed * (1.0 - self->relay.fraction) / self->relay.fraction;
  /* TRANSLATORS: progress stage, then the time left */
  return g_strdup_printf (_("%s — %.0f s left"), self->relay.stage, left);
}

static void
job_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DarkmapEvaluateJob *self = source_object;
  DmProgress progress = darkmap_progress_relay_engine_progress (&self->relay);
  DmError *dm_error = NULL;
  g_autofree DmModelEvaluation *evaluation = g_new0 (DmModelEvaluation, 1);
  gulong handler;
  gboolean ok;

  darkmap_job_lower_thread_priority ();
  handler = darkmap_progress_relay_watch (&self->relay, cancellable);
  ok = dm_evaluate_model (&self->request, evaluation, &progress, &dm_error);
  darkmap_progress_relay_unwatch (&self->relay, cancellable, handler);

  if (!ok)
    {
      GError *error = NULL;

      darkmap_propagate_engine_error (&error, dm_error);
      g_task_return_error (task, error);
      return;
    }
  /* Cancelled after the engine's last check: the result is not wanted. */
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_pointer (task, g_steal_pointer (&evaluation), g_free);
}

void
darkmap_evaluate_job_run_async (DarkmapEvaluateJob *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (DARKMAP_IS_EVALUATE_JOB (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->start_seconds = dm_monotonic_seconds ();
  darkmap_progress_relay_start (&self->relay);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (task, "[darkmap] mock evaluation");
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, job_thread);
}

gboolean
darkmap_evaluate_job_run_finish (DarkmapEvaluateJob *self, GAsyncResult *result,
                                 DmModelEvaluation *evaluation, GError **error)
{
  g_autofree DmModelEvaluation *found = NULL;

  g_return_val_if_fail (DARKMAP_IS_EVALUATE_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (evaluation != NULL, FALSE);
  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    return FALSE;
  *evaluation = *found;
  return TRUE;
}
