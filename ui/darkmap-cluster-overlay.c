/* Cluster markers and labels over a map (darkmap-cluster-overlay.h). */
#include "darkmap-cluster-overlay.h"

#include <math.h>

#define DOT_RADIUS 2.0
#define HIT_SLACK 3.0
#define LABEL_FONT_SIZE 10.0

typedef struct
{
  gboolean have_masses;
  double log_lo, log_hi; /* of the list's known masses */
} MassScale;

static MassScale
mass_scale (GListModel *clusters)
{
  MassScale scale = { FALSE, 0.0, 0.0 };
  double lo, hi;

  if (darkmap_cluster_list_mass_range (clusters, &lo, &hi))
    {
      scale.have_masses = TRUE;
      scale.log_lo = log (lo);
      scale.log_hi = log (hi);
    }
  return scale;
}

static double
radius_for (const MassScale *scale, double mass)
{
  double t;

  if (!scale->have_masses || !isfinite (mass))
    return DARKMAP_MARKER_RADIUS_PLAIN;
  t = scale->log_hi > scale->log_lo
        ? (log (mass) - scale->log_lo) / (scale->log_hi - scale->log_lo)
        : 0.5;
  return DARKMAP_MARKER_RADIUS_MIN + t * (DARKMAP_MARKER_RADIUS_MAX - DARKMAP_MARKER_RADIUS_MIN);
}

double
darkmap_cluster_overlay_radius (GListModel *clusters, DarkmapCluster *cluster)
{
  MassScale scale = mass_scale (clusters);

  return radius_for (&scale, darkmap_cluster_get_mass (cluster));
}

/* The drawing position of a cluster on the map; FALSE when it is not. */
static gboolean
view_position (const cairo_matrix_t *to_view, DarkmapCluster *cluster, double *vx, double *vy)
{
  if (!darkmap_cluster_get_pixel (cluster, vx, vy))
    return FALSE;
  cairo_matrix_transform_point (to_view, vx, vy);
  return TRUE;
}

/* A circle per cluster on the map (only that one when only is set, all but
 * skip otherwise), as one path: the rings sized by mass, or the dots.
 * Markers are drawn in a few batched operations, one per colour, not one
 * per cluster. */
static void
add_circles (cairo_t *cr, const cairo_matrix_t *to_view, GListModel *clusters,
             const MassScale *scale, DarkmapCluster *only, DarkmapCluster *skip, gboolean dots)
{
  guint n = g_list_model_get_n_items (clusters);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, i);
      double vx, vy, radius;

      if ((only != NULL && cluster != only) || cluster == skip
          || !view_position (to_view, cluster, &vx, &vy))
        continue;
      radius = dots ? DOT_RADIUS : radius_for (scale, darkmap_cluster_get_mass (cluster));
      cairo_new_sub_path (cr);
      cairo_arc (cr, vx, vy, radius, 0.0, 2.0 * G_PI);
    }
}

/* Rings (white, or orange for the selection) with a dark edge, and a dot
 * at each position. */
static void
draw_markers (cairo_t *cr, const cairo_matrix_t *to_view, GListModel *clusters,
              const MassScale *scale, DarkmapCluster *only, DarkmapCluster *skip,
              gboolean selected)
{
  cairo_new_path (cr);
  add_circles (cr, to_view, clusters, scale, only, skip, FALSE);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.75);
  cairo_set_line_width (cr, selected ? 5.0 : 3.5);
  cairo_stroke_preserve (cr);
  if (selected)
    cairo_set_source_rgb (cr, 1.0, 0.62, 0.0);
  else
    cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_set_line_width (cr, selected ? 3.0 : 1.5);
  cairo_stroke (cr);

  add_circles (cr, to_view, clusters, scale, only, skip, TRUE);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.75);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
}

/* "label" or "label  z 0.25" (newly allocated). */
static char *
label_text (DarkmapCluster *cluster)
{
  double z = darkmap_cluster_get_z (cluster);

  if (isfinite (z))
    return g_strdup_printf ("%s  z %.2f", darkmap_cluster_get_label (cluster), z);
  return g_strdup (darkmap_cluster_get_label (cluster));
}

typedef struct
{
  double mass;
  double x, y;             /* where the text starts */
  cairo_text_extents_t ext;
  char *text;              /* owned */
} Label;

static void
label_clear (gpointer data)
{
  g_free (((Label *) data)->text);
}

