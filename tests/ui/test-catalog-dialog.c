/* The catalogue dialog on the path win.open takes: it proposes the columns
 * the engine detects, refuses to go on without RA/Dec/e1/e2, and accepting
 * it reconstructs with the choices (here unit weights); files that are not
 * FITS tables get an error dialog and leave the open field untouched; a
 * catalogue read successfully joins the recent files. */
#include <string.h>

#include <fitsio.h>

#include "window-test-util.h"

static const char *
selected_name (GtkDropDown *chooser)
{
  GObject *item = gtk_drop_down_get_selected_item (chooser);

  return GTK_IS_STRING_OBJECT (item) ? gtk_string_object_get_string (GTK_STRING_OBJECT (item))
                                     : NULL;
}

static char *
tmp_path (const char *name)
{
  const char *dir = g_getenv ("DARKMAP_TEST_TMP");

  return g_build_filename (dir != NULL ? dir : g_get_tmp_dir (), name, NULL);
}

/* Choosing file must fail with an error dialog, the result shown unchanged. */
static void
check_refused (DarkmapWindow *window, const char *path)
{
  const DarkmapResult *before = darkmap_window_get_result (window);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  GList *dialogs;

  CHECK (darkmap_window_choose_columns (window, file) == NULL);
  dialogs = message_dialogs (GTK_WINDOW (window));
  CHECK (g_list_length (dialogs) == 1);
  for (GList *l = dialogs; l != NULL; l = l->next)
    gtk_window_destroy (GTK_WINDOW (l->data));
  g_list_free (dialogs);
  CHECK (darkmap_window_get_result (window) == before);
  CHECK (!darkmap_window_is_busy (window));
}

int
main (void)
{
  static const char *const expected[DARKMAP_N_COLUMNS] = { "RA", "DEC", "E1", "E2", "WEIGHT" };
  g_autoptr (DarkmapApplication) app = test_application ();
  g_autofree char *demo = NULL, *text_path = NULL, *image_path = NULL, *uri = NULL;
  g_autoptr (GFile) demo_file = NULL;
  g_autoptr (GError) error = NULL;
  DarkmapWindow *window;
  DarkmapCatalogDialog *dialog;
  const DarkmapResult *weighted, *unweighted;
  g_autofree float *kappa_weighted = NULL;
  size_t n;

  if (app == NULL)
    return DM_TEST_SKIP;
  window = demo_window (app);
  weighted = darkmap_window_get_result (window);
  if (weighted == NULL)
    return dm_test_result ();
  n = dm_map_plane_size (weighted->kappa_e);
  kappa_weighted = g_memdup2 (weighted->kappa_e->data, n * sizeof (float));

  /* The engine's guesses, and the dialog's guard. */
  demo = darkmap_find_data_file ("cosmos/cosmos_shear_schrabback2010.fits");
  demo_file = g_file_new_for_path (demo);
  dialog = darkmap_window_choose_columns (window, demo_file);
  CHECK (dialog != NULL);
  if (dialog == NULL)
    return dm_test_result ();
  CHECK (g_list_model_get_n_items (gtk_drop_down_get_model (
           darkmap_catalog_dialog_get_table_chooser (dialog))) == 1);
  for (int role = 0; role < DARKMAP_N_COLUMNS; role++)
    CHECK (g_strcmp0 (selected_name (darkmap_catalog_dialog_get_column_chooser (dialog, role)),
                      expected[role]) == 0);
  CHECK (darkmap_catalog_dialog_is_complete (dialog));
  gtk_drop_down_set_selected (darkmap_catalog_dialog_get_column_chooser (dialog,
                                                                         DARKMAP_COLUMN_RA), 0);
  CHECK (!darkmap_catalog_dialog_is_complete (dialog));
  CHECK (!darkmap_catalog_dialog_accept (dialog));
  gtk_drop_down_set_selected (darkmap_catalog_dialog_get_column_chooser (dialog,
                                                                         DARKMAP_COLUMN_RA), 1);

  /* Unit weights: the map changes, every pixel's weight is its count. */
  gtk_drop_down_set_selected (darkmap_catalog_dialog_get_column_chooser (dialog,
                                                                         DARKMAP_COLUMN_WEIGHT), 0);
  CHECK (darkmap_catalog_dialog_accept (dialog));
  error = wait_for_job (window);
  CHECK (error == NULL);
  unweighted = darkmap_window_get_result (window);
  CHECK (unweighted != NULL && unweighted != weighted);
  if (unweighted != NULL && unweighted != weighted)
    {
      double max_diff = 0.0, max_weight_error = 0.0;
      const float *counts = dm_map_plane (unweighted->binned->counts, 0);
      const float *weights = dm_map_plane (unweighted->binned->weight, 0);

      CHECK (unweighted->n_galaxies == 417117);
      CHECK (dm_map_plane_size (unweighted->kappa_e) == n);
      for (size_t i = 0; i < n; i++)
        {
          max_diff = fmax (max_diff, fabs (unweighted->kappa_e->data[i] - kappa_weighted[i]));
          max_weight_error = fmax (max_weight_error, fabs (weights[i] - counts[i]));
        }
      fprintf (stderr, "unit weights: max |kappa change| %.3g, max |weight - count| %.3g\n",
               max_diff, max_weight_error);
      CHECK (max_diff > 1e-4);
      CHECK (max_weight_error == 0.0);
    }
  uri = g_file_get_uri (demo_file);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
    GtkRecentManager *recent = gtk_recent_manager_get_default ();
    g_autoptr (GtkRecentInfo) info = NULL;

    while (!gtk_recent_manager_has_item (recent, uri) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    info = gtk_recent_manager_lookup_item (recent, uri, NULL);
    CHECK (info != NULL && gtk_recent_info_has_application (info, "darkmap"));
  }

  /* Not FITS; FITS without a table. */
  text_path = tmp_path ("ui-dialog-not-fits.fits");
  CHECK (g_file_set_contents (text_path, "RA,Dec,e1,e2\n150.1,2.2,0.1,0.0\n", -1, NULL));
  check_refused (window, text_path);
  image_path = tmp_path ("ui-dialog-image-only.fits");
  {
    fitsfile *fits = NULL;
    int status = 0;
    long axes[2] = { 4, 4 };

    remove (image_path);
    fits_create_diskfile (&fits, image_path, &status);
    fits_create_img (fits, FLOAT_IMG, 2, axes, &status);
    fits_close_file (fits, &status);
    CHECK (status == 0);
  }
  check_refused (window, image_path);

  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}
