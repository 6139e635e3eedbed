/* A new window shows the welcome page until a map arrives.  Opening a mask
 * for the map: the shipped COSMOS mask (same 360² grid, no WCS) replaces
 * the binned one in the map and its spectrum; a mask of another size, of
 * another sky grid, or no FITS at all is refused with a dialog and the mask
 * shown stays. */
#include <string.h>

#include <darkmap/fits.h>
#include <darkmap/wcs.h>

#include "window-test-util.h"

static char *
tmp_path (const char *name)
{
  const char *dir = g_getenv ("DARKMAP_TEST_TMP");

  return g_build_filename (dir != NULL ? dir : g_get_tmp_dir (), name, NULL);
}

/* Opening path must fail with one error dialog and leave the mask as it was. */
static void
check_refused (DarkmapWindow *window, const char *path)
{
  const DarkmapResult *result = darkmap_window_get_result (window);
  size_t n = dm_map_plane_size (result->binned->mask);
  g_autofree float *before = g_memdup2 (result->binned->mask->data, n * sizeof (float));
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  GList *dialogs;

  CHECK (!darkmap_window_open_mask (window, file, &error));
  CHECK (error != NULL);
  if (error != NULL)
    fprintf (stderr, "refused: %s\n", error->message);
  dialogs = message_dialogs (GTK_WINDOW (window));
  CHECK (g_list_length (dialogs) == 1);
  for (GList *l = dialogs; l != NULL; l = l->next)
    gtk_window_destroy (GTK_WINDOW (l->data));
  g_list_free (dialogs);
  CHECK (memcmp (before, result->binned->mask->data, n * sizeof (float)) == 0);
}

/* A FITS image of side² ones, on a TAN grid at dec0 when with_wcs. */
static void
write_image (const char *path, int side, gboolean with_wcs, double dec0)
{
  DmError *error = NULL;
  DmWcs *wcs = with_wcs ? dm_wcs_new_grid (DM_PROJECTION_TAN, 150.1161, dec0, 0.29 / 60.0,
                                           side, side, true, &error)
                        : NULL;
  DmMap *map = dm_map_new (side, side, 1, wcs, &error);

  CHECK_OK (map, error);
  for (int i = 0; map != NULL && i < side * side; i++)
    map->data[i] = 1.0f;
  CHECK_OK (map != NULL && dm_fits_write_map (path, map, &error), error);
  dm_map_free (map);
  dm_wcs_free (wcs);
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  g_autofree char *small = NULL, *shifted = NULL, *text = NULL;
  g_autofree char *cosmos_mask = NULL;
  g_autoptr (GFile) mask_file = NULL;
  g_autoptr (GError) error = NULL;
  DarkmapWindow *window, *empty;
  const DarkmapResult *result;
  DmError *dm_error = NULL;
  DmMap *shipped;

  if (app == NULL)
    return DM_TEST_SKIP;

  /* Welcome page: shown without a map, gone once the demo is reconstructed. */
  empty = darkmap_window_new (GTK_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (empty));
  CHECK (gtk_widget_get_visible (darkmap_window_get_welcome (empty)));
  gtk_window_destroy (GTK_WINDOW (empty));

  window = demo_window (app);
  result = darkmap_window_get_result (window);
  if (result == NULL)
    return dm_test_result ();
  CHECK (!gtk_widget_get_visible (darkmap_window_get_welcome (window)));

  /* The shipped mask (no WCS) on the demo's 360² grid. */
  cosmos_mask = darkmap_find_data_file ("cosmos/cosmos_mask_0.29arcmin_360.fits");
  mask_file = g_file_new_for_path (cosmos_mask);
  CHECK (darkmap_window_open_mask (window, mask_file, &error));
  CHECK (error == NULL);
  shipped = dm_fits_read_image (cosmos_mask, NULL, &dm_error);
  CHECK_OK (shipped, dm_error);
  if (shipped != NULL)
    {
      size_t differ = 0, n = dm_map_plane_size (shipped);

      for (size_t i = 0; i < n; i++)
        differ += result->binned->mask->data[i] != (shipped->data[i] > 0.0f ? 1.0f : 0.0f);
      CHECK (differ == 0);
      dm_map_free (shipped);
    }

  /* Refused: another size, another sky grid, not FITS. */
  small = tmp_path ("ui-mask-small.fits");
  write_image (small, 100, FALSE, 2.24749);
  check_refused (window, small);
  shifted = tmp_path ("ui-mask-shifted.fits");
  write_image (shifted, 360, TRUE, 2.5);
  check_refused (window, shifted);
  text = tmp_path ("ui-mask-text.fits");
  CHECK (g_file_set_contents (text, "not a mask\n", -1, NULL));
  check_refused (window, text);

  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}
