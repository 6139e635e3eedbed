/* DarkmapSidePanel: a part of the main window, its layout in
 * resources/darkmap-side-panel.ui; DarkmapWindow drives what it holds. */
#include "darkmap-side-panel.h"

#include "darkmap-results-panel.h"
#include "darkmap-cluster-panel.h"

struct _DarkmapSidePanel
{
  GtkBox parent_instance;

  GtkWidget *results_panel;
  GtkWidget *cluster_panel;
};

G_DEFINE_FINAL_TYPE (DarkmapSidePanel, darkmap_side_panel, GTK_TYPE_BOX)

GtkWidget *
darkmap_side_panel_get_results_panel (DarkmapSidePanel *self)
{
  g_return_val_if_fail (DARKMAP_IS_SIDE_PANEL (self), NULL);
  return GTK_WIDGET (self->results_panel);
}

GtkWidget *
darkmap_side_panel_get_cluster_panel (DarkmapSidePanel *self)
{
  g_return_val_if_fail (DARKMAP_IS_SIDE_PANEL (self), NULL);
  return GTK_WIDGET (self->cluster_panel);
}

static void
darkmap_side_panel_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DARKMAP_TYPE_SIDE_PANEL);
  G_OBJECT_CLASS (darkmap_side_panel_parent_class)->dispose (object);
}

static void
darkmap_side_panel_class_init (DarkmapSidePanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = darkmap_side_panel_dispose;
  g_type_ensure (DARKMAP_TYPE_RESULTS_PANEL);
  g_type_ensure (DARKMAP_TYPE_CLUSTER_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-side-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapSidePanel, results_panel);
  gtk_widget_class_bind_template_child (widget_class, DarkmapSidePanel, cluster_panel);
}

static void
darkmap_side_panel_init (DarkmapSidePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
