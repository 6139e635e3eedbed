/* The window's parts that do not show at start are made when first asked
 * for, and are then as they were when made with the window: the keyboard
 * shortcuts window (win.show-help-overlay) is built from its resource,
 * once, transient for the window; the Emulated Universes page when it first
 * shows, once, filling its place in the window's stack. */
#include "darkmap-universes-page.h"
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
         == dm_test_count_substrings (g_bytes_get_data (resource, NULL),
                               "class=\"GtkShortcutsShortcut\""));
  CHECK (count_section_shortcuts (GTK_WIDGET (overlay)) > 30);

  /* Closed, it hides; shown again, it is the same window. */
  gtk_window_close (GTK_WINDOW (overlay));
  CHECK (!gtk_widget_get_visible (GTK_WIDGET (overlay)));
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  CHECK (gtk_application_window_get_help_overlay (app_window) == overlay);
  CHECK (gtk_widget_get_visible (GTK_WIDGET (overlay)));
}

static void
test_universes_page (DarkmapWindow *window)
{
  GtkWidget *page;
  graphene_rect_t bounds, place;
  gint64 deadline;

  CHECK (count_widgets (GTK_WIDGET (window), DARKMAP_TYPE_UNIVERSES_PAGE) == 0);
  g_object_set (window, "page", "universes", NULL);
  CHECK (count_widgets (GTK_WIDGET (window), DARKMAP_TYPE_UNIVERSES_PAGE) == 1);
  CHECK (wait_for_frame (GTK_WIDGET (window)));
  page = darkmap_window_get_universes_page (window);
  CHECK (DARKMAP_IS_UNIVERSES_PAGE (page) && gtk_widget_get_mapped (page));
  /* Shown, it draws the emulator's universes: their worker ends before the
   * window does. */
  deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  while (darkmap_universes_page_is_generating (DARKMAP_UNIVERSES_PAGE (page))
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  CHECK (!darkmap_universes_page_is_generating (DARKMAP_UNIVERSES_PAGE (page)));
  /* The page has the whole of its stack page. */
  CHECK (gtk_widget_compute_bounds (page, GTK_WIDGET (window), &bounds));
  CHECK (gtk_widget_compute_bounds (gtk_widget_get_parent (page), GTK_WIDGET (window), &place));
  CHECK (graphene_rect_equal (&bounds, &place) && bounds.size.height > 100.0);
  g_object_set (window, "page", "map", NULL);
  g_object_set (window, "page", "universes", NULL);
  CHECK (darkmap_window_get_universes_page (window) == page);
  CHECK (count_widgets (GTK_WIDGET (window), DARKMAP_TYPE_UNIVERSES_PAGE) == 1);
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
  test_universes_page (window);
  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}
