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
  GtkWidget *significance_box;
  GtkLabel *peak_fraction_label;
  GtkLabel *kappa_mean_std_label;
  GtkLabel *snr_label;
  GtkDrawingArea *histogram;
  GtkDrawingArea *cutout;

  DarkmapCluster *cluster; /* owned, or NULL */
  /* The histogram of the cluster's sample kappa: n_bins counts over
   * [lo, hi]; n_bins 0 without sample values. */
  guint *counts;
  guint n_bins;
  double lo, hi;
};

G_DEFINE_FINAL_TYPE (DarkmapClusterPopover, darkmap_cluster_popover, GTK_TYPE_POPOVER)

/* "%.3g" of value, or an em dash when it is unknown. */
static char *
format_number (const char *format, double value)
{
  return isfinite (value) ? g_strdup_printf (format, value) : g_strdup ("—");
}

/* Bins the n sample values: about sqrt(n) bins (5 to 30) of equal width
 * from their smallest to their largest, one bin when they are all equal. */
static void
bin_samples (DarkmapClusterPopover *self, const float *values, guint n)
{
  g_clear_pointer (&self->counts, g_free);
  self->n_bins = 0;
  if (n == 0)
    return;
  self->lo = self->hi = values[0];
  for (guint k = 1; k < n; k++)
    {
      self->lo = fmin (self->lo, values[k]);
      self->hi = fmax (self->hi, values[k]);
    }
  self->n_bins = self->hi > self->lo ? CLAMP ((guint) ceil (sqrt (n)), 5u, 30u) : 1u;
  self->counts = g_new0 (guint, self->n_bins);
  for (guint k = 0; k < n; k++)
    {
      double t = self->hi > self->lo ? (values[k] - self->lo) / (self->hi - self->lo) : 0.0;

      self->counts[MIN ((guint) (t * self->n_bins), self->n_bins - 1)]++;
    }
}

/* The significance rows and histogram of the cluster, shown while it has
 * significance. */
static void
show_significance (DarkmapClusterPopover *self)
{
  DarkmapCluster *cluster = self->cluster;
  gboolean shown = cluster != NULL && darkmap_cluster_has_significance (cluster);
  g_autofree char *peak_fraction = NULL;
  g_autofree char *mean = NULL;
  g_autofree char *std = NULL;
  g_autofree char *mean_std = NULL;
  g_autofree char *snr = NULL;
  const float *values = NULL;
  guint n = 0;

  if (shown)
    {
      peak_fraction = format_number ("%.3f", darkmap_cluster_get_peak_fraction (cluster));
      mean = format_number ("%+.4f", darkmap_cluster_get_kappa_mean (cluster));
      std = format_number ("%.4f", darkmap_cluster_get_kappa_std (cluster));
      mean_std = g_strdup_printf ("%s ± %s", mean, std);
      snr = format_number ("%.2f", darkmap_cluster_get_snr (cluster));
      values = darkmap_cluster_get_sample_kappa (cluster, &n);
    }
  gtk_widget_set_visible (self->significance_box, shown);
  gtk_label_set_text (self->peak_fraction_label, shown ? peak_fraction : "");
  gtk_label_set_text (self->kappa_mean_std_label, shown ? mean_std : "");
  gtk_label_set_text (self->snr_label, shown ? snr : "");
  bin_samples (self, values, n);
  gtk_widget_set_visible (GTK_WIDGET (self->histogram), self->n_bins > 0);
  gtk_widget_queue_draw (GTK_WIDGET (self->histogram));
}

