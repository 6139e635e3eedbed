/* 1,000 rapid cycles in the window on two small catalogues of different
 * grids: each opens a catalogue and starts a reconstruction, and stops
 * either at a different moment (cancelled at once, after a few main-loop
 * iterations, once it ended, superseded by another open; a reconstruction
 * also by an open of the other field).  Every cycle checks the window's
 * state: a cancelled open leaves the field shown, a finished one shows its
 * file, a reconstruction is refused while a catalogue is read, and every
 * posterior listed is on the grid of the field shown.  At the end the last
 * field and posterior equal a fresh job's and dm_reconstruct's bit for bit,
 * no error dialog is open, and once the window is destroyed nothing holds
 * it: every worker returned.  Under AddressSanitizer and LeakSanitizer this
 * is the memory check of those paths. */
#include <fitsio.h>
#include <string.h>

#include <darkmap/reconstruct.h>

#include "window-test-util.h"

#define CYCLES 1000
#define N_GALAXIES 3000

typedef struct
{
  const char *name;
  int grid_size;
  double pixel_arcmin;
  guint32 seed;
  char *path;                   /* written by write_catalogue */
  DarkmapJobSettings settings;
} Field;

/* The ends of the window's opens (job-finished) or reconstructions
 * (reconstruct-finished), counted. */
typedef struct
{
  guint count, cancelled;
  GError *error;   /* the last one's */
} Ends;

static void
on_end (DarkmapWindow *window, const GError *error, Ends *ends)
{
  ends->count++;
  ends->cancelled += error != NULL;
  g_clear_error (&ends->error);
  ends->error = error != NULL ? g_error_copy (error) : NULL;
}

/* Iterates until *count reaches target; FALSE past the time limit. */
static gboolean
wait_for_count (const guint *count, guint target)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

  while (*count < target && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return *count >= target;
}

static void
iterate_without_blocking (int n)
{
  for (int i = 0; i < n; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* N_GALAXIES galaxies spread uniformly over field's grid around
 * (150.1, 2.2), ellipticities uniform in [-0.25, 0.25], as a FITS table
 * with the usual column names; field's settings for that grid. */
static void
write_catalogue (Field *field)
{
  static char *names[] = { "RA", "DEC", "E1", "E2", "WEIGHT" };
  static char *forms[] = { "D", "D", "D", "D", "D" };
  g_autoptr (GRand) rand = g_rand_new_with_seed (field->seed);
  g_autofree char *file_name = g_strdup_printf ("stress-%s.fits", field->name);
  g_autofree double *columns = g_new (double, 5 * N_GALAXIES);
  double half_deg = field->grid_size * field->pixel_arcmin / 60.0 / 2.0;
  double half_ra = half_deg / cos (2.2 * G_PI / 180.0);
  fitsfile *fits = NULL;
  int status = 0;

  for (int i = 0; i < N_GALAXIES; i++)
    {
      columns[i] = 150.1 + g_rand_double_range (rand, -half_ra, half_ra);
      columns[N_GALAXIES + i] = 2.2 + g_rand_double_range (rand, -half_deg, half_deg);
      columns[2 * N_GALAXIES + i] = 0.25 * g_rand_double_range (rand, -1.0, 1.0);
      columns[3 * N_GALAXIES + i] = 0.25 * g_rand_double_range (rand, -1.0, 1.0);
      columns[4 * N_GALAXIES + i] = 1.0;
    }
  field->path = scratch_path (file_name);
  remove (field->path);
  fits_create_diskfile (&fits, field->path, &status);
  fits_create_img (fits, BYTE_IMG, 0, NULL, &status);
  fits_create_tbl (fits, BINARY_TBL, 0, 5, names, forms, NULL, "SHEAR", &status);
  for (int c = 0; c < 5; c++)
    fits_write_col (fits, TDOUBLE, c + 1, 1, 1, N_GALAXIES, columns + c * N_GALAXIES, &status);
  fits_close_file (fits, &status);
  CHECK (status == 0);

  darkmap_job_settings_init (&field->settings);
  field->settings.grid_size = field->grid_size;
  field->settings.pixel_arcmin = field->pixel_arcmin;
  field->settings.smooth_sigma = 1.0;
  field->settings.has_center = TRUE;
  field->settings.center_ra = 150.1;
  field->settings.center_dec = 2.2;
}

static void
open_field (DarkmapWindow *window, const Field *field)
{
  g_autoptr (GFile) file = g_file_new_for_path (field->path);

  darkmap_window_open_catalogue (window, file, &field->settings);
}

static void
cancel (DarkmapWindow *window)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL);
}

/* A request of cycle i: Wiener with 2 samples or Kaiser-Squires. */
static DmReconstructRequest
cycle_request (int i)
{
  DmReconstructRequest request;

  dm_reconstruct_request_init (&request, i % 2 == 0 ? DM_RECONSTRUCT_WIENER : DM_RECONSTRUCT_KS);
  request.n_samples = 2;
  request.seed = (uint64_t) i + 1;
  request.threads = 1;
  return request;
}

