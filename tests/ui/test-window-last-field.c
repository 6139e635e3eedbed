/* The field opened last comes back at the next start, with GSettings'
 * keyfile backend in a folder of the test's own (each start a new
 * application on the same settings):
 *  - a first start shows the demo field;
 *  - a copy of the demo catalogue opened on a grid of its own (128², 0.5′,
 *    smoothing 1, e2 negated) with a copy of its cluster table is what the
 *    next start shows: the same file, the same map, the same clusters;
 *  - a command-line file wins over it;
 *  - its catalogue deleted, the next start names it in the notice over the
 *    window, without a dialog, and shows the demo field; a catalogue that
 *    no longer reads likewise, with the engine's message. */
#include <string.h>

#include <glib/gstdio.h>

#include "window-test-util.h"

/* A new application, activated as a start without a file would be; its
 * window once the first field's job has ended (error: its error). */
static DarkmapWindow *
start (DarkmapApplication **app, GFile *file, GError **error)
{
  GList *windows;

  *app = test_application ();
  if (*app == NULL)
    return NULL;
  if (file != NULL)
    g_application_open (G_APPLICATION (*app), &file, 1, "");
  else
    g_application_activate (G_APPLICATION (*app));
  windows = gtk_application_get_windows (GTK_APPLICATION (*app));
  CHECK (g_list_length (windows) == 1);
  if (windows == NULL)
    return NULL;
  *error = wait_for_job (windows->data);
  return windows->data;
}

