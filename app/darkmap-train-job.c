/* DarkmapTrainJob: dm_train on a worker thread, every report relayed to
 * the main context. */
#include "darkmap-train-job.h"

#include <stdatomic.h>
#include <stdlib.h>

#include <glib/gi18n.h>

#include "darkmap-job.h"
#include "darkmap-progress-relay.h"

struct _DarkmapTrainJob
{
  GObject parent_instance;

  DmTrainRequest request;       /* its strings point into the fields below */
  char *theory_path, *theory_column, *catalog_path, *maps_path, *device, *model_path,
    *checkpoint_path, *name;
  char *columns[5];             /* the catalogue's ra, dec, e1, e2, weight (NULL: detected) */
  gboolean started, finished;

  DarkmapProgressRelay relay;   /* fraction and stage, the cancel flag */
  atomic_int pause;             /* the engine's DmTrainMonitor flags */
  atomic_int checkpoint_now;

  /* Main context. */
  GArray *history;              /* of DmTrainReport */
  gint64 checkpoint_step;       /* -1: none yet */
  GMainContext *context;        /* owned; where reports are published */

  GMutex lock;                  /* guards what follows */
  GArray *pending;              /* of DmTrainReport, appended by the worker */
  gboolean publish_scheduled;
};

G_DEFINE_FINAL_TYPE (DarkmapTrainJob, darkmap_train_job, G_TYPE_OBJECT)

