/* DarkmapEmulateJob: dm_cosmogan_generate on a worker thread. */
#include "darkmap-emulate-job.h"

#include <glib/gi18n.h>

#include "darkmap-job.h"
#include "darkmap-progress-relay.h"
#include "darkmap/monotonic-clock.h"

struct _DarkmapEmulateJob
{
  GObject parent_instance;

  DmCosmoganGenerateRequest request; /* its strings point into the fields below */
  char *model_path, *device, *out_path;
  gboolean started;

  double start_seconds;              /* main context: when the run started */

  DarkmapProgressRelay relay;        /* progress to the main context, cancel flag */
};

G_DEFINE_FINAL_TYPE (DarkmapEmulateJob, darkmap_emulate_job, G_TYPE_OBJECT)

enum { PROP_0, PROP_FRACTION, PROP_STAGE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
darkmap_emulate_job_finalize (GObject *object)
{
  DarkmapEmulateJob *self = DARKMAP_EMULATE_JOB (object);

  g_free (self->model_path);
  g_free (self->device);
  g_free (self->out_path);
  darkmap_progress_relay_clear (&self->relay);
  G_OBJECT_CLASS (darkmap_emulate_job_parent_class)->finalize (object);
}

static void
darkmap_emulate_job_get_property (GObject *object, guint prop_id, GValue *value,
                                  GParamSpec *pspec)
{
  DarkmapEmulateJob *self = DARKMAP_EMULATE_JOB (object);

  if (!darkmap_progress_relay_get_property (&self->relay, pspec, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
darkmap_emulate_job_class_init (DarkmapEmulateJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = darkmap_emulate_job_finalize;
  object_class->get_property = darkmap_emulate_job_get_property;
  darkmap_progress_relay_make_properties (&properties[PROP_FRACTION], &properties[PROP_STAGE]);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
darkmap_emulate_job_init (DarkmapEmulateJob *self)
{
  darkmap_progress_relay_init (&self->relay, G_OBJECT (self), properties[PROP_FRACTION],
                               properties[PROP_STAGE]);
}

DarkmapEmulateJob *
darkmap_emulate_job_new (const DmCosmoganGenerateRequest *request)
{
  DarkmapEmulateJob *self;

  g_return_val_if_fail (request != NULL && request->model_path != NULL, NULL);

  self = g_object_new (DARKMAP_TYPE_EMULATE_JOB, NULL);
  self->request = *request;
  self->model_path = g_strdup (request->model_path);
  self->device = g_strdup (request->device);
  self->out_path = g_strdup (request->out_path);
  self->request.model_path = self->model_path;
  self->request.device = self->device;
  self->request.out_path = self->out_path;
  return self;
}

const DmCosmoganGenerateRequest *
darkmap_emulate_job_get_request (DarkmapEmulateJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_EMULATE_JOB (self), NULL);
  return &self->request;
}

double
darkmap_emulate_job_get_fraction (DarkmapEmulateJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_EMULATE_JOB (self), 0.0);
  return self->relay.fraction;
}

const char *
darkmap_emulate_job_get_stage (DarkmapEmulateJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_EMULATE_JOB (self), NULL);
  return self->relay.stage;
}

char *
darkmap_emulate_job_describe_progress (DarkmapEmulateJob *self)
{
  double elapsed, left;

  g_return_val_if_fail (DARKMAP_IS_EMULATE_JOB (self), NULL);
  elapsed = dm_monotonic_seconds () - self->start_seconds;
  if (self->relay.stage == NULL)
    return g_strdup (_("Loading the emulator…"));
  if (self->relay.fraction <= 0.0 || elapsed <= 0.0)
    return g_strdup (self->relay.stage);
  left = elapsed * (1.0 - self->relay.fraction) / self->relay.fraction;
  /* TRANSLATORS: progress stage, then the time left */
  return g_strdup_printf (_("%s — %.0f s left"), self->relay.stage, left);
}

/* A result never collected, with its maps. */
static void
generated_free (gpointer data)
{
  dm_cosmogan_generate_result_clear (data);
  g_free (data);
}

static void
job_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DarkmapEmulateJob *self = source_object;
  DmProgress progress = darkmap_progress_relay_engine_progress (&self->relay);
  DmCosmoganGenerateResult *generated = g_new0 (DmCosmoganGenerateResult, 1);
  DmError *dm_error = NULL;
  gulong handler;
  gboolean ok;

  darkmap_job_lower_thread_priority ();
  handler = darkmap_progress_relay_watch (&self->relay, cancellable);
  ok = dm_cosmogan_generate (&self->request, &progress, generated, &dm_error);
  darkmap_progress_relay_unwatch (&self->relay, cancellable, handler);

  if (!ok)
    {
      GError *error = NULL;

      g_free (generated);
      darkmap_propagate_engine_error (&error, dm_error);
      g_task_return_error (task, error);
      return;
    }
  /* Cancelled after the engine's last check: maps only to be shown are not
   * wanted; a cube written stands. */
  if (self->request.out_path == NULL && g_task_return_error_if_cancelled (task))
    {
      generated_free (generated);
      return;
    }
  g_task_return_pointer (task, generated, generated_free);
}

void
darkmap_emulate_job_run_async (DarkmapEmulateJob *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (DARKMAP_IS_EMULATE_JOB (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->start_seconds = dm_monotonic_seconds ();
  darkmap_progress_relay_start (&self->relay);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (task, "[darkmap] emulated universes");
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, job_thread);
}

gboolean
darkmap_emulate_job_run_finish (DarkmapEmulateJob *self, GAsyncResult *result,
                                DmCosmoganGenerateResult *generated, GError **error)
{
  g_autofree DmCosmoganGenerateResult *found = NULL;

  g_return_val_if_fail (DARKMAP_IS_EMULATE_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (generated != NULL, FALSE);
  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    {
      *generated = (DmCosmoganGenerateResult) { 0 };
      return FALSE;
    }
  *generated = *found;
  return TRUE;
}
