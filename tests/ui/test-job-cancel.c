/* A job cancelled at once: DarkmapJob returns G_IO_ERROR_CANCELLED and no
 * result, and the window keeps the map it showed, without an error dialog. */
#include <string.h>

#include "window-test-util.h"

static void
on_job_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GError **error = user_data;
  DarkmapResult *result = darkmap_job_run_finish (DARKMAP_JOB (source), res, error);

  CHECK (result == NULL);
  darkmap_result_free (result);
  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "the job succeeded");
}

static void
check_job_alone (const char *demo)
{
  g_autoptr (DarkmapJob) job = darkmap_job_new (demo, NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

  darkmap_job_run_async (job, cancellable, on_job_done, &error);
  g_cancellable_cancel (cancellable);
  while (error == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  g_autofree char *demo = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *kappa_before = NULL;
  const DarkmapResult *before;
  DarkmapWindow *window;
  GList *dialogs;
  size_t n;

  if (app == NULL)
    return DM_TEST_SKIP;

  demo = darkmap_find_data_file ("cosmos/cosmos_shear_schrabback2010.fits");
  check_job_alone (demo);

  window = demo_window (app);
  before = darkmap_window_get_result (window);
  if (before == NULL)
    return dm_test_result ();
  n = dm_map_plane_size (before->kappa_e);
  kappa_before = g_memdup2 (before->kappa_e->data, n * sizeof (float));

  file = g_file_new_for_path (demo);
  darkmap_window_open_file (window, file);
  CHECK (darkmap_window_is_busy (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL);
  error = wait_for_job (window);

  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  CHECK (!darkmap_window_is_busy (window));
  CHECK (darkmap_window_get_result (window) == before);
  CHECK (memcmp (before->kappa_e->data, kappa_before, n * sizeof (float)) == 0);
  dialogs = message_dialogs (GTK_WINDOW (window));
  CHECK (dialogs == NULL);
  g_list_free (dialogs);

  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}
