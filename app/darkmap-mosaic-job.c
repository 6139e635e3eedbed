/* DarkmapMosaicJob: an overview or a region of a mosaic read on a worker. */
#include "darkmap-mosaic-job.h"

#include "darkmap/fits-region.h"
#include "darkmap-job.h"
#include "darkmap-progress-relay.h"

struct _DarkmapMosaicJob
{
  GObject parent_instance;

  char *path;
  int hdu;
  int factor;                  /* > 0: an overview binned by factor; 0: a region */
  int x0, y0, nx, ny;          /* the region */
  gboolean started;

  DarkmapProgressRelay relay;  /* progress to the main context, cancel flag */
};

G_DEFINE_FINAL_TYPE (DarkmapMosaicJob, darkmap_mosaic_job, G_TYPE_OBJECT)

enum { PROP_0, PROP_FRACTION, PROP_STAGE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
darkmap_mosaic_job_finalize (GObject *object)
{
  DarkmapMosaicJob *self = DARKMAP_MOSAIC_JOB (object);

  g_free (self->path);
  darkmap_progress_relay_clear (&self->relay);
  G_OBJECT_CLASS (darkmap_mosaic_job_parent_class)->finalize (object);
}

static void
darkmap_mosaic_job_get_property (GObject *object, guint prop_id, GValue *value,
                                 GParamSpec *pspec)
{
  DarkmapMosaicJob *self = DARKMAP_MOSAIC_JOB (object);

  if (!darkmap_progress_relay_get_property (&self->relay, pspec, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
darkmap_mosaic_job_class_init (DarkmapMosaicJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = darkmap_mosaic_job_finalize;
  object_class->get_property = darkmap_mosaic_job_get_property;
  darkmap_progress_relay_make_properties (&properties[PROP_FRACTION], &properties[PROP_STAGE]);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
darkmap_mosaic_job_init (DarkmapMosaicJob *self)
{
  darkmap_progress_relay_init (&self->relay, G_OBJECT (self), properties[PROP_FRACTION],
                               properties[PROP_STAGE]);
}

DarkmapMosaicJob *
darkmap_mosaic_job_new_overview (const char *path, int hdu, int factor)
{
  DarkmapMosaicJob *self;

  g_return_val_if_fail (path != NULL && factor > 0, NULL);
  self = g_object_new (DARKMAP_TYPE_MOSAIC_JOB, NULL);
  self->path = g_strdup (path);
  self->hdu = hdu;
  self->factor = factor;
  return self;
}

DarkmapMosaicJob *
darkmap_mosaic_job_new_region (const char *path, int hdu, int x0, int y0, int nx, int ny)
{
  DarkmapMosaicJob *self;

  g_return_val_if_fail (path != NULL, NULL);
  self = g_object_new (DARKMAP_TYPE_MOSAIC_JOB, NULL);
  self->path = g_strdup (path);
  self->hdu = hdu;
  self->x0 = x0;
  self->y0 = y0;
  self->nx = nx;
  self->ny = ny;
  return self;
}

double
darkmap_mosaic_job_get_fraction (DarkmapMosaicJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_MOSAIC_JOB (self), 0.0);
  return self->relay.fraction;
}

static void
job_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DarkmapMosaicJob *self = source_object;
  DmProgress progress = darkmap_progress_relay_engine_progress (&self->relay);
  DmError *dm_error = NULL;
  DmMap *map;
  gulong handler;

  darkmap_job_lower_thread_priority ();
  handler = darkmap_progress_relay_watch (&self->relay, cancellable);
  map = self->factor > 0
          ? dm_fits_read_overview (self->path, self->hdu, self->factor, &progress, &dm_error)
          : dm_fits_read_region (self->path, self->hdu, self->x0, self->y0, self->nx, self->ny,
                                 &progress, &dm_error);
  darkmap_progress_relay_unwatch (&self->relay, cancellable, handler);

  if (map == NULL)
    {
      GError *error = NULL;

      darkmap_propagate_engine_error (&error, dm_error);
      g_task_return_error (task, error);
      return;
    }
  /* Cancelled after the engine's last check: the map is no longer wanted. */
  if (g_task_return_error_if_cancelled (task))
    {
      dm_map_free (map);
      return;
    }
  g_task_return_pointer (task, map, (GDestroyNotify) dm_map_free);
}

void
darkmap_mosaic_job_run_async (DarkmapMosaicJob *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (DARKMAP_IS_MOSAIC_JOB (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  darkmap_progress_relay_start (&self->relay);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (task, self->factor > 0 ? "[darkmap] mosaic overview"
                                           : "[darkmap] mosaic region");
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, job_thread);
}

DmMap *
darkmap_mosaic_job_run_finish (DarkmapMosaicJob *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (DARKMAP_IS_MOSAIC_JOB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
