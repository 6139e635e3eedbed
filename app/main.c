/* darkmap: the desktop application. */
#include <glib/gi18n.h>

#include "darkmap-application.h"
#include "darkmap-i18n.h"

int
main (int argc, char *argv[])
{
  g_autoptr (DarkmapApplication) app = darkmap_application_new ();
  int status;

  darkmap_i18n_init ();
  g_set_application_name (_("Darkmap"));
  status = g_application_run (G_APPLICATION (app), argc, argv);
  return status != 0 ? status : darkmap_application_get_exit_status (app);
}
