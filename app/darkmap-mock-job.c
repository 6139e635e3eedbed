/* DarkmapMockJob: an engine call on mock surveys, on a worker thread. */
#include "darkmap-mock-job.h"

#include <string.h>

#include <glib/gi18n.h>

#include "darkmap-job.h"
#include "darkmap-progress-relay.h"
#include "darkmap/monotonic-clock.h"

typedef struct
{
  DmModelEvaluationRequest request;  /* its strings and theory point into the fields below */
  DmTheorySpectrum *theory;
  char *model_path, *catalog_path, *truths_path, *device;
  char *columns[5];                  /* ra, dec, e1, e2, weight; NULL: detect */
  gboolean started;

  double start_seconds;              /* main context: when the run started */

  DarkmapProgressRelay relay;        /* progress to the main context, cancel flag */
} DarkmapMockJobPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DarkmapMockJob, darkmap_mock_job, G_TYPE_OBJECT)

enum { PROP_0, PROP_FRACTION, PROP_STAGE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
darkmap_mock_job_finalize (GObject *object)
{
  DarkmapMockJobPrivate *priv =
    darkmap_mock_job_get_instance_private (DARKMAP_MOCK_JOB (object));

  dm_theory_free (priv->theory);
  g_free (priv->model_path);
  g_free (priv->catalog_path);
  g_free (priv->truths_path);
  g_free (priv->device);
  for (guint i = 0; i < G_N_ELEMENTS (priv->columns); i++)
    g_free (priv->columns[i]);
  darkmap_progress_relay_clear (&priv->relay);
  G_OBJECT_CLASS (darkmap_mock_job_parent_class)->finalize (object);
}

static void
darkmap_mock_job_get_property (GObject *object, guint prop_id, GValue *value,
                               GParamSpec *pspec)
{
  DarkmapMockJobPrivate *priv =
    darkmap_mock_job_get_instance_private (DARKMAP_MOCK_JOB (object));

  if (!darkmap_progress_relay_get_property (&priv->relay, pspec, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
darkmap_mock_job_class_init (DarkmapMockJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = darkmap_mock_job_finalize;
  object_class->get_property = darkmap_mock_job_get_property;
  darkmap_progress_relay_make_properties (&properties[PROP_FRACTION], &properties[PROP_STAGE]);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
darkmap_mock_job_init (DarkmapMockJob *self)
{
  DarkmapMockJobPrivate *priv = darkmap_mock_job_get_instance_private (self);

  darkmap_progress_relay_init (&priv->relay, G_OBJECT (self), properties[PROP_FRACTION],
                               properties[PROP_STAGE]);
}

void
darkmap_mock_job_class_set_call (DarkmapMockJobClass *klass, DarkmapMockCall call,
                                 gsize result_size, const char *task_name,
                                 gboolean late_cancel_discards)
{
  klass->call = call;
  klass->result_size = result_size;
  klass->task_name = task_name;
  klass->late_cancel_discards = late_cancel_discards;
}

gpointer
darkmap_mock_job_new (GType type, const DmModelEvaluationRequest *request,
                      const char *theory_path, GError **error)
{
  g_autoptr (DarkmapMockJob) self = NULL;
  DarkmapMockJobPrivate *priv;
  DmCatalogColumns *columns;
  DmError *dm_error = NULL;

  g_return_val_if_fail (g_type_is_a (type, DARKMAP_TYPE_MOCK_JOB), NULL);
  g_return_val_if_fail (request != NULL && theory_path != NULL, NULL);
  g_return_val_if_fail (request->catalog_path != NULL, NULL);
  g_return_val_if_fail (request->catalog == NULL && request->binned == NULL, NULL);

  self = g_object_new (type, NULL);
  priv = darkmap_mock_job_get_instance_private (self);
  if ((priv->theory = dm_theory_read_csv (theory_path, NULL, &dm_error)) == NULL)
    {
      darkmap_propagate_engine_error (error, dm_error);
      return NULL;
    }
  priv->request = *request;
  priv->request.theory = priv->theory;
  priv->model_path = g_strdup (request->model_path);
  priv->catalog_path = g_strdup (request->catalog_path);
  priv->truths_path = g_strdup (request->truths_path);
  priv->device = g_strdup (request->device);
  priv->request.model_path = priv->model_path;
  priv->request.catalog_path = priv->catalog_path;
  priv->request.truths_path = priv->truths_path;
  priv->request.device = priv->device;
  columns = &priv->request.catalog_columns;
  priv->columns[0] = g_strdup (columns->ra);
  priv->columns[1] = g_strdup (columns->dec);
  priv->columns[2] = g_strdup (columns->e1);
  priv->columns[3] = g_strdup (columns->e2);
  priv->columns[4] = g_strdup (columns->weight);
  *columns = (DmCatalogColumns) { priv->columns[0], priv->columns[1], priv->columns[2],
                                  priv->columns[3], priv->columns[4] };
  return g_steal_pointer (&self);
}

double
darkmap_mock_job_get_fraction (DarkmapMockJob *self)
{
  DarkmapMockJobPrivate *priv;

  g_return_val_if_fail (DARKMAP_IS_MOCK_JOB (self), 0.0);
  priv = darkmap_mock_job_get_instance_private (self);
  return priv->relay.fraction;
}

const char *
darkmap_mock_job_get_stage (DarkmapMockJob *self)
{
  DarkmapMockJobPrivate *priv;

  g_return_val_if_fail (DARKMAP_IS_MOCK_JOB (self), NULL);
  priv = darkmap_mock_job_get_instance_private (self);
  return priv->relay.stage;
}

char *
darkmap_mock_job_describe_progress (DarkmapMockJob *self)
{
  DarkmapMockJobPrivate *priv;
  double elapsed, left;

  g_return_val_if_fail (DARKMAP_IS_MOCK_JOB (self), NULL);
  priv = darkmap_mock_job_get_instance_private (self);
  elapsed = dm_monotonic_seconds () - priv->start_seconds;
  if (priv->relay.fraction <= 0.0 || elapsed <= 0.0)
    return g_strdup (priv->relay.stage != NULL ? priv->relay.stage : "");
  left = elapsed * (1.0 - priv->relay.fraction) / priv->relay.fraction;
  /* TRANSLATORS: progress stage, then the time left */
  return g_strdup_printf (_("%s — %.0f s left"), priv->relay.stage, left);
}

static void
job_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DarkmapMockJob *self = source_object;
  DarkmapMockJobClass *klass = DARKMAP_MOCK_JOB_GET_CLASS (self);
  DarkmapMockJobPrivate *priv = darkmap_mock_job_get_instance_private (self);
  DmProgress progress = darkmap_progress_relay_engine_progress (&priv->relay);
  DmError *dm_error = NULL;
  g_autofree void *result = g_malloc0 (klass->result_size);
  gulong handler;
  gboolean ok;

  darkmap_job_lower_thread_priority ();
  handler = darkmap_progress_relay_watch (&priv->relay, cancellable);
  ok = klass->call (self, &priv->request, result, &progress, &dm_error);
  darkmap_progress_relay_unwatch (&priv->relay, cancellable, handler);

  if (!ok)
    {
      GError *error = NULL;

      darkmap_propagate_engine_error (&error, dm_error);
      g_task_return_error (task, error);
      return;
    }
  /* Cancelled after the engine's last check. */
  if (klass->late_cancel_discards && g_task_return_error_if_cancelled (task))
    return;
  g_task_return_pointer (task, g_steal_pointer (&result), g_free);
}

void
darkmap_mock_job_run_async (DarkmapMockJob *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  DarkmapMockJobPrivate *priv;
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (DARKMAP_IS_MOCK_JOB (self));
  priv = darkmap_mock_job_get_instance_private (self);
  g_return_if_fail (!priv->started && priv->theory != NULL);

  priv->started = TRUE;
  priv->start_seconds = dm_monotonic_seconds ();
  darkmap_progress_relay_start (&priv->relay);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (task, DARKMAP_MOCK_JOB_GET_CLASS (self)->task_name);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, job_thread);
}

gboolean
darkmap_mock_job_run_finish (DarkmapMockJob *self, GAsyncResult *result, void *out,
                             GError **error)
{
  g_autofree void *found = NULL;

  g_return_val_if_fail (DARKMAP_IS_MOCK_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    return FALSE;
  memcpy (out, found, DARKMAP_MOCK_JOB_GET_CLASS (self)->result_size);
  return TRUE;
}
