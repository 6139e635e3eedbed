/* DarkmapClusterPopover: one cluster's properties and map cutout. */
#include "darkmap-cluster-popover.h"

#include <math.h>

#include <glib/gi18n.h>

#include "darkmap-map-view.h"

struct _DarkmapClusterPopover
{
  GtkPopover parent_instance;

  GtkLabel *title_label;
  GtkLabel *ra_label;
  GtkLabel *dec_label;
  GtkLabel *z_label;
  GtkLabel *mass_title;
  GtkLabel *mass_label;
  GtkLabel *kappa_label;
  GtkDrawingArea *cutout;

  DarkmapCluster *cluster; /* owned, or NULL */
};

G_DEFINE_FINAL_TYPE (DarkmapClusterPopover, darkmap_cluster_popover, GTK_TYPE_POPOVER)

/* "%.3g" of value, or an em dash when it is unknown. */
static char *
format_number (const char *format, double value)
{
  return isfinite (value) ? g_strdup_printf (format, value) : g_strdup ("—");
}

void
darkmap_cluster_popover_set_cluster (DarkmapClusterPopover *self, DarkmapCluster *cluster)
{
  g_autofree char *title = NULL;
  g_autofree char *ra = NULL;
  g_autofree char *dec = NULL;
  g_autofree char *z = NULL;
  g_autofree char *mass = NULL;
  g_autofree char *kappa = NULL;

  g_return_if_fail (DARKMAP_IS_CLUSTER_POPOVER (self));
  g_return_if_fail (cluster == NULL || DARKMAP_IS_CLUSTER (cluster));

  g_set_object (&self->cluster, cluster);
  if (cluster != NULL)
    {
      /* TRANSLATORS: the popover's title, %s a cluster's name or number */
      title = g_strdup_printf (_("Cluster %s"), darkmap_cluster_get_label (cluster));
      ra = darkmap_format_ra_hms (darkmap_cluster_get_ra (cluster));
      dec = darkmap_format_dec_dms (darkmap_cluster_get_dec (cluster));
      z = format_number ("%.3f", darkmap_cluster_get_z (cluster));
      mass = format_number ("%.3g", darkmap_cluster_get_mass (cluster));
      kappa = format_number ("%.4f", darkmap_cluster_get_kappa (cluster));
    }
  gtk_label_set_text (self->title_label, title != NULL ? title : "");
  gtk_label_set_text (self->ra_label, ra != NULL ? ra : "");
  gtk_label_set_text (self->dec_label, dec != NULL ? dec : "");
  gtk_label_set_text (self->z_label, z != NULL ? z : "");
  gtk_label_set_text (self->mass_label, mass != NULL ? mass : "");
  gtk_label_set_text (self->kappa_label, kappa != NULL ? kappa : "");
  gtk_widget_queue_draw (GTK_WIDGET (self->cutout));
}

DarkmapCluster *
darkmap_cluster_popover_get_cluster (DarkmapClusterPopover *self)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER_POPOVER (self), NULL);
  return self->cluster;
}

void
darkmap_cluster_popover_set_mass_name (DarkmapClusterPopover *self, const char *name)
{
  g_return_if_fail (DARKMAP_IS_CLUSTER_POPOVER (self));
  gtk_label_set_text (self->mass_title, name != NULL && name[0] != '\0' ? name : _("Mass"));
}

const char *
darkmap_cluster_popover_get_text (DarkmapClusterPopover *self, const char *row)
{
  static const char *const rows[] = { "ra", "dec", "z", "mass", "kappa", "mass-title" };
  GtkLabel *labels[] = { self->ra_label, self->dec_label, self->z_label, self->mass_label,
                         self->kappa_label, self->mass_title };

  g_return_val_if_fail (DARKMAP_IS_CLUSTER_POPOVER (self), NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    if (g_strcmp0 (row, rows[i]) == 0)
      return gtk_label_get_text (labels[i]);
  return NULL;
}

static void
draw_cutout (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  DarkmapClusterPopover *self = DARKMAP_CLUSTER_POPOVER (user_data);
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self));
  double x, y;

  if (self->cluster == NULL || !DARKMAP_IS_MAP_VIEW (parent)
      || !darkmap_cluster_get_pixel (self->cluster, &x, &y))
    return;
  darkmap_map_view_render_cutout (DARKMAP_MAP_VIEW (parent), cr, width, height, x, y,
                                  DARKMAP_CUTOUT_HALF_PIXELS);
}

static void
darkmap_cluster_popover_dispose (GObject *object)
{
  DarkmapClusterPopover *self = DARKMAP_CLUSTER_POPOVER (object);

  g_clear_object (&self->cluster);
  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_CLUSTER_POPOVER);
  G_OBJECT_CLASS (darkmap_cluster_popover_parent_class)->dispose (object);
}

static void
darkmap_cluster_popover_class_init (DarkmapClusterPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = darkmap_cluster_popover_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-cluster-popover.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, title_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, ra_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, dec_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, z_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, mass_title);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, mass_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, kappa_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, cutout);
}

static void
darkmap_cluster_popover_init (DarkmapClusterPopover *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->cutout, draw_cutout, self, NULL);
}

GtkWidget *
darkmap_cluster_popover_new (void)
{
  return g_object_new (DARKMAP_TYPE_CLUSTER_POPOVER, NULL);
}
