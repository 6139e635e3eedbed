/* The French catalogue is used: with LANGUAGE=fr the window's Open button
 * and a message from C code are in French (run with DARKMAP_LOCALEDIR set to
 * the build tree's catalogues). */
#include <glib/gi18n.h>

#include "darkmap-i18n.h"
#include "window-test-util.h"

/* Whether a descendant of widget is a button labelled label. */
static gboolean
has_button_labelled (GtkWidget *widget, const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_button_labelled (child, label))
      return TRUE;
  return FALSE;
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = NULL;
  DarkmapWindow *window;

  darkmap_i18n_init ();
  CHECK (g_strcmp0 (_("Open a Shear Catalogue"), "Ouvrir un catalogue de cisaillement") == 0);

  app = test_application ();
  if (app == NULL)
    return DM_TEST_SKIP;
  window = darkmap_window_new (GTK_APPLICATION (app));
  CHECK (has_button_labelled (GTK_WIDGET (window), "_Ouvrir"));
  CHECK (!has_button_labelled (GTK_WIDGET (window), "_Open"));
  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}
