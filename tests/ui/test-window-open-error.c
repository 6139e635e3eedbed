/* Opening a file that is not a FITS catalogue, through the path the Open
 * action takes, reports the engine's error in a dialog and leaves the map
 * shown before it untouched. */
#include <string.h>

#include <glib/gstdio.h>

#include "window-test-util.h"

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  DarkmapWindow *window;
  const DarkmapResult *before;
  g_autofree float *kappa_before = NULL;
  g_autofree char *bad_path = NULL;
  g_autoptr (GFile) bad = NULL;
  g_autoptr (GError) error = NULL;
  GList *dialogs;
  size_t n;

  if (app == NULL)
    return DM_TEST_SKIP;

  window = demo_window (app);
  before = darkmap_window_get_result (window);
  if (before == NULL)
    return dm_test_result ();
  n = dm_map_plane_size (before->kappa_e);
  kappa_before = g_memdup2 (before->kappa_e->data, n * sizeof (float));

  bad_path = g_build_filename (g_getenv ("DARKMAP_TEST_TMP") ? g_getenv ("DARKMAP_TEST_TMP")
                                                              : g_get_tmp_dir (),
                               "ui-not-a-catalogue.fits", NULL);
  CHECK (g_file_set_contents (bad_path, "RA,Dec,e1,e2\n150.1,2.2,0.1,0.0\n", -1, NULL));
  bad = g_file_new_for_path (bad_path);
  darkmap_window_open_file (window, bad);
  error = wait_for_job (window);

  CHECK (error != NULL);
  if (error != NULL)
    {
      fprintf (stderr, "engine error: %s\n", error->message);
      CHECK (error->domain == DARKMAP_ENGINE_ERROR);
      CHECK (error->message[0] != '\0');
    }
  CHECK (!darkmap_window_is_busy (window));
  CHECK (darkmap_window_get_result (window) == before);
  CHECK (memcmp (before->kappa_e->data, kappa_before, n * sizeof (float)) == 0);
  CHECK (strstr (before->path, "cosmos_shear_schrabback2010.fits") != NULL);

  dialogs = message_dialogs (GTK_WINDOW (window));
  CHECK (g_list_length (dialogs) == 1);
  if (dialogs != NULL && error != NULL)
    {
      g_autofree char *secondary = NULL;

      g_object_get (dialogs->data, "secondary-text", &secondary, NULL);
      CHECK (g_strcmp0 (secondary, error->message) == 0);
      gtk_dialog_response (GTK_DIALOG (dialogs->data), GTK_RESPONSE_CLOSE);
    }
  g_list_free (dialogs);
  dialogs = message_dialogs (GTK_WINDOW (window));
  CHECK (dialogs == NULL);
  g_list_free (dialogs);

  g_unlink (bad_path);
  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}