enum { PROP_0, PROP_FRACTION, PROP_STAGE, PROP_PAUSED, PROP_CHECKPOINT_STEP, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_REPORTS_ADDED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
darkmap_train_job_finalize (GObject *object)
{
  DarkmapTrainJob *self = DARKMAP_TRAIN_JOB (object);

  g_free (self->theory_path);
  g_free (self->theory_column);
  g_free (self->catalog_path);
  g_free (self->maps_path);
  for (int i = 0; i < 5; i++)
    g_free (self->columns[i]);
  g_free (self->device);
  g_free (self->model_path);
  g_free (self->checkpoint_path);
  g_free (self->name);
  g_array_unref (self->history);
  g_array_unref (self->pending);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  darkmap_progress_relay_clear (&self->relay);
  G_OBJECT_CLASS (darkmap_train_job_parent_class)->finalize (object);
}

static void
darkmap_train_job_get_property (GObject *object, guint prop_id, GValue *value,
                                GParamSpec *pspec)
{
  DarkmapTrainJob *self = DARKMAP_TRAIN_JOB (object);

  if (darkmap_progress_relay_get_property (&self->relay, pspec, value))
    return;
  switch (prop_id)
    {
    case PROP_PAUSED:
      g_value_set_boolean (value, darkmap_train_job_get_paused (self));
      break;
    case PROP_CHECKPOINT_STEP:
      g_value_set_int64 (value, self->checkpoint_step);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_train_job_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  DarkmapTrainJob *self = DARKMAP_TRAIN_JOB (object);

  switch (prop_id)
    {
    case PROP_PAUSED:
      darkmap_train_job_set_paused (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_train_job_class_init (DarkmapTrainJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = darkmap_train_job_finalize;
  object_class->get_property = darkmap_train_job_get_property;
  object_class->set_property = darkmap_train_job_set_property;
  darkmap_progress_relay_make_properties (&properties[PROP_FRACTION], &properties[PROP_STAGE]);
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHECKPOINT_STEP] =
    g_param_spec_int64 ("checkpoint-step", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* DarkmapTrainJob::reports-added (guint position, guint n): n reports
   * joined the history at position. */
  signals[SIGNAL_REPORTS_ADDED] = g_signal_new ("reports-added", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
darkmap_train_job_init (DarkmapTrainJob *self)
{
  darkmap_progress_relay_init (&self->relay, G_OBJECT (self), properties[PROP_FRACTION],
                               properties[PROP_STAGE]);
  atomic_init (&self->pause, 0);
  atomic_init (&self->checkpoint_now, 0);
  self->history = g_array_new (FALSE, FALSE, sizeof (DmTrainReport));
  self->pending = g_array_new (FALSE, FALSE, sizeof (DmTrainReport));
  self->checkpoint_step = -1;
  g_mutex_init (&self->lock);
}

DarkmapTrainJob *
darkmap_train_job_new (const DmTrainRequest *request, GError **error)
{
  const DmCatalogColumns *columns = &request->catalog_columns;
  g_autoptr (DarkmapTrainJob) self = NULL;
  char *checkpoint_path;

  g_return_val_if_fail (request != NULL, NULL);
  if (request->model_path == NULL || request->theory_path == NULL
      || (request->kind == DM_TRAIN_MMGAN && request->catalog_path == NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("A training needs a model file, a theory table and, for MMGAN, "
                             "the survey’s catalogue."));
      return NULL;
    }
  self = g_object_new (DARKMAP_TYPE_TRAIN_JOB, NULL);
  self->request = *request;
  self->theory_path = g_strdup (request->theory_path);
  self->theory_column = g_strdup (request->theory_column);
  self->catalog_path = g_strdup (request->catalog_path);
  self->maps_path = g_strdup (request->maps_path);
  self->device = g_strdup (request->device);
  self->model_path = g_strdup (request->model_path);
  self->name = g_strdup (request->name);
  /* The engine's own path rule, held as GLib memory. */
  checkpoint_path = dm_train_checkpoint_path (request);
  self->checkpoint_path = g_strdup (checkpoint_path);
  free (checkpoint_path);
  self->request.theory = NULL;
  self->request.catalog = NULL;
  self->request.theory_path = self->theory_path;
  self->request.theory_column = self->theory_column;
  self->request.catalog_path = self->catalog_path;
  self->request.maps_path = self->maps_path;
  self->request.device = self->device;
  self->request.model_path = self->model_path;
  self->request.checkpoint_path = self->checkpoint_path;
  self->request.name = self->name;
  self->columns[0] = g_strdup (columns->ra);
  self->columns[1] = g_strdup (columns->dec);
  self->columns[2] = g_strdup (columns->e1);
  self->columns[3] = g_strdup (columns->e2);
  self->columns[4] = g_strdup (columns->weight);
  self->request.catalog_columns = (DmCatalogColumns){ self->columns[0], self->columns[1],
                                                      self->columns[2], self->columns[3],
                                                      self->columns[4] };
  return g_steal_pointer (&self);
}

const DmTrainRequest *
darkmap_train_job_get_request (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), NULL);
  return &self->request;
}

const char *
darkmap_train_job_get_model_path (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), NULL);
  return self->model_path;
}

const char *
darkmap_train_job_get_checkpoint_path (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), NULL);
  return self->checkpoint_path;
}

double
darkmap_train_job_get_fraction (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), 0.0);
  return self->relay.fraction;
}

const char *
darkmap_train_job_get_stage (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), NULL);
  return self->relay.stage;
}

GArray *
darkmap_train_job_get_history (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), NULL);
  return self->history;
}

const DmTrainReport *
darkmap_train_job_get_last_report (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), NULL);
  if (self->history->len == 0)
    return NULL;
  return &g_array_index (self->history, DmTrainReport, self->history->len - 1);
}

gint64
darkmap_train_job_get_checkpoint_step (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), -1);
  return self->checkpoint_step;
}

void
darkmap_train_job_set_paused (DarkmapTrainJob *self, gboolean paused)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_JOB (self));
  if (atomic_exchange (&self->pause, paused ? 1 : 0) != (paused ? 1 : 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

gboolean
darkmap_train_job_get_paused (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), FALSE);
  return atomic_load (&self->pause) != 0;
}

void
darkmap_train_job_checkpoint_now (DarkmapTrainJob *self)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_JOB (self));
  atomic_store (&self->checkpoint_now, 1);
}

void
darkmap_train_job_cancel (DarkmapTrainJob *self)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_JOB (self));
  atomic_store (&self->relay.cancel, 1);
}

gboolean
darkmap_train_job_is_cancelled (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), FALSE);
  return atomic_load (&self->relay.cancel) != 0;
}