static void
on_significance_changed (DarkmapCluster *cluster, GParamSpec *pspec, DarkmapClusterPopover *self)
{
  show_significance (self);
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

  if (self->cluster != NULL)
    g_signal_handlers_disconnect_by_data (self->cluster, self);
  g_set_object (&self->cluster, cluster);
  if (cluster != NULL)
    {
      /* The list's significance may come or change while the popover is up. */
      g_signal_connect_object (cluster, "notify::has-significance",
                               G_CALLBACK (on_significance_changed), self, 0);
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
  show_significance (self);
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
  static const char *const rows[] = { "ra", "dec", "z", "mass", "kappa", "mass-title",
                                      "peak-fraction", "kappa-mean-std", "snr" };
  GtkLabel *labels[] = { self->ra_label, self->dec_label, self->z_label, self->mass_label,
                         self->kappa_label, self->mass_title, self->peak_fraction_label,
                         self->kappa_mean_std_label, self->snr_label };

  g_return_val_if_fail (DARKMAP_IS_CLUSTER_POPOVER (self), NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    if (g_strcmp0 (row, rows[i]) == 0)
      return gtk_label_get_text (labels[i]);
  return NULL;
}

const guint *
darkmap_cluster_popover_get_histogram (DarkmapClusterPopover *self, guint *n_bins, double *lo,
                                       double *hi)
{
  g_return_val_if_fail (DARKMAP_IS_CLUSTER_POPOVER (self), NULL);
  *n_bins = self->n_bins;
  *lo = self->lo;
  *hi = self->hi;
  return self->counts;
}

/* The histogram's bars in the text colour, the mean as an orange line, and
 * the range's ends under them. */
static void
draw_histogram (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  DarkmapClusterPopover *self = DARKMAP_CLUSTER_POPOVER (user_data);
  const double font_size = 9.0, axis = font_size + 4.0;
  double bar_height = height - axis, bin_width, peak = 0.0, mean;
  g_autofree char *lo = NULL;
  g_autofree char *hi = NULL;
  cairo_text_extents_t hi_ext;
  GdkRGBA fg;

  if (self->n_bins == 0 || bar_height <= 0.0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  for (guint b = 0; b < self->n_bins; b++)
    peak = fmax (peak, self->counts[b]);
  bin_width = (double) width / self->n_bins;
  for (guint b = 0; b < self->n_bins; b++)
    {
      double h = bar_height * self->counts[b] / peak;

      cairo_rectangle (cr, b * bin_width + 0.5, bar_height - h, bin_width - 1.0, h);
    }
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.45);
  cairo_fill (cr);

  mean = darkmap_cluster_get_kappa_mean (self->cluster);
  if (isfinite (mean))
    {
      double x = self->hi > self->lo ? (mean - self->lo) / (self->hi - self->lo) * width
                                     : width / 2.0;

      cairo_move_to (cr, x, 0.0);
      cairo_line_to (cr, x, bar_height);
      cairo_set_source_rgb (cr, 0.95, 0.45, 0.1);
      cairo_set_line_width (cr, 2.0);
      cairo_stroke (cr);
    }

  lo = g_strdup_printf ("%+.3f", self->lo);
  hi = g_strdup_printf ("%+.3f", self->hi);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, font_size);
  cairo_text_extents (cr, hi, &hi_ext);
  gdk_cairo_set_source_rgba (cr, &fg);
  cairo_move_to (cr, 0.0, height - 2.0);
  cairo_show_text (cr, lo);
  cairo_move_to (cr, width - hi_ext.x_advance, height - 2.0);
  cairo_show_text (cr, hi);
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

  if (self->cluster != NULL)
    g_signal_handlers_disconnect_by_data (self->cluster, self);
  g_clear_object (&self->cluster);
  g_clear_pointer (&self->counts, g_free);
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
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, significance_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, peak_fraction_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, kappa_mean_std_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, snr_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, histogram);
  gtk_widget_class_bind_template_child (widget_class, DarkmapClusterPopover, cutout);
}

static void
darkmap_cluster_popover_init (DarkmapClusterPopover *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->histogram, draw_histogram, self, NULL);
  gtk_drawing_area_set_draw_func (self->cutout, draw_cutout, self, NULL);
}

GtkWidget *
darkmap_cluster_popover_new (void)
{
  return g_object_new (DARKMAP_TYPE_CLUSTER_POPOVER, NULL);
}