/* Every posterior listed is on the grid of the field shown. */
static gboolean
posteriors_on_field (DarkmapWindow *window)
{
  const DarkmapResult *field = darkmap_window_get_result (window);
  GListModel *posteriors = darkmap_window_get_posteriors (window);

  for (guint i = 0; i < g_list_model_get_n_items (posteriors); i++)
    {
      g_autoptr (DarkmapPosteriorResult) item = g_list_model_get_item (posteriors, i);
      const DmMap *mean = darkmap_posterior_result_get_posterior (item)->mean;

      if (field == NULL || mean->nx != field->kappa_e->nx || mean->ny != field->kappa_e->ny)
        return FALSE;
    }
  return TRUE;
}

/* The open of cycle i, stopped in one of four ways; the field shown
 * afterwards is checked. */
static void
open_cycle (DarkmapWindow *window, Ends *opens, const Field *fields, int i)
{
  const Field *field = &fields[i % 3 == 2], *other = &fields[i % 3 != 2];
  const DarkmapResult *before = darkmap_window_get_result (window);
  guint opened = opens->count;
  DmReconstructRequest request = cycle_request (i);
  g_autoptr (GError) error = NULL;
  const Field *expected = field;

  open_field (window, field);
  switch (i % 4)
    {
    case 0: /* at once */
      cancel (window);
      break;
    case 1: /* after a few iterations; a reconstruction is refused meanwhile */
      iterate_without_blocking (i / 4 % 6);
      if (darkmap_window_is_busy (window))
        {
          CHECK (!darkmap_window_reconstruct (window, &request, &error));
          CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY));
        }
      cancel (window);
      break;
    case 2: /* superseded by the other field */
      open_field (window, other);
      expected = other;
      break;
    default: /* once it ended */
      break;
    }
  CHECK (wait_for_count (&opens->count, opened + 1));
  CHECK (opens->count == opened + 1);
  if (i % 4 == 3)
    cancel (window);
  CHECK (!darkmap_window_is_busy (window));
  if (opens->error == NULL)
    CHECK (g_strcmp0 (darkmap_window_get_result (window)->path, expected->path) == 0);
  else
    {
      CHECK (g_error_matches (opens->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
      CHECK (darkmap_window_get_result (window) == before);
    }
  if (i % 4 == 0)
    CHECK (opens->error != NULL);
  if (i % 4 >= 2)
    CHECK (opens->error == NULL);
}

/* The reconstruction of cycle i, stopped in one of four ways; the
 * posteriors listed are checked. */
static void
reconstruct_cycle (DarkmapWindow *window, Ends *opens, Ends *reconstructions,
                   const Field *fields, int i)
{
  DmReconstructRequest request = cycle_request (i);
  GListModel *posteriors = darkmap_window_get_posteriors (window);
  guint listed = g_list_model_get_n_items (posteriors);
  guint ended = reconstructions->count, opened = opens->count;
  g_autoptr (GError) error = NULL;
  int way = i / 2 % 4;

  if (!darkmap_window_reconstruct (window, &request, &error))
    {
      fprintf (stderr, "cycle %d: %s\n", i, error->message);
      CHECK (FALSE);
      return;
    }
  switch (way)
    {
    case 0: /* at once */
      cancel (window);
      break;
    case 1: /* after a few iterations */
      iterate_without_blocking (i / 8 % 6);
      cancel (window);
      break;
    case 2: /* the other field opened meanwhile */
      open_field (window, &fields[i % 3 != 2]);
      CHECK (wait_for_count (&opens->count, opened + 1));
      break;
    default: /* once it ended */
      break;
    }
  CHECK (wait_for_count (&reconstructions->count, ended + 1));
  CHECK (reconstructions->count == ended + 1);
  if (way == 3)
    cancel (window);
  CHECK (!darkmap_window_is_busy (window));
  CHECK (posteriors_on_field (window));
  if (way == 2)
    /* A posterior of the field left is not listed on the new one (it may
     * have ended before the new field came). */
    CHECK (g_list_model_get_n_items (posteriors) == 0);
  else if (reconstructions->error == NULL)
    CHECK (g_list_model_get_n_items (posteriors) == listed + 1);
  else
    {
      CHECK (g_error_matches (reconstructions->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
      CHECK (g_list_model_get_n_items (posteriors) == listed);
    }
  if (way == 0)
    CHECK (reconstructions->error != NULL);
  if (way == 3)
    CHECK (reconstructions->error == NULL);
}

static void
on_fresh_job_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DarkmapResult **result = user_data;
  g_autoptr (GError) error = NULL;

  *result = darkmap_job_run_finish (DARKMAP_JOB (source), res, &error);
  CHECK (error == NULL);
}

static gboolean
same_map (const DmMap *a, const DmMap *b)
{
  return a->nx == b->nx && a->ny == b->ny && a->nplanes == b->nplanes
         && memcmp (a->data, b->data, dm_map_plane_size (a) * a->nplanes * sizeof (float)) == 0;
}

/* The field and posterior shown now against a fresh job on field's file and
 * a fresh dm_reconstruct of request on its shear. */
static void
check_against_fresh (DarkmapWindow *window, const Field *field, const DmReconstructRequest *request)
{
  g_autoptr (DarkmapJob) job = darkmap_job_new (field->path, &field->settings);
  g_autoptr (DarkmapResult) fresh = NULL;
  g_autofree char *theory_path = darkmap_find_data_file (DARKMAP_THEORY);
  DmTheorySpectrum *theory = NULL;
  DmReconstructRequest full = *request;
  DmReconstruction *reconstruction = NULL;
  DmError *dm_error = NULL;
  const DarkmapResult *shown = darkmap_window_get_result (window);
  DarkmapPosteriorResult *posterior = darkmap_window_get_posterior (window);
  const DmPosterior *shown_posterior;
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

  darkmap_job_run_async (job, NULL, on_fresh_job_done, &fresh);
  while (fresh == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  CHECK (fresh != NULL && shown != NULL && posterior != NULL);
  if (fresh == NULL || shown == NULL || posterior == NULL)
    return;
  CHECK (same_map (shown->binned->shear, fresh->binned->shear));
  CHECK (same_map (shown->kappa_e, fresh->kappa_e));
  CHECK (same_map (shown->kappa_b, fresh->kappa_b));

  theory = dm_theory_read_csv (theory_path, NULL, &dm_error);
  CHECK_OK (theory != NULL, dm_error);
  full.theory = theory;
  reconstruction = dm_reconstruct (fresh->binned, &full, NULL, &dm_error);
  CHECK_OK (reconstruction != NULL, dm_error);
  shown_posterior = darkmap_posterior_result_get_posterior (posterior);
  if (reconstruction != NULL)
    {
      CHECK (same_map (shown_posterior->mean, reconstruction->posterior->mean));
      CHECK (same_map (shown_posterior->samples, reconstruction->posterior->samples));
    }
  dm_reconstruction_free (reconstruction);
  dm_theory_free (theory);
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  Field fields[2] = {
    { "a", 32, 0.5, 11, NULL, { 0 } },
    { "b", 24, 0.6, 12, NULL, { 0 } },
  };
  Ends opens = { 0 }, reconstructions = { 0 };
  DarkmapWindow *window;
  DmReconstructRequest request;
  GList *dialogs;
  gint64 start, deadline;

  if (app == NULL)
    return DM_TEST_SKIP;
  write_catalogue (&fields[0]);
  write_catalogue (&fields[1]);

  window = darkmap_window_new (GTK_APPLICATION (app));
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  g_signal_connect (window, "job-finished", G_CALLBACK (on_end), &opens);
  g_signal_connect (window, "reconstruct-finished", G_CALLBACK (on_end), &reconstructions);
  gtk_window_present (GTK_WINDOW (window));

  start = g_get_monotonic_time ();
  for (int i = 0; i < CYCLES && dm_test_failures == 0; i++)
    {
      open_cycle (window, &opens, fields, i);
      if (darkmap_window_get_result (window) != NULL)
        reconstruct_cycle (window, &opens, &reconstructions, fields, i);
    }
  printf ("%d cycles in %.1f s: %u opens ended (%u cancelled), %u reconstructions"
          " (%u cancelled)\n", CYCLES, (g_get_monotonic_time () - start) / 1e6, opens.count,
          opens.cancelled, reconstructions.count, reconstructions.cancelled);

  /* The last field and posterior, against fresh ones. */
  open_field (window, &fields[0]);
  CHECK (wait_for_count (&opens.count, opens.count + 1) && opens.error == NULL);
  request = cycle_request (0);
  CHECK (darkmap_window_reconstruct (window, &request, NULL));
  CHECK (wait_for_count (&reconstructions.count, reconstructions.count + 1)
         && reconstructions.error == NULL);
  check_against_fresh (window, &fields[0], &request);

  dialogs = message_dialogs (GTK_WINDOW (window));
  for (GList *d = dialogs; d != NULL; d = d->next)
    {
      g_autofree char *text = NULL, *detail = NULL;

      g_object_get (d->data, "text", &text, "secondary-text", &detail, NULL);
      fprintf (stderr, "error dialog: %s: %s\n", text, detail);
    }
  CHECK (dialogs == NULL);
  g_list_free (dialogs);

  /* Each job's callback holds the window: destroyed, it goes once every
   * worker has returned. */
  gtk_window_destroy (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  while (window != NULL && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  CHECK (window == NULL);

  g_clear_error (&opens.error);
  g_clear_error (&reconstructions.error);
  for (int f = 0; f < 2; f++)
    {
      remove (fields[f].path);
      g_free (fields[f].path);
    }
  return dm_test_result ();
}
