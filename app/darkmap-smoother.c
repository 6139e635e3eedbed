#include "darkmap-smoother.h"

#include "darkmap-job.h"
#include "darkmap/smooth.h"

DmMap *
darkmap_smooth_map (const DmMap *raw, double sigma, DmError **error)
{
  DmMap *map = dm_map_copy_plane (raw, 0, error);

  if (map == NULL)
    return NULL;
  if (!dm_smooth_gaussian (dm_map_plane (map, 0), map->nx, map->ny, sigma, error)
      || !dm_map_set_double (map, "KSSMOOTH", sigma,
                             "Gaussian smoothing sigma (pixels), 0 = none", error))
    {
      dm_map_free (map);
      return NULL;
    }
  return map;
}

struct _DarkmapSmoother
{
  GObject parent_instance;

  DmMap *raw_e, *raw_b; /* owned, read by the worker: never changed */
  DmMap *mask;          /* the same, or NULL */
  gboolean running;
  gboolean pending;     /* a request waits for the running smoothing */
  double pending_sigma;

  DmMap *done_e, *done_b; /* the latest result, owned until taken */
  DarkmapKappaProducts *done_products;
  GError *done_error;     /* why the latest smoothing failed, or NULL */
};

G_DEFINE_FINAL_TYPE (DarkmapSmoother, darkmap_smoother, G_TYPE_OBJECT)

enum { SIGNAL_SMOOTHED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* One smoothing: the sigma in, the maps out. */
typedef struct
{
  double sigma;
  DmMap *kappa_e, *kappa_b; /* owned */
  DarkmapKappaProducts *products;
} Work;

static void
work_free (Work *work)
{
  dm_map_free (work->kappa_e);
  dm_map_free (work->kappa_b);
  darkmap_kappa_products_free (work->products);
  g_free (work);
}

static void
smooth_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DarkmapSmoother *self = source_object;
  Work *work = task_data;
  DmError *dm_error = NULL;

  work->kappa_e = darkmap_smooth_map (self->raw_e, work->sigma, &dm_error);
  if (work->kappa_e != NULL)
    work->kappa_b = darkmap_smooth_map (self->raw_b, work->sigma, &dm_error);
  if (work->kappa_b != NULL)
    work->products = darkmap_kappa_products_new (work->kappa_e, self->mask, &dm_error);
  if (dm_error != NULL)
    {
      GError *error = NULL;

      darkmap_propagate_engine_error (&error, dm_error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void start (DarkmapSmoother *self, double sigma);

static void
on_smoothed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DarkmapSmoother *self = DARKMAP_SMOOTHER (source);
  Work *work = g_task_get_task_data (G_TASK (res));
  gboolean ok;

  self->running = FALSE;
  g_clear_pointer (&self->done_e, dm_map_free);
  g_clear_pointer (&self->done_b, dm_map_free);
  g_clear_pointer (&self->done_products, darkmap_kappa_products_free);
  g_clear_error (&self->done_error);
  ok = g_task_propagate_boolean (G_TASK (res), &self->done_error);
  if (ok)
    {
      self->done_e = g_steal_pointer (&work->kappa_e);
      self->done_b = g_steal_pointer (&work->kappa_b);
      self->done_products = g_steal_pointer (&work->products);
    }
  if (self->pending)
    {
      self->pending = FALSE;
      start (self, self->pending_sigma);
    }
  g_signal_emit (self, signals[SIGNAL_SMOOTHED], 0, work->sigma);
}

static void
start (DarkmapSmoother *self, double sigma)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, on_smoothed, NULL);
  Work *work = g_new0 (Work, 1);

  work->sigma = sigma;
  self->running = TRUE;
  g_task_set_name (task, "[darkmap] smoothing");
  g_task_set_task_data (task, work, (GDestroyNotify) work_free);
  g_task_run_in_thread (task, smooth_thread);
}

void
darkmap_smoother_request (DarkmapSmoother *self, double sigma)
{
  g_return_if_fail (DARKMAP_IS_SMOOTHER (self));
  g_return_if_fail (sigma >= 0.0);

  if (self->running)
    {
      self->pending = TRUE;
      self->pending_sigma = sigma;
      return;
    }
  start (self, sigma);
}

gboolean
darkmap_smoother_is_busy (DarkmapSmoother *self)
{
  g_return_val_if_fail (DARKMAP_IS_SMOOTHER (self), FALSE);
  return self->running || self->pending;
}

gboolean
darkmap_smoother_take_maps (DarkmapSmoother *self, DmMap **kappa_e, DmMap **kappa_b,
                            DarkmapKappaProducts **products, GError **error)
{
  g_return_val_if_fail (DARKMAP_IS_SMOOTHER (self), FALSE);
  *kappa_e = g_steal_pointer (&self->done_e);
  *kappa_b = g_steal_pointer (&self->done_b);
  *products = g_steal_pointer (&self->done_products);
  if (self->done_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->done_error));
      return FALSE;
    }
  return *kappa_e != NULL;
}

DarkmapSmoother *
darkmap_smoother_new (const DmMap *kappa_e_raw, const DmMap *kappa_b_raw, const DmMap *mask,
                      DmError **error)
{
  g_autoptr (DarkmapSmoother) self = g_object_new (DARKMAP_TYPE_SMOOTHER, NULL);

  if ((self->raw_e = dm_map_copy_plane (kappa_e_raw, 0, error)) == NULL
      || (self->raw_b = dm_map_copy_plane (kappa_b_raw, 0, error)) == NULL
      || (mask != NULL && (self->mask = dm_map_copy (mask, error)) == NULL))
    return NULL;
  return g_steal_pointer (&self);
}

static void
darkmap_smoother_finalize (GObject *object)
{
  DarkmapSmoother *self = DARKMAP_SMOOTHER (object);

  dm_map_free (self->raw_e);
  dm_map_free (self->raw_b);
  dm_map_free (self->mask);
  dm_map_free (self->done_e);
  dm_map_free (self->done_b);
  darkmap_kappa_products_free (self->done_products);
  g_clear_error (&self->done_error);
  G_OBJECT_CLASS (darkmap_smoother_parent_class)->finalize (object);
}

static void
darkmap_smoother_class_init (DarkmapSmootherClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = darkmap_smoother_finalize;

  /* smoothed (double sigma): the maps are ready to take (NULL when the
   * smoothing failed). */
  signals[SIGNAL_SMOOTHED] =
    g_signal_new ("smoothed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_DOUBLE);
}

static void
darkmap_smoother_init (DarkmapSmoother *self)
{
}