/* The window goes, then its application. */
static void
quit (DarkmapApplication **app, DarkmapWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  for (int i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_clear_object (app);
}

static gboolean
copy_file (const char *from, const char *to)
{
  g_autoptr (GFile) source = g_file_new_for_path (from);
  g_autoptr (GFile) destination = g_file_new_for_path (to);

  return g_file_copy (source, destination, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL);
}

static gboolean
no_dialogs (DarkmapWindow *window)
{
  GList *dialogs = message_dialogs (GTK_WINDOW (window));
  gboolean none = dialogs == NULL;

  g_list_free (dialogs);
  return none;
}

int
main (void)
{
  g_autofree char *config = scratch_path ("last-field-config");
  g_autofree char *keyfile = g_build_filename (config, "glib-2.0", "settings", "keyfile", NULL);
  g_autofree char *demo = darkmap_find_data_file (DARKMAP_DEMO_CATALOGUE);
  g_autofree char *demo_clusters = darkmap_find_data_file ("cosmos/xray_finoguenov2007.csv");
  g_autofree char *catalogue = scratch_path ("last-field.fits");
  g_autofree char *clusters = scratch_path ("last-field-clusters.csv");
  g_autoptr (GFile) catalogue_file = g_file_new_for_path (catalogue);
  g_autoptr (GFile) clusters_file = g_file_new_for_path (clusters);
  g_autofree float *kappa = NULL;
  DarkmapApplication *app = NULL;
  DarkmapWindow *window;
  DarkmapJobSettings settings;
  const DarkmapResult *result;
  g_autoptr (GError) error = NULL;
  guint n_clusters;
  size_t n;

  /* Before GLib reads them: settings kept in a file of the test's own. */
  g_unlink (keyfile);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  if (!gtk_init_check ())
    return DM_TEST_SKIP;
  CHECK (copy_file (demo, catalogue));
  CHECK (copy_file (demo_clusters, clusters));

  /* A first start: the demo field. */
  g_clear_error (&error);
  window = start (&app, NULL, &error);
  if (window == NULL)
    return dm_test_result ();
  CHECK (error == NULL);
  CHECK (strcmp (darkmap_window_get_result (window)->path, demo) == 0);
  CHECK (darkmap_window_get_notice (window) == NULL);

  /* The copy on a grid of its own, with the copy of the table. */
  CHECK (darkmap_window_open_clusters (window, clusters_file, NULL));
  darkmap_job_settings_init (&settings);
  settings.grid_size = 128;
  settings.pixel_arcmin = 0.5;
  settings.smooth_sigma = 1.0;
  settings.flip_e2 = TRUE;
  darkmap_window_open_catalogue (window, catalogue_file, &settings);
  g_clear_error (&error);
  error = wait_for_job (window);
  CHECK (error == NULL);
  result = darkmap_window_get_result (window);
  n = dm_map_plane_size (result->kappa_e);
  kappa = g_memdup2 (result->kappa_e->data, n * sizeof (float));
  n_clusters = g_list_model_get_n_items (darkmap_window_get_clusters (window));
  CHECK (n_clusters > 0);
  quit (&app, window);
  g_settings_sync ();
  CHECK (g_file_test (keyfile, G_FILE_TEST_IS_REGULAR));

  /* The next start: that field as it was. */
  g_clear_error (&error);
  window = start (&app, NULL, &error);
  if (window == NULL)
    return dm_test_result ();
  CHECK (error == NULL);
  result = darkmap_window_get_result (window);
  CHECK (strcmp (result->path, catalogue) == 0);
  CHECK (result->kappa_e->nx == 128 && result->kappa_e->ny == 128);
  CHECK (result->pixel_arcmin == 0.5 && result->smooth_sigma == 1.0);
  CHECK (dm_map_plane_size (result->kappa_e) == n
         && memcmp (result->kappa_e->data, kappa, n * sizeof (float)) == 0);
  CHECK (g_list_model_get_n_items (darkmap_window_get_clusters (window)) == n_clusters);
  CHECK (darkmap_window_get_notice (window) == NULL);
  quit (&app, window);

  /* A file given wins. */
  {
    g_autoptr (GFile) demo_file = g_file_new_for_path (demo);

    g_clear_error (&error);
    window = start (&app, demo_file, &error);
    if (window == NULL)
      return dm_test_result ();
    CHECK (error == NULL);
    CHECK (strcmp (darkmap_window_get_result (window)->path, demo) == 0);
    /* Opened now, it is the last field: the copy again for what follows. */
    darkmap_window_open_catalogue (window, catalogue_file, &settings);
    g_clear_error (&error);
  error = wait_for_job (window);
    CHECK (error == NULL);
    quit (&app, window);
  }

  /* The catalogue deleted: the notice and the demo field. */
  CHECK (g_unlink (catalogue) == 0);
  g_clear_error (&error);
  window = start (&app, NULL, &error);
  if (window == NULL)
    return dm_test_result ();
  CHECK (error == NULL);
  {
    g_autofree char *expected =
      g_strdup_printf ("The catalogue opened last, “%s”, is gone: the demo field is shown "
                       "instead.", catalogue);

    CHECK (g_strcmp0 (darkmap_window_get_notice (window), expected) == 0);
  }
  CHECK (strcmp (darkmap_window_get_result (window)->path, demo) == 0);
  CHECK (no_dialogs (window));
  /* The copy back, opened, then no longer a catalogue. */
  CHECK (copy_file (demo, catalogue));
  darkmap_window_open_catalogue (window, catalogue_file, &settings);
  g_clear_error (&error);
  error = wait_for_job (window);
  CHECK (error == NULL);
  quit (&app, window);
  CHECK (g_file_set_contents (catalogue, "not a FITS file\n", -1, NULL));

  g_clear_error (&error);
  window = start (&app, NULL, &error);
  if (window == NULL)
    return dm_test_result ();
  CHECK (error != NULL);
  if (error != NULL)
    {
      g_autofree char *expected =
        g_strdup_printf ("The catalogue opened last, “%s”, cannot be read any more (%s): the "
                         "demo field is shown instead.", catalogue, error->message);

      CHECK (g_strcmp0 (darkmap_window_get_notice (window), expected) == 0);
      g_clear_error (&error);
    }
  CHECK (no_dialogs (window));
  g_clear_error (&error);
  error = wait_for_job (window);
  CHECK (error == NULL);
  CHECK (strcmp (darkmap_window_get_result (window)->path, demo) == 0);
  quit (&app, window);

  g_unlink (catalogue);
  g_unlink (clusters);
  return dm_test_result ();
}