gboolean
darkmap_train_job_is_running (DarkmapTrainJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), FALSE);
  return self->started && !self->finished;
}

/* ---- Reports ------------------------------------------------------------ */

/* Main context: the pending reports join the history. */
static void
publish_reports (DarkmapTrainJob *self)
{
  g_autoptr (GArray) reports = g_array_new (FALSE, FALSE, sizeof (DmTrainReport));
  guint position = self->history->len;
  gint64 checkpoint_step = self->checkpoint_step;

  g_mutex_lock (&self->lock);
  g_array_append_vals (reports, self->pending->data, self->pending->len);
  g_array_set_size (self->pending, 0);
  self->publish_scheduled = FALSE;
  g_mutex_unlock (&self->lock);

  if (reports->len == 0)
    return;
  g_array_append_vals (self->history, reports->data, reports->len);
  for (guint i = 0; i < reports->len; i++)
    if (g_array_index (reports, DmTrainReport, i).checkpointed)
      checkpoint_step = g_array_index (reports, DmTrainReport, i).step;
  g_signal_emit (self, signals[SIGNAL_REPORTS_ADDED], 0, position, reports->len);
  if (checkpoint_step != self->checkpoint_step)
    {
      self->checkpoint_step = checkpoint_step;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECKPOINT_STEP]);
    }
}

static gboolean
publish_reports_source (gpointer user_data)
{
  publish_reports (user_data);
  return G_SOURCE_REMOVE;
}

/* Worker: the engine's DmTrainReportFunc. */
static void
on_engine_report (void *user_data, const DmTrainReport *report)
{
  DarkmapTrainJob *self = user_data;
  gboolean schedule;

  g_mutex_lock (&self->lock);
  g_array_append_val (self->pending, *report);
  schedule = !self->publish_scheduled;
  self->publish_scheduled = TRUE;
  g_mutex_unlock (&self->lock);

  if (schedule)
    {
      GSource *source = g_timeout_source_new (DARKMAP_PROGRESS_INTERVAL_MS);

      /* The source's reference keeps the job until the reports are out. */
      g_source_set_callback (source, publish_reports_source, g_object_ref (self),
                             g_object_unref);
      g_source_set_static_name (source, "[darkmap] training reports");
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

/* ---- The worker --------------------------------------------------------- */

/* Worker: the engine reads the theory table and the MMGAN's catalogue
 * from the request's paths. */
static gboolean
run_engine (DarkmapTrainJob *self, DmTrainResult *result, DmError **dm_error)
{
  DmProgress progress = darkmap_progress_relay_engine_progress (&self->relay);
  DmTrainMonitor monitor = { on_engine_report, self, &self->pause, &self->checkpoint_now };

  return dm_train (&self->request, &progress, &monitor, result, dm_error);
}

static void
job_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DarkmapTrainJob *self = source_object;
  DmTrainResult *result = g_new0 (DmTrainResult, 1);
  DmError *dm_error = NULL;

  darkmap_job_lower_thread_priority ();
  if (!run_engine (self, result, &dm_error))
    {
      GError *error = NULL;

      g_free (result);
      darkmap_propagate_engine_error (&error, dm_error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, g_free);
}

void
darkmap_train_job_run_async (DarkmapTrainJob *self, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (DARKMAP_IS_TRAIN_JOB (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->context = g_main_context_ref_thread_default ();
  darkmap_progress_relay_start (&self->relay);
  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_name (task, "[darkmap] training");
  g_task_run_in_thread (task, job_thread);
}

gboolean
darkmap_train_job_run_finish (DarkmapTrainJob *self, GAsyncResult *result,
                              DmTrainResult *train_result, GError **error)
{
  g_autofree DmTrainResult *engine_result = NULL;

  g_return_val_if_fail (DARKMAP_IS_TRAIN_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  self->finished = TRUE;
  /* The worker has returned: nothing more will be appended. */
  publish_reports (self);
  engine_result = g_task_propagate_pointer (G_TASK (result), error);
  if (engine_result == NULL)
    return FALSE;
  if (train_result != NULL)
    *train_result = *engine_result;
  return TRUE;
}
