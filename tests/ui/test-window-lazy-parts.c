/* The window's parts that do not show at start are made when first asked
 * for, and are then as they were when made with the window: the keyboard
 * shortcuts window (win.show-help-overlay) is built from its resource,
 * once, transient for the window. */
#include <string.h>

#include "window-test-util.h"

#define SHORTCUTS_RESOURCE "/org/darkmap/Darkmap/darkmap-shortcuts-window.ui"

/* How many widgets of type are in the tree under widget (itself included). */
static guint
count_widgets (GtkWidget *widget, GType type)
{
  guint n = G_TYPE_CHECK_INSTANCE_TYPE (widget, type) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_widgets (child, type);
  return n;
}

/* How many shortcuts the sections under widget list (the search page's
 * copies left out). */
static guint
count_section_shortcuts (GtkWidget *widget)
{
  guint n = 0;

  if (GTK_IS_SHORTCUTS_SECTION (widget))
    return count_widgets (widget, GTK_TYPE_SHORTCUTS_SHORTCUT);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_section_shortcuts (child);
  return n;
}

/* The occurrences of needle in text. */
static guint
count_occurrences (const char *text, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
test_shortcuts_window (DarkmapWindow *window)
{
  GtkApplicationWindow *app_window = GTK_APPLICATION_WINDOW (window);
  g_autoptr (GBytes) resource = g_resources_lookup_data (SHORTCUTS_RESOURCE, 0, NULL);
  GtkShortcutsWindow *overlay;

  CHECK (resource != NULL);
  CHECK (gtk_application_window_get_help_overlay (app_window) == NULL);
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  overlay = gtk_application_window_get_help_overlay (app_window);
  CHECK (GTK_IS_SHORTCUTS_WINDOW (overlay));
  if (overlay == NULL || resource == NULL)
    return;
  CHECK (gtk_widget_get_visible (GTK_WIDGET (overlay)));
  CHECK (gtk_window_get_transient_for (GTK_WINDOW (overlay)) == GTK_WINDOW (window));
  /* Every shortcut of the resource, none twice. */
  CHECK (count_section_shortcuts (GTK_WIDGET (overlay))
         == count_occurrences (g_bytes_get_data (resource, NULL),
                               "class=\"GtkShortcutsShortcut\""));
  CHECK (count_section_shortcuts (GTK_WIDGET (overlay)) > 30);

  /* Closed, it hides; shown again, it is the same window. */
  gtk_window_close (GTK_WINDOW (overlay));
  CHECK (!gtk_widget_get_visible (GTK_WIDGET (overlay)));
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  CHECK (gtk_application_window_get_help_overlay (app_window) == overlay);
  CHECK (gtk_widget_get_visible (GTK_WIDGET (overlay)));
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  DarkmapWindow *window;

  if (app == NULL)
    return DM_TEST_SKIP;
  window = darkmap_window_new (GTK_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (window));
  CHECK (wait_for_frame (GTK_WIDGET (window)));
  test_shortcuts_window (window);
  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}
