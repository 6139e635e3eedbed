/* The preferences window edits the application's settings both ways, and a
 * new colour map or coordinate format applies at once to the open map. */
#include "darkmap-map-view.h"
#include "darkmap-preferences.h"
#include "window-test-util.h"

/* Runs pending main-loop work (settings notifications). */
static void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The preferences window shown for parent, or NULL. */
static DarkmapPreferences *
find_preferences (GtkWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* not owned */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (toplevels, i);

      if (DARKMAP_IS_PREFERENCES (item) &&
          gtk_window_get_transient_for (GTK_WINDOW (item)) == parent)
        return DARKMAP_PREFERENCES (item);
    }
  return NULL;
}

/* The spin button whose mnemonic label reads label (with underline). */
static GtkSpinButton *
find_spin (GtkWidget *widget, const char *label)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), label) == 0)
    return GTK_SPIN_BUTTON (gtk_label_get_mnemonic_widget (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkSpinButton *spin = find_spin (child, label);
      if (spin != NULL)
        return spin;
    }
  return NULL;
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  g_autoptr (GSettings) settings = NULL;
  g_autofree char *cmap_name = NULL;
  DarkmapWindow *window;
  DarkmapPreferences *prefs;
  DarkmapMapView *view;
  GtkSpinButton *grid_spin, *scale_spin;

  if (app == NULL)
    return DM_TEST_SKIP;
  settings = g_settings_new ("org.darkmap.Darkmap");
  window = darkmap_window_new (GTK_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (window));
  view = DARKMAP_MAP_VIEW (darkmap_window_get_map_widget (window));

  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  prefs = find_preferences (GTK_WINDOW (window));
  CHECK (prefs != NULL);
  if (prefs == NULL)
    return dm_test_result ();

  /* Chooser -> settings -> the open map. */
  gtk_drop_down_set_selected (darkmap_preferences_get_colormap_chooser (prefs),
                              DARKMAP_COLORMAP_MAGMA);
  drain_main_loop ();
  cmap_name = g_settings_get_string (settings, "colormap");
  CHECK (g_strcmp0 (cmap_name, "magma") == 0);
  CHECK (darkmap_map_view_get_colormap (view) == DARKMAP_COLORMAP_MAGMA);

  /* Grid labels: degrees by default, sexagesimal from the chooser, and back
   * from the settings. */
  CHECK (!darkmap_map_view_get_sexagesimal (view));
  CHECK (gtk_drop_down_get_selected (darkmap_preferences_get_coordinate_chooser (prefs)) == 0);
  gtk_drop_down_set_selected (darkmap_preferences_get_coordinate_chooser (prefs), 1);
  drain_main_loop ();
  {
    g_autofree char *format = g_settings_get_string (settings, "coordinate-format");

    CHECK (g_strcmp0 (format, "sexagesimal") == 0);
  }
  CHECK (darkmap_map_view_get_sexagesimal (view));
  g_settings_set_string (settings, "coordinate-format", "degrees");
  drain_main_loop ();
  CHECK (gtk_drop_down_get_selected (darkmap_preferences_get_coordinate_chooser (prefs)) == 0);
  CHECK (!darkmap_map_view_get_sexagesimal (view));

  /* Settings -> widgets, and widgets -> settings. */
  grid_spin = find_spin (GTK_WIDGET (prefs), "_Grid size (pixels)");
  scale_spin = find_spin (GTK_WIDGET (prefs), "_Pixel scale (arcmin)");
  CHECK (grid_spin != NULL && scale_spin != NULL);
  g_settings_set_int (settings, "grid-size", 512);
  drain_main_loop ();
  if (grid_spin != NULL)
    CHECK_CLOSE (gtk_spin_button_get_value (grid_spin), 512.0, 0.0);
  if (scale_spin != NULL)
    gtk_spin_button_set_value (scale_spin, 0.5);
  drain_main_loop ();
  CHECK_CLOSE (g_settings_get_double (settings, "pixel-scale"), 0.5, 1e-12);

  gtk_window_destroy (GTK_WINDOW (prefs));
  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}
