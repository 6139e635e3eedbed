/* Sets Darkmap's "grid-size" setting to the number argv[1] and returns once
 * GSettings has stored it: with GSETTINGS_BACKEND=keyfile, in the keyfile
 * $XDG_CONFIG_HOME/glib-2.0/settings/keyfile, which test-kill-during-write.sh
 * watches while a kill lands in its write. */
#include <gio/gio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  g_autoptr (GSettings) settings = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: write-settings GRID_SIZE\n");
      return 2;
    }
  settings = g_settings_new ("org.darkmap.Darkmap");
  if (!g_settings_set_int (settings, "grid-size", atoi (argv[1])))
    return 1;
  g_settings_sync ();
  return 0;
}
