/* DarkmapWindow, the bands measured on a worker: the task's inputs, the
 * worker and the hand-over. */
#include "darkmap-window-bands.h"

#include "darkmap-window-private.h"

/* What the worker reads, and what the hand-over needs. */
typedef struct
{
  GObject *owner;             /* a reference, or NULL */
  DmMap *maps_copy;           /* without an owner: the copies measured */
  DmMap *mean_copy;
  const DmMap *maps;          /* the owner's or the copies */
  const DmMap *mean;
  DmMap *mask;                /* a copy, or NULL */
  double pixel_arcmin;
  DarkmapBandMeasure measure;
  GDestroyNotify band_free;
  GCancellable **current;     /* in the window */
  char *failure;
  DarkmapBandReady ready;
} BandTask;

static void
band_task_free (gpointer data)
{
  BandTask *t = data;

  g_clear_object (&t->owner);
  dm_map_free (t->maps_copy);
  dm_map_free (t->mean_copy);
  dm_map_free (t->mask);
  g_free (t->failure);
  g_free (t);
}

static void
measure (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  BandTask *t = data;
  DmError *dm_error = NULL;
  gpointer band;

  darkmap_job_lower_thread_priority ();
  band = t->measure (t->maps, t->mean, t->mask, t->pixel_arcmin, cancellable, &dm_error);
  if (band == NULL)
    {
      GError *error = NULL;

      darkmap_propagate_engine_error (&error, dm_error);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, band, t->band_free);
}

static void
on_measured (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DarkmapWindow *self = DARKMAP_WINDOW (source);
  BandTask *t = g_task_get_task_data (G_TASK (res));
  g_autoptr (GError) error = NULL;
  gpointer band = g_task_propagate_pointer (G_TASK (res), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_task_get_cancellable (G_TASK (res)) != *t->current)
    {
      if (band != NULL)
        t->band_free (band);
      return;
    }
  g_clear_object (t->current);
  if (band == NULL)
    darkmap_window_show_error (self, t->failure, error->message);
  t->ready (self, band);
}

void
darkmap_window_stop_band (GCancellable **current)
{
  if (*current != NULL)
    g_cancellable_cancel (*current);
  g_clear_object (current);
}

/* A copy of map (NULL: none) into *copy; FALSE when it cannot be made. */
static gboolean
copy_map (const DmMap *map, DmMap **copy)
{
  *copy = map != NULL ? dm_map_copy (map, NULL) : NULL;
  return map == NULL || *copy != NULL;
}

gboolean
darkmap_window_measure_band (DarkmapWindow *self, GCancellable **current, GObject *owner,
                             const DmMap *maps, const DmMap *mean, const DmMap *mask,
                             double pixel_arcmin, DarkmapBandMeasure measure_band,
                             GDestroyNotify band_free, const char *failure,
                             DarkmapBandReady ready)
{
  BandTask *t = g_new0 (BandTask, 1);
  g_autoptr (GTask) task = NULL;

  darkmap_window_stop_band (current);
  *t = (BandTask) {
    .owner = owner != NULL ? g_object_ref (owner) : NULL,
    .maps = maps,
    .mean = mean,
    .pixel_arcmin = pixel_arcmin,
    .measure = measure_band,
    .band_free = band_free,
    .current = current,
    .failure = g_strdup (failure),
    .ready = ready,
  };
  if ((owner == NULL
       && (!copy_map (maps, &t->maps_copy) || !copy_map (mean, &t->mean_copy)))
      || !copy_map (mask, &t->mask))
    {
      band_task_free (t);
      return FALSE;
    }
  if (owner == NULL)
    {
      t->maps = t->maps_copy;
      t->mean = t->mean_copy;
    }
  *current = g_cancellable_new ();
  task = g_task_new (self, *current, on_measured, NULL);
  g_task_set_task_data (task, t, band_task_free);
  g_task_run_in_thread (task, measure);
  return TRUE;
}
