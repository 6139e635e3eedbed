/* DarkmapMapToolbar: a part of the main window, its layout in
 * resources/darkmap-map-toolbar.ui; DarkmapWindow drives what it holds. */
#include "darkmap-map-toolbar.h"


struct _DarkmapMapToolbar
{
  GtkBox parent_instance;

  GtkWidget *layer_box;
  GtkWidget *posterior_layer_box;
  GtkWidget *contours_button;
  GtkWidget *smoothing_scale;
};

G_DEFINE_FINAL_TYPE (DarkmapMapToolbar, darkmap_map_toolbar, GTK_TYPE_BOX)

GtkWidget *
darkmap_map_toolbar_get_layer_box (DarkmapMapToolbar *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_TOOLBAR (self), NULL);
  return GTK_WIDGET (self->layer_box);
}

GtkWidget *
darkmap_map_toolbar_get_posterior_layer_box (DarkmapMapToolbar *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_TOOLBAR (self), NULL);
  return GTK_WIDGET (self->posterior_layer_box);
}

GtkWidget *
darkmap_map_toolbar_get_contours_button (DarkmapMapToolbar *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_TOOLBAR (self), NULL);
  return GTK_WIDGET (self->contours_button);
}

GtkWidget *
darkmap_map_toolbar_get_smoothing_scale (DarkmapMapToolbar *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_TOOLBAR (self), NULL);
  return GTK_WIDGET (self->smoothing_scale);
}

static void
darkmap_map_toolbar_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DARKMAP_TYPE_MAP_TOOLBAR);
  G_OBJECT_CLASS (darkmap_map_toolbar_parent_class)->dispose (object);
}

static void
darkmap_map_toolbar_class_init (DarkmapMapToolbarClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = darkmap_map_toolbar_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-map-toolbar.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapMapToolbar, layer_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMapToolbar, posterior_layer_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMapToolbar, contours_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMapToolbar, smoothing_scale);
}

static void
darkmap_map_toolbar_init (DarkmapMapToolbar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
