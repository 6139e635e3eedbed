/* The application's icon is found by an uninstalled darkmap (source tree's
 * data/icons) and is the default window icon. */
#include "window-test-util.h"

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  GtkIconTheme *theme;
  g_autoptr (GtkIconPaintable) icon = NULL;
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;

  if (app == NULL)
    return DM_TEST_SKIP;
  theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  CHECK (gtk_icon_theme_has_icon (theme, "org.darkmap.Darkmap"));
  CHECK (g_strcmp0 (gtk_window_get_default_icon_name (), "org.darkmap.Darkmap") == 0);
  icon = gtk_icon_theme_lookup_icon (theme, "org.darkmap.Darkmap", NULL, 128, 1,
                                     GTK_TEXT_DIR_NONE, 0);
  file = gtk_icon_paintable_get_file (icon);
  path = file != NULL ? g_file_get_path (file) : NULL;
  CHECK (path != NULL && g_str_has_suffix (path, "apps/org.darkmap.Darkmap.svg"));
  return dm_test_result ();
}
