/* darkmap_job_prefetch (what `darkmap --demo` starts before its window):
 * a job on the prefetched field and settings ends with the maps a job
 * computing them alone makes, bit for bit; a job on another grid or with
 * another setting (e2's sign) gets its own maps, not the prefetch's; a job
 * cancelled as it starts ends cancelled, its prefetch stopped. */
#include <string.h>

#include "darkmap-application.h"
#include "darkmap-job.h"
#include "test-util.h"

#define WAIT_LIMIT_US (60 * G_USEC_PER_SEC)

typedef struct {
  gboolean done;
  DarkmapResult *result;
  GError *error;
} JobEnd;

static void
on_job_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JobEnd *end = user_data;

  end->result = darkmap_job_run_finish (DARKMAP_JOB (source), res, &end->error);
  end->done = TRUE;
}

/* Runs a job of path with settings (cancelled at once when cancel); its
 * result, or NULL with *error set. */
static DarkmapResult *
run_job (const char *path, const DarkmapJobSettings *settings, gboolean cancel, GError **error)
{
  g_autoptr (DarkmapJob) job = darkmap_job_new (path, settings);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  JobEnd end = { FALSE, NULL, NULL };
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

  darkmap_job_run_async (job, cancellable, on_job_done, &end);
  if (cancel)
    g_cancellable_cancel (cancellable);
  while (!end.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  CHECK (end.done);
  if (end.error != NULL)
    g_propagate_error (error, end.error);
  return end.result;
}

/* A job that must succeed: its error printed otherwise. */
static void
check_ran (const DarkmapResult *result, GError **error)
{
  if (result == NULL)
    fprintf (stderr, "the job failed: %s\n", *error != NULL ? (*error)->message : "no error");
  CHECK (result != NULL);
  g_clear_error (error);
}

static gboolean
same_map (const DmMap *a, const DmMap *b)
{
  return a->nx == b->nx && a->ny == b->ny && a->nplanes == b->nplanes
         && memcmp (a->data, b->data, dm_map_plane_size (a) * (size_t) a->nplanes * sizeof (float))
              == 0;
}

int
main (void)
{
  g_autofree char *demo = darkmap_find_data_file ("cosmos/cosmos_shear_schrabback2010.fits");
  g_autoptr (GError) error = NULL;
  DarkmapJobSettings settings, coarse, flipped;
  DarkmapResult *alone, *taken, *other;

  darkmap_job_settings_init (&settings);
  settings.grid_size = 128;
  settings.pixel_arcmin = 0.8;
  coarse = settings;
  coarse.grid_size = 64;
  coarse.pixel_arcmin = 1.6;
  flipped = settings;
  flipped.flip_e2 = TRUE;

  /* The field computed alone, then taken from its prefetch. */
  alone = run_job (demo, &settings, FALSE, &error);
  check_ran (alone, &error);
  darkmap_job_prefetch (demo, &settings);
  taken = run_job (demo, &settings, FALSE, &error);
  check_ran (taken, &error);
  if (alone != NULL && taken != NULL)
    {
      CHECK (taken->n_galaxies == alone->n_galaxies);
      CHECK (same_map (taken->kappa_e, alone->kappa_e) && same_map (taken->kappa_b, alone->kappa_b));
      CHECK (same_map (taken->binned->shear, alone->binned->shear));
      CHECK (taken->products != NULL && taken->products->spectrum != NULL);
    }

  /* Another grid, another sign of e2: their own maps. */
  darkmap_job_prefetch (demo, &settings);
  other = run_job (demo, &coarse, FALSE, &error);
  check_ran (other, &error);
  CHECK (other == NULL || (other->kappa_e->nx == 64 && other->kappa_e->ny == 64));
  darkmap_result_free (other);
  darkmap_job_prefetch (demo, &settings);
  other = run_job (demo, &flipped, FALSE, &error);
  check_ran (other, &error);
  CHECK (other == NULL || alone == NULL
         || (!same_map (other->kappa_e, alone->kappa_e)
             && !same_map (other->binned->shear, alone->binned->shear)));
  darkmap_result_free (other);

  /* Cancelled as it starts: cancelled, whatever the prefetch had done. */
  darkmap_job_prefetch (demo, &settings);
  other = run_job (demo, &settings, TRUE, &error);
  CHECK (other == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  darkmap_result_free (other);

  darkmap_result_free (alone);
  darkmap_result_free (taken);
  return dm_test_result ();
}
