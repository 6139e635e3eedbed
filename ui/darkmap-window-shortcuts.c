/* DarkmapWindow's keyboard shortcuts window (win.show-help-overlay): made
 * from darkmap-shortcuts-window.ui the first time it is asked for.  Under
 * GtkApplication's own name for it (gtk/help-overlay.ui) every window
 * would build its 60-odd rows as it is made, some 10 ms before the first
 * frame. */
#include "darkmap-window-private.h"

#define SHORTCUTS_RESOURCE "/org/darkmap/Darkmap/darkmap-shortcuts-window.ui"

static void
show_help_overlay_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkApplicationWindow *window = GTK_APPLICATION_WINDOW (widget);
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (window);

  if (overlay == NULL)
    {
      g_autoptr (GtkBuilder) builder = gtk_builder_new_from_resource (SHORTCUTS_RESOURCE);

      /* The window keeps it (hidden on close, transient for the window). */
      overlay = GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
      gtk_application_window_set_help_overlay (window, overlay);
    }
  gtk_window_present (GTK_WINDOW (overlay));
}

void
darkmap_window_shortcuts_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.show-help-overlay", NULL,
                                   show_help_overlay_action);
}
