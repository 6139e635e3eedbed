/* Recently opened catalogues as a menu. */
#include "darkmap-recent.h"

#define DARKMAP_RECENT_ITEMS 8
/* The application name recorded with each item and looked for when listing. */
#define DARKMAP_RECENT_APP "darkmap"

void
darkmap_recent_add (GFile *file)
{
  g_autofree char *uri = g_file_get_uri (file);
  GtkRecentData data = {
    .display_name = NULL,
    .description = NULL,
    .mime_type = (char *) "application/fits",
    .app_name = (char *) DARKMAP_RECENT_APP,
    .app_exec = (char *) "darkmap %u",
    .groups = NULL,
    .is_private = FALSE,
  };

  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

/* Newer first. */
static int
compare_modified (gconstpointer a, gconstpointer b)
{
  GDateTime *ta = gtk_recent_info_get_modified ((GtkRecentInfo *) a);
  GDateTime *tb = gtk_recent_info_get_modified ((GtkRecentInfo *) b);

  return g_date_time_compare (tb, ta);
}

static void
fill_menu (GtkRecentManager *manager, GMenu *menu)
{
  GList *items = gtk_recent_manager_get_items (manager);
  int shown = 0;

  g_menu_remove_all (menu);
  items = g_list_sort (items, compare_modified);
  for (GList *l = items; l != NULL && shown < DARKMAP_RECENT_ITEMS; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      g_autoptr (GMenuItem) item = NULL;

      if (!gtk_recent_info_has_application (info, DARKMAP_RECENT_APP) ||
          !gtk_recent_info_exists (info))
        continue;
      item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);
      g_menu_item_set_action_and_target (item, "win.open-recent", "s",
                                         gtk_recent_info_get_uri (info));
      g_menu_append_item (menu, item);
      shown++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

GMenuModel *
darkmap_recent_menu_new (void)
{
  GtkRecentManager *manager = gtk_recent_manager_get_default ();
  GMenu *menu = g_menu_new ();

  fill_menu (manager, menu);
  g_signal_connect_object (manager, "changed", G_CALLBACK (fill_menu), menu, 0);
  return G_MENU_MODEL (menu);
}