/* Heaviest first; unknown masses last. */
static int
compare_labels (gconstpointer a, gconstpointer b)
{
  double ma = ((const Label *) a)->mass, mb = ((const Label *) b)->mass;

  ma = isfinite (ma) ? ma : -INFINITY;
  mb = isfinite (mb) ? mb : -INFINITY;
  return ma > mb ? -1 : ma < mb ? 1 : 0;
}

static gboolean
boxes_overlap (const Label *a, const Label *b)
{
  return a->x + a->ext.x_bearing < b->x + b->ext.x_bearing + b->ext.width
         && b->x + b->ext.x_bearing < a->x + a->ext.x_bearing + a->ext.width
         && a->y + a->ext.y_bearing < b->y + b->ext.y_bearing + b->ext.height
         && b->y + b->ext.y_bearing < a->y + a->ext.y_bearing + a->ext.height;
}

/* Dark labels on light boxes, beside the rings.  Labels that would cover
 * a heavier cluster's label are left out (zooming in shows them).  The
 * boxes are one path, the texts come from cairo's glyph cache (stroked text
 * paths cost ten times more per frame). */
static void
draw_labels (cairo_t *cr, const cairo_matrix_t *to_view, GListModel *clusters,
             const MassScale *scale, DarkmapCluster *only, DarkmapCluster *skip)
{
  guint n = g_list_model_get_n_items (clusters);
  g_autoptr (GArray) labels = g_array_new (FALSE, FALSE, sizeof (Label));
  g_autofree gboolean *shown = NULL;

  g_array_set_clear_func (labels, label_clear);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, i);
      Label label = { .mass = darkmap_cluster_get_mass (cluster) };
      double radius;

      if ((only != NULL && cluster != only) || cluster == skip
          || !view_position (to_view, cluster, &label.x, &label.y))
        continue;
      radius = radius_for (scale, label.mass);
      label.x += radius * M_SQRT1_2 + 2.0;
      label.y -= radius * M_SQRT1_2 + 2.0;
      label.text = label_text (cluster);
      cairo_text_extents (cr, label.text, &label.ext);
      g_array_append_val (labels, label);
    }
  g_array_sort (labels, compare_labels);

  shown = g_new0 (gboolean, labels->len);
  cairo_new_path (cr);
  for (guint i = 0; i < labels->len; i++)
    {
      const Label *label = &g_array_index (labels, Label, i);

      shown[i] = TRUE;
      for (guint j = 0; j < i && shown[i]; j++)
        shown[i] = !(shown[j] && boxes_overlap (label, &g_array_index (labels, Label, j)));
      if (shown[i])
        cairo_rectangle (cr, label->x + label->ext.x_bearing - 1.0,
                         label->y + label->ext.y_bearing - 1.0, label->ext.width + 2.0,
                         label->ext.height + 2.0);
    }
  cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 0.6);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  for (guint i = 0; i < labels->len; i++)
    if (shown[i])
      {
        const Label *label = &g_array_index (labels, Label, i);

        cairo_move_to (cr, label->x, label->y);
        cairo_show_text (cr, label->text);
      }
}

void
darkmap_cluster_overlay_draw (cairo_t *cr, const cairo_matrix_t *to_view, GListModel *clusters,
                              DarkmapCluster *selected)
{
  MassScale scale = mass_scale (clusters);

  cairo_save (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, LABEL_FONT_SIZE);
  /* Markers, then labels over every marker; the selection last. */
  draw_markers (cr, to_view, clusters, &scale, NULL, selected, FALSE);
  draw_labels (cr, to_view, clusters, &scale, NULL, selected);
  if (selected != NULL)
    {
      draw_markers (cr, to_view, clusters, &scale, selected, NULL, TRUE);
      cairo_set_font_size (cr, LABEL_FONT_SIZE + 2.0);
      draw_labels (cr, to_view, clusters, &scale, selected, NULL);
    }
  cairo_restore (cr);
}

DarkmapCluster *
darkmap_cluster_overlay_hit (const cairo_matrix_t *to_view, GListModel *clusters, double vx,
                             double vy)
{
  MassScale scale = mass_scale (clusters);
  DarkmapCluster *best = NULL;
  double best_distance = INFINITY;

  for (guint i = 0; i < g_list_model_get_n_items (clusters); i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, i);
      double cx, cy, distance;

      if (!view_position (to_view, cluster, &cx, &cy))
        continue;
      distance = hypot (vx - cx, vy - cy);
      if (distance <= radius_for (&scale, darkmap_cluster_get_mass (cluster)) + HIT_SLACK
          && distance < best_distance)
        {
          best = cluster;
          best_distance = distance;
        }
    }
  return best;
}
