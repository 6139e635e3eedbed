/* DarkmapMapPage: a part of the main window, its layout in
 * resources/darkmap-map-page.ui; DarkmapWindow drives what it holds. */
#include "darkmap-map-page.h"

#include "darkmap-map-view.h"
#include "darkmap-sample-player.h"

struct _DarkmapMapPage
{
  GtkBox parent_instance;

  GtkWidget *map_view;
  GtkWidget *welcome_box;
  GtkWidget *sample_player;
  GtkWidget *presentation_caption;
};

G_DEFINE_FINAL_TYPE (DarkmapMapPage, darkmap_map_page, GTK_TYPE_BOX)

GtkWidget *
darkmap_map_page_get_map_view (DarkmapMapPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_PAGE (self), NULL);
  return GTK_WIDGET (self->map_view);
}

GtkWidget *
darkmap_map_page_get_welcome_box (DarkmapMapPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_PAGE (self), NULL);
  return GTK_WIDGET (self->welcome_box);
}

GtkWidget *
darkmap_map_page_get_sample_player (DarkmapMapPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_PAGE (self), NULL);
  return GTK_WIDGET (self->sample_player);
}

GtkWidget *
darkmap_map_page_get_presentation_caption (DarkmapMapPage *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_PAGE (self), NULL);
  return GTK_WIDGET (self->presentation_caption);
}

static void
darkmap_map_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DARKMAP_TYPE_MAP_PAGE);
  G_OBJECT_CLASS (darkmap_map_page_parent_class)->dispose (object);
}

static void
darkmap_map_page_class_init (DarkmapMapPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = darkmap_map_page_dispose;
  g_type_ensure (DARKMAP_TYPE_MAP_VIEW);
  g_type_ensure (DARKMAP_TYPE_SAMPLE_PLAYER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-map-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapMapPage, map_view);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMapPage, welcome_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMapPage, sample_player);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMapPage, presentation_caption);
}

static void
darkmap_map_page_init (DarkmapMapPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
