/* DarkmapJob: engine work on a worker thread, progress coalesced onto the
 * main context. */
#include "darkmap-job.h"
#include "darkmap-progress-relay.h"
#include "darkmap-smoother.h"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "darkmap/catalog.h"
#include "darkmap/ks.h"
#include "darkmap/progress.h"

/* Niceness of the threads running engine jobs (0 is the main loop's). */
#define DARKMAP_JOB_NICE 10

G_DEFINE_QUARK (darkmap-engine-error-quark, darkmap_engine_error)

void
darkmap_propagate_engine_error (GError **error, DmError *dm_error)
{
  if (dm_error == NULL)
    {
      g_set_error_literal (error, DARKMAP_ENGINE_ERROR, DM_ERROR_FAILED, "Unknown engine failure");
      return;
    }
  if (dm_error->code == DM_ERROR_CANCELLED)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, dm_error->message);
  else
    g_set_error_literal (error, DARKMAP_ENGINE_ERROR, (int) dm_error->code, dm_error->message);
  dm_error_free (dm_error);
}

void
darkmap_job_settings_init (DarkmapJobSettings *settings)
{
  memset (settings, 0, sizeof *settings);
  settings->grid_size = 360;
  settings->pixel_arcmin = 0.29;
  settings->smooth_sigma = 2.0;
  settings->projection = DM_PROJECTION_TAN;
}

void
darkmap_job_settings_columns (const DarkmapJobSettings *settings, DmCatalogColumns *columns)
{
  const char *names[DARKMAP_N_COLUMNS];

  for (int role = 0; role < DARKMAP_N_COLUMNS; role++)
    names[role] = settings->columns[role][0] != '\0' ? settings->columns[role] : NULL;
  *columns = (DmCatalogColumns) {
    .ra = names[DARKMAP_COLUMN_RA], .dec = names[DARKMAP_COLUMN_DEC],
    .e1 = names[DARKMAP_COLUMN_E1], .e2 = names[DARKMAP_COLUMN_E2],
    .weight = settings->unit_weights ? "" : names[DARKMAP_COLUMN_WEIGHT],
  };
}

void
darkmap_job_settings_grid_spec (const DarkmapJobSettings *settings, DmGridSpec *spec)
{
  dm_grid_spec_init (spec);
  spec->nx = spec->ny = settings->grid_size;
  spec->pixel_arcmin = settings->pixel_arcmin;
  spec->has_center = settings->has_center;
  spec->center_ra = settings->center_ra;
  spec->center_dec = settings->center_dec;
  spec->projection = settings->projection;
  spec->ra_left = settings->projection == DM_PROJECTION_TAN;
  spec->flip_e2 = settings->flip_e2;
}

void
darkmap_result_free (DarkmapResult *result)
{
  if (result == NULL)
    return;
  g_free (result->path);
  dm_binned_shear_free (result->binned);
  dm_map_free (result->kappa_e);
  dm_map_free (result->kappa_b);
  dm_map_free (result->kappa_e_raw);
  dm_map_free (result->kappa_b_raw);
  darkmap_kappa_products_free (result->products);
  g_free (result);
}

struct _DarkmapJob
{
  GObject parent_instance;

  char *path;
  DarkmapJobSettings settings;
  gboolean started;

  DarkmapProgressRelay relay;     /* progress to the main context, cancel flag */

  /* Worker only: the part of the whole job the current engine call covers. */
  double segment_start, segment_span;
};

G_DEFINE_FINAL_TYPE (DarkmapJob, darkmap_job, G_TYPE_OBJECT)

enum { PROP_0, PROP_FRACTION, PROP_STAGE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
darkmap_job_finalize (GObject *object)
{
  DarkmapJob *self = DARKMAP_JOB (object);

  g_free (self->path);
  darkmap_progress_relay_clear (&self->relay);
  G_OBJECT_CLASS (darkmap_job_parent_class)->finalize (object);
}

static void
darkmap_job_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DarkmapJob *self = DARKMAP_JOB (object);

  if (!darkmap_progress_relay_get_property (&self->relay, pspec, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
darkmap_job_class_init (DarkmapJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = darkmap_job_finalize;
  object_class->get_property = darkmap_job_get_property;

  darkmap_progress_relay_make_properties (&properties[PROP_FRACTION], &properties[PROP_STAGE]);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
darkmap_job_init (DarkmapJob *self)
{
  darkmap_progress_relay_init (&self->relay, G_OBJECT (self), properties[PROP_FRACTION],
                               properties[PROP_STAGE]);
}

DarkmapJob *
darkmap_job_new (const char *path, const DarkmapJobSettings *settings)
{
  DarkmapJob *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (DARKMAP_TYPE_JOB, NULL);
  self->path = g_strdup (path);
  if (settings != NULL)
    self->settings = *settings;
  else
    darkmap_job_settings_init (&self->settings);
  return self;
}

const char *
darkmap_job_get_path (DarkmapJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_JOB (self), NULL);
  return self->path;
}

const DarkmapJobSettings *
darkmap_job_get_settings (DarkmapJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_JOB (self), NULL);
  return &self->settings;
}

double
darkmap_job_get_fraction (DarkmapJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_JOB (self), 0.0);
  return self->relay.fraction;
}

const char *
darkmap_job_get_stage (DarkmapJob *self)
{
  g_return_val_if_fail (DARKMAP_IS_JOB (self), NULL);
  return self->relay.stage;
}

/* Worker: the engine's DmProgress callback, within the current segment. */
static void
report_progress (void *user_data, double fraction, const char *stage)
{
  DarkmapJob *self = user_data;

  darkmap_progress_relay_report (&self->relay,
                                 self->segment_start
                                   + self->segment_span * CLAMP (fraction, 0.0, 1.0),
                                 stage);
}

static void
set_segment (DarkmapJob *self, double start, double span)
{
  self->segment_start = start;
  self->segment_span = span;
}

static DarkmapResult *
run_engine (DarkmapJob *self, DmError **dm_error)
{
  DmProgress progress = { report_progress, self, &self->relay.cancel };
  g_autoptr (DarkmapResult) result = g_new0 (DarkmapResult, 1);
  DmGridSpec spec;
  DmKsOptions ks = { .pad = false, .smooth_sigma_pixels = 0.0 };
  const DarkmapJobSettings *settings = &self->settings;
  DmCatalogColumns columns;
  DmCatalog *catalog;

  result->path = g_strdup (self->path);
  result->pixel_arcmin = settings->pixel_arcmin;
  result->smooth_sigma = settings->smooth_sigma;

  darkmap_job_settings_columns (settings, &columns);
  set_segment (self, 0.0, 0.6);
  catalog = dm_catalog_read (self->path, settings->hdu, &columns, &progress, dm_error);
  if (catalog == NULL)
    return NULL;
  result->n_galaxies = catalog->n;

  darkmap_job_settings_grid_spec (settings, &spec);
  set_segment (self, 0.6, 0.3);
  result->binned = dm_bin_catalog (catalog, &spec, &progress, dm_error);
  dm_catalog_free (catalog);
  if (result->binned == NULL)
    return NULL;

  if (!dm_progress_check_cancel (&progress, dm_error))
    return NULL;
  set_segment (self, 0.0, 1.0);
  report_progress (self, 0.9, "kaiser-squires");
  /* Unsmoothed maps kept, so that the window can smooth them again. */
  if (!dm_ks_shear_to_kappa (result->binned->shear, &ks, &result->kappa_e_raw,
                             &result->kappa_b_raw, dm_error)
      || (result->kappa_e = darkmap_smooth_map (result->kappa_e_raw, settings->smooth_sigma,
                                                dm_error)) == NULL
      || (result->kappa_b = darkmap_smooth_map (result->kappa_b_raw, settings->smooth_sigma,
                                                dm_error)) == NULL
      || (result->products = darkmap_kappa_products_new (result->kappa_e, result->binned->mask,
                                                         dm_error)) == NULL)
    return NULL;
  report_progress (self, 1.0, "done");
  return g_steal_pointer (&result);
}

void
darkmap_job_lower_thread_priority (void)
{
  /* Linux sets the niceness per thread. */
  setpriority (PRIO_PROCESS, (id_t) gettid (), DARKMAP_JOB_NICE);
}

/* ---- Prefetch ---- */

/* The work started by darkmap_job_prefetch: a job of its own, run on a
 * thread whose return value is a PrefetchOutcome. */
typedef struct {
  DarkmapResult *result;
  DmError *error;
} PrefetchOutcome;

G_LOCK_DEFINE_STATIC (prefetch);
static DarkmapJob *prefetch_job;   /* owned; NULL when none waits */
static GThread *prefetch_thread;   /* owned, joined by the job that takes it */

static gboolean
same_settings (const DarkmapJobSettings *a, const DarkmapJobSettings *b)
{
  for (int role = 0; role < DARKMAP_N_COLUMNS; role++)
    if (strcmp (a->columns[role], b->columns[role]) != 0)
      return FALSE;
  return a->grid_size == b->grid_size && a->pixel_arcmin == b->pixel_arcmin
         && a->smooth_sigma == b->smooth_sigma && a->hdu == b->hdu
         && a->unit_weights == b->unit_weights && a->has_center == b->has_center
         && a->center_ra == b->center_ra && a->center_dec == b->center_dec
         && a->projection == b->projection && a->flip_e2 == b->flip_e2;
}

/* At the process's priority, not lowered as a job's worker is: until its
 * map is shown the window has nothing to keep responsive, and on a busy
 * machine a lowered thread waits behind every other process. */
static gpointer
prefetch_run (gpointer data)
{
  PrefetchOutcome *outcome = g_new0 (PrefetchOutcome, 1);

  outcome->result = run_engine (data, &outcome->error);
  return outcome;
}

/* The prefetch waiting (its thread and job, taken: the caller joins the
 * thread and unrefs the job); FALSE when none waits.  mine: it is self's
 * field. */
static gboolean
take_prefetch (DarkmapJob *self, DarkmapJob **job, GThread **thread, gboolean *mine)
{
  G_LOCK (prefetch);
  *job = g_steal_pointer (&prefetch_job);
  *thread = g_steal_pointer (&prefetch_thread);
  G_UNLOCK (prefetch);
  *mine = *job != NULL && strcmp ((*job)->path, self->path) == 0
          && same_settings (&(*job)->settings, &self->settings);
  return *job != NULL;
}

/* Ends a prefetch of another field: its work stopped, unused. */
static void
drop_prefetch (DarkmapJob *job, GThread *thread)
{
  PrefetchOutcome *outcome;

  atomic_store (&job->relay.cancel, 1);
  outcome = g_thread_join (thread);
  darkmap_result_free (outcome->result);
  if (outcome->error != NULL)
    dm_error_free (outcome->error);
  g_free (outcome);
  g_object_unref (job);
}

void
darkmap_job_prefetch (const char *path, const DarkmapJobSettings *settings)
{
  DarkmapJob *job, *old_job;
  GThread *old_thread;

  g_return_if_fail (path != NULL && settings != NULL);
  job = darkmap_job_new (path, settings);
  darkmap_progress_relay_start (&job->relay);
  G_LOCK (prefetch);
  old_job = g_steal_pointer (&prefetch_job);
  old_thread = g_steal_pointer (&prefetch_thread);
  prefetch_job = job;
  prefetch_thread = g_thread_new ("darkmap-prefetch", prefetch_run, job);
  G_UNLOCK (prefetch);
  if (old_job != NULL)
    drop_prefetch (old_job, old_thread);
}

/* Worker: the result of self's field, from its prefetch when there is one
 * (the cancellable stops it), else computed now (a prefetch of another
 * field stopped first). */
static DarkmapResult *
run_or_take (DarkmapJob *self, GCancellable *cancellable, DmError **dm_error)
{
  DarkmapJob *job = NULL;
  GThread *thread = NULL;
  PrefetchOutcome *outcome;
  DarkmapResult *result;
  gboolean mine = FALSE;
  gulong handler;

  if (take_prefetch (self, &job, &thread, &mine) && !mine)
    drop_prefetch (job, thread);
  if (!mine)
    {
      handler = darkmap_progress_relay_watch (&self->relay, cancellable);
      result = run_engine (self, dm_error);
      darkmap_progress_relay_unwatch (&self->relay, cancellable, handler);
      return result;
    }
  handler = darkmap_progress_relay_watch (&job->relay, cancellable);
  outcome = g_thread_join (thread);
  darkmap_progress_relay_unwatch (&job->relay, cancellable, handler);
  result = outcome->result;
  *dm_error = outcome->error;
  g_free (outcome);
  g_object_unref (job);
  if (result != NULL)
    darkmap_progress_relay_report (&self->relay, 1.0, "done");
  return result;
}

static void
job_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DarkmapJob *self = source_object;
  DmError *dm_error = NULL;
  DarkmapResult *result;

  darkmap_job_lower_thread_priority ();
  result = run_or_take (self, cancellable, &dm_error);

  if (result == NULL)
    {
      GError *error = NULL;

      darkmap_propagate_engine_error (&error, dm_error);
      g_task_return_error (task, error);
      return;
    }
  /* Cancelled after the last engine check: the result is not wanted. */
  if (g_task_return_error_if_cancelled (task))
    {
      darkmap_result_free (result);
      return;
    }
  g_task_return_pointer (task, result, (GDestroyNotify) darkmap_result_free);
}

void
darkmap_job_run_async (DarkmapJob *self, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (DARKMAP_IS_JOB (self));
  g_return_if_fail (!self->started);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  self->started = TRUE;
  darkmap_progress_relay_start (&self->relay);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (task, "[darkmap] reconstruction");
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, job_thread);
}

DarkmapResult *
darkmap_job_run_finish (DarkmapJob *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (DARKMAP_IS_JOB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
